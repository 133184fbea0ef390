/*
 * test_options.c - the command line of run and explore: a bad option is
 * refused with exit 64 and a message that names it, whatever follows it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"
#include "support.h"

#define ARGS_MAX 16

/* cli_parse of the arguments (a NULL-terminated list, the subcommand
 * first); its standard error into *err (the caller frees it). */
static int parse(bool explore, struct cli_options *o, char **err, ...)
{
	char path[] = "/tmp/flashsim-options-err-XXXXXX";
	char *argv[ARGS_MAX + 1];
	int argc = 0, rc, saved = dup(STDERR_FILENO), fd = mkstemp(path);
	va_list args;
	assert_true(saved >= 0);
	assert_true(fd >= 0);
	va_start(args, err);
	while (argc < ARGS_MAX && (argv[argc] = va_arg(args, char *)) != NULL)
		argc++;
	va_end(args);
	argv[argc] = NULL;
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	rc = cli_parse(argc, argv, "flashsim", explore, o);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	*err = support_read_file(path);
	assert_non_null(*err);
	unlink(path);
	return rc;
}

/* Refused with exit 64, the message holding expected. */
static void assert_refused(const char *err, int rc, const char *expected)
{
	if (rc != EXIT_USAGE || !strstr(err, expected))
		fail_msg("exit %d, got:\n%sexpected: %s", rc, err, expected);
}

/* A mistyped option followed by its value: the option is named, not the
 * value taken for a scenario file or a second one. */
static void test_an_unknown_option_is_named(void **state)
{
	struct cli_options o;
	char *err;
	int rc;
	(void)state;
	rc = parse(false, &o, &err, "run", "--seeds", "3", NULL);
	assert_refused(err, rc, "unknown option '--seeds'");
	assert_null(strstr(err, "scenario file"));
	free(err);
	rc = parse(false, &o, &err, "run", "--users", "2", "--stok", "1", NULL);
	assert_refused(err, rc, "unknown option '--stok'");
	free(err);
	rc = parse(false, &o, &err, "run", "a1.ini", "--sed", "5", NULL);
	assert_refused(err, rc, "unknown option '--sed'");
	assert_null(strstr(err, "unexpected argument"));
	free(err);
	rc = parse(true, &o, &err, "explore", "--mdoe", "pairs", NULL);
	assert_refused(err, rc, "unknown option '--mdoe'");
	free(err);
	rc = parse(false, &o, &err, "run", "--stock", "2", "--users", NULL);
	assert_refused(err, rc, "option '--users' needs a value");
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_unknown_option_is_named),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
