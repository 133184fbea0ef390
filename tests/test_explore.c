/*
 * test_explore.c - the explorer on a small sale: every single fault,
 * with one job and with two; a sale that fails without any fault; the
 * redis-crash kind with a Redis of the user's; the JSON summaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expect.h"
#include "explore.h"
#include "redis_server.h"
#include "report.h"
#include "support.h"

static char flashsim[4096];

static void small_sale(struct cli_options *options, int jobs)
{
	memset(options, 0, sizeof(*options));
	sim_config_defaults(&options->config);
	options->config.users = 3;
	options->config.stock = 2;          /* below demand */
	options->config.coordinators = 2;
	options->runner.program = "flashsim";
	options->runner.persistence = REDIS_PERSISTENCE_AOF;
	options->mode = EXPLORE_EXHAUSTIVE;
	options->jobs = jobs;
	options->kinds = ~0u;
}

/* A sale of one user exploring crashes, three runs at most, with fault
 * in its own plan. */
static void one_user_with_fault(struct cli_options *options,
				const char *fault)
{
	char error[256];
	small_sale(options, 1);
	options->config.users = 1;
	options->kinds = KIND_BIT(FAULT_CRASH);
	options->runs = 3;
	assert_int_equal(fault_plan_add(&options->config.plan, fault, error,
					sizeof(error)), 0);
}

/* The correct protocol survives every single fault of the sale, and the
 * faults reach every failure point. */
static void test_exhaustive_finds_no_violation(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char sold[256];
	int reached = 0;
	(void)state;
	small_sale(&options, 1);
	stats = support_explore(&options);
	assert_true(stats->planned > 100);
	assert_int_equal(stats->done, stats->planned);
	assert_false(stats->stopped_by_budget);
	assert_int_equal(stats->verdicts[VERDICT_OK], stats->done);
	assert_int_equal(stats->failure_count, 0);
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
		assert_true(stats->by_kind[k][VERDICT_OK] > 0);
	for (int p = 0; p < POINT_COUNT; p++) {
		if (stats->in_use[p] && !stats->hits[p])
			fprintf(stderr, "never reached: %s\n", point_name(p));
		reached += stats->in_use[p] && stats->hits[p] > 0;
	}
	assert_int_equal(reached, stats->points_in_use);
	/* all but the sold-out fast path's and the naive variant's */
	assert_int_equal(stats->points_in_use, POINT_COUNT - 4);
	/* Single faults go where the run without them goes: the backcheck
	 * is reached (a fault started a recovery) but never faulted, and the
	 * report has to say so rather than "all reached". */
	assert_true(stats->hits[FP_APP_BACKCHECK_BEFORE] > 0);
	assert_false(explore_point_faulted(stats, FP_APP_BACKCHECK_BEFORE));
	assert_true(explore_point_faulted(stats, FP_APP_DEDUCT_AFTER));
	assert_true(explore_points_faulted(stats) < reached);
	/* what the run without faults sold, as every report says it */
	assert_true(stats->dry_ran);
	assert_int_equal(stats->dry_stock_initial, 2);
	assert_int_equal(stats->dry_stock_left, 0);
	assert_int_equal(stats->dry_orders, 2);
	assert_false(report_dry_sale(&options, stats, sold, sizeof(sold)));
	assert_string_equal(sold, "the run without the explored faults sold"
			    " 2 of its 2 units (2 orders)");
	support_explore_free(stats);
}

/* A run without faults that sells nothing passes every invariant for
 * want of a sale: the report warns of it, unless the sale's own faults
 * (--fault) are what stop it (here a crash before the only deduction,
 * with the sale as it is, then as if that fault were the protocol's). */
static void test_a_sale_that_sells_nothing_is_said(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char sold[256];
	(void)state;
	one_user_with_fault(&options, "app/deduct/before@1:crash");
	options.config.stock = 1;
	stats = support_explore(&options);
	assert_false(stats->fault_free_failed);
	assert_true(stats->dry_ran);
	assert_int_equal(stats->dry_stock_initial, 1);
	assert_int_equal(stats->dry_stock_left, 1);
	assert_int_equal(stats->dry_orders, 0);
	assert_false(report_dry_sale(&options, stats, sold, sizeof(sold)));
	assert_string_equal(sold, "the run with only the sale's own faults"
			    " (--fault) sold 0 of its 1 unit (0 orders)");
	options.config.plan.count = 0;
	assert_true(report_dry_sale(&options, stats, sold, sizeof(sold)));
	assert_string_equal(sold, "WARNING: the run without the explored"
			    " faults sold none of its 1 unit: its invariants"
			    " held for want of a sale, as may those of the runs"
			    " built on it (a protocol that never sells passes"
			    " them all)");
	support_explore_free(stats);
	/* the JSON has it; a sale with no stock says so */
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --kinds crash --runs 2 --json |"
		" python3 -c 'import json,sys; d=json.load(sys.stdin)"
		"[\"fault_free_run\"]; sys.exit(not d==dict(stock=1,"
		" stock_left=0, orders=1, sold_nothing=False))' && %s explore"
		" --users 2 --stock 0 --kinds crash --runs 2 | grep -qx 'the run"
		" without the explored faults had no unit to sell'", flashsim,
		flashsim), 0);
}

/* Recovery mode: after the single faults, every step only a recovery
 * runs is faulted on top of the single fault that starts the recovery,
 * so a fault lands at every point in use; the correct protocol survives
 * them all, and two jobs make the same runs and find the same failure as
 * one (its shards: tests/test_shard.c). */
static void test_recovery_mode_faults_every_point(void **state)
{
	struct cli_options options;
	struct explore_stats *single, *recovery, *two;
	(void)state;
	small_sale(&options, 1);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.coordinators = 1;
	single = support_explore(&options);
	options.mode = EXPLORE_RECOVERY;
	recovery = support_explore(&options);
	assert_true(explore_points_faulted(single) < single->points_in_use);
	assert_int_equal(explore_points_faulted(recovery),
			 recovery->points_in_use);
	assert_true(explore_point_faulted(recovery, FP_APP_BACKCHECK_BEFORE));
	assert_true(recovery->planned > single->planned);
	assert_int_equal(recovery->done, recovery->planned);
	assert_int_equal(recovery->verdicts[VERDICT_OK], recovery->done);
	support_explore_free(single);
	support_explore_free(recovery);
	options.config.variant = VARIANT_ORDER_NO_BARRIER;
	recovery = support_explore(&options);
	options.jobs = 2;
	two = support_explore(&options);
	assert_true(recovery->failure_count >= 1);
	assert_int_equal(recovery->done, two->done);
	assert_memory_equal(recovery->by_kind, two->by_kind,
			    sizeof(two->by_kind));
	assert_int_equal(recovery->failure_count, two->failure_count);
	assert_string_equal(recovery->failures[0].replay,
			    two->failures[0].replay);
	support_explore_free(recovery);
	support_explore_free(two);
}

/* Two workers, each with its own Redis, do the same runs: the same counts
 * of every kind and verdict. */
static void test_two_jobs_do_the_same_runs(void **state)
{
	struct cli_options options;
	struct explore_stats *one, *two;
	(void)state;
	small_sale(&options, 1);
	options.kinds = KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_DROP_REPLY);
	one = support_explore(&options);
	options.jobs = 2;
	two = support_explore(&options);
	assert_int_equal(one->done, two->done);
	assert_memory_equal(one->by_kind, two->by_kind, sizeof(one->by_kind));
	assert_memory_equal(one->hits, two->hits, sizeof(one->hits));
	support_explore_free(one);
	support_explore_free(two);
}

/* The jobs finish their runs in any order (a run with a Redis crash takes
 * longer than the others), yet two jobs find the same failures as one, in
 * the same order, each from the same first run and shrunk to the same
 * plan: the exploration's first failing run of each is the one shrunk, not
 * the first to arrive. Which run arrives first changes from one
 * exploration to the next, so three explorations with two jobs are
 * compared with one; when the first to arrive was shrunk, about half of
 * them differed. */
static void test_two_jobs_find_the_same_failures(void **state)
{
	struct cli_options options;
	struct explore_stats *one, *two;
	(void)state;
	small_sale(&options, 1);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.coordinators = 1;
	options.config.variant = VARIANT_NAIVE;
	one = support_explore(&options);
	assert_true(one->failure_count >= 2);
	options.jobs = 2;
	for (int round = 0; round < 3; round++) {
		two = support_explore(&options);
		assert_int_equal(one->failure_count, two->failure_count);
		for (int i = 0; i < one->failure_count; i++) {
			const struct explore_failure *a = &one->failures[i];
			const struct explore_failure *b = &two->failures[i];
			assert_string_equal(a->key, b->key);
			assert_int_equal(a->count, b->count);
			assert_int_equal(a->first_index, b->first_index);
			assert_int_equal(a->first.plan.count, b->first.plan.count);
			assert_memory_equal(a->first.plan.faults,
					    b->first.plan.faults,
					    sizeof(a->first.plan.faults[0]) *
					    (size_t)a->first.plan.count);
			assert_string_equal(a->problem, b->problem);
			assert_string_equal(a->replay, b->replay);
			if (i > 0) /* in the exploration's order */
				assert_true(a->first_index >
					    one->failures[i - 1].first_index);
		}
		support_explore_free(two);
	}
	support_explore_free(one);
}

/* A run holds 32 faults: an exploration whose sale brings so many of its
 * own that the explored ones would not fit is refused, where it used to
 * run every run without them and call the sale ok. */
static void test_no_room_for_the_explored_faults_is_refused(void **state)
{
	(void)state;
	/* 31 faults of its own: one explored fault fits, a pair does not */
	assert_int_equal(support_shell(
		"f=''; for i in $(seq 1 31); do"
		" f=\"$f --fault app/deduct/after@$i:pause\"; done;"
		" %s explore --users 1 --stock 1 --kinds crash $f --quiet --json"
		" | python3 -c 'import json,sys; d=json.load(sys.stdin);"
		" sys.exit(not d[\"faults_fired\"] > d[\"runs\"])' &&"
		" %s explore --users 1 --stock 1 --kinds crash --mode pairs"
		" --runs 3 $f 2>&1 >/dev/null | grep -q 'give at most 30 of its"
		" own'; test $? = 0 && f=\"$f --fault app/deduct/after@32:pause\""
		" && { %s explore --users 1 --stock 1 --kinds crash $f"
		" >/dev/null 2>&1; test $? = 64; }", flashsim, flashsim, flashsim),
		0);
}

/* The same refusal for a scenario file's faults names the file and the
 * last line of it that gave a fault, as the sale's other errors do. */
static void test_no_room_names_the_scenario_line(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && { echo '[faults]'; for i in $(seq 1 32); do"
		" echo \"fault = app/deduct/after@$i:pause\"; done; } >$d/f.ini"
		" && %s explore $d/f.ini --users 1 --stock 1 --kinds crash"
		" >/dev/null 2>$d/err; rc=$?; head -n 31 $d/f.ini >$d/g.ini;"
		" %s explore $d/g.ini --users 1 --stock 1 --kinds crash"
		" --mode pairs --fault app/deduct/after@40:pause >/dev/null"
		" 2>>$d/err; rc2=$?; cat $d/err; test $rc = 64 && test $rc2 = 64"
		" && grep -q \"^flashsim explore: $d/f.ini:33: the sale has 32\""
		" $d/err && grep -q \"^flashsim explore: $d/g.ini:31 with the"
		" options given: the sale has 31\" $d/err; rc=$?; rm -r $d;"
		" exit $rc", flashsim, flashsim), 0);
}

/* A user's invariant whose query fails only on some runs' data (the
 * load ran it on an empty state) is a mistake of the input: exit 64,
 * said as such, in run and in an exploration's worker alike (it was
 * exit 3, "internal error"). Here json() fails on any transaction (run),
 * or only on a failed one (explore, whose fault-free run has none). */
static void test_an_invariant_failing_on_a_runs_data_is_bad_input(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && mkdir $d/inv && echo \"SELECT 1 FROM txns"
		" WHERE json(gid || 'x')\" >$d/inv/every.sql && %s run --users 1"
		" --stock 1 --invariants $d/inv >/dev/null 2>$d/err; rc=$?;"
		" cat $d/err; test $rc = 64 && grep -q \"^flashsim: invariant every"
		" ($d/inv/every.sql) fails on this run's final state: malformed"
		" JSON\" $d/err; rc=$?; rm -r $d; exit $rc", flashsim), 0);
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && mkdir $d/inv && echo \"SELECT 1 FROM txns"
		" WHERE CASE WHEN status = 'failed' THEN json(gid || 'x') ELSE 0"
		" END\" >$d/inv/some.sql && %s explore --users 1 --stock 1"
		" --jobs 2 --invariants $d/inv >$d/out 2>$d/err; rc=$?;"
		" cat $d/out $d/err; test $rc = 64 && grep -q \"^worker [12]: run"
		" [0-9]*: invariant some ($d/inv/some.sql) fails on this run's"
		" final state: malformed JSON; no verdict\" $d/out &&"
		" ! grep -q 'internal error' $d/out $d/err; rc=$?; rm -r $d;"
		" exit $rc", flashsim), 0);
	/* --json: an object with no verdict and the error, even when the
	 * run without explored faults is the one that failed (it printed
	 * nothing) */
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && mkdir $d/inv && echo \"SELECT 1 FROM txns"
		" WHERE json(gid || 'x')\" >$d/inv/every.sql && %s explore"
		" --users 1 --stock 1 --kinds crash --invariants $d/inv --json"
		" >$d/out 2>/dev/null; rc=$?; test $rc = 64 && python3 -c"
		" 'import json, sys; d = json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"verdict\"] is None and d[\"runs\"] == 0 and"
		" d[\"exit_code\"] == 64 and \"malformed JSON\" in"
		" d[\"error\"]))' $d/out; rc=$?; rm -r $d;"
		" exit $rc", flashsim), 0);
	/* One that never ends on a run's data (it ended on the empty
	 * state at load) is stopped after its budget of steps, not waited
	 * for: exit 64, said as such; the run's events stay in the trace
	 * (stopping a query that wrote would have rolled them back). */
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && mkdir $d/inv && echo \"WITH RECURSIVE r(x) AS"
		" (SELECT 1 FROM txns UNION ALL SELECT x FROM r) SELECT x FROM r"
		" WHERE x < 0\" >$d/inv/endless.sql && %s run --users 1 --stock 1"
		" --invariants $d/inv --trace $d/t.db >/dev/null 2>$d/err; rc=$?;"
		" cat $d/err; test $rc = 64 && grep -qx \"flashsim: invariant"
		" endless ($d/inv/endless.sql) did not end on this run's final"
		" state within 300000100 of SQLite's steps (300000000, and 100"
		" for each pair of users): a recursive query without its end, or"
		" one too slow to check every run with?\" $d/err && test"
		" \"$(sqlite3 $d/t.db 'SELECT count(*) FROM events')\" -gt 10;"
		" rc=$?; rm -r $d; exit $rc", flashsim), 0);
	/* The same for the second statement of a file, the events its
	 * rows point at, which runs when the invariant is broken: one that
	 * fails on the run's data (it was an internal error). */
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && mkdir $d/a && printf '%%s\\n'"
		" 'SELECT gid FROM txns;' \"SELECT seq, json(gid || 'x') FROM"
		" run_events WHERE gid IN (SELECT gid FROM named);\" >$d/a/p.sql"
		" && %s run --users 1 --stock 1 --invariants $d/a >/dev/null"
		" 2>$d/err; ra=$?; cat $d/err; test $ra = 64 && grep -qx"
		" \"flashsim: invariant p ($d/a/p.sql): its second statement,"
		" the events the rows point at: malformed JSON\" $d/err; rc=$?;"
		" rm -r $d; exit $rc", flashsim), 0);
	/* and one that never ends on the run's data (named is empty at
	 * load): stopped after the same budget, with the run's events
	 * still in the trace (the events it points at are all read before
	 * any is written: a write stopped would roll the run's back) */
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && mkdir $d/a && printf '%%s\\n'"
		" 'SELECT gid FROM txns;' \"WITH RECURSIVE r(x) AS (SELECT 1"
		" FROM named UNION ALL SELECT x FROM r) SELECT x, 'y' FROM r"
		" WHERE x < 0;\" >$d/a/p.sql && %s run --users 1 --stock 1"
		" --invariants $d/a --trace $d/t.db >/dev/null 2>$d/err; ra=$?;"
		" cat $d/err; test $ra = 64 && grep -qx \"flashsim: invariant p"
		" ($d/a/p.sql): its second statement, the events the rows point"
		" at, did not end on this run's final state within 300000100 of"
		" SQLite's steps (300000000, and 100 for each pair of users): a"
		" recursive query without its end, or one too slow to check"
		" every run with?\" $d/err && test \"$(sqlite3 $d/t.db 'SELECT"
		" count(*) FROM events')\" -gt 10; rc=$?; rm -r $d; exit $rc",
		flashsim), 0);
}

/* A trace file locked by another process after the exploration opened
 * it: the exploration's later work (shrinking its failure opens the
 * trace again; its end is recorded there) fails in the middle of the
 * work, exit 3, and the JUnit file and the JSON say the same (it was
 * exit 64, bad input; and with the end unrecorded too, exit 3 beside a
 * JUnit error typed bad-input). The lock is taken once the exploration
 * has recorded its start, and held until it has ended. */
static void test_a_trace_locked_in_the_middle_is_an_internal_error(
	void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "locked"), 0);
	assert_int_equal(support_shell(
		"f='%s'; case $f in /*) ;; *) f=$(pwd)/$f;; esac;"
		" cd %s && { \"$f\" explore --users 2 --stock 1 --variant naive"
		" --trace ex.db --junit ex.xml --json >ex.out 2>ex.err;"
		" echo $? >rc.txt; } &"
		" cd %s && for i in $(seq 1 3000); do"
		"  test \"$(sqlite3 ex.db 'select count(*) from explorations'"
		"  2>/dev/null)\" = 1 && break; sleep 0.01; done;"
		" { echo 'BEGIN EXCLUSIVE;'; echo 'select count(*) from runs;';"
		"  while ! test -s rc.txt; do sleep 0.05; done; echo 'COMMIT;'; }"
		" | sqlite3 ex.db >/dev/null; wait; cat ex.err;"
		" test \"$(cat rc.txt)\" = 3 &&"
		" grep -q 'type=\"internal-error\"' ex.xml &&"
		" ! grep -q bad-input ex.xml && python3 -c 'import json, sys;"
		" d = json.load(open(\"ex.out\")); sys.exit(not (d[\"verdict\"]"
		" is None and d[\"exit_code\"] == 3 and \"database is locked\""
		" in d[\"error\"]))'", flashsim, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* Random mode's runs take the seeds from --seed on; from the largest
 * seed they start again at 0, so every failure's replay is a command run
 * accepts (it refused seeds past 2^63 - 1 with exit 64). */
static void test_random_seeds_wrap_at_the_largest(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s explore --users 3 --stock 2 --variant naive --mode random"
		" --runs 40 --seed 9223372036854775807 --quiet --json |"
		" python3 -c 'import json,sys; d=json.load(sys.stdin);"
		" r=[f[\"replay\"] for f in d[\"failures\"]];"
		" [print(x) for x in r]; sys.exit(len(r) < 1)' |"
		" { n=0; while read -r program command; do"
		" %s $command >/dev/null 2>&1; test $? = 1 || exit 1;"
		" n=$((n + 1)); done; test $n -ge 1; }", flashsim, flashsim), 0);
}

/* A replay command is one the shell runs as printed: a program and an
 * --invariants directory with a space and a quote in their paths are
 * quoted (they were printed bare), and the replay gives the same digest. */
static void test_a_replay_quotes_what_the_shell_would_split(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "quote"), 0);
	assert_int_equal(support_shell(
		"d=\"%s/it's mine\" && mkdir \"$d\" && cp %s \"$d/flash sim\" &&"
		" echo 'SELECT user_id FROM users WHERE 0;' > \"$d/never.sql\" &&"
		" \"$d/flash sim\" run --users 2 --stock 1 --tag t --invariants"
		" \"$d\" > %s/out && replay=$(sed -n 's/^replay: *//p' %s/out) &&"
		" digest=$(sed -n 's/^digest: *//p' %s/out) &&"
		" eval \"$replay\" | grep -q \"^digest: *$digest\"",
		dir, flashsim, dir, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A failure carries the digest of the run it keeps, in the text and the
 * JSON: the replay command gives it again, so a CI's failure can be told
 * the very same run as one's own replay. */
static void test_a_failure_shows_the_digest_its_replay_gives(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "digest"), 0);
	assert_int_equal(support_shell(
		"%s explore --users 1 --stock 1 --variant no-rollback-marker"
		" --json --quiet >%s/json; test $? = 1 &&"
		" digest=$(python3 -c 'import json,sys;"
		" print(json.load(open(sys.argv[1]))[\"failures\"][0][\"digest\"])'"
		" %s/json) && replay=$(python3 -c 'import json,sys;"
		" print(json.load(open(sys.argv[1]))[\"failures\"][0][\"replay\"])'"
		" %s/json) && echo \"$digest\" | grep -qx '[0-9a-f]\\{16\\}' &&"
		" eval \"$replay\" | grep -q \"^digest: *$digest$\" &&"
		" %s explore --users 1 --stock 1 --variant no-rollback-marker"
		" --quiet | grep -q \"(replayed twice: same failure, same digest"
		" $digest)\"", flashsim, dir, dir, dir, flashsim), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* Two variants can run the same trace to the same final state and break
 * different invariants (one applies to one variant only): the digest
 * counts which broke, so a digest stands for one verdict (theirs were
 * equal). */
static void test_a_digest_tells_the_invariants_apart(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"a=$(%s run --users 1 --stock 1 --coordinators 2 --variant naive"
		" --fault app/deduct/before@1:delay | grep '^digest') ;"
		" b=$(%s run --users 1 --stock 1 --coordinators 2 --variant"
		" deduct-before-prepare --fault app/deduct/before@1:delay |"
		" grep '^digest') ; test -n \"$a\" && test -n \"$b\" &&"
		" test \"$a\" != \"$b\"", flashsim, flashsim), 0);
}

/* The variants only the recoveries reveal (stock-before-barrier,
 * unclear-backcheck-fails) pass explore-small-sale.ini and fail
 * explore-recovery-sale.ini, the sale selftest explores them on: with the
 * delay fault alone, as selftest --quick does. The protocol passes that
 * sale (tests/scenarios.sh). */
static void test_the_recovery_sale_catches_its_variants(void **state)
{
	int caught = 0;
	(void)state;
	for (int v = VARIANT_NAIVE; v < VARIANT_COUNT; v++) {
		const struct variant *variant = variant_get((enum variant_id)v);
		if (!variant->recovery_sale)
			continue;
		if (support_shell("%s explore scenarios/explore-small-sale.ini"
				  " --variant %s --quiet >/dev/null",
				  flashsim, variant->name) != 0)
			fail_msg("%s fails explore-small-sale.ini: selftest"
				 " could explore it on its small sale",
				 variant->name);
		if (support_shell("%s explore scenarios/explore-recovery-sale.ini"
				  " --variant %s --kinds delay --quiet"
				  " >/dev/null; test $? = 1", flashsim,
				  variant->name) != 0)
			fail_msg("explore-recovery-sale.ini does not catch %s",
				 variant->name);
		caught++;
	}
	assert_int_equal(caught, 2);
	/* the lesson of unclear-backcheck-fails, on the smallest sale */
	assert_int_equal(support_shell(
		"%s explore --mode recovery --users 1 --stock 1 --fault"
		" app/deduct/after@1:crash --variant unclear-backcheck-fails"
		" --quiet | grep -q '^FAILURE 1: barrier_agreement' &&"
		" %s explore --mode recovery --users 1 --stock 1 --fault"
		" app/deduct/after@1:crash --quiet >/dev/null", flashsim,
		flashsim), 0);
}

/* A server that refuses the scripts (here FCALL renamed away, as an ACL or
 * a full server under noeviction would refuse them) gives no verdict:
 * its error replies were taken for lost answers, and a sale in which no
 * script ran was called ok. */
static void test_a_server_refusing_the_scripts_gives_no_verdict(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "refused"), 0);
	assert_int_equal(support_shell(
		"printf '#!/bin/sh\\nexec redis-server \"$@\" --rename-command"
		" FCALL \"\"\\n' > %s/redis && chmod +x %s/redis &&"
		" { FLASHSIM_REDIS_SERVER=%s/redis %s run --users 3 --stock 1"
		" > %s/out 2> %s/err; test $? = 3; } &&"
		" grep -q 'refused: ERR unknown command' %s/err &&"
		" ! grep -q '^verdict' %s/out", dir, dir, dir, flashsim, dir, dir,
		dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A failure that does not replay (here an invariant of the user's that
 * fails every other run at random) keeps what the exploration found: the
 * problem of a run that failed (it was overwritten by a passing replay's,
 * empty), and the report of a replay that failed again when one did
 * (replays are kept until one does, up to ten), not a passing run's. */
static void test_a_failure_that_does_not_replay_keeps_its_evidence(
	void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char dir[256], path[300];
	FILE *file;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "coin"), 0);
	snprintf(path, sizeof(path), "%s/coin.sql", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("-- A coin, tossed at every check.\n"
	      "SELECT 'heads' AS side WHERE abs(random()) % 2 = 0;\n", file);
	assert_int_equal(fclose(file), 0);
	small_sale(&options, 1);
	options.kinds = KIND_BIT(FAULT_CRASH);
	options.runs = 12;
	options.runner.invariants_dir = dir;
	stats = support_explore(&options);
	assert_int_equal(remove(path), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
	assert_true(stats->failure_count >= 1);
	for (int i = 0; i < stats->failure_count; i++) {
		const struct explore_failure *f = &stats->failures[i];
		assert_string_equal(f->key, "coin");
		assert_string_equal(f->problem, "coin: side=heads");
		assert_true(f->replays >= 2);
		assert_true(f->replays <= 10);
		assert_true(f->reproduced <= f->replays);
		assert_non_null(f->report);
		if (f->shown_fails)
			assert_non_null(strstr(f->report, "violated: coin"));
		else
			assert_null(strstr(f->report, "violated: coin"));
		/* kept until one fails, within the bound */
		assert_true(f->shown_fails || f->replays == 10);
	}
	support_explore_free(stats);
}

/* A failure is shrunk to a plan that still fails, and its replay gives
 * the same digest. Redis without persistence makes every Redis crash a
 * failure. */
static void test_failures_are_shrunk_and_replayed(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	(void)state;
	small_sale(&options, 1);
	options.kinds = KIND_BIT(FAULT_REDIS_CRASH);
	options.runner.persistence = REDIS_PERSISTENCE_NONE;
	options.runs = 6;
	stats = support_explore(&options);
	assert_int_equal(stats->verdicts[VERDICT_VIOLATION], 6);
	assert_int_equal(stats->failure_count, 1);
	assert_string_equal(stats->failures[0].key, "conservation");
	assert_int_equal(stats->failures[0].shrunk.users, 1);
	assert_int_equal(stats->failures[0].shrunk.plan.count, 1);
	assert_true(stats->failures[0].replay_verified);
	assert_non_null(strstr(stats->failures[0].replay, "--fault "));
	assert_non_null(stats->failures[0].report);
	assert_non_null(strstr(stats->failures[0].report, "conservation"));
	support_explore_free(stats);
}

/* A sale that fails without any fault is the exploration's one run and
 * its one failure, shrunk and replayed like the others; no fault is tried,
 * and an expectation of "ok" is not met. A user invariant that holds no
 * order legal makes every sale with an order fail. */
static void test_a_sale_failing_without_faults_is_its_failure(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char dir[256], path[300], why[512];
	FILE *file;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "explore"), 0);
	snprintf(path, sizeof(path), "%s/no_order_at_all.sql", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("SELECT order_id FROM orders;\n", file);
	assert_int_equal(fclose(file), 0);
	small_sale(&options, 1);
	options.runner.invariants_dir = dir;
	stats = support_explore(&options);
	assert_true(stats->fault_free_failed);
	assert_int_equal(stats->done, 1);
	assert_int_equal(stats->planned, 1);
	assert_int_equal(stats->planned_all, 1); /* it was 0 */
	assert_int_equal(stats->verdicts[VERDICT_VIOLATION], 1);
	assert_int_equal(stats->faults_fired, 0);
	assert_int_equal(stats->failure_count, 1);
	assert_string_equal(stats->failures[0].key, "no_order_at_all");
	assert_int_equal(stats->failures[0].shrunk.plan.count, 0);
	assert_int_equal(stats->failures[0].shrunk.users, 1);
	assert_true(stats->failures[0].replay_verified);
	assert_null(strstr(stats->failures[0].replay, "--fault "));
	options.expect.given = EXPECT_VERDICT | EXPECT_FAILURES;
	options.expect.verdict = VERDICT_OK;
	options.expect.failures = 0;
	assert_false(expect_judge_explore(&options.expect, stats, why,
					  sizeof(why)));
	assert_non_null(strstr(why, "verdict violation"));
	support_explore_free(stats);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* The same with a fixed fault (--fault, which every run of the
 * exploration has): the run with only that fault fails, and it is the
 * failure, its plan kept through the shrinking so that the replay
 * reproduces it. The naive variant loses a unit to the app's crash after
 * the deduction. */
static void test_a_sale_failing_with_its_own_fault_is_its_failure(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char error[256];
	(void)state;
	small_sale(&options, 1);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.variant = VARIANT_NAIVE;
	assert_int_equal(fault_plan_add(&options.config.plan,
					"app/deduct/after@1:crash", error,
					sizeof(error)), 0);
	stats = support_explore(&options);
	assert_true(stats->fault_free_failed);
	assert_int_equal(stats->done, 1);
	assert_int_equal(stats->failure_count, 1);
	assert_string_equal(stats->failures[0].key, "conservation");
	assert_int_equal(stats->failures[0].shrunk.plan.count, 1);
	assert_true(stats->failures[0].replay_verified);
	assert_non_null(strstr(stats->failures[0].replay,
			       "--fault app/deduct/after@1:crash"));
	support_explore_free(stats);
}

/* A fixed fault at a hit the sale never reaches is named, and fails an
 * expectation: the exploration is not of the sale the plan describes. */
static void test_a_fixed_fault_that_never_fires_is_named(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char why[512];
	(void)state;
	one_user_with_fault(&options, "app/deduct/after@5:crash");
	stats = support_explore(&options);
	assert_int_equal(stats->not_fired.count, 1);
	explore_not_fired(stats, 0, why, sizeof(why));
	assert_string_equal(why, "app/deduct/after@5:crash never fired:"
			    " app/deduct/after was reached 1 time while faults"
			    " could fire");
	options.expect.given = EXPECT_VERDICT;
	options.expect.verdict = VERDICT_OK;
	assert_false(expect_judge_explore(&options.expect, stats, why,
					  sizeof(why)));
	assert_non_null(strstr(why, "never fired"));
	support_explore_free(stats);
}

/* A run whose own plan does not fire whole (a pair whose first fault
 * takes the run away from the second's hit) is counted and said: every
 * fault of the runs' plans fired or is among those not fired, and the
 * first such run is named with its plan. A single fault always fires:
 * exhaustive mode has none. */
static void test_runs_whose_own_faults_did_not_fire_are_said(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char dir[256];
	bool planned = false;
	(void)state;
	small_sale(&options, 2);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.coordinators = 1;
	options.kinds = KIND_BIT(FAULT_CRASH);
	options.mode = EXPLORE_PAIRS;
	options.runs = 300;
	stats = support_explore(&options);
	assert_int_equal(stats->done, 300);
	assert_int_equal(stats->not_fired.count, 0);
	assert_true(stats->runs_not_fired > 0);
	assert_true(stats->runs_not_fired < stats->done);
	assert_true(stats->faults_not_fired >= stats->runs_not_fired);
	assert_int_equal(stats->faults_fired + stats->faults_not_fired,
			 2 * stats->done);
	assert_true(stats->not_fired_first > 0);
	assert_int_equal(stats->not_fired_first_plan.count, 2);
	for (int i = 0; i < 2; i++)
		planned |= fault_same(&stats->not_fired_first_plan.faults[i],
				      &stats->not_fired_first_fault);
	assert_true(planned);
	support_explore_free(stats);
	options.mode = EXPLORE_EXHAUSTIVE;
	options.runs = 0;
	stats = support_explore(&options);
	assert_int_equal(stats->runs_not_fired, 0);
	assert_int_equal(stats->faults_fired, stats->done);
	support_explore_free(stats);
	/* the text and the JSON say it */
	assert_int_equal(support_tempdir(dir, sizeof(dir), "notfired"), 0);
	assert_int_equal(support_shell(
		"%s explore --users 1 --stock 1 --kinds crash --mode pairs"
		" --runs 300 --quiet >%s/out.txt && grep -q '^NOT FIRED: in"
		" [0-9]* of the 300 runs, a fault of the run.s own plan never"
		" fired ([0-9]* faults*): an earlier fault took the run away"
		" from its hit; the first: [^ ]*, in the run of [^ ]*, [^ ]*$'"
		" %s/out.txt && %s explore --users 1 --stock 1 --kinds crash"
		" --mode pairs --runs 300 --quiet --json | python3 -c"
		" 'import json,sys; d=json.load(sys.stdin);"
		" f=d[\"first_not_fired\"]; sys.exit(not (d[\"runs_not_fired\"]"
		" > 0 and d[\"faults_fired\"]+d[\"faults_not_fired\"]==600 and"
		" f[\"fault\"] in f[\"faults\"] and len(f[\"faults\"])==2))' &&"
		" %s explore --users 1 --stock 1 --kinds crash --quiet >%s/ex.txt"
		" && ! grep -q '^NOT FIRED' %s/ex.txt && %s explore --users 1"
		" --stock 1 --kinds crash --quiet --json | python3 -c"
		" 'import json,sys; d=json.load(sys.stdin);"
		" sys.exit(not (d[\"runs_not_fired\"]==0 and"
		" d[\"first_not_fired\"] is None))'", flashsim, dir, dir,
		flashsim, flashsim, dir, dir, flashsim), 0);
	/* and so do the JUnit file and the HTML page */
	assert_int_equal(support_shell(
		"%s explore --users 1 --stock 1 --kinds crash --mode pairs"
		" --runs 300 --quiet --junit %s/p.xml --html %s/p.html"
		" >/dev/null && grep -q 'NOT FIRED: in [0-9]* of the 300 runs'"
		" %s/p.xml && grep -q '<td>not fired</td><td>in [0-9]* of the"
		" 300 runs' %s/p.html", flashsim, dir, dir, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* How many of kinds apply at point p. */
static uint64_t kinds_at(int p, unsigned kinds)
{
	uint64_t count = 0;
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
		count += point_allows(p, k) && (kinds & KIND_BIT(k));
	return count;
}

/* Pairs mode makes each pair of single faults once (the order of a
 * plan's faults makes no difference: a fault is matched by its point and
 * hit), and no pair at one (point, hit), whose second fault could never
 * fire: s singles in groups of g at a hit make s(s - 1)/2 less the
 * groups' g(g - 1)/2 pairs, not s(s - 1). Every fault of every pair
 * fired, or is counted as not fired. */
static void test_pairs_are_each_pair_once_at_two_hits(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	uint64_t singles = 0, same_hit = 0, pairs;
	(void)state;
	small_sale(&options, 2);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.coordinators = 1;
	/* two kinds at every network point: groups of two at each hit */
	options.kinds = KIND_BIT(FAULT_DROP_REQUEST) |
			KIND_BIT(FAULT_DROP_REPLY) | KIND_BIT(FAULT_DUPLICATE);
	options.mode = EXPLORE_PAIRS;
	options.runs = 100000;
	stats = support_explore(&options);
	for (int p = 0; p < POINT_COUNT; p++) {
		uint64_t group = kinds_at(p, options.kinds);
		singles += stats->dry_hits[p] * group;
		same_hit += stats->dry_hits[p] * group * (group - 1) / 2;
	}
	assert_true(same_hit > 0);
	pairs = singles * (singles - 1) / 2 - same_hit;
	assert_int_equal(stats->singles, singles);
	assert_int_equal(stats->mode_runs, pairs);
	assert_int_equal(stats->planned, pairs);
	assert_int_equal(stats->done, pairs);
	assert_int_equal(stats->faults_fired + stats->faults_not_fired,
			 2 * pairs);
	support_explore_free(stats);
}

/* Exhaustive and recovery modes try no fault at a hit where the sale's
 * own plan has one: fault_plan_at gives the plan's first fault of a hit,
 * so the run would repeat the run without explored faults. */
static void test_no_fault_is_tried_at_a_hit_of_the_sale(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char error[256];
	uint64_t singles = 0;
	(void)state;
	small_sale(&options, 2);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.coordinators = 1;
	options.kinds = KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_PAUSE);
	assert_int_equal(fault_plan_add(&options.config.plan,
					"app/deduct/after@1:redis-reply-lost",
					error, sizeof(error)), 0);
	stats = support_explore(&options);
	assert_int_equal(stats->not_fired.count, 0);
	assert_true(stats->dry_hits[FP_APP_DEDUCT_AFTER] >= 1);
	for (int p = 0; p < POINT_COUNT; p++)
		singles += stats->dry_hits[p] * kinds_at(p, options.kinds);
	assert_int_equal(stats->singles,
			 singles - kinds_at(FP_APP_DEDUCT_AFTER, options.kinds));
	assert_int_equal(stats->done, stats->singles);
	support_explore_free(stats);
	/* The sale's fault at a step only a recovery runs: the second pass
	 * faults it on top of the run that opens it, but not at that hit,
	 * and every fault it adds fires. */
	memset(&options.config.plan, 0, sizeof(options.config.plan));
	assert_int_equal(fault_plan_add(&options.config.plan,
					"app/backcheck/before@1:pause", error,
					sizeof(error)), 0);
	options.kinds = KIND_BIT(FAULT_CRASH);
	options.mode = EXPLORE_RECOVERY;
	stats = support_explore(&options);
	assert_int_equal(stats->not_fired.count, 1);
	assert_true(stats->second_runs > 0);
	assert_true(explore_point_faulted(stats, FP_APP_BACKCHECK_BEFORE));
	assert_int_equal(stats->runs_not_fired, 0);
	support_explore_free(stats);
}

/* An exhaustive exploration that its budget stops early says so: the
 * runs it made are not every fault. */
static void test_a_budget_that_stops_it_is_said(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	char dir[256];
	(void)state;
	small_sale(&options, 1);
	options.config.users = 6;
	options.seconds = 1;
	stats = support_explore(&options);
	assert_true(stats->done > 0);
	assert_true(stats->done < stats->planned);
	assert_true(stats->stopped_by_budget);
	support_explore_free(stats);
	/* The text report, the JUnit file and the HTML report say so too. */
	assert_int_equal(support_tempdir(dir, sizeof(dir), "budget"), 0);
	assert_int_equal(support_shell(
		"%s explore --users 6 --stock 2 --coordinators 2 --seconds 1"
		" --quiet --junit %s/j.xml --html %s/r.html >%s/out.txt &&"
		" grep -q '^stopped by --seconds 1 after' %s/out.txt &&"
		" grep -q '; stopped by --seconds 1 after' %s/j.xml &&"
		" grep -q '(stopped by --seconds 1 after' %s/r.html", flashsim,
		dir, dir, dir, dir, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* Every invariant a run breaks is counted, first or not: a failure is
 * named after the first invariant it breaks, so one always broken second
 * (txn_order_agreement, by a Redis without persistence) showed in no
 * report, and the selftest's matrix said no run broke it. */
static void test_every_invariant_broken_is_counted(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "broken"), 0);
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --coordinators 2 --variant"
		" redis-no-persistence --kinds redis-crash --quiet --json"
		" >%s/out.json; test $? = 1 &&"
		" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" b=d[\"invariants_broken\"];"
		" sys.exit(not (b[\"conservation\"]==d[\"violation\"] and"
		" 0<b[\"txn_order_agreement\"]<=d[\"violation\"] and"
		" [f[\"invariant\"] for f in d[\"failures\"]]=="
		"[\"conservation\"]))' %s/out.json &&"
		" %s explore --users 2 --stock 1 --coordinators 2 --variant"
		" redis-no-persistence --kinds redis-crash --quiet >%s/out.txt;"
		" grep -q '^invariants broken (runs, first or not): conservation"
		" [0-9]*, txn_order_agreement [0-9]*$' %s/out.txt",
		flashsim, dir, dir, flashsim, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --runs below what the mode makes is said as a budget is: an exhaustive
 * exploration of 10 of 683 single faults read as complete in every
 * report; recovery mode keeps to --runs over both passes (it added the
 * second pass after the cap), and its JSON has both passes; pairs mode
 * says that it samples the pairs. */
static void test_runs_below_the_mode_are_said(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "cut"), 0);
	assert_int_equal(support_shell(
		"%s explore --users 4 --stock 2 --coordinators 2 --runs 10"
		" --quiet --junit %s/j.xml --html %s/r.html --json >%s/out.json"
		" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"runs\"]==10 and d[\"mode_runs\"]==683 and"
		" d[\"singles\"]==683 and d[\"cut\"].startswith(\"cut by"
		" --runs 10: 10 of the 683 runs\")))' %s/out.json &&"
		" grep -q 'cut by --runs 10: 10 of the 683' %s/j.xml &&"
		" grep -q '(cut by --runs 10: 10 of the 683' %s/r.html &&"
		" %s explore --users 4 --stock 2 --coordinators 2 --mode recovery"
		" --runs 700 --quiet --json >%s/rec.json &&"
		" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" p=d[\"passes\"]; sys.exit(not (d[\"runs\"]==700 and"
		" d[\"mode_runs\"]>700 and \"of both passes\" in d[\"cut\"] and"
		" p[\"first\"]==dict(planned=683, planned_all=683) and"
		" p[\"second\"][\"planned\"]==17 and"
		" d[\"mode_runs\"]==683+p[\"second\"][\"uncut\"]))' %s/rec.json &&"
		" %s explore --users 4 --stock 2 --coordinators 2 --mode recovery"
		" --runs 10 --quiet --json >%s/rec10.json &&"
		" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"runs\"]==10 and \"no recovery pass\" in"
		" d[\"cut\"] and d[\"passes\"][\"second\"] is None))'"
		" %s/rec10.json &&"
		" %s explore --users 1 --stock 1 --mode pairs --runs 5 --quiet"
		" >%s/pairs.txt && grep -q '^a sample: 5 of the [0-9]* pairs of the"
		" [0-9]* single faults (--runs): not every pair was tried$'"
		" %s/pairs.txt &&"
		" %s explore --users 1 --stock 1 --quiet --json >%s/all.json &&"
		" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"cut\"] is None and d[\"passes\"] is None"
		" and d[\"runs\"]==d[\"mode_runs\"]))' %s/all.json",
		flashsim, dir, dir, dir, dir, dir, dir, flashsim, dir, dir,
		flashsim, dir, dir, flashsim, dir, dir, flashsim, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* Only a redis-server that flashsim started can be killed: with --redis,
 * an exploration of redis-crash alone is refused (it used to run no run
 * and pass), and redis-crash among other kinds is left out, with a word. */
static void test_redis_crash_needs_a_server_flashsim_starts(void **state)
{
	struct redis_server server;
	char error[512];
	(void)state;
	assert_int_equal(redis_server_start(&server, error, sizeof(error)), 0);
	assert_int_equal(support_shell("%s explore --users 1 --stock 1 --kinds"
				       " redis-crash --redis %s --flush"
				       " >/dev/null 2>&1", flashsim,
				       server.address), 64);
	assert_int_equal(support_shell("%s explore --users 1 --stock 1 --kinds"
				       " redis-crash,crash --redis %s --flush"
				       " 2>&1 >/dev/null | grep -q 'redis-crash"
				       " left out'", flashsim, server.address),
			 0);
	redis_server_stop(&server);
}

/* --redis-db N: the run's keys are in database N of the given Redis,
 * none in database 0; a database the server does not have is refused,
 * naming it, and --redis-db without --redis is refused. */
static void test_a_given_redis_database_is_used(void **state)
{
	struct redis_server server;
	char error[512];
	const char *socket;
	(void)state;
	assert_int_equal(redis_server_start(&server, error, sizeof(error)), 0);
	socket = server.address + strlen("unix:");
	assert_int_equal(support_shell(
		"%s run --users 2 --stock 1 --redis %s --redis-db 3 >/dev/null"
		" && test \"$(redis-cli -s %s -n 3 get 'stock:{a}:1')\" = 0"
		" && test \"$(redis-cli -s %s -n 0 dbsize)\" = 0 &&"
		" { %s run --users 2 --stock 1 --redis %s --redis-db 99"
		" >/dev/null 2>%s.err; test $? = 64; } &&"
		" grep -q 'SELECT 99: ERR DB index is out of range' %s.err &&"
		" { %s run --users 2 --redis-db 3 >/dev/null 2>%s.err;"
		" test $? = 64; } &&"
		" grep -q -- '--redis-db is the database of a Redis given with"
		" --redis' %s.err",
		flashsim, server.address, socket, socket, flashsim,
		server.address, socket, socket, flashsim, socket, socket), 0);
	/* a refusal there names the database, and so does its advice */
	assert_int_equal(support_shell(
		"redis-cli -s %s -n 3 set 'flashsim:claim:{a}' 'ci-other 1 5f"
		" pid:[1]' >/dev/null && { %s run --users 2 --stock 1 --redis %s"
		" --redis-db 3 >/dev/null 2>%s.err; test $? = 64; } &&"
		" grep -q 'database 3: another flashsim (pid 1 on host"
		" ci-other)' %s.err && grep -q \"redis-cli -n 3 DEL"
		" 'flashsim:claim:{a}'\" %s.err &&"
		" redis-cli -s %s -n 3 del 'flashsim:claim:{a}' >/dev/null",
		socket, flashsim, server.address, socket, socket, socket,
		socket), 0);
	redis_server_stop(&server);
}

/* On a Redis of the user's a run claims its sale's hash tag first: a
 * second flashsim on the same tag is refused, --flush or not, and of any
 * activity (both used to run, and the second's --flush emptied the
 * first's keys, which then reported a broken protocol; two activities of
 * one tag share the coordinators' due set, and each run recovered the
 * other's transactions); the claim goes when the run ends, and one a dead
 * process left is taken over. */
static void test_a_sale_on_a_given_redis_is_claimed(void **state)
{
	struct redis_server server;
	char error[512];
	const char *socket;
	(void)state;
	assert_int_equal(redis_server_start(&server, error, sizeof(error)), 0);
	socket = server.address + strlen("unix:");
	assert_int_equal(support_shell(
		"redis-cli -s %s set 'flashsim:claim:{a}' 42 >/dev/null &&"
		" { %s run --users 2 --stock 1 --activity 2 --redis %s --flush"
		" >/dev/null 2>%s.err; test $? = 64; } &&"
		" grep -q 'another flashsim is running on the sale keys of tag"
		" {a} (its claim key flashsim:claim:{a} holds .42., not a"
		" flashsim.s token;' %s.err &&"
		" test \"$(redis-cli -s %s get 'flashsim:claim:{a}')\""
		" = 42 && redis-cli -s %s del 'flashsim:claim:{a}' >/dev/null &&"
		" %s run --users 2 --stock 1 --redis %s --flush >/dev/null &&"
		" test \"$(redis-cli -s %s exists 'flashsim:claim:{a}')\" = 0",
		socket, flashsim, server.address, socket, socket, socket, socket,
		flashsim, server.address, socket), 0);
	/* the message names the holder of a flashsim's claim; one of this
	 * machine (and namespace of process ids) whose process is gone is
	 * taken over */
	assert_int_equal(support_shell(
		"redis-cli -s %s set 'flashsim:claim:{a}' 'ci-other 1 5f pid:[1]'"
		" >/dev/null && { %s run --users 2 --stock 1 --redis %s --flush"
		" >/dev/null 2>%s.err; test $? = 64; } &&"
		" grep -q 'another flashsim (pid 1 on host ci-other) is running"
		" on the sale keys of tag {a}' %s.err &&"
		" redis-cli -s %s set 'flashsim:claim:{a}' \"$(hostname) 4194303"
		" 5f $(readlink /proc/self/ns/pid)\" >/dev/null &&"
		" %s run --users 2 --stock 1 --redis %s --flush >/dev/null &&"
		" test \"$(redis-cli -s %s exists 'flashsim:claim:{a}')\" = 0",
		socket, flashsim, server.address, socket, socket, socket,
		flashsim, server.address, socket), 0);
	/* --flush empties the whole database, every tag's keys: it is
	 * refused while another tag's claim is live (a run on tag b with
	 * --flush ended a run on tag a with no verdict) */
	assert_int_equal(support_shell(
		"redis-cli -s %s set 'flashsim:claim:{b}' 42 >/dev/null &&"
		" { %s run --users 2 --stock 1 --redis %s --flush"
		" >/dev/null 2>%s.err; test $? = 64; } &&"
		" grep -q -- '--flush would empty the keys of another flashsim,"
		" running on this database (its claim key flashsim:claim:{b}"
		" holds'"
		" %s.err && test \"$(redis-cli -s %s get 'flashsim:claim:{b}')\""
		" = 42 && test \"$(redis-cli -s %s exists 'flashsim:claim:{a}')\""
		" = 0 && redis-cli -s %s del 'flashsim:claim:{b}' >/dev/null",
		socket, flashsim, server.address, socket, socket, socket,
		socket, socket), 0);
	/* the keys a run left are named as they are: a due set of the tag
	 * refuses another activity too, and says so */
	assert_int_equal(support_shell(
		"redis-cli -s %s zadd 'due:{a}' 1 'txn:{a}flash-sale-2-1'"
		" >/dev/null && { %s run --users 2 --stock 1 --activity 3"
		" --redis %s >/dev/null 2>%s.err; test $? = 64; } &&"
		" grep -q 'activity 3 (due:{a}); pass --flush to empty that"
		" database first, or choose another --tag$' %s.err &&"
		" redis-cli -s %s del 'due:{a}' >/dev/null",
		socket, flashsim, server.address, socket, socket, socket), 0);
	/* one left by a flashsim of this machine that is gone (killed: no
	 * handler could give it back) is taken over; the sleep only paces
	 * the wait for the claim to appear */
	assert_int_equal(support_shell(
		"%s run --users 100000 --stock 1 --redis %s --flush >/dev/null"
		" 2>&1 & pid=$!; i=0; until test \"$(redis-cli -s %s exists"
		" 'flashsim:claim:{a}')\" = 1; do i=$((i + 1)); test $i -lt"
		" 400 || break; sleep 0.05; done;"
		" { kill -KILL $pid; wait $pid; } 2>/dev/null;"
		" %s run --users 2 --stock 1 --redis %s --flush >/dev/null &&"
		" test \"$(redis-cli -s %s exists 'flashsim:claim:{a}')\" = 0",
		flashsim, server.address, socket, flashsim, server.address,
		socket), 0);
	/* a --flush its user may not make (an ACL without FLUSHDB) is
	 * said, and the claim is given back: it stayed, and refused a run
	 * from another machine until removed by hand. A Redis that refuses
	 * a command is one that cannot be used as given: exit 64, as when
	 * it refuses the scripts (it was 3 here, 64 there) */
	assert_int_equal(support_shell(
		"redis-cli -s %s acl setuser noflush on '>pw' '~*' '+@all'"
		" '-flushdb' >/dev/null && { FLASHSIM_REDIS_USER=noflush"
		" FLASHSIM_REDIS_PASSWORD=pw %s run --users 2 --stock 1 --redis"
		" %s --flush >/dev/null 2>%s.err; test $? = 64; } && grep -q"
		" 'cannot use Redis: .*NOPERM' %s.err && test \"$(redis-cli -s %s exists"
		" 'flashsim:claim:{a}')\" = 0; rc=$?; redis-cli -s %s acl deluser"
		" noflush >/dev/null; exit $rc", socket, flashsim, server.address,
		socket, socket, socket, socket), 0);
	/* one that may write only the claim refuses the sale's stock, the
	 * run's first write: the same 64, --flush or not (it was 3 with
	 * --flush) */
	assert_int_equal(support_shell(
		"redis-cli -s %s acl setuser claimonly on '>pw' '~flashsim:*'"
		" '+@all' >/dev/null && { FLASHSIM_REDIS_USER=claimonly"
		" FLASHSIM_REDIS_PASSWORD=pw %s run --users 2 --stock 1 --redis"
		" %s --flush >/dev/null 2>%s.err; test $? = 64; } && grep -q"
		" 'cannot use Redis: .*SET: NOPERM' %s.err && test \"$(redis-cli"
		" -s %s exists 'flashsim:claim:{a}')\" = 0; rc=$?; redis-cli -s"
		" %s acl deluser claimonly >/dev/null; exit $rc", socket,
		flashsim, server.address, socket, socket, socket, socket), 0);
	redis_server_stop(&server);
}

/* Output that cannot be written is no report: exit 3 and a word on
 * stderr (a run's text or JSON to a full disk exited 0), and a closed
 * standard output is refused. Odd surroundings a CI job has. */
static void test_output_that_cannot_be_written_is_an_error(void **state)
{
	(void)state;
	char dir[256];
	assert_int_equal(support_tempdir(dir, sizeof(dir), "reltmp"), 0);
	/* and a relative TMPDIR (the private server took it from its own
	 * directory and could not start) */
	assert_int_equal(support_shell(
		"f='%s'; case $f in /*) ;; *) f=$(pwd)/$f;; esac; cd %s &&"
		" mkdir rel && TMPDIR=rel \"$f\" run --users 2 >/dev/null",
		flashsim, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
	assert_int_equal(support_shell(
		"{ %s run --users 2 --json > /dev/full 2>/dev/null; test $? = 3; }"
		" && { %s points > /dev/full 2>/dev/null; test $? = 3; } &&"
		" { %s run --users 2 >&- 2>/dev/null; test $? = 64; }", flashsim,
		flashsim, flashsim), 0);
}

/* A given Redis that wants a password: FLASHSIM_REDIS_PASSWORD (and
 * FLASHSIM_REDIS_USER for an ACL user); there was no way to give one. */
static void test_a_given_redis_with_a_password(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "auth"), 0);
	assert_int_equal(support_shell(
		"redis-server --port 0 --unixsocket %s/s.sock --dir %s --save ''"
		" --requirepass sekret --daemonize yes --pidfile %s/pid"
		" >/dev/null && i=0; until redis-cli -s %s/s.sock -a sekret"
		" --no-auth-warning ping 2>/dev/null | grep -q PONG; do"
		" i=$((i + 1)); test $i -lt 200 || break; sleep 0.05; done;"
		" { %s run --users 2 --redis unix:%s/s.sock --flush >/dev/null"
		" 2>%s/err; test $? = 64; } && grep -q NOAUTH %s/err &&"
		" FLASHSIM_REDIS_PASSWORD=sekret %s run --users 2 --redis"
		" unix:%s/s.sock --flush >/dev/null; rc=$?; kill $(cat %s/pid);"
		" test $rc = 0", dir, dir, dir, dir, flashsim, dir, dir, dir,
		flashsim, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* One run at a time per --orders-db: each empties the tables at start and
 * writes its orders into them, so two at once broke each other's counts
 * (a false violation). flock(1) holds the file's lock here as another
 * flashsim would. */
static void test_an_orders_db_in_use_is_refused(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "orders"), 0);
	assert_int_equal(support_shell(
		"{ flock %s/o.db -c '%s run --users 1 --orders-db %s/o.db'"
		" >/dev/null 2>%s/err; test $? = 64; } && grep -q 'in use by"
		" another flashsim' %s/err && %s run --users 1 --orders-db"
		" %s/o.db >/dev/null", dir, flashsim, dir, dir, dir, flashsim,
		dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --json: one object that a JSON parser takes, with the verdict, the
 * counts and each failure with its shrunk plan and replay; the exit code
 * is the text report's, and an [expect] line goes to stderr. (A run's
 * object too, whose keys docs/USAGE.md lists.) */
static void test_json_summaries_parse(void **state)
{
	char dir[256], json[300];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "json"), 0);
	snprintf(json, sizeof(json), "%s/out.json", dir);
	/* Both peaks of memory: flashsim's own processes, and the largest
	 * of all, its redis-servers included; a flashsim started by a larger
	 * process (python's) does not take that process's peak as its own. */
	assert_int_equal(support_shell(
		"python3 -c 'import json, subprocess, sys;"
		" big = bytearray(64 << 20);"
		" d = json.loads(subprocess.run(sys.argv[1:], check=True,"
		" stdout=subprocess.PIPE).stdout);"
		" sys.exit(not (0 < d[\"own_peak_memory_kb\"] <="
		" d[\"peak_memory_kb\"] < 60000))' %s explore --users 1"
		" --stock 1 --kinds crash --runs 3 --json --quiet", flashsim), 0);
	/* The PING reference is timed by each worker between its runs, 100
	 * after every 64, or after its last when it makes fewer (98 runs:
	 * one job times 100 PINGs after its 64th; two, 100 each after their
	 * 49 runs), and the PINGs are not counted as the runs' commands:
	 * two jobs count what one does. */
	assert_int_equal(support_shell(
		"f='%s explore --users 2 --stock 1 --kinds crash --json --quiet'"
		" && $f --jobs 1 >%s/j1.json && $f --jobs 2 >%s/j2.json"
		" && python3 -c 'import json, sys;"
		" a, b = (json.load(open(x)) for x in sys.argv[1:]);"
		" sys.exit(not (a[\"runs\"] == 98 and a[\"pings\"] == 100 and"
		" b[\"pings\"] == 200"
		" and a[\"ping_per_second\"] > 0 and a[\"redis_commands\"] =="
		" b[\"redis_commands\"] > 0))' %s/j1.json %s/j2.json", flashsim,
		dir, dir, dir, dir), 0);
	/* The explorer half of make bench runs and says both targets (its
	 * figures are not judged here: a benchmark, not a test). */
	assert_int_equal(support_shell(
		"python3 tools/bench_explorer.py %s --rounds 1 --runs 3,6"
		" --sale '--users 2 --stock 1 --kinds crash'"
		" --out %s/be.txt 2>/dev/null | grep -q '^target: explorer Redis"
		" commands/s' && grep -q '^target: memory flat from 3 to 6 runs'"
		" %s/be.txt", flashsim, dir, dir), 0);
	/* The points reached but never faulted, in the JSON and the text. */
	assert_int_equal(support_shell(
		"%s explore --users 1 --stock 1 --kinds crash --json | python3 -c"
		" 'import json,sys; c=json.load(sys.stdin)[\"coverage\"];"
		" sys.exit(not (c[\"faulted\"] < c[\"reached\"] and"
		" \"app/backcheck/before\" in c[\"never_faulted\"] and"
		" \"app/deduct/after\" not in c[\"never_faulted\"]))' &&"
		" %s explore --users 1 --stock 1 --kinds crash | grep -q"
		" '^  reached, never faulted: .*app/backcheck/before'", flashsim,
		flashsim), 0);
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --kinds redis-crash"
		" --redis-persistence none --runs 3 --json --quiet >%s"
		" 2>/dev/null; test $? -eq 1 && python3 -c 'import json,sys;"
		" d=json.load(open(sys.argv[1])); f=d[\"failures\"][0];"
		" sys.exit(not (d[\"verdict\"]==\"violation\" and"
		" d[\"runs\"]==3 and d[\"violation\"]==3 and"
		" d[\"kinds\"][\"redis-crash\"][\"faults\"]==3 and"
		" f[\"invariant\"]==\"conservation\" and"
		" len(f[\"faults\"])==1 and f[\"replay_verified\"] and"
		" \"--fault\" in f[\"replay\"] and"
		" f[\"violations\"][0][\"invariant\"]==\"conservation\" and"
		" f[\"violations\"][0][\"points_at\"]))' %s", flashsim, json,
		json), 0);
	assert_int_equal(support_shell(
		"%s explore scenarios/explore-small-sale.ini --runs 3 --json"
		" --quiet 2>&1 >%s | grep -q '^expectation: met' &&"
		" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"verdict\"]==\"ok\" and d[\"runs\"]==3 and"
		" d[\"failures\"]==[] and d[\"expectation\"]==dict(met=True,"
		" differences=None, not_checked=[])))' %s", flashsim, json,
		json), 0);
	/* An expectation not met: the exit code's reason is in the JSON. */
	assert_int_equal(support_shell(
		"%s explore scenarios/explore-no-rollback-marker.ini --kinds crash"
		" --json --quiet 2>/dev/null >%s; test $? -eq 1 &&"
		" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" e=d[\"expectation\"]; sys.exit(not (d[\"verdict\"]==\"ok\""
		" and e[\"met\"] is False and \"expected at least one\" in"
		" e[\"differences\"]))' %s", flashsim, json, json), 0);
	assert_int_equal(support_shell(
		"%s run scenarios/sold-out.ini --json 2>/dev/null | python3 -c"
		" 'import json,sys; d=json.load(sys.stdin);"
		" sys.exit(not d[\"expectation\"][\"met\"])'", flashsim), 0);
	assert_int_equal(support_shell(
		"%s run --users 3 --stock 2 --json | python3 -c 'import json,sys;"
		" d=json.load(sys.stdin); sys.exit(not (d[\"verdict\"]==\"ok\""
		" and d[\"orders\"]==2 and d[\"told\"][\"rejected\"]==1"
		" and d[\"not_fired\"]==[] and d[\"violations\"]==[]"
		" and d[\"expectation\"] is None))'",
		flashsim), 0);
	/* A violation: its rows and the event it points at. */
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --variant naive --fault"
		" app/deduct/after@1:crash --json | python3 -c 'import json,sys;"
		" v=json.load(sys.stdin)[\"violations\"]; p=v[0][\"points_at\"];"
		" sys.exit(not (len(v)==1 and v[0][\"invariant\"]==\"conservation\""
		" and v[0][\"rows\"]==1 and v[0][\"rows_all_recorded\"] and"
		" v[0][\"first_rows\"][0].startswith(\"stock_key=\") and"
		" len(p)==1 and p[0][\"step\"]==\"app/deduct\" and"
		" p[0][\"detail\"]==\"= OK\" and p[0][\"actor\"]==\"app-2\" and"
		" p[0][\"why\"].startswith(\"a unit taken here\")))'", flashsim),
		0);
	/* A fault that never fired, in both commands' objects. */
	assert_int_equal(support_shell(
		"%s run --users 3 --stock 2 --fault app/deduct/after@9:crash"
		" --json | python3 -c 'import json,sys; d=json.load(sys.stdin);"
		" sys.exit(d[\"not_fired\"]!=[\"app/deduct/after@9:crash never"
		" fired: app/deduct/after was reached 3 times while faults could"
		" fire\"])' && %s explore --users 1 --stock 1 --kinds crash"
		" --fault app/deduct/after@9:crash --json --quiet | python3 -c"
		" 'import json,sys; d=json.load(sys.stdin);"
		" sys.exit(len(d[\"not_fired\"])!=1)'", flashsim, flashsim), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --trace FILE: the file is there when no run failed (its runs table
 * empty: only failing runs are kept), it holds the failing runs when some
 * did, and a path that cannot be written is refused before any run. */
static void test_trace_file_is_made_with_or_without_failures(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "trace"), 0);
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --kinds crash --runs 5 --trace"
		" %s/ok.db --quiet >/dev/null && test \"$(sqlite3 %s/ok.db"
		" 'select count(*) from runs')\" = 0", flashsim, dir, dir), 0);
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --kinds redis-crash"
		" --redis-persistence none --runs 2 --trace %s/bad.db --quiet"
		" >/dev/null; test $? -eq 1 && test \"$(sqlite3 %s/bad.db"
		" \"select count(*) > 0 from runs where verdict ="
		" 'violation'\")\" = 1", flashsim, dir, dir), 0);
	/* Each exploration has its row: the command, its counts and verdict,
	 * and the range of run ids it kept. */
	assert_int_equal(support_shell(
		"test \"$(sqlite3 %s/ok.db 'select verdict, runs, failures,"
		" finished is not null, command like \"%% explore --users 2 %%\""
		" from explorations')\" = 'ok|5|0|1|1' && test \"$(sqlite3"
		" %s/bad.db 'select e.verdict, count(r.run_id) > 0,"
		" min(r.verdict) from explorations e join runs r on r.run_id >"
		" e.after_run_id and r.run_id <= e.last_run_id')\" ="
		" 'violation|1|violation'", dir, dir), 0);
	/* One that never ends (stopped by a signal) keeps finished and
	 * verdict NULL: no verdict. */
	assert_int_equal(support_shell(
		"%s explore --users 6 --stock 2 --coordinators 2 --quiet --trace"
		" %s/cut.db >/dev/null 2>&1 & pid=$!; i=0; until test"
		" \"$(sqlite3 %s/cut.db 'select count(*) from explorations'"
		" 2>/dev/null)\" = 1; do i=$((i + 1)); test $i -lt 400 ||"
		" break; sleep 0.05; done; kill -TERM $pid; wait $pid 2>/dev/null;"
		" test \"$(sqlite3 %s/cut.db 'select finished is null and"
		" verdict is null from explorations')\" = 1", flashsim, dir, dir,
		dir), 0);
	/* A file with a runs table of its own is refused as it was found
	 * (the trace's other tables were added to it first). */
	assert_int_equal(support_shell(
		"sqlite3 %s/other.db 'create table runs(id integer primary key,"
		" x text)' && { %s run --users 1 --trace %s/other.db >/dev/null"
		" 2>&1; test $? = 64; } && test \"$(sqlite3 %s/other.db"
		" 'select count(*) from sqlite_master')\" = 1", dir, flashsim,
		dir, dir), 0);
	/* A run's row names its variant; a file from before that column
	 * (the column dropped here) gets it, '' for its earlier runs. */
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --variant naive --trace %s/v.db"
		" >/dev/null; sqlite3 %s/v.db 'alter table runs drop column"
		" variant' && %s run --users 1 --stock 1 --variant"
		" order-no-barrier --trace %s/v.db >/dev/null && test \"$(sqlite3"
		" %s/v.db \"select group_concat(run_id || ':' || variant, ' ')"
		" from runs\")\" = '1: 2:order-no-barrier'", flashsim, dir, dir,
		flashsim, dir, dir), 0);
	/* A run's row names the scenario file it came from (it was always
	 * ''), that of run and that of explore. */
	assert_int_equal(support_shell(
		"%s run scenarios/crash-then-backcheck.ini --trace %s/s.db"
		" >/dev/null && %s explore scenarios/explore-no-rollback-marker.ini"
		" --trace %s/s.db --quiet >/dev/null; test \"$(sqlite3 %s/s.db"
		" 'select group_concat(distinct scenario) from runs')\" ="
		" 'scenarios/crash-then-backcheck.ini,"
		"scenarios/explore-no-rollback-marker.ini'", flashsim, dir,
		flashsim, dir, dir), 0);
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --trace %s/no/such/dir/t.db"
		" --quiet >/dev/null 2>%s/err; test $? -eq 64 && grep -q"
		" 'trace database' %s/err", flashsim, dir, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* An exploration that ends in an internal error has no verdict, and
 * every report says so: here the redis-server cannot start for the
 * shrinking, after the runs found the naive design's failure. The
 * failure is shown as found (its first failing run, its faults, a
 * command that runs it), marked not shrunk: never "shrunk to 0 users"
 * with an empty replay that "did not reproduce". */
static void test_an_internal_error_leaves_no_verdict(void **state)
{
	static const char explore[] = "explore --users 2 --stock 1 --variant"
		" naive --kinds crash --quiet";
	char dir[256], server[300], path[320], *text;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "no-verdict"), 0);
	/* Two starts: the dry run's and the runs'; the third fails. */
	assert_int_equal(support_failing_redis_server(dir, 2, server,
						      sizeof(server)), 0);
	assert_int_equal(support_shell(
		"FLASHSIM_REDIS_SERVER=%s %s %s --json --junit %s/j.xml"
		" --html %s/r.html --trace %s/t.db >%s/out.json 2>%s/err",
		server, flashsim, explore, dir, dir, dir, dir, dir), 3);
	assert_int_equal(support_shell(
		"grep -q 'internal error: redis-server exited at start' %s/err",
		dir), 0);
	assert_int_equal(support_shell(
		"python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" f=d[\"failures\"][0]; sys.exit(not (d[\"verdict\"] is None"
		" and \"redis-server exited at start\" in d[\"error\"] and"
		" d[\"violation\"] > 0 and f[\"invariant\"]==\"conservation\""
		" and f[\"shrunk\"] is False and f[\"first_run\"] >= 0 and"
		" f[\"users\"]==2 and f[\"stock\"]==1 and"
		" f[\"faults\"]==[\"app/deduct/after@1:crash\"] and"
		" f[\"replay\"].endswith(\" --variant naive --fault"
		" app/deduct/after@1:crash\") and not f[\"replay_verified\"]))'"
		" %s/out.json", dir), 0);
	assert_int_equal(support_shell(
		"test \"$(sqlite3 %s/t.db 'select verdict is null from"
		" explorations')\" = 1", dir), 0);
	snprintf(path, sizeof(path), "%s/j.xml", dir);
	text = support_read_file(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "failures=\"1\" errors=\"1\""));
	assert_non_null(strstr(text, "<error message=\"redis-server exited"));
	assert_non_null(strstr(text, "no verdict: the exploration stopped"
			       " there"));
	assert_non_null(strstr(text, "message=\"conservation:"
			       " app/deduct/after@1:crash (found in run "));
	assert_non_null(strstr(text, "not shrunk: the exploration ended in an"
			       " internal error first"));
	assert_null(strstr(text, "shrunk to"));
	assert_null(strstr(text, "WARNING"));
	free(text);
	snprintf(path, sizeof(path), "%s/r.html", dir);
	text = support_read_file(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "<div class=\"verdict verdict-error\">"
			       "<b>internal error: redis-server exited"));
	assert_non_null(strstr(text, "no verdict: the exploration stopped"
			       " there"));
	assert_non_null(strstr(text, "<td>NOT SHRUNK</td>"));
	assert_non_null(strstr(text, "<td>its faults</td><td>"
			       "app/deduct/after@1:crash</td>"));
	assert_null(strstr(text, "a liveness failure"));
	assert_null(strstr(text, "shrunk to"));
	assert_null(strstr(text, "WARNING"));
	free(text);
	/* The text report, the same way (the server allows two starts
	 * again). */
	assert_int_equal(support_shell(
		"rm %s/starts && FLASHSIM_REDIS_SERVER=%s %s %s >%s/out.txt"
		" 2>/dev/null; test $? -eq 3 && grep -q '^internal error:"
		" redis-server exited' %s/out.txt && grep -q 'no verdict: the"
		" exploration stopped there' %s/out.txt && grep -q '^  not"
		" shrunk: the exploration ended in an internal error first$'"
		" %s/out.txt && grep -q '^  found:   run [0-9]*, 2 users, stock"
		" 1, 1 fault$' %s/out.txt && ! grep -q '^  shrunk:\\|WARNING'"
		" %s/out.txt", dir, server, flashsim, explore, dir, dir, dir,
		dir, dir, dir), 0);
	/* A sale that fails without explored faults, then cannot shrink:
	 * its one run is the failure, found in the run without them (one
	 * start left: the dry run's). */
	assert_int_equal(support_shell(
		"echo 1 >%s/starts && FLASHSIM_REDIS_SERVER=%s %s explore --users 2"
		" --stock 1 --variant naive --fault app/deduct/after@1:crash"
		" --quiet --json >%s/dry.json 2>/dev/null; test $? -eq 3 &&"
		" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" f=d[\"failures\"][0]; sys.exit(not (d[\"verdict\"] is None"
		" and d[\"fault_free_failed\"] and f[\"first_run\"] is None and"
		" d[\"planned\"]==d[\"planned_all\"]==1 and"
		" f[\"users\"]==2 and f[\"faults\"]==[\"app/deduct/after@1:crash\"]))'"
		" %s/dry.json", dir, server, flashsim, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A report file that cannot be written after the verdict was printed
 * (a full disk) ends in exit 3, and stderr says which verdict stands. */
static void test_a_report_lost_after_the_verdict_is_said(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"out=$(%s explore --users 2 --stock 1 --kinds crash --runs 3"
		" --json --quiet --junit /dev/full 2>&1 >/dev/null); test $? -eq"
		" 3 && echo \"$out\" | grep -q 'cannot write /dev/full: No space' &&"
		" echo \"$out\" | grep -q 'the verdict printed above stands, but"
		" a report file named above was not written: exit 3'",
		flashsim), 0);
	assert_int_equal(support_shell(
		"out=$(%s run --users 2 --stock 1 --html /dev/full 2>&1"
		" >/dev/null); test $? -eq 3 && echo \"$out\" | grep -q"
		" 'the verdict printed above stands'", flashsim), 0);
}

/* --timeline: each shrunk failure's whole timeline under it (it used to
 * be taken and ignored); --orders-db, one file for many runs, is refused;
 * --random-faults is left out of an exhaustive exploration. */
static void test_timeline_of_each_failure_and_no_orders_db(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --kinds crash --variant naive"
		" --timeline --quiet | sed -n '/^timeline of the shrunk run:/,$p'"
		" | grep -q 'X .* CRASH'", flashsim), 0);
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --kinds crash --variant naive"
		" --quiet | grep -q '^timeline of'", flashsim), 1);
	assert_int_equal(support_shell(
		"%s explore --users 2 --orders-db /dev/null >/dev/null 2>&1",
		flashsim), 64);
	/* Random faults on top of the chosen ones are left out, with a word. */
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --kinds crash --random-faults"
		" --quiet 2>&1 >/dev/null | grep -q 'random faults .* left out'",
		flashsim), 0);
}

/* With --jobs 2, the error of a worker's run reaches every report: which
 * worker, which run, what error. They said "a run failed inside a worker
 * (see above)", the cause on stderr alone. Here the server may start
 * three times (the dry run's, the two workers'), and the first restart
 * after a redis-crash fault fails, a few runs into a worker's share. */
static void test_a_worker_error_reaches_every_report(void **state)
{
	static const char cause[] = "worker [12]: run [0-9]+: restarting"
		" Redis: redis-server exited at start";
	char dir[256], server[300];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "worker-error"), 0);
	assert_int_equal(support_failing_redis_server(dir, 3, server,
						      sizeof(server)), 0);
	assert_int_equal(support_shell(
		"FLASHSIM_REDIS_SERVER=%s %s explore --users 3 --stock 2"
		" --coordinators 2 --kinds crash,redis-crash --jobs 2 --quiet"
		" --json --junit %s/j.xml --html %s/r.html >%s/out.json"
		" 2>%s/err", server, flashsim, dir, dir, dir, dir), 3);
	assert_int_equal(support_shell(
		"grep -Eq '^flashsim explore: internal error: %s' %s/err &&"
		" grep -Eq '<error message=\"%s' %s/j.xml &&"
		" grep -Eq 'internal error: %s' %s/r.html &&"
		" ! grep -q 'inside a worker' %s/j.xml %s/r.html %s/out.json &&"
		" python3 -c 'import json,re,sys; d=json.load(open(sys.argv[1]));"
		" sys.exit(not (d[\"verdict\"] is None and d[\"runs\"] > 0 and"
		" re.match(sys.argv[2], d[\"error\"])))' %s/out.json '%s'",
		cause, dir, cause, dir, cause, dir, dir, dir, dir, dir, cause),
		0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* The time of the shrinking and replays is reported apart from the
 * exploring (the text's time left it out: 3.4 s for a 33 s job), and the
 * JUnit suite has the whole: exploring, then shrinking and replaying. */
static void test_the_time_of_shrinking_is_reported(void **state)
{
	static const char explore[] = "explore --users 2 --stock 1 --variant"
		" naive --kinds crash --quiet";
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "times"), 0);
	assert_int_equal(support_shell(
		"python3 -c 'import json,re,subprocess,sys,time\n"
		"start = time.monotonic()\n"
		"out = subprocess.run(sys.argv[1:], capture_output=True).stdout\n"
		"wall = time.monotonic() - start\n"
		"d = json.loads(out)\n"
		"suite = float(re.search(r\"<testsuite [^>]* time=\\\"([0-9.]+)\\\"\","
		" open(\"%s/j.xml\").read()).group(1))\n"
		"whole = d[\"seconds\"] + d[\"shrink_seconds\"]\n"
		"sys.exit(not (d[\"shrinking_runs\"] > 0 and"
		" d[\"shrink_seconds\"] > 0 and d[\"seconds\"] > 0 and"
		" wall - 0.5 < whole <= wall and abs(suite - whole) < 0.005))'"
		" %s %s --json --junit %s/j.xml", dir, flashsim, explore, dir), 0);
	assert_int_equal(support_shell(
		"%s %s | grep -Eq '^time: [0-9.]+ s exploring, [0-9.]+ runs/s with"
		" 1 job; [0-9.]+ s shrinking and replaying \\([1-9][0-9]* runs?\\);"
		" [0-9.]+ s in all; peak memory'", flashsim, explore), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A run not kept that reaches no verdict (here a user's invariant that
 * fails at run time, on one user: the first sale of fewer users the
 * shrinking tries; exit 64) leaves no row in the trace file: a row with
 * verdict NULL and no event means that flashsim died mid-run
 * (docs/TRACE.md). */
static void test_an_error_in_a_run_not_kept_leaves_no_row(void **state)
{
	char dir[256], path[300];
	FILE *file;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "unkept"), 0);
	snprintf(path, sizeof(path), "%s/one_user.sql", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("-- Fails at run time (malformed JSON) on a sale of one user.\n"
	      "SELECT gid FROM users WHERE (SELECT count(*) FROM users) < 2"
	      " AND json('{' || gid) IS NOT NULL;\n", file);
	assert_int_equal(fclose(file), 0);
	assert_int_equal(support_shell(
		"%s explore --users 2 --stock 1 --variant naive --kinds crash"
		" --quiet --invariants %s --trace %s/t.db 2>%s/err >/dev/null",
		flashsim, dir, dir, dir), 64);
	assert_int_equal(support_shell(
		"grep -q 'invariant one_user .* fails on this run.s final state:"
		" malformed JSON' %s/err && ! grep -q 'internal error' %s/err &&"
		" test \"$(sqlite3 %s/t.db 'select count(*) from runs r"
		" where verdict is null and not exists (select 1 from events e"
		" where e.run_id = r.run_id)')\" = 0", dir, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exhaustive_finds_no_violation),
		cmocka_unit_test(test_a_sale_that_sells_nothing_is_said),
		cmocka_unit_test(test_two_jobs_do_the_same_runs),
		cmocka_unit_test(test_two_jobs_find_the_same_failures),
		cmocka_unit_test(test_recovery_mode_faults_every_point),
		cmocka_unit_test(test_no_room_for_the_explored_faults_is_refused),
		cmocka_unit_test(test_no_room_names_the_scenario_line),
		cmocka_unit_test(test_an_invariant_failing_on_a_runs_data_is_bad_input),
		cmocka_unit_test(test_a_trace_locked_in_the_middle_is_an_internal_error),
		cmocka_unit_test(test_random_seeds_wrap_at_the_largest),
		cmocka_unit_test(test_a_replay_quotes_what_the_shell_would_split),
		cmocka_unit_test(test_a_failure_shows_the_digest_its_replay_gives),
		cmocka_unit_test(test_a_digest_tells_the_invariants_apart),
		cmocka_unit_test(test_the_recovery_sale_catches_its_variants),
		cmocka_unit_test(test_a_server_refusing_the_scripts_gives_no_verdict),
		cmocka_unit_test(test_a_given_redis_database_is_used),
		cmocka_unit_test(test_a_sale_on_a_given_redis_is_claimed),
		cmocka_unit_test(test_an_orders_db_in_use_is_refused),
		cmocka_unit_test(test_a_given_redis_with_a_password),
		cmocka_unit_test(test_output_that_cannot_be_written_is_an_error),
		cmocka_unit_test(test_failures_are_shrunk_and_replayed),
		cmocka_unit_test(test_a_failure_that_does_not_replay_keeps_its_evidence),
		cmocka_unit_test(test_a_sale_failing_without_faults_is_its_failure),
		cmocka_unit_test(test_a_sale_failing_with_its_own_fault_is_its_failure),
		cmocka_unit_test(test_a_fixed_fault_that_never_fires_is_named),
		cmocka_unit_test(test_runs_whose_own_faults_did_not_fire_are_said),
		cmocka_unit_test(test_pairs_are_each_pair_once_at_two_hits),
		cmocka_unit_test(test_no_fault_is_tried_at_a_hit_of_the_sale),
		cmocka_unit_test(test_a_budget_that_stops_it_is_said),
		cmocka_unit_test(test_runs_below_the_mode_are_said),
		cmocka_unit_test(test_every_invariant_broken_is_counted),
		cmocka_unit_test(test_redis_crash_needs_a_server_flashsim_starts),
		cmocka_unit_test(test_json_summaries_parse),
		cmocka_unit_test(test_trace_file_is_made_with_or_without_failures),
		cmocka_unit_test(test_timeline_of_each_failure_and_no_orders_db),
		cmocka_unit_test(test_an_internal_error_leaves_no_verdict),
		cmocka_unit_test(test_a_report_lost_after_the_verdict_is_said),
		cmocka_unit_test(test_a_worker_error_reaches_every_report),
		cmocka_unit_test(test_the_time_of_shrinking_is_reported),
		cmocka_unit_test(test_an_error_in_a_run_not_kept_leaves_no_row),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("explore", tests, NULL, NULL);
}
