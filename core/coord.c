/*
 * coord.c - the coordinator's step machines: coord.h has their purpose,
 * states and invariants. Each step function returns the one effect the
 * machine asks for next (a script, a call, a reply), or NULL when done.
 *
 * Transition -> the function that performs it:
 *
 *   coord_call
 *     START -> SAVING, SUBMITTING or ABORTING (by method)  call_start
 *     SAVING/SUBMITTING/ABORTING -> REPLYING               call_reply
 *       (the answer to the app: call_answer)
 *     REPLYING -> BRANCHING (a submit just accepted)       coord_call_step
 *     REPLYING -> DONE                                     call_done
 *     BRANCHING -> MARKING (explicit OK), else DONE        coord_call_step
 *     MARKING -> DONE                                      call_done
 *   coord_cron
 *     START/IDLE/FAILING/MARKING -> LOCKING                cron_lock
 *     LOCKING -> IDLE, BACKCHECKING, DELIVERING or LOCKING cron_locked
 *       (IDLE: cron_idle; DELIVERING: cron_deliver)
 *     BACKCHECKING -> RESUBMITTING, FAILING or LOCKING     cron_backchecked
 *     RESUBMITTING -> DELIVERING (OK), else LOCKING        coord_cron_step
 *     DELIVERING -> MARKING (explicit OK), else LOCKING    coord_cron_step
 */
#include "coord.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "coord_store.h"

static struct effect *effect_redis(struct effect *effect, enum step_id step)
{
	effect->kind = EFFECT_REDIS;
	effect->step = step;
	return effect;
}

static struct effect *effect_call_order(struct effect *effect,
					enum step_id step, const char *gid,
					uint64_t activity, uint64_t user)
{
	return effect_call_init(effect, step, SERVICE_ORDER,
				METHOD_CREATE_ORDER, activity, user, gid);
}

/* ---- coord_call -------------------------------------------------------- */

void coord_call_init(struct coord_call *call, const struct sale *sale,
		     const struct message *request)
{
	assert(request->method == METHOD_PREPARE ||
	       request->method == METHOD_SUBMIT ||
	       request->method == METHOD_ABORT);
	memset(call, 0, sizeof(*call));
	call->state = COORD_CALL_START;
	call->sale = sale;
	call->request = *request;
}

static const struct effect *call_start(struct coord_call *call, int64_t now_ms)
{
	struct effect *effect = &call->effect;
	const char *gid = call->request.gid;
	switch (call->request.method) {
	case METHOD_PREPARE:
		coord_store_save(&effect->redis, call->sale, gid,
				 call->request.user, now_ms,
				 SALE_BACKCHECK_ADDRESS);
		call->state = COORD_CALL_SAVING;
		return effect_redis(effect, STEP_COORD_SAVE);
	case METHOD_SUBMIT:
		coord_store_cas(&effect->redis, call->sale, gid, TXN_PREPARED,
				TXN_SUBMITTED, now_ms);
		call->state = COORD_CALL_SUBMITTING;
		return effect_redis(effect, STEP_COORD_SUBMIT);
	default:
		coord_store_cas(&effect->redis, call->sale, gid, TXN_PREPARED,
				TXN_FAILED, now_ms);
		call->state = COORD_CALL_ABORTING;
		return effect_redis(effect, STEP_COORD_ABORT);
	}
}

/* The answer to the app, from the store's answer (see coord.h). */
static enum result call_answer(const struct coord_call *call,
			       const struct outcome *last)
{
	if (last->result != RESULT_OK || last->code == CODE_ERROR)
		return RESULT_UNKNOWN;
	if (last->code == CODE_OK)
		return RESULT_OK;
	switch (call->request.method) {
	case METHOD_PREPARE:
		/* The gid exists: a retry, or a second request of the same
		 * purchase (a duplicated message, a double click). Unless
		 * it failed, the app goes on; its deduction then answers
		 * DUPLICATE and its own backcheck tells it what happened.
		 * Answering FAILED there told the user "rejected" for a
		 * purchase that went through. */
		return last->code == CODE_EXISTS &&
		       last->status != TXN_FAILED ? RESULT_OK : RESULT_FAILED;
	case METHOD_SUBMIT:
		return last->code == CODE_CONFLICT &&
		       (last->status == TXN_SUBMITTED ||
			last->status == TXN_SUCCEEDED) ? RESULT_OK :
							 RESULT_FAILED;
	default:
		return last->code == CODE_CONFLICT &&
		       last->status == TXN_FAILED ? RESULT_OK : RESULT_FAILED;
	}
}

static const struct effect *call_reply(struct coord_call *call,
				       const struct outcome *last)
{
	static const enum step_id reply_step[] = {
		[COORD_CALL_SAVING] = STEP_COORD_SAVE_REPLY,
		[COORD_CALL_SUBMITTING] = STEP_COORD_SUBMIT_REPLY,
		[COORD_CALL_ABORTING] = STEP_COORD_ABORT_REPLY,
	};
	struct effect *effect = &call->effect;
	enum result answer = call_answer(call, last);
	enum step_id step = reply_step[call->state];

	/* Only the submit that moved the transaction delivers its branch;
	 * any other is the cron loop's job. */
	call->deliver_branch = call->state == COORD_CALL_SUBMITTING &&
			       last->result == RESULT_OK &&
			       last->code == CODE_OK;
	memset(effect, 0, sizeof(*effect));
	effect->kind = EFFECT_REPLY;
	effect->step = step;
	effect->reply = call->request;
	effect->reply.result = answer;
	effect->reply.code = last->result == RESULT_OK ? last->code : CODE_NONE;
	call->state = COORD_CALL_REPLYING;
	return effect;
}

static const struct effect *call_done(struct coord_call *call)
{
	call->state = COORD_CALL_DONE;
	call->effect.kind = EFFECT_DONE;
	return &call->effect;
}

const struct effect *coord_call_step(struct coord_call *call,
				     const struct outcome *last,
				     int64_t now_ms)
{
	assert(call->state == COORD_CALL_START || last != NULL);
	switch (call->state) {
	case COORD_CALL_START:
		return call_start(call, now_ms);
	case COORD_CALL_SAVING:
	case COORD_CALL_SUBMITTING:
	case COORD_CALL_ABORTING:
		return call_reply(call, last);
	case COORD_CALL_REPLYING:
		if (!call->deliver_branch)
			return call_done(call);
		call->state = COORD_CALL_BRANCHING;
		return effect_call_order(&call->effect, STEP_COORD_BRANCH,
					 call->request.gid,
					 call->request.activity,
					 call->request.user);
	case COORD_CALL_BRANCHING:
		if (last->result != RESULT_OK || last->code != CODE_OK)
			return call_done(call); /* the cron loop retries */
		coord_store_branch_done(&call->effect.redis, call->sale,
					call->request.gid);
		call->state = COORD_CALL_MARKING;
		return effect_redis(&call->effect, STEP_COORD_BRANCH_DONE);
	case COORD_CALL_MARKING:
	case COORD_CALL_DONE:
		break;
	}
	return call_done(call);
}

/* ---- coord_cron -------------------------------------------------------- */

void coord_cron_init(struct coord_cron *cron, const struct sale *sale)
{
	memset(cron, 0, sizeof(*cron));
	cron->state = COORD_CRON_START;
	cron->sale = sale;
}

static const struct effect *cron_lock(struct coord_cron *cron, int64_t now_ms)
{
	coord_store_lock_due(&cron->effect.redis, cron->sale, now_ms);
	cron->state = COORD_CRON_LOCKING;
	return effect_redis(&cron->effect, STEP_COORD_LOCK);
}

static const struct effect *cron_idle(struct coord_cron *cron)
{
	struct effect *effect = &cron->effect;
	memset(effect, 0, sizeof(*effect));
	effect->kind = EFFECT_WAIT;
	effect->step = STEP_COORD_IDLE;
	effect->wait_ms = cron->sale->cron_interval_ms;
	cron->state = COORD_CRON_IDLE;
	return effect;
}

static const struct effect *cron_deliver(struct coord_cron *cron)
{
	cron->state = COORD_CRON_DELIVERING;
	return effect_call_order(&cron->effect, STEP_COORD_DELIVER,
				 cron->txn.gid, cron->txn.activity,
				 cron->txn.user);
}

static const struct effect *cron_locked(struct coord_cron *cron,
					const struct outcome *last,
					int64_t now_ms)
{
	struct effect *effect = &cron->effect;
	if (last->result != RESULT_OK || last->code != CODE_LOCKED)
		return cron_idle(cron);
	cron->txn = last->txn;
	if (cron->txn.status == TXN_SUBMITTED)
		return cron_deliver(cron);
	if (cron->txn.status != TXN_PREPARED)
		return cron_lock(cron, now_ms);
	cron->state = COORD_CRON_BACKCHECKING;
	return effect_call_init(effect, STEP_COORD_BACKCHECK, SERVICE_APP,
				METHOD_BACKCHECK, cron->txn.activity,
				cron->txn.user, cron->txn.gid);
}

static const struct effect *cron_backchecked(struct coord_cron *cron,
					     const struct outcome *last,
					     int64_t now_ms)
{
	struct effect *effect = &cron->effect;
	/* Only an explicit answer counts: an OK reply with an error in its
	 * body is no answer, and the transaction is retried later. */
	if (last->result != RESULT_OK ||
	    (last->code != CODE_SUCCESS && last->code != CODE_FAILURE))
		return cron_lock(cron, now_ms);
	if (last->code == CODE_SUCCESS) {
		coord_store_cas(&effect->redis, cron->sale, cron->txn.gid,
				TXN_PREPARED, TXN_SUBMITTED, now_ms);
		cron->state = COORD_CRON_RESUBMITTING;
		return effect_redis(effect, STEP_COORD_RESUBMIT);
	}
	coord_store_cas(&effect->redis, cron->sale, cron->txn.gid,
			TXN_PREPARED, TXN_FAILED, now_ms);
	cron->state = COORD_CRON_FAILING;
	return effect_redis(effect, STEP_COORD_FAIL);
}

const struct effect *coord_cron_step(struct coord_cron *cron,
				     const struct outcome *last,
				     int64_t now_ms)
{
	assert(cron->state == COORD_CRON_START || last != NULL);
	switch (cron->state) {
	case COORD_CRON_START:
	case COORD_CRON_IDLE:
	case COORD_CRON_FAILING:
	case COORD_CRON_MARKING:
		return cron_lock(cron, now_ms);
	case COORD_CRON_LOCKING:
		return cron_locked(cron, last, now_ms);
	case COORD_CRON_BACKCHECKING:
		return cron_backchecked(cron, last, now_ms);
	case COORD_CRON_RESUBMITTING:
		if (last->result == RESULT_OK && last->code == CODE_OK)
			return cron_deliver(cron);
		return cron_lock(cron, now_ms);
	case COORD_CRON_DELIVERING:
		if (last->result != RESULT_OK || last->code != CODE_OK)
			return cron_lock(cron, now_ms);
		coord_store_branch_done(&cron->effect.redis, cron->sale,
					cron->txn.gid);
		cron->state = COORD_CRON_MARKING;
		return effect_redis(&cron->effect, STEP_COORD_DELIVER_DONE);
	}
	assert(!"coord_cron: invalid state");
	return cron_idle(cron);
}
