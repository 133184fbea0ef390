-- Coordinator store: save a new global transaction as "prepared".
--
-- KEYS[1]  transaction hash       txn:<gid>
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  gid
-- ARGV[2]  creation time, virtual ms
-- ARGV[3]  next check time, virtual ms (creation + timeout-to-fail)
-- ARGV[4]  backcheck address
-- ARGV[5]  branch 00 payload      create_order:<activity>:<user>
-- ARGV[6]  TTL of the transaction in seconds
--
-- Returns {"OK", "prepared"}, or {"EXISTS", <current status>} without
-- changing anything.
local current = redis.call('HGET', KEYS[1], 'status')
if current then
  return {'EXISTS', current}
end
redis.call('HSET', KEYS[1],
  'status', 'prepared',
  'created_ms', ARGV[2],
  'attempts', '0',
  'backcheck', ARGV[4],
  'branches', '1',
  'branch_00', ARGV[5],
  'branch_00_status', 'prepared')
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return {'OK', 'prepared'}
