/*
 * test_report.c - the reports of sim/report_svg.c (with sim/diagram.c)
 * and sim/report_html.c on real runs (a crash right after the deduction,
 * recovered; the naive design losing a unit to the same crash) and on a
 * run written by hand whose texts hold every character XML must escape:
 * the SVG, the timeline and the HTML pages are well-formed, name the
 * lifelines, mark the fault and the crash, and escape what they quote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "check.h"
#include "explore.h"
#include "report.h"
#include "report_html.h"
#include "report_svg.h"
#include "runner.h"
#include "support.h"

#define NESTING_MAX 64
#define TAG_NAME_MAX 32

/* ---- a small XML well-formedness check --------------------------------- */

struct xml_check {
	const char *at;
	char stack[NESTING_MAX][TAG_NAME_MAX];
	int depth;
	int roots;
	char why[160];
};

static bool xml_fail(struct xml_check *x, const char *why)
{
	snprintf(x->why, sizeof(x->why), "%s at \"%.40s\"", why, x->at);
	return false;
}

/* &amp; &lt; &gt; &quot; &apos; &#NN; &#xHH; */
static bool xml_entity(struct xml_check *x)
{
	static const char *const names[] = { "amp;", "lt;", "gt;", "quot;", "apos;" };
	const char *p = x->at + 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(p, names[i], strlen(names[i])) == 0) {
			x->at = p + strlen(names[i]);
			return true;
		}
	if (*p++ != '#')
		return xml_fail(x, "bad entity");
	if (*p == 'x')
		p++;
	if (!strchr("0123456789abcdefABCDEF", *p) || !*p)
		return xml_fail(x, "bad character reference");
	while (*p && strchr("0123456789abcdefABCDEF", *p))
		p++;
	if (*p != ';')
		return xml_fail(x, "unterminated character reference");
	x->at = p + 1;
	return true;
}

static size_t xml_name(const char *p)
{
	size_t n = 0;
	while (p[n] && (strchr("-_:.", p[n]) || (p[n] >= 'a' && p[n] <= 'z') ||
			(p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
		n++;
	return n;
}

static bool xml_attributes(struct xml_check *x)
{
	for (;;) {
		size_t n;
		char quote;
		while (*x->at == ' ' || *x->at == '\n' || *x->at == '\t')
			x->at++;
		if (*x->at == '>' || strncmp(x->at, "/>", 2) == 0)
			return true;
		n = xml_name(x->at);
		if (n == 0)
			return xml_fail(x, "bad attribute name");
		x->at += n;
		if (*x->at++ != '=')
			return xml_fail(x, "attribute without =");
		quote = *x->at++;
		if (quote != '"' && quote != '\'')
			return xml_fail(x, "unquoted attribute");
		while (*x->at && *x->at != quote) {
			if (*x->at == '<')
				return xml_fail(x, "< in an attribute");
			if (*x->at == '&' ? !xml_entity(x) : (x->at++, false))
				return false;
		}
		if (!*x->at++)
			return xml_fail(x, "unterminated attribute");
	}
}

static bool xml_tag(struct xml_check *x)
{
	bool closing = x->at[1] == '/';
	size_t n;
	x->at += closing ? 2 : 1;
	n = xml_name(x->at);
	if (n == 0 || n >= TAG_NAME_MAX)
		return xml_fail(x, "bad tag name");
	if (closing) {
		if (x->depth == 0 || strncmp(x->stack[x->depth - 1], x->at, n) ||
		    x->stack[x->depth - 1][n])
			return xml_fail(x, "mismatched closing tag");
		x->depth--;
		x->at += n;
		if (*x->at++ != '>')
			return xml_fail(x, "bad closing tag");
		return true;
	}
	if (x->depth == 0)
		x->roots++;
	if (x->depth == NESTING_MAX)
		return xml_fail(x, "nested too deep");
	snprintf(x->stack[x->depth], TAG_NAME_MAX, "%.*s", (int)n, x->at);
	x->at += n;
	if (!xml_attributes(x))
		return false;
	if (*x->at == '/')
		x->at += 2;     /* <empty/> */
	else {
		x->at++;
		x->depth++;
	}
	return true;
}

/* Tags nest and close, attributes are quoted, '&' starts an entity, one
 * root element; <!DOCTYPE> and comments are skipped. */
static bool xml_well_formed(const char *text, char *why, size_t why_size)
{
	struct xml_check x;
	bool ok = true;
	memset(&x, 0, sizeof(x));
	x.at = text;
	while (ok && *x.at) {
		if (strncmp(x.at, "<!--", 4) == 0) {
			const char *end = strstr(x.at, "-->");
			ok = end ? (x.at = end + 3, true) : xml_fail(&x, "open comment");
		} else if (strncmp(x.at, "<!", 2) == 0 && x.depth == 0) {
			const char *end = strchr(x.at, '>');
			ok = end ? (x.at = end + 1, true) : xml_fail(&x, "open <!");
		} else if (*x.at == '<') {
			ok = xml_tag(&x);
		} else if (*x.at == '&') {
			ok = xml_entity(&x);
		} else {
			if ((unsigned char)*x.at < 0x20 && !strchr("\n\t\r", *x.at))
				ok = xml_fail(&x, "control character");
			x.at++;
		}
	}
	if (ok && x.depth != 0)
		ok = xml_fail(&x, "unclosed element");
	if (ok && x.roots != 1)
		ok = xml_fail(&x, "not exactly one root element");
	snprintf(why, why_size, "%s", x.why);
	return ok;
}

static void assert_well_formed(const char *text)
{
	char why[200];
	if (!xml_well_formed(text, why, sizeof(why)))
		fail_msg("not well-formed: %s", why);
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("missing: %s", part);
}

/* The checker itself: it must refuse what is broken. */
static void test_the_xml_check_refuses_broken_markup(void **state)
{
	char why[200];
	(void)state;
	assert_true(xml_well_formed("<a x=\"1\"><b/>t &amp; &#39;</a>", why,
				    sizeof(why)));
	assert_false(xml_well_formed("<a><b></a></b>", why, sizeof(why)));
	assert_false(xml_well_formed("<a>x & y</a>", why, sizeof(why)));
	assert_false(xml_well_formed("<a x=1></a>", why, sizeof(why)));
	assert_false(xml_well_formed("<a x=\"<\"></a>", why, sizeof(why)));
	assert_false(xml_well_formed("<a>", why, sizeof(why)));
	assert_false(xml_well_formed("<a></a><b></b>", why, sizeof(why)));
}

/* ---- real runs ---------------------------------------------------------- */

struct fixture {
	struct runner runner;
	int64_t crash_run;             /* the protocol, crash after deduct */
	struct sim_config crash_config;
	struct sim_result crash_result;
	char crash_replay[4096];
	int64_t naive_run;             /* the naive design, same crash */
	struct sim_config naive_config;
	struct sim_result naive_result;
	char naive_replay[4096];
};

static struct fixture fixture;
static char flashsim[4096];   /* the binary of the same build */

static void run_one(struct sim_config *config, int users, int64_t stock,
		    enum variant_id variant, int64_t *run_id,
		    struct sim_result *result, char *replay, size_t replay_size)
{
	char error[512];
	sim_config_defaults(config);
	config->users = users;
	config->stock = stock;
	config->variant = variant;
	if (fault_plan_add(&config->plan, "app/deduct/after@1:crash", error,
			   sizeof(error)))
		fail_msg("%s", error);
	if (runner_run(&fixture.runner, config, "run", result, run_id, replay,
		       replay_size, error, sizeof(error)))
		fail_msg("run: %s", error);
}

static int setup(void **state)
{
	struct runner_options options = { .program = "flashsim",
					  .persistence = REDIS_PERSISTENCE_AOF };
	char error[512];
	(void)state;
	if (runner_open(&fixture.runner, &options, error, sizeof(error)) != 0) {
		fprintf(stderr, "runner: %s\n", error);
		return -1;
	}
	run_one(&fixture.crash_config, 3, 2, VARIANT_NONE, &fixture.crash_run,
		&fixture.crash_result, fixture.crash_replay,
		sizeof(fixture.crash_replay));
	run_one(&fixture.naive_config, 1, 1, VARIANT_NAIVE, &fixture.naive_run,
		&fixture.naive_result, fixture.naive_replay,
		sizeof(fixture.naive_replay));
	return 0;
}

/* Each teaching variant's failure, as the explorer shrinks it (docs/
 * VARIANTS.md): every built-in invariant it breaks points at some event
 * of the run, read from the trace as the driver writes it. */
static void test_each_variant_failure_points_at_events(void **state)
{
	static const struct {
		enum variant_id variant;
		const char *fault;
	} failures[] = {
		{ VARIANT_NAIVE, "net/buy/request@1:duplicate" },
		{ VARIANT_NO_ROLLBACK_MARKER, "app/deduct/before@1:delay" },
		{ VARIANT_ORDER_NO_BARRIER, "coord/branch/after@1:crash" },
		{ VARIANT_DEDUCT_BEFORE_PREPARE, "app/prepare/before@1:crash" },
		{ VARIANT_DEDUCT_BEFORE_PREPARE, "net/buy/request@1:duplicate" },
		{ VARIANT_REDIS_NO_PERSISTENCE, "app/deduct/before@1:redis-crash" },
	};
	struct runner_options options = { .program = "flashsim",
					  .persistence = REDIS_PERSISTENCE_NONE };
	struct runner plain;
	char error[512];
	(void)state;
	if (runner_open(&plain, &options, error, sizeof(error)) != 0)
		fail_msg("runner: %s", error);
	for (size_t f = 0; f < sizeof(failures) / sizeof(failures[0]); f++) {
		struct runner *runner = failures[f].variant ==
			VARIANT_REDIS_NO_PERSISTENCE ? &plain : &fixture.runner;
		struct sim_config config;
		struct sim_result result;
		char replay[4096];
		int64_t run_id;
		sqlite3 *db = tracedb_sqlite(runner->db);
		sqlite3_stmt *stmt;
		int violated = 0;
		sim_config_defaults(&config);
		config.users = 1;
		config.stock = 1;
		config.variant = failures[f].variant;
		if (fault_plan_add(&config.plan, failures[f].fault, error,
				   sizeof(error)) ||
		    runner_run(runner, &config, "run", &result, &run_id, replay,
			       sizeof(replay), error, sizeof(error)))
			fail_msg("%s", error);
		assert_int_not_equal(result.verdict, VERDICT_OK);
		assert_int_equal(sqlite3_prepare_v2(db,
			"SELECT v.invariant, (SELECT count(*) FROM violation_events"
			" p WHERE p.run_id = v.run_id AND p.invariant = v.invariant)"
			" FROM violations v WHERE v.run_id = ?1"
			" GROUP BY v.invariant", -1, &stmt, NULL), SQLITE_OK);
		sqlite3_bind_int64(stmt, 1, run_id);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			violated++;
			if (sqlite3_column_int(stmt, 1) == 0)
				fail_msg("%s: %s points at no event", replay,
					 (const char *)sqlite3_column_text(stmt, 0));
		}
		sqlite3_finalize(stmt);
		assert_true(violated > 0);
	}
	runner_close(&plain);
}

static int teardown(void **state)
{
	(void)state;
	runner_close(&fixture.runner);
	return 0;
}

static char *svg_of(struct tracedb *db, int64_t run_id, const char *title)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	assert_int_equal(report_svg(out, db, run_id, title, NULL), 0);
	fclose(out);
	return text;
}

static char *timeline_of(struct tracedb *db, int64_t run_id)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	assert_int_equal(report_timeline(out, db, run_id), 0);
	fclose(out);
	return text;
}

static char *html_run_of(struct tracedb *db, int64_t run_id,
			 const struct sim_config *config,
			 const struct sim_result *result, const char *replay)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	assert_int_equal(report_html_run(out, db, run_id, config, result,
					 replay, &fixture.runner.invariants,
					 NULL, NULL), 0);
	fclose(out);
	return text;
}

static int occurrences(const char *text, const char *part)
{
	int count = 0;
	for (const char *at = strstr(text, part); at;
	     at = strstr(at + 1, part))
		count++;
	return count;
}

static void test_svg_draws_the_crash_and_the_recovery(void **state)
{
	char *svg;
	(void)state;
	assert_int_equal(fixture.crash_result.verdict, VERDICT_OK);
	svg = svg_of(fixture.runner.db, fixture.crash_run, "crash <test>");
	assert_well_formed(svg);
	assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	assert_contains(svg, "<title>crash &lt;test&gt;</title>");
	assert_contains(svg, ">transactions shown: 1 (and the events that"
			" belong to no transaction: ");
	/* The lifelines. */
	assert_contains(svg, ">User</text>");
	assert_contains(svg, ">App</text>");
	assert_contains(svg, ">Coordinator</text>");
	assert_contains(svg, ">Redis</text>");
	assert_contains(svg, ">Order service</text>");
	/* The fault, the crash mark, the restart. */
	assert_contains(svg, ">FAULT app/deduct/after@1:crash</text>");
	assert_contains(svg, ">CRASH: volatile state, calls and timers lost</text>");
	assert_contains(svg, ">RESTART</text>");
	/* The story: prepare, deduct, then the coordinator's backcheck finds
	 * the deduction and creates the order. */
	assert_contains(svg, ">prepare</text>");
	assert_contains(svg, ">deduct</text>");
	assert_contains(svg, ">backcheck -&gt; SUCCESS</text>");
	assert_contains(svg, ">createOrder</text>");
	assert_contains(svg, ">told unknown</text>");
	/* The key of the marks, under the drawing, after every row (a
	 * diagram copied alone still says what its marks mean). */
	assert_contains(svg, ">the injected fault</text>");
	assert_contains(svg, ">lost on the way, or no answer in time</text>");
	assert_true(strstr(svg, ">delivered twice</text>") >
		    strstr(svg, ">told unknown</text>"));
	/* Which transaction, and why. */
	assert_contains(svg, "{a}flash-sale-1-1 (crash, told unknown)");
	/* No violation: only the key's sample of the mark. */
	assert_int_equal(occurrences(svg, "class=\"fs-pointed\""), 1);
	free(svg);
}

static void test_svg_shows_the_naive_loss(void **state)
{
	char *svg;
	(void)state;
	assert_int_equal(fixture.naive_result.verdict, VERDICT_VIOLATION);
	svg = svg_of(fixture.runner.db, fixture.naive_run, NULL);
	assert_well_formed(svg);
	assert_contains(svg, "<title>flashsim run ");
	assert_contains(svg, "verdict: violation: conservation");
	assert_contains(svg, ">FAULT app/deduct/after@1:crash</text>");
	/* No coordinator in that design, and no transactions: its gids name
	 * purchases. */
	assert_contains(svg, "(not involved)");
	assert_contains(svg, ">purchases shown: 1 (and the events that belong"
			" to no purchase: ");
	/* Where the violation points: the deduction whose unit has no
	 * order, outlined, with why under it, besides the key's sample. */
	assert_contains(svg, ">conservation: a unit taken here that no order"
			" matches</text>");
	assert_int_equal(occurrences(svg, "class=\"fs-pointed\""), 2);
	assert_true(strstr(svg, ">conservation: a unit taken") >
		    strstr(svg, ">deduct</text>"));
	assert_true(strstr(svg, ">conservation: a unit taken") <
		    strstr(svg, ">FAULT app/deduct/after@1:crash</text>"));
	free(svg);
}

/* --diagram-users: the purchases of the users chosen come first, in the
 * places left by none; the others that matter fill the rest. */
static void test_the_diagram_draws_the_users_chosen(void **state)
{
	struct diagram_users users = { 2, { 5, 2 } };
	struct sim_config config;
	struct sim_result result;
	char replay[4096], error[512], *svg = NULL;
	size_t size = 0;
	int64_t run_id;
	FILE *out;
	(void)state;
	sim_config_defaults(&config);
	config.users = 8;
	config.stock = 3;
	if (fault_plan_add(&config.plan, "app/deduct/after@1:crash", error,
			   sizeof(error)) ||
	    runner_run(&fixture.runner, &config, "run", &result, &run_id,
		       replay, sizeof(replay), error, sizeof(error)))
		fail_msg("run: %s", error);
	out = open_memstream(&svg, &size);
	assert_non_null(out);
	assert_int_equal(report_svg(out, fixture.runner.db, run_id, NULL,
				    &users), 0);
	fclose(out);
	assert_well_formed(svg);
	assert_contains(svg, ">transactions shown: 3 (");
	assert_contains(svg, ">{a}flash-sale-1-5 (chosen)</text>");
	assert_contains(svg, ">{a}flash-sale-1-2 (chosen)</text>");
	assert_contains(svg, " (crash");
	free(svg);
	/* none chosen: the crash alone */
	svg = svg_of(fixture.runner.db, run_id, NULL);
	assert_contains(svg, ">transactions shown: 1 (");
	assert_null(strstr(svg, "(chosen"));
	free(svg);
}

/* The naive app creates the order by a step of its own, not by the
 * protocol's app/submit, whose points say "ask the coordinator". */
static void test_the_naive_app_creates_the_order_by_its_own_step(void **state)
{
	struct sim_config config;
	struct sim_result result;
	char replay[4096], error[512], *timeline;
	int64_t run_id;
	(void)state;
	sim_config_defaults(&config);
	config.users = 1;
	config.stock = 1;
	config.variant = VARIANT_NAIVE;
	if (runner_run(&fixture.runner, &config, "run", &result, &run_id,
		       replay, sizeof(replay), error, sizeof(error)))
		fail_msg("run: %s", error);
	assert_int_equal(result.verdict, VERDICT_OK);
	timeline = timeline_of(fixture.runner.db, run_id);
	assert_contains(timeline, "app/create_order {a}flash-sale-1-1 -> order-1"
			" createOrder");
	assert_null(strstr(timeline, "app/submit"));
	free(timeline);
}

static void test_timeline_has_every_event_and_marks_the_fault(void **state)
{
	sqlite3 *db = tracedb_sqlite(fixture.runner.db);
	sqlite3_stmt *stmt;
	char *timeline, *line;
	int lines = 0, events, faults = 0, crashes = 0;
	(void)state;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM events"
					    " WHERE run_id = ?1", -1, &stmt,
					    NULL), SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, fixture.crash_run);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	events = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	timeline = timeline_of(fixture.runner.db, fixture.crash_run);
	for (line = timeline; line && *line; line = strchr(line, '\n') + 1) {
		lines++;
		if (line[0] == '!') {
			faults++;
			const char *mark = strstr(line, "[fault app/deduct/after@1:crash]");
			assert_non_null(mark);
			assert_true(mark < strchr(line, '\n'));
		}
		crashes += line[0] == 'X';
		if (!strchr(line, '\n'))
			break;
	}
	assert_int_equal(lines, events);
	assert_int_equal(faults, 1);
	assert_int_equal(crashes, 1);
	assert_contains(timeline, "coord/backcheck {a}flash-sale-1-1 <- OK/SUCCESS");
	free(timeline);
}

/* The naive run's timeline marks the deduction its violation points at
 * with '>' and says why on the next line. */
static void test_timeline_marks_where_the_violation_points(void **state)
{
	char *timeline;
	(void)state;
	timeline = timeline_of(fixture.runner.db, fixture.naive_run);
	assert_non_null(strstr(timeline, "\n>      617  app-2     app/deduct"
			       " {a}flash-sale-1-1 = OK\n"
			       "             ^ conservation: a unit taken here"
			       " that no order matches\n"));
	free(timeline);
	timeline = timeline_of(fixture.runner.db, fixture.crash_run);
	assert_null(strstr(timeline, "\n>"));
	assert_null(strstr(timeline, " ^ "));
	free(timeline);
}

static void test_html_run_is_one_well_formed_page(void **state)
{
	char *html;
	(void)state;
	html = html_run_of(fixture.runner.db, fixture.naive_run,
			   &fixture.naive_config, &fixture.naive_result,
			   fixture.naive_replay);
	assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	assert_well_formed(html);
	assert_contains(html, "verdict: violation");
	assert_contains(html, "violated: conservation");
	/* what the invariant checks, in its query's opening comment */
	assert_contains(html, "<p class=\"why\"><b>conservation</b><br/>"
			"Conservation: every unit taken from the stock became"
			" exactly one order, and every order");
	assert_contains(html, "<svg xmlns=");
	assert_contains(html, "[fault app/deduct/after@1:crash]");
	assert_contains(html, "--variant naive");
	assert_contains(html, "<td>naive</td>");
	/* without a scenario file: no file named, no expectation */
	assert_contains(html, "<title>flashsim run</title>");
	assert_contains(html, "<h1>flashsim run</h1>");
	assert_null(strstr(html, "Scenario file"));
	assert_null(strstr(html, "expectation"));
	/* Self-contained: no resource from elsewhere. */
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "href=\"http"));
	assert_null(strstr(html, "<link"));
	free(html);
}

/* flashsim compare --html: one well-formed page, self-contained, with
 * both designs: the table of what each came to (the verdicts in their
 * colours), one sentence of the difference, and both diagrams. */
static void test_html_compare_has_both_designs(void **state)
{
	char dir[256], path[300], *html, *second;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "compare"), 0);
	assert_int_equal(support_shell("%s compare --users 1 --stock 1"
				       " --variant naive --fault"
				       " app/deduct/after@1:crash --html"
				       " %s/compare.html >%s/compare.txt",
				       flashsim, dir, dir), 0);
	snprintf(path, sizeof(path), "%s/compare.html", dir);
	html = support_read_file(path);
	assert_non_null(html);
	assert_well_formed(html);
	assert_contains(html, "<h1>flashsim compare: naive and the protocol</h1>");
	assert_contains(html, "<b>In short:</b> under the same faults, A: naive"
			" broke conservation (617 ms, app-2 app/deduct: a unit"
			" taken here that no order matches); B: the protocol"
			" kept every invariant</p>");
	assert_contains(html, "<th>A: naive</th><th>B: the protocol</th>");
	assert_contains(html, "<td class=\"violation\">violation:"
			" conservation</td><td class=\"ok\">ok</td>");
	/* a diagram for each, each titled by its own replay line */
	second = strstr(html, "<svg xmlns=");
	assert_non_null(second);
	assert_contains(second, "--variant naive --fault app/deduct/after@1:crash");
	second = strstr(second + 1, "<svg xmlns=");
	assert_non_null(second);
	assert_contains(second, "coord/backcheck");
	/* long values are whole: the 32nd fault of a plan of 32 */
	free(html);
	assert_int_equal(support_shell("%s compare --users 40 --stock 40"
				       " --variant naive $(for i in $(seq 32);"
				       " do printf -- '--fault app/deduct/"
				       "before@%%d:redis-request-lost ' $i;"
				       " done) --html %s/long.html"
				       " >%s/long.txt", flashsim, dir, dir), 0);
	snprintf(path, sizeof(path), "%s/long.html", dir);
	html = support_read_file(path);
	assert_non_null(html);
	assert_well_formed(html);
	assert_contains(html, ", app/deduct/before@32:redis-request-lost</td>");
	free(html);
	snprintf(path, sizeof(path), "%s/compare.html", dir);
	html = support_read_file(path);
	assert_non_null(html);
	/* the conservation invariant explains itself on A's side */
	assert_contains(html, "<p class=\"why\"><b>conservation</b>");
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "<link"));
	/* without a scenario file: no file named, no expectation */
	assert_contains(html, "<title>flashsim compare: naive and the"
			" protocol</title>");
	assert_null(strstr(html, "Scenario file"));
	assert_null(strstr(html, "expectation"));
	free(html);
	support_tempdir_remove(dir);
}

/* ---- a scenario file's page ---------------------------------------------- */

/* Writes dir/name with text; its path into path. */
static void write_scenario(const char *dir, const char *name,
			   const char *text, char *path, size_t size)
{
	FILE *file;
	snprintf(path, size, "%s/%s", dir, name);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

/* Reads dir/name, a page that must be well-formed. */
static char *page_of(const char *dir, const char *name)
{
	char path[300];
	char *html;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	html = support_read_file(path);
	if (!html)
		fail_msg("%s was not written", path);
	assert_well_formed(html);
	return html;
}

/* A scenario that expects the violation it shows: its pages name the
 * file and say the expectation was met, above the red verdict, so that
 * the violation reads as the scenario doing its job (a user review: the
 * pages said neither, and a teacher showed a red page that was the
 * expected outcome). */
static void test_html_says_the_expectation_was_met(void **state)
{
	char dir[256], *html;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "expect-met"), 0);
	assert_int_equal(support_shell("%s run scenarios/naive-crash.ini --html"
				       " %s/run.html >%s/run.txt", flashsim,
				       dir, dir), 0);
	html = page_of(dir, "run.html");
	assert_contains(html, "<title>flashsim run scenarios/naive-crash.ini"
			"</title>");
	assert_contains(html, "<h1>flashsim run scenarios/naive-crash.ini"
			"</h1>\n<p class=\"scenario\">Scenario file <code>"
			"scenarios/naive-crash.ini</code>: <b>naive design,"
			" crash after deduct</b><br/>without the 2-phase"
			" message");
	assert_contains(html, "<div class=\"expect expect-met\"><b>expectation:"
			" met</b><br/>The scenario&#39;s [expect]: verdict ="
			" violation, invariant = conservation, orders = 0,"
			" stock_left = 0. The run came to that: the failure"
			" this page shows is what the scenario was written to"
			" show, not a failure of flashsim.</div>\n"
			"<div class=\"verdict verdict-violation\">");
	free(html);

	assert_int_equal(support_shell("%s explore scenarios/explore-no-"
				       "rollback-marker.ini --html %s/ex.html"
				       " >%s/ex.txt", flashsim, dir, dir), 0);
	html = page_of(dir, "ex.html");
	assert_contains(html, "<title>flashsim explore scenarios/explore-no-"
			"rollback-marker.ini</title>");
	assert_contains(html, "<b>the explorer catches a missing rollback"
			" marker</b>");
	assert_contains(html, "<div class=\"expect expect-met\"><b>expectation:"
			" met</b><br/>The scenario&#39;s [expect]: invariant ="
			" barrier_agreement, caught = true. The exploration"
			" came to that: the failure this page shows");
	free(html);

	/* compare: the expectation is design A's */
	assert_int_equal(support_shell("%s compare scenarios/naive-crash.ini"
				       " --html %s/compare.html"
				       " >%s/compare.txt", flashsim, dir, dir),
			 0);
	html = page_of(dir, "compare.html");
	assert_contains(html, "<title>flashsim compare scenarios/"
			"naive-crash.ini: naive and the protocol</title>");
	assert_contains(html, "<div class=\"expect expect-met\"><b>design A:"
			" expectation: met</b><br/>");
	assert_contains(html, "Design A&#39;s run came to that");
	free(html);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A scenario whose expectation fails: the pages say NOT met and what
 * differed, as the text's line does; what the file gives (its path, its
 * [scenario] name and description) is escaped. A file without [expect]
 * is named, with no expectation; one whose keys the command does not
 * check says so. */
static void test_html_says_the_expectation_was_not_met(void **state)
{
	static const char unmet[] =
		"[scenario]\nname = <b>\"odd\" & 'name'</b>\n"
		"description = a < b & c\n[sale]\nstock = 1\n"
		"[workload]\nusers = 1\n[expect]\nverdict = violation\n";
	static const char explored[] =
		"[sale]\nstock = 1\n[workload]\nusers = 1\n"
		"[faults]\nmode = exhaustive\nkinds = crash\n"
		"[expect]\ncaught = true\n";
	char dir[256], path[300], *html;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "expect-unmet"), 0);
	write_scenario(dir, "a&b.ini", unmet, path, sizeof(path));
	assert_int_equal(support_shell("%s run '%s' --html %s/run.html"
				       " >%s/run.txt", flashsim, path, dir,
				       dir), 1);
	html = page_of(dir, "run.html");
	assert_contains(html, "a&amp;b.ini</title>");
	assert_contains(html, "a&amp;b.ini</code>: <b>&lt;b&gt;&quot;odd&quot;"
			" &amp; &#39;name&#39;&lt;/b&gt;</b><br/>a &lt; b &amp;"
			" c</p>");
	assert_contains(html, "<div class=\"expect expect-not-met\"><b>"
			"expectation NOT met: verdict ok, expected violation"
			"</b><br/>The scenario&#39;s [expect]: verdict ="
			" violation. The run did not come to that: the scenario"
			" did not show what it was written to show.</div>");
	free(html);

	assert_int_equal(support_shell("%s compare '%s' --html %s/compare.html"
				       " >%s/compare.txt", flashsim, path, dir,
				       dir), 1);
	html = page_of(dir, "compare.html");
	assert_contains(html, "<div class=\"expect expect-not-met\"><b>design"
			" A: expectation NOT met: verdict ok, expected"
			" violation</b>");
	free(html);

	write_scenario(dir, "explored.ini", explored, path, sizeof(path));
	assert_int_equal(support_shell("%s explore %s --html %s/ex.html"
				       " >%s/ex.txt", flashsim, path, dir, dir),
			 1);
	html = page_of(dir, "ex.html");
	assert_contains(html, "explored.ini</h1>");
	assert_contains(html, "<div class=\"expect expect-not-met\"><b>"
			"expectation NOT met: no failure found, expected at"
			" least one</b>");
	assert_contains(html, "The exploration did not come to that");
	free(html);
	/* run checks none of explore's keys: not checked, in grey */
	assert_int_equal(support_shell("%s run %s --html %s/unchecked.html"
				       " >%s/unchecked.txt", flashsim, path,
				       dir, dir), 0);
	html = page_of(dir, "unchecked.html");
	assert_contains(html, "<div class=\"expect expect-unchecked\"><b>"
			"expectation: not checked: run checks none of its keys"
			" (caught); the verdict gives the exit code</b><br/>The"
			" scenario&#39;s [expect]: caught = true.</div>");
	free(html);

	write_scenario(dir, "plain.ini", "[sale]\nstock = 1\n", path,
		       sizeof(path));
	assert_int_equal(support_shell("%s run %s --html %s/plain.html"
				       " >%s/plain.txt", flashsim, path, dir,
				       dir), 0);
	html = page_of(dir, "plain.html");
	assert_contains(html, "plain.ini</title>");
	assert_contains(html, "plain.ini</code></p>");
	assert_null(strstr(html, "expectation"));
	free(html);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* What Redis lost is said, not shown as numbers it never held: the
 * stock key gone with a restart of a Redis without persistence is no
 * "0 left, 2 deducted" (JSON null), the transaction a coordinator had
 * saved is lost, not "never created", and the Redis crash is counted. */
static void test_a_run_says_what_redis_lost(void **state)
{
	static const char run[] = "run --users 1 --stock 2 --seed 1"
		" --coordinators 2 --variant redis-no-persistence"
		" --fault app/deduct/before@1:redis-crash"
		" --redis-persistence none";
	char dir[256], path[300], *text;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "lost"), 0);
	assert_int_equal(support_shell("%s %s --html %s/run.html >%s/run.txt",
				       flashsim, run, dir, dir), 1);
	snprintf(path, sizeof(path), "%s/run.txt", dir);
	text = support_read_file(path);
	assert_non_null(text);
	assert_contains(text, "  stock         2 initial, left unknown: the"
			" stock key is missing from Redis (lost)\n");
	assert_contains(text, "0 submitted, 0 never created, 1 lost (saved,"
			" then missing from Redis)\n");
	assert_contains(text, " steps, 0 crashes, 1 Redis crash, 0 ");
	assert_null(strstr(text, "deducted"));
	free(text);
	snprintf(path, sizeof(path), "%s/run.html", dir);
	text = support_read_file(path);
	assert_non_null(text);
	assert_well_formed(text);
	assert_contains(text, "<td>stock</td><td>2 initial, left unknown: the"
			" stock key is missing from Redis (lost)</td>");
	assert_contains(text, "1 lost (saved, then missing from Redis)");
	assert_contains(text, "0 crashes, 1 Redis crash,");
	free(text);
	assert_int_equal(support_shell(
		"%s %s --json | python3 -c 'import json,sys; d=json.load(sys.stdin);"
		" sys.exit(not (d[\"stock_left\"] is None and"
		" d[\"txns\"][\"none\"]==1 and d[\"txns\"][\"lost\"]==1 and"
		" d[\"crashes\"]==0 and d[\"redis_crashes\"]==1))'",
		flashsim, run), 0);
	/* A stock key that is there is counted as before, and nothing is
	 * lost. */
	assert_int_equal(support_shell(
		"%s run --users 3 --stock 2 --json | python3 -c 'import json,sys;"
		" d=json.load(sys.stdin); sys.exit(not (d[\"stock_left\"]==0 and"
		" d[\"txns\"][\"lost\"]==0 and d[\"redis_crashes\"]==0))'",
		flashsim), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* run --json that reaches no verdict (here a Redis it cannot reach)
 * still prints one JSON object, with verdict null and the reason, as
 * explore --json does: a job that reads the output gets JSON. */
static void test_json_says_why_there_is_no_verdict(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s run --users 2 --redis unix:/nonexistent/redis.sock --json"
		" 2>/dev/null | python3 -c 'import json,sys;"
		" d=json.load(sys.stdin); sys.exit(not (d[\"verdict\"] is None"
		" and \"cannot connect\" in d[\"error\"] and"
		" d[\"exit_code\"]==64 and d[\"users\"]==2))'", flashsim), 0);
	assert_int_equal(support_shell(
		"%s run --users 2 --redis unix:/nonexistent/redis.sock --json"
		" >/dev/null 2>&1", flashsim), 64);
}

/* A command that reaches no verdict leaves no earlier report in place:
 * its pages say "no verdict" and why. An earlier run's green page used
 * to stay, where a CI job would publish it. Here a user's invariant that
 * fails on the run's data stops each command (exit 64); the SVG still
 * parses. */
static void test_reports_of_no_verdict_replace_the_old_ones(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && mkdir $d/inv && echo 'SELECT json(stock_key)"
		" FROM sale;' >$d/inv/d.sql && %s run --users 1 --html $d/r.html"
		" --svg $d/r.svg >/dev/null && %s explore --users 1 --stock 1"
		" --kinds crash --html $d/e.html >/dev/null && %s compare"
		" --users 1 --html $d/c.html >/dev/null &&"
		" grep -q 'verdict: ok' $d/r.html &&"
		" { %s run --users 1 --html $d/r.html --svg $d/r.svg"
		" --invariants $d/inv >/dev/null 2>&1; test $? = 64; } &&"
		" { %s explore --users 1 --stock 1 --kinds crash --html $d/e.html"
		" --invariants $d/inv >/dev/null 2>&1; test $? = 64; } &&"
		" { %s compare --users 1 --html $d/c.html --invariants $d/inv"
		" >/dev/null 2>&1; test $? = 64; } &&"
		" ! grep -q 'verdict: ok' $d/r.html &&"
		" grep -q 'verdict-error\"><b>no verdict: invariant d' $d/r.html"
		" && grep -q 'flashsim run: no verdict: invariant d' $d/r.svg &&"
		" xmllint --noout $d/r.svg && ! grep -q 'no failure in' $d/e.html"
		" && grep -q 'verdict-error\"><b>invariant d .*no verdict'"
		" $d/e.html && grep -q 'no verdict: A: the protocol: invariant d'"
		" $d/c.html; r=$?; rm -r $d; exit $r", flashsim, flashsim,
		flashsim, flashsim, flashsim, flashsim), 0);
	/* an exploration whose trace another process holds makes no run:
	 * its page says why too */
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && echo old >$d/e.html && python3 -c 'import"
		" sqlite3, subprocess, sys; c = sqlite3.connect(sys.argv[2]);"
		" c.execute(\"CREATE TABLE x(a)\"); c.commit();"
		" c.isolation_level = None; c.execute(\"BEGIN EXCLUSIVE\");"
		" sys.exit(subprocess.run([sys.argv[1], \"explore\","
		" \"--users\", \"1\", \"--stock\", \"1\", \"--kinds\","
		" \"crash\", \"--trace\", sys.argv[2], \"--html\","
		" sys.argv[3]], capture_output=True).returncode)' %s $d/t.db"
		" $d/e.html; test $? = 64 && grep -q 'verdict-error\"><b>trace"
		" database .*no verdict' $d/e.html; r=$?; rm -r $d; exit $r",
		flashsim), 0);
}

/* A liveness failure's verdict line names it once: its problem starts
 * with "liveness: " already. */
static void test_the_liveness_verdict_says_it_once(void **state)
{
	struct sim_config config;
	struct sim_result result;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	(void)state;
	assert_non_null(out);
	sim_config_defaults(&config);
	memset(&result, 0, sizeof(result));
	result.verdict = VERDICT_LIVENESS;
	result.txns_lost = -1;
	snprintf(result.problem, sizeof(result.problem),
		 "liveness: not quiescent 600000 ms after heal");
	report_text(out, &config, &result, "replay", NULL);
	fclose(out);
	assert_contains(text, "\nverdict: liveness: not quiescent 600000 ms"
			" after heal\n");
	/* Unknown which of the missing transactions were lost: both said. */
	assert_contains(text, "0 missing from Redis (never created, or lost)");
	free(text);
}

/* A verdict ok says in words what the built-in invariants checked; when
 * a user's file replaced one of them, those words may be false (a
 * conservation.sql that checks nothing), so it says which file judged
 * instead. */
static void test_the_ok_verdict_names_a_replaced_invariant(void **state)
{
	struct invariant_set set;
	struct sim_config config;
	char dir[256], error[512], text[REPORT_OK_TEXT_MAX + 256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "ok"), 0);
	sim_config_defaults(&config);
	report_ok_text(&config, NULL, text, sizeof(text));
	assert_string_equal(text, "(stock deducted == orders created, nothing"
			    " oversold, every transaction terminal, every"
			    " user's answer matches the orders)");
	assert_int_equal(support_shell("echo 'SELECT gid FROM txns WHERE 0;'"
				       " >%s/mine.sql", dir), 0);
	assert_int_equal(invariants_load(&set, dir, error, sizeof(error)), 0);
	report_ok_text(&config, &set, text, sizeof(text));
	assert_string_equal(text, "(stock deducted == orders created, nothing"
			    " oversold, every transaction terminal, every"
			    " user's answer matches the orders; and the"
			    " invariant of --invariants)");
	invariants_free(&set);
	assert_int_equal(support_shell("echo 'SELECT 1 WHERE 0;'"
				       " >%s/conservation.sql", dir), 0);
	assert_int_equal(invariants_load(&set, dir, error, sizeof(error)), 0);
	report_ok_text(&config, &set, text, sizeof(text));
	assert_null(strstr(text, "stock deducted == orders created"));
	assert_contains(text, "(every invariant holds: conservation is ");
	assert_contains(text, "/conservation.sql's, in place of the built-in;"
			" and the invariant of --invariants)");
	invariants_free(&set);
	/* a file the variant does not check held nothing: not named */
	assert_int_equal(support_shell("rm %s/conservation.sql && echo"
				       " 'SELECT gid FROM orders;'"
				       " >%s/all_terminal.sql", dir, dir), 0);
	assert_int_equal(invariants_load(&set, dir, error, sizeof(error)), 0);
	report_ok_text(&config, &set, text, sizeof(text));
	assert_contains(text, "(every invariant holds: all_terminal is ");
	config.variant = VARIANT_NAIVE;
	report_ok_text(&config, &set, text, sizeof(text));
	assert_contains(text, "(stock deducted == orders created, nothing");
	invariants_free(&set);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* ---- a run written by hand, with text to escape ------------------------- */

static const char hostile_gid[] = "{a}<gid & \"1\" 'x'>";

static void test_reports_escape_what_they_quote(void **state)
{
	struct tracedb *db;
	struct tracedb_run run = { "run", "", 1, "--fault a<b>@1:crash", 1, 1,
				   1, 1, 1, "a", "" };
	struct trace_event events[] = {
		{ 10, "user-1", "user/buy", hostile_gid, "-> app-1 buy", "", false },
		{ 11, "app-1", "app/deduct", hostile_gid, "= OK <&>", "", false },
		{ 12, "app-1", "app/deduct/after", hostile_gid, "FAULT crash",
		  "app/deduct/after@1:<crash & \"burn\">", true },
		{ 12, "app-1", "", "", "CRASH: <gone> & \"lost\"", "", true },
		{ 20, "user-1", "", hostile_gid, "told unknown", "", true },
	};
	struct sim_result result;
	struct sim_config config;
	char error[256], *svg, *timeline, *html;
	int64_t run_id;
	(void)state;
	assert_int_equal(tracedb_open(&db, NULL, error, sizeof(error)), 0);
	assert_int_equal(tracedb_begin_run(db, &run, &run_id), 0);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		assert_int_equal(tracedb_event(db, run_id, (int64_t)i + 1,
					       &events[i]), 0);
	memset(&result, 0, sizeof(result));
	result.verdict = VERDICT_VIOLATION;
	snprintf(result.problem, sizeof(result.problem), "x: <b> & \"c\"");
	assert_int_equal(tracedb_end_run(db, run_id, &result, "replay <&>"), 0);
	sim_config_defaults(&config);

	svg = svg_of(db, run_id, "title <&> \"q\"");
	assert_well_formed(svg);
	assert_contains(svg, "{a}&lt;gid &amp; &quot;1&quot; &#39;x&#39;&gt;");
	assert_contains(svg, "FAULT app/deduct/after@1:&lt;crash &amp;"
			" &quot;burn&quot;&gt;");
	assert_contains(svg, "CRASH: &lt;gone&gt; &amp; &quot;lost&quot;");
	assert_contains(svg, "title &lt;&amp;&gt; &quot;q&quot;");
	assert_contains(svg, "x: &lt;b&gt; &amp; &quot;c&quot;");
	assert_null(strstr(svg, "<gid"));
	assert_null(strstr(svg, "<crash"));

	timeline = timeline_of(db, run_id);
	assert_contains(timeline, "! ");   /* raw text: nothing escaped */
	assert_contains(timeline, "[fault app/deduct/after@1:<crash & \"burn\">]");

	html = html_run_of(db, run_id, &config, &result, "replay <&>");
	assert_well_formed(html);
	assert_contains(html, "replay &lt;&amp;&gt;");
	assert_contains(html, "[fault app/deduct/after@1:&lt;crash &amp;"
			" &quot;burn&quot;&gt;]");
	free(svg);
	free(timeline);
	free(html);
	tracedb_close(db);
}

/* More events than the cap: the first REPORT_SVG_EVENTS_MAX are drawn,
 * and the title says so. */
static void test_svg_caps_the_events_drawn(void **state)
{
	struct tracedb *db;
	struct tracedb_run run = { "run", "", 1, "", 1, 1, 1, 1, 1, "a", "" };
	struct sim_result result;
	char error[256], *svg, expected[128];
	int64_t run_id;
	int arrows = 0;
	(void)state;
	assert_int_equal(tracedb_open(&db, NULL, error, sizeof(error)), 0);
	assert_int_equal(tracedb_begin_run(db, &run, &run_id), 0);
	for (int i = 0; i < REPORT_SVG_EVENTS_MAX + 50; i++) {
		struct trace_event event = { i, "user-1", "user/buy",
					     "{a}flash-sale-1-1", "-> app-1 buy",
					     "", false };
		assert_int_equal(tracedb_event(db, run_id, i + 1, &event), 0);
	}
	memset(&result, 0, sizeof(result));
	assert_int_equal(tracedb_end_run(db, run_id, &result, "replay"), 0);
	svg = svg_of(db, run_id, "cap");
	assert_well_formed(svg);
	snprintf(expected, sizeof(expected), "only the first %d of these %d"
		 " events are drawn", REPORT_SVG_EVENTS_MAX,
		 REPORT_SVG_EVENTS_MAX + 50);
	assert_contains(svg, expected);
	for (const char *p = svg; (p = strstr(p, ">buy</text>")); p++)
		arrows++;
	assert_int_equal(arrows, REPORT_SVG_EVENTS_MAX);
	free(svg);
	tracedb_close(db);
}

/* ---- an exploration ------------------------------------------------------ */

static void test_html_explore_has_the_failure_and_its_diagram(void **state)
{
	struct cli_options options;
	struct explore_stats *stats = calloc(1, sizeof(*stats));
	char error[1024], *html = NULL;
	size_t size = 0;
	FILE *out;
	(void)state;
	assert_non_null(stats);
	memset(&options, 0, sizeof(options));
	sim_config_defaults(&options.config);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.variant = VARIANT_NO_ROLLBACK_MARKER;
	options.runner.program = "flashsim";
	options.runner.persistence = REDIS_PERSISTENCE_AOF;
	options.mode = EXPLORE_EXHAUSTIVE;
	options.jobs = 1;
	options.shard_count = 1;
	options.kinds = KIND_BIT(FAULT_DELAY);
	if (explore(&options, NULL, stats, error, sizeof(error)) != 0)
		fail_msg("explore: %s", error);
	assert_true(stats->failure_count >= 1);
	assert_non_null(stats->failures[0].svg);
	assert_non_null(stats->failures[0].timeline);
	assert_well_formed(stats->failures[0].svg);
	assert_contains(stats->failures[0].svg, ">FAULT app/deduct/before@1:delay</text>");
	assert_contains(stats->failures[0].timeline,
			"[fault app/deduct/before@1:delay]");
	out = open_memstream(&html, &size);
	assert_non_null(out);
	assert_int_equal(report_html_explore(out, &options, stats, NULL,
					     NULL), 0);
	fclose(out);
	assert_well_formed(html);
	assert_contains(html, "FAILURE 1: barrier_agreement");
	assert_contains(html, "<p class=\"why\"><b>barrier_agreement</b><br/>"
			"The Redis barrier key");
	assert_contains(html, "--variant no-rollback-marker");
	assert_contains(html, "<td>fault-free run</td><td>the run without the"
			" explored faults sold 1 of its 1 unit (1 order)</td>");
	assert_contains(html, "<table class=\"grid matrix\">");
	assert_contains(html, "<td class=\"point\">app/deduct/before</td>");
	assert_contains(html, "<td class=\"violation\"");
	/* a failing cell links to its failure, which comes after the
	 * matrix */
	assert_contains(html, "<a href=\"#failure-1\" title=\"FAILURE 1\">");
	assert_contains(html, "<div class=\"failure\" id=\"failure-1\">");
	assert_true(strstr(html, "<table class=\"grid matrix\">") <
		    strstr(html, "FAILURE 1: barrier_agreement"));
	assert_contains(html, "failure points in use reached");
	assert_contains(html, "<svg xmlns=");
	assert_contains(html, "<h1>flashsim explore</h1>");
	assert_null(strstr(html, "expectation"));
	free(html);
	explore_stats_free(stats);
	free(stats);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_xml_check_refuses_broken_markup),
		cmocka_unit_test(test_svg_draws_the_crash_and_the_recovery),
		cmocka_unit_test(test_svg_shows_the_naive_loss),
		cmocka_unit_test(test_the_naive_app_creates_the_order_by_its_own_step),
		cmocka_unit_test(test_the_diagram_draws_the_users_chosen),
		cmocka_unit_test(test_timeline_has_every_event_and_marks_the_fault),
		cmocka_unit_test(test_timeline_marks_where_the_violation_points),
		cmocka_unit_test(test_each_variant_failure_points_at_events),
		cmocka_unit_test(test_html_run_is_one_well_formed_page),
		cmocka_unit_test(test_html_compare_has_both_designs),
		cmocka_unit_test(test_html_says_the_expectation_was_met),
		cmocka_unit_test(test_html_says_the_expectation_was_not_met),
		cmocka_unit_test(test_a_run_says_what_redis_lost),
		cmocka_unit_test(test_json_says_why_there_is_no_verdict),
		cmocka_unit_test(test_reports_of_no_verdict_replace_the_old_ones),
		cmocka_unit_test(test_the_liveness_verdict_says_it_once),
		cmocka_unit_test(test_the_ok_verdict_names_a_replaced_invariant),
		cmocka_unit_test(test_reports_escape_what_they_quote),
		cmocka_unit_test(test_svg_caps_the_events_drawn),
		cmocka_unit_test(test_html_explore_has_the_failure_and_its_diagram),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests(tests, setup, teardown);
}
