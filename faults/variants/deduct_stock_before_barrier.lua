-- TEACHING VARIANT stock-before-barrier: the deduction checks the stock
-- BEFORE the barrier. Compare core/lua/deduct.lua. A second request of
-- the same purchase (a duplicated or repeated buy), arriving after the
-- first one took the last unit, is answered SOLD_OUT instead of
-- DUPLICATE; the app aborts on SOLD_OUT, which fails a transaction whose
-- deduction did happen, and that unit is never matched by an order.
--
-- KEYS[1]  stock key              stock:{tag}:<activity>
-- KEYS[2]  barrier key            <gid>-00-msg-01
-- ARGV[1]  barrier TTL in seconds
local stock = tonumber(redis.call('GET', KEYS[1]))
if stock == nil or stock < 1 then
  return 'SOLD_OUT'
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'DUPLICATE'
end
redis.call('SET', KEYS[2], 'op', 'EX', ARGV[1])
redis.call('DECR', KEYS[1])
return 'OK'
