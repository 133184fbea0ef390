/*
 * values.h - the values of settings, parsed and checked in one place for
 * the command line (options.c) and scenario files (scenario.c).
 *
 * Each parser takes the text as written, stores the value on success and
 * returns 0; on bad text it stores nothing, returns -1 and writes into
 * error what was expected and what was found, without naming the setting
 * ("expected a whole number in 1..64, got 'x'"): the caller prefixes it
 * with "--apps" or "FILE:LINE: [actors] apps".
 */
#ifndef FLASHSIM_VALUES_H
#define FLASHSIM_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* A whole number (decimal) in [low, high]. */
int value_number(const char *text, int64_t low, int64_t high, int64_t *value,
		 char *error, size_t error_size);
/* true or false. */
int value_bool(const char *text, bool *value, char *error, size_t error_size);
/* A comma-separated list of fault kinds, as KIND_BIT()s. */
int value_kinds(const char *text, unsigned *kinds, char *error,
		size_t error_size);
/* exhaustive, pairs, random or recovery. */
int value_mode(const char *text, enum explore_mode *mode, char *error,
	       size_t error_size);
/* The name value_mode reads. */
const char *value_mode_name(enum explore_mode mode);
/* aof, aof-everysec or none. */
int value_persistence(const char *text, enum redis_persistence *persistence,
		      char *error, size_t error_size);
/* The name value_persistence reads as persistence. */
const char *value_persistence_name(enum redis_persistence persistence);
/* A teaching variant's name (faults/variants.h). */
int value_variant(const char *text, enum variant_id *variant, char *error,
		  size_t error_size);
/* A Redis Cluster hash tag (sale_tag_valid), into tag[TAG_MAX]. */
int value_tag(const char *text, char *tag, char *error, size_t error_size);

#endif
