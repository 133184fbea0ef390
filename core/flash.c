/*
 * flash.c - the app's flash-sale handlers: flash.h has their purpose,
 * states and invariants (flash_state_valid checks the ones a state alone
 * shows). Each step function returns the one effect the machine asks for
 * next (a call to the coordinator, a script, the reply to the user).
 *
 * Transition -> the function that performs it:
 *
 *   flash_request
 *     START -> CHECKING (fast path)                 check_stock
 *     START/CHECKING -> PREPARING                   call_coord
 *     CHECKING -> REPLYING (sold out: rejected)     reply_user
 *     PREPARING -> DEDUCTING (OK)                   run_script
 *     PREPARING -> REPLYING (rejected, unknown)     reply_user
 *     DEDUCTING -> SUBMITTING, ABORTING, QUERYING   after_deduct
 *     QUERYING -> SUBMITTING, ABORTING, REPLYING    after_query
 *     SUBMITTING/ABORTING -> REPLYING               reply_user
 *     REPLYING -> DONE                              flash_request_step
 *   flash_backcheck
 *     START -> QUERYING -> REPLYING -> DONE         flash_backcheck_step
 */
#include "flash.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "barrier.h"

static inline bool flash_state_valid(const struct flash_request *request)
{
	return request->state >= FLASH_START && request->state <= FLASH_DONE;
}

static const struct effect *call_coord(struct flash_request *request,
				       enum step_id step, enum method method,
				       enum flash_state next)
{
	request->state = next;
	return effect_call_init(&request->effect, step, SERVICE_COORD, method,
				request->sale->activity, request->user,
				request->gid);
}

static const struct effect *run_script(struct flash_request *request,
				       enum step_id step,
				       enum flash_state next)
{
	struct effect *effect = &request->effect;
	effect->kind = EFFECT_REDIS;
	effect->step = step;
	if (step == STEP_APP_DEDUCT)
		barrier_deduct(&effect->redis, request->sale, request->gid);
	else
		barrier_query_prepared(&effect->redis, request->sale,
				       request->gid);
	request->state = next;
	return effect;
}

static const struct effect *reply_user(struct flash_request *request,
				       enum told told)
{
	static const enum result told_result[] = {
		[TOLD_NOTHING] = RESULT_UNKNOWN,
		[TOLD_SUCCESS] = RESULT_OK,
		[TOLD_REJECTED] = RESULT_FAILED,
		[TOLD_UNKNOWN] = RESULT_UNKNOWN,
	};
	struct effect *effect = &request->effect;
	assert(told != TOLD_NOTHING);
	request->told = told;
	memset(effect, 0, sizeof(*effect));
	effect->kind = EFFECT_REPLY;
	effect->step = STEP_APP_REPLY;
	effect->reply.method = METHOD_BUY;
	effect->reply.result = told_result[told];
	effect->reply.code = CODE_NONE;
	effect->reply.activity = request->sale->activity;
	effect->reply.user = request->user;
	snprintf(effect->reply.gid, GID_MAX, "%s", request->gid);
	request->state = FLASH_REPLYING;
	return effect;
}

/* The sold-out fast path's read of the stock. */
static const struct effect *check_stock(struct flash_request *request)
{
	struct effect *effect = &request->effect;
	char key[KEY_MAX];
	effect->kind = EFFECT_REDIS;
	effect->step = STEP_APP_CHECK_STOCK;
	redis_call_init(&effect->redis, SCRIPT_STOCK_CHECK);
	sale_stock_key(request->sale, key);
	redis_call_key(&effect->redis, key);
	sale_barrier_key(request->gid, key);
	redis_call_key(&effect->redis, key);
	request->state = FLASH_CHECKING;
	return effect;
}

void flash_request_init(struct flash_request *request, const struct sale *sale,
			uint64_t user)
{
	memset(request, 0, sizeof(*request));
	request->state = FLASH_START;
	request->sale = sale;
	request->user = user;
	request->told = TOLD_NOTHING;
	sale_gid(sale, user, request->gid);
}

/* After the deduction: OK submits, SOLD_OUT aborts; DUPLICATE or anything
 * unclear asks the backcheck ourselves. */
static const struct effect *after_deduct(struct flash_request *request,
					 const struct outcome *last)
{
	if (last->result == RESULT_OK && last->code == CODE_OK)
		return call_coord(request, STEP_APP_SUBMIT, METHOD_SUBMIT,
				  FLASH_SUBMITTING);
	if (last->result == RESULT_OK && last->code == CODE_SOLD_OUT)
		return call_coord(request, STEP_APP_ABORT, METHOD_ABORT,
				  FLASH_ABORTING);
	return run_script(request, STEP_APP_QUERY, FLASH_QUERYING);
}

/* After our own backcheck: SUCCESS submits, FAILURE aborts; a second
 * unclear answer leaves the transaction prepared for the coordinator. */
static const struct effect *after_query(struct flash_request *request,
					const struct outcome *last)
{
	if (last->result == RESULT_OK && last->code == CODE_SUCCESS)
		return call_coord(request, STEP_APP_SUBMIT, METHOD_SUBMIT,
				  FLASH_SUBMITTING);
	if (last->result == RESULT_OK && last->code == CODE_FAILURE)
		return call_coord(request, STEP_APP_ABORT, METHOD_ABORT,
				  FLASH_ABORTING);
	return reply_user(request, TOLD_UNKNOWN);
}

const struct effect *flash_request_step(struct flash_request *request,
					const struct outcome *last)
{
	assert(flash_state_valid(request));
	assert(request->state == FLASH_START || last != NULL);
	switch (request->state) {
	case FLASH_START:
		if (request->sale->sold_out_fast_path)
			return check_stock(request);
		return call_coord(request, STEP_APP_PREPARE, METHOD_PREPARE,
				  FLASH_PREPARING);
	case FLASH_CHECKING:
		if (last->result == RESULT_OK && last->code == CODE_SOLD_OUT)
			return reply_user(request, TOLD_REJECTED);
		return call_coord(request, STEP_APP_PREPARE, METHOD_PREPARE,
				  FLASH_PREPARING);
	case FLASH_PREPARING:
		if (last->result == RESULT_OK)
			return run_script(request, STEP_APP_DEDUCT,
					  FLASH_DEDUCTING);
		return reply_user(request, last->result == RESULT_FAILED ?
					   TOLD_REJECTED : TOLD_UNKNOWN);
	case FLASH_DEDUCTING:
		return after_deduct(request, last);
	case FLASH_QUERYING:
		return after_query(request, last);
	case FLASH_SUBMITTING:
		return reply_user(request, last->result == RESULT_OK ?
					   TOLD_SUCCESS : TOLD_UNKNOWN);
	case FLASH_ABORTING:
		return reply_user(request, last->result == RESULT_OK ?
					   TOLD_REJECTED : TOLD_UNKNOWN);
	case FLASH_REPLYING:
	case FLASH_DONE:
		break;
	}
	request->state = FLASH_DONE;
	request->effect.kind = EFFECT_DONE;
	return &request->effect;
}

void flash_backcheck_init(struct flash_backcheck *backcheck,
			  const struct sale *sale,
			  const struct message *request)
{
	assert(request->method == METHOD_BACKCHECK);
	memset(backcheck, 0, sizeof(*backcheck));
	backcheck->state = FLASH_BACKCHECK_START;
	backcheck->sale = sale;
	backcheck->request = *request;
}

const struct effect *flash_backcheck_step(struct flash_backcheck *backcheck,
					  const struct outcome *last)
{
	struct effect *effect = &backcheck->effect;
	switch (backcheck->state) {
	case FLASH_BACKCHECK_START:
		effect->kind = EFFECT_REDIS;
		effect->step = STEP_APP_BACKCHECK;
		barrier_query_prepared(&effect->redis, backcheck->sale,
				       backcheck->request.gid);
		backcheck->state = FLASH_BACKCHECK_QUERYING;
		return effect;
	case FLASH_BACKCHECK_QUERYING:
		assert(last != NULL);
		memset(effect, 0, sizeof(*effect));
		effect->kind = EFFECT_REPLY;
		effect->step = STEP_APP_BACKCHECK_REPLY;
		effect->reply = backcheck->request;
		/* Only a clear SUCCESS or FAILURE is an answer; anything else
		 * is an error the coordinator retries. */
		if (last->result == RESULT_OK &&
		    (last->code == CODE_SUCCESS || last->code == CODE_FAILURE)) {
			effect->reply.result = RESULT_OK;
			effect->reply.code = last->code;
		} else {
			effect->reply.result = RESULT_UNKNOWN;
			effect->reply.code = CODE_ERROR;
		}
		backcheck->state = FLASH_BACKCHECK_REPLYING;
		return effect;
	case FLASH_BACKCHECK_REPLYING:
	case FLASH_BACKCHECK_DONE:
		break;
	}
	backcheck->state = FLASH_BACKCHECK_DONE;
	effect->kind = EFFECT_DONE;
	return effect;
}
