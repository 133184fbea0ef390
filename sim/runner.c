/*
 * runner.c - one run after another on the same stores (see runner.h).
 */
#include "runner.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <time.h>

#include "claim_signal.h"
#include "inject.h"
#include "report.h"

/* Makes Redis run the scripts of the variant (the correct ones for
 * VARIANT_NONE). */
static int use_scripts(struct runner *runner, enum variant_id id, char *error,
		       size_t error_size)
{
	const struct variant *variant = variant_get(id);
	for (int s = 0; s < SCRIPT_COUNT; s++) {
		const char *source = (enum script_id)s == variant->script ?
				     variant->script_source : NULL;
		if (redis_conn_use_script(&runner->redis, s, source) != 0) {
			snprintf(error, error_size, "%s", runner->redis.error);
			return -1;
		}
	}
	runner->scripts_of = id;
	return 0;
}

/* Starts the server again, from its files (empty: from nothing), and
 * reconnects. */
static int restart_server(struct runner *runner, bool empty, char *error,
			  size_t error_size)
{
	uint64_t total = 0, replayed = 0;
	char ignored[128];
	struct timespec start, end;
	bool counted;
	int rc;
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* A new server counts from zero, and counts the commands it replays
	 * from its append-only file too: neither is a command of a run. */
	counted = runner_commands(runner, &total, ignored, sizeof(ignored)) == 0;
	redis_conn_close(&runner->redis);
	rc = empty ? redis_server_reset(&runner->server, error, error_size) :
		     redis_server_restart(&runner->server, error, error_size);
	if (rc != 0)
		return -1;
	if (redis_conn_open(&runner->redis, runner->server.address, 10000) != 0) {
		snprintf(error, error_size, "%s", runner->redis.error);
		return -1;
	}
	runner->restarts = empty ? 0 : runner->restarts + 1;
	runner->commands_offset = 0;
	if (counted && runner_commands(runner, &replayed, ignored,
				       sizeof(ignored)) == 0)
		runner->commands_offset = (int64_t)total - (int64_t)replayed;
	rc = use_scripts(runner, runner->scripts_of, error, error_size);
	clock_gettime(CLOCK_MONOTONIC, &end);
	runner->server_starts++;
	runner->server_start_seconds += (double)(end.tv_sec - start.tv_sec) +
					(double)(end.tv_nsec - start.tv_nsec) / 1e9;
	return rc;
}

/* What server keeps across a restart, in the trace's words. */
static const char *redis_restart_keeps(const struct redis_server *server)
{
	switch (server->persistence) {
	case REDIS_PERSISTENCE_AOF:
		return "restarting from its append-only file";
	case REDIS_PERSISTENCE_AOF_EVERYSEC:
		return "restarting from its append-only file (fsync every"
		       " second)";
	case REDIS_PERSISTENCE_NONE:
		break;
	}
	return "restarting empty: it persists nothing";
}

/* The redis-crash fault's restart (sim_env.redis_restart). */
static int restart_redis(void *context, char *error, size_t error_size)
{
	return restart_server(context, false, error, error_size);
}

/* A server restarted from its files replays every earlier run of an
 * exploration: Redis starts a new append-only file at each start, and
 * rewrites them into one only after they have doubled in size, which a
 * server killed every few runs never reaches. Each restart would then take
 * longer than the last. So after RUNNER_RESTARTS_BEFORE_RESET restarts, on a
 * database just flushed, the server starts once more from nothing. */
static int reset_redis(struct runner *runner, char *error, size_t error_size)
{
	return restart_server(runner, true, error, error_size) == 0 ? 0 :
	       EXIT_INTERNAL;
}

static int open_redis(struct runner *runner, char *error, size_t error_size)
{
	const struct runner_options *options = &runner->options;
	const char *address = options->redis_address;
	if (!address) {
		if (redis_server_start_with(&runner->server, options->persistence,
					    error, error_size) != 0)
			return EXIT_INTERNAL;
		address = runner->server.address;
		snprintf(runner->workdir, sizeof(runner->workdir), "%s",
			 runner->server.dir);
	} else {
		/* tracked like a server's, so that a signal removes it */
		if (redis_server_make_dir(&runner->dir_only, error,
					  error_size) != 0)
			return EXIT_INTERNAL;
		snprintf(runner->workdir, sizeof(runner->workdir), "%s",
			 runner->dir_only.dir);
	}
	/* A given Redis may want a password (and an ACL user); the private
	 * one never does. */
	if (redis_conn_open_as(&runner->redis, address, 10000,
			       options->redis_address ?
			       getenv("FLASHSIM_REDIS_USER") : NULL,
			       options->redis_address ?
			       getenv("FLASHSIM_REDIS_PASSWORD") : NULL) != 0) {
		snprintf(error, error_size, "cannot use Redis: %s",
			 runner->redis.error);
		return options->redis_address ? EXIT_USAGE : EXIT_INTERNAL;
	}
	if (options->redis_db &&
	    redis_conn_select(&runner->redis, options->redis_db) != 0) {
		snprintf(error, error_size, "cannot use Redis: %s",
			 runner->redis.error);
		return EXIT_USAGE;
	}
	if (options->redis_address)
		runner_warn_eviction(&runner->redis);
	return 0;
}

void runner_warn_eviction(struct redis_conn *conn)
{
	char detail[256];
	if (redis_evicts(conn, detail, sizeof(detail)))
		fprintf(stderr, "flashsim: warning: redis %s may evict keys (%s):"
			" the protocol needs maxmemory-policy noeviction; a"
			" violation found on this server may be Redis dropping a"
			" barrier or a transaction, not the protocol\n",
			conn->address, detail);
}

int runner_open(struct runner *runner, const struct runner_options *options,
		char *error, size_t error_size)
{
	int rc;
	memset(runner, 0, sizeof(*runner));
	runner->options = *options;
	runner->orders_lock = -1;
	if (injector_setup() != 0) {
		snprintf(error, error_size, "cannot set up libfiu");
		return EXIT_INTERNAL;
	}
	if (invariants_load(&runner->invariants, options->invariants_dir, error,
			    error_size) != 0)
		return EXIT_USAGE;
	if (tracedb_open(&runner->db, options->trace_path, error, error_size) != 0)
		return options->trace_path && *options->trace_path ?
		       EXIT_USAGE : EXIT_INTERNAL;
	if (invariants_attach(&runner->invariants, runner->db, error,
			      error_size) != 0)
		return EXIT_INTERNAL;
	redis_server_install_cleanup();
	rc = open_redis(runner, error, error_size);
	if (rc != 0)
		return rc;
	if (options->orders_db) {
		char plain[sizeof(runner->orders_path)];
		snprintf(runner->orders_path, sizeof(runner->orders_path), "%s",
			 tracedb_file_name(options->orders_db, plain,
					   sizeof(plain)));
		/* One flashsim per order database: each empties its tables
		 * at start and writes its orders into them. The lock is the
		 * file's own (flock; SQLite's are fcntl's, apart). */
		runner->orders_lock = open(options->orders_db, O_RDWR | O_CREAT |
					   O_CLOEXEC, 0644);
		if (runner->orders_lock < 0 ||
		    flock(runner->orders_lock, LOCK_EX | LOCK_NB) != 0) {
			snprintf(error, error_size, "order database %s: %s",
				 options->orders_db, errno == EWOULDBLOCK ?
				 "in use by another flashsim (one run per"
				 " --orders-db at a time)" : strerror(errno));
			return EXIT_USAGE;
		}
	} else
		snprintf(runner->orders_path, sizeof(runner->orders_path),
			 "%s/orders.db", runner->workdir);
	if (order_db_open(&runner->orders, runner->orders_path, true) != 0) {
		/* named as given ("./" may be before it: tracedb_file_name) */
		snprintf(error, error_size, "order database %s: %s",
			 options->orders_db ? options->orders_db :
			 runner->orders_path, runner->orders.error);
		return options->orders_db ? EXIT_USAGE : EXIT_INTERNAL;
	}
	return 0;
}

void runner_close(struct runner *runner)
{
	order_db_close(&runner->orders);
	if (runner->orders_lock >= 0)
		close(runner->orders_lock); /* and its lock */
	runner->orders_lock = -1;
	redis_conn_close(&runner->redis);
	invariants_free(&runner->invariants); /* its queries first */
	if (runner->db)
		tracedb_close(runner->db);
	runner->db = NULL;
	/* A private server, running or found dead (redis_server_died reaps
	 * it, pid 0): its directory is there until it is stopped. */
	if (runner->server.dir[0]) {
		redis_server_stop(&runner->server); /* removes the workdir too */
	} else if (runner->workdir[0]) {
		/* A private directory next to a given Redis, and the order
		 * database in it (one kept with --orders-db is elsewhere). */
		redis_server_stop(&runner->dir_only);
	}
	runner->workdir[0] = '\0';
}

/* The process id namespace of this process ("pid:[4026531836]"), or
 * "-" when it cannot be read: two containers may share a host name, not
 * a namespace of process ids. */
static void pid_namespace(char out[64])
{
	ssize_t length = readlink("/proc/self/ns/pid", out, 63);
	if (length <= 0 || memchr(out, ' ', (size_t)length)) {
		snprintf(out, 64, "-");
		return;
	}
	out[length] = '\0';
}

/* A claim token: this machine's name, this process's id, a nonce and
 * the namespace its id is in, "<host> <pid> <nonce> <pid namespace>":
 * what take_over_stale_claim needs to tell a flashsim of this machine
 * that is gone, and what a person who finds the key (or the message
 * that names its holder) needs to find the run. */
static void claim_token(char token[RUNNER_CLAIM_MAX])
{
	char host[256] = "", space[64];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "unknown-host");
	pid_namespace(space);
	snprintf(token, RUNNER_CLAIM_MAX, "%s %ld %lx %s", host,
		 (long)getpid(),
		 (unsigned long)((uint64_t)now.tv_sec * 1000003u ^
				 (uint64_t)now.tv_nsec), space);
}

/* The host, pid and pid namespace of a claim token; false when it is not
 * one (a value someone else set). */
static bool claim_holder(const char *token, char host[256], long *pid,
			 char space[64])
{
	char nonce[32];
	return sscanf(token, "%255s %ld %31s %63s", host, pid, nonce,
		      space) == 4 && *pid > 0 && *pid <= INT_MAX;
}

/* Whether the claim token was left by a flashsim of this machine and
 * namespace that no longer exists (a SIGKILL; or a signal whose handler
 * could not give it back, claim_signal.h). */
static bool claim_is_stale(const char *token)
{
	char host[256], here[256] = "", space[64], our_space[64];
	long pid;
	if (!claim_holder(token, host, &pid, space) ||
	    gethostname(here, sizeof(here) - 1) != 0 || strcmp(host, here) != 0)
		return false;
	pid_namespace(our_space);
	if (strcmp(space, our_space) != 0 || strcmp(space, "-") == 0)
		return false;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* The value of a claim key into token. Returns 0 with *found, or -1 on a
 * Redis error (in runner->redis.error). */
static int claim_get(struct runner *runner, const char *key,
		     char token[RUNNER_CLAIM_MAX], int *found)
{
	redisReply *reply = redisCommand(runner->redis.context, "GET %s", key);
	int rc = 0;
	*found = 0;
	token[0] = '\0';
	if (!reply || (reply->type != REDIS_REPLY_STRING &&
		       reply->type != REDIS_REPLY_NIL)) {
		snprintf(runner->redis.error, sizeof(runner->redis.error),
			 "redis %s: GET %s: %s", runner->redis.address, key,
			 reply && reply->str ? reply->str :
			 runner->redis.context->errstr);
		rc = -1;
	} else if (reply->type == REDIS_REPLY_STRING) {
		snprintf(token, RUNNER_CLAIM_MAX, "%s", reply->str);
		*found = 1;
	}
	if (reply)
		freeReplyObject(reply);
	return rc;
}

/* A claim left by a flashsim that is gone is taken over, if that process
 * was on this machine; the swap is one script, so that of two runs
 * taking it over one wins. Returns 1 when taken, 0 when it stays
 * another's (its token in held), -1 on a Redis error. */
static int take_over_stale_claim(struct runner *runner,
				 char held[RUNNER_CLAIM_MAX])
{
	int64_t swapped = 0;
	int found = 0;
	if (claim_get(runner, runner->claim_key, held, &found) != 0)
		return -1;
	if (!found) { /* given back since the SETNX: claim it again */
		if (redis_command_integer(&runner->redis, &swapped,
					  "SETNX %s %s", runner->claim_key,
					  runner->claim) != 0)
			return -1;
		return swapped == 1;
	}
	if (!claim_is_stale(held))
		return 0;
	if (redis_command_integer(&runner->redis, &swapped, "EVAL %s 1 %s %s"
				  " %s", "if redis.call('GET', KEYS[1]) =="
				  " ARGV[1] then redis.call('SET', KEYS[1],"
				  " ARGV[2]) return 1 end return 0",
				  runner->claim_key, held, runner->claim) != 0)
		return -1;
	return swapped == 1;
}

/* " (pid 1234 on host ci-7)": who holds a claim, for a message; "" when
 * its value is not a flashsim's token, and then the value in note (" holds
 * '42', not a flashsim's token"), else "". */
static void holder_text(const char *token, char *out, size_t size,
			char *note, size_t note_size)
{
	char host[256], space[64];
	long pid;
	out[0] = note[0] = '\0';
	if (claim_holder(token, host, &pid, space))
		snprintf(out, size, " (pid %ld on host %s)", pid, host);
	else if (token[0]) /* "": taken again by another before it was read */
		snprintf(note, note_size, " holds '%.40s', not a flashsim's"
			 " token", token);
}

/* "Redis at unix:/x.sock" and, when it is not database 0, " database 3",
 * for messages; and the redis-cli option that names that database. */
static void redis_where(const struct runner *runner, char *out, size_t size,
			char *cli, size_t cli_size)
{
	int db = runner->options.redis_db;
	if (!db) {
		snprintf(out, size, "Redis at %s", runner->redis.address);
		cli[0] = '\0';
		return;
	}
	snprintf(out, size, "Redis at %s database %d", runner->redis.address,
		 db);
	snprintf(cli, cli_size, "-n %d ", db);
}

/* Whether another flashsim holds a claim on this Redis, on another tag
 * (one left by a gone flashsim of this machine does not count): --flush
 * would empty its keys too, FLUSHDB being the whole database's. Returns
 * 1 with its key in key and its token in held, 0, or -1 on a Redis
 * error. */
static int other_live_claim(struct runner *runner, char *key, size_t size,
			    char held[RUNNER_CLAIM_MAX])
{
	redisReply *keys = redisCommand(runner->redis.context,
					"KEYS flashsim:claim:*");
	int rc = 0;
	if (!keys || keys->type != REDIS_REPLY_ARRAY) {
		snprintf(runner->redis.error, sizeof(runner->redis.error),
			 "redis %s: KEYS flashsim:claim:*: %s",
			 runner->redis.address, keys && keys->str ? keys->str :
			 runner->redis.context->errstr);
		rc = -1;
		goto out_free;
	}
	for (size_t i = 0; i < keys->elements && rc == 0; i++) {
		const char *name = keys->element[i]->str;
		char token[RUNNER_CLAIM_MAX];
		int found = 0;
		if (!name || strcmp(name, runner->claim_key) == 0)
			continue;
		if (claim_get(runner, name, token, &found) != 0)
			rc = -1;
		else if (found && !claim_is_stale(token)) {
			snprintf(key, size, "%s", name);
			snprintf(held, RUNNER_CLAIM_MAX, "%s", token);
			rc = 1;
		}
	}
out_free:
	if (keys)
		freeReplyObject(keys);
	return rc;
}

/* Gives the run's claim back, when it is still the run's (a script, so
 * that the check and the removal are one). */
static void release_claim(struct runner *runner)
{
	int64_t removed;
	if (runner->claim[0])
		redis_command_integer(&runner->redis, &removed,
				      "EVAL %s 1 %s %s", CLAIM_RELEASE_SCRIPT,
				      runner->claim_key, runner->claim);
	/* after: a signal in the middle of the EVAL still gives it back
	 * (twice is harmless: the script checks the token) */
	claim_signal_disarm();
	runner->claim[0] = '\0';
}

/* FLUSHDB and the claim's SET as one transaction: no other client's
 * SETNX of the claim comes between them (a plain SET after the FLUSHDB
 * overwrote one that did, and the release then deleted it). Returns 0,
 * or -1 with runner->redis.error. */
static int flush_and_claim(struct runner *runner)
{
	struct redis_conn *conn = &runner->redis;
	redisReply *reply;
	const char *why;
	int64_t ignored;
	int rc;
	if (redis_command_integer(conn, &ignored, "MULTI") != 0)
		return -1;
	if (redis_command_integer(conn, &ignored, "FLUSHDB") != 0 ||
	    redis_command_integer(conn, &ignored, "SET %s %s",
				  runner->claim_key, runner->claim) != 0) {
		freeReplyObject(redisCommand(conn->context, "DISCARD"));
		return -1;
	}
	reply = redisCommand(conn->context, "EXEC");
	if (!reply) {
		snprintf(conn->error, sizeof(conn->error), "redis %s: EXEC: %s",
			 conn->address, conn->context->errstr[0] ?
			 conn->context->errstr : "connection lost");
		return -1;
	}
	/* the transaction's own error, or that of one of its commands */
	why = reply->type == REDIS_REPLY_ERROR ? reply->str :
	      reply->type != REDIS_REPLY_ARRAY ? "unexpected reply" : NULL;
	for (size_t i = 0; !why && i < reply->elements; i++)
		if (reply->element[i]->type == REDIS_REPLY_ERROR)
			why = reply->element[i]->str;
	if (why)
		snprintf(conn->error, sizeof(conn->error), "redis %s: EXEC of"
			 " FLUSHDB and the claim: %s", conn->address, why);
	rc = why ? -1 : 0;
	freeReplyObject(reply);
	return rc;
}

/* The claim is the run's: a signal that stops flashsim gives it back
 * (claim_signal.h). */
static void claim_taken(struct runner *runner)
{
	(void)claim_signal_arm(&runner->redis, runner->options.redis_db,
			       getenv("FLASHSIM_REDIS_USER"),
			       getenv("FLASHSIM_REDIS_PASSWORD"),
			       runner->claim_key, runner->claim);
}

/* Whether a key of the sale is left in Redis by an earlier run: its stock,
 * its first user's transaction, or the tag's due set. One EXISTS of the
 * three on every run; which one, only when one is there. Returns 1 with
 * the key in key (2 when it is the due set), 0 when none is, -1 on a
 * Redis error. */
static int sale_key_left(struct runner *runner, const struct sale *sale,
			 char key[KEY_MAX])
{
	char keys[3][KEY_MAX], gid[GID_MAX];
	int64_t exists;
	sale_stock_key(sale, keys[0]);
	sale_gid(sale, 1, gid);
	sale_txn_key(gid, keys[1]);
	sale_due_key(sale, keys[2]);
	if (redis_command_integer(&runner->redis, &exists, "EXISTS %s %s %s",
				  keys[0], keys[1], keys[2]) != 0)
		return -1;
	for (int k = 0; exists && k < 3; k++) {
		if (redis_command_integer(&runner->redis, &exists, "EXISTS %s",
					  keys[k]) != 0)
			return -1;
		if (exists) {
			memcpy(key, keys[k], KEY_MAX);
			return k == 2 ? 2 : 1;
		}
		exists = 1; /* one of the others is there */
	}
	return 0;
}

/* A command that readies a run, failed with error: on a Redis of the
 * user's that answered it with an error (an ACL, an OOM under its
 * maxmemory), one that cannot be used as given, as when it refuses the
 * scripts: bad input, EXIT_USAGE, error saying so. A lost connection,
 * or the private server, is EXIT_INTERNAL. */
static int refused_by_users_redis(struct runner *runner, char *error,
				  size_t error_size)
{
	char said[1024];
	if (!runner->options.redis_address ||
	    !redis_conn_working(&runner->redis))
		return EXIT_INTERNAL;
	snprintf(said, sizeof(said), "%s", error);
	snprintf(error, error_size, "cannot use Redis: %s", said);
	return EXIT_USAGE;
}

/* Readies the Redis for a run. A private server is emptied. On a Redis of
 * the user's (--redis), the run claims the sale's hash tag first, with a
 * key no other run on that tag can take at the same time (SETNX), so that
 * of two flashsims started together on one tag one is refused, --flush
 * or not (--flush empties the database only once the claim is taken;
 * without it the database must not hold an earlier sale's keys); the
 * claim is checked and given back when the run ends (runner_run). The
 * claim is the tag's, not the activity's: the coordinators' due set is
 * the tag's (due:{tag}), and two runs of two activities on one tag would
 * recover each other's transactions. */
static int clean_redis(struct runner *runner, const struct sale *sale,
		       char *error, size_t error_size)
{
	char key[KEY_MAX], held[RUNNER_CLAIM_MAX] = "", holder[320], note[96];
	char where[REDIS_ADDRESS_MAX + 32], cli[24];
	int64_t existing, taken;
	int found, rc;
	runner->claim[0] = '\0';
	if (!runner->options.redis_address) {
		if (redis_command_integer(&runner->redis, &existing, "FLUSHDB") != 0)
			goto out_redis_error;
		if (runner->restarts >= RUNNER_RESTARTS_BEFORE_RESET)
			return reset_redis(runner, error, error_size);
		return 0;
	}
	snprintf(runner->claim_key, sizeof(runner->claim_key),
		 "flashsim:claim:{%s}", sale->tag);
	claim_token(runner->claim);
	if (redis_command_integer(&runner->redis, &taken, "SETNX %s %s",
				  runner->claim_key, runner->claim) != 0 ||
	    (!taken && (taken = take_over_stale_claim(runner, held)) < 0))
		goto out_redis_error;
	redis_where(runner, where, sizeof(where), cli, sizeof(cli));
	if (!taken) {
		runner->claim[0] = '\0';
		holder_text(held, holder, sizeof(holder), note, sizeof(note));
		snprintf(error, error_size, "%s: another flashsim%s is running on"
			 " the sale keys of tag {%s} (its claim key %s%s; runs at"
			 " the same time on one Redis database need different"
			 " --tag values), or one on another machine was killed"
			 " before it ended: wait for it, or remove the key"
			 " (redis-cli %sDEL '%s')", where, holder, sale->tag,
			 runner->claim_key, note, cli, runner->claim_key);
		return EXIT_USAGE;
	}
	claim_taken(runner);
	if (runner->options.flush) {
		found = other_live_claim(runner, key, sizeof(key), held);
		if (found < 0)
			goto out_redis_error;
		if (found > 0) {
			release_claim(runner);
			holder_text(held, holder, sizeof(holder), note,
				    sizeof(note));
			snprintf(error, error_size, "%s: --flush would empty the"
				 " keys of another flashsim%s, running on this"
				 " database (its claim key %s%s): FLUSHDB empties"
				 " every tag's; wait for it, or give each run its"
				 " own --tag and no --flush", where, holder, key,
				 note);
			return EXIT_USAGE;
		}
		if (flush_and_claim(runner) != 0)
			goto out_redis_error;
		return 0;
	}
	found = sale_key_left(runner, sale, key);
	if (found < 0)
		goto out_redis_error;
	if (found > 0) {
		release_claim(runner);
		/* The due set is the tag's: another --activity finds it too. */
		snprintf(error, error_size, "%s already holds keys of sale"
			 " {%s} activity %" PRIu64 " (%s); pass --flush to empty"
			 " that database first, or choose another --tag%s",
			 where, sale->tag, sale->activity, key,
			 found == 2 ? "" : " or --activity");
		return EXIT_USAGE;
	}
	return 0;
out_redis_error:
	snprintf(error, error_size, "%s", runner->redis.error);
	rc = refused_by_users_redis(runner, error, error_size);
	/* a refused command (an ACL without FLUSHDB) leaves the connection
	 * working: the claim is given back, not left to block the next run */
	release_claim(runner);
	return rc;
}

/* Whether the run's claim on a Redis of the user's is still its own: a
 * flashsim that emptied the database (--flush) or took the sale during
 * the run would make the final state another run's. */
static int check_claim(struct runner *runner, char *error, size_t error_size)
{
	char value[RUNNER_CLAIM_MAX];
	int found = 0;
	if (!runner->claim[0])
		return 0;
	if (claim_get(runner, runner->claim_key, value, &found) != 0) {
		snprintf(error, error_size, "%s", runner->redis.error);
		return EXIT_INTERNAL;
	}
	if (found && strcmp(value, runner->claim) == 0)
		return 0;
	snprintf(error, error_size, "Redis at %s was emptied or taken by"
		 " another client during the run (its claim key %s %s): the"
		 " final state is not this run's alone; run one flashsim per"
		 " Redis database and sale", runner->redis.address,
		 runner->claim_key, found ? "holds another run's token" :
		 "is gone");
	return EXIT_INTERNAL;
}

void runner_replay(const struct runner *runner,
		   const struct sim_config *config,
		   const struct sim_result *result, char *replay,
		   size_t replay_size)
{
	report_replay_run(&runner->options, config, &result->fired, replay,
			  replay_size);
}

/* After an internal error in a run with no event stored: its row and
 * what it wrote are dropped; when that fails too, error says the row
 * stays. */
static void drop_eventless_run(struct runner *runner, int64_t run_id,
			    char *error, size_t error_size)
{
	size_t used = strlen(error);
	if (tracedb_drop_run(runner->db, run_id) == 0 || used >= error_size)
		return;
	snprintf(error + used, error_size - used, "; and its row in the trace"
		 " database (run %" PRId64 ", verdict NULL) could not be"
		 " dropped: %s", run_id, tracedb_error(runner->db));
}

/* runner_run, once the Redis is ready (clean_redis). */
static int run_ready(struct runner *runner, const struct sim_config *config,
		     const char *command, struct sim_result *result,
		     int64_t *run_id, char *replay, size_t replay_size,
		     char *error, size_t error_size)
{
	char plan[PLAN_FORMAT_MAX];
	struct trace trace;
	struct sim_env env;
	struct tracedb_run run;
	int64_t unkept;
	int rc;
	if (config->variant != runner->scripts_of &&
	    use_scripts(runner, config->variant, error, error_size) != 0)
		return refused_by_users_redis(runner, error, error_size);
	if (order_db_reset(&runner->orders) != 0) {
		snprintf(error, error_size, "order database %s: %s",
			 runner->orders_path, runner->orders.error);
		return EXIT_INTERNAL;
	}
	fault_plan_format(&config->plan, plan, sizeof(plan));
	run = (struct tracedb_run){ command, runner->options.scenario ?
				    runner->options.scenario : "",
				    config->seed, plan,
				    config->users, config->stock, config->apps,
				    config->coordinators, config->sale.activity,
				    config->sale.tag,
				    config->variant == VARIANT_NONE ? "" :
				    variant_get(config->variant)->name };
	if (!run_id)
		run_id = &unkept;
	if (tracedb_begin_run(runner->db, &run, run_id) != 0) {
		snprintf(error, error_size, "%s",
			 tracedb_error(runner->db));
		return EXIT_INTERNAL;
	}
	trace_init(&trace, runner->options.timeline, runner->options.timeline_all);
	trace.progress = runner->options.progress;
	/* The events of a run not kept are never read (the invariants see the
	 * final state, not the events): only their digest is kept. Storing
	 * them was a third of the explorer's instructions. */
	if (run_id == &unkept)
		trace_attach_unstored(&trace, runner->db, *run_id);
	else
		trace_attach(&trace, runner->db, *run_id);
	env = (struct sim_env){ &runner->redis, &runner->orders, &trace,
				&runner->invariants,
				runner->server.dir[0] ? restart_redis : NULL,
				runner, redis_restart_keeps(&runner->server) };
	runner->runs++;
	rc = sim_run(config, &env, result, error, error_size) != 0 ?
	     (result->invariant_failed ? EXIT_USAGE :
	      result->stock_refused ?
	      refused_by_users_redis(runner, error, error_size) :
	      EXIT_INTERNAL) :
	     check_claim(runner, error, error_size);
	if (rc != 0) {
		/* A run kept stays with verdict NULL and its events (the
		 * trace's word for an internal error). One with no event
		 * stored (a run not kept never stores one) would read as a
		 * flashsim that died mid-run (docs/TRACE.md): it goes. */
		if (run_id == &unkept || trace.lines == 0)
			drop_eventless_run(runner, *run_id, error, error_size);
		return rc;
	}
	runner_replay(runner, config, result, replay, replay_size);
	/* Not kept: undone while still open, which costs next to nothing;
	 * deleting it once committed cost the explorer a seventh of its
	 * time. */
	if (run_id == &unkept ?
	    tracedb_drop_run(runner->db, unkept) != 0 :
	    tracedb_end_run(runner->db, *run_id, result, replay) != 0) {
		snprintf(error, error_size, "%s",
			 tracedb_error(runner->db));
		return EXIT_INTERNAL;
	}
	return 0;
}

void runner_explain_dead_server(struct runner *runner, char *error,
				size_t error_size)
{
	char note[1024];
	size_t used = strlen(error);
	/* Wait only when the connection was lost: a server still up after
	 * a trace error, say, would make every such error wait. */
	bool lost = !runner->redis.context || runner->redis.context->err != 0;
	if (!redis_server_died(&runner->server, lost ? 2000 : 0, note,
			       sizeof(note)))
		return;
	if (used < error_size)
		snprintf(error + used, error_size - used, "; %s", note);
}

int runner_run(struct runner *runner, const struct sim_config *config,
	       const char *command, struct sim_result *result,
	       int64_t *run_id, char *replay, size_t replay_size, char *error,
	       size_t error_size)
{
	int rc = clean_redis(runner, &config->sale, error, error_size);
	if (rc == 0) {
		if (runner->options.timeline && runner->options.timeline_header)
			fputs(runner->options.timeline_header,
			      runner->options.timeline);
		rc = run_ready(runner, config, command, result, run_id,
			       replay, replay_size, error, error_size);
		release_claim(runner);
	}
	if (rc == EXIT_INTERNAL)
		runner_explain_dead_server(runner, error, error_size);
	return rc;
}

int runner_commands(struct runner *runner, uint64_t *commands, char *error,
		    size_t error_size)
{
	redisReply *reply = redisCommand(runner->redis.context, "INFO stats");
	const char *field;
	int rc = -1;
	if (reply && reply->type == REDIS_REPLY_STRING &&
	    (field = strstr(reply->str, "total_commands_processed:")) != NULL) {
		*commands = (uint64_t)(runner->commands_offset + (int64_t)
			strtoull(field + strlen("total_commands_processed:"),
				 NULL, 10));
		rc = 0;
	} else if (!reply) {
		snprintf(error, error_size, "redis %s: INFO stats: %s",
			 runner->redis.address, runner->redis.context->errstr);
		runner_explain_dead_server(runner, error, error_size);
	} else {
		snprintf(error, error_size, "redis %s: INFO stats: no command"
			 " count", runner->redis.address);
	}
	if (reply)
		freeReplyObject(reply);
	return rc;
}

double runner_ping_seconds(struct runner *runner, int count)
{
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; i < count; i++) {
		redisReply *reply = redisCommand(runner->redis.context, "PING");
		if (!reply)
			return -1;
		freeReplyObject(reply);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	return (double)(end.tv_sec - start.tv_sec) +
	       (double)(end.tv_nsec - start.tv_nsec) / 1e9;
}
