/*
 * bench_check.c - the bench's settings, its latency percentiles and the
 * check of a workload's final state (see bench.h).
 */
#include "bench.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_config_defaults(struct bench_config *config)
{
	memset(config, 0, sizeof(*config));
	sale_defaults(&config->sale);
	config->users = 1;
	config->stock = 0;
	config->inflight = BENCH_INFLIGHT_DEFAULT;
}

int bench_config_check(const struct bench_config *config, char *error,
		       size_t error_size)
{
	const char *bad = NULL;
	if (config->users < 1 || config->users > BENCH_USERS_MAX)
		bad = "users must be between 1 and 10000000";
	else if (config->inflight < 1 || config->inflight > BENCH_INFLIGHT_MAX)
		bad = "inflight must be between 1 and 100000";
	else if (config->stock < 0 || config->stock > INT64_MAX / 2)
		bad = "stock must be 0 or more";
	else if (!sale_tag_valid(config->sale.tag))
		bad = "tag must be 1-31 characters of letters, digits, '_', '-', '.'";
	if (bad)
		snprintf(error, error_size, "%s", bad);
	return bad ? -1 : 0;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void bench_latency_percentiles(uint32_t *latency_us, size_t count,
			       struct bench_result *result)
{
	assert(count > 0);
	qsort(latency_us, count, sizeof(*latency_us), compare_u32);
	result->latency_ms_p50 = latency_us[(count - 1) * 50 / 100] / 1000.0;
	result->latency_ms_p99 = latency_us[(count - 1) * 99 / 100] / 1000.0;
	result->latency_ms_max = latency_us[count - 1] / 1000.0;
}

void bench_judge(struct bench_result *r)
{
	int64_t expected = r->stock_initial < r->users ? r->stock_initial :
							 r->users;
	const char *problem = NULL;
	char detail[160];
	if (r->stock_left < 0)
		problem = "oversold: stock left is below 0";
	else if (r->stock_initial - r->stock_left != r->orders)
		problem = "stock deducted != orders";
	else if (r->due != 0)
		problem = "transactions left open in the due set";
	else if (r->told[TOLD_SUCCESS] != r->orders)
		problem = "users told success != orders";
	else if (r->told[TOLD_UNKNOWN] != 0 || r->told[TOLD_NOTHING] != 0)
		problem = "users told unknown, or nothing, with no fault injected";
	else if (r->orders != expected)
		problem = "orders != min(stock, users)";
	r->ok = problem == NULL;
	r->problem[0] = '\0';
	if (!problem)
		return;
	snprintf(detail, sizeof(detail), "stock %" PRId64 " -> %" PRId64
		 ", orders %" PRId64 ", due %" PRId64 ", told success %" PRId64
		 " rejected %" PRId64 " unknown %" PRId64, r->stock_initial,
		 r->stock_left, r->orders, r->due, r->told[TOLD_SUCCESS],
		 r->told[TOLD_REJECTED], r->told[TOLD_UNKNOWN]);
	snprintf(r->problem, sizeof(r->problem), "%s (%s)", problem, detail);
}

int bench_check(const struct bench_config *config, struct redis_conn *redis,
		struct order_db *orders, struct bench_result *result,
		char *error, size_t error_size)
{
	char key[KEY_MAX];
	int found = 0;
	sale_stock_key(&config->sale, key);
	if (redis_get_integer(redis, key, &result->stock_left, &found) != 0)
		goto out_redis;
	if (!found) {
		snprintf(error, error_size, "stock key %s is gone", key);
		return -1;
	}
	result->orders = order_db_count(orders, config->sale.activity);
	if (result->orders < 0) {
		snprintf(error, error_size, "order database %s: %s",
			 order_db_file(orders), orders->error);
		return -1;
	}
	sale_due_key(&config->sale, key);
	if (redis_command_integer(redis, &result->due, "ZCARD %s", key) != 0)
		goto out_redis;
	bench_judge(result);
	return 0;

out_redis:
	snprintf(error, error_size, "%s", redis->error);
	return -1;
}
