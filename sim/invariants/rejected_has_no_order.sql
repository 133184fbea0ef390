-- A user told "rejected" has no order of the activity. The app says
-- rejected only when the deduction certainly did not happen (sold out,
-- or a backcheck left the rollback marker), so an order means the user
-- was charged after being told no.
SELECT u.user_id, u.gid, u.told, o.order_id, o.gid AS order_gid
  FROM users u
  JOIN orders o
    ON o.user_id = u.user_id
   AND o.activity_id = (SELECT activity_id FROM sale)
 WHERE u.told = 'rejected';
