/*
 * cmd_bench.c - `flashsim bench`: the load benchmark through the real core,
 * with redis-benchmark's rates on the same server as the reference.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "bench.h"
#include "commands.h"
#include "redis_server.h"
#include "runner.h"
#include "sim.h"
#include "tracedb.h"
#include "whole_file.h"

#define BENCH_OUT_DEFAULT "build/bench.txt"

/* The private server the bench started (none with --redis), so that a
 * workload that lost its connection can say whether the server died. */
static struct redis_server *private_server;

/* Requests of each unpipelined reference run (a few seconds each). */
#define BENCH_REFERENCE_REQUESTS 200000

struct workload {
	const char *name;
	int users;
	int64_t stock;
	bool fast_path;            /* the sold-out fast path (an optimisation) */
};

static const struct workload workloads[] = {
	{ "reject", 300000, 0, false },   /* the design's own benchmark */
	{ "buy", 100000, 10000, false },  /* orders through the coordinator */
	{ "mixed", 300000, 1000, false },
	{ "reject-fast", 300000, 0, true },
	{ "mixed-fast", 300000, 1000, true },
};
#define WORKLOAD_COUNT (int)(sizeof(workloads) / sizeof(workloads[0]))

struct bench_options {
	bool selected[WORKLOAD_COUNT];
	int inflight;
	int users;              /* 0: each workload's own */
	const char *redis;
	bool flush;
	bool reference;
	int rounds;             /* of the reject workload, with the reference */
	const char *out;
	const char *json;       /* NULL: no JSON file */
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: flashsim bench [options]\n"
"\n"
"Runs load through the real protocol code (the step machines of core/),\n"
"back to back against a live Redis and SQLite in real time, with many\n"
"requests in flight and their Redis calls pipelined as they appear. After each\n"
"workload the final state is read back and checked: stock deducted ==\n"
"orders, nothing oversold, no transaction left open, users told success ==\n"
"orders. redis-benchmark on the same server, before and after the\n"
"workloads, gives the reference rates (EVALSHA of the bare deduction\n"
"script on a sold-out key, unpipelined and -P 16; PING).\n"
"\n"
"Workloads (each on a fresh sale and a fresh order database):\n"
"  reject   stock 0, 300000 users: every request is rejected\n"
"  buy      stock 10000, 100000 users: orders created in SQLite\n"
"  mixed    stock 1000, 300000 users\n"
"  reject-fast, mixed-fast  the same with the sold-out fast path, an\n"
"           optimisation proven by `flashsim explore --sold-out-fast-path`\n"
"\n"
"Options:\n"
"  --workload NAME        reject, buy, mixed, reject-fast, mixed-fast or all\n"
"                         (default all; repeatable)\n"
"  --inflight N           user requests in flight at once (default %d)\n"
"  --users N              users of every workload, instead of its own\n"
"  --redis ADDRESS        use this Redis (HOST:PORT or unix:PATH) instead\n"
"                         of starting a private redis-server (its database\n"
"                         0); needs --flush\n"
"  --flush                FLUSHDB that Redis before every workload\n"
"  --no-reference         do not run redis-benchmark\n"
"  --rounds N             run the reject workload N times, alternating with\n"
"                         the unpipelined EVALSHA reference; its target is\n"
"                         judged on the median round (default %d, at most\n"
"                         %d; once with --no-reference)\n"
"  --out FILE             write the table to FILE too (default %s)\n"
"  --json FILE            write the figures to FILE as one JSON object\n"
"  -h, --help             this help\n"
"\n"
"Exit codes: 0 ok, 1 a check failed after a workload, 3 internal error,\n"
"64 bad input. Speed targets are reported, never an exit code.\n",
		BENCH_INFLIGHT_DEFAULT, BENCH_ROUNDS_DEFAULT, BENCH_ROUNDS_MAX,
		BENCH_OUT_DEFAULT);
}

static int bad_input(const char *message, const char *value)
{
	fprintf(stderr, "flashsim: %s '%s'\n(see flashsim bench --help)\n",
		message, value);
	return EXIT_USAGE;
}

static int parse_count(const char *option, const char *text, int high,
		       int *value)
{
	char *end;
	long number;
	errno = 0;
	number = strtol(text, &end, 10);
	if (errno || end == text || *end || number < 1 || number > high) {
		fprintf(stderr, "flashsim: %s: expected a whole number in 1..%d,"
			" got '%s'\n(see flashsim bench --help)\n", option,
			high, text);
		return EXIT_USAGE;
	}
	*value = (int)number;
	return 0;
}

static int select_workload(struct bench_options *options, const char *name)
{
	bool all = strcmp(name, "all") == 0, found = all;
	for (int w = 0; w < WORKLOAD_COUNT; w++) {
		if (all || strcmp(name, workloads[w].name) == 0) {
			options->selected[w] = true;
			found = true;
		}
	}
	return found ? 0 : bad_input("--workload: expected reject, buy, mixed,"
				     " reject-fast, mixed-fast or all, got", name);
}

enum {
	OPT_WORKLOAD = 1000, OPT_INFLIGHT, OPT_USERS, OPT_REDIS, OPT_FLUSH,
	OPT_NO_REFERENCE, OPT_ROUNDS, OPT_OUT, OPT_JSON,
};

static const struct option bench_long_options[] = {
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "inflight", required_argument, NULL, OPT_INFLIGHT },
	{ "users", required_argument, NULL, OPT_USERS },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "flush", no_argument, NULL, OPT_FLUSH },
	{ "no-reference", no_argument, NULL, OPT_NO_REFERENCE },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Creates the directory of path (one level) when it is missing. */
static void make_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return; /* opening the file will say why */
}

/* Returns 0, or an exit code (-1: --help was printed). */
static int parse_bench_options(int argc, char **argv,
			       struct bench_options *options)
{
	bool any = false;
	int option, rc = 0;
	memset(options, 0, sizeof(*options));
	options->inflight = BENCH_INFLIGHT_DEFAULT;
	options->reference = true;
	options->rounds = BENCH_ROUNDS_DEFAULT;
	options->out = BENCH_OUT_DEFAULT;
	optind = 1;
	opterr = 0;
	while (rc == 0 && (option = getopt_long(argc, argv, "h",
						bench_long_options, NULL)) != -1) {
		switch (option) {
		case 'h': usage(stdout); return -1;
		case OPT_WORKLOAD:
			rc = select_workload(options, optarg);
			any = true;
			break;
		case OPT_INFLIGHT:
			rc = parse_count("--inflight", optarg, BENCH_INFLIGHT_MAX,
					 &options->inflight);
			break;
		case OPT_USERS:
			rc = parse_count("--users", optarg, BENCH_USERS_MAX,
					 &options->users);
			break;
		case OPT_REDIS:
			if (redis_address_check(optarg) != 0)
				return bad_input("--redis: expected HOST:PORT or"
						 " unix:PATH, got", optarg);
			options->redis = optarg;
			break;
		case OPT_FLUSH: options->flush = true; break;
		case OPT_NO_REFERENCE: options->reference = false; break;
		case OPT_ROUNDS:
			rc = parse_count("--rounds", optarg, BENCH_ROUNDS_MAX,
					 &options->rounds);
			break;
		case OPT_OUT: options->out = optarg; break;
		case OPT_JSON: options->json = optarg; break;
		default:
			return bad_input("unknown or incomplete option",
					 argv[optind - 1]);
		}
	}
	if (rc == 0 && optind < argc)
		return bad_input("unexpected argument", argv[optind]);
	if (rc == 0 && options->redis && !options->flush) {
		fprintf(stderr, "flashsim: --redis %s: every workload needs a"
			" fresh sale; pass --flush to let the bench empty that"
			" database (FLUSHDB) before each\n", options->redis);
		return EXIT_USAGE;
	}
	if (rc == 0 && !options->out[0])
		return bad_input("--out: expected a path, got", "");
	if (rc == 0 && options->json && !options->json[0])
		return bad_input("--json: expected a path, got", "");
	if (rc == 0 && !any)
		rc = select_workload(options, "all");
	if (rc == 0) { /* written at the end: refused now, not after the run */
		char error[4400];
		/* build/ of the default; a directory given is the user's */
		if (strcmp(options->out, BENCH_OUT_DEFAULT) == 0)
			make_parent_dir(options->out);
		if (options->json && whole_file_apart("--out", options->out,
						      "--json", options->json,
						      error,
						      sizeof(error)) != 0) {
			fprintf(stderr, "flashsim: %s\n", error);
			rc = EXIT_USAGE;
		} else if (whole_file_check(options->out, error,
					    sizeof(error)) != 0 ||
			   (options->json && whole_file_check(options->json,
							      error,
							      sizeof(error)) != 0)) {
			/* error names the path, and why */
			fprintf(stderr, "flashsim: cannot write %s\n(see flashsim"
				" bench --help)\n", error);
			rc = EXIT_USAGE;
		}
	}
	return rc;
}

/* ---- the machine and the server ---------------------------------------- */

static void describe_machine(char *out, size_t size)
{
	char line[512], model[256] = "unknown CPU";
	FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
	for (int i = 0; cpuinfo && i < 100000 && fgets(line, sizeof(line),
							cpuinfo); i++) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		snprintf(model, sizeof(model), "%.*s",
			 (int)strcspn(colon, "\n"), colon);
		break;
	}
	if (cpuinfo)
		fclose(cpuinfo);
	snprintf(out, size, "%ld CPUs (nproc), %.200s",
		 sysconf(_SC_NPROCESSORS_ONLN), model);
}

static void describe_redis(struct redis_conn *redis, char *out, size_t size)
{
	redisReply *reply = redisCommand(redis->context, "INFO server");
	const char *field;
	snprintf(out, size, "?");
	if (reply && reply->type == REDIS_REPLY_STRING &&
	    (field = strstr(reply->str, "redis_version:")) != NULL) {
		field += strlen("redis_version:");
		snprintf(out, size, "%.*s", (int)strcspn(field, "\r\n"), field);
	}
	if (reply)
		freeReplyObject(reply);
}

/* A private directory for the order databases when the server is not ours,
 * in memory when /dev/shm is there: the bench measures the protocol, not
 * the disk. (With a server of our own, its directory serves: it is in
 * /dev/shm unless TMPDIR says otherwise, and it is removed even when
 * flashsim is stopped by a signal.) */
static int make_workdir(char *dir, size_t size)
{
	const char *base = "/dev/shm";
	struct stat st;
	if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(base, W_OK) != 0) {
		base = getenv("TMPDIR");
		if (!base || !*base)
			base = "/tmp";
	}
	snprintf(dir, size, "%s/flashsim-bench-XXXXXX", base);
	if (mkdtemp(dir))
		return 0;
	fprintf(stderr, "flashsim: cannot create %s: %s\n", dir,
		strerror(errno));
	dir[0] = '\0';
	return -1;
}

/* CPU seconds of Redis's main thread so far (Redis 6.2 and later), or of
 * the whole server; -1 when INFO does not say. */
static double redis_cpu_seconds(struct redis_conn *redis)
{
	static const char *const fields[][2] = {
		{ "used_cpu_user_main_thread:", "used_cpu_sys_main_thread:" },
		{ "used_cpu_user:", "used_cpu_sys:" },
	};
	redisReply *reply = redisCommand(redis->context, "INFO cpu");
	double seconds = -1;
	for (int f = 0; f < 2 && reply && reply->type == REDIS_REPLY_STRING &&
			seconds < 0; f++) {
		const char *user = strstr(reply->str, fields[f][0]);
		const char *sys = strstr(reply->str, fields[f][1]);
		if (user && sys)
			seconds = strtod(user + strlen(fields[f][0]), NULL) +
				  strtod(sys + strlen(fields[f][1]), NULL);
	}
	if (reply)
		freeReplyObject(reply);
	return seconds;
}

static double client_cpu_seconds(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
	       (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* ---- one workload ------------------------------------------------------ */

/* Runs workload w on a flushed Redis and a fresh order database. Returns 0
 * (the result says whether the checks held) or EXIT_INTERNAL. */
static int run_workload(const struct bench_options *options, int w,
			struct redis_conn *redis, const char *workdir,
			struct bench_row *row)
{
	double redis_start_s, client_start_s;
	struct bench_config config;
	struct order_db orders;
	char path[PATH_MAX + 32], error[512];
	int64_t ignored;
	int rc = EXIT_INTERNAL;
	bench_config_defaults(&config);
	config.users = options->users ? options->users : workloads[w].users;
	config.stock = workloads[w].stock;
	config.sale.sold_out_fast_path = workloads[w].fast_path;
	config.inflight = options->inflight;
	snprintf(path, sizeof(path), "%s/orders-%s.db", workdir,
		 workloads[w].name);
	if (redis_command_integer(redis, &ignored, "FLUSHDB") != 0) {
		fprintf(stderr, "flashsim: %s\n", redis->error);
		return EXIT_INTERNAL;
	}
	if (order_db_open(&orders, path, true) != 0) {
		fprintf(stderr, "flashsim: order database %s: %s\n", path,
			orders.error);
		goto out_close;
	}
	fprintf(stderr, "flashsim bench: %s: %d users, stock %" PRId64
		", %d in flight\n", workloads[w].name, config.users,
		config.stock, config.inflight);
	redis_start_s = redis_cpu_seconds(redis);
	client_start_s = client_cpu_seconds();
	rc = bench_run(&config, redis, &orders, &row->result, error,
		       sizeof(error));
	row->name = workloads[w].name;
	row->client_cpu_s = client_cpu_seconds() - client_start_s;
	row->redis_cpu_s = redis_cpu_seconds(redis) - redis_start_s;
	row->redis_cpu_known = redis_start_s >= 0 && row->redis_cpu_s >= 0;
	if (rc != 0) {
		char note[1024];
		rc = EXIT_INTERNAL;
		fprintf(stderr, "flashsim bench: %s: internal error, no"
			" verdict: %s\n", workloads[w].name, error);
		/* A lost connection to the private server: why, if it died. */
		if (private_server &&
		    redis_server_died(private_server, redis->context &&
				      redis->context->err ? 2000 : 0, note,
				      sizeof(note)))
			fprintf(stderr, "flashsim bench: %s\n", note);
		goto out_close;
	}
	rc = 0;
out_close:
	order_db_close(&orders);
	tracedb_remove_files(path); /* and its -wal, -shm, -journal */
	return rc;
}

/* ---- the table file ---------------------------------------------------- */

/* Writes text to path, whole or not at all (whole_file.h), and says so
 * on stderr. Returns 0 or EXIT_INTERNAL. */
static int write_whole(const char *path, const char *what, const char *text)
{
	struct whole_file file;
	char error[4400];
	int rc = 0;
	if (whole_file_open(&file, path, error, sizeof(error)) != 0) {
		rc = EXIT_INTERNAL;
	} else {
		fputs(text, file.out);
		if (whole_file_close(&file, true, error, sizeof(error)) != 0)
			rc = EXIT_INTERNAL;
	}
	if (rc == 0)
		fprintf(stderr, "flashsim bench: %s written to %s\n", what, path);
	else
		fprintf(stderr, "flashsim: cannot write %s\n", error);
	return rc;
}

/* Prints the table and writes it to the --out file, and the figures to
 * the --json file when one was given. Returns 0 or EXIT_INTERNAL. */
static int write_table(const struct bench_options *options,
		       const struct bench_table *table)
{
	char *text = NULL, *json = NULL;
	size_t size = 0, json_size = 0;
	FILE *memory = open_memstream(&text, &size);
	FILE *json_memory = options->json ?
			    open_memstream(&json, &json_size) : NULL;
	int rc = 0;
	if (!memory || (options->json && !json_memory)) {
		fprintf(stderr, "flashsim: out of memory for the table\n");
		if (memory)
			fclose(memory);
		free(text);
		return EXIT_INTERNAL;
	}
	bench_table_print(memory, table);
	fclose(memory);
	fputs(text, stdout);
	fflush(stdout);
	rc = write_whole(options->out, "table", text);
	if (json_memory) {
		bench_table_json(json_memory, table);
		fclose(json_memory);
		if (write_whole(options->json, "figures (JSON)", json) != 0)
			rc = EXIT_INTERNAL;
	}
	free(text);
	free(json);
	return rc;
}

/* The reject workload, options->rounds times, each round between two runs
 * of the unpipelined EVALSHA reference; the median round becomes the
 * reject row of the table. Returns 0 or EXIT_INTERNAL. */
static int run_reject_rounds(const struct bench_options *options, int w,
			     struct redis_conn *redis, const char *workdir,
			     struct bench_table *table)
{
	int rc = 0;
	table->rounds = 0;
	if (bench_reference_run_one(redis, BENCH_REFERENCE_REQUESTS,
				    BENCH_REF_EVALSHA,
				    &table->beside_reject[0]) != 0)
		rc = EXIT_INTERNAL;
	for (int r = 0; r < options->rounds && rc == 0; r++) {
		if (options->rounds > 1)
			fprintf(stderr, "flashsim bench: reject, round %d of"
				" %d\n", r + 1, options->rounds);
		rc = run_workload(options, w, redis, workdir,
				  &table->reject_rounds[r]);
		if (rc != 0)
			break;
		table->rounds = r + 1;
		if (bench_reference_run_one(redis, BENCH_REFERENCE_REQUESTS,
					    BENCH_REF_EVALSHA,
					    &table->beside_reject[r + 1]) != 0)
			rc = EXIT_INTERNAL;
	}
	if (rc == EXIT_INTERNAL && redis->error[0])
		fprintf(stderr, "flashsim: %s\n", redis->error);
	if (rc == 0)
		table->rows[table->row_count] =
			table->reject_rounds[bench_median_round(table)];
	return rc;
}

/* ---- the command -------------------------------------------------------- */

static int bench_all(const struct bench_options *options,
		     struct redis_conn *redis, const char *workdir,
		     struct bench_table *table)
{
	int rc = 0, written;
	describe_machine(table->machine, sizeof(table->machine));
	describe_redis(redis, table->redis_version,
		       sizeof(table->redis_version));
	snprintf(table->address, sizeof(table->address), "%s", redis->address);
	table->inflight = options->inflight;
	table->functions = redis->functions;
	table->reference = options->reference;
	if (options->reference) {
		fprintf(stderr, "flashsim bench: reference: redis-benchmark\n");
		if (bench_reference_run(redis, BENCH_REFERENCE_REQUESTS,
					table->refs) != 0) {
			fprintf(stderr, "flashsim: %s\n", redis->error);
			return EXIT_INTERNAL;
		}
	}
	for (int w = 0; w < WORKLOAD_COUNT && rc == 0; w++) {
		if (!options->selected[w])
			continue;
		assert(table->row_count < BENCH_ROWS_MAX);
		if (options->reference && strcmp(workloads[w].name, "reject") == 0)
			rc = run_reject_rounds(options, w, redis, workdir, table);
		else
			rc = run_workload(options, w, redis, workdir,
					  &table->rows[table->row_count]);
		if (rc == 0)
			table->row_count++;
	}
	if (options->reference && table->row_count > 0) {
		fprintf(stderr, "flashsim bench: reference again\n");
		if (bench_reference_run(redis, BENCH_REFERENCE_REQUESTS,
					table->refs_after) != 0) {
			fprintf(stderr, "flashsim: %s\n", redis->error);
			rc = EXIT_INTERNAL;
		}
	}
	written = write_table(options, table);
	for (int i = 0; i < table->row_count && rc == 0; i++)
		if (!table->rows[i].result.ok)
			rc = EXIT_VIOLATION;
	for (int r = 0; r < table->rounds && rc == 0; r++)
		if (!table->reject_rounds[r].result.ok)
			rc = EXIT_VIOLATION;
	return rc != 0 ? rc : written;
}

int command_bench(int argc, char **argv, const char *program)
{
	static struct bench_table table;
	struct bench_options options;
	struct redis_server server;
	struct redis_conn redis;
	char error[512], workdir[PATH_MAX] = "";
	int rc = parse_bench_options(argc, argv, &options);
	(void)program;
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	memset(&server, 0, sizeof(server));
	memset(&table, 0, sizeof(table));
	redis_server_install_cleanup();
	if (!options.redis &&
	    redis_server_start(&server, error, sizeof(error)) != 0) {
		fprintf(stderr, "flashsim: cannot start Redis: %s\n", error);
		return EXIT_INTERNAL;
	}
	if (redis_conn_open_as(&redis, options.redis ? options.redis :
			       server.address, 10000, options.redis ?
			       getenv("FLASHSIM_REDIS_USER") : NULL,
			       options.redis ? getenv("FLASHSIM_REDIS_PASSWORD") :
			       NULL) != 0) {
		fprintf(stderr, "flashsim: cannot use Redis: %s\n", redis.error);
		rc = options.redis ? EXIT_USAGE : EXIT_INTERNAL;
		goto out_close;
	}
	if (options.redis)
		runner_warn_eviction(&redis);
	if (!options.redis)
		snprintf(workdir, sizeof(workdir), "%s", server.dir);
	else if (make_workdir(workdir, sizeof(workdir)) != 0) {
		rc = EXIT_INTERNAL;
		goto out_close;
	}
	if (!options.redis)
		private_server = &server;
	rc = bench_all(&options, &redis, workdir, &table);
	private_server = NULL;
	if (options.redis)
		rmdir(workdir);
out_close:
	redis_conn_close(&redis);
	redis_server_stop(&server);
	return rc;
}
