#!/bin/sh
# Runs scenario files and checks that each meets its [expect] section:
#
#   sh tests/scenarios.sh build/flashsim scenarios/*.ini
#
# A file that sets `mode` (in [faults]) is an exploration and runs with
# `flashsim explore`, any other with `flashsim run`. A scenario passes when
# flashsim exits 0 and prints "expectation: met"; a file without [expect]
# fails (every scenario of the library says what it should come to). One
# line per scenario, the output of each failing one, and a closing line
# "scenarios: N passed, N failed"; exits 1 when any failed.
flashsim=$1
shift
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for scenario in "$@"; do
	if grep -Eq '^[[:space:]]*mode[[:space:]]*[=:]' "$scenario"; then
		command=explore
		quiet=--quiet
	else
		command=run
		quiet=
	fi
	start=$(date +%s)
	"$flashsim" $command $quiet "$scenario" >"$log" 2>&1 </dev/null
	status=$?
	seconds=$(( $(date +%s) - start ))
	expectation=$(grep -E '^expectation' "$log" | tail -n 1)
	if [ "$status" -eq 0 ] && [ "${expectation#expectation: met}" != "$expectation" ]; then
		passed=$((passed + 1))
		echo "[  SCENARIO ] $scenario ($command, ${seconds}s): $expectation"
	else
		failed=$((failed + 1))
		echo "[  FAILED   ] $scenario ($command, exit $status):" \
		     "${expectation:-no expectation line (is there an [expect] section?)}"
		tail -n 40 "$log" | sed 's/^/    /'
	fi
done
echo "scenarios: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
