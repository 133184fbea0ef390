/*
 * test_docs.c - the references that follow from the code stay in step
 * with it: docs/POINTS.md is exactly `flashsim points --markdown` (the
 * table of faults/points.def), docs/INVARIANTS.md has a section for every
 * built-in invariant, docs/VARIANTS.md one for every variant, and the
 * replay command of docs/INVARIANTS.md's own-invariant example ends as the
 * page shows. Run from the top of the tree, as make check does.
 */
#include <limits.h>
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

/* The example file of docs/INVARIANTS.md, `inv/answer_is_known.sql`: the
 * indented block that follows its name, without the indent, into
 * dir/inv. */
static void write_own_invariant(const char *page, const char *dir)
{
	static const char opening[] = "`inv/answer_is_known.sql`:\n\n";
	const char *block = strstr(page, opening);
	char path[512];
	FILE *file;
	assert_non_null(block);
	block += strlen(opening);
	snprintf(path, sizeof(path), "%s/inv/answer_is_known.sql", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	/* lines of four spaces and text, or empty, up to the first other */
	while (strncmp(block, "    ", 4) == 0 || block[0] == '\n') {
		const char *end = strchr(block, '\n');
		assert_non_null(end);
		if (block[0] != '\n')
			fprintf(file, "%.*s", (int)(end - block - 4), block + 4);
		fputc('\n', file);
		block = end + 1;
	}
	fclose(file);
}

/* docs/INVARIANTS.md's example of an invariant of one's own: the replay
 * command the explorer prints for it ends as the page shows, with the
 * directory as given (the page, and docs/CI.md, said the command did not
 * carry it); the file as the page gives it loads, and its rows point
 * where the page shows. */
static void test_the_replay_of_an_own_invariant_is_as_documented(void **state)
{
	static const char shown[] = "`... --fault coord/save/before@1:delay"
				    " --invariants inv`";
	static const char *const pointed[] = {
		"  >>     621  coord-1   coord/save {a}flash-sale-1-1 no answer:"
		" the client gives up after 100 ms\n"
		"              ^ no answer in time here: from then on, nobody"
		" knew the outcome\n",
		"  >>     726  user-1    {a}flash-sale-1-1 told unknown\n"
		"              ^ the user waited, and was told unknown\n",
	};
	char dir[256], binary[PATH_MAX], command[PATH_MAX + 512], *out;
	char *invariants = read_file("docs/INVARIANTS.md");
	char *ci = read_file("docs/CI.md");
	FILE *in;
	(void)state;
	assert_non_null(strstr(invariants, shown));
	assert_null(strstr(invariants, "does not carry it"));
	assert_non_null(strstr(ci, "`--invariants DIR` as\nit was given"));
	assert_non_null(strstr(ci, "a replay command\ncarries every timing that"
			       " differs from its default"));
	assert_int_equal(support_tempdir(dir, sizeof(dir), "docs"), 0);
	assert_int_equal(support_shell("mkdir %s/inv", dir), 0);
	write_own_invariant(invariants, dir);
	/* Run in dir, where inv is: the binary by its absolute path. */
	assert_non_null(realpath(flashsim, binary));
	snprintf(command, sizeof(command), "cd %s && '%s' explore --users 2"
		 " --stock 1 --kinds delay --invariants inv", dir, binary);
	in = popen(command, "r");
	assert_non_null(in);
	out = support_read_stream(in);
	pclose(in);
	assert_non_null(strstr(out, " --fault coord/save/before@1:delay"
			       " --invariants inv\n"));
	for (size_t i = 0; i < sizeof(pointed) / sizeof(pointed[0]); i++) {
		char indented[512];
		if (!strstr(out, pointed[i]))
			fail_msg("explore does not print\n%s", pointed[i]);
		/* as the page shows it, four spaces in */
		snprintf(indented, sizeof(indented), "    %.*s\n    %s",
			 (int)(strchr(pointed[i], '\n') - pointed[i]),
			 pointed[i], strchr(pointed[i], '\n') + 1);
		if (!strstr(invariants, indented))
			fail_msg("docs/INVARIANTS.md does not show\n%s",
				 indented);
	}
	free(out);
	free(invariants);
	free(ci);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_reference_is_up_to_date),
		cmocka_unit_test(test_every_invariant_is_documented),
		cmocka_unit_test(test_every_variant_is_documented),
		cmocka_unit_test(test_the_replay_of_an_own_invariant_is_as_documented),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}
