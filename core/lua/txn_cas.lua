-- Coordinator store: change the status of a global transaction, guarded by
-- the status the caller expects (compare and set).
--
-- KEYS[1]  transaction            txn:<gid> (format: txn_save.lua)
-- KEYS[2]  due set                due:{tag}
-- ARGV[1]  expected status
-- ARGV[2]  new status
-- ARGV[3]  a terminal new status (succeeded, failed): the TTL in seconds;
--          an open one: the next check time, virtual ms
--
-- A terminal status leaves the due set, and the transaction becomes that
-- one word ("failed", "succeeded") with the TTL, in one SET: nothing reads
-- the other fields of a finished transaction, and building the full string
-- again would cost Redis more than the rest of the script. An open status
-- resets the attempts and makes the transaction due at ARGV[3]. The gid is
-- the key less its "txn:" prefix.
--
-- Returns "OK <new status>", "CONFLICT <current status>" or "MISSING" (one
-- string: cheaper for Redis to pass back than a table); a conflict or a
-- missing transaction changes nothing.
local txn = redis.call('GET', KEYS[1])
if not txn then
  return 'MISSING'
end
local status = string.match(txn, '^%S+')
if status ~= ARGV[1] then
  return 'CONFLICT ' .. status
end
if ARGV[2] == 'succeeded' or ARGV[2] == 'failed' then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  redis.call('ZREM', KEYS[2], string.sub(KEYS[1], 5))
else
  local created, rest = string.match(txn, '^%S+ (%S+) %S+ (.*)$')
  redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. created .. ' 0 ' .. rest)
  redis.call('ZADD', KEYS[2], ARGV[3], string.sub(KEYS[1], 5))
end
return 'OK ' .. ARGV[2]
