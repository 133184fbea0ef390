/*
 * sale.c - key names and defaults of a flash sale (see sale.h).
 */
#include "sale.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sale_defaults(struct sale *sale)
{
	memset(sale, 0, sizeof(*sale));
	snprintf(sale->tag, sizeof(sale->tag), "a");
	sale->activity = 1;
	sale->barrier_ttl_s = 7 * 24 * 3600;
	sale->terminal_ttl_s = 24 * 3600;
	sale->timeout_to_fail_ms = 3000;
	sale->retry_interval_ms = 1000;
	sale->retry_interval_ms_max = 8000;
	sale->cron_interval_ms = 1000;
}

bool sale_tag_valid(const char *tag)
{
	size_t length = strlen(tag);
	if (length == 0 || length >= TAG_MAX)
		return false;
	for (size_t i = 0; i < length; i++) {
		char c = tag[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
		if (!ok)
			return false;
	}
	return true;
}

/* All names fit by construction: TAG_MAX and 20-digit numbers are far
 * below the buffer sizes. name_must_fit says so, and stops the process
 * if one does not: a name cut short would be another key. */
static void name_must_fit(int n, int size)
{
	if (n > 0 && n < size)
		return;
	fprintf(stderr, "flashsim: internal error: a key name of %d bytes"
		" does not fit in %d\n", n, size);
	abort();
}

void sale_gid(const struct sale *sale, uint64_t user, char gid[GID_MAX])
{
	int n = snprintf(gid, GID_MAX, "{%s}flash-sale-%" PRIu64 "-%" PRIu64,
			 sale->tag, sale->activity, user);
	name_must_fit(n, GID_MAX);
}

void sale_stock_key(const struct sale *sale, char key[KEY_MAX])
{
	int n = snprintf(key, KEY_MAX, "stock:{%s}:%" PRIu64, sale->tag,
			 sale->activity);
	name_must_fit(n, KEY_MAX);
}

void sale_due_key(const struct sale *sale, char key[KEY_MAX])
{
	int n = snprintf(key, KEY_MAX, "due:{%s}", sale->tag);
	name_must_fit(n, KEY_MAX);
}

void sale_txn_key(const char *gid, char key[KEY_MAX])
{
	int n = snprintf(key, KEY_MAX, "txn:%s", gid);
	name_must_fit(n, KEY_MAX);
}

void sale_barrier_key(const char *gid, char key[KEY_MAX])
{
	int n = snprintf(key, KEY_MAX, "%s-00-msg-01", gid);
	name_must_fit(n, KEY_MAX);
}

void sale_branch_payload(uint64_t activity, uint64_t user,
			 char out[REDIS_ARG_MAX])
{
	int n = snprintf(out, REDIS_ARG_MAX,
			 "create_order:%" PRIu64 ":%" PRIu64,
			 activity, user);
	name_must_fit(n, REDIS_ARG_MAX);
}

int sale_branch_parse(const char *payload, uint64_t *activity, uint64_t *user)
{
	char tail;
	if (sscanf(payload, "create_order:%" SCNu64 ":%" SCNu64 "%c", activity,
		   user, &tail) != 2)
		return -1;
	return 0;
}
