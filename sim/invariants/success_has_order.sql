-- A user told "success" has an order of the activity. The app says
-- success only after the coordinator accepted the submit, from which the
-- order must follow; a success without an order is a broken promise.
SELECT u.user_id, u.gid, u.told
  FROM users u
 WHERE u.told = 'success'
   AND NOT EXISTS (SELECT 1 FROM orders o
                    WHERE o.user_id = u.user_id
                      AND o.activity_id = (SELECT activity_id FROM sale));
