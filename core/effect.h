/*
 * effect.h - what a step asks the world to do, and what came back.
 *
 * Every actor of the protocol is a step machine. A step function takes the
 * outcome of the previous effect and returns the next effect; it performs no
 * I/O itself. A driver (the simulator, the benchmark) performs the effect
 * against the live Redis or SQLite, or delivers the message, and feeds the
 * outcome back. So every step boundary is visible to the driver, and the
 * machines do not know who drives them.
 *
 * Ownership: an effect returned by a step function lives inside the machine
 * and stays valid until the next call of that machine's step function.
 */
#ifndef FLASHSIM_EFFECT_H
#define FLASHSIM_EFFECT_H

#include <stdbool.h>
#include <stdint.h>

#define KEY_MAX 112
#define REDIS_ARG_MAX 160 /* a transaction as stored (coord_store.h) */
#define GID_MAX 96
#define ADDR_MAX 32
#define REDIS_KEYS_MAX 3
#define REDIS_ARGS_MAX 6

enum step_id {
#define STEP(id, name, effect, description) id,
#include "steps.def"
#undef STEP
	STEP_COUNT
};

/* "actor/step" name of a step, and its one-line description. */
const char *step_name(enum step_id step);
const char *step_description(enum step_id step);

/* Three-valued remote result. */
enum result {
	RESULT_OK,      /* the effect happened and gave an answer */
	RESULT_FAILED,  /* a definite, business "no" */
	RESULT_UNKNOWN, /* error, timeout, lost reply: may or may not have happened */
};
const char *result_name(enum result result);

/* The answer of a script or a call, beyond OK / FAILED / UNKNOWN. */
enum code {
	CODE_NONE,
	CODE_OK,
	CODE_SOLD_OUT,
	CODE_DUPLICATE,
	CODE_SUCCESS,  /* backcheck: the deduction happened */
	CODE_FAILURE,  /* backcheck: it did not, and now never will */
	CODE_EXISTS,
	CODE_CONFLICT,
	CODE_MISSING,
	CODE_EMPTY,    /* lock: nothing due */
	CODE_LOCKED,   /* lock: a transaction was locked, see outcome.txn */
	CODE_ERROR,    /* Redis or SQLite answered with an error */
};
const char *code_name(enum code code);

enum txn_status {
	TXN_NONE,
	TXN_PREPARED,
	TXN_SUBMITTED,
	TXN_SUCCEEDED,
	TXN_FAILED,
};
const char *txn_status_name(enum txn_status status);
enum txn_status txn_status_parse(const char *text);

enum script_id {
	SCRIPT_DEDUCT,
	SCRIPT_QUERY_PREPARED,
	SCRIPT_TXN_SAVE,
	SCRIPT_TXN_CAS,
	SCRIPT_TXN_LOCK_DUE,
	SCRIPT_STOCK_CHECK,
	SCRIPT_COUNT
};

/* Services a message can be addressed to. */
enum service {
	SERVICE_APP,
	SERVICE_COORD,
	SERVICE_ORDER,
	SERVICE_USER,
};

enum method {
	METHOD_BUY,          /* user -> app */
	METHOD_PREPARE,      /* app -> coordinator */
	METHOD_SUBMIT,       /* app -> coordinator */
	METHOD_ABORT,        /* app -> coordinator */
	METHOD_BACKCHECK,    /* coordinator -> app */
	METHOD_CREATE_ORDER, /* coordinator -> order service */
	METHOD_COUNT
};
const char *method_name(enum method method);

/* What the user was told. */
enum told {
	TOLD_NOTHING,
	TOLD_SUCCESS,
	TOLD_REJECTED,
	TOLD_UNKNOWN,
};
const char *told_name(enum told told);

/* A request or a reply between actors. */
struct message {
	enum method method;
	enum result result; /* replies only */
	enum code code;     /* replies only */
	uint64_t activity;
	uint64_t user;
	char gid[GID_MAX];
};

struct redis_call {
	enum script_id script;
	int key_count;
	int arg_count;
	char keys[REDIS_KEYS_MAX][KEY_MAX];
	char args[REDIS_ARGS_MAX][REDIS_ARG_MAX];
};

struct sql_call {
	uint64_t activity;
	uint64_t user;
	int64_t now_ms;
	char gid[GID_MAX];
};

enum effect_kind {
	EFFECT_REDIS, /* run one Lua script */
	EFFECT_SQL,   /* run one SQL transaction (create order) */
	EFFECT_CALL,  /* send a request to a service, wait for its reply */
	EFFECT_REPLY, /* answer the request that started this machine */
	EFFECT_WAIT,  /* wait, then step again */
	EFFECT_DONE,  /* the machine has finished */
};

struct effect {
	enum effect_kind kind;
	enum step_id step;
	union {
		struct redis_call redis;
		struct sql_call sql;
		struct {
			enum service to;
			struct message message;
		} call;
		struct message reply;
		int64_t wait_ms;
	};
};

/* A transaction as the coordinator's lock script returns it. */
struct txn_view {
	char gid[GID_MAX];
	enum txn_status status;
	int64_t created_ms;
	int attempts;
	char backcheck[ADDR_MAX];
	uint64_t activity;
	uint64_t user;
	enum txn_status branch_status;
};

struct outcome {
	enum result result;
	enum code code;
	enum txn_status status; /* status replies: current or new status */
	struct txn_view txn;    /* CODE_LOCKED only */
	bool delivered_before;  /* create order, OK: its barrier row was
				   there, nothing was inserted (the reply
				   is the same) */
	bool rollback_marked;   /* query prepared, FAILURE: it found no
				   barrier and set the rollback marker
				   (the reply is the same) */
};

/* Builders of a script call: start it, then add keys and arguments in
 * order. Overflowing REDIS_KEYS_MAX, REDIS_ARGS_MAX or REDIS_ARG_MAX is a
 * bug and fails an assertion. */
void redis_call_init(struct redis_call *call, enum script_id script);
void redis_call_key(struct redis_call *call, const char *key);
void redis_call_text(struct redis_call *call, const char *text);
void redis_call_number(struct redis_call *call, int64_t number);

/* Makes *effect (wholly cleared first) the call of step: method to the
 * service to, about user's purchase gid of activity. Returns effect. */
struct effect *effect_call_init(struct effect *effect, enum step_id step,
				enum service to, enum method method,
				uint64_t activity, uint64_t user,
				const char *gid);

/* Outcome builders for drivers and tests. */
struct outcome outcome_make(enum result result, enum code code);
struct outcome outcome_unknown(void);

#endif
