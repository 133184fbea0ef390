/*
 * bench_table.c - the bench's table: the references, each workload's
 * rates and latencies, where the time goes, the ratios and the target
 * (see bench.h).
 */
#include "bench.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static double per_second(double count, double seconds)
{
	return seconds > 0 ? count / seconds : 0;
}

static double requests_per_s(const struct bench_row *row)
{
	return per_second(row->result.users, row->result.wall_s);
}

static double measured_rate(const struct bench_reference *ref)
{
	return ref->measured ? ref->requests_per_s : 0;
}

static double higher(double a, double b)
{
	return a > b ? a : b;
}

/* The highest rate of a reference's runs (before and after the
 * workloads, and for EVALSHA beside the reject workload too); 0 when none
 * was measured. */
static double reference_rate(const struct bench_table *table, int id)
{
	double rate = higher(measured_rate(&table->refs[id]),
			     measured_rate(&table->refs_after[id]));
	if (id == BENCH_REF_EVALSHA)
		rate = higher(rate, higher(
			measured_rate(&table->beside_reject[0]),
			measured_rate(&table->beside_reject[1])));
	return rate;
}

static void print_rate(FILE *out, const struct bench_reference *ref)
{
	if (ref->measured)
		fprintf(out, " %9.0f", ref->requests_per_s);
	else
		fprintf(out, " %9s", "-");
}

static void print_header(FILE *out, const struct bench_table *table)
{
	fprintf(out, "flashsim bench: %s; Redis %s at %s\n", table->machine,
		table->redis_version, table->address);
	fprintf(out, "full protocol, no fault: prepare, deduct, then submit or"
		" abort, one script call\neach (%s), plus branch_done and one"
		" SQL transaction\nper order; %d requests in flight, the Redis"
		" calls pipelined on one connection\nas they appear\n\n",
		table->functions ? "FCALL of a Redis function" :
				   "EVALSHA: no functions on this server",
		table->inflight);
}

static void print_references(FILE *out, const struct bench_table *table)
{
	if (!table->reference) {
		fprintf(out, "reference: not run (--no-reference)\n\n");
		return;
	}
	fprintf(out, "reference: redis-benchmark on the same server and socket,"
		" run before and after\nthe workloads (EVALSHA also beside the"
		" reject workload, below); ratios\nbelow use the highest rate"
		"\n%-47s %9s %9s %7s\n", "", "before", "after", "p50 ms");
	for (int id = 0; id < BENCH_REF_COUNT; id++) {
		const struct bench_reference *ref = &table->refs[id];
		const struct bench_reference *after = &table->refs_after[id];
		fprintf(out, "  %-45s", bench_reference_name(id));
		print_rate(out, ref);
		print_rate(out, after);
		if (ref->measured)
			fprintf(out, " %7.3f\n", ref->latency_ms_p50);
		else
			fprintf(out, "  (%s)\n", ref->error);
	}
	fputc('\n', out);
}

static void print_workloads(FILE *out, const struct bench_table *table)
{
	fprintf(out, "%-11s %7s %6s %6s %6s %10s %8s %6s %6s %9s %5s %s\n",
		"workload", "users", "stock", "orders", "wall s", "requests/s",
		"orders/s", "p50 ms", "p99 ms", "calls/s", "calls", "check");
	for (int i = 0; i < table->row_count; i++) {
		const struct bench_result *r = &table->rows[i].result;
		char orders_per_s[24] = "-";
		if (r->orders > 0)
			snprintf(orders_per_s, sizeof(orders_per_s), "%.0f",
				 per_second((double)r->orders,
					    r->orders_wall_s));
		fprintf(out, "%-11s %7d %6" PRId64 " %6" PRId64 " %6.2f %10.0f"
			" %8s %6.1f %6.1f %9.0f %5.2f %s\n", table->rows[i].name,
			r->users, r->stock_initial, r->orders, r->wall_s,
			requests_per_s(&table->rows[i]), orders_per_s,
			r->latency_ms_p50, r->latency_ms_p99,
			per_second((double)r->redis_commands, r->wall_s),
			(double)r->redis_commands / r->users,
			r->ok ? "ok" : "FAILED");
	}
	for (int i = 0; i < table->row_count; i++) {
		if (!table->rows[i].result.ok)
			fprintf(out, "%s: check FAILED: %s\n", table->rows[i].name,
				table->rows[i].result.problem);
		if (table->rows[i].result.rerun > 0)
			fprintf(out, "%s: %" PRIu64 " calls found their script"
				" or function unknown (the server lost\nthem) and"
				" ran again\n",
				table->rows[i].name, table->rows[i].result.rerun);
	}
	fprintf(out, "(calls: script calls per request; latency: a request's first"
		" step to its reply;\norders/s: orders until the last one was"
		" committed, while stock lasted)\n");
}

/* Where the time goes: CPU time per request of Redis's main thread and of
 * this process, against the wall time per request. */
static void print_costs(FILE *out, const struct bench_table *table)
{
	fprintf(out, "\n%-11s %9s %10s %13s %11s\n", "per request", "wall us",
		"Redis CPU", "flashsim CPU", "Redis busy");
	for (int i = 0; i < table->row_count; i++) {
		const struct bench_row *row = &table->rows[i];
		const struct bench_result *r = &row->result;
		char redis_us[24] = "-", busy[24] = "-";
		if (row->redis_cpu_known) {
			snprintf(redis_us, sizeof(redis_us), "%.1f",
				 row->redis_cpu_s * 1e6 / r->users);
			snprintf(busy, sizeof(busy), "%.0f%%",
				 100 * per_second(row->redis_cpu_s, r->wall_s));
		}
		fprintf(out, "%-11s %9.1f %10s %13.1f %11s\n", row->name,
			r->wall_s * 1e6 / r->users, redis_us,
			row->client_cpu_s * 1e6 / r->users, busy);
	}
	fprintf(out, "(CPU microseconds per request: Redis's main thread from"
		" INFO cpu, flashsim's\ndriver and machines from getrusage;"
		" busy: Redis CPU / wall)\n");
}

static void print_ratios(FILE *out, const struct bench_table *table)
{
	static const char *const heads[BENCH_REF_COUNT] = {
		[BENCH_REF_EVALSHA] = "EVALSHA",
		[BENCH_REF_EVALSHA_P16] = "EVALSHA -P16",
		[BENCH_REF_PING] = "PING",
		[BENCH_REF_PING_ONE] = "PING 1 client",
	};
	if (!table->reference)
		return;
	fprintf(out, "\nrequests/s as a multiple of each reference's"
		" requests/s\n%-11s", "workload");
	for (int id = 0; id < BENCH_REF_COUNT; id++)
		fprintf(out, " %14s", heads[id]);
	fputc('\n', out);
	for (int i = 0; i < table->row_count; i++) {
		fprintf(out, "%-11s", table->rows[i].name);
		for (int id = 0; id < BENCH_REF_COUNT; id++) {
			double rate = reference_rate(table, id);
			if (rate > 0)
				fprintf(out, " %13.2fx",
					requests_per_s(&table->rows[i]) / rate);
			else
				fprintf(out, " %14s", "-");
		}
		fputc('\n', out);
	}
}

static const struct bench_row *find_row(const struct bench_table *table,
					const char *name)
{
	for (int i = 0; i < table->row_count; i++)
		if (strcmp(table->rows[i].name, name) == 0)
			return &table->rows[i];
	return NULL;
}

/* The targets for the reject workload, when both were measured:
 * 1.0x the unpipelined EVALSHA rate with the full protocol, 2.0x with
 * optimisations the explorer has proven (the sold-out fast path: explore
 * with --sold-out-fast-path, docs/PERFORMANCE.md). */
static void print_target(FILE *out, const struct bench_table *table)
{
	double rate = reference_rate(table, BENCH_REF_EVALSHA);
	const struct bench_row *reject = find_row(table, "reject");
	const struct bench_row *fast = find_row(table, "reject-fast");
	double ratio;
	if (!table->reference || rate <= 0)
		return;
	if (reject) {
		double beside = higher(measured_rate(&table->beside_reject[0]),
				       measured_rate(&table->beside_reject[1]));
		if (beside > 0)
			fprintf(out, "\nreject beside its own EVALSHA reference,"
				" run right before and after it\n(%.0f and"
				" %.0f/s): %.2fx the higher\n",
				measured_rate(&table->beside_reject[0]),
				measured_rate(&table->beside_reject[1]),
				requests_per_s(reject) / beside);
		ratio = requests_per_s(reject) / rate;
		fprintf(out, "%starget: reject >= 1.0x the unpipelined EVALSHA"
			" rate, full protocol: %s (%.2fx)\n", beside > 0 ? "" : "\n",
			ratio >= 1.0 ? "met" : "NOT met", ratio);
	}
	if (fast) {
		ratio = requests_per_s(fast) / rate;
		fprintf(out, "target: reject >= 2.0x with the sold-out fast path"
			" (explorer-proven): %s (%.2fx)\n",
			ratio >= 2.0 ? "met" : "NOT met", ratio);
	}
}

void bench_table_print(FILE *out, const struct bench_table *table)
{
	print_header(out, table);
	print_references(out, table);
	print_workloads(out, table);
	print_costs(out, table);
	print_ratios(out, table);
	print_target(out, table);
}
