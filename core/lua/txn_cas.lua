-- Coordinator store: change the status of a global transaction, guarded by
-- the status the caller expects (compare and set).
--
-- KEYS[1]  transaction hash       txn:<gid>
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  expected status
-- ARGV[2]  new status
-- ARGV[3]  next check time, virtual ms (used when the new status is not terminal)
-- ARGV[4]  TTL in seconds once terminal
--
-- The gid is the transaction key less its "txn:" prefix.
--
-- Returns "OK <new status>", "CONFLICT <current status>" or "MISSING" (one
-- string: cheaper for Redis to pass back than a table); a conflict or a
-- missing transaction changes nothing.
local current = redis.call('HGET', KEYS[1], 'status')
if not current then
  return 'MISSING'
end
if current ~= ARGV[1] then
  return 'CONFLICT ' .. current
end
if ARGV[2] == 'succeeded' or ARGV[2] == 'failed' then
  redis.call('HSET', KEYS[1], 'status', ARGV[2])
  redis.call('ZREM', KEYS[2], string.sub(KEYS[1], 5))
  redis.call('EXPIRE', KEYS[1], ARGV[4])
else
  redis.call('HSET', KEYS[1], 'status', ARGV[2], 'attempts', '0')
  redis.call('ZADD', KEYS[2], ARGV[3], string.sub(KEYS[1], 5))
end
return 'OK ' .. ARGV[2]
