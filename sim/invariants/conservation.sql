-- Conservation: every unit taken from the stock became exactly one order,
-- and every order of the activity took exactly one unit:
--   initial stock - stock left = orders of the activity.
-- A unit deducted without an order is lost stock (the flash sale's classic
-- bug); an order without a deduction sells what was never reserved. A
-- missing stock key is a violation too: the stock was lost, so nothing can
-- be counted.
SELECT s.stock_key, s.stock_initial, s.stock_left,
       (SELECT count(*) FROM orders o
         WHERE o.activity_id = s.activity_id) AS orders
  FROM sale s
 WHERE s.stock_left IS NULL
    OR s.stock_initial - s.stock_left <>
       (SELECT count(*) FROM orders o WHERE o.activity_id = s.activity_id);
