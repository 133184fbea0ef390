-- Coordinator store: mark a branch succeeded, guarded by the global status
-- "submitted"; when every branch has succeeded, the transaction becomes
-- "succeeded" (terminal) in the same atomic step.
--
-- KEYS[1]  transaction hash       txn:<gid>
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  branch id ("00")
-- ARGV[2]  TTL in seconds once terminal
--
-- The gid is the transaction key less its "txn:" prefix.
--
-- Returns "OK <global status after>", "CONFLICT <current status>" or
-- "MISSING" (one string: cheaper for Redis to pass back than a table).
local current = redis.call('HGET', KEYS[1], 'status')
if not current then
  return 'MISSING'
end
if current ~= 'submitted' then
  return 'CONFLICT ' .. current
end
local done_field = 'branch_' .. ARGV[1] .. '_status'
local branches = tonumber(redis.call('HGET', KEYS[1], 'branches')) or 1
for i = 0, branches - 1 do
  local field = string.format('branch_%02d_status', i)
  if field ~= done_field and
     redis.call('HGET', KEYS[1], field) ~= 'succeeded' then
    redis.call('HSET', KEYS[1], done_field, 'succeeded')
    return 'OK submitted'
  end
end
-- Every branch has succeeded: the branch and the transaction in one write.
redis.call('HSET', KEYS[1], done_field, 'succeeded', 'status', 'succeeded')
redis.call('ZREM', KEYS[2], string.sub(KEYS[1], 5))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 'OK succeeded'
