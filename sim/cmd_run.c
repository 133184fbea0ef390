/*
 * cmd_run.c - `flashsim run`: one simulated flash sale, judged.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "redis_server.h"
#include "report.h"
#include "sim.h"

struct run_options {
	struct sim_config config;
	const char *orders_db;
	const char *redis;
	bool flush;
	bool json;
	bool timeline;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: flashsim run [options]\n"
"\n"
"Runs a flash sale through the real protocol code against a live Redis and\n"
"SQLite, in a deterministic simulated world, then reads the final state\n"
"back and judges it: stock deducted must equal orders created.\n"
"\n"
"The sale:\n"
"  --users N              users, one purchase request each (default 10)\n"
"  --stock S              initial stock (default 4)\n"
"  --activity ID          activity id (default 1)\n"
"  --tag TAG              Redis Cluster hash tag of the sale's keys (default a)\n"
"  --apps K               app instances (default 2)\n"
"  --coordinators M       coordinator instances (default 1)\n"
"  --seed X               seed of every choice the simulator makes (default 1)\n"
"  --arrival-ms MS        users arrive within this window (default 1000)\n"
"  --timeout-to-fail-ms MS  age at which a prepared transaction is\n"
"                         backchecked (default 3000)\n"
"  --cron-interval-ms MS  idle interval of the coordinator's loop (default 1000)\n"
"\n"
"Faults:\n"
"  --fault POINT@N:crash  crash the actor at the Nth hit of POINT (repeatable).\n"
"                         A point is a step name followed by /before (the\n"
"                         effect is about to happen) or /after (its outcome\n"
"                         came back): e.g. app/deduct/after. Steps:\n");
	for (int s = 0; s < STEP_COUNT; s++)
		fprintf(out, "      %-20s %s\n", step_name(s), step_description(s));
	fprintf(out,
"\n"
"State and output:\n"
"  --redis ADDRESS        use this Redis (HOST:PORT or unix:PATH) instead of\n"
"                         starting a private redis-server\n"
"  --flush                FLUSHDB that Redis first (never done without it)\n"
"  --orders-db FILE       keep the order database in FILE (its orders and\n"
"                         barrier tables are emptied at start)\n"
"  --timeline             print every step, not only the highlights\n"
"  --json                 print one JSON object instead of the text report\n"
"  -h, --help             this help\n"
"\n"
"Exit codes: 0 ok, 1 invariant violation, 2 liveness failure (did not\n"
"quiesce), 3 internal error (no verdict), 64 bad input.\n");
}

static int bad_input(const char *format, const char *a, const char *b)
{
	fprintf(stderr, "flashsim: ");
	fprintf(stderr, format, a, b);
	fprintf(stderr, "\n(see flashsim run --help)\n");
	return EXIT_USAGE;
}

static int parse_number(const char *option, const char *text, int64_t low,
			int64_t high, int64_t *value)
{
	char *end;
	long long number;
	errno = 0;
	number = strtoll(text, &end, 10);
	if (errno || end == text || *end || number < low || number > high) {
		char range[64];
		snprintf(range, sizeof(range), "%" PRId64 "..%" PRId64, low, high);
		fprintf(stderr, "flashsim: %s: expected a whole number in %s,"
			" got '%s'\n", option, range, text);
		return -1;
	}
	*value = number;
	return 0;
}

enum {
	OPT_USERS = 1000, OPT_STOCK, OPT_SEED, OPT_APPS, OPT_COORDINATORS,
	OPT_ACTIVITY, OPT_TAG, OPT_ORDERS_DB, OPT_REDIS, OPT_FLUSH, OPT_JSON,
	OPT_TIMELINE, OPT_FAULT, OPT_ARRIVAL, OPT_TIMEOUT_TO_FAIL, OPT_CRON,
};

static const struct option run_long_options[] = {
	{ "users", required_argument, NULL, OPT_USERS },
	{ "stock", required_argument, NULL, OPT_STOCK },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "apps", required_argument, NULL, OPT_APPS },
	{ "coordinators", required_argument, NULL, OPT_COORDINATORS },
	{ "activity", required_argument, NULL, OPT_ACTIVITY },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "orders-db", required_argument, NULL, OPT_ORDERS_DB },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "flush", no_argument, NULL, OPT_FLUSH },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "arrival-ms", required_argument, NULL, OPT_ARRIVAL },
	{ "timeout-to-fail-ms", required_argument, NULL, OPT_TIMEOUT_TO_FAIL },
	{ "cron-interval-ms", required_argument, NULL, OPT_CRON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parses one numeric option into its place in the config. */
static int parse_numeric_option(int option, const char *text,
				struct sim_config *config)
{
	int64_t v;
	const char *name = NULL;
	for (const struct option *o = run_long_options; o->name; o++)
		if (o->val == option)
			name = o->name;
	switch (option) {
	case OPT_USERS:
		if (parse_number("--users", text, 1, 10000000, &v))
			return -1;
		config->users = (int)v;
		return 0;
	case OPT_STOCK:
		return parse_number("--stock", text, 0, INT64_MAX / 2,
				    &config->stock);
	case OPT_SEED:
		if (parse_number("--seed", text, 0, INT64_MAX, &v))
			return -1;
		config->seed = (uint64_t)v;
		return 0;
	case OPT_APPS:
		if (parse_number("--apps", text, 1, 64, &v))
			return -1;
		config->apps = (int)v;
		return 0;
	case OPT_COORDINATORS:
		if (parse_number("--coordinators", text, 1, 64, &v))
			return -1;
		config->coordinators = (int)v;
		return 0;
	case OPT_ACTIVITY:
		if (parse_number("--activity", text, 0, INT64_MAX, &v))
			return -1;
		config->sale.activity = (uint64_t)v;
		return 0;
	case OPT_ARRIVAL:
		return parse_number("--arrival-ms", text, 0, 86400000,
				    &config->arrival_ms);
	case OPT_TIMEOUT_TO_FAIL:
		return parse_number("--timeout-to-fail-ms", text, 1, 86400000,
				    &config->sale.timeout_to_fail_ms);
	case OPT_CRON:
		return parse_number("--cron-interval-ms", text, 1, 86400000,
				    &config->sale.cron_interval_ms);
	}
	fprintf(stderr, "flashsim: %s: not a numeric option\n",
		name ? name : "?");
	return -1;
}

/* Returns 0, or an exit code. */
static int parse_run_options(int argc, char **argv, struct run_options *options)
{
	char error[256];
	int option;
	memset(options, 0, sizeof(*options));
	sim_config_defaults(&options->config);
	optind = 1;
	opterr = 0;
	while ((option = getopt_long(argc, argv, "h", run_long_options,
				     NULL)) != -1) {
		switch (option) {
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_TAG:
			if (!sale_tag_valid(optarg))
				return bad_input("--tag: expected 1-31 letters,"
						 " digits, '_', '-' or '.', got '%s'%s",
						 optarg, "");
			snprintf(options->config.sale.tag, TAG_MAX, "%s", optarg);
			break;
		case OPT_ORDERS_DB:
			options->orders_db = optarg;
			break;
		case OPT_REDIS:
			if (redis_address_check(optarg) != 0)
				return bad_input("--redis: expected HOST:PORT or"
						 " unix:PATH, got '%s'%s", optarg, "");
			options->redis = optarg;
			break;
		case OPT_FLUSH:
			options->flush = true;
			break;
		case OPT_JSON:
			options->json = true;
			break;
		case OPT_TIMELINE:
			options->timeline = true;
			break;
		case OPT_FAULT:
			if (fault_plan_add(&options->config.plan, optarg, error,
					   sizeof(error)) != 0)
				return bad_input("%s%s", error, "");
			break;
		case '?':
			return bad_input("unknown or incomplete option '%s'%s",
					 argv[optind - 1], "");
		default:
			if (parse_numeric_option(option, optarg,
						 &options->config) != 0)
				return EXIT_USAGE;
			break;
		}
	}
	if (optind < argc)
		return bad_input("unexpected argument '%s'%s", argv[optind], "");
	if (sim_config_check(&options->config, error, sizeof(error)) != 0)
		return bad_input("%s%s", error, "");
	return 0;
}

/* With a Redis we did not start: flush it when told to, else refuse to
 * run over the keys of an earlier sale. */
static int prepare_redis(struct redis_conn *redis, const struct run_options *options)
{
	const struct sale *sale = &options->config.sale;
	char stock[KEY_MAX], due[KEY_MAX], gid[GID_MAX], txn[KEY_MAX];
	int64_t existing;
	if (options->flush) {
		if (redis_command_integer(redis, &existing, "FLUSHDB") != 0) {
			fprintf(stderr, "flashsim: %s\n", redis->error);
			return EXIT_INTERNAL;
		}
		return 0;
	}
	sale_stock_key(sale, stock);
	sale_due_key(sale, due);
	sale_gid(sale, 1, gid);
	sale_txn_key(gid, txn);
	if (redis_command_integer(redis, &existing, "EXISTS %s %s %s", stock,
				  due, txn) != 0) {
		fprintf(stderr, "flashsim: %s\n", redis->error);
		return EXIT_INTERNAL;
	}
	if (existing > 0) {
		fprintf(stderr, "flashsim: Redis at %s already holds keys of sale"
			" {%s} activity %" PRIu64 " (e.g. %s); pass --flush to"
			" empty that database first, or choose another --tag or"
			" --activity\n", redis->address, sale->tag, sale->activity,
			stock);
		return EXIT_USAGE;
	}
	return 0;
}

static int run_sale(const struct run_options *options, const char *program,
		    const char *workdir, struct redis_conn *redis)
{
	struct order_db orders;
	struct trace trace;
	struct sim_result result;
	char path[PATH_MAX], error[512], replay[4096];
	int rc = prepare_redis(redis, options);
	if (rc != 0)
		return rc;
	if (options->orders_db)
		snprintf(path, sizeof(path), "%s", options->orders_db);
	else
		snprintf(path, sizeof(path), "%s/orders.db", workdir);
	if (order_db_open(&orders, path, true) != 0) {
		fprintf(stderr, "flashsim: order database %s: %s\n", path,
			orders.error);
		order_db_close(&orders);
		return options->orders_db ? EXIT_USAGE : EXIT_INTERNAL;
	}
	report_replay_command(program, &options->config, replay, sizeof(replay));
	if (!options->json)
		printf("flashsim run: seed %" PRIu64 ", %d users, stock %" PRId64
		       ", apps %d, coordinators %d\ntimeline (virtual ms;"
		       " %s):\n", options->config.seed, options->config.users,
		       options->config.stock, options->config.apps,
		       options->config.coordinators,
		       options->timeline ? "every step" :
					   "highlights, --timeline for every step");
	trace_init(&trace, options->json ? NULL : stdout, options->timeline);
	rc = sim_run(&options->config, redis, &orders, &trace, &result, error,
		     sizeof(error));
	order_db_close(&orders);
	if (rc != 0) {
		fflush(stdout);
		fprintf(stderr, "flashsim: internal error, no verdict: %s\n"
			"replay: %s\n", error, replay);
		return EXIT_INTERNAL;
	}
	if (options->json)
		report_json(stdout, &options->config, &result, replay);
	else
		report_text(stdout, &options->config, &result, replay);
	switch (result.verdict) {
	case VERDICT_OK: return EXIT_VERDICT_OK;
	case VERDICT_VIOLATION: return EXIT_VIOLATION;
	case VERDICT_LIVENESS: return EXIT_LIVENESS;
	}
	return EXIT_INTERNAL;
}

int command_run(int argc, char **argv, const char *program)
{
	struct run_options options;
	struct redis_server server;
	struct redis_conn redis;
	char error[512];
	const char *address;
	int rc = parse_run_options(argc, argv, &options);
	if (rc != 0)
		return rc;
	memset(&server, 0, sizeof(server));
	redis_server_install_cleanup();
	if (!options.redis) {
		if (redis_server_start(&server, error, sizeof(error)) != 0) {
			fprintf(stderr, "flashsim: cannot start Redis: %s\n", error);
			return EXIT_INTERNAL;
		}
		address = server.address;
	} else {
		address = options.redis;
		/* A private directory for the order database. */
		snprintf(server.dir, sizeof(server.dir), "%s/flashsim-XXXXXX",
			 getenv("TMPDIR") && *getenv("TMPDIR") ?
			 getenv("TMPDIR") : "/tmp");
		if (!options.orders_db && !mkdtemp(server.dir)) {
			fprintf(stderr, "flashsim: cannot create %s: %s\n",
				server.dir, strerror(errno));
			return EXIT_INTERNAL;
		}
		if (options.orders_db)
			server.dir[0] = '\0';
	}
	if (redis_conn_open(&redis, address, 10000) != 0) {
		fprintf(stderr, "flashsim: cannot use Redis: %s\n", redis.error);
		rc = options.redis ? EXIT_USAGE : EXIT_INTERNAL;
	} else {
		rc = run_sale(&options, program, server.dir, &redis);
	}
	redis_conn_close(&redis);
	fflush(stdout);
	redis_server_stop(&server);
	return rc;
}
