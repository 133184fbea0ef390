/*
 * bench_reference.c - the reference rates of the bench: Debian's
 * redis-benchmark run against the same server and socket (see bench.h).
 *
 * The deduction reference calls core/lua/deduct.lua by the SHA the bench's
 * connection loaded, on a stock key of its own tag set to 0 and a barrier
 * key that does not exist: the script checks the barrier, reads the stock,
 * answers SOLD_OUT and writes nothing, the design's "bare Lua call".
 */
#include "bench.h"
#include "redis_server.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barrier.h"

/* The tag of the reference's keys, apart from any sale the bench runs. */
#define REFERENCE_TAG "bench-ref"
#define REFERENCE_CLIENTS "20"
#define REFERENCE_PIPELINE "16"
/* A redis-benchmark run that prints nothing for this long is stuck. */
#define REFERENCE_SILENCE_MS 120000
#define REFERENCE_OUTPUT_MAX 8192
#define REFERENCE_READS_MAX 100000
#define REFERENCE_ARGS_MAX 24
#define REFERENCE_FIELDS_MAX 16

static const char *const reference_names[BENCH_REF_COUNT] = {
	[BENCH_REF_EVALSHA] = "EVALSHA deduct (sold out), 20 clients",
	[BENCH_REF_EVALSHA_P16] = "EVALSHA deduct (sold out), 20 clients, -P 16",
	[BENCH_REF_PING] = "PING, 20 clients",
	[BENCH_REF_PING_ONE] = "PING, 1 client",
};

const char *bench_reference_name(enum bench_reference_id id)
{
	return id < BENCH_REF_COUNT ? reference_names[id] : "?";
}

/* Splits one CSV line of redis-benchmark ("a","b",...) into its fields, in
 * place. Returns the number of fields. */
static int csv_fields(char *line, char *fields[REFERENCE_FIELDS_MAX])
{
	int count = 0;
	char *field = line;
	if (*field == '"')
		field++;
	while (count < REFERENCE_FIELDS_MAX) {
		char *end = strstr(field, "\",\"");
		fields[count++] = field;
		if (!end)
			break;
		*end = '\0';
		field = end + 3;
	}
	if (count > 0) {
		char *last = fields[count - 1];
		size_t length = strcspn(last, "\"\r\n");
		last[length] = '\0';
	}
	return count;
}

/* Reads requests/s and the p50 latency from the --csv output: a header line
 * naming the columns (redis-benchmark 6 and later), then one line. */
static int parse_csv(char *text, struct bench_reference *ref)
{
	char *fields[REFERENCE_FIELDS_MAX];
	int p50_column = -1;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int count = csv_fields(line, fields);
		if (count >= 2 && strcmp(fields[0], "test") == 0) {
			for (int i = 0; i < count; i++)
				if (strcmp(fields[i], "p50_latency_ms") == 0)
					p50_column = i;
			continue;
		}
		if (count < 2)
			continue;
		char *end;
		double rate = strtod(fields[1], &end);
		if (end == fields[1] || rate <= 0)
			continue;
		ref->requests_per_s = rate;
		if (p50_column >= 0 && p50_column < count)
			ref->latency_ms_p50 = strtod(fields[p50_column], NULL);
		ref->measured = true;
		return 0;
	}
	return -1;
}

/* Starts program with its output on out_fd (our end of the pipe, close_fd,
 * closed in it), its input and errors on /dev/null. posix_spawn, not fork:
 * a fork would leave every page of the bench write-protected, and the
 * workload that follows a reference would take a fault on each page it
 * writes (the bench holds some 60 MB). Returns 0 or an errno. */
static int start_child(const char *program, char *const argv[], int out_fd,
		       int close_fd, pid_t *pid)
{
	posix_spawn_file_actions_t actions;
	int rc = posix_spawn_file_actions_init(&actions);
	if (rc != 0)
		return rc;
	rc = posix_spawn_file_actions_addclose(&actions, close_fd);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO,
						      "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&actions, STDERR_FILENO,
						      "/dev/null", O_WRONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&actions, out_fd,
						      STDOUT_FILENO);
	if (rc == 0)
		rc = posix_spawn(pid, program, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	return rc;
}

/* Reads the child's output until it closes it; false when it went silent
 * for too long. */
static bool read_output(int fd, char *out, size_t size)
{
	size_t used = 0;
	char discard[512];
	for (int i = 0; i < REFERENCE_READS_MAX; i++) {
		struct pollfd poll_fd = { fd, POLLIN, 0 };
		int ready = poll(&poll_fd, 1, REFERENCE_SILENCE_MS);
		ssize_t n;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return false;
		if (used + 1 < size)
			n = read(fd, out + used, size - 1 - used);
		else
			n = read(fd, discard, sizeof(discard));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < size)
			used += (size_t)n;
	}
	out[used] = '\0';
	return true;
}

/* Runs redis-benchmark with argv and parses its --csv output into ref. */
static void run_benchmark(const char *program, char *const argv[],
			  struct bench_reference *ref)
{
	char output[REFERENCE_OUTPUT_MAX];
	int pipe_fds[2], status = 0, rc;
	bool finished;
	pid_t pid;
	if (pipe(pipe_fds) != 0) {
		snprintf(ref->error, sizeof(ref->error), "pipe: %s",
			 strerror(errno));
		return;
	}
	rc = start_child(program, argv, pipe_fds[1], pipe_fds[0], &pid);
	close(pipe_fds[1]);
	if (rc != 0) {
		snprintf(ref->error, sizeof(ref->error), "cannot start %.80s:"
			 " %s", program, strerror(rc));
		close(pipe_fds[0]);
		return;
	}
	finished = read_output(pipe_fds[0], output, sizeof(output));
	close(pipe_fds[0]);
	if (!finished)
		kill(pid, SIGKILL); /* our own child, stuck */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!finished)
		snprintf(ref->error, sizeof(ref->error), "redis-benchmark"
			 " printed nothing for %d s", REFERENCE_SILENCE_MS / 1000);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		snprintf(ref->error, sizeof(ref->error), "redis-benchmark"
			 " failed (status %d)", status);
	else if (parse_csv(output, ref) != 0)
		snprintf(ref->error, sizeof(ref->error), "no rate in the output"
			 " of redis-benchmark");
}

struct reference_args {
	char *argv[REFERENCE_ARGS_MAX];
	int count;
	char requests[24];
	char key_count[8];
	char host[REDIS_ADDRESS_MAX];
};

static void args_add(struct reference_args *args, const char *arg)
{
	assert(args->count < REFERENCE_ARGS_MAX - 1);
	args->argv[args->count++] = (char *)arg;
	args->argv[args->count] = NULL;
}

/* redis-benchmark's options for the server, the clients and the number of
 * requests; the command follows. */
static void args_start(struct reference_args *args, const char *program,
		       const char *address, const char *clients, int requests)
{
	memset(args, 0, sizeof(*args));
	args_add(args, program);
	if (strncmp(address, "unix:", 5) == 0) {
		args_add(args, "-s");
		args_add(args, address + 5);
	} else {
		const char *colon = strrchr(address, ':');
		assert(colon);
		snprintf(args->host, sizeof(args->host), "%.*s",
			 (int)(colon - address), address);
		args_add(args, "-h");
		args_add(args, args->host);
		args_add(args, "-p");
		args_add(args, colon + 1);
	}
	snprintf(args->requests, sizeof(args->requests), "%d", requests);
	args_add(args, "-c");
	args_add(args, clients);
	args_add(args, "-n");
	args_add(args, args->requests);
	args_add(args, "--csv");
}

static void args_deduct(struct reference_args *args, const char *sha,
			const struct redis_call *call)
{
	snprintf(args->key_count, sizeof(args->key_count), "%d",
		 call->key_count);
	args_add(args, "EVALSHA");
	args_add(args, sha);
	args_add(args, args->key_count);
	for (int i = 0; i < call->key_count; i++)
		args_add(args, call->keys[i]);
	for (int i = 0; i < call->arg_count; i++)
		args_add(args, call->args[i]);
}

/* The protocol's own deduction call, on a sold-out stock key of the
 * reference's tag; checks that it answers SOLD_OUT, as the reference
 * means to measure. */
static int prepare_deduct(struct redis_conn *redis, struct redis_call *call,
			  char *error, size_t error_size)
{
	struct sale sale;
	struct outcome outcome;
	char key[KEY_MAX], gid[GID_MAX];
	int64_t ignored;
	sale_defaults(&sale);
	snprintf(sale.tag, sizeof(sale.tag), "%s", REFERENCE_TAG);
	sale_gid(&sale, 0, gid);
	barrier_deduct(call, &sale, gid);
	sale_stock_key(&sale, key);
	if (redis_command_integer(redis, &ignored, "SET %s 0", key) != 0)
		return -1;
	sale_barrier_key(gid, key);
	if (redis_command_integer(redis, &ignored, "DEL %s", key) != 0 ||
	    redis_run(redis, call, &outcome) != 0)
		return -1;
	if (outcome.result != RESULT_OK || outcome.code != CODE_SOLD_OUT)
		snprintf(error, error_size, "the deduction answered %s, not"
			 " SOLD_OUT", code_name(outcome.code));
	return 0;
}

static int run_references(struct redis_conn *redis, int requests,
			  int only, struct bench_reference refs[BENCH_REF_COUNT])
{
	static const struct {
		bool deduct;
		const char *clients;
		const char *pipeline;
		int requests_scale_percent;
	} plan[BENCH_REF_COUNT] = {
		[BENCH_REF_EVALSHA] = { true, REFERENCE_CLIENTS, NULL, 100 },
		[BENCH_REF_EVALSHA_P16] = { true, REFERENCE_CLIENTS,
					    REFERENCE_PIPELINE, 500 },
		[BENCH_REF_PING] = { false, REFERENCE_CLIENTS, NULL, 100 },
		[BENCH_REF_PING_ONE] = { false, "1", NULL, 25 },
	};
	struct reference_args args;
	struct redis_call call;
	char program[256], deduct_error[160] = "", sha[41];
	assert(requests > 0);
	memset(refs, 0, sizeof(*refs) * BENCH_REF_COUNT);
	if (prepare_deduct(redis, &call, deduct_error,
			   sizeof(deduct_error)) != 0 ||
	    redis_script_sha(redis, SCRIPT_DEDUCT, sha) != 0)
		return -1;
	for (int id = 0; id < BENCH_REF_COUNT; id++) {
		struct bench_reference *ref = &refs[id];
		int count = (int)((int64_t)requests *
				  plan[id].requests_scale_percent / 100);
		if (only >= 0 && id != only)
			continue;
		if (redis_find_program("redis-benchmark",
				       "FLASHSIM_REDIS_BENCHMARK", program,
				       sizeof(program)) != 0) {
			snprintf(ref->error, sizeof(ref->error), "redis-benchmark"
				 " not found (Debian package redis-tools)");
			continue;
		}
		if (plan[id].deduct && deduct_error[0]) {
			snprintf(ref->error, sizeof(ref->error), "%s",
				 deduct_error);
			continue;
		}
		args_start(&args, program, redis->address, plan[id].clients,
			   count > 0 ? count : 1);
		if (plan[id].pipeline) {
			args_add(&args, "-P");
			args_add(&args, plan[id].pipeline);
		}
		if (plan[id].deduct)
			args_deduct(&args, sha, &call);
		else
			args_add(&args, "PING");
		run_benchmark(program, args.argv, ref);
	}
	return 0;
}

int bench_reference_run(struct redis_conn *redis, int requests,
			struct bench_reference refs[BENCH_REF_COUNT])
{
	return run_references(redis, requests, -1, refs);
}

int bench_reference_run_one(struct redis_conn *redis, int requests,
			    enum bench_reference_id id,
			    struct bench_reference *ref)
{
	struct bench_reference refs[BENCH_REF_COUNT];
	int rc = run_references(redis, requests, (int)id, refs);
	*ref = refs[id];
	return rc;
}
