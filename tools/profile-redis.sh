#!/bin/sh
# Counts the instructions redis-server executes per request of a bench
# workload, under callgrind: a figure that, unlike a rate, does not change
# with what else the machine is doing. Used to weigh changes to the Lua
# scripts (docs/PERFORMANCE.md, "Where the time goes").
#
#   tools/profile-redis.sh [BUILD [USERS [WORKLOAD]]]
#
# The server runs as flashsim starts its private one (sim/redis_server.c):
# Unix socket, append-only file with appendfsync always, no RDB, sorted
# sets as skiplists. Writes the callgrind file to BUILD/redis.callgrind.
set -eu

build=${1:-build}
users=${2:-10000}
workload=${3:-reject}
flashsim=$build/flashsim

for tool in valgrind callgrind_control callgrind_annotate redis-server redis-cli; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "profile-redis: $tool not found (apt-get install valgrind redis-server redis-tools)" >&2
		exit 1
	fi
done
[ -x "$flashsim" ] || { echo "profile-redis: build $flashsim first (make)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/dev/shm}/flashsim-profile-XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=""
	rm -rf "$dir"
}
# A signal the script does not trap ends it without its EXIT trap: piped
# into `head`, it died of SIGPIPE and left the server running under
# valgrind.
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP PIPE

valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
	redis-server --port 0 --unixsocket "$dir/redis.sock" --dir "$dir" \
	--daemonize no --save "" --appendonly yes --appendfsync always \
	--maxmemory-policy noeviction --zset-max-ziplist-entries 0 \
	--logfile "$dir/redis.log" >"$dir/valgrind.log" 2>&1 &
pid=$!

# Under valgrind the server needs seconds to start; it has no readiness
# signal here but its answer.
tries=0
until redis-cli -s "$dir/redis.sock" ping >/dev/null 2>&1; do
	tries=$((tries + 1))
	[ $tries -le 300 ] || { echo "profile-redis: redis-server did not start" >&2; exit 1; }
	sleep 0.1
done

bench() {
	"$flashsim" bench --workload "$workload" --users "$1" --no-reference \
		--redis "unix:$dir/redis.sock" --flush --out "$dir/bench.txt" \
		>>"$dir/bench.log" 2>&1 ||
		{ cat "$dir/bench.log" >&2; exit 1; }
}
bench 1000                       # loads the scripts, warms the allocator
callgrind_control -z "$pid" >/dev/null 2>&1
bench "$users"
callgrind_control -d "$pid" >/dev/null 2>&1
dump=$(ls "$dir"/callgrind.out.* | head -n 1)
cp "$dump" "$build/redis.callgrind"

# Inclusive instructions of a named function, per request (its line reads
# "???:name [" without debug information, "file.c:name [" with it, and
# "file.c:name.lto_priv.0 [" in a build with link-time optimisation).
per_request() {
	callgrind_annotate --inclusive=yes "$dump" 2>/dev/null |
	awk -v name="$1" -v users="$users" '
		index($0, ":" name " [") || index($0, ":" name ".lto_priv") {
			gsub(",", "", $1); printf "%9d", $1 / users; found = 1; exit
		}
		END { if (!found) printf "%9s", "-" }'
}
total=$(callgrind_annotate "$dump" 2>/dev/null |
	awk -v users="$users" '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%d", $1 / users }')

echo "redis-server instructions per request, $workload workload, $users users"
echo "(callgrind; Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'))"
printf '%9d  %s\n' "$total" "total"
printf '%s  %s\n' "$(per_request processMultibulkBuffer)" "parsing the requests"
# The scripts run as Redis functions (FCALL); by EVALSHA on a server
# without functions.
scripts=$(per_request fcallCommand)
how=FCALL
case $scripts in *-*) scripts=$(per_request evalGenericCommand); how=EVALSHA ;; esac
printf '%s  %s\n' "$scripts" "running the scripts ($how)"
printf '%s  %s\n' "$(per_request lua_pcall)" "  the scripts' Lua code, with redis.call"
printf '%s  %s\n' "$(per_request scriptCall)" "    the commands they call"
printf '%s  %s\n' "$(per_request lua_gc)" "  Lua's garbage collector"
printf '%s  %s\n' "$(per_request propagatePendingCommands)" "writing the effects to the append-only file"
echo "(the rest of $how: building KEYS and ARGV as Lua tables, the reply;"
echo " callgrind file: $build/redis.callgrind)"
