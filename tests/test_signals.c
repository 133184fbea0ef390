/*
 * test_signals.c - what flashsim leaves behind when it is stopped from
 * outside: its output piped into a command that stops reading, SIGTERM in
 * the middle of a run, a Redis of the user's that goes away in the middle
 * of a run, a worker of an exploration (or its redis-server) killed; and
 * a redis-server that will not start. Each runs the real
 * binary, with TMPDIR set to a fresh directory, so that the directory of
 * its private redis-server can be looked for afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "redis_server.h"
#include "support.h"

static char flashsim[4096];
static char workdir[64];  /* TMPDIR of the flashsim under test */

/* The entries of workdir, "" when it is empty. */
static void workdir_entries(char *out, size_t size)
{
	DIR *dir = opendir(workdir);
	struct dirent *entry;
	size_t used = 0;
	assert_non_null(dir);
	out[0] = '\0';
	while ((entry = readdir(dir)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0)
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s ",
					 entry->d_name);
		if (used >= size)
			break;
	}
	closedir(dir);
}

static void assert_nothing_left(void)
{
	char entries[1024];
	workdir_entries(entries, sizeof(entries));
	if (entries[0])
		fail_msg("left behind in TMPDIR: %s", entries);
}

/* `flashsim run --timeline | head -n 1`: the timeline of 2,000 users is
 * megabytes, so flashsim writes into the pipe after head has gone and
 * gets SIGPIPE. It dies of it, as any command does (the shell sees 141),
 * and its server's directory goes with it. */
static void test_output_into_a_closed_pipe_leaves_nothing(void **state)
{
	(void)state;
	assert_int_equal(support_shell("bash -c 'TMPDIR=%s %s run --users 2000"
				       " --stock 10 --timeline | head -n 1"
				       " >/dev/null; exit ${PIPESTATUS[0]}'",
				       workdir, flashsim),
			 128 + 13);
	assert_nothing_left();
}

/* SIGTERM once the run's server is up (its directory exists): flashsim
 * stops the server, removes the directory and dies of SIGTERM. */
static void test_sigterm_in_a_run_leaves_nothing(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"bash -c 'TMPDIR=%s %s run --users 300000 --stock 10"
		" >/dev/null 2>&1 & pid=$!;"
		" for i in $(seq 1 1000); do"
		"  [ -n \"$(ls -A %s)\" ] && break; sleep 0.01;"
		" done;"
		" kill -TERM $pid; wait $pid; exit $?'",
		workdir, flashsim, workdir),
		128 + 15);
	assert_nothing_left();
}

/* kill -9 runs no handler: the killed flashsim's directory stays. The
 * next flashsim to make a directory there removes it, since its owner
 * lock is free, and leaves alone that of a flashsim still running.
 * Exit codes of the script: 90, a directory did not appear; 91, the
 * killed one's was not left; 92, the sweep removed the wrong ones; 93,
 * the running flashsim died. */
static void test_what_kill_9_leaves_the_next_run_removes(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"bash -c 'count() { ls -A %s | wc -l; };"
		" wait_for() { for i in $(seq 1 1000); do"
		"  [ \"$(count)\" -ge $1 ] && return 0; sleep 0.01; done;"
		"  return 1; };"
		" TMPDIR=%s %s run --users 300000 --stock 10 >/dev/null 2>&1 &"
		" live=$!; wait_for 1 || exit 90; alive=$(ls -A %s);"
		" TMPDIR=%s %s run --users 300000 --stock 10 >/dev/null 2>&1 &"
		" dead=$!; wait_for 2 || exit 90;"
		" kill -KILL $dead; wait $dead; sleep 0.2;"
		" [ \"$(count)\" -eq 2 ] || exit 91;"
		" TMPDIR=%s %s run --users 2 --stock 1 >/dev/null 2>&1;"
		" [ \"$(ls -A %s)\" = \"$alive\" ] || exit 92;"
		" kill -0 $live 2>/dev/null || exit 93;"
		" kill -TERM $live; wait $live; exit 0'",
		workdir, workdir, flashsim, workdir, workdir, flashsim,
		workdir, flashsim, workdir), 0);
	assert_nothing_left();
}

/* A directory whose removal stops half-way (a signal or kill -9 in the
 * middle of it) keeps its lock file, which goes last: the next sweep
 * removes the rest. The lock file used to go third or so, and a
 * directory without it is left alone for ever. Here a tree deeper than
 * the removal goes stands for the interruption: the first run removes
 * what it can and keeps the lock; once the tree is cut, the next run
 * removes the directory, a directory inside it that has the lock's name
 * included. 94: the lock went before the rest; 95: the
 * directory was not swept after. */
static void test_a_sweep_stopped_half_way_keeps_the_lock(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"bash -c 'd=%s/flashsim-AbCd12; mkdir -p $d/a/b/c/d/e/f"
		" $d/sub/flashsim.lock/x && touch $d/flashsim.lock $d/redis.log"
		" $d/orders.db $d/sub/flashsim.lock/x/f &&"
		" TMPDIR=%s %s run --users 2 --stock 1 >/dev/null 2>&1;"
		" [ -e $d/flashsim.lock ] && [ ! -e $d/redis.log ] || exit 94;"
		" rm -r $d/a; TMPDIR=%s %s run --users 2 --stock 1 >/dev/null"
		" 2>&1; [ ! -e $d ] || exit 95'", workdir, workdir, flashsim,
		workdir, flashsim), 0);
	assert_nothing_left();
}

/* Under nohup (SIGHUP ignored when flashsim starts), a hangup must not
 * stop the run: flashsim used to put its own handler in place of the
 * ignoring, and died of the SIGHUP nohup was there to ignore. It is
 * still stopped by SIGTERM, leaving nothing. */
static void test_an_ignored_sighup_stays_ignored(void **state)
{
	(void)state;
	/* 97: the SIGHUP stopped it */
	assert_int_equal(support_shell(
		"bash -c 'trap \"\" HUP; TMPDIR=%s %s run --users 300000"
		" --stock 10 >/dev/null 2>&1 & pid=$!;"
		" for i in $(seq 1 1000); do"
		"  [ -n \"$(ls -A %s)\" ] && break; sleep 0.01;"
		" done;"
		" kill -HUP $pid; sleep 0.5;"
		" kill -0 $pid 2>/dev/null || { wait $pid; exit 97; };"
		" kill -TERM $pid; wait $pid; exit $?'",
		workdir, flashsim, workdir),
		128 + 15);
	assert_nothing_left();
}

/* --junit naming a FIFO that nobody reads: writing the report waits in
 * open() for a reader. A SIGTERM then (a CI job's timeout) must still stop
 * flashsim, its server and its directory with it; it used to be held off
 * there, and flashsim waited for ever. The FIFO is made outside TMPDIR,
 * which must be left empty. */
static void test_sigterm_while_a_fifo_waits_for_its_reader(void **state)
{
	char fifo_dir[64], fifo[128];
	int status;
	(void)state;
	assert_int_equal(support_tempdir(fifo_dir, sizeof(fifo_dir), "fifo"), 0);
	snprintf(fifo, sizeof(fifo), "%s/junit.xml", fifo_dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* 99: still alive 5 s after the SIGTERM (then killed) */
	status = support_shell(
		"bash -c 'TMPDIR=%s %s run --users 5 --stock 2 --junit %s"
		" >/dev/null 2>&1 & pid=$!; sleep 2;"
		" kill -TERM $pid;"
		" for i in $(seq 1 100); do"
		"  kill -0 $pid 2>/dev/null || break; sleep 0.05;"
		" done;"
		" if kill -0 $pid 2>/dev/null; then"
		"  kill -KILL $pid; wait $pid; exit 99;"
		" fi; wait $pid; exit $?'",
		workdir, flashsim, fifo);
	assert_int_equal(support_tempdir_remove(fifo_dir), 0);
	assert_int_equal(status, 128 + 15);
	assert_nothing_left();
}

/* selftest keeps its failing runs in a trace database of its own, in a
 * directory of TMPDIR (it used to be in /tmp, whatever TMPDIR said). A
 * SIGTERM (to flashsim alone, as `timeout` sends it) removes that
 * directory with the rest; it used to stay behind, trace and all. The
 * workers, left without their parent, stop and remove theirs soon after. */
static void test_sigterm_in_a_selftest_leaves_nothing(void **state)
{
	char entries[1024];
	(void)state;
	/* 98: no trace database appeared in TMPDIR */
	assert_int_equal(support_shell(
		"bash -c 'TMPDIR=%s %s selftest --quick --jobs 2"
		" >/dev/null 2>&1 & pid=$!;"
		" for i in $(seq 1 1000); do"
		"  ls %s/*/trace.db >/dev/null 2>&1 && break; sleep 0.01;"
		" done;"
		" ls %s/*/trace.db >/dev/null 2>&1 || { kill -KILL $pid; exit 98; };"
		" kill -TERM $pid; wait $pid; exit $?'",
		workdir, flashsim, workdir, workdir),
		128 + 15);
	for (int i = 0; i < 500; i++) {
		workdir_entries(entries, sizeof(entries));
		if (!entries[0])
			break;
		usleep(10 * 1000);
	}
	assert_nothing_left();
}

/* What the signal handler runs to stop a server (redis_server_stop: kill,
 * waitpid, the removal of its directory) must not call malloc: a signal
 * may come while the process is inside malloc, whose lock and state are
 * then not for the handler to use. The handler used to remove the
 * directory with nftw (opendir allocates), and a SIGTERM that came inside
 * malloc aborted flashsim with a glibc assertion and left the directory,
 * about one kill in thirty in the middle of a large run. The race itself
 * is too rare to test by killing; this test counts the calls to malloc
 * while a running server is stopped, through the malloc of this program
 * (below), which forwards to glibc's. Not under AddressSanitizer, which
 * has its own malloc. */
#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
static volatile int counting, allocations;

void *malloc(size_t size)
{
	allocations += counting;
	return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
	allocations += counting;
	return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size)
{
	allocations += counting;
	return __libc_realloc(pointer, size);
}

void free(void *pointer)
{
	allocations += counting;
	__libc_free(pointer);
}
#endif

static void test_stopping_a_server_does_not_allocate(void **state)
{
#ifdef __SANITIZE_ADDRESS__
	(void)state;
	skip();
#else
	struct redis_server server;
	char error[512], dir[sizeof(server.dir)];
	(void)state;
	assert_int_equal(redis_server_start(&server, error, sizeof(error)), 0);
	snprintf(dir, sizeof(dir), "%s", server.dir);
	assert_int_equal(support_shell("test -d %s/appendonlydir", dir), 0);
	counting = 1;
	redis_server_stop(&server);
	counting = 0;
	assert_int_equal(allocations, 0);
	assert_int_not_equal(support_shell("test -e %s", dir), 0);
#endif
}

/* A SIGPIPE that is not about flashsim's own output, as a write to a
 * Redis connection its server has closed raises, is let go: the run goes
 * on and ends normally. Sent by hand here, once the run's server is up,
 * since which write meets a closed connection first is a matter of
 * timing (next test). It used to kill flashsim without a word. */
static void test_a_sigpipe_not_about_the_output_is_let_go(void **state)
{
	char out[4096], *text;
	int status;
	(void)state;
	snprintf(out, sizeof(out), "%s/stdout", workdir);
	status = support_shell(
		"bash -c 'TMPDIR=%s %s run --users 3000 --stock 10 >%s 2>&1 &"
		" pid=$!;"
		" for i in $(seq 1 1000); do"
		"  ls %s | grep -q flashsim- && break; sleep 0.01;"
		" done;"
		" kill -PIPE $pid || exit 99; wait $pid; exit $?'",
		workdir, flashsim, out, workdir);
	text = support_read_file(out);
	assert_non_null(text);
	if (status != 0 || !strstr(text, "verdict: ok"))
		fail_msg("exit %d, output: %s", status, text);
	free(text);
}

/* The user's Redis shuts down in the middle of a run (after it has
 * answered 2,000 commands of a 20,000-user sale). flashsim says so and
 * exits 3 (no verdict), whether it was reading a reply at that moment or
 * about to write the next command, and removes its working directory. */
static void test_redis_gone_in_a_run_is_an_error(void **state)
{
	struct redis_server server;
	char error[512], out[4096], *text;
	int status;
	(void)state;
	assert_int_equal(redis_server_start(&server, error, sizeof(error)), 0);
	snprintf(out, sizeof(out), "%s/stderr", workdir);
	status = support_shell(
		"bash -c 'TMPDIR=%s %s run --redis %s --flush --users 20000"
		" --stock 10 >/dev/null 2>%s & pid=$!; sock=%s;"
		" for i in $(seq 1 3000); do"
		"  n=$(redis-cli -s ${sock#unix:} info stats 2>/dev/null |"
		"      sed -n \"s/^total_commands_processed:\\([0-9]*\\).*/\\1/p\");"
		"  [ \"${n:-0}\" -gt 2000 ] && break; sleep 0.01;"
		" done;"
		" redis-cli -s ${sock#unix:} shutdown nosave >/dev/null 2>&1;"
		" wait $pid; exit $?'",
		workdir, flashsim, server.address, out, server.address);
	redis_server_stop(&server);
	text = support_read_file(out);
	assert_non_null(text);
	if (status != 3 || !strstr(text, "internal error, no verdict: redis"))
		fail_msg("exit %d, stderr: %s", status, text);
	free(text);
	assert_int_equal(remove(out), 0);
	assert_nothing_left(); /* its directory of the order database */
}

/* A run on a Redis of the user's stopped by SIGINT or SIGTERM (Ctrl-C,
 * a CI job cancelled) gives its claim key back, as one that ends does:
 * the next run, also from another machine, which cannot tell that the
 * holder is gone, is not refused. The key is waited for (the claim
 * taken), then the signal; the script's exit codes: 90, the claim did
 * not appear; 91, flashsim did not die of the signal; 92, the key is
 * still there. With --redis-db 2, so that the release selects it; with
 * job control (set -m), as a background job of a script has SIGINT
 * ignored otherwise, and an ignored one stays ignored. */
static void test_a_signal_gives_the_claim_back(void **state)
{
	struct redis_server server;
	char error[512];
	(void)state;
	assert_int_equal(redis_server_start(&server, error, sizeof(error)), 0);
	for (int i = 0; i < 2; i++) {
		const char *signal_name = i == 0 ? "INT" : "TERM";
		int status = support_shell(
			"bash -c 'set -m; sock=%s; cli() { redis-cli -s ${sock#unix:}"
			" -n 2 \"$@\" 2>/dev/null; };"
			" TMPDIR=%s %s run --redis %s --redis-db 2 --flush"
			" --users 300000 --stock 10 >/dev/null 2>&1 & pid=$!;"
			" for i in $(seq 1 3000); do"
			"  [ -n \"$(cli get flashsim:claim:{a})\" ] && break;"
			"  sleep 0.01;"
			" done;"
			" [ -n \"$(cli get flashsim:claim:{a})\" ] || exit 90;"
			" kill -%s $pid; wait $pid;"
			" [ $? = %d ] || exit 91;"
			" [ \"$(cli exists flashsim:claim:{a})\" = 0 ] || exit 92'",
			server.address, workdir, flashsim, server.address,
			signal_name, 128 + (i == 0 ? SIGINT : SIGTERM));
		if (status != 0)
			fail_msg("SIG%s: exit %d", signal_name, status);
	}
	redis_server_stop(&server);
	/* A server that bound its socket by a relative path: the handler
	 * connects by the path flashsim was given (getpeername gives the
	 * server's, relative to the server's directory). 93: the server
	 * did not start. */
	assert_int_equal(support_shell(
		"bash -c 'set -m; d=$(mktemp -d); cli() { redis-cli -s $d/r.sock"
		" \"$@\" 2>/dev/null; }; (cd $d && redis-server --port 0"
		" --unixsocket r.sock --dir $d --save \"\" --appendonly no"
		" --daemonize yes --pidfile $d/r.pid >/dev/null);"
		" for i in $(seq 1 500); do cli ping >/dev/null && break;"
		"  sleep 0.01; done; cli ping >/dev/null || exit 93;"
		" TMPDIR=%s %s run --redis unix:$d/r.sock --flush --users 300000"
		" --stock 10 >/dev/null 2>&1 & pid=$!;"
		" for i in $(seq 1 3000); do"
		"  [ -n \"$(cli get flashsim:claim:{a})\" ] && break; sleep 0.01;"
		" done; [ -n \"$(cli get flashsim:claim:{a})\" ] || rc=90;"
		" kill -TERM $pid; wait $pid; [ $? = 143 ] || rc=${rc:-91};"
		" [ \"$(cli exists flashsim:claim:{a})\" = 0 ] || rc=${rc:-92};"
		" cli shutdown nosave >/dev/null; rm -rf $d; exit ${rc:-0}'",
		workdir, flashsim), 0);
	assert_nothing_left();
}

/* A redis-server that will not start: the error gives what it said (a
 * configuration it refused goes to its standard error, before it opens
 * its log), flashsim exits 3 and removes the server's directory, log and
 * all. The error used to point at that log, already removed. */
static void test_a_server_that_will_not_start_says_why(void **state)
{
	char script[4096], out[4096], *text;
	int status;
	(void)state;
	snprintf(script, sizeof(script), "%s/bad-redis-server", workdir);
	snprintf(out, sizeof(out), "%s/stderr", workdir);
	status = support_shell(
		"printf '#!/bin/sh\\nexec redis-server \"$@\""
		" --no-such-option yes\\n' >%s && chmod +x %s &&"
		" TMPDIR=%s FLASHSIM_REDIS_SERVER=%s %s run --users 3"
		" --stock 1 >/dev/null 2>%s",
		script, script, workdir, script, flashsim, out);
	text = support_read_file(out);
	assert_non_null(text);
	if (status != 3 || !strstr(text, "redis-server exited at start") ||
	    !strstr(text, "no-such-option"))
		fail_msg("exit %d, stderr: %s", status, text);
	free(text);
	assert_int_equal(remove(out), 0);
	assert_int_equal(remove(script), 0);
	/* a directory is not a program (it was run, and "exited at start
	 * (exit status 127), and wrote nothing") */
	assert_int_equal(support_shell(
		"TMPDIR=%s FLASHSIM_REDIS_SERVER=%s %s run --users 3 --stock 1"
		" 2>&1 >/dev/null | grep -qx 'flashsim: FLASHSIM_REDIS_SERVER=%s"
		" is not an executable file (give its path)'", workdir, workdir,
		flashsim, workdir), 0);
	assert_nothing_left();
}

/* A file flashsim writes cannot grow (a full disk; here a file size
 * limit, whose signal is ignored so that the write fails with EFBIG):
 * the run ends with no verdict, and the error names the file (it said
 * "create order: commit: disk I/O error", and left the user to guess
 * which of the files it writes). */
static void test_a_file_that_cannot_grow_is_named(void **state)
{
	char out[4096], *text;
	int status;
	(void)state;
	snprintf(out, sizeof(out), "%s/stderr", workdir);
	status = support_shell("bash -c 'trap \"\" XFSZ; ulimit -f 100;"
			       " TMPDIR=%s %s run --users 60 --stock 20"
			       " >/dev/null 2>%s'", workdir, flashsim, out);
	text = support_read_file(out);
	assert_non_null(text);
	if (status != 3 ||
	    !strstr(text, "internal error, no verdict: order database ") ||
	    !strstr(text, "/orders.db: create order"))
		fail_msg("exit %d, stderr: %s", status, text);
	free(text);
	assert_int_equal(remove(out), 0);
	assert_nothing_left();
}

/* A child of parent whose command is name (its /proc/PID/stat), 0 when
 * there is none. */
static pid_t child_named(pid_t parent, const char *name)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	pid_t found = 0;
	assert_non_null(proc);
	while (!found && (entry = readdir(proc)) != NULL) {
		char path[300], stat[512], *close_paren;
		FILE *file;
		long ppid;
		size_t n;
		if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
		file = fopen(path, "r");
		if (!file)
			continue; /* gone meanwhile */
		n = fread(stat, 1, sizeof(stat) - 1, file);
		fclose(file);
		stat[n] = '\0';
		/* "PID (COMMAND) STATE PPID ...": the command may hold ")" */
		close_paren = strrchr(stat, ')');
		if (!close_paren || sscanf(close_paren + 1, " %*c %ld", &ppid) != 1 ||
		    ppid != (long)parent)
			continue;
		if (strncmp(strchr(stat, '(') + 1, name, strlen(name)) == 0 &&
		    strchr(stat, '(') + 1 + strlen(name) == close_paren)
			found = (pid_t)atol(entry->d_name);
	}
	closedir(proc);
	return found;
}

static double monotonic_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* An exploration of two workers, given a minute (far more than it gets
 * before what the test does to it), its outputs in workdir: the pid. */
static pid_t start_two_workers(void)
{
	char out[300], err[300], junit[300], html[300];
	pid_t pid;
	snprintf(out, sizeof(out), "%s/out.json", workdir);
	snprintf(err, sizeof(err), "%s/stderr", workdir);
	snprintf(junit, sizeof(junit), "%s/j.xml", workdir);
	snprintf(html, sizeof(html), "%s/r.html", workdir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setenv("TMPDIR", workdir, 1) != 0 ||
		    !freopen(out, "w", stdout) || !freopen(err, "w", stderr))
			_exit(127);
		/* no redis-crash: a worker's own restarts would replace the
		 * server the test kills */
		execl(flashsim, flashsim, "explore", "--users", "4", "--stock",
		      "2", "--mode", "pairs", "--kinds=-redis-crash", "--runs",
		      "100000", "--seconds", "60", "--jobs", "2", "--quiet",
		      "--json", "--junit", junit, "--html", html, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Whether both workers have their order database (made once their
 * redis-server is ready): two flashsim-* directories in TMPDIR, each with
 * its orders.db. */
static bool both_workers_ready(void)
{
	DIR *dir = opendir(workdir);
	struct dirent *entry;
	int ready = 0, dirs = 0;
	assert_non_null(dir);
	while ((entry = readdir(dir)) != NULL) {
		char path[512];
		if (strncmp(entry->d_name, "flashsim-", 9) != 0)
			continue;
		dirs++;
		snprintf(path, sizeof(path), "%s/%s/orders.db", workdir,
			 entry->d_name);
		ready += access(path, F_OK) == 0;
	}
	closedir(dir);
	return dirs == 2 && ready == 2;
}

/* A worker of the exploration pid, once both are making runs: its pid,
 * and its redis-server's in *server. */
static pid_t a_running_worker(pid_t pid, pid_t *server)
{
	for (int i = 0; i < 3000; i++) {
		pid_t worker = child_named(pid, "flashsim");
		*server = worker ? child_named(worker, "redis-server") : 0;
		if (*server && both_workers_ready()) {
			usleep(500 * 1000); /* some runs made */
			return worker;
		}
		usleep(10 * 1000);
	}
	fail_msg("no two workers with their redis-server after 30 s");
	return 0;
}

/* Waits for the exploration pid, which must end within 20 s with exit 3,
 * saying "worker N", then `part` and `expected`, on stderr, in its JSON
 * error, its JUnit file and its HTML report; then nothing of it is left
 * in TMPDIR. */
static void assert_stopped_saying(pid_t pid, double killed, const char *part,
				  const char *expected)
{
	static const char *const files[] = { "stderr", "out.json", "j.xml",
					     "r.html" };
	int status;
	double took;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	took = monotonic_seconds() - killed;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[300], *text;
		const char *worker;
		snprintf(path, sizeof(path), "%s/%s", workdir, files[i]);
		text = support_read_file(path);
		assert_non_null(text);
		worker = strstr(text, "worker ");
		if (!worker || !strstr(worker, part) ||
		    !strstr(worker, expected) ||
		    strstr(text, "a run failed inside a worker"))
			fail_msg("%s lacks 'worker N...%s...%s': %s", files[i],
				 part, expected, text);
		free(text);
		assert_int_equal(remove(path), 0);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 3)
		fail_msg("wait status %d, not exit 3", status);
	if (took > 20)
		fail_msg("the exploration went on %.0f s after the failure", took);
	assert_nothing_left();
}

/* A worker's redis-server killed: the worker's run fails, and the
 * exploration stops at once (it used to wait for the other worker's
 * whole share), with the worker's own error in every report (they said
 * "a run failed inside a worker (see above)"); the other worker stops its
 * server and removes its directory. */
static void test_a_worker_whose_server_dies_stops_the_exploration(
	void **state)
{
	pid_t pid = start_two_workers(), server;
	(void)state;
	(void)a_running_worker(pid, &server);
	assert_int_equal(kill(server, SIGKILL), 0);
	assert_stopped_saying(pid, monotonic_seconds(), ": run ",
			      "redis-server died during the run (signal 9");
}

/* A worker killed: the exploration stops at once, says which worker died
 * of which signal (it said "worker 1 failed", after the other worker's
 * whole share), and removes the dead worker's directory, which the
 * worker could not. */
static void test_a_killed_worker_stops_the_exploration(void **state)
{
	pid_t pid = start_two_workers(), server, worker;
	char expected[128];
	(void)state;
	worker = a_running_worker(pid, &server);
	assert_int_equal(kill(worker, SIGKILL), 0);
	snprintf(expected, sizeof(expected), "(pid %ld) died of signal 9"
		 " (Killed) after ", (long)worker);
	assert_stopped_saying(pid, monotonic_seconds(), "worker ", expected);
}

static int setup(void **state)
{
	(void)state;
	return support_tempdir(workdir, sizeof(workdir), "signals");
}

static int teardown(void **state)
{
	(void)state;
	return support_tempdir_remove(workdir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_output_into_a_closed_pipe_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_in_a_run_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_what_kill_9_leaves_the_next_run_removes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_sweep_stopped_half_way_keeps_the_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_ignored_sighup_stays_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_while_a_fifo_waits_for_its_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_in_a_selftest_leaves_nothing, setup, teardown),
		cmocka_unit_test(test_stopping_a_server_does_not_allocate),
		cmocka_unit_test_setup_teardown(test_a_sigpipe_not_about_the_output_is_let_go, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redis_gone_in_a_run_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_signal_gives_the_claim_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_server_that_will_not_start_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_file_that_cannot_grow_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_worker_whose_server_dies_stops_the_exploration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_killed_worker_stops_the_exploration, setup, teardown),
	};
	(void)argc;
	redis_server_install_cleanup();
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
