/*
 * sale.h - one flash sale: its identity, its timing, and its key names.
 *
 * All Redis keys of one sale carry the same Redis Cluster hash tag, so every
 * script touches a single slot:
 *
 *   stock:{tag}:<activity>          string, units left
 *   <gid>-00-msg-01                 string, barrier: "op" or "rollback"
 *   txn:<gid>                       string, one global transaction
 *   due:{tag}                       sorted set of txn keys by next check time (ms)
 *
 * gid = "{tag}flash-sale-<activity>-<user>".
 */
#ifndef FLASHSIM_SALE_H
#define FLASHSIM_SALE_H

#include <stdbool.h>
#include <stdint.h>

#include "effect.h"

#define TAG_MAX 32

/* Address of the app service that answers backchecks, as stored with every
 * transaction. */
#define SALE_BACKCHECK_ADDRESS "app"

struct sale {
	char tag[TAG_MAX];               /* hash tag, without the braces */
	uint64_t activity;
	int64_t barrier_ttl_s;           /* must outlive every backcheck */
	int64_t terminal_ttl_s;          /* lifetime once succeeded or failed */
	int64_t timeout_to_fail_ms;      /* age at which a prepared txn is backchecked */
	int64_t retry_interval_ms;       /* first backoff of the cron loop */
	int64_t retry_interval_ms_max;   /* backoff cap */
	int64_t cron_interval_ms;        /* idle wait of the cron loop */
	bool sold_out_fast_path;         /* check the stock before preparing */
};

/* Defaults: 3 s timeout-to-fail, 1 s cron, backoff 1 s doubling to 8 s. */
void sale_defaults(struct sale *sale);

/* A tag is 1..TAG_MAX-1 characters of [A-Za-z0-9_.-]. */
bool sale_tag_valid(const char *tag);

void sale_gid(const struct sale *sale, uint64_t user, char gid[GID_MAX]);
void sale_stock_key(const struct sale *sale, char key[KEY_MAX]);
void sale_due_key(const struct sale *sale, char key[KEY_MAX]);
void sale_txn_key(const char *gid, char key[KEY_MAX]);
void sale_barrier_key(const char *gid, char key[KEY_MAX]);

/* The branch payload stored with the transaction: "create_order:<a>:<u>". */
void sale_branch_payload(uint64_t activity, uint64_t user,
			 char out[REDIS_ARG_MAX]);
/* Parses it back; returns 0 or -1 when it is not a create_order payload. */
int sale_branch_parse(const char *payload, uint64_t *activity, uint64_t *user);

#endif
