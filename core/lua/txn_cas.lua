-- Coordinator store: change the status of a global transaction, guarded by
-- the status the caller expects (compare and set).
--
-- KEYS[1]  transaction hash       txn:<gid>
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  gid
-- ARGV[2]  expected status
-- ARGV[3]  new status
-- ARGV[4]  next check time, virtual ms (used when the new status is not terminal)
-- ARGV[5]  TTL in seconds once terminal
--
-- Returns {"OK", <new status>}, {"CONFLICT", <current status>} or
-- {"MISSING", ""}; a conflict or a missing transaction changes nothing.
local current = redis.call('HGET', KEYS[1], 'status')
if not current then
  return {'MISSING', ''}
end
if current ~= ARGV[2] then
  return {'CONFLICT', current}
end
if ARGV[3] == 'succeeded' or ARGV[3] == 'failed' then
  redis.call('HSET', KEYS[1], 'status', ARGV[3])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
else
  redis.call('HSET', KEYS[1], 'status', ARGV[3], 'attempts', '0')
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
return {'OK', ARGV[3]}
