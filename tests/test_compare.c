/*
 * test_compare.c - `flashsim compare`: one sale, the same seed and
 * faults, under two designs. What each design came to must be what
 * `flashsim run` of that design alone comes to (its replay line gives the
 * same digest), the designs are chosen as the help says, [expect] is
 * design A's, and what cannot be compared is refused before any run.
 *
 * Run from the top of the tree (make check does); flashsim is found next
 * to this program: <build>/tests/test_compare -> <build>/flashsim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

static char flashsim[4096];
static char dir[256];

static int setup(void **state)
{
	(void)state;
	return support_tempdir(dir, sizeof(dir), "compare");
}

static int teardown(void **state)
{
	(void)state;
	support_tempdir_remove(dir);
	return 0;
}

/* The text of dir/name; the caller frees it. */
static char *read_output(const char *name)
{
	char path[512];
	char *text;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = support_read_file(path);
	if (!text)
		fail_msg("%s was not written", path);
	return text;
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("missing: %s\nin:\n%s", part, text);
}

/* The value after "prefix" up to the end of its line, into out. */
static void line_after(const char *text, const char *prefix, char *out,
		       size_t size)
{
	const char *at = strstr(text, prefix);
	size_t length;
	if (!at)
		fail_msg("missing: %s\nin:\n%s", prefix, text);
	at += strlen(prefix);
	length = strcspn(at, "\n");
	snprintf(out, size, "%.*s", (int)length, at);
}

/* Runs a replay line of the comparison (it starts with the program the
 * comparison was run as) and returns the digest its run prints. */
static void replay_digest(const char *replay, char *digest, size_t size)
{
	char *text;
	/* exit 0 or 1: the verdict is the design's */
	int status = support_shell("%s >%s/replay.out 2>&1", replay, dir);
	assert_true(status == 0 || status == 1);
	text = read_output("replay.out");
	line_after(text, "digest:  ", digest, size);
	free(text);
}

/* The naive design breaks conservation under the crash that the protocol
 * recovers from; each side is what its design's own run gives. */
static void test_naive_and_the_protocol_under_one_crash(void **state)
{
	char replay_a[1024], replay_b[1024], digests[256], digest[64];
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare --users 1 --stock 1"
				       " --variant naive --fault"
				       " app/deduct/after@1:crash >%s/out.txt"
				       " 2>&1", flashsim, dir), 0);
	text = read_output("out.txt");
	assert_contains(text, "  A: naive (deduct in Redis, then call the order"
			" service directly");
	assert_contains(text, "  B: the protocol (the protocol as it should"
			" be)\n");
	assert_contains(text, "\nA: naive, timeline");
	assert_contains(text, "\nB: the protocol, timeline");
	/* the protocol's recovery is in B's timeline */
	assert_contains(text, "coord/backcheck {a}flash-sale-1-1 <- OK/SUCCESS");
	assert_contains(text, "\nverdict       violation: conservation    "
			"       ok\n");
	assert_contains(text, "\norders        0                          "
			"       1\n");
	assert_contains(text, "violated: conservation (1 row)");
	assert_contains(text, "in short: under the same faults, A: naive broke"
			" conservation (617 ms, app-2 app/deduct: a unit taken"
			" here that no order matches); B: the protocol kept"
			" every invariant\n");
	line_after(text, "replay A: ", replay_a, sizeof(replay_a));
	line_after(text, "replay B: ", replay_b, sizeof(replay_b));
	assert_contains(replay_a, "--variant naive");
	assert_null(strstr(replay_b, "--variant"));
	line_after(text, "\ndigest        ", digests, sizeof(digests));
	free(text);
	/* each replay line runs its design alone, to the same digest */
	replay_digest(replay_a, digest, sizeof(digest));
	assert_int_equal(strncmp(digests, digest, 16), 0);
	replay_digest(replay_b, digest, sizeof(digest));
	assert_non_null(strstr(digests + 16, digest));
}

/* Without --with, B is the protocol for a variant and naive for the
 * protocol; --with names any other design; A's own is refused. */
static void test_design_b_is_chosen_as_the_help_says(void **state)
{
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare --users 2 --stock 1"
				       " >%s/plain.txt 2>&1", flashsim, dir), 0);
	text = read_output("plain.txt");
	assert_contains(text, "  A: the protocol (");
	assert_contains(text, "  B: naive (");
	/* no fault: nothing tells them apart, and the line says what to do */
	assert_contains(text, "in short: with no fault injected, both kept"
			" every invariant: give faults with --fault");
	free(text);
	assert_int_equal(support_shell("%s compare --users 1 --stock 1"
				       " --variant order-no-barrier --with"
				       " naive >%s/with.txt 2>&1", flashsim,
				       dir), 0);
	text = read_output("with.txt");
	assert_contains(text, "  A: order-no-barrier (");
	assert_contains(text, "  B: naive (");
	free(text);
	assert_int_equal(support_shell("%s compare --users 1 --stock 1"
				       " --variant naive --with naive"
				       " >%s/same.txt 2>&1", flashsim, dir),
			 64);
	text = read_output("same.txt");
	assert_contains(text, "--with naive is design A's own (--variant):"
			" nothing to compare");
	free(text);
	/* A is the protocol when nothing names it: no option is blamed */
	assert_int_equal(support_shell("%s compare --users 1 --with none"
				       " >%s/none.txt 2>&1", flashsim, dir),
			 64);
	text = read_output("none.txt");
	assert_contains(text, "--with none is design A's own (the protocol,"
			" by default; --variant names another)");
	free(text);
}

/* The sentence says what the comparison shows and no more: a fault
 * injected in neither design, or in one only, compares nothing; without
 * any fault it says so; two runs that are the same say so. */
static void test_the_sentence_says_what_was_compared(void **state)
{
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare --users 1"
				       " --requests-per-user 2 --variant naive"
				       " >%s/nofault.txt 2>&1", flashsim, dir),
			 0);
	text = read_output("nofault.txt");
	assert_contains(text, "in short: with no fault injected, A: naive"
			" broke rejected_has_no_order (620 ms, order-1"
			" order/create: the order of a user told rejected); B:"
			" the protocol kept"
			" every invariant\n");
	free(text);
	/* coord/save is the protocol's: the naive design never reaches it */
	assert_int_equal(support_shell("%s compare --users 1 --stock 1"
				       " --variant naive --fault"
				       " coord/save/after@1:crash"
				       " >%s/onlyb.txt 2>&1", flashsim, dir), 0);
	text = read_output("onlyb.txt");
	assert_contains(text, "in short: both kept every invariant, but a"
			" fault did not fire in A: the designs were not"
			" compared under the faults asked for");
	free(text);
	assert_int_equal(support_shell("%s compare --users 1 --stock 1"
				       " --variant naive --fault"
				       " app/deduct/after@5:crash"
				       " >%s/neither.txt 2>&1", flashsim, dir),
			 0);
	text = read_output("neither.txt");
	assert_contains(text, "but some faults fired in neither design");
	free(text);
	/* with the protocol's Redis keeping nothing too, the variant that
	 * only takes its persistence away changes nothing */
	assert_int_equal(support_shell("%s compare --users 2 --stock 1"
				       " --with redis-no-persistence"
				       " --redis-persistence none --fault"
				       " app/deduct/before@1:redis-crash"
				       " >%s/same.txt 2>&1", flashsim, dir), 0);
	text = read_output("same.txt");
	assert_contains(text, "(the two runs are the same: one digest;");
	free(text);
}

/* Random faults are drawn at each hit a design reaches, and two designs
 * reach different hits: compare refuses them rather than compare the
 * designs under faults of their own. */
static void test_random_faults_are_refused(void **state)
{
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare --users 5 --stock 2"
				       " --random-faults --variant naive"
				       " >%s/random.txt 2>&1", flashsim, dir),
			 64);
	text = read_output("random.txt");
	assert_contains(text, "compare gives both designs the same faults,"
			" and random faults (--random-faults) are drawn at each"
			" hit a design reaches");
	assert_null(strstr(text, "timeline"));
	free(text);
}

/* dir/inv/breaks.sql: an invariant that fails (an integer overflow) on
 * a final state with an order, and holds on one without: the naive design
 * under a crash after its deduction makes none, the protocol one. */
static void write_breaks_on_an_order(void)
{
	assert_int_equal(support_shell("mkdir -p %s/inv && printf '%%s\\n'"
				       " 'SELECT gid FROM orders WHERE"
				       " abs(length(gid) * 0 -"
				       " 9223372036854775807 - 1) > 0'"
				       " >%s/inv/breaks.sql", dir, dir), 0);
}

/* When B's run fails (here an invariant whose query fails on a state
 * with an order, which only B has: abs() of the smallest integer, per
 * row; a mistake of the input, exit 64), A's run stands: its verdict
 * and replay line are printed before the error, and the exit says no
 * verdict. */
static void test_a_failed_b_leaves_a_s_verdict(void **state)
{
	char *text;
	(void)state;
	write_breaks_on_an_order();
	assert_int_equal(support_shell("%s compare --users 1 --stock 1"
				       " --variant naive --fault"
				       " app/deduct/after@1:crash --invariants"
				       " %s/inv >%s/failed.txt 2>&1", flashsim,
				       dir, dir), 64);
	text = read_output("failed.txt");
	assert_contains(text, "\nA: naive: verdict: violation: conservation");
	assert_contains(text, "replay A: ");
	assert_contains(text, "flashsim: B: the protocol: invariant breaks (");
	assert_contains(text, ") fails on this run's final state: integer"
			" overflow");
	assert_null(strstr(text, "in short:"));
	free(text);
}

/* A file written for explore says so, as run does. */
static void test_an_exploration_file_gets_a_note(void **state)
{
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare"
				       " scenarios/explore-small-sale.ini"
				       " >%s/explore.txt 2>&1", flashsim, dir),
			 0);
	text = read_output("explore.txt");
	assert_contains(text, "(not checked by compare: failures)");
	assert_contains(text, "note: scenarios/explore-small-sale.ini is an"
			" exploration (mode = exhaustive): compare made one run"
			" of its sale under each design");
	free(text);
}

/* A scenario's [expect] is A's: naive-crash.ini expects the violation
 * that A shows, whatever B does. */
static void test_the_expectation_is_design_a_s(void **state)
{
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare scenarios/naive-crash.ini"
				       " >%s/expect.txt 2>&1", flashsim, dir),
			 0);
	text = read_output("expect.txt");
	assert_contains(text, "design A: expectation: met\n");
	free(text);
	/* the same file with the protocol as A: its expectation fails */
	assert_int_equal(support_shell("%s compare scenarios/naive-crash.ini"
				       " --variant none >%s/expect2.txt 2>&1",
				       flashsim, dir), 1);
	text = read_output("expect2.txt");
	assert_contains(text, "  B: naive (");
	assert_contains(text, "design A: expectation NOT met:");
	free(text);
}

/* A Redis without persistence loses what a crash of it took, while the
 * protocol's own Redis keeps the append-only file: each design's server
 * keeps what its design says, in one comparison. */
static void test_each_design_has_its_own_persistence(void **state)
{
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare --users 2 --stock 1"
				       " --variant redis-no-persistence --fault"
				       " coord/submit/after@1:redis-crash"
				       " >%s/persist.txt 2>&1", flashsim, dir),
			 0);
	text = read_output("persist.txt");
	assert_contains(text, "A: redis-no-persistence broke");
	assert_contains(text, "B: the protocol kept every invariant");
	assert_contains(text, "--redis-persistence none");
	free(text);
}

/* --json: one object with both runs, each as `run --json` has it, and
 * the sentence that sums them up. */
static void test_json_has_both_runs(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s compare --users 1 --stock 1 --variant naive --fault"
		" app/deduct/after@1:crash --json | python3 -c 'import json,sys;"
		" d=json.load(sys.stdin); a=d[\"a\"]; b=d[\"b\"];"
		" sys.exit(not (d[\"command\"]==\"compare\" and"
		" a[\"design\"]==\"naive\" and b[\"design\"]==\"none\" and"
		" a[\"run\"][\"verdict\"]==\"violation\" and"
		" b[\"run\"][\"verdict\"]==\"ok\" and"
		" a[\"run\"][\"orders\"]==0 and b[\"run\"][\"orders\"]==1"
		" and d[\"in_short\"].startswith(\"under the same faults, A:"
		" naive broke conservation\")))'", flashsim), 0);
	/* in_short is the text report's last sentence, word for word */
	assert_int_equal(support_shell(
		"f='%s compare --users 1 --stock 1 --variant naive --fault"
		" app/deduct/after@1:crash'; test \"$($f --json 2>/dev/null |"
		" python3 -c 'import json,sys;"
		" print(\"in short: \" + json.load(sys.stdin)[\"in_short\"])')\""
		" = \"$($f | grep '^in short: ')\"", flashsim), 0);
}

/* --json when no comparison came of it: still one object on stdout,
 * with the error, the exit code and A's run when A was made. */
static void test_json_says_why_there_is_no_comparison(void **state)
{
	(void)state;
	write_breaks_on_an_order();
	assert_int_equal(support_shell(
		"%s compare --users 1 --stock 1 --variant naive --fault"
		" app/deduct/after@1:crash --invariants %s/inv --json"
		" 2>/dev/null >%s/b.json", flashsim, dir, dir), 64);
	assert_int_equal(support_shell(
		"python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"command\"]==\"compare\" and"
		" d[\"exit_code\"]==64 and d[\"error\"].startswith("
		"\"B: the protocol: invariant breaks (\") and"
		" d[\"a\"][\"design\"]==\"naive\" and"
		" d[\"a\"][\"run\"][\"verdict\"]==\"violation\" and"
		" d[\"b\"] is None and d[\"in_short\"] is None))' %s/b.json",
		dir), 0);
	/* before any run: nothing listens on port 1 */
	assert_int_equal(support_shell(
		"%s compare --users 1 --stock 1 --variant naive --redis"
		" 127.0.0.1:1 --flush --json 2>/dev/null >%s/none.json", flashsim,
		dir), 64);
	assert_int_equal(support_shell(
		"python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"command\"]==\"compare\" and"
		" d[\"exit_code\"]==64 and \"127.0.0.1:1\" in d[\"error\"]"
		" and d[\"a\"] is None and d[\"b\"] is None))' %s/none.json",
		dir), 0);
}

/* What compare cannot do is refused before any run, saying why. */
static void test_what_cannot_be_compared_is_refused(void **state)
{
	char *text;
	(void)state;
	assert_int_equal(support_shell("%s compare --users 1 --svg %s/d.svg"
				       " >%s/svg.txt 2>&1", flashsim, dir, dir),
			 64);
	text = read_output("svg.txt");
	assert_contains(text, "--svg is not an option of compare, which makes"
			" two runs (--html shows both)");
	free(text);
	assert_int_equal(support_shell("%s compare --users 1 --mode pairs"
				       " >%s/mode.txt 2>&1", flashsim, dir), 64);
	text = read_output("mode.txt");
	assert_contains(text, "--mode is an option of `flashsim explore`");
	free(text);
	assert_int_equal(support_shell("%s run --users 1 --with naive"
				       " >%s/with.txt 2>&1", flashsim, dir), 64);
	text = read_output("with.txt");
	assert_contains(text, "--with is an option of `flashsim compare`");
	free(text);
	/* the second run would find the first's keys on a given Redis */
	assert_int_equal(support_shell("%s compare --users 1 --redis"
				       " 127.0.0.1:1 >%s/redis.txt 2>&1",
				       flashsim, dir), 64);
	text = read_output("redis.txt");
	assert_contains(text, "the second needs --flush");
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_naive_and_the_protocol_under_one_crash),
		cmocka_unit_test(test_design_b_is_chosen_as_the_help_says),
		cmocka_unit_test(test_the_sentence_says_what_was_compared),
		cmocka_unit_test(test_random_faults_are_refused),
		cmocka_unit_test(test_an_exploration_file_gets_a_note),
		cmocka_unit_test(test_a_failed_b_leaves_a_s_verdict),
		cmocka_unit_test(test_the_expectation_is_design_a_s),
		cmocka_unit_test(test_each_design_has_its_own_persistence),
		cmocka_unit_test(test_json_has_both_runs),
		cmocka_unit_test(test_json_says_why_there_is_no_comparison),
		cmocka_unit_test(test_what_cannot_be_compared_is_refused),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests(tests, setup, teardown);
}
