#!/bin/sh
# Runs every test program and sums their cmocka counts into one closing
# line, "tests: N passed, N failed" (", N skipped" when a test skipped
# itself, as one does under AddressSanitizer). A program that exits
# non-zero (a crash, a sanitizer report at exit) counts as a failure too. Arguments
# ending in .ini are scenario files: after the programs, each is run with
# $build/flashsim and checked against its [expect] section
# (tests/scenarios.sh), and counts as one test.
#
# The coordinator store's tests and the whole sales of test_sim run a
# second time on a redis-server without functions
# (tests/redis-without-functions.sh), which answers FUNCTION and FCALL as
# a server before Redis 7 does: there flashsim runs every script by
# EVALSHA, the path a Redis 6.2 server takes.
#
# With FLASHSIM_MUTANTS=1 (make test), tools/mutants.py runs last and
# counts as one test.
build=$1
shift
passed=0
failed=0
skipped=0
failures=""
scenarios=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_program NAME COMMAND...: runs one cmocka program and counts it.
run_program() {
	name=$1
	shift
	"$@" >"$log" 2>&1
	status=$?
	cat "$log"
	run=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' "$log" | tail -n 1)
	bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
	skip=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
	run=${run:-0}
	bad=${bad:-0}
	skip=${skip:-0}
	passed=$((passed + run - bad - skip))
	skipped=$((skipped + skip))
	failed=$((failed + bad))
	if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
		failed=$((failed + 1)) # died, or failed after its tests
	fi
	if [ "$status" -ne 0 ]; then
		failures="$failures $name(exit $status)"
	fi
}

without_functions=""
for test in "$@"; do
	case "$test" in
	*.ini) scenarios="$scenarios $test"; continue ;;
	*/test_coord_store|*/test_sim) without_functions="$without_functions $test" ;;
	esac
	run_program "$(basename "$test")" "$test"
done
wrapper="$(cd "$(dirname "$0")" && pwd)/redis-without-functions.sh"
for test in $without_functions; do
	echo
	echo "$(basename "$test"), on a server without functions (EVALSHA):"
	run_program "$(basename "$test")-without-functions" \
		env FLASHSIM_TEST_WITHOUT_FUNCTIONS=1 \
		FLASHSIM_REDIS_SERVER="$wrapper" "$test"
done
if [ -n "$scenarios" ]; then
	echo
	sh "$(dirname "$0")/scenarios.sh" "$build/flashsim" $scenarios >"$log" 2>&1
	status=$?
	cat "$log"
	counts='s/^scenarios: \([0-9]*\) passed, \([0-9]*\) failed$/'
	run=$(sed -n "${counts}\\1/p" "$log" | tail -n 1)
	bad=$(sed -n "${counts}\\2/p" "$log" | tail -n 1)
	passed=$((passed + ${run:-0}))
	failed=$((failed + ${bad:-0}))
	if [ "$status" -ne 0 ]; then
		[ "${bad:-0}" -eq 0 ] && failed=$((failed + 1))
		failures="$failures scenarios.sh(exit $status)"
	fi
fi
echo; if "$build/flashsim" selftest --quick --jobs 2; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures selftest"; fi # docs/VARIANTS.md
# Errors planted in core/, in a copy of the tree built without sanitizers:
# run by make test, not by make asan and make ubsan (docs/FAULTS.md).
if [ "${FLASHSIM_MUTANTS:-}" = 1 ]; then
	echo; if python3 "$(dirname "$0")/../tools/mutants.py" --first; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures mutants"; fi
fi
echo
[ -n "$failures" ] && echo "failed programs:$failures"
if [ "$skipped" -gt 0 ]; then
	echo "tests: $passed passed, $failed failed, $skipped skipped"
else
	echo "tests: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
