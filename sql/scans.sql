-- name: scans
-- description: the latest scan runs, newest first
-- param: limit: integer = 10 -- how many runs
SELECT started_at, host, status, roots, seen, new, changed, unchanged, missing, failed,
       probed, elapsed_s, finished_at
FROM scans
ORDER BY started_at DESC, host, id
LIMIT :limit;
