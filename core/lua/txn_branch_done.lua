-- Coordinator store: mark the branch succeeded, guarded by the global
-- status "submitted"; the transaction has one branch (branch_00), so it
-- becomes "succeeded" (terminal) in the same write: the one word
-- "succeeded" with the TTL, like every finished transaction (txn_cas.lua).
--
-- KEYS[1]  transaction            txn:<gid> (format: txn_save.lua)
-- KEYS[2]  due set                due:{tag}, whose members are txn keys
-- ARGV[1]  TTL in seconds once terminal
--
-- Written first, the guard checked on the value the SET returns, and that
-- value put back when the guard does not hold, as txn_cas.lua does for a
-- terminal status.
--
-- Returns "OK succeeded", "CONFLICT <current status>" or "MISSING" (one
-- string: cheaper for Redis to pass back than a table).
local old = redis.call('SET', KEYS[1], 'succeeded', 'EX', ARGV[1], 'GET')
if not old then
  redis.call('DEL', KEYS[1])
  return 'MISSING'
end
local status = string.match(old, '^%S+') or ''
if status ~= 'submitted' then
  if old == 'succeeded' or old == 'failed' then
    redis.call('SET', KEYS[1], old, 'EX', ARGV[1])
  else
    redis.call('SET', KEYS[1], old)
  end
  return 'CONFLICT ' .. status
end
redis.call('ZREM', KEYS[2], KEYS[1])
return 'OK succeeded'
