/*
 * barrier.h - the Redis branch barrier of the 2-phase message.
 *
 * Two scripts share one barrier key per message, <gid>-00-msg-01:
 *   deduct          (lua/deduct.lua)         the local transaction
 *   query prepared  (lua/query_prepared.lua) the backcheck
 * These functions only describe the script calls; core/redis.c runs them.
 */
#ifndef FLASHSIM_BARRIER_H
#define FLASHSIM_BARRIER_H

#include "effect.h"
#include "sale.h"

/* Take one unit of stock for gid, guarded by its barrier. */
void barrier_deduct(struct redis_call *call, const struct sale *sale,
		    const char *gid);

/* Did the deduction of gid happen? Inserts the rollback marker if not. */
void barrier_query_prepared(struct redis_call *call, const struct sale *sale,
			    const char *gid);

#endif
