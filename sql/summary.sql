-- name: summary
-- description: totals of the whole catalog (files, hours, bytes), then the same split by status
--
-- The first row, status 'all', counts every file the catalog knows, missing
-- ones included; the rows after it split that total by status, so they add up
-- to it. Hours come from the stored documents (files never probed count 0).
WITH by_status AS (
    SELECT status,
           count(*)                     AS files,
           coalesce(sum(duration_s), 0) AS seconds,
           coalesce(sum(size), 0)       AS bytes
    FROM media
    GROUP BY status
),
totals AS (
    SELECT 'all' AS status,
           coalesce(sum(files), 0)                    AS files,
           round(coalesce(sum(seconds), 0) / 3600.0, 4) AS hours,
           coalesce(sum(bytes), 0)                    AS bytes
    FROM by_status
    UNION ALL
    SELECT status, files, round(seconds / 3600.0, 4), bytes
    FROM by_status
)
SELECT status, files, hours, bytes
FROM totals
ORDER BY CASE status WHEN 'all' THEN 0 ELSE 1 END, status;
