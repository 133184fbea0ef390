/*
 * coord_store.c - script calls of the coordinator store (see coord_store.h).
 */
#include "coord_store.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void call_txn_keys(struct redis_call *call, const struct sale *sale,
			  const char *gid)
{
	char key[KEY_MAX];
	sale_txn_key(gid, key);
	redis_call_key(call, key);
	sale_due_key(sale, key);
	redis_call_key(call, key);
}

void coord_store_save(struct redis_call *call, const struct sale *sale,
		      const char *gid, uint64_t user, int64_t now_ms,
		      const char *backcheck)
{
	char payload[REDIS_ARG_MAX], txn[REDIS_ARG_MAX];
	int n;
	sale_branch_payload(sale->activity, user, payload);
	assert(!strchr(backcheck, ' '));
	assert(!strchr(payload, ' '));
	n = snprintf(txn, sizeof(txn), "prepared %" PRId64 " 0 %s %s prepared",
		     now_ms, backcheck, payload);
	/* bounded by the sale's sizes: a cut value would be saved as a
	 * transaction */
	if (n <= 0 || n >= (int)sizeof(txn)) {
		fprintf(stderr, "flashsim: internal error: a transaction of %d"
			" bytes does not fit in %zu\n", n, sizeof(txn));
		abort();
	}
	redis_call_init(call, SCRIPT_TXN_SAVE);
	call_txn_keys(call, sale, gid);
	redis_call_number(call, now_ms + sale->timeout_to_fail_ms);
	redis_call_text(call, txn);
}

void coord_store_cas(struct redis_call *call, const struct sale *sale,
		     const char *gid, enum txn_status expected,
		     enum txn_status next, int64_t now_ms)
{
	assert(expected != TXN_NONE);
	assert(next != TXN_NONE);
	assert(expected != next);
	redis_call_init(call, SCRIPT_TXN_CAS);
	call_txn_keys(call, sale, gid);
	redis_call_text(call, txn_status_name(expected));
	redis_call_text(call, txn_status_name(next));
	if (next == TXN_SUCCEEDED || next == TXN_FAILED)
		redis_call_number(call, sale->terminal_ttl_s);
	else
		redis_call_number(call, now_ms + sale->retry_interval_ms);
}

void coord_store_lock_due(struct redis_call *call, const struct sale *sale,
			  int64_t now_ms)
{
	char key[KEY_MAX];
	redis_call_init(call, SCRIPT_TXN_LOCK_DUE);
	sale_due_key(sale, key);
	redis_call_key(call, key);
	redis_call_number(call, now_ms);
	redis_call_number(call, sale->timeout_to_fail_ms);
	redis_call_number(call, sale->retry_interval_ms);
	redis_call_number(call, sale->retry_interval_ms_max);
}

void coord_store_branch_done(struct redis_call *call, const struct sale *sale,
			     const char *gid)
{
	coord_store_cas(call, sale, gid, TXN_SUBMITTED, TXN_SUCCEEDED, 0);
}

int coord_store_parse(const char *text, size_t len, struct txn_record *record)
{
	char *field;
	int n = 0;
	if (len >= sizeof(record->text) || memchr(text, '\0', len))
		return -1;
	memcpy(record->text, text, len);
	record->text[len] = '\0';
	memset(record->field, 0, sizeof(record->field));
	if (strcmp(record->text, "succeeded") == 0 ||
	    strcmp(record->text, "failed") == 0) {
		record->field[TXN_FIELD_STATUS] = record->text;
		return 0;
	}
	field = record->text;
	for (;;) {
		char *space = strchr(field, ' ');
		if (*field == '\0' || *field == ' ' || n == TXN_FIELDS)
			return -1;
		record->field[n++] = field;
		if (!space)
			break;
		*space = '\0';
		field = space + 1;
	}
	return n == TXN_FIELDS ? 0 : -1;
}
