-- No oversell: the stock never goes below zero, and the activity never has
-- more orders than it had units. Either would mean the sale sold what it
-- did not have, the one outcome a flash sale exists to prevent.
SELECT s.stock_key, s.stock_initial, s.stock_left,
       (SELECT count(*) FROM orders o
         WHERE o.activity_id = s.activity_id) AS orders
  FROM sale s
 WHERE s.stock_left < 0
    OR (SELECT count(*) FROM orders o WHERE o.activity_id = s.activity_id)
       > s.stock_initial;
