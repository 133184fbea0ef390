/*
 * variants.h - teaching variants of the protocol, each broken in one way
 * known from the field, kept apart from the correct code in core/.
 *
 *   naive                  deduct in Redis, then call the order service
 *                          directly: no 2-phase message, no coordinator
 *                          (the design this architecture replaces)
 *   no-rollback-marker     the backcheck does not leave its rollback marker
 *   order-no-barrier       the order service has no SQL barrier: creating
 *                          an order is not idempotent
 *   deduct-before-prepare  the local transaction runs before the message
 *                          is registered with the coordinator
 *   redis-no-persistence   Redis keeps nothing across a restart
 *   stock-before-barrier   the deduction checks the stock before the
 *                          barrier: a repeated request of a purchase that
 *                          took the last unit is answered SOLD_OUT
 *   unclear-backcheck-fails  the app's backcheck answers FAILURE when its
 *                          Redis call fails or gives no answer
 *
 * A variant replaces one piece: the app's purchase machine, its backcheck
 * handler, a Lua script, the order service's SQL transaction, or Redis's
 * persistence. flashsim run/explore --variant NAME, and flashsim
 * selftest, use them.
 */
#ifndef FLASHSIM_VARIANTS_H
#define FLASHSIM_VARIANTS_H

#include <stdbool.h>
#include <stddef.h>

#include "effect.h"
#include "flash.h"
#include "order.h"

enum variant_id {
	VARIANT_NONE,
	VARIANT_NAIVE,
	VARIANT_NO_ROLLBACK_MARKER,
	VARIANT_ORDER_NO_BARRIER,
	VARIANT_DEDUCT_BEFORE_PREPARE,
	VARIANT_REDIS_NO_PERSISTENCE,
	VARIANT_STOCK_BEFORE_BARRIER,
	VARIANT_UNCLEAR_BACKCHECK_FAILS,
	VARIANT_COUNT
};

typedef const struct effect *(*request_step_fn)(struct flash_request *request,
						const struct outcome *last);
typedef const struct effect *(*backcheck_step_fn)(
	struct flash_backcheck *backcheck, const struct outcome *last);
typedef int (*create_order_fn)(struct order_db *db, const struct sql_call *call,
			       bool commit, struct outcome *outcome);

struct variant {
	const char *name;
	const char *description;
	request_step_fn request_step;   /* the app's purchase machine */
	backcheck_step_fn backcheck_step; /* the app's backcheck handler */
	enum script_id script;          /* a script replaced ... */
	const char *script_file;        /* ... by this file of
					   faults/variants/ ... */
	const char *script_source;      /* ... whose source variant_get
					   loads, or NULL */
	create_order_fn create_order;   /* the order service's transaction */
	bool redis_no_persistence;
	bool no_transactions;           /* no coordinator: transaction
					   invariants do not apply */
	unsigned kinds;                 /* fault kinds that reveal it */
	bool recovery_sale;             /* revealed by the faults of the
					   recoveries, not by single faults
					   of a small sale: selftest explores
					   it on its recovery sale */
};

/* VARIANT_NONE is the correct protocol. */
const struct variant *variant_get(enum variant_id id);
/* By name ("naive", ...); false when unknown. */
bool variant_find(const char *name, enum variant_id *id);
/* Whether an invariant (by name) applies to runs of the variant: without
 * a coordinator, the transaction invariants do not. */
bool variant_checks(const struct variant *variant, const char *invariant);
/* "naive, no-rollback-marker, ..." */
void variant_names(char *out, size_t size);

#endif
