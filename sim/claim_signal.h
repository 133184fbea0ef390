/*
 * claim_signal.h - giving a run's claim key back when a signal stops
 * flashsim.
 *
 * A run on a Redis of the user's holds the sale's claim key while it is
 * on (runner.c, docs/STATE.md). It gives the key back when it ends; one
 * stopped by SIGINT, SIGTERM or SIGHUP (Ctrl-C, a CI job cancelled)
 * gives it back here, from the signal handler, so that the next run is
 * not refused, also from another machine, which cannot tell that the
 * holder is gone. hiredis is no use in a handler (the run's connection
 * may be in the middle of a command), so the release is made ready when
 * the claim is taken: the server's address, and the commands (AUTH,
 * SELECT, the script that deletes the key when it still holds the run's
 * token) already in Redis's protocol; the handler opens a connection of
 * its own and sends them with system calls alone, waiting at most
 * CLAIM_SIGNAL_WAIT_MS for the answers. A SIGKILL leaves the key, as
 * before: a flashsim of the same machine takes it over, and another
 * machine's says how to remove it.
 */
#ifndef FLASHSIM_CLAIM_SIGNAL_H
#define FLASHSIM_CLAIM_SIGNAL_H

#include "redis.h"

/* Deletes KEYS[1] when it still holds ARGV[1], the run's token: one
 * script, so that the check and the removal are one. */
#define CLAIM_RELEASE_SCRIPT \
	"if redis.call('GET', KEYS[1]) == ARGV[1] then" \
	" return redis.call('DEL', KEYS[1]) end return 0"

/* The longest the handler waits for the server, connecting included. */
#define CLAIM_SIGNAL_WAIT_MS 1000

/* Makes the release of the claim key key, holding token, ready on the
 * server conn is connected to, in database db, with user and password
 * for AUTH (NULL: none), in place of any made ready before (a process
 * holds one claim at a time). Returns 0, or -1 when it could not be made
 * ready (out of memory, a socket it cannot name): the claim then stays
 * until the run gives it back itself. */
int claim_signal_arm(const struct redis_conn *conn, int db, const char *user,
		     const char *password, const char *key, const char *token);

/* The claim was given back (or is no longer the run's): the handler
 * leaves it alone. */
void claim_signal_disarm(void);

/* Gives back the claim made ready, if any, and if this process made it
 * (not a worker forked since). Async-signal-safe: for the signal
 * handler (redis_server_install_cleanup calls it). */
void claim_signal_release(void);

#endif
