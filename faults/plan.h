/*
 * plan.h - fault plans: which fault to inject at which hit of which point.
 *
 * A failure point is a step boundary: the name of a step (core/steps.def)
 * followed by a position, "before" (the effect is about to be performed) or
 * "after" (its outcome has come back, the machine has not yet seen it):
 * "app/deduct/after". A fault is written POINT@N:KIND, for the Nth time the
 * point is reached in a run (N >= 1).
 *
 * Kinds available now: crash (the actor loses its volatile state, in-flight
 * calls and timers, and restarts after a delay).
 */
#ifndef FLASHSIM_PLAN_H
#define FLASHSIM_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "effect.h"

#define PLAN_FAULTS_MAX 16

enum position {
	POSITION_BEFORE,
	POSITION_AFTER,
	POSITION_COUNT
};

enum fault_kind {
	FAULT_NONE,
	FAULT_CRASH,
};

struct fault {
	enum step_id step;
	enum position position;
	uint32_t nth;
	enum fault_kind kind;
};

struct fault_plan {
	struct fault faults[PLAN_FAULTS_MAX];
	int count;
};

const char *position_name(enum position position);
const char *fault_kind_name(enum fault_kind kind);

/* Adds the fault written in text to the plan. Returns 0, or -1 with a
 * message saying what was expected. */
int fault_plan_add(struct fault_plan *plan, const char *text, char *error,
		   size_t error_size);

/* The fault to inject at this hit of the point, or FAULT_NONE. */
enum fault_kind fault_plan_at(const struct fault_plan *plan, enum step_id step,
			      enum position position, uint32_t hit);

/* Writes the plan as --fault options ("" when empty). Returns 0, or -1
 * (and "") when it does not fit in size bytes; PLAN_FORMAT_MAX always fits. */
#define PLAN_FORMAT_MAX (PLAN_FAULTS_MAX * 64)
int fault_plan_format(const struct fault_plan *plan, char *out, size_t size);

#endif
