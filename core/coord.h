/*
 * coord.h - the coordinator, as step machines.
 *
 * coord_call: one request from an app.
 *
 *   prepare: START -> SAVING -> REPLYING -> DONE
 *            OK, or EXISTS and not failed      -> reply OK (a retry, or
 *                                                 a second request of the
 *                                                 same purchase: its
 *                                                 deduction finds out)
 *            EXISTS and failed                 -> reply FAILED
 *   submit:  START -> SUBMITTING -> REPLYING -> BRANCHING -> MARKING -> DONE
 *            CAS prepared -> submitted OK      -> reply OK, then deliver the
 *                                                 branch at once
 *            already submitted or succeeded    -> reply OK (nothing to do)
 *            failed, or missing                -> reply FAILED
 *   abort:   START -> ABORTING -> REPLYING -> DONE
 *            CAS prepared -> failed OK, or already failed -> reply OK
 *            submitted, succeeded, or missing  -> reply FAILED
 *   An unclear store answer is replied as UNKNOWN.
 *
 * coord_cron: the recovery loop of one coordinator instance.
 *
 *   LOCKING --EMPTY or unclear--> IDLE --(cron interval)--> LOCKING
 *   LOCKING --prepared (old)--> BACKCHECKING
 *             SUCCESS -> RESUBMITTING --OK--> DELIVERING
 *             FAILURE -> FAILING --> LOCKING
 *             no answer -> LOCKING (retried after the backoff the lock set)
 *   LOCKING --submitted--> DELIVERING
 *             explicit OK -> MARKING --> LOCKING
 *             anything else -> LOCKING (retried after the backoff)
 *
 * Invariants:
 *   1. Every status change goes through a guarded script; a CONFLICT is a
 *      normal outcome (another coordinator or a late app got there first).
 *   2. A branch counts as delivered only on an explicit OK.
 *   3. The loop never blocks on one transaction: the lock's lease and backoff
 *      (core/lua/txn_lock_due.lua) decide when a transaction is tried again.
 */
#ifndef FLASHSIM_COORD_H
#define FLASHSIM_COORD_H

#include <stdbool.h>

#include "effect.h"
#include "sale.h"

enum coord_call_state {
	COORD_CALL_START,
	COORD_CALL_SAVING,
	COORD_CALL_SUBMITTING,
	COORD_CALL_ABORTING,
	COORD_CALL_REPLYING,
	COORD_CALL_BRANCHING,
	COORD_CALL_MARKING,
	COORD_CALL_DONE,
};

struct coord_call {
	enum coord_call_state state;
	const struct sale *sale;
	struct message request;
	bool deliver_branch; /* after the reply, deliver the branch at once */
	struct effect effect;
};

void coord_call_init(struct coord_call *call, const struct sale *sale,
		     const struct message *request);
/* now_ms: the current time; last is NULL on the first step. */
const struct effect *coord_call_step(struct coord_call *call,
				     const struct outcome *last,
				     int64_t now_ms);

enum coord_cron_state {
	COORD_CRON_START,
	COORD_CRON_LOCKING,
	COORD_CRON_IDLE,
	COORD_CRON_BACKCHECKING,
	COORD_CRON_RESUBMITTING,
	COORD_CRON_FAILING,
	COORD_CRON_DELIVERING,
	COORD_CRON_MARKING,
};

struct coord_cron {
	enum coord_cron_state state;
	const struct sale *sale;
	struct txn_view txn; /* the transaction being worked on */
	struct effect effect;
};

void coord_cron_init(struct coord_cron *cron, const struct sale *sale);
/* The loop never ends: it never returns EFFECT_DONE. */
const struct effect *coord_cron_step(struct coord_cron *cron,
				     const struct outcome *last,
				     int64_t now_ms);

#endif
