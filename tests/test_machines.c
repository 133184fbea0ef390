/*
 * test_machines.c - the step machines of the app and the coordinator, driven
 * by hand: each test feeds outcomes and checks the next effect. The machines
 * do no I/O, so no Redis is needed here; what is checked is the protocol's
 * decisions (which step follows which answer), not the scripts themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "coord.h"
#include "flash.h"
#include "support.h"

#define ACTIVITY 7
#define USER 42
#define NOW 50000
#define CRON_INTERVAL 1234

static struct sale sale;
static char gid[GID_MAX]; /* the gid of USER in the test sale */

static int setup(void **state)
{
	(void)state;
	support_sale(&sale);
	/* Values that differ from the defaults, so a machine that reads the
	 * wrong field (or a constant) is caught. */
	sale.activity = ACTIVITY;
	sale.cron_interval_ms = CRON_INTERVAL;
	sale_gid(&sale, USER, gid);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static const char *kind_name(enum effect_kind kind)
{
	switch (kind) {
	case EFFECT_REDIS: return "REDIS";
	case EFFECT_SQL: return "SQL";
	case EFFECT_CALL: return "CALL";
	case EFFECT_REPLY: return "REPLY";
	case EFFECT_WAIT: return "WAIT";
	case EFFECT_DONE: return "DONE";
	}
	return "?";
}

/* Names, not numbers, so that a failure says which step came instead. */
static void assert_effect(const struct effect *effect, enum effect_kind kind,
			  enum step_id step)
{
	assert_non_null(effect);
	assert_string_equal(kind_name(effect->kind), kind_name(kind));
	if (kind != EFFECT_DONE)
		assert_string_equal(step_name(effect->step), step_name(step));
}

static void assert_done(const struct effect *effect)
{
	assert_effect(effect, EFFECT_DONE, STEP_COUNT);
}

static void assert_redis(const struct effect *effect, enum step_id step,
			 enum script_id script)
{
	assert_effect(effect, EFFECT_REDIS, step);
	assert_int_equal(effect->redis.script, script);
}

static void assert_call(const struct effect *effect, enum step_id step,
			enum service to, enum method method, const char *to_gid)
{
	assert_effect(effect, EFFECT_CALL, step);
	assert_int_equal(effect->call.to, to);
	assert_string_equal(method_name(effect->call.message.method),
			    method_name(method));
	assert_string_equal(effect->call.message.gid, to_gid);
}

static void assert_reply(const struct effect *effect, enum step_id step,
			 enum result result)
{
	assert_effect(effect, EFFECT_REPLY, step);
	assert_string_equal(result_name(effect->reply.result),
			    result_name(result));
}

/* A compare-and-set of the coordinator store: KEYS txn:<gid>, ARGV
 * expected, new (the script takes the gid from the key). */
static void assert_cas(const struct effect *effect, enum step_id step,
		       const char *cas_gid, enum txn_status expected,
		       enum txn_status next)
{
	char key[KEY_MAX];
	assert_redis(effect, step, SCRIPT_TXN_CAS);
	sale_txn_key(cas_gid, key);
	assert_string_equal(effect->redis.keys[0], key);
	assert_string_equal(effect->redis.args[0], txn_status_name(expected));
	assert_string_equal(effect->redis.args[1], txn_status_name(next));
}

static void assert_lock(const struct effect *effect, int64_t now_ms)
{
	char key[KEY_MAX], now[32];
	assert_redis(effect, STEP_COORD_LOCK, SCRIPT_TXN_LOCK_DUE);
	sale_due_key(&sale, key);
	assert_string_equal(effect->redis.keys[0], key);
	snprintf(now, sizeof(now), "%lld", (long long)now_ms);
	assert_string_equal(effect->redis.args[0], now);
}

static struct outcome with_status(enum result result, enum code code,
				  enum txn_status status)
{
	struct outcome outcome = outcome_make(result, code);
	outcome.status = status;
	return outcome;
}

/* ---- flash_request ------------------------------------------------------ */

static const struct effect *request_feed(struct flash_request *request,
					 enum result result, enum code code)
{
	struct outcome outcome = outcome_make(result, code);
	return flash_request_step(request, &outcome);
}

/* A request that has prepared and is about to hear the deduction's answer. */
static void request_at_deduct(struct flash_request *request)
{
	flash_request_init(request, &sale, USER);
	flash_request_step(request, NULL);
	assert_redis(request_feed(request, RESULT_OK, CODE_OK), STEP_APP_DEDUCT,
		     SCRIPT_DEDUCT);
}

static void assert_told(const struct flash_request *request,
			const struct effect *effect, enum told told)
{
	static const enum result told_result[] = {
		[TOLD_SUCCESS] = RESULT_OK,
		[TOLD_REJECTED] = RESULT_FAILED,
		[TOLD_UNKNOWN] = RESULT_UNKNOWN,
	};
	assert_reply(effect, STEP_APP_REPLY, told_result[told]);
	assert_string_equal(method_name(effect->reply.method),
			    method_name(METHOD_BUY));
	assert_string_equal(told_name(request->told), told_name(told));
}

static void test_request_starts_by_preparing_its_gid(void **state)
{
	struct flash_request request;
	const struct effect *effect;
	(void)state;
	flash_request_init(&request, &sale, USER);
	effect = flash_request_step(&request, NULL);
	assert_call(effect, STEP_APP_PREPARE, SERVICE_COORD, METHOD_PREPARE,
		    "{t}flash-sale-7-42");
	assert_int_equal(effect->call.message.activity, ACTIVITY);
	assert_int_equal(effect->call.message.user, USER);
	assert_int_equal(request.told, TOLD_NOTHING);
}

/* The deduction must touch this sale's stock and this gid's barrier: a
 * wrong key would deduct without a barrier, and the backcheck would lie. */
static void test_prepare_ok_deducts_with_the_gids_barrier(void **state)
{
	struct flash_request request;
	const struct effect *effect;
	char key[KEY_MAX];
	(void)state;
	flash_request_init(&request, &sale, USER);
	flash_request_step(&request, NULL);
	effect = request_feed(&request, RESULT_OK, CODE_OK);
	assert_redis(effect, STEP_APP_DEDUCT, SCRIPT_DEDUCT);
	sale_stock_key(&sale, key);
	assert_string_equal(effect->redis.keys[0], key);
	sale_barrier_key(gid, key);
	assert_string_equal(effect->redis.keys[1], key);
}

static void test_deduct_ok_submits_and_tells_success(void **state)
{
	struct flash_request request;
	const struct effect *effect;
	(void)state;
	request_at_deduct(&request);
	effect = request_feed(&request, RESULT_OK, CODE_OK);
	assert_call(effect, STEP_APP_SUBMIT, SERVICE_COORD, METHOD_SUBMIT, gid);
	assert_int_equal(request.told, TOLD_NOTHING);
	effect = request_feed(&request, RESULT_OK, CODE_OK);
	assert_told(&request, effect, TOLD_SUCCESS);
	assert_string_equal(effect->reply.gid, gid);
	assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
	/* DONE is final: stepping again neither replies nor resends. */
	assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
	assert_int_equal(request.told, TOLD_SUCCESS);
}

static void test_sold_out_aborts_and_tells_rejected(void **state)
{
	struct flash_request request;
	const struct effect *effect;
	(void)state;
	request_at_deduct(&request);
	effect = request_feed(&request, RESULT_OK, CODE_SOLD_OUT);
	assert_call(effect, STEP_APP_ABORT, SERVICE_COORD, METHOD_ABORT, gid);
	effect = request_feed(&request, RESULT_OK, CODE_OK);
	assert_told(&request, effect, TOLD_REJECTED);
	assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
}

/* DUPLICATE means the barrier is already set: by an earlier deduction of
 * this gid, or by a backcheck's rollback marker. Only the query can tell. */
static void test_duplicate_deduction_is_queried(void **state)
{
	struct flash_request request;
	const struct effect *effect;
	char key[KEY_MAX];
	(void)state;
	request_at_deduct(&request);
	effect = request_feed(&request, RESULT_OK, CODE_DUPLICATE);
	assert_redis(effect, STEP_APP_QUERY, SCRIPT_QUERY_PREPARED);
	sale_barrier_key(gid, key);
	assert_string_equal(effect->redis.keys[0], key);
}

/* A lost reply may hide a deduction that happened: query, never abort. */
static void test_unclear_deduction_is_queried(void **state)
{
	static const struct { enum result result; enum code code; } unclear[] = {
		{ RESULT_UNKNOWN, CODE_NONE },
		{ RESULT_FAILED, CODE_NONE },
		{ RESULT_OK, CODE_ERROR },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(unclear) / sizeof(unclear[0]); i++) {
		struct flash_request request;
		request_at_deduct(&request);
		assert_redis(request_feed(&request, unclear[i].result,
					  unclear[i].code),
			     STEP_APP_QUERY, SCRIPT_QUERY_PREPARED);
	}
}

static void test_query_success_submits(void **state)
{
	struct flash_request request;
	const struct effect *effect;
	(void)state;
	request_at_deduct(&request);
	request_feed(&request, RESULT_UNKNOWN, CODE_NONE);
	effect = request_feed(&request, RESULT_OK, CODE_SUCCESS);
	assert_call(effect, STEP_APP_SUBMIT, SERVICE_COORD, METHOD_SUBMIT, gid);
	assert_told(&request, request_feed(&request, RESULT_OK, CODE_OK),
		    TOLD_SUCCESS);
}

/* FAILURE: the rollback marker is now set, so the deduction never happens
 * and aborting is safe. */
static void test_query_failure_aborts(void **state)
{
	struct flash_request request;
	const struct effect *effect;
	(void)state;
	request_at_deduct(&request);
	request_feed(&request, RESULT_OK, CODE_DUPLICATE);
	effect = request_feed(&request, RESULT_OK, CODE_FAILURE);
	assert_call(effect, STEP_APP_ABORT, SERVICE_COORD, METHOD_ABORT, gid);
	assert_told(&request, request_feed(&request, RESULT_OK, CODE_OK),
		    TOLD_REJECTED);
}

/* A second unclear answer ends the request as unknown (the coordinator's
 * backcheck resolves it); it must not query forever, nor guess. */
static void test_unclear_query_tells_unknown(void **state)
{
	static const struct { enum result result; enum code code; } unclear[] = {
		{ RESULT_UNKNOWN, CODE_NONE },
		{ RESULT_OK, CODE_ERROR },
		{ RESULT_OK, CODE_DUPLICATE },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(unclear) / sizeof(unclear[0]); i++) {
		struct flash_request request;
		request_at_deduct(&request);
		request_feed(&request, RESULT_UNKNOWN, CODE_NONE);
		assert_told(&request,
			    request_feed(&request, unclear[i].result,
					 unclear[i].code),
			    TOLD_UNKNOWN);
		assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
	}
}

/* prepare FAILED: the gid exists in another status (an earlier request of
 * the same user was submitted or aborted); deducting again is forbidden. */
static void test_prepare_conflict_tells_rejected_without_deducting(void **state)
{
	struct flash_request request;
	(void)state;
	flash_request_init(&request, &sale, USER);
	flash_request_step(&request, NULL);
	assert_told(&request, request_feed(&request, RESULT_FAILED, CODE_EXISTS),
		    TOLD_REJECTED);
	assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
}

/* prepare UNKNOWN: the transaction may or may not be registered; deducting
 * without a registered transaction could take stock nobody recovers. */
static void test_prepare_unknown_tells_unknown_without_deducting(void **state)
{
	struct flash_request request;
	(void)state;
	flash_request_init(&request, &sale, USER);
	flash_request_step(&request, NULL);
	assert_told(&request, request_feed(&request, RESULT_UNKNOWN, CODE_NONE),
		    TOLD_UNKNOWN);
	assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
}

/* The stock is taken; without the coordinator's acknowledgement the app
 * cannot say success, and it must not say rejected either. */
static void test_unacknowledged_submit_tells_unknown(void **state)
{
	static const enum result answers[] = { RESULT_UNKNOWN, RESULT_FAILED };
	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct flash_request request;
		request_at_deduct(&request);
		request_feed(&request, RESULT_OK, CODE_OK);
		assert_told(&request,
			    request_feed(&request, answers[i], CODE_NONE),
			    TOLD_UNKNOWN);
		assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
	}
}

/* An abort the coordinator refused (FAILED: the cron already submitted it)
 * or did not confirm leaves the outcome open: unknown, not rejected. */
static void test_unacknowledged_abort_tells_unknown(void **state)
{
	static const enum result answers[] = { RESULT_UNKNOWN, RESULT_FAILED };
	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct flash_request request;
		request_at_deduct(&request);
		request_feed(&request, RESULT_OK, CODE_SOLD_OUT);
		assert_told(&request,
			    request_feed(&request, answers[i], CODE_NONE),
			    TOLD_UNKNOWN);
		assert_done(request_feed(&request, RESULT_OK, CODE_NONE));
	}
}

/* What one path of the exhaustive walk has seen so far. */
struct request_facts {
	bool prepare_ok;       /* prepare answered RESULT_OK */
	bool prepare_failed;   /* prepare answered RESULT_FAILED */
	bool deducted;         /* a deduct or query said the stock was taken */
	bool certainly_not;    /* deduct SOLD_OUT or query FAILURE */
	bool deduct_issued;
	bool submit_issued;
	bool abort_issued;
	bool submit_ok;        /* submit answered RESULT_OK */
	bool abort_ok;         /* abort answered RESULT_OK */
	int replies;
};

struct walk_stats {
	bool any_code; /* feed every code at every step, not only real ones */
	long paths;
	long told[TOLD_UNKNOWN + 1];
};

static void learn(struct request_facts *facts, enum step_id step,
		  const struct outcome *outcome)
{
	bool ok = outcome->result == RESULT_OK;
	switch (step) {
	case STEP_APP_PREPARE:
		facts->prepare_ok = ok;
		facts->prepare_failed = outcome->result == RESULT_FAILED;
		break;
	case STEP_APP_DEDUCT:
		if (ok && outcome->code == CODE_OK)
			facts->deducted = true;
		if (ok && outcome->code == CODE_SOLD_OUT)
			facts->certainly_not = true;
		break;
	case STEP_APP_QUERY:
		if (ok && outcome->code == CODE_SUCCESS)
			facts->deducted = true;
		if (ok && outcome->code == CODE_FAILURE)
			facts->certainly_not = true;
		break;
	case STEP_APP_SUBMIT:
		facts->submit_ok = ok;
		break;
	case STEP_APP_ABORT:
		facts->abort_ok = ok;
		break;
	default:
		break;
	}
}

static void check_effect(const struct flash_request *request,
			 struct request_facts *facts, struct walk_stats *stats)
{
	const struct effect *effect = &request->effect;
	switch (effect->kind) {
	case EFFECT_REDIS:
		if (effect->step == STEP_APP_DEDUCT) {
			/* Invariant 1: no deduction before prepare OK. */
			assert_true(facts->prepare_ok);
			assert_int_equal(effect->redis.script, SCRIPT_DEDUCT);
			facts->deduct_issued = true;
		} else {
			assert_string_equal(step_name(effect->step),
					    step_name(STEP_APP_QUERY));
			assert_int_equal(effect->redis.script,
					 SCRIPT_QUERY_PREPARED);
			assert_true(facts->deduct_issued);
		}
		break;
	case EFFECT_CALL:
		assert_int_equal(effect->call.to, SERVICE_COORD);
		if (effect->step == STEP_APP_SUBMIT)
			facts->submit_issued = true;
		if (effect->step == STEP_APP_ABORT)
			facts->abort_issued = true;
		/* Never both: a submitted message must not be aborted. */
		assert_false(facts->submit_issued && facts->abort_issued);
		/* Aborting a taken unit would lose it for good. */
		if (effect->step == STEP_APP_ABORT)
			assert_false(facts->deducted);
		break;
	case EFFECT_REPLY:
		facts->replies++;
		assert_int_equal(facts->replies, 1);
		assert_int_not_equal(request->told, TOLD_NOTHING);
		stats->told[request->told]++;
		/* The user hears what told records, and nothing else. */
		assert_int_equal(effect->reply.result,
				 request->told == TOLD_SUCCESS ? RESULT_OK :
				 request->told == TOLD_REJECTED ?
				 RESULT_FAILED : RESULT_UNKNOWN);
		/* Invariant 2: success only after submit answered OK. */
		if (request->told == TOLD_SUCCESS)
			assert_true(facts->submit_issued && facts->submit_ok);
		/* Invariant 3: rejected only when no deduction happened.
		 * Judged from what the scripts can really answer: with any
		 * code anywhere (a deduct saying FAILURE, a query saying
		 * SOLD_OUT) "certainly not deducted" has no meaning. */
		if (request->told == TOLD_REJECTED && !stats->any_code) {
			assert_false(facts->deducted);
			assert_true((facts->prepare_failed &&
				     !facts->deduct_issued) ||
				    (facts->certainly_not && facts->abort_ok));
		}
		break;
	case EFFECT_SQL:
	case EFFECT_WAIT:
		fail_msg("flash_request asked for %s", kind_name(effect->kind));
		break;
	case EFFECT_DONE:
		assert_int_equal(facts->replies, 1);
		break;
	}
}

/* The codes the other side of a step can answer (core/lua/deduct.lua,
 * query_prepared.lua, the coordinator's replies), plus "no code" and an
 * error; or, with any_code, every code. */
static size_t step_codes(enum step_id step, bool any_code, enum code *codes)
{
	static const enum code deduct[] = { CODE_OK, CODE_SOLD_OUT,
					    CODE_DUPLICATE };
	static const enum code query[] = { CODE_SUCCESS, CODE_FAILURE };
	static const enum code coord[] = { CODE_OK, CODE_EXISTS, CODE_CONFLICT,
					   CODE_MISSING };
	const enum code *own = coord;
	size_t count = sizeof(coord) / sizeof(coord[0]), n = 0;
	if (any_code) {
		for (int c = CODE_NONE; c <= CODE_ERROR; c++)
			codes[n++] = (enum code)c;
		return n;
	}
	if (step == STEP_APP_DEDUCT) {
		own = deduct;
		count = sizeof(deduct) / sizeof(deduct[0]);
	} else if (step == STEP_APP_QUERY) {
		own = query;
		count = sizeof(query) / sizeof(query[0]);
	}
	for (size_t i = 0; i < count; i++)
		codes[n++] = own[i];
	codes[n++] = CODE_NONE;
	codes[n++] = CODE_ERROR;
	return n;
}

static void walk(const struct flash_request *request,
		 struct request_facts facts, struct walk_stats *stats,
		 int depth)
{
	enum code codes[CODE_ERROR + 1];
	size_t count;
	/* prepare, deduct, query, submit/abort, reply, done */
	assert_true(depth <= 6);
	check_effect(request, &facts, stats);
	if (request->effect.kind == EFFECT_DONE) {
		stats->paths++;
		return;
	}
	count = step_codes(request->effect.step, stats->any_code, codes);
	for (int r = RESULT_OK; r <= RESULT_UNKNOWN; r++) {
		for (size_t c = 0; c < count; c++) {
			struct flash_request next = *request;
			struct request_facts seen = facts;
			struct outcome outcome = outcome_make(r, codes[c]);
			learn(&seen, request->effect.step, &outcome);
			flash_request_step(&next, &outcome);
			walk(&next, seen, stats, depth + 1);
			/* The reply's own outcome does not matter. */
			if (request->effect.kind == EFFECT_REPLY)
				return;
		}
	}
}

static void walk_all(bool any_code, struct walk_stats *stats)
{
	struct flash_request request;
	struct request_facts facts;
	memset(&facts, 0, sizeof(facts));
	memset(stats, 0, sizeof(*stats));
	stats->any_code = any_code;
	flash_request_init(&request, &sale, USER);
	flash_request_step(&request, NULL);
	walk(&request, facts, stats, 0);
	/* The walk reached every ending, so the checks above were exercised. */
	assert_true(stats->told[TOLD_SUCCESS] > 0);
	assert_true(stats->told[TOLD_REJECTED] > 0);
	assert_true(stats->told[TOLD_UNKNOWN] > 0);
}

/* Every sequence of the three results with every code the step can really
 * get, at every step: the invariants of flash.h hold on each path, each
 * path replies exactly once, and ends. */
static void test_every_outcome_sequence_keeps_the_invariants(void **state)
{
	struct walk_stats stats;
	(void)state;
	walk_all(false, &stats);
	assert_true(stats.paths > 1000);
}

/* Even a nonsense code at any step (a mis-parsed reply) must not lead to a
 * deduction without prepare OK, nor to success without submit OK. */
static void test_any_code_anywhere_keeps_deduct_and_success_guarded(void **state)
{
	struct walk_stats stats;
	(void)state;
	walk_all(true, &stats);
	assert_true(stats.paths > 10000);
}

/* ---- flash_backcheck ---------------------------------------------------- */

static void backcheck_start(struct flash_backcheck *backcheck)
{
	struct message request;
	const struct effect *effect;
	char key[KEY_MAX];
	memset(&request, 0, sizeof(request));
	request.method = METHOD_BACKCHECK;
	request.activity = ACTIVITY;
	request.user = USER;
	snprintf(request.gid, GID_MAX, "%s", gid);
	flash_backcheck_init(backcheck, &sale, &request);
	effect = flash_backcheck_step(backcheck, NULL);
	assert_redis(effect, STEP_APP_BACKCHECK, SCRIPT_QUERY_PREPARED);
	sale_barrier_key(gid, key);
	assert_string_equal(effect->redis.keys[0], key);
}

static void backcheck_answers(enum result result, enum code code,
			      enum result reply_result, enum code reply_code)
{
	struct flash_backcheck backcheck;
	struct outcome outcome = outcome_make(result, code);
	const struct effect *effect;
	backcheck_start(&backcheck);
	effect = flash_backcheck_step(&backcheck, &outcome);
	assert_reply(effect, STEP_APP_BACKCHECK_REPLY, reply_result);
	assert_string_equal(code_name(effect->reply.code), code_name(reply_code));
	assert_string_equal(effect->reply.gid, gid);
	assert_int_equal(effect->reply.method, METHOD_BACKCHECK);
	outcome = outcome_make(RESULT_OK, CODE_NONE);
	assert_done(flash_backcheck_step(&backcheck, &outcome));
}

static void test_backcheck_success_answers_success(void **state)
{
	(void)state;
	backcheck_answers(RESULT_OK, CODE_SUCCESS, RESULT_OK, CODE_SUCCESS);
}

static void test_backcheck_failure_answers_failure(void **state)
{
	(void)state;
	backcheck_answers(RESULT_OK, CODE_FAILURE, RESULT_OK, CODE_FAILURE);
}

/* Anything but a clear SUCCESS or FAILURE is no answer: the coordinator
 * must retry, not fail a transaction whose stock may be taken. */
static void test_unclear_backcheck_gives_no_answer(void **state)
{
	(void)state;
	backcheck_answers(RESULT_UNKNOWN, CODE_NONE, RESULT_UNKNOWN, CODE_ERROR);
	backcheck_answers(RESULT_OK, CODE_ERROR, RESULT_UNKNOWN, CODE_ERROR);
	backcheck_answers(RESULT_FAILED, CODE_FAILURE, RESULT_UNKNOWN,
			  CODE_ERROR);
	backcheck_answers(RESULT_OK, CODE_OK, RESULT_UNKNOWN, CODE_ERROR);
}

/* ---- coord_call --------------------------------------------------------- */

static const struct effect *coord_start(struct coord_call *call,
					enum method method)
{
	struct message request;
	memset(&request, 0, sizeof(request));
	request.method = method;
	request.activity = ACTIVITY;
	request.user = USER;
	snprintf(request.gid, GID_MAX, "%s", gid);
	coord_call_init(call, &sale, &request);
	return coord_call_step(call, NULL, NOW);
}

static const struct effect *coord_feed(struct coord_call *call,
				       struct outcome outcome)
{
	return coord_call_step(call, &outcome, NOW + 1);
}

static void test_prepare_saves_the_transaction(void **state)
{
	struct coord_call call;
	const struct effect *effect;
	char key[KEY_MAX], payload[REDIS_ARG_MAX];
	(void)state;
	effect = coord_start(&call, METHOD_PREPARE);
	assert_redis(effect, STEP_COORD_SAVE, SCRIPT_TXN_SAVE);
	sale_txn_key(gid, key);
	assert_string_equal(effect->redis.keys[0], key);
	sale_due_key(&sale, key);
	assert_string_equal(effect->redis.keys[1], key);
	/* Stored as "prepared <created_ms> 0 <backcheck> <branch_00>
	 * prepared"; the branch must be the request's user in this sale. */
	sale_branch_payload(ACTIVITY, USER, payload);
	assert_non_null(strstr(effect->redis.args[1], payload));
	assert_int_equal(strncmp(effect->redis.args[1], "prepared ", 9), 0);
}

struct store_answer {
	enum result result;
	enum code code;
	enum txn_status status;
	enum result reply;
};

/* Runs method through one store answer; checks the reply and that the call
 * then ends without delivering anything. */
static void coord_answers(enum method method, enum step_id store_step,
			  enum step_id reply_step,
			  const struct store_answer *answers, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct coord_call call;
		const struct effect *effect;
		coord_start(&call, method);
		assert_effect(&call.effect, EFFECT_REDIS, store_step);
		effect = coord_feed(&call, with_status(answers[i].result,
						       answers[i].code,
						       answers[i].status));
		assert_reply(effect, reply_step, answers[i].reply);
		assert_string_equal(effect->reply.gid, gid);
		assert_int_equal(effect->reply.method, method);
		assert_done(coord_feed(&call, outcome_make(RESULT_OK,
							   CODE_NONE)));
	}
}

/* A repeated prepare of a gid that exists is the app's retry or a second
 * request of the same purchase: OK, and the app finds out from its
 * deduction (DUPLICATE) and its backcheck what happened. Only a failed
 * one is FAILED: no order can come of it, so "rejected" is true. */
static void test_prepare_answers(void **state)
{
	static const struct store_answer answers[] = {
		{ RESULT_OK, CODE_OK, TXN_PREPARED, RESULT_OK },
		{ RESULT_OK, CODE_EXISTS, TXN_PREPARED, RESULT_OK },
		{ RESULT_OK, CODE_EXISTS, TXN_FAILED, RESULT_FAILED },
		{ RESULT_OK, CODE_EXISTS, TXN_SUBMITTED, RESULT_OK },
		{ RESULT_OK, CODE_EXISTS, TXN_SUCCEEDED, RESULT_OK },
		{ RESULT_UNKNOWN, CODE_NONE, TXN_NONE, RESULT_UNKNOWN },
		{ RESULT_OK, CODE_ERROR, TXN_NONE, RESULT_UNKNOWN },
	};
	(void)state;
	coord_answers(METHOD_PREPARE, STEP_COORD_SAVE, STEP_COORD_SAVE_REPLY,
		      answers, sizeof(answers) / sizeof(answers[0]));
}

static void test_submit_moves_prepared_to_submitted(void **state)
{
	struct coord_call call;
	(void)state;
	assert_cas(coord_start(&call, METHOD_SUBMIT), STEP_COORD_SUBMIT, gid,
		   TXN_PREPARED, TXN_SUBMITTED);
}

/* The submit that moved the transaction delivers the branch right after
 * replying, then marks it done. */
static void test_submit_ok_replies_then_delivers_the_branch(void **state)
{
	struct coord_call call;
	const struct effect *effect;
	char key[KEY_MAX];
	(void)state;
	coord_start(&call, METHOD_SUBMIT);
	effect = coord_feed(&call, with_status(RESULT_OK, CODE_OK,
					       TXN_SUBMITTED));
	assert_reply(effect, STEP_COORD_SUBMIT_REPLY, RESULT_OK);
	effect = coord_feed(&call, outcome_make(RESULT_OK, CODE_NONE));
	assert_call(effect, STEP_COORD_BRANCH, SERVICE_ORDER,
		    METHOD_CREATE_ORDER, gid);
	assert_int_equal(effect->call.message.activity, ACTIVITY);
	assert_int_equal(effect->call.message.user, USER);
	effect = coord_feed(&call, outcome_make(RESULT_OK, CODE_OK));
	assert_redis(effect, STEP_COORD_BRANCH_DONE, SCRIPT_TXN_CAS);
	sale_txn_key(gid, key);
	assert_string_equal(effect->redis.keys[0], key);
	assert_string_equal(effect->redis.args[0], "submitted");
	assert_string_equal(effect->redis.args[1], "succeeded");
	assert_done(coord_feed(&call, with_status(RESULT_OK, CODE_OK,
						  TXN_SUCCEEDED)));
}

/* Invariant 2 of coord.h: only an explicit OK marks the branch; anything
 * else ends the call and leaves the submitted transaction to the cron. */
static void test_unconfirmed_branch_is_left_to_the_cron(void **state)
{
	static const struct { enum result result; enum code code; } answers[] = {
		{ RESULT_FAILED, CODE_NONE },
		{ RESULT_UNKNOWN, CODE_NONE },
		{ RESULT_OK, CODE_ERROR },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct coord_call call;
		coord_start(&call, METHOD_SUBMIT);
		coord_feed(&call, with_status(RESULT_OK, CODE_OK,
					      TXN_SUBMITTED));
		assert_effect(coord_feed(&call, outcome_make(RESULT_OK,
							     CODE_NONE)),
			      EFFECT_CALL, STEP_COORD_BRANCH);
		assert_done(coord_feed(&call, outcome_make(answers[i].result,
							   answers[i].code)));
	}
}

/* An app that retries its submit is told OK, but only the submit that
 * moved the transaction delivers: the others end right after replying.
 * CONFLICT failed means the cron's backcheck failed it: the app was late.
 * A lost CAS reply delivers nothing either: the cron will. */
static void test_submit_answers(void **state)
{
	static const struct store_answer answers[] = {
		{ RESULT_OK, CODE_CONFLICT, TXN_SUBMITTED, RESULT_OK },
		{ RESULT_OK, CODE_CONFLICT, TXN_SUCCEEDED, RESULT_OK },
		{ RESULT_OK, CODE_CONFLICT, TXN_FAILED, RESULT_FAILED },
		{ RESULT_OK, CODE_MISSING, TXN_NONE, RESULT_FAILED },
		{ RESULT_UNKNOWN, CODE_NONE, TXN_NONE, RESULT_UNKNOWN },
		{ RESULT_OK, CODE_ERROR, TXN_NONE, RESULT_UNKNOWN },
	};
	(void)state;
	coord_answers(METHOD_SUBMIT, STEP_COORD_SUBMIT, STEP_COORD_SUBMIT_REPLY,
		      answers, sizeof(answers) / sizeof(answers[0]));
}

static void test_abort_moves_prepared_to_failed(void **state)
{
	struct coord_call call;
	(void)state;
	assert_cas(coord_start(&call, METHOD_ABORT), STEP_COORD_ABORT, gid,
		   TXN_PREPARED, TXN_FAILED);
}

/* Already failed is a retried abort: OK. Submitted means the cron's
 * backcheck found the deduction: the abort is refused. No abort ever
 * delivers a branch. */
static void test_abort_answers(void **state)
{
	static const struct store_answer answers[] = {
		{ RESULT_OK, CODE_OK, TXN_FAILED, RESULT_OK },
		{ RESULT_OK, CODE_CONFLICT, TXN_FAILED, RESULT_OK },
		{ RESULT_OK, CODE_CONFLICT, TXN_SUBMITTED, RESULT_FAILED },
		{ RESULT_OK, CODE_CONFLICT, TXN_SUCCEEDED, RESULT_FAILED },
		{ RESULT_OK, CODE_MISSING, TXN_NONE, RESULT_FAILED },
		{ RESULT_UNKNOWN, CODE_NONE, TXN_NONE, RESULT_UNKNOWN },
	};
	(void)state;
	coord_answers(METHOD_ABORT, STEP_COORD_ABORT, STEP_COORD_ABORT_REPLY,
		      answers, sizeof(answers) / sizeof(answers[0]));
}

/* ---- coord_cron --------------------------------------------------------- */

#define OTHER_USER 99

static struct outcome locked(enum txn_status status)
{
	struct outcome outcome = outcome_make(RESULT_OK, CODE_LOCKED);
	sale_gid(&sale, OTHER_USER, outcome.txn.gid);
	outcome.txn.status = status;
	outcome.txn.activity = ACTIVITY;
	outcome.txn.user = OTHER_USER;
	outcome.txn.branch_status = TXN_PREPARED;
	snprintf(outcome.txn.backcheck, ADDR_MAX, "%s", SALE_BACKCHECK_ADDRESS);
	return outcome;
}

static const struct effect *cron_feed(struct coord_cron *cron,
				      struct outcome outcome, int64_t now_ms)
{
	return coord_cron_step(cron, &outcome, now_ms);
}

static void cron_start(struct coord_cron *cron)
{
	coord_cron_init(cron, &sale);
	assert_lock(coord_cron_step(cron, NULL, NOW), NOW);
}

/* A cron that has locked a transaction in status: its next effect. */
static const struct effect *cron_locked_on(struct coord_cron *cron,
					   enum txn_status status,
					   char other[GID_MAX])
{
	sale_gid(&sale, OTHER_USER, other);
	cron_start(cron);
	return cron_feed(cron, locked(status), NOW + 1);
}

static void test_cron_idles_one_interval_when_nothing_is_due(void **state)
{
	struct coord_cron cron;
	const struct effect *effect;
	(void)state;
	cron_start(&cron);
	effect = cron_feed(&cron, outcome_make(RESULT_OK, CODE_EMPTY), NOW + 1);
	assert_effect(effect, EFFECT_WAIT, STEP_COORD_IDLE);
	assert_int_equal(effect->wait_ms, CRON_INTERVAL);
	/* After the wait it locks again, at the time it is woken. */
	assert_lock(cron_feed(&cron, outcome_make(RESULT_OK, CODE_NONE),
			      NOW + 2000),
		    NOW + 2000);
}

/* A lost lock reply is not a reason to spin on Redis: wait, then retry. */
static void test_cron_idles_after_an_unclear_lock(void **state)
{
	struct coord_cron cron;
	(void)state;
	cron_start(&cron);
	assert_effect(cron_feed(&cron, outcome_unknown(), NOW + 1), EFFECT_WAIT,
		      STEP_COORD_IDLE);
}

static void test_cron_backchecks_a_prepared_transaction(void **state)
{
	struct coord_cron cron;
	const struct effect *effect;
	char other[GID_MAX];
	(void)state;
	effect = cron_locked_on(&cron, TXN_PREPARED, other);
	assert_call(effect, STEP_COORD_BACKCHECK, SERVICE_APP, METHOD_BACKCHECK,
		    other);
	assert_int_equal(effect->call.message.user, OTHER_USER);
}

/* SUCCESS: the stock was taken, so the message is submitted and delivered;
 * every status change goes through a CAS from the status it expects. */
static void test_cron_backcheck_success_resubmits_and_delivers(void **state)
{
	struct coord_cron cron;
	const struct effect *effect;
	char other[GID_MAX], key[KEY_MAX];
	(void)state;
	cron_locked_on(&cron, TXN_PREPARED, other);
	effect = cron_feed(&cron, outcome_make(RESULT_OK, CODE_SUCCESS), NOW + 2);
	assert_cas(effect, STEP_COORD_RESUBMIT, other, TXN_PREPARED,
		   TXN_SUBMITTED);
	effect = cron_feed(&cron, with_status(RESULT_OK, CODE_OK,
					      TXN_SUBMITTED), NOW + 3);
	assert_call(effect, STEP_COORD_DELIVER, SERVICE_ORDER,
		    METHOD_CREATE_ORDER, other);
	assert_int_equal(effect->call.message.activity, ACTIVITY);
	assert_int_equal(effect->call.message.user, OTHER_USER);
	effect = cron_feed(&cron, outcome_make(RESULT_OK, CODE_OK), NOW + 4);
	assert_redis(effect, STEP_COORD_DELIVER_DONE, SCRIPT_TXN_CAS);
	sale_txn_key(other, key);
	assert_string_equal(effect->redis.keys[0], key);
	assert_lock(cron_feed(&cron, with_status(RESULT_OK, CODE_OK,
						 TXN_SUCCEEDED), NOW + 5),
		    NOW + 5);
}

/* FAILURE: the rollback marker guarantees no deduction: fail it. */
static void test_cron_backcheck_failure_fails_the_transaction(void **state)
{
	struct coord_cron cron;
	const struct effect *effect;
	char other[GID_MAX];
	(void)state;
	cron_locked_on(&cron, TXN_PREPARED, other);
	effect = cron_feed(&cron, outcome_make(RESULT_OK, CODE_FAILURE), NOW + 2);
	assert_cas(effect, STEP_COORD_FAIL, other, TXN_PREPARED, TXN_FAILED);
	assert_lock(cron_feed(&cron, with_status(RESULT_OK, CODE_OK,
						 TXN_FAILED), NOW + 3),
		    NOW + 3);
}

/* No answer changes nothing: the next lock retries after the backoff. In
 * particular an OK status with an error body (the app's reply to a failed
 * query) must not be read as success, nor as failure. */
static void test_cron_backcheck_without_answer_changes_nothing(void **state)
{
	static const struct { enum result result; enum code code; } answers[] = {
		{ RESULT_UNKNOWN, CODE_NONE },
		{ RESULT_UNKNOWN, CODE_ERROR },
		{ RESULT_OK, CODE_ERROR },
		{ RESULT_OK, CODE_NONE },
		{ RESULT_OK, CODE_OK },
		{ RESULT_FAILED, CODE_SUCCESS },
		{ RESULT_FAILED, CODE_FAILURE },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct coord_cron cron;
		char other[GID_MAX];
		cron_locked_on(&cron, TXN_PREPARED, other);
		assert_lock(cron_feed(&cron, outcome_make(answers[i].result,
							  answers[i].code),
				      NOW + 2),
			    NOW + 2);
	}
}

/* A resubmit that met a CONFLICT (the app's own submit got there first)
 * delivers nothing itself; the next lock finds the transaction submitted. */
static void test_cron_resubmit_conflict_locks_again(void **state)
{
	struct coord_cron cron;
	char other[GID_MAX];
	(void)state;
	cron_locked_on(&cron, TXN_PREPARED, other);
	cron_feed(&cron, outcome_make(RESULT_OK, CODE_SUCCESS), NOW + 2);
	assert_lock(cron_feed(&cron, with_status(RESULT_OK, CODE_CONFLICT,
						 TXN_SUBMITTED), NOW + 3),
		    NOW + 3);
}

static void test_cron_delivers_a_submitted_transaction_directly(void **state)
{
	struct coord_cron cron;
	const struct effect *effect;
	char other[GID_MAX];
	(void)state;
	effect = cron_locked_on(&cron, TXN_SUBMITTED, other);
	assert_call(effect, STEP_COORD_DELIVER, SERVICE_ORDER,
		    METHOD_CREATE_ORDER, other);
	assert_int_equal(effect->call.message.user, OTHER_USER);
	assert_redis(cron_feed(&cron, outcome_make(RESULT_OK, CODE_OK), NOW + 2),
		     STEP_COORD_DELIVER_DONE, SCRIPT_TXN_CAS);
}

/* Invariant 2 of coord.h: an unconfirmed delivery is not marked done. */
static void test_cron_unconfirmed_delivery_is_not_marked(void **state)
{
	static const struct { enum result result; enum code code; } answers[] = {
		{ RESULT_FAILED, CODE_NONE },
		{ RESULT_UNKNOWN, CODE_NONE },
		{ RESULT_OK, CODE_ERROR },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct coord_cron cron;
		char other[GID_MAX];
		cron_locked_on(&cron, TXN_SUBMITTED, other);
		assert_lock(cron_feed(&cron, outcome_make(answers[i].result,
							  answers[i].code),
				      NOW + 2),
			    NOW + 2);
	}
}

/* A terminal transaction still in the due set needs nothing: move on. */
static void test_cron_skips_a_terminal_transaction(void **state)
{
	static const enum txn_status terminal[] = { TXN_SUCCEEDED, TXN_FAILED };
	(void)state;
	for (size_t i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++) {
		struct coord_cron cron;
		char other[GID_MAX];
		assert_lock(cron_locked_on(&cron, terminal[i], other), NOW + 1);
	}
}

/* A long pseudo-random walk through every result, code and locked status:
 * the loop never ends, never waits except when idle, and changes a status
 * or marks a branch only right after the explicit answer that allows it. */
static void test_cron_never_ends_and_acts_only_on_explicit_answers(void **state)
{
	struct coord_cron cron;
	const struct effect *effect;
	uint64_t x = 0x9e3779b97f4a7c15u;
	enum step_id previous;
	struct outcome fed;
	long locks = 0, resubmits = 0, fails = 0, marks = 0;
	(void)state;
	coord_cron_init(&cron, &sale);
	effect = coord_cron_step(&cron, NULL, 0);
	previous = effect->step;
	for (int i = 1; i <= 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Lock answers are mostly LOCKED, so the walk gets deep. */
		if (previous == STEP_COORD_LOCK && x % 4 != 0)
			fed = locked((enum txn_status)((x >> 8) % 5));
		else if (x % 3 == 0)
			fed = outcome_make(RESULT_OK, (enum code)((x >> 8) % 12));
		else
			fed = outcome_make((enum result)((x >> 8) % 3),
					   (enum code)((x >> 16) % 12));
		effect = coord_cron_step(&cron, &fed, i);
		assert_int_not_equal(effect->kind, EFFECT_DONE);
		switch (effect->step) {
		case STEP_COORD_LOCK:
			locks++;
			assert_int_equal(effect->kind, EFFECT_REDIS);
			break;
		case STEP_COORD_IDLE:
			assert_int_equal(effect->kind, EFFECT_WAIT);
			assert_int_equal(previous, STEP_COORD_LOCK);
			break;
		case STEP_COORD_BACKCHECK:
			assert_int_equal(previous, STEP_COORD_LOCK);
			assert_int_equal(fed.txn.status, TXN_PREPARED);
			break;
		case STEP_COORD_RESUBMIT:
			resubmits++;
			assert_int_equal(previous, STEP_COORD_BACKCHECK);
			assert_true(fed.result == RESULT_OK &&
				    fed.code == CODE_SUCCESS);
			break;
		case STEP_COORD_FAIL:
			fails++;
			assert_int_equal(previous, STEP_COORD_BACKCHECK);
			assert_true(fed.result == RESULT_OK &&
				    fed.code == CODE_FAILURE);
			break;
		case STEP_COORD_DELIVER:
			assert_true(previous == STEP_COORD_LOCK ||
				    previous == STEP_COORD_RESUBMIT);
			if (previous == STEP_COORD_LOCK)
				assert_int_equal(fed.txn.status, TXN_SUBMITTED);
			else
				assert_true(fed.result == RESULT_OK &&
					    fed.code == CODE_OK);
			break;
		case STEP_COORD_DELIVER_DONE:
			marks++;
			assert_int_equal(previous, STEP_COORD_DELIVER);
			assert_true(fed.result == RESULT_OK &&
				    fed.code == CODE_OK);
			break;
		default:
			fail_msg("coord_cron took step %s",
				 step_name(effect->step));
		}
		previous = effect->step;
	}
	assert_true(locks > 0 && resubmits > 0 && fails > 0 && marks > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_request_starts_by_preparing_its_gid, setup),
		cmocka_unit_test_setup(test_prepare_ok_deducts_with_the_gids_barrier, setup),
		cmocka_unit_test_setup(test_deduct_ok_submits_and_tells_success, setup),
		cmocka_unit_test_setup(test_sold_out_aborts_and_tells_rejected, setup),
		cmocka_unit_test_setup(test_duplicate_deduction_is_queried, setup),
		cmocka_unit_test_setup(test_unclear_deduction_is_queried, setup),
		cmocka_unit_test_setup(test_query_success_submits, setup),
		cmocka_unit_test_setup(test_query_failure_aborts, setup),
		cmocka_unit_test_setup(test_unclear_query_tells_unknown, setup),
		cmocka_unit_test_setup(test_prepare_conflict_tells_rejected_without_deducting, setup),
		cmocka_unit_test_setup(test_prepare_unknown_tells_unknown_without_deducting, setup),
		cmocka_unit_test_setup(test_unacknowledged_submit_tells_unknown, setup),
		cmocka_unit_test_setup(test_unacknowledged_abort_tells_unknown, setup),
		cmocka_unit_test_setup(test_every_outcome_sequence_keeps_the_invariants, setup),
		cmocka_unit_test_setup(test_any_code_anywhere_keeps_deduct_and_success_guarded, setup),
		cmocka_unit_test_setup(test_backcheck_success_answers_success, setup),
		cmocka_unit_test_setup(test_backcheck_failure_answers_failure, setup),
		cmocka_unit_test_setup(test_unclear_backcheck_gives_no_answer, setup),
		cmocka_unit_test_setup(test_prepare_saves_the_transaction, setup),
		cmocka_unit_test_setup(test_prepare_answers, setup),
		cmocka_unit_test_setup(test_submit_moves_prepared_to_submitted, setup),
		cmocka_unit_test_setup(test_submit_ok_replies_then_delivers_the_branch, setup),
		cmocka_unit_test_setup(test_unconfirmed_branch_is_left_to_the_cron, setup),
		cmocka_unit_test_setup(test_submit_answers, setup),
		cmocka_unit_test_setup(test_abort_moves_prepared_to_failed, setup),
		cmocka_unit_test_setup(test_abort_answers, setup),
		cmocka_unit_test_setup(test_cron_idles_one_interval_when_nothing_is_due, setup),
		cmocka_unit_test_setup(test_cron_idles_after_an_unclear_lock, setup),
		cmocka_unit_test_setup(test_cron_backchecks_a_prepared_transaction, setup),
		cmocka_unit_test_setup(test_cron_backcheck_success_resubmits_and_delivers, setup),
		cmocka_unit_test_setup(test_cron_backcheck_failure_fails_the_transaction, setup),
		cmocka_unit_test_setup(test_cron_backcheck_without_answer_changes_nothing, setup),
		cmocka_unit_test_setup(test_cron_resubmit_conflict_locks_again, setup),
		cmocka_unit_test_setup(test_cron_delivers_a_submitted_transaction_directly, setup),
		cmocka_unit_test_setup(test_cron_unconfirmed_delivery_is_not_marked, setup),
		cmocka_unit_test_setup(test_cron_skips_a_terminal_transaction, setup),
		cmocka_unit_test_setup(test_cron_never_ends_and_acts_only_on_explicit_answers, setup),
	};
	return cmocka_run_group_tests_name("machines", tests, NULL, NULL);
}
