#!/bin/sh
# Runs every test program; prints one summary line; fails if any failed.
build=$1
shift
passed=0
failed=0
failures=""
for test in "$@"; do
	if "$test"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $(basename "$test")"
	fi
done
echo
[ -n "$failures" ] && echo "failed programs:$failures"
echo "test programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
