/*
 * whole_file.c - files written whole or not at all (see whole_file.h).
 */
#include "whole_file.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary files open now, for a stopping signal to remove. */
#define OPEN_MAX 8
static const char *open_temporaries[OPEN_MAX];

/* Blocks the stopping signals while the table and the files it names
 * change together; restore with sigprocmask(SIG_SETMASK, saved). */
static void block_stopping(sigset_t *saved)
{
	sigset_t stopping;
	sigemptyset(&stopping);
	sigaddset(&stopping, SIGINT);
	sigaddset(&stopping, SIGTERM);
	sigaddset(&stopping, SIGHUP);
	sigaddset(&stopping, SIGPIPE);
	sigprocmask(SIG_BLOCK, &stopping, saved);
}

static void forget(const char *temporary)
{
	for (int i = 0; i < OPEN_MAX; i++)
		if (open_temporaries[i] == temporary)
			open_temporaries[i] = NULL;
}

void whole_file_remove_temporaries(void)
{
	for (int i = 0; i < OPEN_MAX; i++)
		if (open_temporaries[i])
			unlink(open_temporaries[i]);
}

int whole_file_open(struct whole_file *file, const char *path, char *error,
		    size_t error_size)
{
	struct stat st;
	sigset_t saved;
	file->out = NULL;
	if (!path[0]) {
		snprintf(error, error_size, "'': an empty path");
		return -1;
	}
	if (snprintf(file->path, sizeof(file->path), "%s", path) >=
	    (int)sizeof(file->path)) {
		snprintf(error, error_size, "%.100s...: path too long", path);
		return -1;
	}
	file->in_place = lstat(path, &st) == 0 && !S_ISREG(st.st_mode);
	snprintf(file->temporary, sizeof(file->temporary), "%s.tmp.%ld", path,
		 (long)getpid());
	block_stopping(&saved);
	file->out = fopen(file->in_place ? path : file->temporary, "w");
	if (file->out && !file->in_place) {
		for (int i = 0; i < OPEN_MAX; i++)
			if (!open_temporaries[i]) {
				open_temporaries[i] = file->temporary;
				break;
			}
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (!file->out) {
		snprintf(error, error_size, "%s: %s", file->path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int whole_file_close(struct whole_file *file, bool ok, char *error,
		     size_t error_size)
{
	int failed = 0;
	if (!file->out)
		return -1;
	/* A device or a pipe written in place cannot be synced. */
	if (ok && (fflush(file->out) != 0 || ferror(file->out) ||
		   (!file->in_place && fsync(fileno(file->out)) != 0))) {
		snprintf(error, error_size, "%s: %s", file->path,
			 strerror(errno ? errno : EIO));
		failed = 1;
	}
	if (fclose(file->out) != 0 && ok && !failed) {
		snprintf(error, error_size, "%s: %s", file->path,
			 strerror(errno));
		failed = 1;
	}
	file->out = NULL;
	if (file->in_place)
		return ok && !failed ? 0 : -1;
	sigset_t saved;
	block_stopping(&saved);
	if (ok && !failed && rename(file->temporary, file->path) != 0) {
		snprintf(error, error_size, "%s: %s", file->path,
			 strerror(errno));
		failed = 1;
	}
	if (!ok || failed)
		unlink(file->temporary);
	forget(file->temporary);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return ok && !failed ? 0 : -1;
}

int whole_file_check(const char *path, char *error, size_t error_size)
{
	struct whole_file file;
	struct stat st;
	bool exists = lstat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(error, error_size, "%s: %s", path, strerror(EISDIR));
		return -1;
	}
	/* A FIFO or a device is not opened twice: a FIFO's reader would see
	 * the first close as its end. */
	if (exists && !S_ISREG(st.st_mode))
		return 0;
	if (whole_file_open(&file, path, error, error_size) != 0)
		return -1;
	whole_file_close(&file, false, error, error_size);
	return 0;
}
