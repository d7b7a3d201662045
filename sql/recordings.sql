-- name: recordings
-- description: recordings by day (UTC): how many, total duration, how many clipped or came out silent
-- param: silent: real = 0.95 -- share of silence at or above which a recording counts as silent
SELECT substr(started_at, 1, 10)                                                   AS day,
       count(*)                                                                    AS recordings,
       round(sum(seconds), 3)                                                      AS seconds,
       count(*) FILTER (WHERE coalesce(doc ->> '$.levels.clipped', 0) > 0)         AS clipped,
       count(*) FILTER (WHERE coalesce(doc ->> '$.levels.silent_share', 0) >= :silent) AS silent,
       count(*) FILTER (WHERE status = 'failed')                                   AS failed
FROM recordings
GROUP BY 1
ORDER BY day DESC;
