-- Sold-out fast path (optional, --sold-out-fast-path): is any stock left?
-- Read-only. Stock only ever decreases during a sale, so SOLD_OUT is
-- final: a request that sees it can be rejected at once, before any
-- transaction exists, and nothing needs undoing.
--
-- KEYS[1]  stock key              stock:{tag}:<activity>
--
-- Returns "SOLD_OUT" when the stock is missing or below one unit, "OK"
-- otherwise (the deduction still decides).
local stock = tonumber(redis.call('GET', KEYS[1]))
if stock == nil or stock < 1 then
  return 'SOLD_OUT'
end
return 'OK'
