#!/usr/bin/env python3
"""bench_explorer.py - the explorer's throughput and memory, the second
half of `make bench` (docs/PERFORMANCE.md, "Explorer throughput").

    tools/bench_explorer.py FLASHSIM [--rounds N] [--runs A,B] [--out FILE]
                            [--sale "OPTIONS"]

Throughput: the exhaustive exploration of the standard small sale
(`explore --users 4 --stock 2 --coordinators 2`) with one job and with
two, alternating, ROUNDS times each. Each exploration times PING round
trips on its workers' connections between their runs (the round trip
the runs see, whatever else the machine is doing), and counts the
commands Redis executed; the ratio of the two is the target's measure
(at least 0.5x with one job), judged on the median round.

Memory: random explorations of A and then B runs (`explore --mode random
--users 1 --stock 1 --jobs 2`), each reporting two peaks of resident
memory: that of flashsim's own processes (the explorer and its workers),
which would grow if flashsim kept something of every run, and the
largest process of all, a redis-server included. Flat means the larger
exploration's own peak is within 512 KB of the smaller's.

The figures come from each exploration's --json object. Exit code 1 when
an exploration did not pass (a violation, a liveness failure or no
verdict), and then --out is not written; the targets never change it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

SALE = ["--users", "4", "--stock", "2", "--coordinators", "2"]
MEMORY_SALE = ["--mode", "random", "--users", "1", "--stock", "1",
               "--jobs", "2"]
FLAT_KB = 512


def explore(flashsim, args):
    """Runs one exploration; its JSON object, or None (said on stderr)
    when it did not pass."""
    command = [flashsim, "explore"] + args + ["--json", "--quiet"]
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              check=False)
    except OSError as error:
        sys.stderr.write("bench_explorer: %s: %s\n" % (flashsim, error))
        return None
    try:
        result = json.loads(done.stdout)
    except ValueError:
        result = None
    if done.returncode != 0 or not result or result["verdict"] != "ok":
        why = ""
        if result:  # with --quiet, the reason is in the JSON
            why = "verdict %s%s\n" % (result["verdict"], (
                ": " + result["error"]) if result.get("error") else "")
        sys.stderr.write("bench_explorer: %s: exit %d\n%s%s" % (
            " ".join(command), done.returncode, why, done.stderr))
        return None
    return result


def commands_per_second(result):
    return result["redis_commands"] / result["seconds"]


def ratio(result):
    """Commands/s over the PING rate; None when no PING was timed."""
    if not result["ping_per_second"] or result["seconds"] <= 0:
        return None
    return commands_per_second(result) / result["ping_per_second"]


def throughput(flashsim, sale, rounds, lines):
    """The rounds with one and two jobs; the one-job ratios, or None."""
    rows = {1: [], 2: []}
    for r in range(rounds):
        for jobs in (1, 2):
            sys.stderr.write("bench_explorer: %d job%s, round %d of %d\n" % (
                jobs, "" if jobs == 1 else "s", r + 1, rounds))
            result = explore(flashsim, sale + ["--jobs", str(jobs)])
            if not result:
                return None
            rows[jobs].append(result)
    lines.append("explorer: flashsim explore %s (%s, %d runs), %d round%s "
                 "each, alternating" % (
                     " ".join(sale), rows[1][0]["mode"], rows[1][0]["runs"],
                     rounds, "" if rounds == 1 else "s"))
    lines.append("%5s %6s %8s %8s %11s %10s %7s %9s" % (
        "jobs", "round", "wall s", "runs/s", "commands/s", "PING/s",
        "ratio", "restarts"))
    for jobs in (1, 2):
        for r, result in enumerate(rows[jobs]):
            lines.append("%5d %6d %8.2f %8.1f %11.0f %10s %7s %9d" % (
                jobs, r + 1, result["seconds"],
                result["runs"] / result["seconds"],
                commands_per_second(result),
                "%.0f" % result["ping_per_second"]
                if result["ping_per_second"] else "-",
                "%.2fx" % ratio(result) if ratio(result) else "-",
                result["server_restarts"]))
    lines.append("(commands/s: the commands Redis executed, those its "
                 "scripts call included; PING/s:")
    lines.append("round trips of one connection to the same Redis, timed "
                 "by the exploration between its")
    lines.append("runs; ratio: the two; restarts: of redis-server, after "
                 "each redis-crash fault)")
    ratios = {jobs: [ratio(x) for x in rows[jobs] if ratio(x)]
              for jobs in rows}
    if not ratios[1] or not ratios[2]:
        lines.append("target: no PING was timed (no run?): not judged")
        return None
    for jobs in (1, 2):
        lines.append("%d job%s: median wall %.2f s, median ratio %.2fx" % (
            jobs, "" if jobs == 1 else "s",
            statistics.median(x["seconds"] for x in rows[jobs]),
            statistics.median(ratios[jobs])))
    median = statistics.median(ratios[1])
    lines.append("target: explorer Redis commands/s >= 0.5x the PING round "
                 "trips of one connection, one job: %s (median round %.2fx; "
                 "%.2fx to %.2fx)" % ("met" if median >= 0.5 else "NOT met",
                                      median, min(ratios[1]),
                                      max(ratios[1])))
    return ratios[1]


def memory(flashsim, runs, lines):
    """The peak memory of random explorations of each number of runs;
    False when one did not pass."""
    peaks = []
    lines.append("")
    lines.append("explorer memory: flashsim explore %s --runs N" %
                 " ".join(MEMORY_SALE))
    lines.append("%9s %8s %20s %20s" % ("runs", "wall s",
                                         "flashsim's own, KB",
                                         "largest process, KB"))
    for count in runs:
        sys.stderr.write("bench_explorer: memory, %d runs\n" % count)
        result = explore(flashsim, MEMORY_SALE + ["--runs", str(count)])
        if not result:
            return False
        peaks.append(result["own_peak_memory_kb"])
        lines.append("%9d %8.1f %20d %20d" % (
            result["runs"], result["seconds"],
            result["own_peak_memory_kb"], result["peak_memory_kb"]))
    growth = peaks[-1] - peaks[0]
    lines.append("(peak resident memory: of the explorer and its workers; "
                 "of any process, a redis-server")
    lines.append("included)")
    lines.append("target: memory flat from %d to %d runs: %s (flashsim's own "
                 "%+d KB; flat: within %d KB)" % (
                     runs[0], runs[-1], "met" if growth <= FLAT_KB
                     else "NOT met", growth, FLAT_KB))
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("flashsim")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sale", default=" ".join(SALE),
                        help="the explored sale's options (default: %(default)s)")
    parser.add_argument("--runs", default="1000,10000",
                        help="the random explorations' sizes, A,B")
    parser.add_argument("--out", help="write the table to FILE as well")
    options = parser.parse_args()
    try:
        runs = [int(x) for x in options.runs.split(",")]
    except ValueError:
        runs = []
    if len(runs) != 2 or min(runs) < 1 or options.rounds < 1:
        parser.error("--runs takes two numbers of runs, A,B, and --rounds "
                     "at least 1")
    lines = []
    ok = throughput(options.flashsim, options.sale.split(), options.rounds,
                    lines) is not None
    ok = ok and memory(options.flashsim, runs, lines)
    text = "\n".join(lines) + "\n"
    if lines:
        sys.stdout.write("\n" + text)
    if options.out and ok:
        # whole or not at all, as every file flashsim writes: a table cut
        # short by a failed exploration is not written
        with open(options.out + ".new", "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(options.out + ".new", options.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
