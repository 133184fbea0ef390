-- Redis barrier deduction: the local transaction of the 2-phase message.
-- One atomic script: take one unit from the stock and set the barrier key,
-- or do nothing at all.
--
-- KEYS[1]  stock key              stock:{tag}:<activity>
-- KEYS[2]  barrier key            <gid>-00-msg-01
-- ARGV[1]  barrier TTL in seconds
--
-- Returns "DUPLICATE" when the barrier key exists (the deduction already
-- happened, or a backcheck rolled it back), "SOLD_OUT" when the stock is
-- missing or below one unit, "OK" after deducting.
--
-- A request buys one unit, so the amount is not an argument: every element
-- of KEYS and ARGV costs Redis a Lua string and a table insert per call
-- (docs/PERFORMANCE.md).
--
-- The barrier is checked before the stock. The other order (stock first)
-- lets a second request of the same user, arriving after the first one took
-- the last unit, answer SOLD_OUT; its abort then fails a transaction whose
-- deduction did happen, and that unit is never matched by an order.
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'DUPLICATE'
end
local stock = tonumber(redis.call('GET', KEYS[1]))
if stock == nil or stock < 1 then
  return 'SOLD_OUT'
end
redis.call('SET', KEYS[2], 'op', 'EX', ARGV[1])
redis.call('DECR', KEYS[1])
return 'OK'
