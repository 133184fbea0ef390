-- Every transaction ends in a terminal state after recovery: none is left
-- prepared or submitted.
SELECT gid, status FROM txns WHERE status IN ('prepared', 'submitted');
