/*
 * inject.c - the libfiu glue (see inject.h).
 */
#include "inject.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include <fiu-control.h>
#include <fiu-local.h>

/* The injector of the run in progress: libfiu's callback has no context
 * argument of its own. One run at a time per process (parallel jobs are
 * processes). */
static struct injector *current;
static bool set_up;

static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static enum fault_kind decide(struct injector *injector, enum point_id point,
			      uint32_t hit)
{
	enum fault_kind kind = fault_plan_at(injector->plan, point, hit);
	if (kind != FAULT_NONE || !injector->random)
		return kind;
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++) {
		uint32_t ppm = injector->probability_ppm[k];
		if (ppm && point_allows(point, k) &&
		    next_random(&injector->random_state) % 1000000 < ppm)
			return k;
	}
	return FAULT_NONE;
}

/* The faults of the plan still to come: those whose hit the run has not
 * reached while faults could fire. A planned fault fires at its hit, so
 * the others have fired. */
static int plan_pending(const struct injector *injector)
{
	int pending = 0;
	for (int i = 0; i < injector->plan->count; i++) {
		const struct fault *fault = &injector->plan->faults[i];
		pending += injector->active_hits[fault->point] < fault->nth;
	}
	return pending;
}

/* Whether the record of fired faults has room for one more random fault
 * and, after it, for every fault of the plan still to come. */
static bool random_fits(const struct injector *injector)
{
	return injector->fired.count + plan_pending(injector) <
	       PLAN_FAULTS_MAX;
}

/* libfiu's external callback: *failinfo holds the point id + 1. */
static int on_point(const char *name, int *failnum, void **failinfo,
		    unsigned int *flags)
{
	struct injector *injector = current;
	enum point_id point = (enum point_id)((uintptr_t)*failinfo - 1);
	struct fault fault;
	int pushed;
	(void)name;
	(void)failnum;
	(void)flags;
	assert(injector != NULL);
	assert(point < POINT_COUNT);
	injector->hits[point]++;
	injector->decision = FAULT_NONE;
	if (!injector->active)
		return 0;
	fault.point = point;
	fault.nth = ++injector->active_hits[point];
	fault.kind = decide(injector, point, fault.nth);
	if (fault.kind == FAULT_NONE)
		return 0;
	/* A random fault past the record's room would make the run
	 * unreplayable, or push out a planned fault still to come: it is
	 * drawn (the draws stay those of the seed) but not injected. Only
	 * a fault that fired asks whether it was the plan's. */
	if (injector->random && fault_plan_at(injector->plan, point,
					      fault.nth) == FAULT_NONE &&
	    !random_fits(injector))
		return 0;
	/* random_fits keeps room for every planned fault still to come */
	pushed = fault_plan_push(&injector->fired, &fault);
	assert(pushed == 0);
	injector->decision = fault.kind;
	return 1;
}

int injector_setup(void)
{
	if (set_up)
		return 0;
	if (fiu_init(0) != 0)
		return -1;
	for (int p = 0; p < POINT_COUNT; p++)
		if (fiu_enable_external(point_name(p), 1,
					(void *)(uintptr_t)(p + 1), 0,
					on_point) != 0)
			return -1;
	set_up = true;
	return 0;
}

void injector_init(struct injector *injector, const struct fault_plan *plan,
		   bool random, uint64_t seed, unsigned allowed)
{
	static const uint32_t levels_ppm[] = { 0, 0, 2000, 5000, 10000, 20000,
					       50000 };
	memset(injector, 0, sizeof(*injector));
	injector->plan = plan;
	injector->random = random;
	injector->random_state = seed ^ 0x6a09e667f3bcc908ULL;
	if (!random)
		return;
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++) {
		uint64_t level = next_random(&injector->random_state) %
				 (sizeof(levels_ppm) / sizeof(levels_ppm[0]));
		if (allowed & KIND_BIT(k))
			injector->probability_ppm[k] = levels_ppm[level];
	}
}

enum fault_kind injector_at(struct injector *injector, enum point_id point)
{
	assert(set_up);
	current = injector;
	if (!fiu_fail(point_name(point)))
		return FAULT_NONE;
	return injector->decision;
}
