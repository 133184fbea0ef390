-- Coordinator store: save a new global transaction as "prepared".
--
-- KEYS[1]  transaction hash       txn:<gid>
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  gid
-- ARGV[2]  creation time, virtual ms
-- ARGV[3]  next check time, virtual ms (creation + timeout-to-fail)
-- ARGV[4]  backcheck address
-- ARGV[5]  branch 00 payload      create_order:<activity>:<user>
--
-- Only the fields that carry information are written: a missing
-- "attempts" reads as 0, "branches" as 1 and "branch_00_status" as
-- "prepared". An open transaction has no TTL: it must outlive any outage
-- of the coordinators, and only a terminal status sets one.
-- Returns {"OK", "prepared"}, or {"EXISTS", <current status>} without
-- changing anything.
local current = redis.call('HGET', KEYS[1], 'status')
if current then
  return {'EXISTS', current}
end
redis.call('HSET', KEYS[1],
  'status', 'prepared',
  'created_ms', ARGV[2],
  'backcheck', ARGV[4],
  'branch_00', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return {'OK', 'prepared'}
