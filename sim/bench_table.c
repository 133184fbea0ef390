/*
 * bench_table.c - the bench's table: the references, each workload's
 * rates and latencies, where the time goes, the ratios and the target
 * (see bench.h).
 */
#include "bench.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

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
 * workloads, and for EVALSHA between the rounds of the reject workload
 * too); 0 when none was measured. */
static double reference_rate(const struct bench_table *table, int id)
{
	double rate = higher(measured_rate(&table->refs[id]),
			     measured_rate(&table->refs_after[id]));
	if (id == BENCH_REF_EVALSHA)
		for (int r = 0; r < table->rounds + 1 && r <= BENCH_ROUNDS_MAX;
		     r++)
			rate = higher(rate,
				      measured_rate(&table->beside_reject[r]));
	return rate;
}

/* The higher of the two EVALSHA references run right before and right
 * after round r of the reject workload; 0 when neither was measured. */
static double beside_round(const struct bench_table *table, int r)
{
	return higher(measured_rate(&table->beside_reject[r]),
		      measured_rate(&table->beside_reject[r + 1]));
}

/* Round r of the reject workload against the higher of the two EVALSHA
 * references run right before and right after it; 0 when neither was
 * measured. */
static double round_ratio(const struct bench_table *table, int r)
{
	double beside = beside_round(table, r);
	return beside > 0 ?
	       requests_per_s(&table->reject_rounds[r]) / beside : 0;
}

int bench_median_round(const struct bench_table *table)
{
	int order[BENCH_ROUNDS_MAX];
	int count = table->rounds < BENCH_ROUNDS_MAX ? table->rounds :
						       BENCH_ROUNDS_MAX;
	if (count <= 1)
		return 0;
	for (int r = 0; r < count; r++) {
		int i = r;
		for (; i > 0 && round_ratio(table, order[i - 1]) >
				round_ratio(table, r); i--)
			order[i] = order[i - 1];
		order[i] = r;
	}
	return order[(count - 1) / 2];
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
		" run before and after\nthe workloads (EVALSHA also between the"
		" rounds of the reject workload,\nbelow); ratios below use the"
		" highest rate"
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
	for (int r = 0; r < table->rounds; r++)
		if (!table->reject_rounds[r].result.ok &&
		    r != bench_median_round(table))
			fprintf(out, "reject, round %d of %d: check FAILED: %s\n",
				r + 1, table->rounds,
				table->reject_rounds[r].result.problem);
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
			/* INFO's counters and the wall clock are not
			 * read at the same instants: a workload of a few
			 * milliseconds can read above 100 % */
			if (r->wall_s >= 0.1)
				snprintf(busy, sizeof(busy), "%.0f%%", 100 *
					 per_second(row->redis_cpu_s, r->wall_s));
		}
		fprintf(out, "%-11s %9.1f %10s %13.1f %11s\n", row->name,
			r->wall_s * 1e6 / r->users, redis_us,
			row->client_cpu_s * 1e6 / r->users, busy);
	}
	fprintf(out, "(CPU microseconds per request: Redis's main thread from"
		" INFO cpu, flashsim's\ndriver and machines from getrusage;"
		" busy: Redis CPU / wall,\n- for a workload under 0.1 s, too"
		" short to tell)\n");
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

/* The rounds of the reject workload, each between two runs of the
 * unpipelined EVALSHA reference, with each round's ratio to the higher of
 * its two neighbours. */
static void print_rounds(FILE *out, const struct bench_table *table)
{
	int median = bench_median_round(table);
	fprintf(out, "\nreject and the unpipelined EVALSHA reference,"
		" alternating (%d round%s; each\nround against the higher of"
		" the references run right before and after it)\n",
		table->rounds, table->rounds == 1 ? "" : "s");
	fprintf(out, "  %-10s", "EVALSHA");
	for (int r = 0; r <= table->rounds; r++)
		print_rate(out, &table->beside_reject[r]);
	fprintf(out, "\n  %-15s", "reject");
	for (int r = 0; r < table->rounds; r++)
		fprintf(out, " %9.0f", requests_per_s(&table->reject_rounds[r]));
	fprintf(out, "\n  %-15s", "ratio");
	for (int r = 0; r < table->rounds; r++)
		fprintf(out, " %8.2fx", round_ratio(table, r));
	fprintf(out, "\n");
	if (table->rounds > 1)
		fprintf(out, "  median: round %d, %.2fx (its row is the reject"
			" row above)\n", median + 1,
			round_ratio(table, median));
}

/* The targets for the reject workload, when both were measured:
 * 1.0x the unpipelined EVALSHA rate with the full protocol, 2.0x with
 * optimisations the explorer has proven (the sold-out fast path: explore
 * with --sold-out-fast-path, docs/PERFORMANCE.md). The full-protocol
 * verdict is the median round's ratio to its neighbouring references:
 * the machine's load moves both rates by a third within a minute, so a
 * reference measured at another moment would decide it as much as the
 * workload does. The ratio to the highest reference of the whole run is
 * given beside it. */
/* A ratio beside its verdict, "0.94x": with two digits, or three when
 * two would put it onto the goal it misses or barely meets ("NOT met
 * (1.00x)" for 0.997x); a miss is cut, not rounded, so that it never
 * reads as the goal (0.9996x is "0.999x"). */
static void verdict_ratio(double ratio, double goal, char *text, size_t size)
{
	int digits = fabs(ratio - goal) < 0.005 ? 3 : 2;
	if (ratio < goal && digits == 3)
		ratio = floor(ratio * 1000) / 1000;
	snprintf(text, size, "%.*fx", digits, ratio);
}

/* How far the full-protocol target is within reach on this server: the
 * ratio, against the references beside the median round, of a request
 * that made as many script calls as a rejected one and whose every call
 * cost Redis what the bare deduction costs pipelined (the -P 16
 * reference's rate divided by the calls). An estimate, not a bound:
 * the protocol's calls write, and append to the append-only file, which
 * the sold-out deduction does not; the bench's one connection pipelines
 * deeper than -P 16. Where it is below 1.0, what keeps the reject
 * workload from the target is the number of calls, not their cost
 * (docs/PERFORMANCE.md, "Where the target is out of reach"). 0 when a
 * figure is missing. */
static double calls_reach(const struct bench_table *table,
			  const struct bench_row *reject)
{
	double beside = beside_round(table, bench_median_round(table));
	double pipelined = reference_rate(table, BENCH_REF_EVALSHA_P16);
	double calls = reject->result.users > 0 ?
		       (double)reject->result.redis_commands /
		       reject->result.users : 0;
	if (beside <= 0 || pipelined <= 0 || calls <= 0)
		return 0;
	return pipelined / calls / beside;
}

static void print_reach(FILE *out, const struct bench_table *table,
			const struct bench_row *reject)
{
	double reach = calls_reach(table, reject);
	if (reach <= 0)
		return;
	fprintf(out, "(on this server, %.2f script calls a request, each as"
		" cheap for Redis as the\nbare deduction pipelined (-P 16),"
		" would make about %.2fx%s)\n",
		(double)reject->result.redis_commands / reject->result.users,
		reach, reach < 1.0 ? ": the target is out of reach" : "");
}

static void print_target(FILE *out, const struct bench_table *table)
{
	double rate = reference_rate(table, BENCH_REF_EVALSHA);
	const struct bench_row *reject = find_row(table, "reject");
	const struct bench_row *fast = find_row(table, "reject-fast");
	char beside[32], against[32], shown[32];
	double ratio;
	if (!table->reference || rate <= 0)
		return;
	if (reject && table->rounds > 0) {
		double highest = requests_per_s(reject) / rate;
		print_rounds(out, table);
		ratio = round_ratio(table, bench_median_round(table));
		if (ratio <= 0)
			fprintf(out, "target: reject >= 1.0x the unpipelined"
				" EVALSHA rate, full protocol: not judged (the"
				" references\nbeside the rounds were not measured;"
				" %.2fx the highest reference of the run)\n",
				highest);
		else {
			verdict_ratio(ratio, 1.0, beside, sizeof(beside));
			verdict_ratio(highest, 1.0, against, sizeof(against));
			fprintf(out, "target: reject >= 1.0x the unpipelined"
				" EVALSHA rate, full protocol: %s\n(%s the"
				" references beside it%s; %s the highest"
				" reference of the run)\n",
				ratio >= 1.0 ? "met" : "NOT met", beside,
				table->rounds > 1 ? ", median round" : "",
				against);
			print_reach(out, table, reject);
		}
	}
	if (fast) {
		ratio = requests_per_s(fast) / rate;
		verdict_ratio(ratio, 2.0, shown, sizeof(shown));
		fprintf(out, "target: reject >= 2.0x with the sold-out fast path"
			" (explorer-proven): %s (%s)\n",
			ratio >= 2.0 ? "met" : "NOT met", shown);
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

/* ---- the same figures as one JSON object -------------------------------- */

static const char *const reference_keys[BENCH_REF_COUNT] = {
	[BENCH_REF_EVALSHA] = "evalsha",
	[BENCH_REF_EVALSHA_P16] = "evalsha_p16",
	[BENCH_REF_PING] = "ping",
	[BENCH_REF_PING_ONE] = "ping_one_client",
};

/* A rate, or null when it was not measured. */
static void json_rate(FILE *out, const struct bench_reference *ref)
{
	if (ref->measured)
		fprintf(out, "%.0f", ref->requests_per_s);
	else
		fprintf(out, "null");
}

static void json_references(FILE *out, const struct bench_table *table)
{
	fprintf(out, ",\"references\":{");
	for (int id = 0; id < BENCH_REF_COUNT; id++) {
		fprintf(out, "%s\"%s\":{\"name\":", id ? "," : "",
			reference_keys[id]);
		report_json_string(out, bench_reference_name(id));
		fprintf(out, ",\"before\":");
		json_rate(out, &table->refs[id]);
		fprintf(out, ",\"after\":");
		json_rate(out, &table->refs_after[id]);
		fprintf(out, ",\"highest\":");
		if (reference_rate(table, id) > 0)
			fprintf(out, "%.0f", reference_rate(table, id));
		else
			fprintf(out, "null");
		fprintf(out, "}");
	}
	fprintf(out, "}");
}

static void json_row(FILE *out, const struct bench_table *table,
		     const struct bench_row *row)
{
	const struct bench_result *r = &row->result;
	fprintf(out, "{\"name\":");
	report_json_string(out, row->name);
	fprintf(out, ",\"users\":%d,\"stock\":%" PRId64 ",\"orders\":%"
		PRId64 ",\"wall_s\":%.3f,\"requests_per_s\":%.0f",
		r->users, r->stock_initial, r->orders, r->wall_s,
		requests_per_s(row));
	if (r->orders > 0)
		fprintf(out, ",\"orders_per_s\":%.0f",
			per_second((double)r->orders, r->orders_wall_s));
	else
		fprintf(out, ",\"orders_per_s\":null");
	fprintf(out, ",\"latency_ms\":{\"p50\":%.2f,\"p99\":%.2f,"
		"\"max\":%.2f},\"calls_per_request\":%.3f",
		r->latency_ms_p50, r->latency_ms_p99, r->latency_ms_max,
		(double)r->redis_commands / r->users);
	fprintf(out, ",\"cpu_us_per_request\":{\"redis\":");
	if (row->redis_cpu_known)
		fprintf(out, "%.2f", row->redis_cpu_s * 1e6 / r->users);
	else
		fprintf(out, "null");
	fprintf(out, ",\"flashsim\":%.2f}", row->client_cpu_s * 1e6 / r->users);
	fprintf(out, ",\"ratios\":{");
	for (int id = 0; id < BENCH_REF_COUNT; id++) {
		double rate = reference_rate(table, id);
		fprintf(out, "%s\"%s\":", id ? "," : "", reference_keys[id]);
		if (table->reference && rate > 0)
			fprintf(out, "%.3f", requests_per_s(row) / rate);
		else
			fprintf(out, "null");
	}
	fprintf(out, "},\"check\":%s,\"problem\":", r->ok ? "true" : "false");
	if (r->ok)
		fprintf(out, "null");
	else
		report_json_string(out, r->problem);
	fprintf(out, "}");
}

/* The rounds of the reject workload and the two targets, as the text
 * judges them (print_target). */
static void json_targets(FILE *out, const struct bench_table *table)
{
	double rate = reference_rate(table, BENCH_REF_EVALSHA);
	const struct bench_row *reject = find_row(table, "reject");
	const struct bench_row *fast = find_row(table, "reject-fast");
	int median = bench_median_round(table);
	fprintf(out, ",\"reject_rounds\":[");
	for (int r = 0; r < table->rounds; r++) {
		fprintf(out, "%s{\"reference_before\":", r ? "," : "");
		json_rate(out, &table->beside_reject[r]);
		fprintf(out, ",\"reference_after\":");
		json_rate(out, &table->beside_reject[r + 1]);
		fprintf(out, ",\"requests_per_s\":%.0f,\"ratio\":%.3f,"
			"\"median\":%s}",
			requests_per_s(&table->reject_rounds[r]),
			round_ratio(table, r), r == median ? "true" : "false");
	}
	fprintf(out, "],\"targets\":{\"full_protocol\":");
	if (table->reference && rate > 0 && reject && table->rounds > 0 &&
	    round_ratio(table, median) > 0) {
		double ratio = round_ratio(table, median);
		double reach = calls_reach(table, reject);
		fprintf(out, "{\"goal\":1.0,\"ratio\":%.3f,\"met\":%s,"
			"\"ratio_to_highest_reference\":%.3f,\"reach\":",
			ratio, ratio >= 1.0 ? "true" : "false",
			requests_per_s(reject) / rate);
		if (reach > 0)
			fprintf(out, "%.3f}", reach);
		else
			fprintf(out, "null}");
	} else {
		fprintf(out, "null");
	}
	fprintf(out, ",\"sold_out_fast_path\":");
	if (table->reference && rate > 0 && fast) {
		double ratio = requests_per_s(fast) / rate;
		fprintf(out, "{\"goal\":2.0,\"ratio\":%.3f,\"met\":%s}",
			ratio, ratio >= 2.0 ? "true" : "false");
	} else {
		fprintf(out, "null");
	}
	fprintf(out, "}");
}

void bench_table_json(FILE *out, const struct bench_table *table)
{
	bool ok = true;
	fprintf(out, "{\"machine\":");
	report_json_string(out, table->machine);
	fprintf(out, ",\"redis_version\":");
	report_json_string(out, table->redis_version);
	fprintf(out, ",\"calls\":\"%s\",\"inflight\":%d",
		table->functions ? "FCALL" : "EVALSHA", table->inflight);
	if (table->reference)
		json_references(out, table);
	else
		fprintf(out, ",\"references\":null");
	fprintf(out, ",\"workloads\":[");
	for (int i = 0; i < table->row_count; i++) {
		if (i)
			fputc(',', out);
		json_row(out, table, &table->rows[i]);
		ok = ok && table->rows[i].result.ok;
	}
	fprintf(out, "]");
	json_targets(out, table);
	for (int r = 0; r < table->rounds; r++)
		ok = ok && table->reject_rounds[r].result.ok;
	fprintf(out, ",\"checks_ok\":%s}\n", ok ? "true" : "false");
}
