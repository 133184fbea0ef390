-- Backcheck ("query prepared"): did the local transaction of this message
-- happen? Asked by the coordinator after timeout-to-fail, and by the app
-- itself when its deduction gave no clear answer.
--
-- KEYS[1]  barrier key            <gid>-00-msg-01
-- ARGV[1]  barrier TTL in seconds
--
-- Returns "SUCCESS" when the deduction happened, "FAILURE" when it did not.
-- A missing barrier is replaced by the "rollback" marker first, so that a
-- slow deduction arriving after this answer finds the barrier and returns
-- DUPLICATE without touching the stock: FAILURE stays true forever. The
-- answer that set the marker says so, "FAILURE marked", for the trace; the
-- protocol reads both as FAILURE.
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'rollback', 'EX', ARGV[1])
  return 'FAILURE marked'
end
if v == 'rollback' then
  return 'FAILURE'
end
return 'SUCCESS'
