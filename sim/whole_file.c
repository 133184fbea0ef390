/*
 * whole_file.c - files written whole or not at all (see whole_file.h).
 */
#include "whole_file.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int whole_file_open(struct whole_file *file, const char *path, char *error,
		    size_t error_size)
{
	struct stat st;
	file->out = NULL;
	if (snprintf(file->path, sizeof(file->path), "%s", path) >=
	    (int)sizeof(file->path)) {
		snprintf(error, error_size, "%.100s...: path too long", path);
		return -1;
	}
	file->in_place = lstat(path, &st) == 0 && !S_ISREG(st.st_mode);
	snprintf(file->temporary, sizeof(file->temporary), "%s.tmp.%ld", path,
		 (long)getpid());
	file->out = fopen(file->in_place ? path : file->temporary, "w");
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
	if (ok && !failed && rename(file->temporary, file->path) != 0) {
		snprintf(error, error_size, "%s: %s", file->path,
			 strerror(errno));
		failed = 1;
	}
	if (!ok || failed) {
		unlink(file->temporary);
		return -1;
	}
	return 0;
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
