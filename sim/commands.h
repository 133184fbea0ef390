/*
 * commands.h - the subcommands of flashsim. Each takes its own argv
 * (argv[0] is the subcommand's name) and returns the exit code.
 */
#ifndef FLASHSIM_COMMANDS_H
#define FLASHSIM_COMMANDS_H

int command_run(int argc, char **argv, const char *program);
int command_compare(int argc, char **argv, const char *program);
int command_bench(int argc, char **argv, const char *program);
int command_points(int argc, char **argv, const char *program);
int command_explore(int argc, char **argv, const char *program);
int command_selftest(int argc, char **argv, const char *program);

#endif
