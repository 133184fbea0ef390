/*
 * redis_server.h - the redis-server a run owns.
 *
 * Started on a Unix socket in a fresh temporary directory (no TCP port;
 * under TMPDIR, else /dev/shm when it is there, else /tmp), with the
 * append-only file on (or no persistence at all), no eviction, and sorted
 * sets kept as skiplists from their first member (the due set churns). The child asks the kernel
 * to kill it when flashsim dies (PR_SET_PDEATHSIG), so no server outlives
 * flashsim even when flashsim is killed with SIGKILL; flashsim also stops it
 * (and removes its directory) at exit, on an error, on SIGINT, SIGTERM,
 * SIGHUP, and on SIGPIPE when its own output is a pipe nobody reads.
 *
 * The program is `redis-server` from PATH, /usr/bin or /usr/sbin, or the
 * one named by FLASHSIM_REDIS_SERVER.
 */
#ifndef FLASHSIM_REDIS_SERVER_H
#define FLASHSIM_REDIS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define REDIS_SERVER_PATH_MAX 256

enum redis_persistence {
	REDIS_PERSISTENCE_AOF,          /* append-only file, appendfsync always */
	REDIS_PERSISTENCE_NONE,         /* nothing survives a restart */
	REDIS_PERSISTENCE_AOF_EVERYSEC, /* appendfsync everysec: while a
					   background fsync runs, Redis may
					   answer before it writes the file,
					   so a killed server can lose what it
					   acknowledged */
};

struct redis_server {
	pid_t pid;
	enum redis_persistence persistence;
	char dir[REDIS_SERVER_PATH_MAX];     /* the temporary directory */
	char address[REDIS_SERVER_PATH_MAX + 32]; /* "unix:<dir>/redis.sock" */
	/* The directory's owner lock (REDIS_SERVER_LOCK_NAME in it), held
	 * from its making to its removal: a directory whose lock nobody
	 * holds is one that a flashsim killed outright left behind, and the
	 * next flashsim to make a directory in the same place removes it. */
	bool locked;
	int lock_fd;
};

#define REDIS_SERVER_LOCK_NAME "flashsim.lock"

/* The executable of a Redis program (redis-server, redis-benchmark): the
 * environment variable override_variable when set, else the first of PATH,
 * /usr/bin, /usr/sbin and /usr/local/bin that has it. Returns 0 with its
 * path in out, or -1. */
int redis_find_program(const char *name, const char *override_variable,
		       char *out, size_t size);

/* Starts a server and waits until it answers PING. Returns 0, or -1 with a
 * message in error; on failure nothing is left running or on disk. */
int redis_server_start(struct redis_server *server, char *error,
		       size_t error_size);
/* The same with a choice of persistence (redis_server_start: AOF). */
/* Only the directory, in TMPDIR (else /tmp), with no server: removed
 * like a server's at redis_server_stop, at exit or on a stopping
 * signal. */
int redis_server_make_dir(struct redis_server *server, char *error,
			  size_t error_size);
int redis_server_start_with(struct redis_server *server,
			    enum redis_persistence persistence, char *error,
			    size_t error_size);

/* Kills the server with SIGKILL and starts it again on the same socket
 * from its own files: what survives is decided by Redis's persistence
 * code. Returns 0, or -1 with error (the server is then stopped). */
int redis_server_restart(struct redis_server *server, char *error,
			 size_t error_size);

/* Kills the server, deletes its append-only files and starts it again
 * empty, in the same directory and on the same socket. Returns 0, or -1
 * with error (the server is then stopped). */
int redis_server_reset(struct redis_server *server, char *error,
		       size_t error_size);

/* Whether the server has died on its own (a crash, a full disk, the
 * kernel's out-of-memory killer), waiting up to wait_ms for it to finish
 * dying: a client sees its connection reset as the server's files are
 * closed, a moment before the server can be reaped. If so, it is reaped,
 * and note says what it died of and what its log says of why. */
bool redis_server_died(struct redis_server *server, int wait_ms,
		       char *note, size_t note_size);

/* Stops the server and removes its directory; safe to call twice. */
void redis_server_stop(struct redis_server *server);

/* Removes dir and everything in it, as redis_server_stop removes a
 * server's directory: for one that another process made and could not
 * remove (an explorer's worker that was killed). */
void redis_server_remove_dir(const char *dir);

/* Forgets every server and directory this process tracks, without
 * touching them: in a child just forked (an exploration's worker), they
 * are its parent's to stop and remove, not the child's when it is
 * stopped by a signal. */
void redis_server_forget_all(void);

/* Stops every server started by this process at exit and on SIGINT,
 * SIGTERM and SIGHUP (then dies of that signal); one of these three that
 * is ignored when it is called (nohup, a shell's background job) stays
 * ignored. SIGPIPE: when stdout or
 * stderr is a pipe whose reader has gone, the same; otherwise it came from
 * a Redis connection its server closed, and is let go, so that the write
 * fails with EPIPE and the caller reports it. Call once. */
void redis_server_install_cleanup(void);

#endif
