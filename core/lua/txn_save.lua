-- Coordinator store: save a new global transaction as "prepared".
--
-- KEYS[1]  transaction hash       txn:<gid>
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  creation time, virtual ms
-- ARGV[2]  next check time, virtual ms (creation + timeout-to-fail)
-- ARGV[3]  backcheck address
-- ARGV[4]  branch 00 payload      create_order:<activity>:<user>
--
-- The gid is the transaction key less its "txn:" prefix (as in
-- txn_lock_due.lua): one argument fewer for Redis to hand to Lua.
--
-- Only the fields that carry information are written: a missing
-- "attempts" reads as 0, "branches" as 1 and "branch_00_status" as
-- "prepared". An open transaction has no TTL: it must outlive any outage
-- of the coordinators, and only a terminal status sets one.
--
-- Returns "OK prepared", or "EXISTS <current status>" without changing
-- anything (one string: cheaper for Redis to pass back than a table).
local current = redis.call('HGET', KEYS[1], 'status')
if current then
  return 'EXISTS ' .. current
end
redis.call('HSET', KEYS[1],
  'status', 'prepared',
  'created_ms', ARGV[1],
  'backcheck', ARGV[3],
  'branch_00', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], string.sub(KEYS[1], 5))
return 'OK prepared'
