/*
 * support.c - shared test set-up (see support.h).
 */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "redis_server.h"

static struct redis_server server;
static bool started;
static int orders_made;

static void start_server(void)
{
	char error[512];
	if (started)
		return;
	redis_server_install_cleanup();
	if (redis_server_start(&server, error, sizeof(error)) != 0) {
		fprintf(stderr, "test set-up: cannot start redis-server: %s\n", error);
		fail();
	}
	started = true;
}

bool support_without_functions(void)
{
	const char *value = getenv("FLASHSIM_TEST_WITHOUT_FUNCTIONS");
	return value && strcmp(value, "1") == 0;
}

struct redis_conn *support_redis(void)
{
	struct redis_conn *conn = calloc(1, sizeof(*conn));
	assert_non_null(conn);
	start_server();
	if (redis_conn_open(conn, server.address, 10000) != 0) {
		fprintf(stderr, "test set-up: %s\n", conn->error);
		fail();
	}
	/* A pass meant to run without functions that got them would test
	 * the same path twice and say otherwise. */
	if (conn->functions == support_without_functions()) {
		fprintf(stderr, "test set-up: the server %s functions, but "
			"FLASHSIM_TEST_WITHOUT_FUNCTIONS is %s\n",
			conn->functions ? "has" : "has no",
			support_without_functions() ? "1" : "not 1");
		fail();
	}
	return conn;
}

void support_redis_close(struct redis_conn *conn)
{
	redis_conn_close(conn);
	free(conn);
}

void support_redis_flush(struct redis_conn *conn)
{
	long long ignored = support_integer(conn, "FLUSHDB");
	(void)ignored;
}

void support_forget_scripts(struct redis_conn *conn)
{
	const char *library = redis_library_name();
	long long ignored;
	assert_non_null(library);
	ignored = support_integer(conn, "FUNCTION DELETE %s", library);
	ignored = support_integer(conn, "SCRIPT FLUSH");
	(void)ignored;
}

void support_orders_path(char *path, size_t size)
{
	start_server();
	snprintf(path, size, "%s/orders-%d.db", server.dir, ++orders_made);
}

void support_sale(struct sale *sale)
{
	sale_defaults(sale);
	snprintf(sale->tag, sizeof(sale->tag), "t");
}

static redisReply *command(struct redis_conn *conn, const char *format,
			   va_list args)
{
	redisReply *reply = redisvCommand(conn->context, format, args);
	assert_non_null(reply);
	if (reply->type == REDIS_REPLY_ERROR)
		fprintf(stderr, "redis error: %s (%s)\n", reply->str, format);
	assert_int_not_equal(reply->type, REDIS_REPLY_ERROR);
	return reply;
}

void support_get_string(struct redis_conn *conn, char *out, size_t size,
			const char *format, ...)
{
	va_list args;
	redisReply *reply;
	va_start(args, format);
	reply = command(conn, format, args);
	va_end(args);
	if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS)
		snprintf(out, size, "%s", reply->str);
	else
		out[0] = '\0';
	freeReplyObject(reply);
}

long long support_integer(struct redis_conn *conn, const char *format, ...)
{
	va_list args;
	redisReply *reply;
	long long value = 0;
	va_start(args, format);
	reply = command(conn, format, args);
	va_end(args);
	if (reply->type == REDIS_REPLY_INTEGER)
		value = reply->integer;
	else
		assert_int_equal(reply->type, REDIS_REPLY_STATUS);
	freeReplyObject(reply);
	return value;
}

char *support_read_stream(FILE *in)
{
	char *text = NULL;
	size_t size = 0, used = 0, n;
	do {
		if (used + 4096 + 1 > size) {
			size = size ? size * 2 : 65536;
			text = realloc(text, size);
			assert_non_null(text);
		}
		n = fread(text + used, 1, size - used - 1, in);
		used += n;
	} while (n > 0);
	assert_false(ferror(in));
	text[used] = '\0';
	return text;
}

char *support_read_file(const char *path)
{
	FILE *in = fopen(path, "r");
	char *text;
	if (!in)
		return NULL;
	text = support_read_stream(in);
	fclose(in);
	return text;
}

char *support_written(void (*write)(FILE *, const char *), const char *text)
{
	char *written = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&written, &size);
	assert_non_null(out);
	write(out, text);
	fclose(out);
	return written;
}

void support_stderr_capture(struct support_capture *capture)
{
	int fd;
	snprintf(capture->path, sizeof(capture->path),
		 "/tmp/flashsim-test-stderr-XXXXXX");
	fd = mkstemp(capture->path);
	capture->saved = dup(STDERR_FILENO);
	assert_true(fd >= 0);
	assert_true(capture->saved >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

char *support_stderr_captured(struct support_capture *capture)
{
	char *text;
	fflush(stderr);
	dup2(capture->saved, STDERR_FILENO);
	close(capture->saved);
	text = support_read_file(capture->path);
	assert_non_null(text);
	unlink(capture->path);
	return text;
}

int support_tempdir(char *dir, size_t size, const char *name)
{
	int n = snprintf(dir, size, "/tmp/flashsim-test-%s-XXXXXX", name);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

int support_tempdir_remove(const char *dir)
{
	return support_shell("rm -rf '%s'", dir);
}

int support_shell(const char *format, ...)
{
	char command[8192];
	va_list args;
	int status;
	va_start(args, format);
	vsnprintf(command, sizeof(command), format, args);
	va_end(args);
	status = system(command);
	return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int support_failing_redis_server(const char *dir, int starts, char *path,
				 size_t size)
{
	FILE *out;
	int n = snprintf(path, size, "%s/redis-server", dir);
	if (n < 0 || (size_t)n >= size)
		return -1;
	out = fopen(path, "w");
	if (!out)
		return -1;
	/* The count is kept in a file next to it: each start is a process. */
	fprintf(out, "#!/bin/sh\n"
		"count=\"$(dirname \"$0\")/starts\"\n"
		"n=$(($(cat \"$count\" 2>/dev/null || echo 0) + 1))\n"
		"echo \"$n\" >\"$count\"\n"
		"if [ \"$n\" -gt %d ]; then\n"
		"\techo \"start $n refused (the test allows %d)\" >&2\n"
		"\texit 1\n"
		"fi\n"
		"for server in \"$(command -v redis-server)\" /usr/bin/redis-server"
		" /usr/sbin/redis-server; do\n"
		"\t[ -x \"$server\" ] && exec \"$server\" \"$@\"\n"
		"done\n"
		"exit 127\n", starts, starts);
	if (fclose(out) != 0 || chmod(path, 0755) != 0)
		return -1;
	return 0;
}

void support_flashsim(const char *program, char *out, size_t size)
{
	const char *slash = strrchr(program, '/');
	if (slash)
		snprintf(out, size, "%.*s/../flashsim", (int)(slash - program),
			 program);
	else
		snprintf(out, size, "../flashsim");
}

struct explore_stats *support_explore(const struct cli_options *options)
{
	struct explore_stats *stats = calloc(1, sizeof(*stats));
	char error[1024];
	assert_non_null(stats);
	if (explore(options, NULL, stats, error, sizeof(error)) != 0)
		fail_msg("explore: %s", error);
	return stats;
}

void support_explore_free(struct explore_stats *stats)
{
	explore_stats_free(stats);
	free(stats);
}
