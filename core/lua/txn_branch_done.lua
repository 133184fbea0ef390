-- Coordinator store: mark the branch succeeded, guarded by the global
-- status "submitted"; the transaction has one branch (branch_00), so it
-- becomes "succeeded" (terminal) in the same write: the one word
-- "succeeded" with the TTL, like every finished transaction (txn_cas.lua).
--
-- KEYS[1]  transaction            txn:<gid> (format: txn_save.lua)
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  TTL in seconds once terminal
--
-- The gid is the key less its "txn:" prefix.
--
-- Returns "OK succeeded", "CONFLICT <current status>" or "MISSING" (one
-- string: cheaper for Redis to pass back than a table).
local txn = redis.call('GET', KEYS[1])
if not txn then
  return 'MISSING'
end
local status = string.match(txn, '^%S+')
if status ~= 'submitted' then
  return 'CONFLICT ' .. status
end
-- The branch and the transaction in one write.
redis.call('SET', KEYS[1], 'succeeded', 'EX', ARGV[1])
redis.call('ZREM', KEYS[2], string.sub(KEYS[1], 5))
return 'OK succeeded'
