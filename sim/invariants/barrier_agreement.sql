-- The Redis barrier key (<gid>-00-msg-01) agrees with the transaction's
-- outcome after recovery:
--   a succeeded transaction has the barrier "op" (its unit was deducted);
--   an "op" barrier belongs to a succeeded transaction (a deducted unit
--   was turned into an order, not left behind by a failed, open or lost
--   transaction). So a failed transaction's barrier is never "op": it is
--   missing (sold out) or the "rollback" marker a backcheck leaves.
-- The barrier is what the backcheck reads: a disagreement means the
-- coordinator decided against the evidence, or the evidence changed.
SELECT b.gid, b.user_id, t.status, b.value AS barrier
  FROM barriers b
  JOIN txns t ON t.gid = b.gid
 WHERE (t.status = 'succeeded' AND b.value IS NOT 'op')
    OR (b.value = 'op' AND t.status IS NOT 'succeeded');
