#!/usr/bin/env python3
"""call_costs_table.py - checks the table tools/redis_call_costs.py wrote:
every row has a rate and a CPU figure above zero, the floor is the sum of
the three rows it names, its ratio is the floor's rate over the
reference's, the reference's busy share is its rate times its CPU, and
the verdict is the one these figures call for. Exit 0 when it holds;
otherwise says what does not (test_bench).

    tests/call_costs_table.py FILE
"""
import re
import sys

ROWS = [
    "EVALSHA deduct (sold out), unpipelined: the reference",
    "FCALL deduct (sold out), -P 128",
    "FCALL of a function doing nothing, -P 128",
    "FCALL writing one new key (SETNX), -P 128",
    "FCALL writing one new key with a TTL (SET EX), -P 128",
    "FCALL overwriting one key (SET), -P 128",
]
VERDICTS = ("not a floor to go by", "out of reach for any request",
            "within reach of three such calls")


def main():
    text = open(sys.argv[1]).read()
    rows = {m.group(1): (float(m.group(2)), float(m.group(3)))
            for m in re.finditer(r"^(\S.*?) +(\d+) +(\d+\.\d\d)$", text,
                                 re.M)}
    if list(rows) != ROWS:
        return "rows %s, expected %s" % (list(rows), ROWS)
    if any(rate <= 0 or cpu <= 0 for rate, cpu in rows.values()):
        return "a rate or a CPU figure of 0: %s" % rows
    floor = re.search(r"overwritten: (\d+\.\d\d) us of Redis CPU", text)
    ratio = re.search(r"^(\d+\.\d\d)x the reference's rate", text, re.M)
    if not floor or not ratio:
        return "no floor line"
    parts = rows[ROWS[3]][1] + rows[ROWS[1]][1] + rows[ROWS[5]][1]
    if abs(float(floor.group(1)) - parts) > 0.015:
        return "floor %s, not the sum of its rows (%.2f)" % (
            floor.group(1), parts)
    expected = 1e6 / parts / rows[ROWS[0]][0]
    if abs(float(ratio.group(1)) - expected) > 0.02 * expected + 0.01:
        return "ratio %s, expected about %.2f" % (ratio.group(1), expected)
    at_most = re.search(r"at most (\d+) requests/s", text)
    if not at_most or abs(int(at_most.group(1)) - 1e6 / parts) > \
            0.01 * 1e6 / parts + 1:
        return "the floor's requests/s is not 1e6 / the floor"
    busy = re.search(r"^(\d+) % of the time during the reference", text,
                     re.M)
    reference_rate, reference_cpu = rows[ROWS[0]]
    if not busy or abs(int(busy.group(1)) -
                       100 * reference_rate * reference_cpu / 1e6) > 1.5:
        return "the reference's busy share is not its rate times its CPU"
    said = [v for v in VERDICTS if v in text]
    judged = int(busy.group(1)) >= 85
    expected = VERDICTS[0] if not judged else \
        VERDICTS[1] if float(ratio.group(1)) < 1.0 else VERDICTS[2]
    if said != [expected]:
        return "verdict %s, expected %s" % (said, expected)
    if ("not judged" in text) == judged:
        return "the ratio is said judged when it is not, or not when it is"
    return None


if __name__ == "__main__":
    problem = main()
    if problem:
        sys.stderr.write("call_costs_table: %s\n" % problem)
    sys.exit(1 if problem else 0)
