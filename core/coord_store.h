/*
 * coord_store.h - the coordinator's store in Redis.
 *
 * One string per global transaction, txn:<gid>. While it is open, six
 * fields separated by single spaces,
 *   status            prepared | submitted | succeeded | failed
 *   created_ms        creation time (virtual ms)
 *   attempts          cron attempts since the last status change
 *   backcheck         address of the app service that answers backchecks
 *   branch_00         the one branch: create_order:<activity>:<user>
 *   branch_00_status  prepared | succeeded
 * for example "prepared 1000 0 app create_order:1:7 prepared"; once
 * finished, the one word "succeeded" or "failed" (nothing reads the rest
 * then). One string rather than a hash: a change of status is one SET,
 * with its TTL when it is terminal, so each script writes as few commands
 * as it can to Redis's append-only file. An open transaction has no TTL; a
 * finished one gets terminal_ttl_s. And one sorted set per sale,
 * due:{tag}, of the open transactions' keys (txn:<gid>) scored by next
 * check time.
 *
 * Every change is one Lua script guarded by the status the caller expects;
 * a guard that does not hold leaves the transaction as it was (a finished
 * one's TTL starts again: txn_cas.lua) and answers CONFLICT. Time is
 * always an argument, never Redis's TIME. These functions describe the
 * script calls; core/redis.c runs them.
 */
#ifndef FLASHSIM_COORD_STORE_H
#define FLASHSIM_COORD_STORE_H

#include <stddef.h>

#include "effect.h"
#include "sale.h"

/* A transaction as stored, split into its fields. */
enum txn_field {
	TXN_FIELD_STATUS,
	TXN_FIELD_CREATED_MS,
	TXN_FIELD_ATTEMPTS,
	TXN_FIELD_BACKCHECK,
	TXN_FIELD_BRANCH,
	TXN_FIELD_BRANCH_STATUS,
	TXN_FIELDS
};

struct txn_record {
	char text[REDIS_ARG_MAX];        /* a copy, split in place */
	const char *field[TXN_FIELDS];   /* a finished one: all NULL but
					  * the status */
};

/* Splits the stored transaction text (len bytes) into its six fields, or
 * its status alone when it is finished. Returns 0, or -1 when it is not a
 * transaction (too long, a field missing or empty, one too many, an open
 * status alone). */
int coord_store_parse(const char *text, size_t len, struct txn_record *record);

/* Save gid as prepared, due for a check at now + timeout-to-fail.
 * Answers OK, or EXISTS with the current status. */
void coord_store_save(struct redis_call *call, const struct sale *sale,
		      const char *gid, uint64_t user, int64_t now_ms,
		      const char *backcheck);

/* Compare-and-set the status. A non-terminal new status resets the attempts
 * and makes the transaction due at now + retry interval; a terminal one
 * removes it from the due set. Answers OK, CONFLICT or MISSING. */
void coord_store_cas(struct redis_call *call, const struct sale *sale,
		     const char *gid, enum txn_status expected,
		     enum txn_status next, int64_t now_ms);

/* Lock the next due transaction. Answers LOCKED (outcome.txn) or EMPTY. */
void coord_store_lock_due(struct redis_call *call, const struct sale *sale,
			  int64_t now_ms);

/* Mark branch 00 succeeded and, with it, the transaction: with one branch
 * that is the CAS submitted -> succeeded (a terminal status needs no
 * now_ms). Answers OK (status after), CONFLICT or MISSING. */
void coord_store_branch_done(struct redis_call *call, const struct sale *sale,
			     const char *gid);

#endif
