-- Coordinator store: change the status of a global transaction, guarded by
-- the status the caller expects (compare and set).
--
-- KEYS[1]  transaction            txn:<gid> (format: txn_save.lua)
-- KEYS[2]  due set                due:{tag}, whose members are txn keys
-- ARGV[1]  expected status
-- ARGV[2]  new status
-- ARGV[3]  a terminal new status (succeeded, failed): the TTL in seconds;
--          an open one: the next check time, virtual ms
--
-- A terminal status leaves the due set, and the transaction becomes that
-- one word ("failed", "succeeded") with the TTL, in one SET: nothing reads
-- the other fields of a finished transaction, and building the full string
-- again would cost Redis more than the rest of the script. An open status
-- resets the attempts and makes the transaction due at ARGV[3].
--
-- A terminal status is written first and the guard checked on the value
-- the same SET returns (SET ... GET): one command fewer than reading first,
-- on the path every finished transaction takes. When the guard does not
-- hold, the value read is put back before the script ends; the script is
-- atomic, so nobody sees the value in between, and the append-only file
-- replays both writes in one MULTI/EXEC. What was there comes back as it
-- was, except that a finished transaction's TTL starts again from ARGV[3].
-- Nothing can fail between the first write and the last: a script that
-- stops with an error keeps its writes.
--
-- Returns "OK <new status>", "CONFLICT <current status>" or "MISSING" (one
-- string: cheaper for Redis to pass back than a table); a conflict or a
-- missing transaction leaves the transaction as it was.
if ARGV[2] == 'succeeded' or ARGV[2] == 'failed' then
  local old = redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3], 'GET')
  if not old then
    redis.call('DEL', KEYS[1])
    return 'MISSING'
  end
  local status = string.match(old, '^%S+') or ''
  if status ~= ARGV[1] then
    if old == 'succeeded' or old == 'failed' then
      redis.call('SET', KEYS[1], old, 'EX', ARGV[3])
    else
      redis.call('SET', KEYS[1], old)
    end
    return 'CONFLICT ' .. status
  end
  redis.call('ZREM', KEYS[2], KEYS[1])
  if ARGV[2] == 'failed' then
    return 'OK failed'
  end
  return 'OK succeeded'
end
local txn = redis.call('GET', KEYS[1])
if not txn then
  return 'MISSING'
end
local status = string.match(txn, '^%S+')
if status ~= ARGV[1] then
  return 'CONFLICT ' .. status
end
local created, rest = string.match(txn, '^%S+ (%S+) %S+ (.*)$')
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. created .. ' 0 ' .. rest)
redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
return 'OK ' .. ARGV[2]
