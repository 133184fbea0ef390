-- Coordinator store: save a new global transaction as "prepared".
--
-- KEYS[1]  transaction            txn:<gid>
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  next check time, virtual ms (creation + timeout-to-fail)
-- ARGV[2]  the transaction as stored, built by the caller:
--          "prepared <created_ms> 0 <backcheck> <branch_00> prepared"
--
-- An open transaction is one string of six space-separated fields
-- (STATE.md):
--   status created_ms attempts backcheck branch_00 branch_00_status
-- and a finished one the single word "succeeded" or "failed". One string,
-- not a hash: a change of status is one SET, with its TTL when terminal,
-- so each script writes as few commands as it can to the append-only file.
-- The due set's member is the transaction's key itself, so no script
-- builds a string to name it.
--
-- An open transaction has no TTL: it must outlive any outage of the
-- coordinators, and only a terminal status sets one.
--
-- SETNX, not SET with NX: the same write, but Redis parses no option and
-- logs three arguments instead of four to its append-only file (2 % of a
-- rejected request's cost to Redis, docs/PERFORMANCE.md).
--
-- Returns "OK prepared", or "EXISTS <current status>" without changing
-- anything (one string: cheaper for Redis to pass back than a table).
if redis.call('SETNX', KEYS[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[1], KEYS[1])
  return 'OK prepared'
end
return 'EXISTS ' .. string.match(redis.call('GET', KEYS[1]), '^%S+')
