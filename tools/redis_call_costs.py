#!/usr/bin/env python3
"""redis_call_costs.py - what one script call costs Redis on this machine,
and from it the most a rejected request of the full protocol could make
against the bench's reference (docs/PERFORMANCE.md, "Why the full-protocol
target is out of reach here").

    tools/redis_call_costs.py [--rounds N] [--calls N] [--out FILE]

Starts a redis-server of its own, as flashsim starts its private one (a
Unix socket in a fresh directory, the append-only file on with appendfsync
always, no RDB, sorted sets as skiplists; FLASHSIM_REDIS_SERVER names
another server, or a script that execs one, as for flashsim), and runs
redis-benchmark on it:

  - the bench's reference: EVALSHA of the bare deduction (core/lua/deduct.lua)
    on a sold-out stock key, 20 clients, unpipelined;
  - the same deduction as a Redis function (FCALL, as flashsim calls its
    scripts), pipelined 128 deep on each of 20 clients, deeper than the
    bench's one connection;
  - the same pipelined FCALL of a function that does nothing, of one that
    writes one new key (SETNX), of one that writes one new key with a TTL
    (SET ... EX), and of one that overwrites one key that exists (SET).

For each: the rate, and Redis's CPU per call (its main thread's user and
system time from INFO cpu, read before and after). The rows of new keys
start from an empty database and add one key per call, as the bench's
workloads add a transaction per request (checked: a row that added
fewer keys than it made calls is an error); the overwrite writes the
same key every time, the cheapest write there is.

The floor: a rejected request of the full protocol makes three script
calls, the prepare writing the transaction, the deduction reading the
barrier and the stock, the abort writing the transaction's end. None
costs Redis less than the row it is measured by here: a write of one new
key, the bare deduction, an overwrite of one key (the protocol's abort
also sets a TTL and leaves the due set; not counted; an abort that
deleted the transaction instead would cost a little less, but the
protocol keeps a failed transaction's status). With Redis busy all the
time on nothing else, such requests would make 1,000,000 / (the three
costs in microseconds) per second: the line printed against the
reference is that rate over the reference's. It is a bound above what
any request of those three calls can make, not an estimate of the
protocol.

The reference's rate is a wall-clock rate: when the machine is busy,
its 20 clients wait for their CPUs and Redis idles between their calls,
while the floor, a CPU cost, does not move. So the table says how busy
Redis was during the reference, and the floor is worth reading only
when that is most of the time (on an idle machine, about 90 %).

Rows run ROUNDS times (3), alternating, and the median of each is
printed. Needs redis-server 7 or later (its functions), redis-cli and
redis-benchmark (Debian's redis-server and redis-tools);
FLASHSIM_REDIS_BENCHMARK names another redis-benchmark, as for flashsim
bench, and FLASHSIM_REDIS_CLI another redis-cli. The server's directory
is made in TMPDIR when it is at most 60 bytes long (a Unix socket's path
is limited), else in /dev/shm or /tmp, as flashsim makes its own. Exit
code 1 when something could not run, 2 for a bad option or an --out
that cannot be written.
"""
import argparse
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEDUCT = os.path.join(ROOT, "core", "lua", "deduct.lua")
LIBRARY = """#!lua name=flashsim_call_costs
redis.register_function('deduct', function(KEYS, ARGV)
%s
end)
redis.register_function('nothing', function(KEYS, ARGV) return 1 end)
redis.register_function('write', function(KEYS, ARGV)
  return redis.call('SETNX', KEYS[1], ARGV[1])
end)
redis.register_function('write_ttl', function(KEYS, ARGV)
  return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end)
redis.register_function('overwrite', function(KEYS, ARGV)
  return redis.call('SET', KEYS[1], ARGV[1])
end)
"""
# -r for the keys of the rows of new keys: collisions (a call that adds
# no key) are about calls^2 / (2 * RANDOM), a few dozen in 300,000
RANDOM = "1000000000"
# below this share of the reference's time busy, its rate was bound by
# round trips, not by Redis
BUSY_ENOUGH = 0.85
# redis-benchmark prints "inf" for a run under a millisecond: runs are made
# at least this long
CALLS_MIN = 10000


class Failed(Exception):
    pass


def program(name, variable):
    path = os.environ.get(variable)
    if path:
        if os.path.isdir(path) or not os.access(path, os.X_OK):
            raise Failed("%s=%s is not an executable file" % (variable,
                                                               path))
        return path
    path = shutil.which(name)
    if not path:
        raise Failed("%s not found (apt-get install redis-server "
                     "redis-tools)" % name)
    return path


class Server:
    def __init__(self, directory):
        self.socket = os.path.join(directory, "redis.sock")
        self.cli = program("redis-cli", "FLASHSIM_REDIS_CLI")
        self.benchmark = program("redis-benchmark",
                                 "FLASHSIM_REDIS_BENCHMARK")
        self.server = program("redis-server", "FLASHSIM_REDIS_SERVER")
        self.directory = directory
        self.log = os.path.join(directory, "redis.log")
        self.output = os.path.join(directory, "redis.out")
        self.process = None

    def start(self):
        with open(self.output, "w") as output:
            self.process = self.spawn(output)
        self.wait_ready()

    def spawn(self, output):
        server, directory, log = self.server, self.directory, self.log
        try:
            return subprocess.Popen(
            [server, "--port", "0", "--unixsocket", self.socket,
             "--unixsocketperm", "700", "--dir", directory,
             "--logfile", log, "--daemonize", "no", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always",
             "--maxmemory-policy", "noeviction",
             "--zset-max-ziplist-entries", "0"],
            stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        except OSError as error:
            raise Failed("cannot start %s: %s" % (server, error.strerror))

    def said(self):
        """The last lines the server wrote, before it opened its log and
        in it."""
        lines = []
        for path in (self.output, self.log):
            try:
                with open(path, errors="replace") as f:
                    lines += [line.rstrip() for line in f if line.strip()]
            except OSError:
                pass
        return "; ".join(lines[-3:]) or "nothing"

    def wait_ready(self):
        deadline = time.monotonic() + 10
        while not self.ping():
            if self.process.poll() is not None:
                raise Failed("redis-server exited at start (exit status "
                             "%d); it said: %s" % (self.process.returncode,
                                                   self.said()))
            if time.monotonic() > deadline:
                raise Failed("redis-server did not answer within 10 s; it"
                             " said: %s" % self.said())
            time.sleep(0.05)

    def ping(self):
        if not os.path.exists(self.socket):
            return False
        return self.command("PING", check=False) == "PONG"

    def command(self, *args, check=True):
        try:
            done = subprocess.run([self.cli, "-s", self.socket] + list(args),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  check=False, timeout=60)
        except subprocess.TimeoutExpired:
            raise Failed("redis-cli %s: no answer within 60 s" %
                         " ".join(args)[:60])
        out = done.stdout.strip()
        if check and (done.returncode != 0 or out.startswith("ERR")
                      or out.startswith("(error)")):
            raise Failed("redis-cli %s: %s%s" % (
                " ".join(args)[:60], out, done.stderr.strip()))
        return out

    def cpu_seconds(self):
        """Redis's main thread's CPU so far (the whole server's before
        Redis 6.2)."""
        info = dict(line.split(":", 1)
                    for line in self.command("INFO", "cpu").splitlines()
                    if ":" in line)
        for user, system in (("used_cpu_user_main_thread",
                              "used_cpu_sys_main_thread"),
                             ("used_cpu_user", "used_cpu_sys")):
            if user in info and system in info:
                return float(info[user]) + float(info[system])
        raise Failed("INFO cpu gives no CPU time")

    def keys(self):
        return int(self.command("DBSIZE"))

    def bench(self, calls, pipeline, args):
        """(calls/s, Redis CPU microseconds per call) of one run."""
        command = [self.benchmark, "-s", self.socket, "-c", "20",
                   "-n", str(calls), "-r", RANDOM, "--csv"]
        if pipeline > 1:
            command += ["-P", str(pipeline)]
        # a run takes a second or two; one that hangs (its server gone
        # in the middle of a pipeline) is given up
        limit = 120 + calls / 1000
        before = self.cpu_seconds()
        try:
            done = subprocess.run(command + args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  check=False, timeout=limit)
        except subprocess.TimeoutExpired:
            raise Failed("redis-benchmark %s: did not end within %.0f s" % (
                " ".join(args), limit))
        after = self.cpu_seconds()
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        try:
            rate = float(lines[-1].split(",")[1].strip('"'))
        except (IndexError, ValueError):
            rate = 0
        if done.returncode != 0 or not rate > 0:
            raise Failed("redis-benchmark %s: exit %d, %s" % (
                " ".join(args), done.returncode,
                (done.stderr or done.stdout).strip()[:200] or
                "it printed nothing"))
        if math.isinf(rate):
            raise Failed("redis-benchmark %s: %d calls took too little time"
                         " to time them; give more --calls" % (
                             " ".join(args), calls))
        return rate, (after - before) / calls * 1e6

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def rows(server):
    """The rows: (name, pipeline, redis-benchmark's command, fresh)."""
    with open(DEDUCT) as f:
        body = f.read()
    sha = server.command("SCRIPT", "LOAD", body)
    try:
        server.command("FUNCTION", "LOAD", "REPLACE",
                       LIBRARY.replace("%s", body, 1))
    except Failed as error:
        if "unknown command" in str(error):
            raise Failed("this redis-server has no functions (FUNCTION, "
                         "FCALL): Redis 7 or later is needed")
        raise
    deduct = ["2", "stock:sold-out", "bar:1", "86400"]
    return [
        ("EVALSHA deduct (sold out), unpipelined: the reference", 1,
         ["EVALSHA", sha] + deduct, False),
        ("FCALL deduct (sold out)", 128, ["FCALL", "deduct"] + deduct,
         False),
        ("FCALL of a function doing nothing", 128,
         ["FCALL", "nothing", "0"], False),
        ("FCALL writing one new key (SETNX)", 128,
         ["FCALL", "write", "1", "txn:__rand_int__", "prepared"], True),
        ("FCALL writing one new key with a TTL (SET EX)", 128,
         ["FCALL", "write_ttl", "1", "txn:__rand_int__", "failed",
          "86400"], True),
        ("FCALL overwriting one key (SET)", 128,
         ["FCALL", "overwrite", "1", "txn:1", "failed"], False),
    ]


def measure(server, table, rounds, calls):
    results = [[] for _ in table]
    for r in range(rounds):
        sys.stderr.write("redis_call_costs: round %d of %d\n" % (
            r + 1, rounds))
        for i, (_, pipeline, args, fresh) in enumerate(table):
            if fresh:
                server.command("FLUSHDB")
            n = calls if pipeline > 1 else calls // 3
            results[i].append(server.bench(n, pipeline, args))
            # a row of new keys that added few wrote little: its figure
            # would be a read's
            if fresh and server.keys() < n * 0.99:
                raise Failed("%s: %d calls added only %d keys" % (
                    table[i][0], n, server.keys()))
    return [(statistics.median(rate for rate, _ in row),
             statistics.median(cpu for _, cpu in row)) for row in results]


def report(server, table, results, rounds):
    """The table's lines."""
    version = server.command("INFO", "server")
    version = next((line.split(":", 1)[1] for line in version.splitlines()
                    if line.startswith("redis_version:")), "?")
    lines = ["what one script call costs Redis %s on this machine (%d CPUs),"
             % (version, os.cpu_count() or 0),
             "20 clients, -P 128 where pipelined; median of %d rounds"
             % rounds,
             "%-56s %10s %12s" % ("", "calls/s", "Redis CPU us")]
    for (name, pipeline, _, _), (rate, cpu) in zip(table, results):
        lines.append("%-56s %10.0f %12.2f" % (
            name + ("" if pipeline == 1 else ", -P %d" % pipeline),
            rate, cpu))
    reference, reference_cpu = results[0]
    busy = reference * reference_cpu / 1e6
    floor = results[3][1] + results[1][1] + results[5][1]
    ratio = 1e6 / floor / reference
    lines += ["(Redis CPU: its main thread's, from INFO cpu, per call; "
              "Redis was busy",
              "%.0f %% of the time during the reference)" % (100 * busy),
              "",
              "floor of a rejected request of the full protocol: a new key "
              "written, the",
              "deduction, a key overwritten: %.2f us of Redis CPU, at most "
              "%.0f requests/s," % (floor, 1e6 / floor),
              "%.2fx the reference's rate (the target asks for 1.0x%s)"
              % (ratio, "; not judged" if busy < BUSY_ENOUGH else "")]
    if busy < BUSY_ENOUGH:
        lines += ["not a floor to go by: Redis was idle for part of the "
                  "reference, whose rate",
                  "was bound by round trips (a busy machine?); run it "
                  "again on an idle one"]
    elif ratio < 1.0:
        lines += ["out of reach for any request of three such calls; "
                  "the protocol's cost more"]
    else:
        lines += ["within reach of three such calls; the protocol's "
                  "cost more"]
    return lines


def write_whole(path, text):
    """Writes path whole or not at all."""
    temporary = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise Failed("cannot write %s: %s" % (path, error.strerror))


def server_base():
    """Where the server's directory goes: TMPDIR when its socket's path
    fits, else /dev/shm, else /tmp."""
    base = os.environ.get("TMPDIR")
    if base and len(base) <= 60:
        return base
    return "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"


def main():
    parser = argparse.ArgumentParser(
        description="What one script call costs Redis on this machine.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300000,
                        help="calls per pipelined run (a third unpipelined)")
    parser.add_argument("--out", help="write the table to this file too")
    options = parser.parse_args()
    if options.rounds < 1 or options.calls < CALLS_MIN:
        parser.error("--rounds must be at least 1, --calls at least %d" %
                     CALLS_MIN)
    if options.out:
        # a link is followed, as flashsim follows it: the file it names is
        # replaced, not the link
        options.out = os.path.realpath(options.out)
        where = os.path.dirname(options.out)
        if os.path.exists(options.out) and \
                not os.path.isfile(options.out):
            parser.error("cannot write %s: not a regular file" %
                         options.out)
        if not os.path.isdir(where) or not os.access(where, os.W_OK):
            parser.error("cannot write %s" % options.out)
    try:
        directory = tempfile.mkdtemp(prefix="flashsim-call-costs-",
                                     dir=server_base())
    except OSError as error:
        sys.stderr.write("redis_call_costs: cannot make a directory in %s:"
                         " %s\n" % (server_base(), error.strerror))
        return 1
    server = None

    def stopped(signum, frame):
        sys.stderr.write("redis_call_costs: stopped by signal %d\n" %
                         signum)
        raise SystemExit(1)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stopped)
    try:
        server = Server(directory)
        server.start()
        table = rows(server)
        results = measure(server, table, options.rounds, options.calls)
        text = "\n".join(report(server, table, results,
                                 options.rounds)) + "\n"
        sys.stdout.write(text)
        if options.out:
            write_whole(options.out, text)
        return 0
    except Failed as error:
        sys.stderr.write("redis_call_costs: %s\n" % error)
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if server:
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
