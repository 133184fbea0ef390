-- Sold-out fast path (optional, --sold-out-fast-path): is any stock left?
-- Read-only. Stock only ever decreases during a sale, so SOLD_OUT is
-- final: a request that sees it can be rejected at once, before any
-- transaction exists, and nothing needs undoing.
--
-- KEYS[1]  stock key              stock:{tag}:<activity>
-- KEYS[2]  barrier key            <gid>-00-msg-01
--
-- Returns "OK" when the barrier exists: this purchase was seen before (a
-- duplicated request, a double click) and may have taken the last unit,
-- so only the full protocol can answer it. Otherwise "SOLD_OUT" when the
-- stock is missing or below one unit, "OK" when some is left (the
-- deduction still decides). Both keys are read with one MGET (they share
-- the sale's hash tag).
local values = redis.call('MGET', KEYS[2], KEYS[1])
if values[1] then
  return 'OK'
end
local stock = tonumber(values[2])
if stock == nil or stock < 1 then
  return 'SOLD_OUT'
end
return 'OK'
