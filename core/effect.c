/*
 * effect.c - names of steps, results, codes and statuses.
 */
#include "effect.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const step_names[STEP_COUNT] = {
#define STEP(id, name, effect, description) [id] = name,
#include "steps.def"
#undef STEP
};

static const char *const step_descriptions[STEP_COUNT] = {
#define STEP(id, name, effect, description) [id] = description,
#include "steps.def"
#undef STEP
};

const char *step_name(enum step_id step)
{
	assert(step < STEP_COUNT);
	return step_names[step];
}

const char *step_description(enum step_id step)
{
	assert(step < STEP_COUNT);
	return step_descriptions[step];
}

const char *result_name(enum result result)
{
	switch (result) {
	case RESULT_OK: return "OK";
	case RESULT_FAILED: return "FAILED";
	case RESULT_UNKNOWN: return "UNKNOWN";
	}
	return "?";
}

const char *code_name(enum code code)
{
	switch (code) {
	case CODE_NONE: return "-";
	case CODE_OK: return "OK";
	case CODE_SOLD_OUT: return "SOLD_OUT";
	case CODE_DUPLICATE: return "DUPLICATE";
	case CODE_SUCCESS: return "SUCCESS";
	case CODE_FAILURE: return "FAILURE";
	case CODE_EXISTS: return "EXISTS";
	case CODE_CONFLICT: return "CONFLICT";
	case CODE_MISSING: return "MISSING";
	case CODE_EMPTY: return "EMPTY";
	case CODE_LOCKED: return "LOCKED";
	case CODE_ERROR: return "ERROR";
	}
	return "?";
}

const char *txn_status_name(enum txn_status status)
{
	switch (status) {
	case TXN_NONE: return "none";
	case TXN_PREPARED: return "prepared";
	case TXN_SUBMITTED: return "submitted";
	case TXN_SUCCEEDED: return "succeeded";
	case TXN_FAILED: return "failed";
	}
	return "?";
}

enum txn_status txn_status_parse(const char *text)
{
	for (int s = TXN_PREPARED; s <= TXN_FAILED; s++)
		if (strcmp(text, txn_status_name(s)) == 0)
			return s;
	return TXN_NONE;
}

const char *method_name(enum method method)
{
	switch (method) {
	case METHOD_BUY: return "buy";
	case METHOD_PREPARE: return "prepare";
	case METHOD_SUBMIT: return "submit";
	case METHOD_ABORT: return "abort";
	case METHOD_BACKCHECK: return "backcheck";
	case METHOD_CREATE_ORDER: return "createOrder";
	case METHOD_COUNT: break;
	}
	return "?";
}

const char *told_name(enum told told)
{
	switch (told) {
	case TOLD_NOTHING: return "nothing";
	case TOLD_SUCCESS: return "success";
	case TOLD_REJECTED: return "rejected";
	case TOLD_UNKNOWN: return "unknown";
	}
	return "?";
}

struct outcome outcome_make(enum result result, enum code code)
{
	struct outcome outcome;
	memset(&outcome, 0, sizeof(outcome));
	outcome.result = result;
	outcome.code = code;
	return outcome;
}

struct outcome outcome_unknown(void)
{
	return outcome_make(RESULT_UNKNOWN, CODE_NONE);
}

struct effect *effect_call_init(struct effect *effect, enum step_id step,
				enum service to, enum method method,
				uint64_t activity, uint64_t user,
				const char *gid)
{
	memset(effect, 0, sizeof(*effect));
	effect->kind = EFFECT_CALL;
	effect->step = step;
	effect->call.to = to;
	effect->call.message.method = method;
	effect->call.message.activity = activity;
	effect->call.message.user = user;
	snprintf(effect->call.message.gid, GID_MAX, "%s", gid);
	return effect;
}

void redis_call_init(struct redis_call *call, enum script_id script)
{
	memset(call, 0, sizeof(*call));
	call->script = script;
}

void redis_call_key(struct redis_call *call, const char *key)
{
	assert(call->key_count < REDIS_KEYS_MAX);
	snprintf(call->keys[call->key_count++], KEY_MAX, "%s", key);
}

void redis_call_text(struct redis_call *call, const char *text)
{
	assert(call->arg_count < REDIS_ARGS_MAX);
	assert(strlen(text) < REDIS_ARG_MAX);
	snprintf(call->args[call->arg_count++], REDIS_ARG_MAX, "%s", text);
}

void redis_call_number(struct redis_call *call, int64_t number)
{
	assert(call->arg_count < REDIS_ARGS_MAX);
	snprintf(call->args[call->arg_count++], REDIS_ARG_MAX, "%" PRId64,
		 number);
}
