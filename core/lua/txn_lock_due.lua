-- Coordinator store: lock the next due global transaction.
--
-- KEYS[1]  due set                due:{tag}, whose members are txn keys
-- ARGV[1]  now, virtual ms
-- ARGV[2]  timeout-to-fail, ms
-- ARGV[3]  retry interval, ms (first backoff)
-- ARGV[4]  retry interval cap, ms
--
-- Takes the lowest-scored member whose score <= now. Its score is pushed to
-- now + min(retry * 2^attempts, cap) and its attempt count incremented, so
-- that a second coordinator does not take it in the same interval and a
-- transaction that keeps failing is retried with capped exponential backoff.
-- The transaction is the string of txn_save.lua, at the key the member
-- names; its gid is that key less its "txn:" prefix.
-- Members whose transaction expired (or is already terminal) are removed;
-- a prepared transaction younger than timeout-to-fail is pushed to the time
-- it becomes old enough. At most 64 members are looked at per call.
--
-- Returns false (nil) when nothing is due, else
-- {gid, status, created_ms, attempts, backcheck, branch_00, branch_00_status}.
local now = tonumber(ARGV[1])
local timeout = tonumber(ARGV[2])
local retry = tonumber(ARGV[3])
local retry_max = tonumber(ARGV[4])
for _ = 1, 64 do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
  if #due == 0 then
    return false
  end
  local key = due[1]
  local txn = redis.call('GET', key)
  local status, created, attempts, backcheck, branch, branch_status
  if txn == 'succeeded' or txn == 'failed' then
    status = txn
  elseif txn then
    status, created, attempts, backcheck, branch, branch_status =
      string.match(txn, '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$')
    if not status then
      return redis.error_reply(key .. ' is not a transaction: ' .. txn)
    end
  end
  if not status or status == 'succeeded' or status == 'failed' then
    redis.call('ZREM', KEYS[1], key)
  elseif status == 'prepared' and now < tonumber(created) + timeout then
    redis.call('ZADD', KEYS[1], tonumber(created) + timeout, key)
  else
    local tries = tonumber(attempts)
    local delay = retry_max
    if tries < 30 then
      delay = math.min(retry * (2 ^ tries), retry_max)
    end
    redis.call('SET', key, table.concat({status, created, tries + 1,
                                         backcheck, branch, branch_status},
                                        ' '))
    redis.call('ZADD', KEYS[1], now + math.floor(delay), key)
    return {string.sub(key, 5), status, created, attempts, backcheck, branch,
            branch_status}
  end
end
return false
