/*
 * cmd_selftest.c - `flashsim selftest`: the checker checked. The explorer
 * runs the correct protocol and every teaching variant (faults/variants.h)
 * on two sales: every single fault of a small sale, and a recovery
 * exploration of the sale of scenarios/explore-recovery-sale.ini, for the
 * variants that only the recoveries reveal (a variant's recovery_sale).
 * The protocol is explored on both, the variants each on its own:
 *
 *   the protocol  must pass: no run fails
 *   a variant     must be caught: at least one run fails, and every
 *                 distinct failure is shrunk to a counterexample whose
 *                 replay gives the same failure and digest twice
 *
 * Then it prints the matrix of which invariant (or liveness) each row
 * broke, and each variant's shrunk plans with their replay commands.
 * The invariants a shrunk run violates are read back from the trace
 * database's violations table (a temporary file unless --trace).
 *
 * --quick is the short form `make test` runs: 2 users, stock 1 (the
 * sold-out path), and only the delay fault, which alone reveals every
 * variant but redis-no-persistence; that one keeps its own kinds
 * (redis-crash). The recovery sale keeps its size in the quick form,
 * with the delay fault only. Measured: the full form ~4,300 runs, the
 * quick ~430.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "commands.h"
#include "explore.h"
#include "junit.h"
#include "redis_server.h"
#include "report.h"
#include "tracedb.h"
#include "values.h"
#include "whole_file.h"

#define SELFTEST_COLUMNS_MAX 64   /* invariants shown, liveness included */
#define SELFTEST_QUICK_KINDS KIND_BIT(FAULT_DELAY)
#define SELFTEST_NAME_WIDTH 23    /* "unclear-backcheck-fails" */
#define SELFTEST_SALE_FAULTS_MAX 2

/* The sales a row is explored on. */
enum selftest_sale_id {
	SALE_SMALL,               /* every single fault */
	SALE_RECOVERY,            /* recovery mode, after two fixed faults */
	SALE_COUNT
};

struct selftest_sale {
	const char *name;
	int users, stock;         /* the full form's ... */
	int quick_users, quick_stock; /* ... and the quick one's */
	int requests_per_user;
	int coordinators;
	enum explore_mode mode;
	/* fixed faults, in every run: they start the recoveries */
	const char *faults[SELFTEST_SALE_FAULTS_MAX];
};

/* The recovery sale is scenarios/explore-recovery-sale.ini's: user 1's
 * app crashes after its deduction (the coordinator backchecks it), user
 * 2's deduction answer is lost (the app asks its own query), and each
 * user asks twice, so that a second request meets the first one's
 * barrier. */
static const struct selftest_sale sales[SALE_COUNT] = {
	[SALE_SMALL] = { "small", 4, 2, 2, 1, 1, 2, EXPLORE_EXHAUSTIVE,
			 { NULL, NULL } },
	[SALE_RECOVERY] = { "recovery", 2, 2, 2, 2, 2, 1, EXPLORE_RECOVERY,
			    { "app/deduct/after@1:crash",
			      "app/deduct/after@2:redis-reply-lost" } },
};

/* The protocol on every sale, each variant on its own. */
#define SELFTEST_ROWS (SALE_COUNT + VARIANT_COUNT - 1)

enum mark {
	MARK_HELD,         /* no run found breaking it */
	MARK_KEY,          /* a distinct failure: its first broken invariant */
	MARK_ALSO,         /* broken by some run or a shrunk counterexample,
			      never first */
	MARK_NOT_APPLIED,  /* the variant has no such thing to check */
};

struct selftest_options {
	const char *program;
	bool quick;
	int jobs;
	const char *junit_path;
	const char *trace_path;     /* NULL: a temporary file */
};

#define SELFTEST_POINTS_SHOWN 4      /* events shown per failure */
#define SELFTEST_POINTS_MAX 1024

struct selftest_row {
	enum variant_id variant;
	enum selftest_sale_id sale;
	struct explore_stats *stats;  /* owned */
	int rc;                       /* explore()'s */
	char error[1024];
	double seconds;               /* exploring and shrinking */
	bool passed;
	char reason[512];             /* why it passed or failed */
	enum mark marks[SELFTEST_COLUMNS_MAX];
	char broken[EXPLORE_FAILURES_MAX][512]; /* per failure: all invariants */
	char points[EXPLORE_FAILURES_MAX][SELFTEST_POINTS_MAX]; /* per failure:
					 the events its violations point at,
					 one per line (blame.h) */
};

struct selftest {
	struct selftest_options options;
	/* the temporary trace's directory, in TMPDIR, removed at exit or on
	 * a stopping signal as a server's is; dir "" when none */
	struct redis_server workdir;
	char trace_path[PATH_MAX];
	const char *columns[SELFTEST_COLUMNS_MAX]; /* invariants, then liveness */
	int column_count;
	struct invariant_set invariants;
	struct selftest_row rows[SELFTEST_ROWS];
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: flashsim selftest [options]\n"
"\n"
"Explores the correct protocol and every teaching variant with a planted\n"
"bug (docs/VARIANTS.md) under every single fault of a small sale (4 users,\n"
"stock 2, 2 coordinators), or, for the variants only the recoveries reveal,\n"
"under every fault of the recoveries of the sale of\n"
"scenarios/explore-recovery-sale.ini (2 users, two requests each, stock 2;\n"
"--mode recovery). The protocol is explored on both sales and must pass;\n"
"every variant must be caught, each failure shrunk to a counterexample\n"
"whose replay reproduces it. Prints the matrix of the invariants each\n"
"variant breaks, then each variant's shrunk plans and replay commands.\n"
"\n"
"Options:\n"
"  --quick                the short form (small sale: 2 users, stock 1; delay\n"
"                         faults only, or the variant's own kinds); make test\n"
"                         runs it\n"
"  --jobs N               N worker processes, each with its own Redis (default 1)\n"
"  --junit FILE           write one JUnit test case per row to FILE\n"
"  --trace FILE           keep the shrunk counterexamples in this trace\n"
"                         database (docs/TRACE.md); default: a temporary one\n"
"  -h, --help             this help\n"
"\n"
"Exit codes: 0 the protocol passes and every variant is caught, 1 not so\n"
"(the closing line says what), 3 internal error, 64 bad input.\n");
}

static int parse_options(int argc, char **argv, const char *program,
			 struct selftest_options *o)
{
	static const struct option long_options[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "junit", required_argument, NULL, 'u' },
		{ "trace", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int option;
	int64_t jobs;
	char error[4400];
	memset(o, 0, sizeof(*o));
	o->program = program;
	o->jobs = 1;
	optind = 0;
	opterr = 0;
	while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (option) {
		case 'q': o->quick = true; break;
		case 'u': o->junit_path = optarg; break;
		case 't': o->trace_path = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'j':
			/* checked before it is made an int: 4294967297 is no 1 */
			if (value_number(optarg, 1, 64, &jobs, error,
					 sizeof(error)) != 0) {
				fprintf(stderr, "flashsim selftest: --jobs: %s\n"
					"(see --help)\n", error);
				return EXIT_USAGE;
			}
			o->jobs = (int)jobs;
			break;
		default:
			fprintf(stderr, "flashsim selftest: unknown or incomplete"
				" option '%s'\n(see --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "flashsim selftest: unexpected argument '%s'"
			"\n(see --help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	/* "" would be a temporary trace database, or fail after every row */
	if ((o->trace_path && !o->trace_path[0]) ||
	    (o->junit_path && !o->junit_path[0])) {
		fprintf(stderr, "flashsim selftest: --%s: expected a path, got"
			" an empty one (see --help)\n",
			o->trace_path && !o->trace_path[0] ? "trace" : "junit");
		return EXIT_USAGE;
	}
	if (o->trace_path) {
		struct tracedb *db;
		if (cli_database_problem("--trace", o->trace_path, error,
					 sizeof(error))) {
			fprintf(stderr, "flashsim selftest: %s\n", error);
			return EXIT_USAGE;
		}
		if (tracedb_open(&db, o->trace_path, error, sizeof(error)) != 0) {
			fprintf(stderr, "flashsim selftest: --trace: %s\n", error);
			return EXIT_USAGE;
		}
		tracedb_close(db);
	}
	if (o->junit_path && whole_file_check(o->junit_path, error,
					      sizeof(error)) != 0) {
		/* written at the end: refused now, not after every row */
		fprintf(stderr, "flashsim selftest: --junit: cannot write %s\n",
			error);
		return EXIT_USAGE;
	}
	return 0;
}

/* The exploration of one row: the sale, the variant and its fault kinds.
 * Returns 0, or -1 with the error when a fixed fault of the sale is bad. */
static int row_options(const struct selftest *self,
		       const struct selftest_row *row, struct cli_options *o,
		       char *error, size_t error_size)
{
	const struct variant *variant = variant_get(row->variant);
	const struct selftest_sale *sale = &sales[row->sale];
	bool quick = self->options.quick;
	memset(o, 0, sizeof(*o));
	sim_config_defaults(&o->config);
	o->config.users = quick ? sale->quick_users : sale->users;
	o->config.stock = quick ? sale->quick_stock : sale->stock;
	o->config.requests_per_user = sale->requests_per_user;
	o->config.coordinators = sale->coordinators;
	o->config.variant = row->variant;
	for (int f = 0; f < SELFTEST_SALE_FAULTS_MAX && sale->faults[f]; f++)
		if (fault_plan_add(&o->config.plan, sale->faults[f], error,
				   error_size) != 0)
			return -1;
	o->runner.program = self->options.program;
	o->runner.persistence = variant->redis_no_persistence ?
				REDIS_PERSISTENCE_NONE : REDIS_PERSISTENCE_AOF;
	o->runner.trace_path = self->trace_path;
	o->mode = sale->mode;
	o->jobs = self->options.jobs;
	o->kinds = variant->kinds;
	if (quick && (variant->kinds & SELFTEST_QUICK_KINDS))
		o->kinds &= SELFTEST_QUICK_KINDS;
	o->shard_count = 1;
	o->quiet = true;
	return 0;
}

/* "protocol" on the small sale, "protocol (recovery)" on the other. */
static const char *row_name(const struct selftest_row *row)
{
	if (row->variant != VARIANT_NONE)
		return variant_get(row->variant)->name;
	return row->sale == SALE_SMALL ? "protocol" : "protocol (recovery)";
}

/* Passed: the protocol without any failure, a variant caught with every
 * failure shrunk and its replay verified. */
static void judge_row(struct selftest_row *row)
{
	const struct explore_stats *stats = row->stats;
	uint64_t failing = stats->verdicts[VERDICT_VIOLATION] +
			   stats->verdicts[VERDICT_LIVENESS];
	if (row->rc != 0) {
		/* Through a copy: GCC's -Wrestrict cannot tell the two
		 * members of row apart under the sanitizers. */
		char error[sizeof(row->error)];
		memcpy(error, row->error, sizeof(error));
		snprintf(row->reason, sizeof(row->reason), "%.500s", error);
		return;
	}
	if (row->variant == VARIANT_NONE) {
		row->passed = stats->done > 0 && failing == 0;
		snprintf(row->reason, sizeof(row->reason), row->passed ?
			 "passed, no run failed" : "%" PRIu64 " runs FAILED:"
			 " the correct protocol broke", failing);
		return;
	}
	if (stats->failure_count == 0) {
		snprintf(row->reason, sizeof(row->reason), "NOT CAUGHT: no run"
			 " failed");
		return;
	}
	for (int i = 0; i < stats->failure_count; i++) {
		if (!stats->failures[i].replay_verified) {
			snprintf(row->reason, sizeof(row->reason), "caught, but the"
				 " replay of its %s failure did not reproduce it",
				 stats->failures[i].key);
			return;
		}
	}
	row->passed = true;
	snprintf(row->reason, sizeof(row->reason), "caught: %d distinct"
		 " failure%s in %" PRIu64 " run%s", stats->failure_count,
		 stats->failure_count == 1 ? "" : "s", failing,
		 failing == 1 ? "" : "s");
}

static int explore_row(struct selftest *self, struct selftest_row *row)
{
	struct cli_options options;
	double started = now_seconds();
	if (row_options(self, row, &options, row->error,
			sizeof(row->error)) != 0)
		return EXIT_INTERNAL;
	row->stats = calloc(1, sizeof(*row->stats));
	if (!row->stats) {
		snprintf(row->error, sizeof(row->error), "out of memory");
		return EXIT_INTERNAL;
	}
	row->rc = explore(&options, self->options.quick ||
			  !isatty(STDERR_FILENO) ? NULL : stderr, row->stats,
			  row->error, sizeof(row->error));
	row->seconds = now_seconds() - started;
	judge_row(row);
	printf("  %-*s %6" PRIu64 " run%s %6.1f s  %s\n", SELFTEST_NAME_WIDTH,
	       row_name(row), row->stats->done, row->stats->done == 1 ? " " :
	       "s", row->seconds, row->reason);
	fflush(stdout);
	return row->rc == EXIT_INTERNAL || row->rc == EXIT_USAGE ? row->rc : 0;
}

/* ---- the matrix -------------------------------------------------------- */

static int column_of(const struct selftest *self, const char *name)
{
	for (int c = 0; c < self->column_count; c++)
		if (strcmp(self->columns[c], name) == 0)
			return c;
	return -1;
}

/* Every invariant the shrunk run of failure violates, into broken and the
 * row's marks. */
static void read_violations(struct selftest *self, sqlite3 *db,
			    struct selftest_row *row, int failure)
{
	const struct explore_failure *f = &row->stats->failures[failure];
	char *broken = row->broken[failure];
	size_t used = 0;
	sqlite3_stmt *stmt = NULL;
	broken[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT invariant FROM violations"
			       " WHERE run_id = ?1 ORDER BY invariant", -1, &stmt,
			       NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, f->run_id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stmt, 0);
		int column = column_of(self, name);
		int n = snprintf(broken + used, sizeof(row->broken[0]) - used,
				 "%s%s", used ? ", " : "", name);
		if (n > 0 && used + (size_t)n < sizeof(row->broken[0]))
			used += (size_t)n;
		if (column >= 0 && row->marks[column] == MARK_HELD)
			row->marks[column] = MARK_ALSO;
	}
out_finalize:
	sqlite3_finalize(stmt);
}

struct selftest_points {
	char *text;                   /* SELFTEST_POINTS_MAX */
	size_t used;
	int64_t seq;                  /* of the last line; -1 before */
	int lines;
};

/* Appends to the text, cut where it no longer fits. */
static void points_append(struct selftest_points *points, const char *format,
			  ...) __attribute__((format(printf, 2, 3)));

static void points_append(struct selftest_points *points, const char *format,
			  ...)
{
	va_list args;
	int n;
	if (points->used >= SELFTEST_POINTS_MAX - 1)
		return;
	va_start(args, format);
	n = vsnprintf(points->text + points->used,
		      SELFTEST_POINTS_MAX - points->used, format, args);
	va_end(args);
	if (n > 0)
		points->used += (size_t)n;
	if (points->used >= SELFTEST_POINTS_MAX)
		points->used = SELFTEST_POINTS_MAX - 1;
}

/* A line per event, "617 ms app-2 app/deduct = OK -- conservation: a
 * unit taken here that no order matches", the invariants of one event
 * on its line; stops after SELFTEST_POINTS_SHOWN events. */
static int points_line(void *context, const struct check_point *point)
{
	struct selftest_points *points = context;
	if (point->seq == points->seq) {
		points_append(points, "; %s: %s", point->invariant, point->why);
		return 0;
	}
	if (points->lines == SELFTEST_POINTS_SHOWN)
		return 1;
	points_append(points, "%s%lld ms %s %s%s%s -- %s: %s",
		      points->lines ? "\n" : "", (long long)point->time_ms,
		      point->actor, point->step, point->step[0] ? " " : "",
		      point->detail, point->invariant, point->why);
	points->seq = point->seq;
	points->lines++;
	return 0;
}

/* The events the violations of the shrunk run of failure point at. */
static void read_points(struct tracedb *db, struct selftest_row *row,
			int failure)
{
	struct selftest_points points = { row->points[failure], 0, -1, 0 };
	row->points[failure][0] = '\0';
	if (check_points(db, row->stats->failures[failure].run_id, NULL,
			 points_line, &points) != 0)
		row->points[failure][0] = '\0';
}

static void mark_rows(struct selftest *self)
{
	struct tracedb *db = NULL;
	char error[512];
	bool have_db = tracedb_open(&db, self->trace_path, error,
				    sizeof(error)) == 0;
	if (!have_db)
		fprintf(stderr, "flashsim selftest: %s (the matrix shows each"
			" failure's first invariant only)\n", error);
	for (int r = 0; r < SELFTEST_ROWS; r++) {
		struct selftest_row *row = &self->rows[r];
		const struct variant *variant = variant_get(row->variant);
		for (int c = 0; c < self->column_count - 1; c++)
			if (!variant_checks(variant, self->columns[c]))
				row->marks[c] = MARK_NOT_APPLIED;
		for (int i = 0; row->stats && i < row->stats->failure_count; i++) {
			int column = column_of(self, row->stats->failures[i].key);
			if (column >= 0)
				row->marks[column] = MARK_KEY;
		}
		/* broken by some run, but never first */
		for (int i = 0; row->stats && i < row->stats->invariant_count;
		     i++) {
			int column = column_of(self,
					       row->stats->invariant_names[i]);
			if (column >= 0 && row->stats->invariant_runs[i] &&
			    row->marks[column] == MARK_HELD)
				row->marks[column] = MARK_ALSO;
		}
		for (int i = 0; have_db && row->stats &&
				i < row->stats->failure_count; i++)
			if (row->stats->failures[i].run_id > 0) {
				read_violations(self, tracedb_sqlite(db), row, i);
				read_points(db, row, i);
			}
	}
	if (db)
		tracedb_close(db);
}

static void print_matrix(const struct selftest *self)
{
	static const char marks[] = { '.', 'X', 'x', '-' };
	printf("\nmatrix: X the invariant a distinct failure broke first,"
	       " x also broken, by some\nrun or a shrunk counterexample, but"
	       " never first, - does not apply to the\nvariant, . no run"
	       " broke it\n\n");
	for (int c = 0; c < self->column_count; c++) {
		bool last = c % 2 == 1 || c == self->column_count - 1;
		printf("  %2d %-*s%s", c + 1, last ? 0 : 24, self->columns[c],
		       last ? "\n" : "");
	}
	printf("\n  %-*s", SELFTEST_NAME_WIDTH, "");
	for (int c = 0; c < self->column_count; c++)
		printf("%3d", c + 1);
	printf("\n");
	for (int r = 0; r < SELFTEST_ROWS; r++) {
		const struct selftest_row *row = &self->rows[r];
		printf("  %-*s", SELFTEST_NAME_WIDTH, row_name(row));
		for (int c = 0; c < self->column_count; c++)
			printf("  %c", marks[row->marks[c]]);
		printf("   %s\n", !row->passed ? "FAILED" :
		       row->variant == VARIANT_NONE ? "passed" : "caught");
	}
}

/* "    points at <event>: <invariant>: <why>", a line per event. */
static void print_points(FILE *out, const char *points)
{
	for (const char *at = points; *at;) {
		size_t length = strcspn(at, "\n");
		fprintf(out, "    %-9s %.*s\n", at == points ? "points at" :
			"", (int)length, at);
		at += length + (at[length] == '\n');
	}
}

static void print_failures(const struct selftest *self)
{
	for (int r = 0; r < SELFTEST_ROWS; r++) {
		const struct selftest_row *row = &self->rows[r];
		const struct variant *variant = variant_get(row->variant);
		if (row->variant == VARIANT_NONE)
			continue;
		printf("\n%s: %s\n", variant->name, variant->description);
		for (int i = 0; row->stats && i < row->stats->failure_count; i++) {
			const struct explore_failure *f = &row->stats->failures[i];
			char check[256];
			printf("  %s (%" PRIu64 " run%s); shrunk to %d user%s,"
			       " stock %" PRId64 ":\n", f->key, f->count,
			       f->count == 1 ? "" : "s", f->shrunk.users,
			       f->shrunk.users == 1 ? "" : "s", f->shrunk.stock);
			for (int k = 0; k < f->shrunk.plan.count; k++) {
				char text[96];
				fault_format(&f->shrunk.plan.faults[k], text,
					     sizeof(text));
				printf("    fault     %s\n", text);
			}
			if (row->broken[i][0])
				printf("    violates  %s\n", row->broken[i]);
			print_points(stdout, row->points[i]);
			report_replay_check(f, check, sizeof(check));
			printf("    replay    %s\n    %s%s%s\n", f->replay,
			       f->replay_verified ? "(" : "", check,
			       f->replay_verified ? ")" : "");
		}
		if (!row->passed)
			printf("  FAILED: %s\n", row->reason);
	}
}

/* ---- JUnit ------------------------------------------------------------- */

/* The body of a row's test case: its failures, plans and replays. */
static char *row_text(const struct selftest_row *row)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (!out)
		return NULL;
	fprintf(out, "%s\n", row->reason);
	for (int i = 0; row->stats && i < row->stats->failure_count; i++) {
		const struct explore_failure *f = &row->stats->failures[i];
		fprintf(out, "%s: %s\n", f->key, f->problem);
		for (int k = 0; k < f->shrunk.plan.count; k++) {
			char fault[96];
			fault_format(&f->shrunk.plan.faults[k], fault, sizeof(fault));
			fprintf(out, "  fault %s\n", fault);
		}
		fprintf(out, "  replay: %s\n", f->replay);
		print_points(out, row->points[i]);
	}
	fclose(out);
	return text;
}

static int write_junit(const struct selftest *self, double seconds)
{
	struct junit_case cases[SELFTEST_ROWS];
	char *texts[SELFTEST_ROWS];
	struct junit_suite suite = { self->options.quick ?
				     "flashsim selftest --quick" :
				     "flashsim selftest", seconds, cases,
				     SELFTEST_ROWS };
	char error[512];
	int rc;
	for (int r = 0; r < SELFTEST_ROWS; r++) {
		const struct selftest_row *row = &self->rows[r];
		texts[r] = row_text(row);
		cases[r] = (struct junit_case){
			row_name(row), "flashsim.selftest", row->seconds,
			row->passed ? NULL : row->reason,
			row->variant == VARIANT_NONE ? "protocol-failed" :
			"variant-not-caught", texts[r],
			row->passed ? texts[r] : NULL, false };
	}
	rc = junit_write(self->options.junit_path, "flashsim selftest", &suite,
			 1, error, sizeof(error));
	if (rc != 0)
		fprintf(stderr, "flashsim selftest: %s\n", error);
	for (int r = 0; r < SELFTEST_ROWS; r++)
		free(texts[r]);
	return rc;
}

/* ---- the command ------------------------------------------------------- */

/* The heading of a sale's rows: its size, and the faults tried. */
static void print_sale(const struct selftest *self, enum selftest_sale_id id)
{
	const struct selftest_sale *sale = &sales[id];
	bool quick = self->options.quick;
	int users = quick ? sale->quick_users : sale->users;
	printf("\n%s sale: %d user%s%s, stock %d, %d coordinator%s;%s",
	       sale->name, users, users == 1 ? "" : "s",
	       sale->requests_per_user > 1 ? " asking twice" : "",
	       quick ? sale->quick_stock : sale->stock, sale->coordinators,
	       sale->coordinators == 1 ? "" : "s", sale->faults[0] ? "\n" :
	       " ");
	if (sale->faults[0])
		printf("%s and %s in every\nrun, and every fault of the"
		       " recoveries", sale->faults[0], sale->faults[1]);
	else
		printf("every single fault");
	if (quick)
		printf("%sdelay faults only%s", id == SALE_SMALL ? ",\n" : ": ",
		       id == SALE_SMALL ? " (redis-no-persistence: redis-crash)" :
		       "");
	printf("\n");
}

/* The rows, sale by sale: the protocol first, then the variants the sale
 * reveals. */
static void setup_rows(struct selftest *self)
{
	int count = 0;
	for (int sale = 0; sale < SALE_COUNT; sale++) {
		for (int v = 0; v < VARIANT_COUNT; v++) {
			bool recovery = variant_get((enum variant_id)v)->
					recovery_sale;
			if (v != VARIANT_NONE &&
			    recovery != (sale == SALE_RECOVERY))
				continue;
			assert(count < SELFTEST_ROWS);
			self->rows[count].variant = (enum variant_id)v;
			self->rows[count].sale = (enum selftest_sale_id)sale;
			count++;
		}
	}
	assert(count == SELFTEST_ROWS);
}

static int setup(struct selftest *self, char *error, size_t error_size)
{
	setup_rows(self);
	if (invariants_load(&self->invariants, NULL, error, error_size) != 0)
		return EXIT_INTERNAL;
	for (int i = 0; i < self->invariants.count &&
			self->column_count < SELFTEST_COLUMNS_MAX - 1; i++)
		self->columns[self->column_count++] = self->invariants.items[i].name;
	self->columns[self->column_count++] = "liveness";
	if (self->options.trace_path) {
		if (snprintf(self->trace_path, sizeof(self->trace_path), "%s",
			     self->options.trace_path) >=
		    (int)sizeof(self->trace_path)) {
			snprintf(error, error_size, "--trace: path too long");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (redis_server_make_dir(&self->workdir, error, error_size) != 0)
		return EXIT_INTERNAL;
	snprintf(self->trace_path, sizeof(self->trace_path), "%s/trace.db",
		 self->workdir.dir);
	return 0;
}

static void teardown(struct selftest *self)
{
	for (int r = 0; r < SELFTEST_ROWS; r++) {
		if (self->rows[r].stats)
			explore_stats_free(self->rows[r].stats);
		free(self->rows[r].stats);
	}
	invariants_free(&self->invariants);
	if (self->workdir.dir[0])
		redis_server_stop(&self->workdir);
}

/* The closing line; returns the exit code. */
static int conclude(const struct selftest *self, double seconds)
{
	int failed = 0;
	uint64_t protocol_runs = 0;
	for (int r = 0; r < SELFTEST_ROWS; r++) {
		failed += !self->rows[r].passed;
		if (self->rows[r].variant == VARIANT_NONE)
			protocol_runs += self->rows[r].stats->done;
	}
	if (failed == 0) {
		printf("\nselftest: passed: the protocol survived %" PRIu64
		       " runs on %d sales and all %d variants were caught"
		       " (%.1f s)\n", protocol_runs, SALE_COUNT,
		       VARIANT_COUNT - 1, seconds);
		return 0;
	}
	printf("\nselftest: FAILED:");
	for (int r = 0; r < SELFTEST_ROWS; r++)
		if (!self->rows[r].passed)
			printf(" %s (%s)%s", row_name(&self->rows[r]),
			       self->rows[r].reason, --failed ? ";" : "");
	printf("\n");
	return EXIT_VIOLATION;
}

int command_selftest(int argc, char **argv, const char *program)
{
	struct selftest *self = calloc(1, sizeof(*self));
	char error[512];
	double started = now_seconds();
	int rc;
	if (!self) {
		fprintf(stderr, "flashsim selftest: out of memory\n");
		return EXIT_INTERNAL;
	}
	rc = parse_options(argc, argv, program, &self->options);
	if (rc == 0)
		rc = setup(self, error, sizeof(error));
	else
		error[0] = '\0';
	if (rc == 0)
		printf("flashsim selftest%s: the protocol and %d variants, on %d"
		       " sales\n", self->options.quick ? " --quick" : "",
		       VARIANT_COUNT - 1, SALE_COUNT);
	for (int r = 0; rc == 0 && r < SELFTEST_ROWS; r++) {
		if (r == 0 || self->rows[r].sale != self->rows[r - 1].sale)
			print_sale(self, self->rows[r].sale);
		rc = explore_row(self, &self->rows[r]);
		if (rc != 0)
			snprintf(error, sizeof(error), "%s: %s",
				 row_name(&self->rows[r]), self->rows[r].error);
	}
	if (rc == 0) {
		double seconds = now_seconds() - started;
		mark_rows(self);
		print_matrix(self);
		print_failures(self);
		if (self->options.junit_path && write_junit(self, seconds) != 0)
			rc = EXIT_INTERNAL;
		if (rc == 0)
			rc = conclude(self, seconds);
	} else if (error[0]) {
		fprintf(stderr, "flashsim selftest: %s%s\n",
			rc == EXIT_INTERNAL ? "internal error: " : "", error);
	}
	fflush(stdout);
	teardown(self);
	free(self);
	return rc;
}
