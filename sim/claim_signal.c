/*
 * claim_signal.c - giving a run's claim key back when a signal stops
 * flashsim (see claim_signal.h).
 */
#include "claim_signal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

/* A claim made ready. armed is set last and cleared first, so that a
 * handler that interrupts arming or disarming finds it whole or not at
 * all. */
struct claim_release {
	volatile sig_atomic_t armed;
	pid_t pid;                    /* the process that took the claim:
					 not a worker forked since */
	struct sockaddr_storage peer; /* the server */
	socklen_t peer_size;
	char *commands;               /* in Redis's protocol */
	size_t size;
	int replies;                  /* one line each */
};

/* The one claim a process holds at a time (a run takes it at its start
 * and gives it back at its end; compare's designs run one after the
 * other). */
static struct claim_release ready;

/* Appends one command, formatted by hiredis, to *commands. Returns 0, or
 * -1 when out of memory. */
static int append_command(char **commands, size_t *size, int *replies,
			  int argc, const char **argv)
{
	char *command = NULL, *grown;
	long long length = redisFormatCommandArgv(&command, argc, argv, NULL);
	if (length < 0)
		return -1;
	grown = realloc(*commands, *size + (size_t)length);
	if (!grown) {
		redisFreeCommand(command);
		return -1;
	}
	memcpy(grown + *size, command, (size_t)length);
	redisFreeCommand(command);
	*commands = grown;
	*size += (size_t)length;
	(*replies)++;
	return 0;
}

/* The server's address: a Unix socket's path as it was given, made
 * absolute (the one getpeername gives is as the server bound it, which
 * may be relative to the server's directory); a TCP server's as the
 * kernel has it, no name to resolve again. Returns 0, or -1 when it
 * cannot be named. */
static int server_address(const struct redis_conn *conn,
			  struct claim_release *release)
{
	struct sockaddr_un *path = (struct sockaddr_un *)&release->peer;
	char cwd[PATH_MAX];
	int n;
	if (strncmp(conn->address, "unix:", 5) != 0) {
		release->peer_size = sizeof(release->peer);
		return getpeername(conn->context->fd,
				   (struct sockaddr *)&release->peer,
				   &release->peer_size) == 0 &&
		       release->peer_size > sizeof(sa_family_t) ? 0 : -1;
	}
	path->sun_family = AF_UNIX;
	if (conn->address[5] == '/')
		n = snprintf(path->sun_path, sizeof(path->sun_path), "%s",
			     conn->address + 5);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(path->sun_path, sizeof(path->sun_path), "%s/%s",
			     cwd, conn->address + 5);
	else
		return -1;
	if (n < 0 || (size_t)n >= sizeof(path->sun_path))
		return -1;
	release->peer_size = (socklen_t)(offsetof(struct sockaddr_un,
						   sun_path) + (size_t)n + 1);
	return 0;
}

int claim_signal_arm(const struct redis_conn *conn, int db, const char *user,
		     const char *password, const char *key, const char *token)
{
	char db_text[16];
	int rc = 0;
	claim_signal_disarm();
	if (!conn->context)
		return -1;
	memset(&ready, 0, sizeof(ready));
	if (server_address(conn, &ready) != 0)
		return -1;
	if (password) {
		const char *auth[3] = { "AUTH" };
		int count = 1;
		if (user && *user)
			auth[count++] = user;
		auth[count++] = password;
		rc = append_command(&ready.commands, &ready.size,
				    &ready.replies, count, auth);
	}
	if (rc == 0 && db) {
		const char *select[] = { "SELECT", db_text };
		snprintf(db_text, sizeof(db_text), "%d", db);
		rc = append_command(&ready.commands, &ready.size,
				    &ready.replies, 2, select);
	}
	if (rc == 0) {
		const char *eval[] = { "EVAL", CLAIM_RELEASE_SCRIPT, "1", key,
				       token };
		rc = append_command(&ready.commands, &ready.size,
				    &ready.replies, 5, eval);
	}
	if (rc != 0) {
		free(ready.commands);
		ready.commands = NULL;
		return -1;
	}
	ready.pid = getpid();
	/* the release whole before the handler may see it */
	atomic_signal_fence(memory_order_seq_cst);
	ready.armed = 1;
	return 0;
}

void claim_signal_disarm(void)
{
	ready.armed = 0;
	atomic_signal_fence(memory_order_seq_cst);
	free(ready.commands);
	ready.commands = NULL;
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC), 0 when past. */
static int left_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* Waits until fd is ready for events or the deadline passes. */
static bool wait_for(int fd, short events, const struct timespec *deadline)
{
	struct pollfd poll_fd = { .fd = fd, .events = events };
	int ms, polled;
	while ((ms = left_ms(deadline)) > 0) {
		polled = poll(&poll_fd, 1, ms);
		if (polled > 0)
			return true;
		if (polled < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/* Connects, sends the commands, and reads until every answer is in (one
 * line each) or the deadline passes: the server has then run them. Only
 * async-signal-safe calls. */
static void release_one(const struct claim_release *release,
			const struct timespec *deadline)
{
	char answers[512];
	size_t sent = 0;
	int lines = 0, error = 0;
	socklen_t error_size = sizeof(error);
	int fd = socket(release->peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (const struct sockaddr *)&release->peer,
		    release->peer_size) != 0) {
		if (errno != EINPROGRESS || !wait_for(fd, POLLOUT, deadline) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error,
			       &error_size) != 0 || error != 0)
			goto out_close;
	}
	while (sent < release->size) {
		ssize_t n = send(fd, release->commands + sent,
				 release->size - sent, MSG_NOSIGNAL);
		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno == EAGAIN)
			wait_for(fd, POLLOUT, deadline);
		else if (n < 0 && errno == EINTR)
			continue;
		else
			goto out_close;
		if (left_ms(deadline) == 0)
			goto out_close;
	}
	while (lines < release->replies && wait_for(fd, POLLIN, deadline)) {
		ssize_t n = read(fd, answers, sizeof(answers));
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			break;
		for (ssize_t i = 0; i < n; i++)
			lines += answers[i] == '\n';
	}
out_close:
	close(fd);
}

void claim_signal_release(void)
{
	int saved = errno;
	struct timespec deadline;
	pid_t self = getpid();
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CLAIM_SIGNAL_WAIT_MS / 1000;
	deadline.tv_nsec += (CLAIM_SIGNAL_WAIT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if (ready.armed && ready.pid == self)
		release_one(&ready, &deadline);
	errno = saved;
}
