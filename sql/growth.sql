-- name: growth
-- description: files, bytes and hours added per month (by first_seen, UTC), with the running totals
--
-- Counts the files on disk now (not `missing`), by the month they were first
-- seen: a deleted file drops out of every month. The `history` report keeps
-- the totals each export saw, which deletions do not rewrite.
WITH months AS (
    SELECT substr(first_seen, 1, 7)                          AS month,
           count(*)                                          AS files,
           coalesce(sum(size), 0)                            AS bytes,
           coalesce(sum(duration_s), 0)                      AS seconds
    FROM media
    WHERE status <> 'missing'
    GROUP BY 1
)
SELECT month, files, bytes,
       round(seconds / 3600.0, 2)                                              AS hours,
       sum(files) OVER w                                                       AS total_files,
       sum(bytes) OVER w                                                       AS total_bytes,
       round(sum(seconds) OVER w / 3600.0, 2)                                  AS total_hours
FROM months
WINDOW w AS (ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY month;
