#!/usr/bin/env python3
"""mutants.py - plants small errors in core/, one at a time, and says
which explorations catch each (docs/FAULTS.md, "What one exploration
proves, and what it does not").

    tools/mutants.py [--only m01,m14] [--jobs N] [--keep DIR] [--first]

It works on a copy of the files git tracks, as they are in the working
tree (outside a git checkout, as in a release archive: every file but
build/), in a temporary directory; the working tree is never touched. The copy is built and the explorations below
must pass on it; then, for each mutant, the mutant's text replaces the
original in one file of the copy, flashsim is built again and every
exploration runs, and the file is put back. A mutant is of one of three
classes:

  caught      it changes what the protocol does: some exploration must
              fail on it
  equivalent  it cannot change an outcome (the table says why): every
              exploration must pass on it
  unit        no run can show it: its unit test must fail on it

Exit code 1 when a mutant does not behave as its class says, or no
longer applies to the code (its original text is not found exactly
once: the table needs the new text); 0 otherwise.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


class Mutant:
    def __init__(self, name, what, kind, path, old, new, why, both=None):
        self.name, self.what, self.kind = name, what, kind
        self.path, self.old, self.new, self.why = path, old, new, why
        self.both = both  # the names of two mutants applied together


EXPLORATIONS = [
    ("small sale", "scenarios/explore-small-sale.ini"),
    ("recovery sale", "scenarios/explore-recovery-sale.ini"),
    ("fast-path sale", "scenarios/explore-sold-out-fast-path.ini"),
]

# What a unit-class mutant's test is: a test program of tests/.
UNIT_TEST = "test_barrier"

MUTANTS = [
    Mutant('m01', 'deduct.lua checks the stock before the barrier', 'caught',
           'core/lua/deduct.lua',
           "if redis.call('EXISTS', KEYS[2]) == 1 then\n  return 'DUPLICATE'\nend\nlocal stock = tonumber(redis.call('GET', KEYS[1]))\nif stock == nil or stock < 1 then\n  return 'SOLD_OUT'\nend\n",
           "local stock = tonumber(redis.call('GET', KEYS[1]))\nif stock == nil or stock < 1 then\n  return 'SOLD_OUT'\nend\nif redis.call('EXISTS', KEYS[2]) == 1 then\n  return 'DUPLICATE'\nend\n", ''),
    Mutant('m02', 'deduct.lua lets the stock reach -1 (stock < 0)', 'caught',
           'core/lua/deduct.lua',
           'stock < 1 then',
           'stock < 0 then', ''),
    Mutant('m03', "deduct.lua takes only an 'op' barrier as DUPLICATE (ignores the rollback marker)", 'caught',
           'core/lua/deduct.lua',
           "if redis.call('EXISTS', KEYS[2]) == 1 then",
           "if redis.call('GET', KEYS[2]) == 'op' then", ''),
    Mutant('m04', 'query_prepared.lua writes no rollback marker', 'caught',
           'core/lua/query_prepared.lua',
           "  redis.call('SET', KEYS[1], 'rollback', 'EX', ARGV[1])\n",
           '', ''),
    Mutant('m05', 'query_prepared.lua answers SUCCESS for a missing barrier', 'caught',
           'core/lua/query_prepared.lua',
           "if not v then\n  redis.call('SET', KEYS[1], 'rollback', 'EX', ARGV[1])\n  return 'FAILURE marked'\nend",
           "if not v then\n  return 'SUCCESS'\nend", ''),
    Mutant('m06', 'query_prepared.lua answers SUCCESS for a rollback marker', 'caught',
           'core/lua/query_prepared.lua',
           "if v == 'rollback' then\n  return 'FAILURE'\nend\n",
           '', ''),
    Mutant('m07', 'txn_save.lua writes with SET: a second prepare overwrites the first', 'equivalent',
           'core/lua/txn_save.lua',
           "if redis.call('SETNX', KEYS[1], ARGV[2]) == 1 then",
           "if redis.call('SET', KEYS[1], ARGV[2]) then", 'every later step reads the barrier again and decides the same way'),
    Mutant('m08', 'txn_save.lua leaves the transaction out of the due set', 'caught',
           'core/lua/txn_save.lua',
           "  redis.call('ZADD', KEYS[2], ARGV[1], KEYS[1])\n",
           '', ''),
    Mutant('m09', 'txn_cas.lua makes a terminal change whatever the current status', 'equivalent',
           'core/lua/txn_cas.lua',
           "  if status ~= ARGV[1] then\n    if old == 'succeeded'",
           "  if false then\n    if old == 'succeeded'", 'a deduction and a no-deduction answer exclude each other for one gid: nothing ever aborts or fails a submitted transaction'),
    Mutant('m10', 'txn_cas.lua submits from any status', 'caught',
           'core/lua/txn_cas.lua',
           "if status ~= ARGV[1] then\n  return 'CONFLICT ' .. status\nend\nlocal created",
           'local created', ''),
    Mutant('m11', 'txn_lock_due.lua takes a due transaction out of the set for good', 'caught',
           'core/lua/txn_lock_due.lua',
           "    redis.call('ZADD', KEYS[1], now + math.floor(delay), key)\n",
           "    redis.call('ZREM', KEYS[1], key)\n", ''),
    Mutant('m12', 'txn_lock_due.lua does not put a young prepared transaction back to its timeout', 'equivalent',
           'core/lua/txn_lock_due.lua',
           "  elseif status == 'prepared' and now < tonumber(created) + timeout then",
           '  elseif false then', 'the due time set at the prepare keeps a young transaction from the backcheck'),
    Mutant('m13', 'coord_store.c makes a new transaction due at once', 'equivalent',
           'core/coord_store.c',
           'redis_call_number(call, now_ms + sale->timeout_to_fail_ms);',
           'redis_call_number(call, now_ms);', "the lock's own check of the age keeps a young transaction from the backcheck"),
    Mutant('m14', 'flash.c submits after a DUPLICATE deduction without its own query', 'caught',
           'core/flash.c',
           '\tif (last->result == RESULT_OK && last->code == CODE_SOLD_OUT)\n\t\treturn call_coord(request, STEP_APP_ABORT, METHOD_ABORT,\n\t\t\t\t  FLASH_ABORTING);\n\treturn run_script',
           '\tif (last->result == RESULT_OK && last->code == CODE_SOLD_OUT)\n\t\treturn call_coord(request, STEP_APP_ABORT, METHOD_ABORT,\n\t\t\t\t  FLASH_ABORTING);\n\tif (last->result == RESULT_OK && last->code == CODE_DUPLICATE)\n\t\treturn call_coord(request, STEP_APP_SUBMIT, METHOD_SUBMIT,\n\t\t\t\t  FLASH_SUBMITTING);\n\treturn run_script', ''),
    Mutant('m15', 'flash.c aborts after an unclear deduction', 'caught',
           'core/flash.c',
           '\tif (last->result == RESULT_OK && last->code == CODE_SOLD_OUT)\n\t\treturn call_coord(request, STEP_APP_ABORT, METHOD_ABORT,\n\t\t\t\t  FLASH_ABORTING);\n\treturn run_script',
           '\tif (last->result != RESULT_OK || last->code == CODE_SOLD_OUT)\n\t\treturn call_coord(request, STEP_APP_ABORT, METHOD_ABORT,\n\t\t\t\t  FLASH_ABORTING);\n\treturn run_script', ''),
    Mutant('m16', 'flash.c aborts after an unclear query of its own barrier', 'caught',
           'core/flash.c',
           '\tif (last->result == RESULT_OK && last->code == CODE_FAILURE)\n\t\treturn call_coord(request, STEP_APP_ABORT, METHOD_ABORT,\n\t\t\t\t  FLASH_ABORTING);\n\treturn reply_user(request, TOLD_UNKNOWN);',
           '\treturn call_coord(request, STEP_APP_ABORT, METHOD_ABORT,\n\t\t\t  FLASH_ABORTING);', ''),
    Mutant('m17', 'flash.c deducts after an unclear prepare', 'caught',
           'core/flash.c',
           '\t\tif (last->result == RESULT_OK)\n\t\t\treturn run_script(request, STEP_APP_DEDUCT,',
           '\t\tif (last->result != RESULT_FAILED)\n\t\t\treturn run_script(request, STEP_APP_DEDUCT,', ''),
    Mutant('m18', 'flash.c answers a backcheck whose Redis call failed with FAILURE', 'caught',
           'core/flash.c',
           '\t\tif (last->result == RESULT_OK &&\n\t\t    (last->code == CODE_SUCCESS || last->code == CODE_FAILURE)) {',
           '\t\tif (last->result != RESULT_OK) {\n\t\t\teffect->reply.result = RESULT_OK;\n\t\t\teffect->reply.code = CODE_FAILURE;\n\t\t} else if (last->code == CODE_SUCCESS || last->code == CODE_FAILURE) {', ''),
    Mutant('m19', 'flash.c tells the user success after an unclear submit', 'equivalent',
           'core/flash.c',
           '\t\treturn reply_user(request, last->result == RESULT_OK ?\n\t\t\t\t\t   TOLD_SUCCESS : TOLD_UNKNOWN);',
           '\t\treturn reply_user(request, last->result != RESULT_FAILED ?\n\t\t\t\t\t   TOLD_SUCCESS : TOLD_UNKNOWN);', 'the app submits only after a deduction, so the transaction cannot fail and the coordinator submits it in the end'),
    Mutant('m20', 'coord.c refuses the prepare of a gid that exists', 'caught',
           'core/coord.c',
           '\t\treturn last->code == CODE_EXISTS &&\n\t\t       last->status != TXN_FAILED ? RESULT_OK : RESULT_FAILED;',
           '\t\treturn RESULT_FAILED;', ''),
    Mutant('m21', 'coord.c accepts a submit that meets any CONFLICT', 'equivalent',
           'core/coord.c',
           '\t\treturn last->code == CODE_CONFLICT &&\n\t\t       (last->status == TXN_SUBMITTED ||\n\t\t\tlast->status == TXN_SUCCEEDED) ? RESULT_OK :\n\t\t\t\t\t\t\t RESULT_FAILED;',
           '\t\treturn last->code == CODE_CONFLICT ? RESULT_OK :\n\t\t\t\t\t\t\t RESULT_FAILED;', 'nothing submits a failed transaction (as for the terminal guard)'),
    Mutant('m22', 'coord.c skips branch_done after delivering the branch', 'equivalent',
           'core/coord.c',
           '\t\tcoord_store_branch_done(&call->effect.redis, call->sale,\n\t\t\t\t\tcall->request.gid);\n\t\tcall->state = COORD_CALL_MARKING;\n\t\treturn effect_redis(&call->effect, STEP_COORD_BRANCH_DONE);',
           '\t\treturn call_done(call);', "the recovery delivers the branch again; the order service's barrier absorbs it"),
    Mutant('m23', "coord.c's recovery skips deliver_done", 'caught',
           'core/coord.c',
           '\t\tcoord_store_branch_done(&cron->effect.redis, cron->sale,\n\t\t\t\t\tcron->txn.gid);\n\t\tcron->state = COORD_CRON_MARKING;\n\t\treturn effect_redis(&cron->effect, STEP_COORD_DELIVER_DONE);',
           '\t\treturn cron_lock(cron, now_ms);', ''),
    Mutant('m24', "coord.c's recovery submits on a backcheck's FAILURE", 'caught',
           'core/coord.c',
           '\tif (last->code == CODE_SUCCESS) {',
           '\tif (last->code == CODE_SUCCESS || last->code == CODE_FAILURE) {', ''),
    Mutant('m25', "coord.c's recovery fails a timed-out transaction without a backcheck", 'caught',
           'core/coord.c',
           '\tcron->state = COORD_CRON_BACKCHECKING;\n\treturn effect_call_init(effect, STEP_COORD_BACKCHECK, SERVICE_APP,\n\t\t\t\tMETHOD_BACKCHECK, cron->txn.activity,\n\t\t\t\tcron->txn.user, cron->txn.gid);',
           '\t(void)effect;\n\tcoord_store_cas(&cron->effect.redis, cron->sale, cron->txn.gid,\n\t\t\tTXN_PREPARED, TXN_FAILED, now_ms);\n\tcron->state = COORD_CRON_FAILING;\n\treturn effect_redis(&cron->effect, STEP_COORD_FAIL);', ''),
    Mutant('m26', 'coord.c delivers the branch on any accepted submit', 'equivalent',
           'core/coord.c',
           '\tcall->deliver_branch = call->state == COORD_CALL_SUBMITTING &&\n\t\t\t       last->result == RESULT_OK &&\n\t\t\t       last->code == CODE_OK;',
           '\tcall->deliver_branch = call->state == COORD_CALL_SUBMITTING &&\n\t\t\t       answer == RESULT_OK;', "a second delivery is absorbed by the order service's barrier"),
    Mutant('m27', 'order.c inserts the order again on a redelivery', 'caught',
           'core/order.c',
           '\t\tdelivered_before = true; /* already done */\n\t\tgoto out_commit;',
           '\t\tdelivered_before = true; /* already done */\n\t\tif (0) goto out_commit;', ''),
    Mutant('m28', 'sale.c gives the barrier a TTL of 2 s', 'unit',
           'core/sale.c',
           'sale->barrier_ttl_s = 7 * 24 * 3600;',
           'sale->barrier_ttl_s = 2;', ''),
    Mutant('m29', "coord.c's recovery fails a transaction it expects submitted", 'caught',
           'core/coord.c',
           '\tcoord_store_cas(&effect->redis, cron->sale, cron->txn.gid,\n\t\t\tTXN_PREPARED, TXN_FAILED, now_ms);\n\tcron->state = COORD_CRON_FAILING;',
           '\tcoord_store_cas(&effect->redis, cron->sale, cron->txn.gid,\n\t\t\tTXN_SUBMITTED, TXN_FAILED, now_ms);\n\tcron->state = COORD_CRON_FAILING;', ''),
    Mutant("m30", "m12 and m13 together: a new transaction is backchecked at once", "equivalent",
           None, None, None,
           "the rollback marker keeps the deduction and the backcheck apart", both=("m12", "m13")),
    Mutant('m31', 'stock_check.lua rejects on the stock alone (the request\'s own barrier is not read)', 'caught',
           'core/lua/stock_check.lua',
           "if values[1] then\n  return 'OK'\nend\n",
           '', ''),
    Mutant('m32', 'flash.c rejects when the fast path\'s stock check is unclear', 'caught',
           'core/flash.c',
           "\t\tif (last->result == RESULT_OK && last->code == CODE_SOLD_OUT)\n\t\t\treturn reply_user(request, TOLD_REJECTED);",
           "\t\tif (last->result != RESULT_OK || last->code == CODE_SOLD_OUT)\n\t\t\treturn reply_user(request, TOLD_REJECTED);", ''),
    Mutant('m33', 'stock_check.lua rejects while one unit is left', 'caught',
           'core/lua/stock_check.lua',
           "if stock == nil or stock < 1 then",
           "if stock == nil or stock < 2 then", ''),
]


# The calling make's flags (make test runs this from a recipe): a
# BUILD=... or a jobserver given to that make is not the copy's, whose
# makes build with the Makefile's defaults.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


def run(command, cwd, log):
    """Runs command in cwd, its output appended to log; its exit code."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in MAKE_VARIABLES}
    with open(log, "a") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        return subprocess.run(command, cwd=cwd, stdout=out,
                              stderr=subprocess.STDOUT,
                              env=environment).returncode


def source_files(root):
    """The files of the tree at root to copy, relative to it: those git
    tracks, or, when root is not a git checkout or there is no git, every
    file but those of build/ and .git/."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root,
                                capture_output=True)
    except OSError:
        listed = None
    if listed is not None and listed.returncode == 0:
        return [name for name in listed.stdout.decode().split("\0") if name]
    names = []
    for directory, subdirectories, files in os.walk(root):
        if directory == root:
            subdirectories[:] = [d for d in subdirectories
                                 if d not in ("build", ".git")]
        for name in files:
            names.append(os.path.relpath(os.path.join(directory, name), root))
    return names


def build(tree, jobs, log, target="build/flashsim"):
    if run(["make", "-s", "-j%d" % jobs, target], tree, log) != 0:
        sys.exit("mutants: the build failed (see %s)" % log)


def verdict(code):
    """An exploration's exit code as a word of the table."""
    if code == 0:
        return "passed"
    if code in (1, 2):
        return "CAUGHT"
    if code == 3:
        return "CAUGHT(3)"  # an internal error: the exploration fails
    sys.exit("mutants: an exploration exited %d (bad input?)" % code)


def explore(tree, jobs, log, first=False):
    """Each exploration's word for the table; with first, those after the
    first that catches the mutant are not run ("-")."""
    results = []
    for _, scenario in EXPLORATIONS:
        if first and any(r != "passed" for r in results):
            results.append("-")
            continue
        results.append(verdict(run(["build/flashsim", "explore", scenario,
                                    "--jobs", str(jobs), "--quiet"],
                                   tree, log)))
    return results


def apply(tree, mutant, by_name):
    """Applies mutant; the original texts of the files it changed, to put
    back, or None (nothing changed) when a text is not found exactly
    once."""
    parts = [by_name[n] for n in mutant.both] if mutant.both else [mutant]
    originals = {}
    for part in parts:
        path = os.path.join(tree, part.path)
        current = open(path).read()
        originals.setdefault(path, current)
        if current.count(part.old) != 1:
            for saved_path, saved in originals.items():
                open(saved_path, "w").write(saved)
            return None
        open(path, "w").write(current.replace(part.old, part.new))
    return originals


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="mutants to run, comma-separated")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="keep the copy and its logs here")
    parser.add_argument("--first", action="store_true",
                        help="stop at the first exploration that catches a"
                        " mutant (make test; the count by the first"
                        " exploration alone stays exact)")
    options = parser.parse_args()
    # the tree this file is in (not git's top level: the tree may be a
    # directory of a larger repository)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    by_name = {m.name: m for m in MUTANTS}
    chosen = MUTANTS
    if options.only:
        names = options.only.split(",")
        unknown = [n for n in names if n not in by_name]
        if unknown:
            sys.exit("mutants: no mutant %s (tools/mutants.py lists them)"
                     % ", ".join(unknown))
        chosen = [by_name[n] for n in names]
    base = options.keep or tempfile.mkdtemp(prefix="flashsim-mutants-")
    tree = os.path.join(base, "tree")
    log = os.path.join(base, "log.txt")
    for name in source_files(root):
        if os.path.isfile(os.path.join(root, name)):
            os.makedirs(os.path.dirname(os.path.join(tree, name)),
                        exist_ok=True)
            shutil.copy2(os.path.join(root, name), os.path.join(tree, name))
    print("mutants: a copy of the tree in %s; output in %s" % (tree, log))
    build(tree, options.jobs, log)
    baseline = explore(tree, options.jobs, log)
    if baseline != ["passed"] * len(EXPLORATIONS):
        sys.exit("mutants: the explorations fail without a mutant (%s)"
                 % ", ".join(baseline))
    heads = [name for name, _ in EXPLORATIONS]
    print("%-4s %-10s %s%s" % ("", "class",
                               "".join("%-15s" % h for h in heads),
                               "the error planted"))
    wrong = []
    counts = {"caught": 0, "first": 0}
    for mutant in chosen:
        originals = apply(tree, mutant, by_name)
        if originals is None:
            print("%-4s %-10s %s" % (mutant.name, mutant.kind,
                                      "NO LONGER APPLIES: " + mutant.what))
            wrong.append(mutant.name)
            continue
        with open(log, "a") as out:
            out.write("\n=== %s: %s\n" % (mutant.name, mutant.what))
        build(tree, options.jobs, log)
        results = explore(tree, options.jobs, log, options.first)
        caught = any(r not in ("passed", "-") for r in results)
        note = ""
        if mutant.kind == "unit":
            build(tree, options.jobs, log, "build/tests/" + UNIT_TEST)
            test = run(["build/tests/" + UNIT_TEST], tree, log)
            ok = test != 0
            note = " (%s %s)" % (UNIT_TEST, "fails" if ok else "PASSES")
        elif mutant.kind == "caught":
            ok = caught
            counts["caught"] += caught
            counts["first"] += results[0] != "passed"
        else:
            ok = not caught
        for path, text in originals.items():
            open(path, "w").write(text)
        print("%-4s %-10s %s%s%s%s" % (
            mutant.name, mutant.kind,
            "".join("%-15s" % r for r in results), mutant.what,
            note, "" if ok else "   <- NOT AS ITS CLASS SAYS"), flush=True)
        if not ok:
            wrong.append(mutant.name)
    total = sum(m.kind == "caught" for m in chosen)
    print("\nmutants: %d of the %d that change what the protocol does were"
          " caught (%d by the %s alone)" % (counts["caught"], total,
                                           counts["first"], heads[0]))
    if wrong:
        # the copy and its log stay, for the outputs named at the start
        print("mutants: not as their class says: %s (the outputs: %s)"
              % (", ".join(wrong), log))
        return 1
    if not options.keep:
        shutil.rmtree(base)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("mutants: interrupted (the copy of the tree is left in"
                 " the directory named at the start)")
