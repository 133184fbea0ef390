-- Redis barrier deduction: the local transaction of the 2-phase message.
-- One atomic script: take `amount` from the stock and set the barrier key,
-- or do nothing at all.
--
-- KEYS[1]  stock key              stock:{tag}:<activity>
-- KEYS[2]  barrier key            <gid>-00-msg-01
-- ARGV[1]  amount (negative, -1 for one unit)
-- ARGV[2]  barrier TTL in seconds
--
-- Returns "DUPLICATE" when the barrier key exists (the deduction already
-- happened, or a backcheck rolled it back), "SOLD_OUT" when the stock is
-- missing or too small, "OK" after deducting.
--
-- The barrier is checked before the stock. The other order (stock first)
-- lets a second request of the same user, arriving after the first one took
-- the last unit, answer SOLD_OUT; its abort then fails a transaction whose
-- deduction did happen, and that unit is never matched by an order.
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'DUPLICATE'
end
local amount = tonumber(ARGV[1])
local stock = tonumber(redis.call('GET', KEYS[1]))
if stock == nil or stock + amount < 0 then
  return 'SOLD_OUT'
end
redis.call('SET', KEYS[2], 'op', 'EX', ARGV[2])
redis.call('INCRBY', KEYS[1], amount)
return 'OK'
