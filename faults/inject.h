/*
 * inject.h - deciding faults at failure points, through libfiu.
 *
 * Every failure point of faults/points.def is enabled in libfiu with an
 * external callback. The driver asks injector_at() at each point it
 * reaches; that is a fiu_fail() of the point's name, and libfiu calls back
 * here, where the decision is made from the fault plan (the Nth hit of the
 * point) or, in random mode, from per-kind probabilities drawn from the
 * run's seed: never from the wall clock. Built without FIU_ENABLE, the
 * points vanish (fiu-local.h) and nothing is ever injected.
 *
 * Every fault that fires is recorded as a plan (injector.fired), so any
 * run, random ones included, replays exactly with explicit --fault options.
 * The record holds PLAN_FAULTS_MAX faults, the plan's and the random ones
 * together: a random fault is injected only when the record keeps room,
 * after it, for every fault of the plan whose hit has not come yet, so
 * that the plan's faults always fire; random faults past that are drawn
 * but not injected. A planned fault whose hit never comes keeps its room
 * to the end: a run cannot know which hits it will reach.
 */
#ifndef FLASHSIM_INJECT_H
#define FLASHSIM_INJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"

struct injector {
	const struct fault_plan *plan; /* borrowed */
	bool active;                   /* faults fire only while active */
	bool random;
	uint32_t probability_ppm[FAULT_KIND_COUNT]; /* random mode, per hit */
	uint64_t random_state;
	uint32_t hits[POINT_COUNT];        /* every time a point is reached */
	uint32_t active_hits[POINT_COUNT]; /* while faults can fire */
	struct fault_plan fired;
	enum fault_kind decision;          /* set by the libfiu callback */
};

/* Enables every point in libfiu (once per process). Returns 0 or -1. */
int injector_setup(void);

/* A fresh injector for one run. plan may be empty; with random_seed_on, the
 * per-kind probabilities are drawn from seed (some kinds off, the others
 * between 0.2% and 5% per hit: swarm testing). allowed limits the kinds
 * (KIND_BIT()s) random mode may use. */
void injector_init(struct injector *injector, const struct fault_plan *plan,
		   bool random, uint64_t seed, unsigned allowed);

/* The driver reached point: counts the hit and returns the fault to
 * inject there, FAULT_NONE mostly. */
enum fault_kind injector_at(struct injector *injector, enum point_id point);

#endif
