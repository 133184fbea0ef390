/*
 * scenario.h - scenario files: a sale, its faults and what it should come
 * to, in an INI file (docs/SCENARIOS.md), for `flashsim run FILE` and
 * `flashsim explore FILE`.
 *
 *   [scenario]  name, description, variant
 *   [sale]      activity, stock, tag
 *   [actors]    apps, coordinators
 *   [workload]  users, requests_per_user, arrival_ms, seed
 *   [timing]    latencies, timeouts, the coordinator's intervals, bounds
 *   [faults]    fault (repeatable), random, redis_persistence, and for
 *               explore: mode, runs, seconds, kinds, jobs
 *   [expect]    verdict, invariant, orders, stock_left, failures, caught
 *
 * The file is parsed with libinih. Each key is checked as it is read, by
 * the same parsers as the command-line options (values.h). The sale as a
 * whole is checked by cli_parse (sim_config_check), once the command
 * line's options have overridden the file's values. A key may be given
 * once, except fault, whose values add up.
 */
#ifndef FLASHSIM_SCENARIO_H
#define FLASHSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* Applies the scenario file at path onto options, which hold the defaults
 * (or anything else: keys the file does not give are left as they are).
 * Returns 0, or -1 with error set to "PATH:LINE: what was wrong and what
 * was expected" ("PATH: ..." when no line is to blame: the file cannot be
 * read); options may then be partly applied. */
int scenario_load(const char *path, struct cli_options *options, char *error,
		  size_t error_size);

/* The line of the scenario file options were loaded from that gave key
 * ("redis_latency_ms_max"; its last line for a key given on several), or
 * 0: not in the file, or no file. */
int scenario_line(const struct cli_options *options, const char *key);
/* Records that the command-line option named option ("latency-ms-max")
 * overrode the file's key of that name: scenario_line is 0 for it then,
 * and scenario_key_by_option true. */
void scenario_overridden(struct cli_options *options, const char *option);
/* Whether an option gave key's value (scenario_overridden). */
bool scenario_key_by_option(const struct cli_options *options,
			    const char *key);

#endif
