-- name: hosts
-- description: files on disk, hours and bytes per host, with missing files and the last sighting
--
-- The `ok` files (nearly all) are added up from `media_ok`, the others (the
-- rows of `media` that are not `ok`) through the index of those statuses: a
-- single GROUP BY host over `media` reads the files in host and path order,
-- every row looked up at random, and so would the planner here unless told.
WITH per_host AS (
    SELECT host, count(*) AS files, 0 AS missing, sum(duration_s) AS seconds, sum(size) AS bytes,
           max(last_seen) AS last_seen
    FROM media_ok
    GROUP BY host
    UNION ALL
    SELECT host,
           count(*) FILTER (WHERE status <> 'missing'),
           count(*) FILTER (WHERE status = 'missing'),
           sum(duration_s) FILTER (WHERE status <> 'missing'),
           sum(size) FILTER (WHERE status <> 'missing'),
           max(s.last_seen)
    FROM files f INDEXED BY files_trouble
         JOIN docs d INDEXED BY docs_typed ON d.file_id = f.id
         JOIN file_seen s ON s.file_id = f.id
    WHERE f.status <> 'ok'
    GROUP BY f.host
)
SELECT host,
       sum(files)                                   AS files,
       sum(missing)                                 AS missing,
       round(coalesce(sum(seconds), 0) / 3600.0, 4) AS hours,
       coalesce(sum(bytes), 0)                      AS bytes,
       max(last_seen)                               AS last_seen
FROM per_host
GROUP BY host
ORDER BY host;
