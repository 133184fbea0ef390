/*
 * main.c - the flashsim command: dispatch to a subcommand.
 *
 * Exit codes (every subcommand): 0 ok, 1 invariant violation, 2 liveness
 * failure, 3 internal error (no verdict), 64 bad input; compare's 0 says
 * both runs reached a verdict, whatever it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "sim.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv, const char *program);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", command_run, "run one simulated flash sale and check its final state" },
	{ "compare", command_compare, "run one sale under two designs, side by side" },
	{ "explore", command_explore, "run a sale under every single fault (or pairs, or random ones)" },
	{ "points", command_points, "list the failure points and the fault kinds of each" },
	{ "selftest", command_selftest, "explore the protocol and every variant with a planted bug: all caught?" },
	{ "bench", command_bench, "load through the real core against the live Redis, with reference rates" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: flashsim COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-10s %s\n", "help", "this list; help COMMAND: the options of COMMAND");
	fprintf(out, "\n`flashsim help COMMAND` or `flashsim COMMAND --help` gives the\n"
		"options of one command.\n"
		"Exit codes: 0 ok, 1 invariant violation, 2 liveness failure,\n"
		"3 internal error (no verdict), 64 bad input (compare: 0 when\n"
		"both runs reached a verdict, whatever it is).\n");
}

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* `flashsim help [COMMAND]`: this list, or what `COMMAND --help` prints. */
static int help(int argc, char **argv)
{
	const struct command *command;
	char *help_argv[] = { NULL, "--help", NULL };
	if (argc < 3 || strcmp(argv[2], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 3) {
		fprintf(stderr, "flashsim help: unexpected argument '%s' (one"
			" command at most)\n", argv[3]);
		return EXIT_USAGE;
	}
	command = command_find(argv[2]);
	if (!command) {
		fprintf(stderr, "flashsim help: unknown command '%s'\n", argv[2]);
		usage(stderr);
		return EXIT_USAGE;
	}
	help_argv[0] = argv[2];
	return command->run(2, help_argv, argv[0]);
}

/* At exit: output that could not be written (a full disk, /dev/full) is
 * no report; say so and exit 3, as coreutils do, rather than 0 with an
 * empty or cut verdict. Registered first, so it runs after the other exit
 * handlers (the servers are stopped by then). A reader that went away
 * (`| head`) is SIGPIPE's, not this. */
static void close_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout) && fclose(stdout) == 0)
		return;
	if (errno == EPIPE)
		return;
	fprintf(stderr, "flashsim: cannot write the output: %s\n",
		strerror(errno ? errno : EIO));
	_exit(EXIT_INTERNAL);
}

int main(int argc, char **argv)
{
	const struct command *command;
	/* A closed standard output would be taken by the first file opened
	 * (SQLite moves its databases off it, and the reports then go
	 * nowhere): refuse it. */
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0) {
		fprintf(stderr, "flashsim: standard output is closed\n");
		return EXIT_USAGE;
	}
	atexit(close_stdout);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	command = command_find(argv[1]);
	if (command)
		return command->run(argc - 1, argv + 1, argv[0]);
	fprintf(stderr, "flashsim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
