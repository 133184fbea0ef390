/*
 * redis_server.c - the redis-server a run owns (see redis_server.h).
 */
#include "redis_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "claim_signal.h"
#include "whole_file.h"

/* The name of a server's directory, for mkdtemp: what a sweep looks for
 * (sweep_dead_dirs). */
#define DIR_TEMPLATE "flashsim-XXXXXX"

/* Servers to stop at exit or on a signal. */
#define SERVERS_MAX 16
static struct redis_server *servers[SERVERS_MAX];

static void track(struct redis_server *server, bool on)
{
	for (int i = 0; i < SERVERS_MAX; i++) {
		if (on && !servers[i]) {
			servers[i] = server;
			return;
		}
		if (!on && servers[i] == server)
			servers[i] = NULL;
	}
}

/* A file that can be run: a directory (X_OK there is its search
 * permission) is not one. */
static bool executable(const char *path)
{
	struct stat st;
	return access(path, X_OK) == 0 && stat(path, &st) == 0 &&
	       !S_ISDIR(st.st_mode);
}

int redis_find_program(const char *name, const char *override_variable,
		       char *out, size_t size)
{
	const char *override = getenv(override_variable);
	const char *path = getenv("PATH");
	char dirs[4096];
	if (override && *override) {
		snprintf(out, size, "%s", override);
		return executable(out) ? 0 : -1;
	}
	snprintf(dirs, sizeof(dirs), "%s:/usr/bin:/usr/sbin:/usr/local/bin",
		 path ? path : "");
	for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/%s", dir, name);
		if (executable(out))
			return 0;
	}
	return -1;
}

/* Removes name (relative to the directory parent) and, when it is a
 * directory, everything in it, down to depth levels; top: name is a
 * flashsim directory, whose lock file goes last. Only system calls and
 * the stack, no malloc: the signal handler below runs it, and a signal may
 * come while the process is inside malloc (nftw, through opendir, would
 * take malloc's lock there, or abort on its half-updated state). Entries
 * are removed while the directory is read, so it is read again until it
 * can be removed. */
static void remove_tree_at(int parent, const char *name, int depth,
			   bool top)
{
	char buffer[4096];
	int fd;
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT || depth == 0)
		return;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return;
	for (int pass = 0; pass < 8; pass++) {
		ssize_t n;
		int others = 0;
		lseek(fd, 0, SEEK_SET);
		while ((n = getdents64(fd, buffer, sizeof(buffer))) > 0) {
			for (ssize_t at = 0; at < n;) {
				struct dirent64 *entry =
					(struct dirent64 *)(buffer + at);
				at += entry->d_reclen;
				if (strcmp(entry->d_name, ".") == 0 ||
				    strcmp(entry->d_name, "..") == 0 ||
				    (top && strcmp(entry->d_name,
						   REDIS_SERVER_LOCK_NAME) == 0))
					continue;
				others++;
				remove_tree_at(fd, entry->d_name, depth - 1,
					       false);
			}
		}
		/* The lock file goes last: a directory stopped half-way
		 * (a signal, kill -9) keeps it, and the next flashsim's sweep
		 * removes the rest; without it, the directory is left alone
		 * for ever. */
		if (top && others == 0)
			remove_tree_at(fd, REDIS_SERVER_LOCK_NAME, depth - 1,
				       false);
		if (unlinkat(parent, name, AT_REMOVEDIR) == 0 ||
		    errno != ENOTEMPTY)
			break;
	}
	close(fd);
}

static void remove_dir(const char *dir)
{
	int saved = errno;
	if (dir[0])
		remove_tree_at(AT_FDCWD, dir, 4, true);
	errno = saved;
}

extern char **environ;

/* The child's environment: ours, with NOTIFY_SOCKET naming the datagram
 * socket on which the server says READY=1 (systemd's readiness protocol,
 * which redis-server speaks with --supervised systemd). Built before fork,
 * so that the child calls only async-signal-safe functions. */
struct child_env {
	char **vars;        /* malloc'd, NULL-terminated; strings not owned */
	char notify[REDIS_SERVER_PATH_MAX + 32];
};

static int child_env_build(struct child_env *env, const char *notify_path)
{
	size_t count = 0, used = 0;
	while (environ && environ[count])
		count++;
	env->vars = malloc((count + 2) * sizeof(*env->vars));
	if (!env->vars)
		return -1;
	for (size_t i = 0; i < count; i++)
		if (strncmp(environ[i], "NOTIFY_SOCKET=", 14) != 0)
			env->vars[used++] = environ[i];
	if (notify_path) {
		snprintf(env->notify, sizeof(env->notify), "NOTIFY_SOCKET=%s",
			 notify_path);
		env->vars[used++] = env->notify;
	}
	env->vars[used] = NULL;
	return 0;
}

/* What the child needs, all of it prepared before vfork: the child makes
 * only system calls until it execs. */
struct child {
	const char *program;
	const char *dir;
	const char *append_only;
	const char *fsync;
	char socket_path[REDIS_SERVER_PATH_MAX + 16];
	char log_path[REDIS_SERVER_PATH_MAX + 16];
	char **env;
	pid_t parent;
	sigset_t mask; /* ours, restored in the child before it execs */
};

static void run_child(const struct child *child)
{
	static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	int null_fd, log_fd;
	/* Our handlers would stop our servers from inside the child, in our
	 * memory: the child takes the default until it execs. Signals are
	 * blocked until then. */
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		signal(caught[i], SIG_DFL);
	/* Die with the parent, even if the parent is killed outright. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != child->parent)
		_exit(1); /* the parent died before the request took effect */
	null_fd = open("/dev/null", O_RDWR);
	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	/* What the server says before it opens its log (a configuration it
	 * refuses, a library it cannot load) goes into the log as well. */
	log_fd = open(child->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (log_fd < 0)
		log_fd = null_fd;
	if (log_fd >= 0) {
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
	}
	if (null_fd > STDERR_FILENO)
		close(null_fd);
	if (log_fd > STDERR_FILENO && log_fd != null_fd)
		close(log_fd);
	sigprocmask(SIG_SETMASK, &child->mask, NULL);
	/* zset-max-ziplist-entries 0: the due set is a queue of the
	 * transactions in flight, small and churning; as a listpack (up to
	 * 128 members by default) every insert moves the others, and each
	 * time it empties it is converted back and forth. As a skiplist it
	 * cost Redis 4% fewer instructions per request in the bench. The
	 * option's name before Redis 7 (zset-max-listpack-entries since),
	 * which Redis 7 still takes: the same server line starts Redis 6.2. */
	execle(child->program, child->program, "--port", "0",
	       "--unixsocket", child->socket_path, "--unixsocketperm", "700",
	       "--dir", child->dir, "--logfile", child->log_path,
	       "--daemonize", "no", "--supervised", "systemd", "--save", "",
	       "--appendonly", child->append_only,
	       "--appendfsync", child->fsync,
	       "--maxmemory-policy", "noeviction",
	       "--zset-max-ziplist-entries", "0", (char *)NULL, child->env);
	_exit(127);
}

/* Starts redis-server in a child; returns its pid, or -1 with errno.
 *
 * vfork, not fork: the child borrows our memory until it execs, and makes
 * only system calls until then (run_child). A fork would copy our page
 * tables and leave every page of ours write-protected, so that each page
 * we write after it costs a fault: about 380 faults per restart, 36,000
 * in an exhaustive exploration with its 95 restarts (a third of the
 * explorer's CPU time). Every signal is blocked across the vfork, so that
 * none is handled in the child with our handlers; a function of its own,
 * so that nothing of the caller's is live across it. */
static __attribute__((noinline)) pid_t start_child(struct child *child)
{
	sigset_t all;
	pid_t pid;
	int saved;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &child->mask);
	pid = vfork();
	if (pid == 0)
		run_child(child);
	saved = errno;
	sigprocmask(SIG_SETMASK, &child->mask, NULL);
	errno = saved;
	return pid;
}

/* A datagram socket at <dir>/notify for the server's READY=1, or -1. */
static int notify_open(const struct redis_server *server, char *path,
		       size_t size)
{
	struct sockaddr_un address;
	int fd;
	memset(&address, 0, sizeof(address));
	address.sun_family = AF_UNIX;
	snprintf(path, size, "%s/notify", server->dir);
	if (strlen(path) >= sizeof(address.sun_path))
		return -1;
	memcpy(address.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the datagrams waiting on fd include READY=1; drains them. */
static bool notify_ready(int fd)
{
	char message[512];
	bool ready = false;
	ssize_t n;
	while ((n = recv(fd, message, sizeof(message) - 1, 0)) > 0) {
		message[n] = '\0';
		if (strstr(message, "READY=1"))
			ready = true;
	}
	return ready;
}

static bool answers_ping(const char *socket_path)
{
	struct timeval timeout = { 1, 0 };
	redisContext *context = redisConnectUnixWithTimeout(socket_path, timeout);
	bool ok = false;
	if (context && !context->err) {
		redisReply *reply = redisCommand(context, "PING");
		ok = reply && reply->type == REDIS_REPLY_STATUS;
		if (reply)
			freeReplyObject(reply);
	}
	if (context)
		redisFree(context);
	return ok;
}

/* The line of text that contains at, without its newline, into line. */
static void line_at(const char *text, const char *at, char *line,
		    size_t size)
{
	const char *begin = at, *stop = strchr(at, '\n');
	while (begin > text && begin[-1] != '\n')
		begin--;
	snprintf(line, size, "%.*s",
		 (int)(stop ? stop - begin : (ptrdiff_t)strlen(begin)), begin);
}

/* What the log of a server that has exited says of why, into quote: the
 * line of Redis's last crash report that names the signal (the report
 * runs to some 10 KB of stack, registers and memory test, so its end says
 * nothing), or else the log's last lines, from the first whole one (at
 * most about 300 bytes: the note goes into error messages of a few
 * hundred). Empty when the log is. */
static void log_reason(const struct redis_server *server, char *quote,
		       size_t size)
{
	enum { LOG_TAIL_MAX = 64 * 1024 };
	char path[REDIS_SERVER_PATH_MAX + 16];
	char *tail = malloc(LOG_TAIL_MAX);
	const char *start, *crash = NULL, *next;
	size_t n = 0;
	long end, from = 0;
	FILE *log;
	quote[0] = '\0';
	if (!tail)
		return;
	snprintf(path, sizeof(path), "%s/redis.log", server->dir);
	log = fopen(path, "r");
	if (log && fseek(log, 0, SEEK_END) == 0 && (end = ftell(log)) > 0) {
		from = end > LOG_TAIL_MAX - 1 ? end - LOG_TAIL_MAX + 1 : 0;
		if (fseek(log, from, SEEK_SET) == 0)
			n = fread(tail, 1, LOG_TAIL_MAX - 1, log);
	}
	if (log)
		fclose(log);
	tail[n] = '\0';
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' '))
		tail[--n] = '\0';
	for (next = tail; (next = strstr(next, "crashed by signal")); next++)
		crash = next;
	if (crash) {
		line_at(tail, crash, quote, size);
		goto out_free_tail;
	}
	start = tail;
	if (n > 300) {
		start = tail + n - 300;
		from = 1;
	}
	if (from > 0 && strchr(start, '\n'))
		start = strchr(start, '\n') + 1;
	while (*start == '\n')
		start++;
	snprintf(quote, size, "%s", start);
out_free_tail:
	free(tail);
}

/* How a server that has exited ended, after what ("at start", "during
 * the run"), and what its log says of why, into error: "redis-server
 * exited at start (exit status 1); the end of its log: ...". */
static void describe_exit(const struct redis_server *server, int status,
			  const char *when, char *error, size_t size)
{
	char quote[512];
	size_t used;
	if (WIFSIGNALED(status))
		used = (size_t)snprintf(error, size, "redis-server died %s"
					" (signal %d, %s)", when,
					WTERMSIG(status),
					strsignal(WTERMSIG(status)));
	else
		used = (size_t)snprintf(error, size, "redis-server exited %s"
					" (exit status %d)", when,
					WEXITSTATUS(status));
	if (used >= size)
		return;
	log_reason(server, quote, sizeof(quote));
	if (!quote[0])
		snprintf(error + used, size - used, ", and wrote nothing");
	else if (strstr(quote, "crashed by signal"))
		snprintf(error + used, size - used, "; its log: %s", quote);
	else
		snprintf(error + used, size - used, "; the end of its log:\n%s",
			 quote);
}

bool redis_server_died(struct redis_server *server, int wait_ms,
		       char *note, size_t note_size)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	int status;
	pid_t reaped = 0;
	if (server->pid <= 0)
		return false;
	for (int waited_ms = 0; waited_ms <= wait_ms; waited_ms += 10) {
		reaped = waitpid(server->pid, &status, WNOHANG);
		if (reaped != 0)
			break;
		if (waited_ms < wait_ms)
			nanosleep(&pause, NULL);
	}
	if (reaped != server->pid)
		return false;
	server->pid = 0;
	describe_exit(server, status, "during the run", note, note_size);
	return true;
}

/* Waits until the new server answers PING. The server says READY=1 on
 * notify_fd once it has loaded its files and accepts commands. A server
 * built without that support says nothing at all, so until a first message
 * arrives the socket is also tried every 10 ms. Bounded to about ten
 * seconds. */
static int wait_ready(struct redis_server *server, int notify_fd,
		      char *error, size_t size)
{
	const char *socket_path = server->address + 5;
	bool speaks = false; /* the server has sent a message on notify_fd */
	for (int attempt = 0; attempt < 1000; attempt++) {
		int status;
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			server->pid = 0;
			describe_exit(server, status, "at start", error, size);
			return -1;
		}
		if (notify_fd >= 0) {
			struct pollfd wait = { notify_fd, POLLIN, 0 };
			int ready = poll(&wait, 1, 10);
			if (ready < 0 && errno != EINTR)
				break;
			if (ready > 0) {
				speaks = true;
				if (!notify_ready(notify_fd))
					continue; /* a status line */
			} else if (speaks) {
				continue;
			}
		} else {
			struct timespec pause = { 0, 10 * 1000000L };
			nanosleep(&pause, NULL);
		}
		if (answers_ping(socket_path))
			return 0;
	}
	snprintf(error, size, "redis-server did not answer on %s", socket_path);
	return -1;
}

static const char *temporary_root(void)
{
	static char absolute[PATH_MAX];
	static bool warned;
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	/* A relative TMPDIR would be taken from the server's own directory
	 * for its log and socket paths: made absolute. */
	if (tmp && *tmp && *tmp != '/' && realpath(tmp, absolute))
		tmp = absolute;
	/* A short directory: a Unix socket path is limited to 107 bytes. */
	if (tmp && *tmp && strlen(tmp) <= 60)
		return tmp;
	if (tmp && *tmp && !warned) { /* a CI job may look there: say so */
		warned = true;
		fprintf(stderr, "flashsim: note: TMPDIR is %zu bytes long, too"
			" long for the socket of a private redis-server (60 at"
			" most): its directory goes to /dev/shm or /tmp\n",
			strlen(tmp));
	}
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK) == 0)
		return "/dev/shm";
	return "/tmp";
}

/* Forks and execs the server in server->dir; waits until it answers. */
static int spawn(struct redis_server *server, char *error, size_t error_size)
{
	char program[REDIS_SERVER_PATH_MAX];
	char notify_path[REDIS_SERVER_PATH_MAX + 16];
	struct child_env env;
	struct child child;
	int notify_fd, rc;
	if (redis_find_program("redis-server", "FLASHSIM_REDIS_SERVER", program,
			       sizeof(program)) != 0) {
		const char *override = getenv("FLASHSIM_REDIS_SERVER");
		if (override && *override)
			snprintf(error, error_size, "FLASHSIM_REDIS_SERVER=%.200s"
				 " is not an executable file (give its path)",
				 override);
		else
			snprintf(error, error_size, "redis-server not found in"
				 " PATH (install Debian's redis-server, set"
				 " FLASHSIM_REDIS_SERVER to its path, or give"
				 " --redis ADDRESS)");
		return -1;
	}
	notify_fd = notify_open(server, notify_path, sizeof(notify_path));
	if (child_env_build(&env, notify_fd >= 0 ? notify_path : NULL) != 0) {
		snprintf(error, error_size, "out of memory");
		if (notify_fd >= 0)
			close(notify_fd);
		return -1;
	}
	child.program = program;
	child.dir = server->dir;
	child.append_only =
		server->persistence == REDIS_PERSISTENCE_NONE ? "no" : "yes";
	child.fsync = server->persistence == REDIS_PERSISTENCE_AOF_EVERYSEC ?
		      "everysec" : "always";
	snprintf(child.socket_path, sizeof(child.socket_path),
		 "%s/redis.sock", server->dir);
	snprintf(child.log_path, sizeof(child.log_path), "%s/redis.log",
		 server->dir);
	child.env = env.vars;
	child.parent = getpid();
	server->pid = start_child(&child);
	if (server->pid < 0) {
		snprintf(error, error_size, "vfork: %s", strerror(errno));
		server->pid = 0;
		rc = -1;
	} else {
		rc = wait_ready(server, notify_fd, error, error_size);
	}
	free(env.vars);
	if (notify_fd >= 0)
		close(notify_fd);
	return rc;
}

/* Takes the owner lock of the fresh directory dir: the lock file is made
 * under another name, locked, then renamed into place, so that a sweep
 * (sweep_dead_dirs) never finds it unlocked. Not inherited by the
 * programs we exec (redis-server); a worker we fork holds it with us.
 * Returns the descriptor, or -1: the directory then has no lock, and no
 * sweep removes it. */
static int lock_dir(const char *dir)
{
	char making[REDIS_SERVER_PATH_MAX + 32], lock[REDIS_SERVER_PATH_MAX + 32];
	int fd;
	snprintf(making, sizeof(making), "%s/%s.new", dir,
		 REDIS_SERVER_LOCK_NAME);
	snprintf(lock, sizeof(lock), "%s/%s", dir, REDIS_SERVER_LOCK_NAME);
	fd = open(making, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 || rename(making, lock) != 0) {
		unlink(making);
		close(fd);
		return -1;
	}
	return fd;
}

/* Removes the flashsim-XXXXXX directories of root that a flashsim killed
 * outright (SIGKILL: no handler runs) left behind: those of our user
 * whose owner lock nobody holds. A directory without a lock file is left
 * alone (made by an older flashsim, or by something else). Once per root
 * per process. */
static void sweep_dead_dirs(const char *root)
{
	static char swept[REDIS_SERVER_PATH_MAX];
	DIR *listing;
	struct dirent *entry;
	if (strcmp(swept, root) == 0)
		return;
	snprintf(swept, sizeof(swept), "%s", root);
	listing = opendir(root);
	if (!listing)
		return;
	while ((entry = readdir(listing)) != NULL) {
		char dir[REDIS_SERVER_PATH_MAX + 16];
		char lock[REDIS_SERVER_PATH_MAX + 48];
		struct stat st;
		int fd;
		if (strncmp(entry->d_name, DIR_TEMPLATE,
			    sizeof(DIR_TEMPLATE) - sizeof("XXXXXX")) != 0 ||
		    strlen(entry->d_name) != sizeof(DIR_TEMPLATE) - 1)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, entry->d_name);
		if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != getuid())
			continue;
		snprintf(lock, sizeof(lock), "%s/%s", dir,
			 REDIS_SERVER_LOCK_NAME);
		fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			remove_dir(dir);
		close(fd);
	}
	closedir(listing);
}

/* Makes server->dir, a fresh flashsim-XXXXXX in root, with its owner
 * lock, and tracks the server, so that a stopping signal or the exit
 * removes the directory; first removes what flashsims killed outright
 * left in root. Returns 0, or -1 with error. */
static int make_tracked_dir(struct redis_server *server, const char *root,
			    char *error, size_t error_size)
{
	sigset_t stopping, saved;
	int made;
	snprintf(server->dir, sizeof(server->dir), "%s/" DIR_TEMPLATE, root);
	/* A stopping signal waits until the directory is made and tracked, so
	 * that the handler removes it (before, it was left behind). */
	sigemptyset(&stopping);
	sigaddset(&stopping, SIGINT);
	sigaddset(&stopping, SIGTERM);
	sigaddset(&stopping, SIGHUP);
	sweep_dead_dirs(root);
	sigprocmask(SIG_BLOCK, &stopping, &saved);
	made = mkdtemp(server->dir) != NULL;
	if (made) {
		server->lock_fd = lock_dir(server->dir);
		server->locked = server->lock_fd >= 0;
		track(server, true);
	}
	else
		snprintf(error, error_size, "cannot create a directory in %s: %s",
			 root, strerror(errno));
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (!made) {
		server->dir[0] = '\0';
		return -1;
	}
	return 0;
}

int redis_server_make_dir(struct redis_server *server, char *error,
			  size_t error_size)
{
	const char *tmp = getenv("TMPDIR");
	memset(server, 0, sizeof(*server));
	return make_tracked_dir(server, tmp && *tmp ? tmp : "/tmp", error,
				error_size);
}

int redis_server_start_with(struct redis_server *server,
			    enum redis_persistence persistence, char *error,
			    size_t error_size)
{
	memset(server, 0, sizeof(*server));
	server->persistence = persistence;
	if (make_tracked_dir(server, temporary_root(), error, error_size) != 0)
		return -1;
	snprintf(server->address, sizeof(server->address), "unix:%s/redis.sock",
		 server->dir);
	if (spawn(server, error, error_size) != 0) {
		redis_server_stop(server);
		return -1;
	}
	return 0;
}

int redis_server_start(struct redis_server *server, char *error,
		       size_t error_size)
{
	return redis_server_start_with(server, REDIS_PERSISTENCE_AOF, error,
				       error_size);
}

static void kill_and_reap(struct redis_server *server)
{
	int status;
	if (server->pid <= 0)
		return;
	kill(server->pid, SIGKILL);
	while (waitpid(server->pid, &status, 0) < 0 && errno == EINTR)
		;
	server->pid = 0;
}

/* Kills the server and starts it again in its directory; empty: without
 * its append-only files. */
static int start_again(struct redis_server *server, bool empty, char *error,
		       size_t error_size)
{
	char path[REDIS_SERVER_PATH_MAX + 32];
	kill_and_reap(server);
	snprintf(path, sizeof(path), "%s/redis.sock", server->dir);
	unlink(path);
	if (empty) {
		snprintf(path, sizeof(path), "%s/appendonlydir", server->dir);
		remove_dir(path);
		/* Before Redis 7, the append-only file was one file. */
		snprintf(path, sizeof(path), "%s/appendonly.aof", server->dir);
		unlink(path);
	}
	if (spawn(server, error, error_size) != 0) {
		redis_server_stop(server);
		return -1;
	}
	return 0;
}

int redis_server_restart(struct redis_server *server, char *error,
			 size_t error_size)
{
	return start_again(server, false, error, error_size);
}

int redis_server_reset(struct redis_server *server, char *error,
		       size_t error_size)
{
	return start_again(server, true, error, error_size);
}

void redis_server_stop(struct redis_server *server)
{
	kill_and_reap(server);
	remove_dir(server->dir);
	server->dir[0] = '\0';
	/* after the removal: a sweep must not take the lock of a directory
	 * still there */
	if (server->locked)
		close(server->lock_fd);
	server->locked = false;
	track(server, false);
}

void redis_server_remove_dir(const char *dir)
{
	remove_dir(dir);
}

void redis_server_forget_all(void)
{
	for (int i = 0; i < SERVERS_MAX; i++)
		servers[i] = NULL;
}

static void stop_all(void)
{
	for (int i = 0; i < SERVERS_MAX; i++)
		if (servers[i])
			redis_server_stop(servers[i]);
}

static void on_signal(int signal_number)
{
	/* kill, waitpid and the directory removal, all of them system calls
	 * (remove_tree_at): the server must not outlive us, nor its files;
	 * nor a run's claim on a Redis of the user's (claim_signal.h). */
	stop_all();
	whole_file_remove_temporaries();
	claim_signal_release();
	signal(signal_number, SIG_DFL);
	raise(signal_number);
}

/* Whether fd is a pipe or socket whose reader has gone. */
static bool reader_gone(int fd)
{
	struct pollfd poll_fd = { .fd = fd, .events = 0 };
	return poll(&poll_fd, 1, 0) == 1 &&
	       (poll_fd.revents & (POLLERR | POLLHUP)) != 0;
}

/* SIGPIPE comes from a write to a pipe or socket nobody reads any more.
 * When that is our output (`flashsim run | head`), we die of it as any
 * command does, but stop our servers first. Otherwise it is a Redis
 * connection its server closed: the signal is let go, the write fails
 * with EPIPE, and the caller reports the lost connection (a default
 * SIGPIPE killed flashsim there without a word). */
static void on_sigpipe(int signal_number)
{
	if (reader_gone(STDOUT_FILENO) || reader_gone(STDERR_FILENO))
		on_signal(signal_number);
}

void redis_server_install_cleanup(void)
{
	static const int stopping[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_signal;
	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < sizeof(stopping) / sizeof(stopping[0]); i++) {
		struct sigaction before;
		/* One ignored when we start stays ignored: nohup's SIGHUP,
		 * the SIGINT of a job a shell started in the background. */
		if (sigaction(stopping[i], NULL, &before) == 0 &&
		    before.sa_handler == SIG_IGN)
			continue;
		sigaction(stopping[i], &action, NULL);
	}
	action.sa_handler = on_sigpipe;
	sigaction(SIGPIPE, &action, NULL);
	atexit(stop_all);
}
