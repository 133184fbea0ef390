/*
 * test_inject.c - deciding faults at failure points: the plan's faults
 * fire at their hits, and random faults, recorded with them in the run's
 * record of fired faults (at most PLAN_FAULTS_MAX), leave room for the
 * plan's faults still to come, so that a planned fault is never dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "inject.h"

/* A hit count well past what fills the record: at 5 % per hit, the
 * random faults fill PLAN_FAULTS_MAX in about 640 hits. */
#define HITS 4000

static void plan_add(struct fault_plan *plan, const char *text)
{
	char error[256] = "";
	if (fault_plan_add(plan, text, error, sizeof(error)) != 0)
		fail_msg("'%s' refused: %s", text, error);
}

/* An injector in random mode whose only random kind is delay, at 5 % per
 * hit, with faults on. */
static void random_injector(struct injector *injector,
			    const struct fault_plan *plan)
{
	assert_int_equal(injector_setup(), 0);
	injector_init(injector, plan, true, 1, KIND_BIT(FAULT_DELAY));
	injector->probability_ppm[FAULT_DELAY] = 50000;
	injector->active = true;
}

static int fired_index(const struct injector *injector, const char *text)
{
	for (int i = 0; i < injector->fired.count; i++) {
		char fault[96];
		fault_format(&injector->fired.faults[i], fault, sizeof(fault));
		if (strcmp(fault, text) == 0)
			return i;
	}
	return -1;
}

/* Random faults fill the record long before the plan's fault is due: it
 * fires at its hit all the same, and is recorded. */
static void test_random_faults_leave_room_for_the_plan(void **state)
{
	struct fault_plan plan;
	struct injector injector;
	(void)state;
	memset(&plan, 0, sizeof(plan));
	plan_add(&plan, "net/buy/request@2000:drop-request");
	plan_add(&plan, "net/buy/request@3000:duplicate");
	random_injector(&injector, &plan);
	for (uint32_t hit = 1; hit <= HITS; hit++) {
		enum fault_kind kind = injector_at(&injector, FP_NET_BUY_REQUEST);
		if (hit == 2000)
			assert_int_equal(kind, FAULT_DROP_REQUEST);
		else if (hit == 3000)
			assert_int_equal(kind, FAULT_DUPLICATE);
		else
			assert_true(kind == FAULT_NONE || kind == FAULT_DELAY);
	}
	assert_int_equal(injector.fired.count, PLAN_FAULTS_MAX);
	assert_true(fired_index(&injector,
				"net/buy/request@2000:drop-request") >= 0);
	assert_true(fired_index(&injector,
				"net/buy/request@3000:duplicate") >= 0);
	assert_int_equal(injector.hits[FP_NET_BUY_REQUEST], HITS);
}

/* Once the plan's faults have fired, the random faults may take the rest
 * of the record; without a plan, all of it. */
static void test_random_faults_fill_what_the_plan_leaves(void **state)
{
	struct fault_plan plan;
	struct injector injector;
	(void)state;
	memset(&plan, 0, sizeof(plan));
	plan_add(&plan, "net/buy/request@1:drop-request");
	random_injector(&injector, &plan);
	for (uint32_t hit = 1; hit <= HITS; hit++)
		(void)injector_at(&injector, FP_NET_BUY_REQUEST);
	assert_int_equal(injector.fired.count, PLAN_FAULTS_MAX);
	assert_int_equal(fired_index(&injector,
				     "net/buy/request@1:drop-request"), 0);
	memset(&plan, 0, sizeof(plan));
	random_injector(&injector, &plan);
	for (uint32_t hit = 1; hit <= HITS; hit++)
		(void)injector_at(&injector, FP_NET_BUY_REQUEST);
	assert_int_equal(injector.fired.count, PLAN_FAULTS_MAX);
}

/* A plan that fills the record leaves no room for random faults, and
 * every one of its faults fires. */
static void test_a_full_plan_leaves_no_random_fault(void **state)
{
	struct fault_plan plan;
	struct injector injector;
	(void)state;
	memset(&plan, 0, sizeof(plan));
	for (int i = 1; i <= PLAN_FAULTS_MAX; i++) {
		char text[96];
		snprintf(text, sizeof(text), "net/buy/request@%d:duplicate",
			 i * 100);
		plan_add(&plan, text);
	}
	random_injector(&injector, &plan);
	for (uint32_t hit = 1; hit <= HITS; hit++) {
		enum fault_kind kind = injector_at(&injector, FP_NET_BUY_REQUEST);
		assert_int_equal(kind, hit % 100 == 0 &&
					hit <= 100 * PLAN_FAULTS_MAX ?
					FAULT_DUPLICATE : FAULT_NONE);
	}
	assert_int_equal(injector.fired.count, PLAN_FAULTS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_faults_leave_room_for_the_plan),
		cmocka_unit_test(test_random_faults_fill_what_the_plan_leaves),
		cmocka_unit_test(test_a_full_plan_leaves_no_random_fault),
	};
	return cmocka_run_group_tests_name("inject", tests, NULL, NULL);
}
