-- One order per user and activity, and one order per transaction: a
-- repeated request or a repeated delivery of the create-order branch must
-- never create a second order. The orders table's UNIQUE(activity_id,
-- user_id) and the SQL barrier are meant to ensure it; this checks that
-- they did, whatever the order service's schema.
SELECT 'user' AS per, activity_id, user_id, count(*) AS orders,
       group_concat(gid) AS gid
  FROM orders
 GROUP BY activity_id, user_id
HAVING count(*) > 1
UNION ALL
SELECT 'gid' AS per, min(activity_id), min(user_id), count(*), gid
  FROM orders
 GROUP BY gid
HAVING count(*) > 1;
