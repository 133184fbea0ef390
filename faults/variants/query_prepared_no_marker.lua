-- TEACHING VARIANT no-rollback-marker: the backcheck WITHOUT its rollback
-- marker. Compare core/lua/query_prepared.lua. A backcheck that finds no
-- deduction answers FAILURE but leaves nothing behind, so a slow
-- deduction that arrives afterwards still takes the stock, and the
-- coordinator has already failed the transaction: a unit sold, no order.
--
-- KEYS[1]  barrier key            <gid>-00-msg-01
-- ARGV[1]  barrier TTL in seconds (unused: nothing is written)
local v = redis.call('GET', KEYS[1])
if not v or v == 'rollback' then
  return 'FAILURE'
end
return 'SUCCESS'
