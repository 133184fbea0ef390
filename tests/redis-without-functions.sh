#!/bin/sh
# redis-server with FUNCTION and FCALL turned off: it answers them
# "ERR unknown command", as a server before Redis 7 does, so that flashsim
# runs every script by EVALSHA on it. tests/run.sh starts the store's
# tests and the whole sales of test_sim on it (FLASHSIM_REDIS_SERVER).
for server in "$(command -v redis-server)" /usr/bin/redis-server \
	/usr/sbin/redis-server; do
	if [ -x "$server" ]; then
		exec "$server" "$@" --rename-command FUNCTION "" \
			--rename-command FCALL "" --rename-command FCALL_RO ""
	fi
done
echo "redis-without-functions: redis-server not found" >&2
exit 127
