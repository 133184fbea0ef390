/*
 * coord_store.h - the coordinator's store in Redis.
 *
 * One hash per global transaction, txn:<gid>, with the fields
 *   status            prepared | submitted | succeeded | failed
 *   created_ms        creation time (virtual ms)
 *   attempts          cron attempts since the last status change
 *                     (missing: 0)
 *   backcheck         address of the app service that answers backchecks
 *   branches          number of branches (missing: 1, the only case here)
 *   branch_00         create_order:<activity>:<user>
 *   branch_00_status  succeeded, once the branch is (missing: prepared)
 * An open transaction has no TTL; a terminal one gets terminal_ttl_s.
 * and one sorted set per sale, due:{tag}, of gids scored by next check time.
 *
 * Every change is one Lua script guarded by the status the caller expects;
 * a guard that does not hold changes nothing and answers CONFLICT. Time is
 * always an argument, never Redis's TIME. These functions describe the
 * script calls; core/redis.c runs them.
 */
#ifndef FLASHSIM_COORD_STORE_H
#define FLASHSIM_COORD_STORE_H

#include "effect.h"
#include "sale.h"

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

/* Mark branch 00 succeeded and, with it, the transaction. Guarded by
 * "submitted". Answers OK (status after), CONFLICT or MISSING. */
void coord_store_branch_done(struct redis_call *call, const struct sale *sale,
			     const char *gid);

#endif
