-- name: hosts
-- description: files on disk, hours and bytes per host, with missing files and the last sighting
SELECT host,
       count(*) FILTER (WHERE status <> 'missing')                                   AS files,
       count(*) FILTER (WHERE status = 'missing')                                    AS missing,
       round(coalesce(sum(duration_s) FILTER (WHERE status <> 'missing'), 0) / 3600.0, 4) AS hours,
       coalesce(sum(size) FILTER (WHERE status <> 'missing'), 0)                     AS bytes,
       max(last_seen)                                                                AS last_seen
FROM media
GROUP BY host
ORDER BY host;
