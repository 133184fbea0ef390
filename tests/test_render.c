/*
 * test_render.c - the reports as a user gets them: `flashsim run --svg
 * --html`, `flashsim compare --html` and `flashsim explore --html` write
 * files that headless Chromium renders to a screenshot that is not blank
 * (tests/render.sh, with tests/png_nonblank.py); a file that cannot be
 * written is an error that names it, after the verdict.
 *
 * Run from the top of the tree (make check does); flashsim is found next
 * to this program: <build>/tests/test_render -> <build>/flashsim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

static char flashsim[4096];
static char dir[] = "/tmp/flashsim-render-XXXXXX";



static void assert_file_has(const char *name, const char *part)
{
	char path[256];
	char *text;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = support_read_file(path);
	if (!text)
		fail_msg("%s was not written", path);
	if (!strstr(text, part))
		fail_msg("%s: missing %s", path, part);
	free(text);
}

/* The files every test looks at: a recovered crash (run), the naive
 * design's loss (run), the two side by side (compare) and a caught
 * variant (explore). */
static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	if (support_shell("%s run --users 3 --stock 2 --seed 1 --fault"
		  " app/deduct/after@1:crash --svg %s/crash.svg --html"
		  " %s/crash.html >%s/crash.out 2>&1", flashsim, dir, dir, dir) != 0)
		return -1;
	if (support_shell("%s run --users 1 --stock 1 --seed 1 --variant naive --fault"
		  " app/deduct/after@1:crash --svg %s/naive.svg >%s/naive.out"
		  " 2>&1", flashsim, dir, dir) != 1)
		return -1;
	if (support_shell("%s compare --users 1 --stock 1 --variant naive --fault"
		  " app/deduct/after@1:crash --html %s/compare.html"
		  " >%s/compare.out 2>&1", flashsim, dir, dir) != 0)
		return -1;
	if (support_shell("%s explore --users 1 --stock 1 --variant no-rollback-marker"
		  " --kinds delay --html %s/explore.html >%s/explore.out 2>&1",
		  flashsim, dir, dir) != 1)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	support_shell("rm -rf %s", dir);
	return 0;
}

static void assert_renders(const char *name)
{
	int status = support_shell("sh tests/render.sh %s/%s", dir, name);
	if (status != 0)
		fail_msg("%s did not render to a non-blank screenshot (exit %d)",
			 name, status);
}

static void test_run_svg_renders(void **state)
{
	(void)state;
	assert_file_has("crash.svg", ">FAULT app/deduct/after@1:crash</text>");
	assert_renders("crash.svg");
}

static void test_naive_svg_renders(void **state)
{
	(void)state;
	assert_file_has("naive.out", "verdict: violation: conservation");
	assert_file_has("naive.svg", "verdict: violation: conservation");
	assert_renders("naive.svg");
}

static void test_run_html_renders(void **state)
{
	(void)state;
	assert_file_has("crash.html", "<svg xmlns=");
	assert_renders("crash.html");
}

static void test_explore_html_renders(void **state)
{
	(void)state;
	assert_file_has("explore.html", "FAILURE 1: barrier_agreement");
	assert_file_has("explore.html", "<svg xmlns=");
	assert_renders("explore.html");
}

static void test_compare_html_renders(void **state)
{
	(void)state;
	assert_file_has("compare.html", "<div class=\"sides\">");
	assert_renders("compare.html");
}

/* A blank page is told apart from a drawing: the check is not vacuous. */
static void test_a_blank_page_is_refused(void **state)
{
	char path[256];
	FILE *file;
	(void)state;
	snprintf(path, sizeof(path), "%s/blank.html", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("<!DOCTYPE html><html><body></body></html>\n", file);
	fclose(file);
	assert_int_not_equal(support_shell("sh tests/render.sh %s 2>/dev/null", path), 0);
}

/* A file that fails while it is written (here /dev/full: no space left,
 * a device, so the check at start lets it through; a missing directory is
 * refused at start, test_junit): the verdict is printed, then the file is
 * named, and the exit code says internal error. */
static void test_an_unwritable_file_is_named(void **state)
{
	(void)state;
	assert_int_equal(support_shell("%s run --users 1 --stock 1 --seed 1 --svg"
			       " /dev/full >%s/bad.out 2>%s/bad.err",
			       flashsim, dir, dir), 3);
	assert_file_has("bad.out", "verdict: ok");
	assert_file_has("bad.err", "/dev/full");
	assert_int_equal(support_shell("%s explore --users 1 --stock 1 --kinds"
			       " drop-request --html /dev/full >%s/bad2.out"
			       " 2>%s/bad2.err", flashsim, dir, dir), 3);
	assert_file_has("bad2.out", "verdicts:");
	assert_file_has("bad2.err", "/dev/full");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_svg_renders),
		cmocka_unit_test(test_naive_svg_renders),
		cmocka_unit_test(test_run_html_renders),
		cmocka_unit_test(test_explore_html_renders),
		cmocka_unit_test(test_compare_html_renders),
		cmocka_unit_test(test_a_blank_page_is_refused),
		cmocka_unit_test(test_an_unwritable_file_is_named),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests(tests, setup, teardown);
}
