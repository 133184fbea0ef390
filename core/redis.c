/*
 * redis.c - the Redis executor (see redis.h).
 */
#include "redis.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "sale.h"

/* Generated from core/lua/ by the build (build/gen/scripts.c), in the
 * order of enum script_id. */
extern const char *const flashsim_script_sources[];
extern const char *const flashsim_script_names[];
extern const int flashsim_script_count;

const char *redis_script_source(enum script_id script)
{
	assert(flashsim_script_count == SCRIPT_COUNT);
	assert(script < SCRIPT_COUNT);
	return flashsim_script_sources[script];
}

const char *redis_script_name(enum script_id script)
{
	assert(script < SCRIPT_COUNT);
	return flashsim_script_names[script];
}

/* The compiled-in scripts as one library of Redis functions, each script
 * the body of a function whose parameters are named KEYS and ARGV, so that
 * the same source runs unchanged. The library and its functions are named
 * by a hash of the sources ("flashsim_<16 hex>", "flashsim_<hex>_deduct"):
 * functions are global to a server and survive its restarts, so another
 * version of flashsim on the same server loads its own library beside this
 * one instead of running this one's code. Built once per process. */
static struct {
	char *text;                        /* NULL: not built (out of memory) */
	char name[32];
	char function[SCRIPT_COUNT][64];
} library;

static const char *library_text(void)
{
	uint64_t hash = 0xcbf29ce484222325ULL;
	size_t size = 64, used;
	if (library.text)
		return library.text;
	assert(flashsim_script_count == SCRIPT_COUNT);
	for (int s = 0; s < SCRIPT_COUNT; s++) {
		for (const char *p = flashsim_script_names[s]; *p; p++)
			hash = (hash ^ (unsigned char)*p) * 0x100000001b3ULL;
		for (const char *p = flashsim_script_sources[s]; *p; p++)
			hash = (hash ^ (unsigned char)*p) * 0x100000001b3ULL;
		size += strlen(flashsim_script_sources[s]) + 160;
	}
	snprintf(library.name, sizeof(library.name), "flashsim_%016" PRIx64,
		 hash);
	library.text = malloc(size);
	if (!library.text)
		return NULL;
	used = (size_t)snprintf(library.text, size, "#!lua name=%s\n",
				library.name);
	for (int s = 0; s < SCRIPT_COUNT; s++) {
		const char *name = flashsim_script_names[s];
		size_t length = strcspn(name, ".");
		snprintf(library.function[s], sizeof(library.function[s]),
			 "%s_%.*s", library.name, (int)length, name);
		used += (size_t)snprintf(library.text + used, size - used,
			"redis.register_function('%s', function(KEYS, ARGV)\n"
			"%s\nend)\n", library.function[s],
			flashsim_script_sources[s]);
	}
	assert(used < size);
	return library.text;
}

const char *redis_function_name(enum script_id script)
{
	assert(script < SCRIPT_COUNT);
	return library_text() ? library.function[script] : NULL;
}

const char *redis_library_name(void)
{
	return library_text() ? library.name : NULL;
}

static int conn_fail(struct redis_conn *conn, const char *what)
{
	const char *detail = conn->context && conn->context->err ?
			     conn->context->errstr : "no reply";
	/* hiredis reports the socket timeout as the read's EAGAIN */
	if (conn->context && conn->context->err == REDIS_ERR_IO &&
	    strcmp(detail, strerror(EAGAIN)) == 0)
		detail = "no reply within the timeout (the server is busy or"
			 " stopped answering)";
	snprintf(conn->error, sizeof(conn->error), "redis %s: %.40s: %.100s",
		 conn->address, what, detail);
	return -1;
}

int redis_address_check(const char *address)
{
	const char *colon;
	char *end;
	long port;
	if (strncmp(address, "unix:", 5) == 0)
		return address[5] == '/' || address[5] == '.' ? 0 : -1;
	colon = strrchr(address, ':');
	if (!colon || colon == address)
		return -1;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port <= 0 || port > 65535)
		return -1;
	return strlen(address) < REDIS_ADDRESS_MAX ? 0 : -1;
}

/* SCRIPT LOAD of source as the script of that id; its SHA into sha. */
static int script_load(struct redis_conn *conn, enum script_id script,
		       const char *source, char sha[41])
{
	redisReply *reply = redisCommand(conn->context, "SCRIPT LOAD %s", source);
	int rc = 0;
	if (!reply)
		return conn_fail(conn, "SCRIPT LOAD");
	if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
		snprintf(conn->error, sizeof(conn->error),
			 "redis %s: SCRIPT LOAD %s: %s", conn->address,
			 redis_script_name(script),
			 reply->type == REDIS_REPLY_ERROR ? reply->str :
							   "unexpected reply");
		rc = -1;
	} else {
		memcpy(sha, reply->str, 40);
		sha[40] = '\0';
	}
	freeReplyObject(reply);
	return rc;
}

/* Loads the script this connection runs for that id (EVALSHA). */
static int load_script(struct redis_conn *conn, enum script_id script)
{
	return script_load(conn, script, conn->source[script] ?
			   conn->source[script] : redis_script_source(script),
			   conn->sha[script]);
}

long redis_version_number(const char *info)
{
	const char *field = info ? strstr(info, "redis_version:") : NULL;
	unsigned long major, minor, patch = 0;
	char end;
	int n;
	if (!field)
		return -1;
	n = sscanf(field + strlen("redis_version:"), "%lu.%lu.%lu%c", &major,
		   &minor, &patch, &end);
	if (n < 2 || major > 999 || minor > 999 || patch > 999 ||
	    (n == 4 && end != '\r' && end != '\n' && end != '-'))
		return -1;
	return REDIS_VERSION((long)major, (long)minor, (long)patch);
}

/* A server without functions is older than Redis 7. The coordinator's
 * scripts use SET ... GET, which came with Redis 6.2: on an older server
 * every abort would fail at run time, and a run would report that as the
 * protocol leaving transactions open. Such a server is refused here, by
 * its version; one that reports none is given the benefit of the doubt.
 * Returns 0, or -1 with conn->error. */
static int check_version(struct redis_conn *conn)
{
	redisReply *reply = redisCommand(conn->context, "INFO server");
	long version;
	int rc = 0;
	if (!reply)
		return conn_fail(conn, "INFO server");
	version = reply->type == REDIS_REPLY_STRING ?
			  redis_version_number(reply->str) : -1;
	if (version >= 0 && version < REDIS_VERSION(6, 2, 0)) {
		snprintf(conn->error, sizeof(conn->error),
			 "redis %s: Redis %ld.%ld.%ld is too old: flashsim's "
			 "scripts use SET ... GET, which came with Redis 6.2",
			 conn->address, version / 1000000,
			 version / 1000 % 1000, version % 1000);
		rc = -1;
	}
	freeReplyObject(reply);
	return rc;
}

/* FUNCTION LOAD of the library; a library of that name already there is
 * this one (its name is the hash of its code). A server without functions
 * (Redis 6.2), or a user its ACL does not let load them, leaves
 * conn->functions false: every call then goes by EVALSHA. Returns 0, or
 * -1 with conn->error. */
static int load_library(struct redis_conn *conn)
{
	const char *text = library_text();
	redisReply *reply;
	int rc = 0;
	conn->functions = false;
	if (!text) {
		snprintf(conn->error, sizeof(conn->error), "out of memory");
		return -1;
	}
	reply = redisCommand(conn->context, "FUNCTION LOAD %s", text);
	if (!reply)
		return conn_fail(conn, "FUNCTION LOAD");
	if (reply->type != REDIS_REPLY_ERROR)
		conn->functions = true;
	else if (strstr(reply->str, "already exists"))
		conn->functions = true;
	else if (strncmp(reply->str, "ERR unknown command", 19) == 0)
		rc = check_version(conn);
	else if (strncmp(reply->str, "NOPERM", 6) != 0) {
		snprintf(conn->error, sizeof(conn->error),
			 "redis %s: FUNCTION LOAD %s: %s", conn->address,
			 library.name, reply->str);
		rc = -1;
	}
	freeReplyObject(reply);
	return rc;
}

int redis_conn_open(struct redis_conn *conn, const char *address,
		    int timeout_ms)
{
	return redis_conn_open_as(conn, address, timeout_ms, NULL, NULL);
}

int redis_conn_open_as(struct redis_conn *conn, const char *address,
		       int timeout_ms, const char *user, const char *password)
{
	struct timeval timeout = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	redisReply *reply;
	memset(conn, 0, sizeof(*conn));
	snprintf(conn->address, sizeof(conn->address), "%s", address);
	if (redis_address_check(address) != 0) {
		snprintf(conn->error, sizeof(conn->error),
			 "redis address '%s': expected HOST:PORT or unix:PATH",
			 address);
		return -1;
	}
	if (strncmp(address, "unix:", 5) == 0) {
		conn->context = redisConnectUnixWithTimeout(address + 5, timeout);
	} else {
		char host[REDIS_ADDRESS_MAX];
		const char *colon = strrchr(address, ':');
		snprintf(host, sizeof(host), "%.*s", (int)(colon - address),
			 address);
		conn->context = redisConnectWithTimeout(host, atoi(colon + 1),
							timeout);
	}
	if (!conn->context || conn->context->err)
		return conn_fail(conn, "cannot connect");
	if (redisSetTimeout(conn->context, timeout) != REDIS_OK)
		return conn_fail(conn, "cannot set timeout");
	if (password) {
		reply = user && *user ?
			redisCommand(conn->context, "AUTH %s %s", user, password) :
			redisCommand(conn->context, "AUTH %s", password);
		if (!reply)
			return conn_fail(conn, "AUTH");
		if (reply->type == REDIS_REPLY_ERROR) {
			snprintf(conn->error, sizeof(conn->error), "redis %s:"
				 " AUTH: %.200s", address, reply->str);
			freeReplyObject(reply);
			return -1;
		}
		freeReplyObject(reply);
	}
	reply = redisCommand(conn->context, "PING");
	if (!reply)
		return conn_fail(conn, "PING");
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(conn->error, sizeof(conn->error), "redis %s: PING: %s",
			 address, reply->str);
		freeReplyObject(reply);
		return -1;
	}
	freeReplyObject(reply);
	if (load_library(conn) != 0)
		return -1;
	/* Without functions every script goes by EVALSHA. */
	for (int s = 0; s < SCRIPT_COUNT && !conn->functions; s++)
		if (load_script(conn, s) != 0)
			return -1;
	return 0;
}

bool redis_conn_working(const struct redis_conn *conn)
{
	return conn->context && !conn->context->err;
}

int redis_conn_select(struct redis_conn *conn, int db)
{
	redisReply *reply = redisCommand(conn->context, "SELECT %d", db);
	if (!reply)
		return conn_fail(conn, "SELECT");
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(conn->error, sizeof(conn->error), "redis %s: SELECT"
			 " %d: %.200s", conn->address, db, reply->str);
		freeReplyObject(reply);
		return -1;
	}
	freeReplyObject(reply);
	return 0;
}

void redis_conn_close(struct redis_conn *conn)
{
	if (conn->context)
		redisFree(conn->context);
	conn->context = NULL;
}

/* Whether a call of script goes by FCALL: the compiled-in scripts, on a
 * server with functions; a script a variant replaced goes by EVALSHA. */
static bool by_function(const struct redis_conn *conn, enum script_id script)
{
	return conn->functions && !conn->source[script];
}

int redis_conn_use_script(struct redis_conn *conn, enum script_id script,
			  const char *source)
{
	bool loaded = conn->source[script] == source && conn->sha[script][0];
	assert(script < SCRIPT_COUNT);
	conn->source[script] = source;
	if (by_function(conn, script) || loaded)
		return 0; /* nothing to load on this connection */
	return load_script(conn, script);
}

int redis_script_sha(struct redis_conn *conn, enum script_id script,
		     char sha[41])
{
	assert(script < SCRIPT_COUNT);
	return script_load(conn, script, redis_script_source(script), sha);
}

int redis_send(struct redis_conn *conn, const struct redis_call *call)
{
	const char *argv[3 + REDIS_KEYS_MAX + REDIS_ARGS_MAX];
	char key_count[12];
	int argc = 0;
	assert(call->script < SCRIPT_COUNT);
	assert(call->key_count <= REDIS_KEYS_MAX);
	assert(call->arg_count <= REDIS_ARGS_MAX);
	snprintf(key_count, sizeof(key_count), "%d", call->key_count);
	if (by_function(conn, call->script)) {
		argv[argc++] = "FCALL";
		argv[argc++] = library.function[call->script];
	} else {
		argv[argc++] = "EVALSHA";
		argv[argc++] = conn->sha[call->script];
	}
	argv[argc++] = key_count;
	for (int i = 0; i < call->key_count; i++)
		argv[argc++] = call->keys[i];
	for (int i = 0; i < call->arg_count; i++)
		argv[argc++] = call->args[i];
	if (redisAppendCommandArgv(conn->context, argc, argv, NULL) != REDIS_OK)
		return conn_fail(conn, argv[0]);
	return 0;
}

static enum code code_parse(const char *text)
{
	static const enum code codes[] = {
		CODE_OK, CODE_SOLD_OUT, CODE_DUPLICATE, CODE_SUCCESS,
		CODE_FAILURE, CODE_EXISTS, CODE_CONFLICT, CODE_MISSING,
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(text, code_name(codes[i])) == 0)
			return codes[i];
	return CODE_ERROR;
}

static int parse_integer(const redisReply *reply, int64_t *value)
{
	char *end;
	if (reply->type != REDIS_REPLY_STRING || reply->len == 0)
		return -1;
	errno = 0;
	*value = strtoll(reply->str, &end, 10);
	return errno || *end ? -1 : 0;
}

/* {gid, status, created_ms, attempts, backcheck, branch_00, branch_00_status} */
static int parse_locked(const redisReply *reply, struct txn_view *txn)
{
	int64_t number;
	memset(txn, 0, sizeof(*txn));
	if (reply->elements != 7)
		return -1;
	for (size_t i = 0; i < 7; i++)
		if (reply->element[i]->type != REDIS_REPLY_STRING)
			return -1;
	snprintf(txn->gid, GID_MAX, "%s", reply->element[0]->str);
	txn->status = txn_status_parse(reply->element[1]->str);
	if (parse_integer(reply->element[2], &txn->created_ms) != 0)
		return -1;
	if (parse_integer(reply->element[3], &number) != 0)
		return -1;
	txn->attempts = (int)number;
	snprintf(txn->backcheck, ADDR_MAX, "%s", reply->element[4]->str);
	if (sale_branch_parse(reply->element[5]->str, &txn->activity,
			      &txn->user) != 0)
		return -1;
	txn->branch_status = txn_status_parse(reply->element[6]->str);
	return txn->status == TXN_NONE ? -1 : 0;
}

/* A script's one-string answer: "<CODE>" ("OK", "SOLD_OUT", "MISSING")
 * or, from the scripts that change a transaction, "<CODE> <status>";
 * anything else leaves outcome an error. */
static void parse_code_status(const char *text, struct outcome *outcome)
{
	char code_text[32];
	const char *space = strchr(text, ' ');
	size_t length = space ? (size_t)(space - text) : strlen(text);
	enum code code;
	if (length >= sizeof(code_text))
		return;
	memcpy(code_text, text, length);
	code_text[length] = '\0';
	code = code_parse(code_text);
	if (code == CODE_ERROR)
		return;
	*outcome = outcome_make(RESULT_OK, code);
	if (code == CODE_FAILURE && space && strcmp(space + 1, "marked") == 0)
		outcome->rollback_marked = true; /* query_prepared.lua */
	else
		outcome->status = space ? txn_status_parse(space + 1) :
					  TXN_NONE;
}

/* Turns a reply into an outcome; a shape the script never answers is an
 * error outcome. */
static void reply_to_outcome(const struct redis_call *call,
			     const redisReply *reply, struct outcome *outcome)
{
	*outcome = outcome_make(RESULT_UNKNOWN, CODE_ERROR);
	switch (reply->type) {
	case REDIS_REPLY_NIL:
		if (call->script == SCRIPT_TXN_LOCK_DUE)
			*outcome = outcome_make(RESULT_OK, CODE_EMPTY);
		return;
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		if (call->script != SCRIPT_TXN_LOCK_DUE)
			parse_code_status(reply->str, outcome);
		return;
	case REDIS_REPLY_ARRAY:
		if (call->script == SCRIPT_TXN_LOCK_DUE &&
		    parse_locked(reply, &outcome->txn) == 0) {
			outcome->result = RESULT_OK;
			outcome->code = CODE_LOCKED;
			outcome->status = outcome->txn.status;
		}
		return;
	default:
		return;
	}
}

static int receive_reply(struct redis_conn *conn, redisReply **reply)
{
	void *raw = NULL;
	if (redisGetReply(conn->context, &raw) != REDIS_OK || !raw)
		return conn_fail(conn, "reading a reply");
	*reply = raw;
	return 0;
}

/* The server did not know the script (EVALSHA) or the function (FCALL):
 * the call did not run. */
static bool is_noscript(const redisReply *reply)
{
	return reply->type == REDIS_REPLY_ERROR &&
	       (strncmp(reply->str, "NOSCRIPT", 8) == 0 ||
		strcmp(reply->str, "ERR Function not found") == 0);
}

/* A reply read for call: its outcome, or REDIS_NOSCRIPT, or -1 with the
 * server's error in conn->error. An error reply is no outcome of the
 * protocol's: the server refused the call (a command renamed or denied
 * by an ACL, out of memory under noeviction, a script error), and taking
 * it for a lost answer would run a sale in which no script ran and call
 * it ok. Frees reply. */
static int take_reply(struct redis_conn *conn, const struct redis_call *call,
		      redisReply *reply, struct outcome *outcome)
{
	if (is_noscript(reply)) {
		freeReplyObject(reply);
		*outcome = outcome_make(RESULT_UNKNOWN, CODE_ERROR);
		return REDIS_NOSCRIPT;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(conn->error, sizeof(conn->error), "redis %s: %s %s"
			 " refused: %.300s", conn->address,
			 conn->functions ? "FCALL" : "EVALSHA",
			 redis_script_name(call->script), reply->str);
		freeReplyObject(reply);
		*outcome = outcome_make(RESULT_UNKNOWN, CODE_ERROR);
		return -1;
	}
	reply_to_outcome(call, reply, outcome);
	freeReplyObject(reply);
	return 0;
}

int redis_receive(struct redis_conn *conn, const struct redis_call *call,
		  struct outcome *outcome)
{
	redisReply *reply = NULL;
	if (receive_reply(conn, &reply) != 0)
		return -1;
	return take_reply(conn, call, reply, outcome);
}

int redis_receive_arrived(struct redis_conn *conn,
			  const struct redis_call *call,
			  struct outcome *outcome)
{
	void *raw = NULL;
	if (redisReaderGetReply(conn->context->reader, &raw) != REDIS_OK) {
		snprintf(conn->error, sizeof(conn->error), "redis %s: reading"
			 " a reply: %s", conn->address,
			 conn->context->reader->errstr);
		return -1;
	}
	if (!raw)
		return REDIS_NOT_YET;
	return take_reply(conn, call, raw, outcome);
}

int redis_run(struct redis_conn *conn, const struct redis_call *call,
	      struct outcome *outcome)
{
	int rc;
	if (redis_send(conn, call) != 0)
		return -1;
	rc = redis_receive(conn, call, outcome);
	if (rc == REDIS_NOSCRIPT) {
		/* The server lost its scripts or its functions: with nothing
		 * else pending on the connection, load this one (or the
		 * library) again and run the call again. */
		bool function = by_function(conn, call->script);
		if (function && load_library(conn) != 0)
			return -1;
		if (!by_function(conn, call->script) &&
		    load_script(conn, call->script) != 0)
			return -1;
		if (redis_send(conn, call) != 0)
			return -1;
		rc = redis_receive(conn, call, outcome);
		if (rc == REDIS_NOSCRIPT) {
			snprintf(conn->error, sizeof(conn->error), "redis %s:"
				 " %s right after loading it", conn->address,
				 function ? "function not found" : "NOSCRIPT");
			return -1;
		}
	}
	return rc;
}

bool redis_evicts(struct redis_conn *conn, char *detail, size_t detail_size)
{
	redisReply *reply = redisCommand(conn->context, "CONFIG GET maxmemory*");
	const char *limit = NULL, *policy = NULL;
	bool evicts = false;
	if (!reply)
		return false;
	if (reply->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i + 1 < reply->elements; i += 2) {
			const redisReply *name = reply->element[i];
			const redisReply *value = reply->element[i + 1];
			if (name->type != REDIS_REPLY_STRING ||
			    value->type != REDIS_REPLY_STRING)
				continue;
			if (strcmp(name->str, "maxmemory") == 0)
				limit = value->str;
			else if (strcmp(name->str, "maxmemory-policy") == 0)
				policy = value->str;
		}
	}
	if (limit && policy && strcmp(limit, "0") != 0 &&
	    strcmp(policy, "noeviction") != 0) {
		snprintf(detail, detail_size, "maxmemory %s, maxmemory-policy %s",
			 limit, policy);
		evicts = true;
	}
	freeReplyObject(reply);
	return evicts;
}

int redis_get_integer(struct redis_conn *conn, const char *key,
		      int64_t *value, int *found)
{
	redisReply *reply = redisCommand(conn->context, "GET %s", key);
	int rc = 0;
	if (!reply)
		return conn_fail(conn, "GET");
	*found = 0;
	*value = 0;
	if (reply->type == REDIS_REPLY_STRING) {
		*found = 1;
		if (parse_integer(reply, value) != 0)
			rc = -1;
	} else if (reply->type != REDIS_REPLY_NIL) {
		rc = -1;
	}
	if (rc != 0)
		snprintf(conn->error, sizeof(conn->error),
			 "redis %s: GET %s: not an integer", conn->address, key);
	freeReplyObject(reply);
	return rc;
}

int redis_command_integer(struct redis_conn *conn, int64_t *value,
			  const char *format, ...)
{
	va_list args;
	redisReply *reply;
	int rc = 0;
	/* Messages name the command, not the format ("SET", not
	 * "SET %s %lld"). */
	char command[32];
	snprintf(command, sizeof(command), "%.*s",
		 (int)strcspn(format, " "), format);
	va_start(args, format);
	reply = redisvCommand(conn->context, format, args);
	va_end(args);
	if (!reply)
		return conn_fail(conn, command);
	*value = 0;
	if (reply->type == REDIS_REPLY_INTEGER) {
		*value = reply->integer;
	} else if (reply->type != REDIS_REPLY_STATUS) {
		snprintf(conn->error, sizeof(conn->error), "redis %s: %s: %s",
			 conn->address, command,
			 reply->type == REDIS_REPLY_ERROR ? reply->str :
							   "unexpected reply");
		rc = -1;
	}
	freeReplyObject(reply);
	return rc;
}
