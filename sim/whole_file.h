/*
 * whole_file.h - files written whole or not at all.
 *
 * The text goes to <path>.tmp.<pid>, which is flushed to disk and renamed
 * over path only when every write succeeded: a reader of path sees the
 * previous file or the new one, never part of one, whether flashsim fails
 * or is killed while writing. Used for every report and table flashsim
 * writes (--junit, --html, --svg, the bench's --out).
 *
 * Only a regular file, or a path where nothing is yet, is replaced that
 * way: a path that ends in a symbolic link is followed to the file the
 * link names, which is replaced (the link stays a link), or made when it
 * is missing; a file replaced keeps its permission bits and its group
 * (and, replaced by root, its owner; not an ACL). Anything else that
 * exists (/dev/null, a FIFO, /dev/stdout on a terminal or a pipe) is
 * written in place: renaming over it would replace the device with a
 * plain file. A directory is refused.
 */
#ifndef FLASHSIM_WHOLE_FILE_H
#define FLASHSIM_WHOLE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct whole_file {
	FILE *out;             /* write the text here */
	bool in_place;         /* path is not a regular file: no temporary */
	char path[4096];       /* the path given, its links followed */
	char temporary[4200];
};

/* Opens the temporary file for path (an empty path is refused). Returns
 * 0, or -1 with error. */
int whole_file_open(struct whole_file *file, const char *path, char *error,
		    size_t error_size);

/* Checks, before the work whose result goes to path, that the file can be
 * written there: makes and removes its temporary file (nothing is made for
 * a path written in place; a directory is refused). Returns 0, or -1 with
 * error ("PATH: why"). */
int whole_file_check(const char *path, char *error, size_t error_size);

/* Closes the temporary file and, when ok and every write succeeded,
 * renames it to path; otherwise removes it and leaves path as it was.
 * Returns 0 when path now holds the text, or -1 (with error, unless ok was
 * false: the caller knows why). */
int whole_file_close(struct whole_file *file, bool ok, char *error,
		     size_t error_size);

/* 0 when the outputs option_a a and option_b b can both be written, else
 * -1 with a message naming both ("--out F and --json F name the same
 * file: ..."): when they name one file that one output would overwrite
 * with another's, the same regular file or, when either is missing, the
 * same path once links are followed. Two names of one device or FIFO
 * (/dev/null) are apart: each output is written to it in turn. */
int whole_file_apart(const char *option_a, const char *a,
		     const char *option_b, const char *b, char *error,
		     size_t error_size);

/* Whether path, its links followed, is a file of directory dir (it need
 * not exist yet). */
bool whole_file_in_dir(const char *path, const char *dir);

/* Whether path names the file, pipe or socket the file descriptor fd
 * writes to (STDOUT_FILENO; a terminal or a device such as /dev/null is
 * not counted: what else goes there spoils nothing). */
bool whole_file_is_fd(const char *path, int fd);

/* The directory path's last name is in, as path gives it ("." when it
 * gives none), into out. */
void whole_file_dir(const char *path, char *out, size_t size);

/* Removes the temporary files open now: for a stopping signal's handler
 * (it only calls unlink), so that a killed flashsim leaves none behind. */
void whole_file_remove_temporaries(void);

#endif
