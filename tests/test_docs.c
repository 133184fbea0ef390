/*
 * test_docs.c - the references that follow from the code stay in step
 * with it: docs/POINTS.md is exactly `flashsim points --markdown` (the
 * table of faults/points.def), docs/INVARIANTS.md has a section for every
 * built-in invariant, docs/VARIANTS.md one for every variant. Run from the
 * top of the tree, as make check does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "support.h"
#include "variants.h"

static char flashsim[2100];   /* the binary of the same build */

static char *read_file(const char *path)
{
	char *text = support_read_file(path);
	if (!text)
		fail_msg("cannot read %s: run the tests from the top of the tree",
			 path);
	return text;
}

/* Where two texts first differ, as "line N", for the message. */
static int first_difference(const char *a, const char *b)
{
	int line = 1;
	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

static void test_points_reference_is_up_to_date(void **state)
{
	char command[2200];
	char *committed, *generated;
	FILE *in;
	(void)state;
	snprintf(command, sizeof(command), "%s points --markdown", flashsim);
	in = popen(command, "r");
	assert_non_null(in);
	generated = support_read_stream(in);
	assert_int_equal(pclose(in), 0);
	committed = read_file("docs/POINTS.md");
	if (strcmp(committed, generated) != 0)
		fail_msg("docs/POINTS.md differs from `flashsim points --markdown`"
			 " at line %d: run `make points-doc` and commit it",
			 first_difference(committed, generated));
	free(committed);
	free(generated);
}

static void test_every_invariant_is_documented(void **state)
{
	struct invariant_set set = { 0 };
	char error[512], heading[128];
	char *text = read_file("docs/INVARIANTS.md");
	(void)state;
	if (invariants_load(&set, NULL, error, sizeof(error)) != 0)
		fail_msg("%s", error);
	assert_true(set.count > 0);
	for (int i = 0; i < set.count; i++) {
		snprintf(heading, sizeof(heading), "\n## `%s`\n", set.items[i].name);
		if (!strstr(text, heading))
			fail_msg("docs/INVARIANTS.md has no section \"## `%s`\"",
				 set.items[i].name);
	}
	invariants_free(&set);
	free(text);
}

static void test_every_variant_is_documented(void **state)
{
	char heading[128];
	char *text = read_file("docs/VARIANTS.md");
	(void)state;
	for (int v = VARIANT_NAIVE; v < VARIANT_COUNT; v++) {
		const char *name = variant_get((enum variant_id)v)->name;
		snprintf(heading, sizeof(heading), "\n## `%s`", name);
		if (!strstr(text, heading))
			fail_msg("docs/VARIANTS.md has no section \"## `%s`\"", name);
	}
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_reference_is_up_to_date),
		cmocka_unit_test(test_every_invariant_is_documented),
		cmocka_unit_test(test_every_variant_is_documented),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}
