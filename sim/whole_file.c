/*
 * whole_file.c - files written whole or not at all (see whole_file.h).
 */
#include "whole_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
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

/* The file path ends at, following the links its last part names (a
 * link's relative target is relative to the link's directory), into
 * target. Returns 0, or -1 with errno. */
static int follow_links(const char *path, char *target, size_t size)
{
	char current[sizeof(((struct whole_file *)0)->path)];
	char link[sizeof(current)];
	if (snprintf(current, sizeof(current), "%s", path) >= (int)sizeof(current))
		goto too_long;
	for (int hops = 0; hops < 40; hops++) {
		struct stat st;
		const char *slash;
		ssize_t length;
		if (lstat(current, &st) != 0 || !S_ISLNK(st.st_mode)) {
			if (snprintf(target, size, "%s", current) >= (int)size)
				goto too_long;
			return 0;
		}
		length = readlink(current, link, sizeof(link) - 1);
		if (length < 0)
			return -1;
		link[length] = '\0';
		slash = strrchr(current, '/');
		if (link[0] == '/' || !slash) {
			memcpy(current, link, (size_t)length + 1);
		} else {
			size_t dir = (size_t)(slash - current) + 1;
			if (dir + (size_t)length >= sizeof(current))
				goto too_long;
			memcpy(current + dir, link, (size_t)length + 1);
		}
	}
	errno = ELOOP;
	return -1;
too_long:
	errno = ENAMETOOLONG;
	return -1;
}

/* Whether path names one of the process's own open files (/dev/stdout,
 * /dev/fd/3): written in place even when it is a regular file (stdout
 * sent to a file), since replacing that file would leave the rest of the
 * output in the file replaced. */
static bool own_stream(const char *path)
{
	static const char *const prefixes[] = {
		"/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

void whole_file_dir(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* The longest name the directory of path holds: its file system's
 * limit, NAME_MAX when it does not say. */
static size_t name_max(const char *path)
{
	char dir[sizeof(((struct whole_file *)0)->path)];
	long most;
	whole_file_dir(path, dir, sizeof(dir));
	most = pathconf(dir, _PC_NAME_MAX);
	return most > 0 ? (size_t)most : NAME_MAX;
}

/* Whether the last name of path is longer than its directory holds. */
static bool name_too_long(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strlen(slash ? slash + 1 : path) > name_max(path);
}

/* The temporary file beside file->path: "<name>.tmp.<pid>", its name cut
 * short when the whole would pass the longest name a directory takes (a
 * name of 250 bytes is a file name; its temporary must be one too), with
 * a count then, so that two cut names of one process differ. */
static int temporary_name(struct whole_file *file)
{
	static unsigned cut;
	const char *slash = strrchr(file->path, '/');
	size_t dir = slash ? (size_t)(slash - file->path) + 1 : 0;
	size_t name = strlen(file->path) - dir, most = name_max(file->path);
	char suffix[48];
	int n = snprintf(suffix, sizeof(suffix), ".tmp.%ld", (long)getpid());
	if (name + (size_t)n > most) {
		n = snprintf(suffix, sizeof(suffix), ".tmp.%ld.%u",
			     (long)getpid(), cut++);
		if ((size_t)n >= most)
			return -1;
		name = most - (size_t)n;
	}
	return snprintf(file->temporary, sizeof(file->temporary), "%.*s%s",
			 (int)(dir + name), file->path, suffix) >=
	       (int)sizeof(file->temporary) ? -1 : 0;
}

/* Where file goes for path: a regular file is replaced whole where it
 * is, links followed (realpath); a device, a FIFO or a pipe (/dev/stdout,
 * whose link may name no path at all: pipe:[N]) is written in place by
 * the path given; a missing file is made where the links path ends in
 * lead (follow_links). A directory is refused. Returns 0, or -1 with
 * error. */
static int whole_file_place(struct whole_file *file, const char *path,
			    char *error, size_t error_size)
{
	struct stat st;
	char *real = NULL;
	file->out = NULL;
	file->in_place = false;
	file->path[0] = '\0';
	if (!path[0]) {
		snprintf(error, error_size, "'': an empty path");
		return -1;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			goto out_fail;
		}
		file->in_place = !S_ISREG(st.st_mode) || own_stream(path);
		if (!file->in_place)
			real = realpath(path, NULL);
		if (snprintf(file->path, sizeof(file->path), "%s",
			     real ? real : path) >= (int)sizeof(file->path)) {
			free(real);
			errno = ENAMETOOLONG;
			goto out_fail;
		}
		free(real);
	} else if (follow_links(path, file->path, sizeof(file->path)) != 0) {
		goto out_fail;
	} else {
		/* a name longer than a directory holds: the temporary's is
		 * cut to fit, so only the final rename would fail, after the
		 * run */
		if (name_too_long(file->path)) {
			errno = ENAMETOOLONG;
			goto out_fail;
		}
	}
	if (temporary_name(file) != 0) {
		errno = ENAMETOOLONG;
		goto out_fail;
	}
	return 0;
out_fail:
	if (file->path[0] && strcmp(path, file->path) != 0)
		snprintf(error, error_size, "%.200s (a link to %s): %s", path,
			 file->path, strerror(errno));
	else
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
	return -1;
}

/* The temporary, made afresh (O_EXCL: not through whatever is at its
 * name, which a flashsim of the same pid killed before may have left).
 * A file replaced keeps its permission bits and its group (and its
 * owner, when root replaces it), as a file written over would: the
 * temporary is made with them, so that it is never readable by more
 * than the old file was while the report is written into it. A group
 * that cannot be kept (not one of ours) gets no more than the others
 * had. Set-user-ID and the like are not carried over, nor an ACL. */
static FILE *open_temporary(const struct whole_file *file)
{
	struct stat old, now;
	bool replacing = stat(file->path, &old) == 0 && S_ISREG(old.st_mode);
	mode_t mode = replacing ? old.st_mode & 0777 : 0666;
	FILE *out;
	int fd;
	unlink(file->temporary);
	fd = open(file->temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY |
		  O_CLOEXEC, replacing ? mode & 0700 : mode);
	if (fd < 0)
		return NULL;
	if (replacing) {
		(void)fchown(fd, geteuid() == 0 ? old.st_uid : (uid_t)-1,
			     old.st_gid);
		if (fstat(fd, &now) != 0 || now.st_gid != old.st_gid)
			mode = (mode & ~(mode_t)070) |
			       (mode & 070 & (mode_t)((mode & 07) << 3));
		(void)fchmod(fd, mode);
	}
	out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		unlink(file->temporary);
	}
	return out;
}

int whole_file_open(struct whole_file *file, const char *path, char *error,
		    size_t error_size)
{
	sigset_t saved;
	if (whole_file_place(file, path, error, error_size) != 0)
		return -1;
	if (file->in_place) {
		/* In place, appended: stdout sent to a file keeps what was
		 * printed before the report, flushed first. No temporary
		 * to track, so no signal is held off: opening a FIFO waits
		 * for its reader, and a SIGTERM must still stop us then. */
		fflush(stdout);
		fflush(stderr);
		file->out = fopen(file->path, "a");
	} else {
		block_stopping(&saved);
		file->out = open_temporary(file);
		if (file->out) {
			for (int i = 0; i < OPEN_MAX; i++)
				if (!open_temporaries[i]) {
					open_temporaries[i] = file->temporary;
					break;
				}
		}
		sigprocmask(SIG_SETMASK, &saved, NULL);
	}
	if (!file->out) {
		if (strcmp(path, file->path) != 0)
			snprintf(error, error_size, "%.200s (a link to %s): %s",
				 path, file->path, strerror(errno));
		else
			snprintf(error, error_size, "%s: %s", path,
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
	if (whole_file_place(&file, path, error, error_size) != 0)
		return -1;
	/* A FIFO or a device is not opened twice: a FIFO's reader would see
	 * the first close as its end. */
	if (file.in_place)
		return 0;
	if (whole_file_open(&file, path, error, error_size) != 0)
		return -1;
	whole_file_close(&file, false, error, error_size);
	return 0;
}

/* path with its links followed and its directory made absolute and free
 * of links, into out; -1 when its directory does not exist. */
static int whole_file_resolve(const char *path, char *out, size_t size)
{
	char target[sizeof(((struct whole_file *)0)->path)];
	char *dir;
	const char *base;
	char *slash;
	int rc = -1;
	if (follow_links(path, target, sizeof(target)) != 0)
		return -1;
	slash = strrchr(target, '/');
	if (slash == target) {
		dir = realpath("/", NULL);
		base = target + 1;
	} else if (slash) {
		*slash = '\0';
		dir = realpath(target, NULL);
		base = slash + 1;
	} else {
		dir = realpath(".", NULL);
		base = target;
	}
	if (dir && snprintf(out, size, "%s/%s", strcmp(dir, "/") ? dir : "",
			    base) < (int)size)
		rc = 0;
	free(dir);
	return rc;
}

/* whole_file_apart's test. */
static bool whole_file_same(const char *a, const char *b)
{
	char resolved_a[PATH_MAX + 4096], resolved_b[PATH_MAX + 4096];
	struct stat st_a, st_b;
	if (stat(a, &st_a) == 0 && stat(b, &st_b) == 0)
		return st_a.st_dev == st_b.st_dev && st_a.st_ino == st_b.st_ino &&
		       S_ISREG(st_a.st_mode);
	return whole_file_resolve(a, resolved_a, sizeof(resolved_a)) == 0 &&
	       whole_file_resolve(b, resolved_b, sizeof(resolved_b)) == 0 &&
	       strcmp(resolved_a, resolved_b) == 0;
}

bool whole_file_in_dir(const char *path, const char *dir)
{
	char resolved[PATH_MAX + 4096], *slash;
	struct stat st_dir, st_parent;
	if (whole_file_resolve(path, resolved, sizeof(resolved)) != 0 ||
	    stat(dir, &st_dir) != 0)
		return false;
	slash = strrchr(resolved, '/');
	if (slash == resolved)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	return stat(resolved, &st_parent) == 0 &&
	       st_parent.st_dev == st_dir.st_dev &&
	       st_parent.st_ino == st_dir.st_ino;
}

bool whole_file_is_fd(const char *path, int fd)
{
	struct stat st_path, st_out;
	return stat(path, &st_path) == 0 && fstat(fd, &st_out) == 0 &&
	       st_path.st_dev == st_out.st_dev &&
	       st_path.st_ino == st_out.st_ino &&
	       (S_ISREG(st_out.st_mode) || S_ISFIFO(st_out.st_mode) ||
		S_ISSOCK(st_out.st_mode));
}

int whole_file_apart(const char *option_a, const char *a,
		     const char *option_b, const char *b, char *error,
		     size_t error_size)
{
	if (!whole_file_same(a, b))
		return 0;
	snprintf(error, error_size, "%s %s and %s %s name the same file: one"
		 " would destroy the other; give each its own", option_a, a,
		 option_b, b);
	return -1;
}
