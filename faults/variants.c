/*
 * variants.c - the teaching variants (see variants.h). Each piece here is
 * deliberately wrong; core/ holds the correct one.
 */
#include "variants.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "barrier.h"
#include "points.h"

/* Generated from faults/variants/ by the build. */
extern const char *const flashsim_variant_script_sources[];
extern const char *const flashsim_variant_script_names[];
extern const int flashsim_variant_script_count;

static const char *variant_script(const char *name)
{
	for (int i = 0; i < flashsim_variant_script_count; i++)
		if (strcmp(flashsim_variant_script_names[i], name) == 0)
			return flashsim_variant_script_sources[i];
	assert(!"variant script missing");
	return NULL;
}

static const struct effect *effect_reply(struct flash_request *request,
					 enum told told)
{
	struct effect *effect = &request->effect;
	memset(effect, 0, sizeof(*effect));
	request->told = told;
	effect->kind = EFFECT_REPLY;
	effect->step = STEP_APP_REPLY;
	effect->reply.method = METHOD_BUY;
	effect->reply.result = told == TOLD_SUCCESS ? RESULT_OK :
			       told == TOLD_REJECTED ? RESULT_FAILED :
						       RESULT_UNKNOWN;
	effect->reply.activity = request->sale->activity;
	effect->reply.user = request->user;
	snprintf(effect->reply.gid, GID_MAX, "%s", request->gid);
	request->state = FLASH_REPLYING;
	return effect;
}

static const struct effect *effect_call(struct flash_request *request,
					enum step_id step, enum service to,
					enum method method,
					enum flash_state next)
{
	request->state = next;
	return effect_call_init(&request->effect, step, to, method,
				request->sale->activity, request->user,
				request->gid);
}

static const struct effect *effect_deduct(struct flash_request *request)
{
	request->effect.kind = EFFECT_REDIS;
	request->effect.step = STEP_APP_DEDUCT;
	barrier_deduct(&request->effect.redis, request->sale, request->gid);
	request->state = FLASH_DEDUCTING;
	return &request->effect;
}

static const struct effect *effect_done(struct flash_request *request)
{
	request->state = FLASH_DONE;
	request->effect.kind = EFFECT_DONE;
	return &request->effect;
}

/* naive: deduct, then create the order with a direct call to the order
 * service (app/create_order, a step of this variant alone). A crash in
 * between, or a lost call, leaves a unit sold and no order: nothing will
 * ever notice. */
static const struct effect *naive_step(struct flash_request *request,
				       const struct outcome *last)
{
	switch (request->state) {
	case FLASH_START:
		return effect_deduct(request);
	case FLASH_DEDUCTING:
		if (last->result == RESULT_OK && last->code == CODE_OK)
			return effect_call(request, STEP_APP_CREATE_ORDER,
					   SERVICE_ORDER, METHOD_CREATE_ORDER,
					   FLASH_SUBMITTING);
		return effect_reply(request, last->result == RESULT_OK ?
					     TOLD_REJECTED : TOLD_UNKNOWN);
	case FLASH_SUBMITTING:
		return effect_reply(request, last->result == RESULT_OK ?
					     TOLD_SUCCESS : TOLD_UNKNOWN);
	default:
		return effect_done(request);
	}
}

/* deduct-before-prepare: the local transaction first, then prepare and
 * submit. A crash after the deduction leaves a unit sold that no
 * coordinator knows of. */
static const struct effect *deduct_first_step(struct flash_request *request,
					      const struct outcome *last)
{
	switch (request->state) {
	case FLASH_START:
		return effect_deduct(request);
	case FLASH_DEDUCTING:
		if (last->result == RESULT_OK && last->code == CODE_OK)
			return effect_call(request, STEP_APP_PREPARE,
					   SERVICE_COORD, METHOD_PREPARE,
					   FLASH_PREPARING);
		return effect_reply(request, last->result == RESULT_OK ?
					     TOLD_REJECTED : TOLD_UNKNOWN);
	case FLASH_PREPARING:
		if (last->result == RESULT_OK)
			return effect_call(request, STEP_APP_SUBMIT,
					   SERVICE_COORD, METHOD_SUBMIT,
					   FLASH_SUBMITTING);
		return effect_reply(request, TOLD_UNKNOWN);
	case FLASH_SUBMITTING:
		return effect_reply(request, last->result == RESULT_OK ?
					     TOLD_SUCCESS : TOLD_UNKNOWN);
	default:
		return effect_done(request);
	}
}

/* order-no-barrier: the order is inserted on every delivery. The orders
 * table's UNIQUE(activity_id, user_id) turns a second delivery into a
 * conflict, so the transaction can never finish (a liveness failure);
 * without that constraint it would be a second order. */
static int create_order_no_barrier(struct order_db *db,
				   const struct sql_call *call, bool commit,
				   struct outcome *outcome)
{
	char *sql;
	int rc;
	*outcome = outcome_make(RESULT_UNKNOWN, CODE_ERROR);
	if (!commit) {
		*outcome = outcome_unknown();
		return 0; /* nothing committed: nothing happened */
	}
	sql = sqlite3_mprintf("INSERT INTO orders(activity_id, user_id, gid,"
			      " created_at) VALUES(%llu, %llu, %Q, %lld)",
			      (unsigned long long)call->activity,
			      (unsigned long long)call->user, call->gid,
			      (long long)call->now_ms);
	rc = sql ? sqlite3_exec(db->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc == SQLITE_CONSTRAINT) {
		*outcome = outcome_make(RESULT_FAILED, CODE_CONFLICT);
		return 0;
	}
	if (rc != SQLITE_OK) {
		snprintf(db->error, sizeof(db->error), "create order: %s",
			 sqlite3_errmsg(db->db));
		return -1;
	}
	*outcome = outcome_make(RESULT_OK, CODE_OK);
	return 0;
}

/* unclear-backcheck-fails: the coordinator's backcheck is answered
 * FAILURE when the query-prepared script gave no clear answer (a Redis
 * error, a lost reply, a timeout), instead of an error the coordinator
 * asks again. The deduction may well have happened: the coordinator then
 * fails a transaction whose unit is taken, and no order will match it. */
static const struct effect *unclear_fails_backcheck_step(
	struct flash_backcheck *backcheck, const struct outcome *last)
{
	const struct effect *effect = flash_backcheck_step(backcheck, last);
	if (effect->kind == EFFECT_REPLY &&
	    effect->reply.result == RESULT_UNKNOWN) {
		assert(effect == &backcheck->effect);
		backcheck->effect.reply.result = RESULT_OK;
		backcheck->effect.reply.code = CODE_FAILURE;
	}
	return effect;
}

#define KINDS_ALL (~0u)

static struct variant variants[VARIANT_COUNT] = {
	[VARIANT_NONE] = {
		.name = "none",
		.description = "the protocol as it should be",
		.script = SCRIPT_COUNT,
		.kinds = KINDS_ALL,
	},
	[VARIANT_NAIVE] = {
		.name = "naive",
		.description = "deduct in Redis, then call the order service"
			" directly: no 2-phase message (the design this"
			" architecture replaces)",
		.request_step = naive_step,
		.script = SCRIPT_COUNT,
		.no_transactions = true,
		.kinds = KINDS_ALL,
	},
	[VARIANT_NO_ROLLBACK_MARKER] = {
		.name = "no-rollback-marker",
		.description = "the backcheck answers FAILURE without leaving"
			" its rollback marker, so a slow deduction still lands",
		.script = SCRIPT_QUERY_PREPARED,
		.script_file = "query_prepared_no_marker.lua",
		.kinds = KINDS_ALL,
	},
	[VARIANT_ORDER_NO_BARRIER] = {
		.name = "order-no-barrier",
		.description = "the order service has no SQL barrier: a"
			" repeated delivery is not recognised",
		.script = SCRIPT_COUNT,
		.create_order = create_order_no_barrier,
		.kinds = KINDS_ALL,
	},
	[VARIANT_DEDUCT_BEFORE_PREPARE] = {
		.name = "deduct-before-prepare",
		.description = "the local transaction runs before the message"
			" is registered with the coordinator",
		.request_step = deduct_first_step,
		.script = SCRIPT_COUNT,
		.kinds = KINDS_ALL,
	},
	[VARIANT_REDIS_NO_PERSISTENCE] = {
		.name = "redis-no-persistence",
		.description = "Redis runs without persistence: a restart"
			" forgets the stock, the barriers and the transactions,"
			" not the orders",
		.script = SCRIPT_COUNT,
		.redis_no_persistence = true,
		.kinds = KIND_BIT(FAULT_REDIS_CRASH),
	},
	[VARIANT_STOCK_BEFORE_BARRIER] = {
		.name = "stock-before-barrier",
		.description = "the deduction checks the stock before the"
			" barrier: a repeated request of a purchase that took"
			" the last unit is answered SOLD_OUT, and aborts it",
		.script = SCRIPT_DEDUCT,
		.script_file = "deduct_stock_before_barrier.lua",
		.kinds = KINDS_ALL,
		.recovery_sale = true,
	},
	[VARIANT_UNCLEAR_BACKCHECK_FAILS] = {
		.name = "unclear-backcheck-fails",
		.description = "the app's backcheck answers FAILURE when its"
			" Redis call fails or gives no answer, instead of"
			" leaving the coordinator to ask again",
		.backcheck_step = unclear_fails_backcheck_step,
		.script = SCRIPT_COUNT,
		.kinds = KINDS_ALL,
		.recovery_sale = true,
	},
};

const struct variant *variant_get(enum variant_id id)
{
	assert(id < VARIANT_COUNT);
	assert((variants[id].script == SCRIPT_COUNT) ==
	       (variants[id].script_file == NULL));
	if (variants[id].script_file && !variants[id].script_source)
		variants[id].script_source =
			variant_script(variants[id].script_file);
	return &variants[id];
}

bool variant_find(const char *name, enum variant_id *id)
{
	for (int v = 0; v < VARIANT_COUNT; v++) {
		if (strcmp(variants[v].name, name) == 0) {
			*id = v;
			return true;
		}
	}
	return false;
}

bool variant_checks(const struct variant *variant, const char *invariant)
{
	static const char *const about_transactions[] = {
		"all_terminal", "txn_order_agreement", "barrier_agreement",
	};
	if (!variant->no_transactions)
		return true;
	for (size_t i = 0; i < sizeof(about_transactions) /
			       sizeof(about_transactions[0]); i++)
		if (strcmp(invariant, about_transactions[i]) == 0)
			return false;
	return true;
}

void variant_names(char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int v = VARIANT_NAIVE; v < VARIANT_COUNT && used < size; v++) {
		int n = snprintf(out + used, size - used, "%s%s",
				 v == VARIANT_NAIVE ? "" : ", ", variants[v].name);
		if (n > 0)
			used += (size_t)n;
	}
}
