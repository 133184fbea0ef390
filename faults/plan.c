/*
 * plan.c - parsing and matching fault plans (see plan.h).
 */
#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_fault(const char *text, struct fault *fault, char *error,
		       size_t error_size)
{
	const char *at = strchr(text, '@');
	const char *colon = at ? strchr(at, ':') : NULL;
	char *end;
	unsigned long long nth;
	char kinds[160];

	if (!at || !colon) {
		snprintf(error, error_size,
			 "fault '%s': expected POINT@N:KIND, e.g. app/deduct/after@1:crash",
			 text);
		return -1;
	}
	if (!point_find(text, (size_t)(at - text), &fault->point)) {
		snprintf(error, error_size,
			 "fault '%s': unknown failure point '%.*s' (expected a"
			 " name listed by `flashsim points`, e.g. app/deduct/after)",
			 text, (int)(at - text), text);
		return -1;
	}
	errno = 0;
	nth = strtoull(at + 1, &end, 10);
	if (!isdigit((unsigned char)at[1]) || errno || end != colon ||
	    nth == 0 || nth > UINT32_MAX) {
		snprintf(error, error_size,
			 "fault '%s': expected a hit number N from 1 to %" PRIu32
			 " after '@'", text, UINT32_MAX);
		return -1;
	}
	fault->nth = (uint32_t)nth;
	fault->kind = fault_kind_parse(colon + 1);
	point_kinds_text(fault->point, kinds, sizeof(kinds));
	if (fault->kind == FAULT_NONE || !point_allows(fault->point, fault->kind)) {
		snprintf(error, error_size,
			 "fault '%s': %s kind '%s' (expected at %s: %s)", text,
			 fault->kind == FAULT_NONE ? "unknown fault" :
						     "inapplicable fault",
			 colon + 1, point_name(fault->point), kinds);
		return -1;
	}
	return 0;
}

int fault_plan_push(struct fault_plan *plan, const struct fault *fault)
{
	if (plan->count == PLAN_FAULTS_MAX)
		return -1;
	plan->faults[plan->count++] = *fault;
	return 0;
}

bool fault_same(const struct fault *a, const struct fault *b)
{
	return a->point == b->point && a->nth == b->nth && a->kind == b->kind;
}

bool fault_plan_has(const struct fault_plan *plan, const struct fault *fault)
{
	for (int i = 0; i < plan->count; i++)
		if (fault_same(&plan->faults[i], fault))
			return true;
	return false;
}

int fault_plan_missing(const struct fault_plan *plan,
		       const struct fault_plan *fired,
		       struct fault_plan *missing)
{
	missing->count = 0;
	for (int i = 0; i < plan->count; i++)
		if (!fault_plan_has(fired, &plan->faults[i]))
			missing->faults[missing->count++] = plan->faults[i];
	return missing->count;
}

static int plan_clash(const struct fault_plan *plan,
		      const struct fault *fault)
{
	for (int i = 0; i < plan->count; i++)
		if (plan->faults[i].point == fault->point &&
		    plan->faults[i].nth == fault->nth)
			return i;
	return -1;
}

int fault_plan_clash(const struct fault_plan *plan, const char *text)
{
	struct fault fault;
	char error[256];
	if (parse_fault(text, &fault, error, sizeof(error)) != 0)
		return -1;
	return plan_clash(plan, &fault);
}

int fault_plan_add(struct fault_plan *plan, const char *text, char *error,
		   size_t error_size)
{
	struct fault fault;
	int first;
	if (parse_fault(text, &fault, error, error_size) != 0)
		return -1;
	/* fault_plan_at gives the first fault of a hit: a second one there
	 * could never fire. */
	if ((first = plan_clash(plan, &fault)) >= 0) {
		char given[96];
		fault_format(&plan->faults[first], given, sizeof(given));
		snprintf(error, error_size, "fault '%s': hit %" PRIu32 " of %s"
			 " already has the fault %s (one fault per hit of a"
			 " point)", text, fault.nth, point_name(fault.point),
			 given);
		return -1;
	}
	if (fault_plan_push(plan, &fault) != 0) {
		snprintf(error, error_size, "fault '%s': at most %d faults per plan",
			 text, PLAN_FAULTS_MAX);
		return -1;
	}
	return 0;
}

enum fault_kind fault_plan_at(const struct fault_plan *plan,
			      enum point_id point, uint32_t hit)
{
	for (int i = 0; i < plan->count; i++) {
		const struct fault *fault = &plan->faults[i];
		if (fault->point == point && fault->nth == hit)
			return fault->kind;
	}
	return FAULT_NONE;
}

void fault_format(const struct fault *fault, char *out, size_t size)
{
	snprintf(out, size, "%s@%" PRIu32 ":%s", point_name(fault->point),
		 fault->nth, fault_kind_name(fault->kind));
}

void fault_plan_list(const struct fault_plan *plan, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < plan->count && used < size; i++) {
		char fault[96];
		fault_format(&plan->faults[i], fault, sizeof(fault));
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i ? ", " : "", fault);
	}
	if (!out[0])
		snprintf(out, size, "none");
}

int fault_plan_format(const struct fault_plan *plan, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < plan->count; i++) {
		char text[96];
		int n;
		fault_format(&plan->faults[i], text, sizeof(text));
		n = snprintf(out + used, size - used, "%s--fault %s",
			     i ? " " : "", text);
		if (n < 0 || (size_t)n >= size - used) {
			out[0] = '\0';
			return -1;
		}
		used += (size_t)n;
	}
	return 0;
}
