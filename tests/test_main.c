/*
 * test_main.c - the flashsim command itself: `flashsim help COMMAND`
 * prints that command's help, and `flashsim points` names the argument it
 * does not take.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"
#include "support.h"

static char flashsim[4096];   /* the binary of the same build */
static char dir[256];         /* files of the commands' output */

/* Runs `flashsim ARGUMENTS`; its exit status, its standard output into
 * *out and its standard error into *err (the caller frees both). */
static int run(const char *arguments, char **out, char **err)
{
	char path[300];
	int rc = support_shell("%s %s >'%s/out' 2>'%s/err'", flashsim,
			       arguments, dir, dir);
	snprintf(path, sizeof(path), "%s/out", dir);
	*out = support_read_file(path);
	snprintf(path, sizeof(path), "%s/err", dir);
	*err = support_read_file(path);
	assert_non_null(*out);
	assert_non_null(*err);
	return rc;
}

static void test_help_command_is_the_commands_help(void **state)
{
	static const char *const commands[] = {
		"run", "explore", "points", "selftest", "bench",
	};
	char arguments[64], *help, *own, *err;
	(void)state;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		snprintf(arguments, sizeof(arguments), "help %s", commands[i]);
		assert_int_equal(run(arguments, &help, &err), 0);
		free(err);
		snprintf(arguments, sizeof(arguments), "%s --help", commands[i]);
		assert_int_equal(run(arguments, &own, &err), 0);
		free(err);
		if (strcmp(help, own) != 0 || !strstr(help, "usage: flashsim"))
			fail_msg("flashsim help %s printed:\n%s", commands[i],
				 help);
		free(help);
		free(own);
	}
	assert_int_equal(run("help nosuch", &help, &err), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown command 'nosuch'"));
	free(help);
	free(err);
	assert_int_equal(run("help", &help, &err), 0);
	assert_non_null(strstr(help, "usage: flashsim COMMAND"));
	free(help);
	free(err);
}

/* The argument points does not take is the one named, not --markdown. */
static void test_points_names_the_argument_it_does_not_take(void **state)
{
	char *out, *err;
	(void)state;
	assert_int_equal(run("points --markdown extra", &out, &err), EXIT_USAGE);
	if (!strstr(err, "unexpected argument 'extra'"))
		fail_msg("%s", err);
	assert_string_equal(out, "");
	free(out);
	free(err);
	assert_int_equal(run("points --marcdown", &out, &err), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option '--marcdown'"));
	free(out);
	free(err);
	assert_int_equal(run("points --markdown", &out, &err), 0);
	assert_non_null(strstr(out, "# Failure points"));
	free(out);
	free(err);
}

static int setup(void **state)
{
	(void)state;
	return support_tempdir(dir, sizeof(dir), "main");
}

static int teardown(void **state)
{
	(void)state;
	return support_tempdir_remove(dir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_command_is_the_commands_help),
		cmocka_unit_test(test_points_names_the_argument_it_does_not_take),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("main", tests, setup, teardown);
}
