/*
 * redis.h - the Redis executor: runs the scripts that step machines describe.
 *
 * The Lua scripts of core/lua/ are compiled into the program. Each connection
 * loads them as one library of Redis functions (FUNCTION LOAD, once per
 * server: the library is named by a hash of its code) and calls them with
 * FCALL; a Redis function costs the server about 2,300 fewer instructions
 * per call than EVALSHA of the same script (5 % of a rejected purchase),
 * and survives the server's restarts with its data. A script a teaching
 * variant replaced on one connection (redis_conn_use_script) is loaded
 * with SCRIPT LOAD and called with EVALSHA there, and so is every script
 * on a server without functions (or a user its ACL does not let load
 * them). An answer that the script or function is unknown (a flushed
 * server, a restart without persistence) loads it again and retries once.
 *
 * Replies become outcomes: a script answer is RESULT_OK with its code; an
 * error reply is RESULT_UNKNOWN with CODE_ERROR. A broken connection is not
 * an outcome: the functions return -1 with conn->error set, and the caller
 * decides (the simulator treats it as an internal error of the run).
 *
 * Ownership: struct redis_conn owns its hiredis context; redis_conn_close
 * frees it. Replies are freed inside these functions.
 */
#ifndef FLASHSIM_REDIS_H
#define FLASHSIM_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "effect.h"

struct redisContext;

#define REDIS_ADDRESS_MAX 160

struct redis_conn {
	struct redisContext *context;
	char address[REDIS_ADDRESS_MAX];
	char sha[SCRIPT_COUNT][41];
	const char *source[SCRIPT_COUNT]; /* NULL: the compiled-in script */
	bool functions;   /* the server has the library of functions */
	char error[640];
};

/* The embedded source and file name of a script. */
const char *redis_script_source(enum script_id script);
const char *redis_script_name(enum script_id script);
/* The name of the Redis function that runs the compiled-in script
 * ("flashsim_<hash of the library>_deduct"); NULL when out of memory. */
const char *redis_function_name(enum script_id script);
/* The name of the library itself ("flashsim_<hash>"); NULL when out of
 * memory. */
const char *redis_library_name(void);

/* address: "HOST:PORT" or "unix:PATH". Connects, checks the server answers
 * PING, loads the library of functions (or, without functions, every
 * script; a server without functions older than Redis 6.2 is refused:
 * the scripts use SET ... GET). Returns 0, or -1 with conn->error naming
 * the address; redis_conn_close is safe either way. */
int redis_conn_open(struct redis_conn *conn, const char *address,
		    int timeout_ms);
void redis_conn_close(struct redis_conn *conn);

/* A version as one number that compares as versions do. */
#define REDIS_VERSION(major, minor, patch) \
	((major) * 1000000L + (minor) * 1000L + (patch))

/* The server's version in the text of its INFO server
 * ("redis_version:6.2.14"), as REDIS_VERSION; -1 when the text has
 * none this can read. */
long redis_version_number(const char *info);

/* Whether the server may evict keys to stay under a memory limit
 * (maxmemory set and maxmemory-policy not noeviction), with the two
 * settings in detail; false when it may not, or when it does not say
 * (CONFIG refused). The protocol needs every barrier and transaction key
 * kept: on such a server a lost key looks like a broken protocol. */
bool redis_evicts(struct redis_conn *conn, char *detail, size_t detail_size);

/* The same, authenticated first (AUTH [user] password) when password is
 * not NULL: a server that requires a password, or an ACL user. */
int redis_conn_open_as(struct redis_conn *conn, const char *address,
		       int timeout_ms, const char *user, const char *password);
/* Makes database db the connection's (SELECT). Returns 0, or -1 with
 * conn->error (a server with fewer databases refuses it). */
int redis_conn_select(struct redis_conn *conn, int db);

/* Whether the connection still works after a command failed: Redis
 * answered it with an error (an ACL, an OOM), rather than the connection
 * being lost. */
bool redis_conn_working(const struct redis_conn *conn);
/* Returns 0 when address is of a form redis_conn_open accepts. */
int redis_address_check(const char *address);

/* Loads source as the script for this id on this connection (the next
 * calls of that id run it); NULL: the compiled-in one. Nothing is sent when
 * that source is the one in use already. Returns 0, or -1 with
 * conn->error. */
int redis_conn_use_script(struct redis_conn *conn, enum script_id script,
			  const char *source);
/* SCRIPT LOAD of the compiled-in script: its SHA, for EVALSHA by another
 * client (the bench's reference). Returns 0, or -1 with conn->error. */
int redis_script_sha(struct redis_conn *conn, enum script_id script,
		     char sha[41]);

/* Runs one script call and waits for its answer. */
int redis_run(struct redis_conn *conn, const struct redis_call *call,
	      struct outcome *outcome);

/* Pipelining: queue calls with redis_send, then read their answers in the
 * same order with redis_receive. Returns 0 with the outcome; -1 with
 * conn->error; or REDIS_NOSCRIPT when the server did not know the function
 * or script (FUNCTION FLUSH, SCRIPT FLUSH, a restart without persistence):
 * the call did not run, and nothing can be sent before the rest of the
 * pipeline is read, so the caller runs it again with redis_run (which
 * loads it) once it has read them. */
#define REDIS_NOSCRIPT 1
int redis_send(struct redis_conn *conn, const struct redis_call *call);
int redis_receive(struct redis_conn *conn, const struct redis_call *call,
		  struct outcome *outcome);
/* Like redis_receive, but never waits and never reads the socket: takes
 * the next answer only if it has already been read (a read brings many
 * pipelined answers at once); REDIS_NOT_YET when it has not. */
#define REDIS_NOT_YET 2
int redis_receive_arrived(struct redis_conn *conn,
			  const struct redis_call *call,
			  struct outcome *outcome);

/* Plain commands for drivers and tests (not for step machines).
 * redis_get_integer: the integer value of a string key; *found is 0 when the
 * key does not exist. Returns 0 or -1 with conn->error. */
int redis_get_integer(struct redis_conn *conn, const char *key,
		      int64_t *value, int *found);
/* Runs a command given as a format (hiredis's redisCommand) whose reply is
 * an integer or a status; returns 0 and the integer (0 for a status), or -1
 * with conn->error. */
int redis_command_integer(struct redis_conn *conn, int64_t *value,
			  const char *format, ...);

#endif
