-- Transactions and orders agree: every succeeded transaction has exactly
-- one order, of its own user and activity; every order belongs to a
-- succeeded transaction. A succeeded transaction without its order lost a
-- delivery; an order whose transaction failed, is still open or does not
-- exist was created behind the coordinator's back.
SELECT t.gid, t.user_id, t.status, count(o.order_id) AS orders,
       'succeeded without exactly one order of its user' AS problem
  FROM txns t
  LEFT JOIN orders o
    ON o.gid = t.gid AND o.user_id = t.user_id
   AND o.activity_id = (SELECT activity_id FROM sale)
 WHERE t.status = 'succeeded'
 GROUP BY t.gid, t.user_id, t.status
HAVING count(o.order_id) <> 1
UNION ALL
SELECT o.gid, o.user_id, t.status, 1 AS orders,
       'order ' || o.order_id || ' without a succeeded transaction' AS problem
  FROM orders o
  LEFT JOIN txns t ON t.gid = o.gid
 WHERE t.status IS NOT 'succeeded'
    OR t.user_id <> o.user_id
    OR o.activity_id <> (SELECT activity_id FROM sale);
