/*
 * flash.h - the app's flash-sale handlers, as step machines.
 *
 * flash_request: one user's purchase, run as a 2-phase message
 * ("do and submit"). With the sold-out fast path (sale.sold_out_fast_path),
 * START first runs CHECKING, a read of the stock: SOLD_OUT tells "rejected"
 * at once (stock never grows during a sale, so no transaction is needed);
 * any other answer goes on to prepare as below.
 *
 *   START --prepare--> PREPARING --OK--> DEDUCTING --OK--------> SUBMITTING
 *                          |                 |  SOLD_OUT          |
 *                          | FAILED/UNKNOWN  |  --------> ABORTING |
 *                          v                 |  DUPLICATE/UNKNOWN |
 *                       REPLYING <--+        v                    |
 *                          |        +---- QUERYING (own backcheck)|
 *                          v              SUCCESS -> SUBMITTING   |
 *                        DONE             FAILURE -> ABORTING     |
 *                                         UNKNOWN -> REPLYING     |
 *   SUBMITTING: OK -> told success, else told unknown -> REPLYING <+
 *   ABORTING:   OK -> told rejected, else told unknown -> REPLYING
 *
 * Invariants:
 *   1. The deduction runs only after prepare answered OK.
 *   2. "success" is told only after the coordinator acknowledged submit.
 *   3. "rejected" is told only when the deduction certainly did not happen
 *      (sold out, or a backcheck that answered FAILURE) and the coordinator
 *      acknowledged the abort, or when prepare met the gid already failed,
 *      or when the fast path saw no stock left and no barrier of this
 *      purchase (it was never deducted) before anything was done.
 *   4. Every other ending tells "unknown"; the coordinator resolves it.
 *
 * flash_backcheck: answer a coordinator's backcheck with the query-prepared
 * script: START -> QUERYING -> REPLYING -> DONE.
 */
#ifndef FLASHSIM_FLASH_H
#define FLASHSIM_FLASH_H

#include "effect.h"
#include "sale.h"

enum flash_state {
	FLASH_START,
	FLASH_CHECKING,    /* sold-out fast path only */
	FLASH_PREPARING,
	FLASH_DEDUCTING,
	FLASH_QUERYING,
	FLASH_SUBMITTING,
	FLASH_ABORTING,
	FLASH_REPLYING,
	FLASH_DONE,
};

struct flash_request {
	enum flash_state state;
	const struct sale *sale; /* borrowed, outlives the machine */
	uint64_t user;
	char gid[GID_MAX];
	enum told told;
	struct effect effect;
};

void flash_request_init(struct flash_request *request, const struct sale *sale,
			uint64_t user);
/* last is NULL on the first step. */
const struct effect *flash_request_step(struct flash_request *request,
					const struct outcome *last);

enum flash_backcheck_state {
	FLASH_BACKCHECK_START,
	FLASH_BACKCHECK_QUERYING,
	FLASH_BACKCHECK_REPLYING,
	FLASH_BACKCHECK_DONE,
};

struct flash_backcheck {
	enum flash_backcheck_state state;
	const struct sale *sale;
	struct message request;
	struct effect effect;
};

void flash_backcheck_init(struct flash_backcheck *backcheck,
			  const struct sale *sale,
			  const struct message *request);
const struct effect *flash_backcheck_step(struct flash_backcheck *backcheck,
					  const struct outcome *last);

#endif
