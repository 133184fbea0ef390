/*
 * test_junit.c - the JUnit XML writer (sim/junit.c) and the files that
 * `run --junit`, `explore --junit` and `selftest --junit` write: escaped,
 * written whole or not at all (sim/whole_file.c, which the other reports
 * share), and valid XML to xmllint.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "junit.h"
#include "redis_server.h"
#include "support.h"
#include "whole_file.h"

#define XMLLINT "/usr/bin/xmllint"

static char flashsim[4096];   /* the binary next to this test's directory */
static char workdir[64];



static void assert_valid_xml(const char *path)
{
	if (access(XMLLINT, X_OK) != 0)
		fail_msg(XMLLINT " is missing: run .ci/install-deps"
			 " (package libxml2-utils)");
	if (support_shell(XMLLINT " --noout '%s'", path) != 0)
		fail_msg("%s is not well-formed XML (xmllint above)", path);
}

/* The time of the document's first test case. */
static double case_seconds(const char *text)
{
	const char *at = strstr(text, "<testcase ");
	assert_non_null(at);
	at = strstr(at, " time=\"");
	assert_non_null(at);
	return strtod(at + 7, NULL);
}

static void path_in_workdir(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/%s", workdir, name);
}

/* Markup is escaped; bytes XML 1.0 cannot hold become '?'; valid UTF-8
 * and newlines stay. */
static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a<b>&c", "a&lt;b&gt;&amp;c" },
		{ "\"quoted\" 'single'", "\"quoted\" 'single'" },
		{ "bell\a end", "bell? end" },
		{ "bad \xff byte", "bad ? byte" },
		{ "cut \xc3", "cut ?" },
		{ "caf\xc3\xa9 \xe2\x86\x92", "caf\xc3\xa9 \xe2\x86\x92" },
		{ "two\nlines\r", "two\nlines&#13;" },
		{ "", "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = support_written(junit_escape, cases[i].in);
		assert_string_equal(out, cases[i].out);
		free(out);
	}
}

/* A document with hostile text in every field is valid XML, counts its
 * tests and failures, and keeps the text. */
static void test_document_is_valid(void **state)
{
	struct junit_case cases[] = {
		{ "passes", "flashsim.test", 1.5, NULL, NULL, NULL, "out <put>",
		  false },
		{ "fails \"here\" & <there>", "flashsim.test'", 0.25,
		  "message\nwith <markup> & \x01 control", "violation",
		  "body ]]> <![CDATA[ \xff", NULL, false },
		{ "broke", "flashsim.test", 0.5, "no verdict", NULL, "why",
		  NULL, true },
	};
	struct junit_suite suites[] = {
		{ "suite <one>", 2.25, cases, 3 },
		{ "empty suite", 0, NULL, 0 },
	};
	char path[256], error[512], *text;
	(void)state;
	path_in_workdir(path, sizeof(path), "doc.xml");
	assert_int_equal(junit_write(path, "all & sundry", suites, 2, error,
				     sizeof(error)), 0);
	assert_valid_xml(path);
	text = support_read_file(path);
	assert_non_null(text);
	/* An error (no verdict) is an <error>, counted apart from the
	 * failures: CI tells a broken job from a broken protocol. */
	assert_non_null(strstr(text, "<testsuites name=\"all &amp; sundry\""
			       " tests=\"3\" failures=\"1\" errors=\"1\""));
	assert_non_null(strstr(text, "<testsuite name=\"suite &lt;one&gt;\""
			       " tests=\"3\" failures=\"1\" errors=\"1\""));
	assert_non_null(strstr(text, "<error message=\"no verdict\""
			       " type=\"error\">why</error>"));
	assert_non_null(strstr(text, "name=\"fails &quot;here&quot; &amp;"
			       " &lt;there&gt;\""));
	assert_non_null(strstr(text, "message=\"message&#10;with &lt;markup&gt;"
			       " &amp; ? control\" type=\"violation\""));
	assert_non_null(strstr(text, "<system-out>out &lt;put&gt;</system-out>"));
	assert_non_null(strstr(text, "tests=\"0\" failures=\"0\""));
	free(text);
}

/* The file is replaced whole; a failed write leaves nothing behind, and
 * no temporary file stays. */
static void test_write_is_atomic(void **state)
{
	struct junit_case item = { "one", "c", 0, NULL, NULL, NULL, NULL,
				   false };
	struct junit_suite suite = { "s", 0, &item, 1 };
	char path[256], bad[256], error[512], *text;
	(void)state;
	path_in_workdir(path, sizeof(path), "atomic.xml");
	text = NULL;
	assert_int_equal(support_shell("echo 'old half-written <' > '%s'", path), 0);
	assert_int_equal(junit_write(path, "n", &suite, 1, error,
				     sizeof(error)), 0);
	text = support_read_file(path);
	assert_non_null(strstr(text, "<testcase name=\"one\""));
	assert_null(strstr(text, "old half-written"));
	free(text);
	path_in_workdir(bad, sizeof(bad), "missing-dir/out.xml");
	assert_int_equal(junit_write(bad, "n", &suite, 1, error,
				     sizeof(error)), -1);
	assert_non_null(strstr(error, "missing-dir"));
	assert_int_not_equal(access(bad, F_OK), 0);
	assert_int_equal(support_shell("ls '%s' | grep -q tmp", workdir), 1);
	/* a name as long as a directory takes: its temporary is cut to fit
	 * (it was refused, "File name too long"), checked and written */
	char name[NAME_MAX + 1], *long_path = malloc(PATH_MAX);
	assert_non_null(long_path);
	memset(name, 'x', NAME_MAX - 4);
	strcpy(name + NAME_MAX - 4, ".xml");
	path_in_workdir(long_path, PATH_MAX, name);
	assert_int_equal(whole_file_check(long_path, error, sizeof(error)), 0);
	assert_int_equal(junit_write(long_path, "n", &suite, 1, error,
				     sizeof(error)), 0);
	text = support_read_file(long_path);
	assert_non_null(strstr(text, "<testcase name=\"one\""));
	free(text);
	assert_int_equal(unlink(long_path), 0);
	free(long_path);
	assert_int_equal(support_shell("ls '%s' | grep -q tmp", workdir), 1);
}

/* The helper behind every report file (--junit, --html, --svg, the
 * bench's --out): a file abandoned half-way (the writer failed) leaves
 * the previous file as it was and no temporary file; a finished one
 * replaces it. */
static void test_whole_file_abandoned_leaves_the_old_one(void **state)
{
	struct whole_file file;
	char path[256], error[512], *text;
	(void)state;
	path_in_workdir(path, sizeof(path), "report.html");
	assert_int_equal(support_shell("echo 'the old report' > '%s'", path), 0);
	assert_int_equal(whole_file_open(&file, path, error, sizeof(error)), 0);
	fputs("<html>the first half of a new rep", file.out);
	assert_int_equal(whole_file_close(&file, false, error, sizeof(error)), -1);
	text = support_read_file(path);
	assert_string_equal(text, "the old report\n");
	free(text);
	assert_int_equal(support_shell("ls '%s' | grep -q tmp", workdir), 1);
	assert_int_equal(whole_file_open(&file, path, error, sizeof(error)), 0);
	fputs("<html>the whole new report</html>\n", file.out);
	assert_int_equal(whole_file_close(&file, true, error, sizeof(error)), 0);
	text = support_read_file(path);
	assert_string_equal(text, "<html>the whole new report</html>\n");
	free(text);
	assert_int_equal(support_shell("ls '%s' | grep -q tmp", workdir), 1);
	/* a report made private stays private when it is replaced (it
	 * became readable by all, as a new file is) */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(whole_file_open(&file, path, error, sizeof(error)), 0);
	fputs("<html>a private report</html>\n", file.out);
	assert_int_equal(whole_file_close(&file, true, error, sizeof(error)), 0);
	{
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		/* set-user-ID is not carried over to the new file */
		assert_int_equal(chmod(path, 04755), 0);
		assert_int_equal(whole_file_open(&file, path, error,
						 sizeof(error)), 0);
		fputs("<html>a report</html>\n", file.out);
		assert_int_equal(whole_file_close(&file, true, error,
						  sizeof(error)), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0755);
	}
}

/* A report replaced by its owner keeps its group when the owner is in
 * it; when not, the new group gets no more than the others had (it was
 * given the old group's bits: members of the owner's group could read a
 * report made for another group). Needs root, to act as two users. */
static void test_a_replaced_report_keeps_its_group(void **state)
{
	(void)state;
	if (geteuid() != 0 || system("command -v setpriv >/dev/null") != 0) {
		skip();
		return;
	}
	assert_int_equal(support_shell(
		"d=$(mktemp -d /tmp/group.XXXXXX) && chmod 777 $d && cd $d &&"
		" echo old >kept.svg && echo old >narrowed.svg &&"
		" chown 1234:5678 kept.svg narrowed.svg &&"
		" chmod 0640 kept.svg narrowed.svg &&"
		" f='%s'; case $f in /*) ;; *) f=$OLDPWD/$f;; esac;"
		/* a copy the other user can reach, and a TMPDIR it can
		 * write, whatever the checkout's permissions */
		" cp \"$f\" ./flashsim && chmod 755 ./flashsim && export TMPDIR=$d &&"
		" setpriv --reuid 1234 --regid 1234 --groups 5678 ./flashsim run"
		" --users 2 --stock 1 --svg kept.svg >/dev/null 2>&1 &&"
		" setpriv --reuid 1234 --regid 1234 --clear-groups ./flashsim run"
		" --users 2 --stock 1 --svg narrowed.svg >/dev/null 2>&1 &&"
		" test \"$(stat -c '%%u %%g %%a' kept.svg)\" = '1234 5678 640' &&"
		" test \"$(stat -c '%%u %%g %%a' narrowed.svg)\" ="
		" '1234 1234 600'; r=$?; cd / && rm -rf $d; exit $r", flashsim),
		0);
}

/* A stopping signal while the report is being written removes the
 * temporary file (it was left behind) and leaves the old report. (This
 * test program starts no redis-server, so the child's handler has none
 * of ours to stop.) */
static void test_whole_file_killed_leaves_no_temporary(void **state)
{
	char path[256], *text;
	int status;
	pid_t pid;
	(void)state;
	path_in_workdir(path, sizeof(path), "killed.html");
	assert_int_equal(support_shell("echo 'the old report' > '%s'", path), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct whole_file file;
		char error[512];
		redis_server_install_cleanup();
		if (whole_file_open(&file, path, error, sizeof(error)) != 0)
			_exit(2);
		fputs("<html>the first half of a new rep", file.out);
		fflush(file.out);
		raise(SIGTERM);
		_exit(3); /* not reached: the signal ends the process */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	text = support_read_file(path);
	assert_string_equal(text, "the old report\n");
	free(text);
	assert_int_equal(support_shell("ls '%s' | grep -q 'killed.html.tmp'",
				       workdir), 1);
}

/* A symbolic link is followed: it stays a link, and the file it names
 * gets the text (whole, by a temporary next to it); a FIFO (as /dev/null
 * or /dev/stdout would) is written in place, stays a FIFO and gets the
 * text: renaming a finished temporary over it, as root, replaced even
 * /dev/null with a plain file. The link comes first: if the rule breaks,
 * the test stops there. */
static void test_whole_file_follows_links_and_writes_devices_in_place(void **state)
{
	struct whole_file file;
	char target[256], link[256], fifo[256], error[512], got[64], *text;
	struct stat st;
	int reader;
	ssize_t n;
	(void)state;
	path_in_workdir(target, sizeof(target), "target.html");
	path_in_workdir(link, sizeof(link), "link.html");
	assert_int_equal(support_shell("echo old > '%s' && ln -s target.html '%s'",
				       target, link), 0);
	assert_int_equal(whole_file_open(&file, link, error, sizeof(error)), 0);
	assert_false(file.in_place);
	assert_string_equal(file.path, target);
	fputs("new\n", file.out);
	assert_int_equal(whole_file_close(&file, true, error, sizeof(error)), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	text = support_read_file(target);
	assert_string_equal(text, "new\n");
	free(text);
	path_in_workdir(fifo, sizeof(fifo), "fifo.xml");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	reader = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(reader >= 0);
	assert_int_equal(whole_file_open(&file, fifo, error, sizeof(error)), 0);
	fputs("<testsuites/>\n", file.out);
	assert_int_equal(whole_file_close(&file, true, error, sizeof(error)), 0);
	n = read(reader, got, sizeof(got) - 1);
	close(reader);
	assert_int_equal(n, 14);
	got[n] = '\0';
	assert_string_equal(got, "<testsuites/>\n");
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

/* whole_file_check: a path that can be written is checked without
 * leaving anything there; a directory or a missing one is refused; a FIFO
 * is not opened (its reader would take the check's close as the end; with
 * no reader, opening it would block: the alarm ends the test then). */
static void test_whole_file_check(void **state)
{
	char path[PATH_MAX], fifo[256], error[PATH_MAX + 512];
	(void)state;
	path_in_workdir(path, sizeof(path), "checked.xml");
	assert_int_equal(whole_file_check(path, error, sizeof(error)), 0);
	assert_int_equal(support_shell("ls -A '%s' | grep -q checked", workdir), 1);
	assert_int_equal(whole_file_check(workdir, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "Is a directory"));
	path_in_workdir(path, sizeof(path), "no/such/dir/checked.xml");
	assert_int_equal(whole_file_check(path, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "no/such/dir/checked.xml: No such file"));
	/* links are followed: to a directory, into a missing one, refused;
	 * a dangling link into a directory that exists is fine */
	assert_int_equal(support_shell("cd '%s' && ln -s . to-dir &&"
				       " ln -s no/such/x.xml nowhere &&"
				       " ln -s later.xml later", workdir), 0);
	path_in_workdir(path, sizeof(path), "to-dir");
	assert_int_equal(whole_file_check(path, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "to-dir: Is a directory"));
	path_in_workdir(path, sizeof(path), "nowhere");
	assert_int_equal(whole_file_check(path, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "nowhere (a link to "));
	assert_non_null(strstr(error, "no/such/x.xml): No such file"));
	path_in_workdir(path, sizeof(path), "later");
	assert_int_equal(whole_file_check(path, error, sizeof(error)), 0);
	/* a name longer than a directory holds is refused now, not at the
	 * rename after the run (the temporary's name is cut to fit) */
	{
		char name[NAME_MAX + 2];
		memset(name, 'n', NAME_MAX + 1);
		name[NAME_MAX + 1] = '\0';
		path_in_workdir(path, sizeof(path), name);
		assert_int_equal(whole_file_check(path, error, sizeof(error)),
				 -1);
		assert_non_null(strstr(error, "File name too long"));
		name[NAME_MAX] = '\0';
		path_in_workdir(path, sizeof(path), name);
		assert_int_equal(whole_file_check(path, error, sizeof(error)), 0);
	}
	path_in_workdir(fifo, sizeof(fifo), "checked.fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	assert_int_equal(whole_file_check(fifo, error, sizeof(error)), 0);
	alarm(0);
	unlink(fifo);
}

/* A report file that cannot be written is refused with the bad input's
 * exit code before anything runs (nothing on stdout), not after the run
 * or the exploration, which used to end in exit 3 with the verdict lost. */
static void test_unwritable_outputs_are_refused_at_once(void **state)
{
	const char *commands[] = {
		"run --users 3 --stock 2 --junit",
		"run --users 3 --stock 2 --svg",
		"explore --users 3 --stock 2 --html",
		"explore --users 3 --stock 2 --junit",
		"selftest --quick --junit",
		"bench --workload reject --users 100 --no-reference --out",
	};
	char out[256], err[256], *text;
	(void)state;
	path_in_workdir(out, sizeof(out), "refused.out");
	path_in_workdir(err, sizeof(err), "refused.err");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		assert_int_equal(support_shell("%s %s '%s/missing/dir/x' >'%s'"
					       " 2>'%s'", flashsim, commands[i],
					       workdir, out, err), 64);
		text = support_read_file(out);
		assert_string_equal(text, "");
		free(text);
		text = support_read_file(err);
		if (!strstr(text, "missing/dir/x: No such file or directory"))
			fail_msg("%s: %s", commands[i], text);
		free(text);
		/* one missing directory is not made either (bench made it) */
		assert_int_equal(support_shell("%s %s '%s/missing/x' >/dev/null"
					       " 2>&1; test $? = 64 && ! test -e"
					       " '%s/missing'", flashsim,
					       commands[i], workdir, workdir), 0);
	}
	/* The trace database, which SQLite opens, likewise. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(support_shell("%s %s --trace '%s/missing/dir/x'"
					       " >'%s' 2>'%s'", flashsim, i ?
					       "selftest --quick" : "explore"
					       " --users 3 --stock 2", workdir,
					       out, err), 64);
		text = support_read_file(out);
		assert_string_equal(text, "");
		free(text);
		text = support_read_file(err);
		if (!strstr(text, "trace database ") ||
		    !strstr(text, "missing/dir/x: opening: ") ||
		    strstr(text, "internal error"))
			fail_msg("--trace: %s", text);
		free(text);
	}
}

/* Two outputs on one file are refused at once, whatever names they give
 * it (a relative path, an absolute one, a link): one would destroy the
 * other; two names of a device are not refused. */
static void test_two_outputs_on_one_file_are_refused(void **state)
{
	const char *commands[] = {
		"run --users 1 --stock 1 --trace same.db --junit same.db",
		"run --users 1 --stock 1 --svg same.db --orders-db ./same.db",
		"explore --users 1 --stock 1 --html same.db --junit link.db",
		"run --users 1 --stock 1 --trace same.db --orders-db %s/same.db",
		"bench --workload reject --users 100 --no-reference"
		" --out same.db --json link.db",
	};
	char out[256], err[256], command[512], binary[PATH_MAX], *text;
	(void)state;
	assert_non_null(realpath(flashsim, binary));
	path_in_workdir(out, sizeof(out), "same.out");
	path_in_workdir(err, sizeof(err), "same.err");
	assert_int_equal(support_shell("cd '%s' && ln -s same.db link.db",
				       workdir), 0);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		snprintf(command, sizeof(command), commands[i], workdir);
		assert_int_equal(support_shell("cd '%s' && '%s' %s >'%s' 2>'%s'",
					       workdir, binary, command, out,
					       err), 64);
		text = support_read_file(err);
		if (!strstr(text, "name the same file: one would destroy the"
			    " other"))
			fail_msg("%s: %s", command, text);
		if (i == 0 && !strstr(text, "--trace same.db and --junit"
				      " same.db")) /* as typed */
			fail_msg("%s: %s", command, text);
		free(text);
		assert_int_equal(support_shell("test -e '%s/same.db'", workdir),
				 1);
	}
	assert_int_equal(support_shell("%s run --users 1 --stock 1 --junit"
				       " /dev/null --html /dev/null >/dev/null",
				       flashsim), 0);
	/* /dev/stdout on a pipe is a link to no path ("pipe:[N]"): written
	 * in place, not refused */
	assert_int_equal(support_shell("%s run --users 1 --stock 1 --junit"
				       " /dev/stdout | grep -q '^<testsuites '",
				       flashsim), 0);
	/* and on a file, the report comes after what was printed, which
	 * stays */
	assert_int_equal(support_shell("%s run --users 1 --stock 1 --junit"
				       " /dev/stdout >'%s/stdout.txt' && grep -q"
				       " '^replay: ' '%s/stdout.txt' && tail -n 1"
				       " '%s/stdout.txt' | grep -q"
				       " '</testsuites>'", flashsim, workdir,
				       workdir, workdir), 0);
}

/* An output never destroys what the run reads: its scenario, or a file
 * of its --invariants (which would add an invariant to the next run);
 * nor mixes with --json on the standard output; '-' is no file name. */
static void test_outputs_spare_the_inputs(void **state)
{
	char dir[256], binary[PATH_MAX], *text;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "inputs"), 0);
	assert_int_equal(support_shell(
		"cp scenarios/success.ini '%s/s.ini' && mkdir '%s/inv' && cp"
		" sim/invariants/conservation.sql '%s/inv/c.sql'", dir, dir,
		dir), 0);
	assert_int_equal(support_shell(
		"%s run '%s/s.ini' --junit '%s/./s.ini' >/dev/null 2>'%s/err'",
		flashsim, dir, dir, dir), 64);
	assert_int_equal(support_shell(
		"grep -q 'and the scenario .*s.ini name the same file' '%s/err'"
		" && grep -q '^; success.ini' '%s/s.ini'", dir, dir), 0);
	assert_int_equal(support_shell(
		"%s explore '%s/s.ini' --html '%s/s.ini' >/dev/null 2>&1",
		flashsim, dir, dir), 64);
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --invariants '%s/inv' --junit"
		" '%s/inv/c.sql' >/dev/null 2>'%s/err'", flashsim, dir, dir,
		dir), 64);
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --invariants '%s/inv' --svg"
		" '%s/inv/../inv/new.sql' >/dev/null 2>&1", flashsim, dir, dir),
		64);
	assert_int_equal(support_shell(
		"grep -q 'c.sql is a file of --invariants .*: it would replace"
		" or add an invariant' '%s/err' && test \"$(ls '%s/inv')\" ="
		" c.sql && grep -q '^--' '%s/inv/c.sql'", dir, dir, dir), 0);
	/* beside the invariants, and a .sql elsewhere, are fine */
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --invariants '%s/inv' --junit"
		" '%s/inv/run.xml' --svg '%s/run.sql' >/dev/null", flashsim, dir,
		dir, dir), 0);
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --json --junit /dev/stdout"
		" >'%s/out' 2>'%s/err'", flashsim, dir, dir), 64);
	text = support_read_file(strcat(dir, "/err"));
	assert_non_null(strstr(text, "--junit /dev/stdout is the standard"
			       " output, where --json prints"));
	free(text);
	/* a device spoils nothing */
	assert_int_equal(support_shell("%s run --users 1 --stock 1 --json"
				       " --junit /dev/null >/dev/null",
				       flashsim), 0);
	*strrchr(dir, '/') = '\0';
	assert_non_null(realpath(flashsim, binary));
	assert_int_equal(support_shell(
		"cd '%s' && '%s' run --users 1 --stock 1 --junit - >/dev/null"
		" 2>err; test $? = 64 && grep -q \"'-' is no name for the"
		" standard output here; give /dev/stdout\" err && ! test -e -",
		dir, binary), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* run --junit: one case, failed with the problem when the verdict is not
 * ok, passed otherwise; a fault that never fired is named. */
static void test_run_junit(void **state)
{
	char ok[256], bad[256], *text;
	(void)state;
	path_in_workdir(ok, sizeof(ok), "run-ok.xml");
	path_in_workdir(bad, sizeof(bad), "run-bad.xml");
	assert_int_equal(support_shell("%s run --users 3 --stock 2 --junit '%s'"
			       " --fault app/deduct/after@9:crash --html '%s.html'"
			       " >/dev/null", flashsim, ok, ok), 0);
	assert_int_equal(support_shell("%s run --users 1 --stock 2 --variant naive"
			       " --fault app/deduct/before@1:delay --junit '%s'"
			       " >/dev/null", flashsim, bad), 1);
	assert_valid_xml(ok);
	assert_valid_xml(bad);
	text = support_read_file(ok);
	assert_non_null(strstr(text, "tests=\"1\" failures=\"0\""));
	/* The run's time, not 0.000. */
	assert_true(case_seconds(text) > 0);
	/* A fault at a hit the run never reached is named, in the JUnit
	 * file and in the HTML report. */
	assert_non_null(strstr(text, "NOT FIRED: app/deduct/after@9:crash"
			       " never fired"));
	free(text);
	text = support_read_file(strcat(ok, ".html"));
	assert_non_null(strstr(text, "NOT FIRED</td><td>app/deduct/after@9:crash"
			       " never fired"));
	free(text);
	text = support_read_file(bad);
	assert_non_null(strstr(text, "tests=\"1\" failures=\"1\""));
	assert_non_null(strstr(text, "<failure message=\"conservation:"));
	assert_non_null(strstr(text, "--fault app/deduct/before@1:delay"));
	free(text);
}

/* An internal error (here: the Redis that a redis-crash fault kills
 * cannot start again) is an <error> counted in errors, not a failure: CI
 * tells exit 3 from 1 and 2. */
static void test_run_junit_internal_error(void **state)
{
	char dir[256], server[300], *text;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "junit-error"), 0);
	assert_int_equal(support_failing_redis_server(dir, 1, server,
						      sizeof(server)), 0);
	assert_int_equal(support_shell(
		"FLASHSIM_REDIS_SERVER='%s' %s run --users 1 --stock 1"
		" --fault app/deduct/before@1:redis-crash --junit '%s/run.xml'"
		" >/dev/null 2>&1", server, flashsim, dir), 3);
	assert_int_equal(support_shell("cd '%s' && %s --noout run.xml", dir,
				       XMLLINT), 0);
	text = support_read_file(strcat(dir, "/run.xml"));
	assert_non_null(text);
	assert_non_null(strstr(text, "tests=\"1\" failures=\"0\" errors=\"1\""));
	assert_non_null(strstr(text, "<error message=\""));
	assert_non_null(strstr(text, "type=\"internal-error\">internal error,"
			       " no verdict: "));
	assert_null(strstr(text, "<failure"));
	free(text);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A run that cannot start (its Redis refused, its own redis-server dead
 * at start) still writes its JUnit file, an <error> that says why, typed
 * bad-input for exit 64: a CI job found no file at all. */
static void test_run_junit_without_a_start(void **state)
{
	char dir[256], *text;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "junit-start"), 0);
	assert_int_equal(support_shell(
		"%s run --redis 127.0.0.1:1 --users 1 --stock 1 --junit"
		" '%s/refused.xml' >/dev/null 2>&1", flashsim, dir), 64);
	assert_int_equal(support_shell(
		"FLASHSIM_REDIS_SERVER=/bin/false %s run --users 1 --stock 1"
		" --junit '%s/dead.xml' >/dev/null 2>&1", flashsim, dir), 3);
	assert_int_equal(support_shell("cd '%s' && %s --noout refused.xml"
				       " dead.xml", dir, XMLLINT), 0);
	text = support_read_file(strcat(dir, "/refused.xml"));
	assert_non_null(text);
	assert_non_null(strstr(text, "errors=\"1\""));
	assert_non_null(strstr(text, "type=\"bad-input\">bad input, no"
			       " verdict: cannot use Redis: redis 127.0.0.1:1"));
	free(text);
	strcpy(strrchr(dir, '/'), "/dead.xml");
	text = support_read_file(dir);
	assert_non_null(text);
	assert_non_null(strstr(text, "type=\"internal-error\">internal error,"
			       " no verdict: redis-server exited at start"));
	free(text);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* explore --junit: a failing case per distinct failure, its shrunk plan
 * and replay command in the message; one passing case when none. */
static void test_explore_junit(void **state)
{
	char ok[256], bad[256], *text;
	(void)state;
	path_in_workdir(ok, sizeof(ok), "explore-ok.xml");
	path_in_workdir(bad, sizeof(bad), "explore-bad.xml");
	assert_int_equal(support_shell("%s explore --users 2 --stock 1 --coordinators 2"
			       " --kinds delay --quiet --junit '%s' >/dev/null",
			       flashsim, ok), 0);
	assert_int_equal(support_shell("%s explore --users 2 --stock 1 --coordinators 2"
			       " --kinds delay --variant naive --quiet"
			       " --junit '%s' >/dev/null", flashsim, bad), 1);
	assert_valid_xml(ok);
	assert_valid_xml(bad);
	text = support_read_file(ok);
	assert_non_null(strstr(text, "tests=\"1\" failures=\"0\""));
	assert_non_null(strstr(text, "<testcase name=\"exploration\""));
	free(text);
	text = support_read_file(bad);
	assert_non_null(strstr(text, "<testcase name=\"conservation\""));
	assert_non_null(strstr(text, "message=\"conservation:"
			       " app/deduct/before@1:delay (shrunk to 1 user,"));
	assert_non_null(strstr(text, "replay: "));
	assert_non_null(strstr(text, "--variant naive --fault"
			       " app/deduct/before@1:delay"));
	assert_null(strstr(text, "name=\"exploration\""));
	free(text);
}

/* selftest --junit: one case per row (the protocol on each sale, each
 * variant on its own), all passing, each variant's counterexample in its
 * output, those of the recovery sale as explore-recovery-sale.ini's. The
 * same run keeps its counterexamples in a --trace file with a long path
 * (one past 127 characters went to a file of a cut name). */
static void test_selftest_junit(void **state)
{
	char path[256], trace[512], out[512], *text;
	(void)state;
	path_in_workdir(path, sizeof(path), "selftest.xml");
	path_in_workdir(trace, sizeof(trace), "a-trace-file-whose-path-runs"
			"-past-one-hundred-and-twenty-seven-characters-as-a-CI"
			"-job-artifact-path-may-well-be.db");
	assert_true(strlen(trace) > 130);
	path_in_workdir(out, sizeof(out), "selftest.txt");
	assert_int_equal(support_shell("%s selftest --quick --jobs 2 --junit '%s'"
			       " --trace \"%s\" >'%s' && test \"$(sqlite3"
			       " \"%s\" 'select count(*) > 4 from runs')\" = 1",
			       flashsim, path, trace, out, trace), 0);
	/* each variant's counterexample points at where it went wrong,
	 * in the text and in the JUnit file */
	assert_int_equal(support_shell("test \"$(grep -c '^    points at [0-9]*"
			       " ms ' '%s')\" -ge 7 && grep -q '^    points at"
			       " [0-9]* ms redis RESTART.* -- conservation: Redis"
			       " came back here without the stock key$' '%s'",
			       out, out), 0);
	/* the recovery sale is explore-recovery-sale.ini's: the variants
	 * explored on it shrink to the scenario's counterexamples */
	assert_int_equal(support_shell("for v in stock-before-barrier"
			       " unclear-backcheck-fails; do a=$(sed -n"
			       " \"s/^    replay    \\(.* --variant $v .*\\)/\\1/p\""
			       " '%s' | head -n 1) && b=$(%s explore"
			       " scenarios/explore-recovery-sale.ini --variant"
			       " $v --kinds delay --quiet | sed -n"
			       " 's/^  replay: *//p' | head -n 1) && test -n"
			       " \"$a\" && test \"$a\" = \"$b\" || exit 1; done",
			       out, flashsim), 0);
	assert_valid_xml(path);
	text = support_read_file(path);
	assert_non_null(strstr(text, "tests=\"9\" failures=\"0\""));
	assert_non_null(strstr(text, "<testcase name=\"protocol\""));
	assert_non_null(strstr(text, "<testcase name=\"protocol (recovery)\""));
	assert_non_null(strstr(text, "<testcase name=\"redis-no-persistence\""));
	assert_non_null(strstr(text, "<testcase name=\"stock-before-barrier\""));
	assert_non_null(strstr(text, "<testcase name=\"unclear-backcheck-fails\""));
	assert_non_null(strstr(text, "replay: "));
	assert_non_null(strstr(text, "points at "));
	free(text);
}


/* The nightly script: the reports of an earlier night are removed first
 * (one left over read as tonight's), an exploration that writes no report
 * gets a JUnit file in error, the recovery-mode exploration has its
 * report, in a sharded night too (it names its share), and the exit code
 * tells a broken job (3) from a failed exploration (1). Run on a library
 * of one small scenario. */
static void test_nightly_reports_and_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"root=$(pwd) && f='%s' && case $f in /*) ;; *) f=$root/$f;; esac"
		" && cd '%s' && mkdir -p scenarios night/nightly &&"
		" printf '[workload]\\nusers = 1\\n[sale]\\nstock = 1\\n' >"
		" scenarios/one.ini && echo stale > night/nightly/gone.xml &&"
		" ln -sf \"$f\" night/flashsim &&"
		" sh \"$root/.ci/nightly\" night 1 1 5 --kinds crash > out.txt &&"
		" test ! -e night/nightly/gone.xml &&"
		" xmllint --noout night/nightly/one.xml &&"
		" xmllint --noout night/nightly/recovery.xml &&"
		" grep -q '^== recovery' out.txt &&"
		" grep -q 'seeds from 5' out.txt &&"
		" sh \"$root/.ci/nightly\" night 1 1 5 --kinds crash --shard 2/2 >"
		" out.txt && xmllint --noout night/nightly/recovery.xml &&"
		" grep -q \"^shard 2 of 2: [0-9]* of the first pass's\" out.txt &&"
		" { sh \"$root/.ci/nightly\" night 1 1 5 --bogus > out.txt;"
		" test $? = 3; } && grep -q 'errors=\"1\"' night/nightly/one.xml"
		" && xmllint --noout night/nightly/one.xml &&"
		" printf '[workload]\\nusers = 1\\n[scenario]\\nvariant ="
		" naive\\n[faults]\\nfault = app/deduct/before@1:delay\\n' >"
		" scenarios/one.ini && { sh \"$root/.ci/nightly\" night 1 1 5 >"
		" out.txt; test $? = 1; }", flashsim, workdir), 0);
}

static int setup(void **state)
{
	(void)state;
	return support_tempdir(workdir, sizeof(workdir), "junit");
}

static int teardown(void **state)
{
	(void)state;
	return support_tempdir_remove(workdir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_document_is_valid),
		cmocka_unit_test(test_write_is_atomic),
		cmocka_unit_test(test_whole_file_abandoned_leaves_the_old_one),
		cmocka_unit_test(test_a_replaced_report_keeps_its_group),
		cmocka_unit_test(test_whole_file_killed_leaves_no_temporary),
		cmocka_unit_test(test_whole_file_follows_links_and_writes_devices_in_place),
		cmocka_unit_test(test_whole_file_check),
		cmocka_unit_test(test_unwritable_outputs_are_refused_at_once),
		cmocka_unit_test(test_two_outputs_on_one_file_are_refused),
		cmocka_unit_test(test_outputs_spare_the_inputs),
		cmocka_unit_test(test_run_junit),
		cmocka_unit_test(test_run_junit_internal_error),
		cmocka_unit_test(test_run_junit_without_a_start),
		cmocka_unit_test(test_explore_junit),
		cmocka_unit_test(test_selftest_junit),
		cmocka_unit_test(test_nightly_reports_and_exit_codes),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("junit", tests, setup, teardown);
}
