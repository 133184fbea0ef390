#!/bin/sh
# Runs every test program and sums their cmocka counts into one closing
# line, "tests: N passed, N failed". A program that exits non-zero (a
# crash, a sanitizer report at exit) counts as a failure too.
build=$1
shift
passed=0
failed=0
failures=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for test in "$@"; do
	"$test" >"$log" 2>&1
	status=$?
	cat "$log"
	run=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' "$log" | tail -n 1)
	bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
	run=${run:-0}
	bad=${bad:-0}
	passed=$((passed + run - bad))
	failed=$((failed + bad))
	if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
		failed=$((failed + 1)) # died, or failed after its tests
	fi
	if [ "$status" -ne 0 ]; then
		failures="$failures $(basename "$test")(exit $status)"
	fi
done
echo
[ -n "$failures" ] && echo "failed programs:$failures"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
