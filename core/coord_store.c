/*
 * coord_store.c - script calls of the coordinator store (see coord_store.h).
 */
#include "coord_store.h"

#include <assert.h>

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
	char payload[ARG_MAX];
	sale_branch_payload(sale->activity, user, payload);
	redis_call_init(call, SCRIPT_TXN_SAVE);
	call_txn_keys(call, sale, gid);
	redis_call_number(call, now_ms);
	redis_call_number(call, now_ms + sale->timeout_to_fail_ms);
	redis_call_text(call, backcheck);
	redis_call_text(call, payload);
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
	redis_call_number(call, now_ms + sale->retry_interval_ms);
	redis_call_number(call, sale->terminal_ttl_s);
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
	redis_call_init(call, SCRIPT_TXN_BRANCH_DONE);
	call_txn_keys(call, sale, gid);
	redis_call_text(call, "00");
	redis_call_number(call, sale->terminal_ttl_s);
}
