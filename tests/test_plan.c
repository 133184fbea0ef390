/*
 * test_plan.c - fault plans: parsing POINT@N:KIND, matching a hit, and
 * writing a plan back as --fault options. A run is reproduced from its
 * printed plan, so parse and format must agree exactly; and a typo in a
 * fault must be refused with a message, never silently run as "no fault".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"

static void add_ok(struct fault_plan *plan, const char *text)
{
	char error[256] = "";
	if (fault_plan_add(plan, text, error, sizeof(error)) != 0)
		fail_msg("'%s' refused: %s", text, error);
}

static void test_a_crash_after_deduct_parses(void **state)
{
	struct fault_plan plan;
	(void)state;
	memset(&plan, 0, sizeof(plan));
	add_ok(&plan, "app/deduct/after@1:crash");
	assert_int_equal(plan.count, 1);
	assert_string_equal(point_name(plan.faults[0].point), "app/deduct/after");
	assert_int_equal(point_get(plan.faults[0].point)->where, STEP_APP_DEDUCT);
	assert_int_equal(point_get(plan.faults[0].point)->position, POSITION_AFTER);
	assert_int_equal(plan.faults[0].nth, 1);
	assert_int_equal(plan.faults[0].kind, FAULT_CRASH);
}

/* The fault fires at its own hit only: not the next hit, not the other
 * position of the same step, not another step. */
static void test_plan_at_matches_only_that_hit(void **state)
{
	struct fault_plan plan;
	(void)state;
	memset(&plan, 0, sizeof(plan));
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_DEDUCT, POSITION_AFTER), 1),
			 FAULT_NONE);
	add_ok(&plan, "app/deduct/after@1:crash");
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_DEDUCT, POSITION_AFTER), 1),
			 FAULT_CRASH);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_DEDUCT, POSITION_AFTER), 2),
			 FAULT_NONE);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_DEDUCT, POSITION_AFTER), 0),
			 FAULT_NONE);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_DEDUCT, POSITION_BEFORE), 1),
			 FAULT_NONE);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_QUERY, POSITION_AFTER), 1),
			 FAULT_NONE);
}

/* The faults of a plan that are not among those fired, in plan order:
 * the same point and hit with another kind is another fault. */
static void test_missing_faults_are_those_not_fired(void **state)
{
	struct fault_plan plan, fired, missing;
	char text[96];
	(void)state;
	memset(&plan, 0, sizeof(plan));
	memset(&fired, 0, sizeof(fired));
	add_ok(&plan, "app/deduct/after@1:crash");
	add_ok(&plan, "app/deduct/after@2:crash");
	add_ok(&plan, "app/query/after@1:crash");
	add_ok(&fired, "app/deduct/after@1:crash");
	add_ok(&fired, "app/query/after@1:pause");
	assert_int_equal(fault_plan_missing(&plan, &fired, &missing), 2);
	fault_format(&missing.faults[0], text, sizeof(text));
	assert_string_equal(text, "app/deduct/after@2:crash");
	fault_format(&missing.faults[1], text, sizeof(text));
	assert_string_equal(text, "app/query/after@1:crash");
	assert_int_equal(fault_plan_missing(&fired, &fired, &missing), 0);
}

/* Several faults in one plan each fire at their own point and hit. */
static void test_each_fault_of_a_plan_matches_its_own_point(void **state)
{
	struct fault_plan plan;
	(void)state;
	memset(&plan, 0, sizeof(plan));
	add_ok(&plan, "app/deduct/after@2:crash");
	add_ok(&plan, "coord/lock/before@7:crash");
	add_ok(&plan, "order/create/after@1:crash");
	assert_int_equal(plan.count, 3);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_DEDUCT, POSITION_AFTER), 2),
			 FAULT_CRASH);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_DEDUCT, POSITION_AFTER), 1),
			 FAULT_NONE);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_COORD_LOCK, POSITION_BEFORE), 7),
			 FAULT_CRASH);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_COORD_LOCK, POSITION_AFTER), 7),
			 FAULT_NONE);
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_ORDER_CREATE, POSITION_AFTER), 1),
			 FAULT_CRASH);
}

/* Every step of steps.def but the user's is a failure point at both
 * positions; the parser finds each by its printed name. */
static void test_every_step_and_position_is_a_point(void **state)
{
	static const char *const positions[] = { "before", "after" };
	(void)state;
	for (int s = 0; s < STEP_COUNT; s++) {
		if (s == STEP_USER_BUY)
			continue;
		for (int p = 0; p < 2; p++) {
			struct fault_plan plan;
			char text[128];
			memset(&plan, 0, sizeof(plan));
			snprintf(text, sizeof(text), "%s/%s@3:crash",
				 step_name(s), positions[p]);
			add_ok(&plan, text);
			assert_int_equal(plan.faults[0].point, point_of_step(s, p));
			assert_int_equal(point_get(plan.faults[0].point)->where, s);
			assert_int_equal(plan.faults[0].nth, 3);
		}
	}
}

/* A refused fault leaves the plan as it was, and the message names the
 * text and says what was expected instead. */
static void assert_refused(const char *text, const char *expected)
{
	struct fault_plan plan;
	char error[256] = "";
	memset(&plan, 0, sizeof(plan));
	add_ok(&plan, "app/deduct/after@1:crash");
	if (fault_plan_add(&plan, text, error, sizeof(error)) == 0)
		fail_msg("'%s' was accepted", text);
	assert_int_equal(plan.count, 1);
	if (strstr(error, text) == NULL)
		fail_msg("the message for '%s' does not quote it: %s", text,
			 error);
	if (strstr(error, expected) == NULL)
		fail_msg("the message for '%s' does not say '%s': %s", text,
			 expected, error);
}

/* A kind that does not apply at a point is refused, naming the kinds that
 * do: a crash is no network fault, a lost Redis reply needs a Redis step. */
static void test_inapplicable_kind_is_refused(void **state)
{
	(void)state;
	assert_refused("net/prepare/request@1:crash", "drop-request, duplicate, delay");
	assert_refused("app/prepare/before@1:redis-reply-lost", "crash, pause");
	assert_refused("app/deduct/before@1:redis-reply-lost", "redis-request-lost");
	assert_refused("net/prepare/request@1:drop-reply", "inapplicable");
}

static void test_missing_at_is_refused(void **state)
{
	(void)state;
	assert_refused("app/deduct/after1:crash", "expected POINT@N:KIND");
	assert_refused("app/deduct/after", "expected POINT@N:KIND");
	assert_refused("", "expected POINT@N:KIND");
}

static void test_missing_colon_is_refused(void **state)
{
	(void)state;
	assert_refused("app/deduct/after@1crash", "expected POINT@N:KIND");
	assert_refused("app/deduct/after@1", "expected POINT@N:KIND");
	/* A ':' before the '@' is not the one that separates the kind. */
	assert_refused("app:deduct/after@1", "expected POINT@N:KIND");
}

static void test_unknown_point_is_refused(void **state)
{
	(void)state;
	assert_refused("app/nope/after@1:crash",
		       "unknown failure point 'app/nope/after'");
	/* A step without a position is not a point either. */
	assert_refused("app/deduct@1:crash", "unknown failure point 'app/deduct'");
	/* Nor a prefix or an extension of a real point. */
	assert_refused("app/deduct/afte@1:crash", "unknown failure point");
	assert_refused("app/deduct/afterx@1:crash", "unknown failure point");
}

static void test_unknown_position_is_refused(void **state)
{
	(void)state;
	assert_refused("app/deduct/during@1:crash",
		       "unknown failure point 'app/deduct/during'");
	assert_refused("app/deduct/during@1:crash", "flashsim points");
}

/* Hits are counted from 1: N = 0 would never fire, and the run would pass
 * while testing nothing. */
static void test_hit_zero_is_refused(void **state)
{
	(void)state;
	assert_refused("app/deduct/after@0:crash", "N from 1 to 4294967295");
}

static void test_hit_that_is_not_a_number_is_refused(void **state)
{
	(void)state;
	assert_refused("app/deduct/after@x:crash", "N from 1 to 4294967295");
	assert_refused("app/deduct/after@:crash", "N from 1 to 4294967295");
	assert_refused("app/deduct/after@1x:crash", "N from 1 to 4294967295");
	assert_refused("app/deduct/after@1.5:crash", "N from 1 to 4294967295");
	/* Beyond the 32-bit hit counter. */
	assert_refused("app/deduct/after@4294967296:crash", "N from 1 to 4294967295");
	assert_refused("app/deduct/after@-1:crash", "N from 1 to 4294967295");
}

static void test_unknown_kind_is_refused(void **state)
{
	(void)state;
	assert_refused("app/deduct/after@1:explode",
		       "unknown fault kind 'explode'");
	assert_refused("app/deduct/after@1:explode",
		       "expected at app/deduct/after: crash");
	assert_refused("app/deduct/after@1:", "unknown fault kind ''");
	assert_refused("app/deduct/after@1:crashed", "unknown fault kind");
}

static void test_more_than_the_maximum_is_refused(void **state)
{
	struct fault_plan plan;
	char text[64], error[256] = "";
	(void)state;
	memset(&plan, 0, sizeof(plan));
	for (int i = 1; i <= PLAN_FAULTS_MAX; i++) {
		snprintf(text, sizeof(text), "app/deduct/after@%d:crash", i);
		add_ok(&plan, text);
	}
	assert_int_equal(plan.count, PLAN_FAULTS_MAX);
	assert_int_equal(fault_plan_add(&plan, "app/query/after@1:crash", error,
					sizeof(error)),
			 -1);
	assert_int_equal(plan.count, PLAN_FAULTS_MAX);
	snprintf(text, sizeof(text), "at most %d faults", PLAN_FAULTS_MAX);
	if (strstr(error, text) == NULL)
		fail_msg("the message does not say '%s': %s", text, error);
	/* The refused fault was not stored in place of another. */
	assert_int_equal(fault_plan_at(&plan, point_of_step(STEP_APP_QUERY, POSITION_AFTER), 1),
			 FAULT_NONE);
}

/* Only the first fault of a hit can fire: a second one at the same point
 * and hit, of any kind, is refused naming the first; another hit of the
 * point, or the same hit of another point, is not. */
static void test_a_second_fault_at_the_same_hit_is_refused(void **state)
{
	static const char *const seconds[] = {
		"app/deduct/after@1:pause", "app/deduct/after@1:crash",
	};
	struct fault_plan plan;
	char error[256];
	(void)state;
	memset(&plan, 0, sizeof(plan));
	add_ok(&plan, "app/deduct/after@1:crash");
	for (size_t i = 0; i < sizeof(seconds) / sizeof(seconds[0]); i++) {
		snprintf(error, sizeof(error), "-");
		assert_int_equal(fault_plan_add(&plan, seconds[i], error,
						sizeof(error)), -1);
		if (!strstr(error, "hit 1 of app/deduct/after already has the"
				   " fault app/deduct/after@1:crash"))
			fail_msg("%s: %s", seconds[i], error);
	}
	assert_int_equal(plan.count, 1);
	add_ok(&plan, "app/deduct/after@2:pause");
	add_ok(&plan, "app/deduct/before@1:pause");
	assert_int_equal(plan.count, 3);
}

static void test_an_empty_plan_formats_as_nothing(void **state)
{
	struct fault_plan plan;
	char out[64];
	(void)state;
	memset(&plan, 0, sizeof(plan));
	memset(out, 'x', sizeof(out));
	fault_plan_format(&plan, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_format_writes_fault_options(void **state)
{
	struct fault_plan plan;
	char out[256];
	(void)state;
	memset(&plan, 0, sizeof(plan));
	add_ok(&plan, "app/deduct/after@2:crash");
	add_ok(&plan, "coord/lock/before@10:crash");
	fault_plan_format(&plan, out, sizeof(out));
	assert_string_equal(out, "--fault app/deduct/after@2:crash "
				 "--fault coord/lock/before@10:crash");
}

/* What a run prints must give the same run back: format a plan, parse
 * each --fault of the text, compare fault by fault. */
static void test_format_then_parse_gives_the_same_plan(void **state)
{
	struct fault_plan plan, back;
	char out[PLAN_FORMAT_MAX], *word, *save = NULL;
	int n = 0;
	(void)state;
	memset(&plan, 0, sizeof(plan));
	memset(&back, 0, sizeof(back));
	/* A full plan: points of every position and actor, small and large
	 * hits, the first kind each point allows. */
	for (int i = 0; i < PLAN_FAULTS_MAX; i++) {
		enum point_id point = (enum point_id)((i * 5) % POINT_COUNT);
		enum fault_kind kind = FAULT_CRASH;
		while (!point_allows(point, kind))
			kind++;
		plan.faults[i].point = point;
		plan.faults[i].nth = i == 0 ? 4294967295u : (uint32_t)(i * 3 + 1);
		plan.faults[i].kind = kind;
	}
	plan.count = PLAN_FAULTS_MAX;
	assert_int_equal(fault_plan_format(&plan, out, sizeof(out)), 0);
	for (word = strtok_r(out, " ", &save); word;
	     word = strtok_r(NULL, " ", &save), n++) {
		if (n % 2 == 0)
			assert_string_equal(word, "--fault");
		else
			add_ok(&back, word);
	}
	assert_int_equal(n, 2 * PLAN_FAULTS_MAX);
	assert_int_equal(back.count, plan.count);
	for (int i = 0; i < plan.count; i++) {
		assert_int_equal(back.faults[i].point, plan.faults[i].point);
		assert_int_equal(back.faults[i].nth, plan.faults[i].nth);
		assert_int_equal(back.faults[i].kind, plan.faults[i].kind);
	}
}

/* Only plain digits are a hit number: a sign, a space or a wrapped
 * negative number is refused, not read as some other hit. */
static void test_hit_must_be_plain_digits(void **state)
{
	(void)state;
	assert_refused("app/deduct/after@+1:crash", "hit number");
	assert_refused("app/deduct/after@ 1:crash", "hit number");
	assert_refused("app/deduct/after@-18446744073709551615:crash",
		       "hit number");
}

/* A plan that does not fit is refused whole, never cut in the middle of
 * a fault: a truncated replay command would replay another run. */
static void test_format_that_does_not_fit_says_so(void **state)
{
	struct fault_plan plan;
	char out[40];
	(void)state;
	memset(&plan, 0, sizeof(plan));
	add_ok(&plan, "app/deduct/after@1:crash");
	add_ok(&plan, "app/deduct/after@2:crash");
	assert_int_equal(fault_plan_format(&plan, out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_must_be_plain_digits),
		cmocka_unit_test(test_format_that_does_not_fit_says_so),
		cmocka_unit_test(test_a_crash_after_deduct_parses),
		cmocka_unit_test(test_plan_at_matches_only_that_hit),
		cmocka_unit_test(test_missing_faults_are_those_not_fired),
		cmocka_unit_test(test_each_fault_of_a_plan_matches_its_own_point),
		cmocka_unit_test(test_every_step_and_position_is_a_point),
		cmocka_unit_test(test_inapplicable_kind_is_refused),
		cmocka_unit_test(test_missing_at_is_refused),
		cmocka_unit_test(test_missing_colon_is_refused),
		cmocka_unit_test(test_unknown_point_is_refused),
		cmocka_unit_test(test_unknown_position_is_refused),
		cmocka_unit_test(test_hit_zero_is_refused),
		cmocka_unit_test(test_hit_that_is_not_a_number_is_refused),
		cmocka_unit_test(test_unknown_kind_is_refused),
		cmocka_unit_test(test_more_than_the_maximum_is_refused),
		cmocka_unit_test(test_a_second_fault_at_the_same_hit_is_refused),
		cmocka_unit_test(test_an_empty_plan_formats_as_nothing),
		cmocka_unit_test(test_format_writes_fault_options),
		cmocka_unit_test(test_format_then_parse_gives_the_same_plan),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
