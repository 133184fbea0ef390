/*
 * plan.h - fault plans: which fault to inject at which hit of which point.
 *
 * A fault is written POINT@N:KIND: inject KIND the Nth time (N >= 1) the
 * run reaches POINT, e.g. app/deduct/after@1:crash. The points and the
 * kinds that apply to each are in faults/points.def; `flashsim points`
 * lists them.
 */
#ifndef FLASHSIM_PLAN_H
#define FLASHSIM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "points.h"

#define PLAN_FAULTS_MAX 32

struct fault {
	enum point_id point;
	uint32_t nth;
	enum fault_kind kind;
};

struct fault_plan {
	struct fault faults[PLAN_FAULTS_MAX];
	int count;
};

/* Adds the fault written in text to the plan. Returns 0, or -1 with a
 * message saying what was expected; a second fault at the same hit of the
 * same point is refused, naming the first (only one could fire). */
int fault_plan_add(struct fault_plan *plan, const char *text, char *error,
		   size_t error_size);

/* The index in plan of the fault at the same hit of the same point as
 * the fault written in text, or -1 (none, or text is no fault). */
int fault_plan_clash(const struct fault_plan *plan, const char *text);

/* Adds a fault already known to be valid; -1 when the plan is full. */
int fault_plan_push(struct fault_plan *plan, const struct fault *fault);

/* The faults of plan that are not in fired (the faults a run injected),
 * in plan order, into missing; returns how many. */
int fault_plan_missing(const struct fault_plan *plan,
		       const struct fault_plan *fired,
		       struct fault_plan *missing);

/* The fault to inject at this hit of the point, or FAULT_NONE. */
enum fault_kind fault_plan_at(const struct fault_plan *plan,
			      enum point_id point, uint32_t hit);

/* Whether a and b are the same fault: point, hit and kind. */
bool fault_same(const struct fault *a, const struct fault *b);
/* Whether plan holds that same fault. */
bool fault_plan_has(const struct fault_plan *plan, const struct fault *fault);

/* "POINT@N:KIND" of one fault. */
void fault_format(const struct fault *fault, char *out, size_t size);

/* Writes the plan as --fault options ("" when empty). Returns 0, or -1
 * (and "") when it does not fit in size bytes; PLAN_FORMAT_MAX always fits. */
#define PLAN_FORMAT_MAX (PLAN_FAULTS_MAX * 64)
int fault_plan_format(const struct fault_plan *plan, char *out, size_t size);
/* The plan for a reader: "POINT@N:KIND, POINT@N:KIND", or "none". Cut
 * short when it does not fit; PLAN_FORMAT_MAX always fits. */
void fault_plan_list(const struct fault_plan *plan, char *out, size_t size);

#endif
