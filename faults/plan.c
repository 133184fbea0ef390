/*
 * plan.c - parsing and matching fault plans (see plan.h).
 */
#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *position_name(enum position position)
{
	return position == POSITION_BEFORE ? "before" : "after";
}

const char *fault_kind_name(enum fault_kind kind)
{
	return kind == FAULT_CRASH ? "crash" : "none";
}

static int find_point(const char *name, size_t length, enum step_id *step,
		      enum position *position)
{
	for (int s = 0; s < STEP_COUNT; s++) {
		for (int p = 0; p < POSITION_COUNT; p++) {
			char point[80];
			snprintf(point, sizeof(point), "%s/%s", step_name(s),
				 position_name(p));
			if (strlen(point) == length &&
			    strncmp(point, name, length) == 0) {
				*step = s;
				*position = p;
				return 0;
			}
		}
	}
	return -1;
}

int fault_plan_add(struct fault_plan *plan, const char *text, char *error,
		   size_t error_size)
{
	const char *at = strchr(text, '@');
	const char *colon = at ? strchr(at, ':') : NULL;
	struct fault fault;
	char *end;
	unsigned long long nth;

	if (!at || !colon) {
		snprintf(error, error_size,
			 "fault '%s': expected POINT@N:KIND, e.g. app/deduct/after@1:crash",
			 text);
		return -1;
	}
	if (find_point(text, (size_t)(at - text), &fault.step,
		       &fault.position) != 0) {
		snprintf(error, error_size,
			 "fault '%s': unknown failure point '%.*s' (expected a step"
			 " name followed by /before or /after; see --help)",
			 text, (int)(at - text), text);
		return -1;
	}
	errno = 0;
	nth = strtoull(at + 1, &end, 10);
	if (!isdigit((unsigned char)at[1]) || errno || end != colon ||
	    nth == 0 || nth > UINT32_MAX) {
		snprintf(error, error_size,
			 "fault '%s': expected a hit number N >= 1 after '@'", text);
		return -1;
	}
	fault.nth = (uint32_t)nth;
	if (strcmp(colon + 1, "crash") != 0) {
		snprintf(error, error_size,
			 "fault '%s': unknown fault kind '%s' (expected: crash)",
			 text, colon + 1);
		return -1;
	}
	fault.kind = FAULT_CRASH;
	if (plan->count == PLAN_FAULTS_MAX) {
		snprintf(error, error_size, "fault '%s': at most %d faults per plan",
			 text, PLAN_FAULTS_MAX);
		return -1;
	}
	plan->faults[plan->count++] = fault;
	return 0;
}

enum fault_kind fault_plan_at(const struct fault_plan *plan, enum step_id step,
			      enum position position, uint32_t hit)
{
	for (int i = 0; i < plan->count; i++) {
		const struct fault *fault = &plan->faults[i];
		if (fault->step == step && fault->position == position &&
		    fault->nth == hit)
			return fault->kind;
	}
	return FAULT_NONE;
}

int fault_plan_format(const struct fault_plan *plan, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < plan->count; i++) {
		const struct fault *fault = &plan->faults[i];
		int n = snprintf(out + used, size - used,
				 "%s--fault %s/%s@%" PRIu32 ":%s",
				 i ? " " : "", step_name(fault->step),
				 position_name(fault->position), fault->nth,
				 fault_kind_name(fault->kind));
		if (n < 0 || (size_t)n >= size - used) {
			out[0] = '\0';
			return -1;
		}
		used += (size_t)n;
	}
	return 0;
}
