/*
 * support.h - what every test program shares: a live redis-server of its
 * own (started through the same code flashsim uses, stopped at exit), a
 * connection to it with the scripts loaded, and a fresh order database.
 */
#ifndef FLASHSIM_TEST_SUPPORT_H
#define FLASHSIM_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "explore.h"
#include "order.h"
#include "redis.h"
#include "sale.h"

/* Starts the test program's redis-server once (later calls reuse it) and
 * returns a new connection with the scripts loaded; fails the test when
 * that is impossible. Free it with support_redis_close.
 *
 * With FLASHSIM_TEST_WITHOUT_FUNCTIONS=1 (and FLASHSIM_REDIS_SERVER naming
 * tests/redis-without-functions.sh, as tests/run.sh sets them) the server
 * has no functions and every connection must run its scripts by EVALSHA;
 * otherwise every connection must have the functions. A connection that
 * does not is a failed set-up. */
struct redis_conn *support_redis(void);
void support_redis_close(struct redis_conn *conn);
/* Whether FLASHSIM_TEST_WITHOUT_FUNCTIONS is 1. */
bool support_without_functions(void);

/* FLUSHDB on the test server. */
void support_redis_flush(struct redis_conn *conn);
/* Makes the server lose flashsim's functions and scripts, as a restart
 * without persistence would: FUNCTION DELETE of the library (not FUNCTION
 * FLUSH, which crashed a Redis 8.0.2 server), SCRIPT FLUSH. */
void support_forget_scripts(struct redis_conn *conn);

/* A path for a fresh order database in the test server's directory; each
 * call gives a new name. */
void support_orders_path(char *path, size_t size);

/* The test sale: sale_defaults with tag "t". */
void support_sale(struct sale *sale);

/* Runs a command that returns a string (or nil: returns ""), into out. */
void support_get_string(struct redis_conn *conn, char *out, size_t size,
			const char *format, ...);
/* Runs a command that returns an integer. */
long long support_integer(struct redis_conn *conn, const char *format, ...);

/* Runs an exploration, failing the test if it cannot run; free the
 * result with support_explore_free. */
struct explore_stats *support_explore(const struct cli_options *options);
void support_explore_free(struct explore_stats *stats);

/* The whole of a stream, NUL-terminated; the caller frees it. */
char *support_read_stream(FILE *in);
/* The whole of a file, NUL-terminated, or NULL when it cannot be opened;
 * the caller frees it. */
char *support_read_file(const char *path);
/* What write makes of text (an escaping function of the reports),
 * NUL-terminated; the caller frees it. */
char *support_written(void (*write)(FILE *, const char *), const char *text);

/* The standard error of the code between support_stderr_capture and
 * support_stderr_captured goes to a file, whose text the second returns
 * (the caller frees it); stderr is then restored. */
struct support_capture {
	char path[64];
	int saved;
};
void support_stderr_capture(struct support_capture *capture);
char *support_stderr_captured(struct support_capture *capture);

/* A fresh directory /tmp/flashsim-test-<name>-XXXXXX, its path into dir.
 * Returns 0, or -1 when it cannot be made. */
int support_tempdir(char *dir, size_t size, const char *name);
/* Removes that directory and everything in it; returns rm's status. */
int support_tempdir_remove(const char *dir);

/* Runs a shell command made from format; returns its exit status, -1 when
 * it did not exit. */
int support_shell(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

/* Writes dir/redis-server: a program for FLASHSIM_REDIS_SERVER that runs
 * the real redis-server the first `starts` times it is started and then
 * exits 1 at once, as a server that can no longer start would. A flashsim
 * that starts its Redis once more than that (a restart after a
 * redis-crash fault, the runner that shrinks an exploration's failures)
 * ends in an internal error there, at the same step every time. Its path
 * into path. Returns 0, or -1 when it cannot be written. */
int support_failing_redis_server(const char *dir, int starts, char *path,
				 size_t size);

/* The flashsim binary of the same build as the test program:
 * <build>/tests/<program> -> <build>/flashsim. */
void support_flashsim(const char *program, char *out, size_t size);

#endif
