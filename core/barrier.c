/*
 * barrier.c - script calls of the Redis branch barrier (see barrier.h).
 */
#include "barrier.h"

void barrier_deduct(struct redis_call *call, const struct sale *sale,
		    const char *gid)
{
	char key[KEY_MAX];
	redis_call_init(call, SCRIPT_DEDUCT);
	sale_stock_key(sale, key);
	redis_call_key(call, key);
	sale_barrier_key(gid, key);
	redis_call_key(call, key);
	redis_call_number(call, sale->barrier_ttl_s);
}

void barrier_query_prepared(struct redis_call *call, const struct sale *sale,
			    const char *gid)
{
	char key[KEY_MAX];
	redis_call_init(call, SCRIPT_QUERY_PREPARED);
	sale_barrier_key(gid, key);
	redis_call_key(call, key);
	redis_call_number(call, sale->barrier_ttl_s);
}
