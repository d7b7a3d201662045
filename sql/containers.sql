-- name: containers
-- description: files, hours and bytes by container format (files probed successfully)
SELECT coalesce(container, '(unknown)')                       AS container,
       count(*)                                               AS files,
       round(coalesce(sum(duration_s), 0) / 3600.0, 4)        AS hours,
       coalesce(sum(size), 0)                                 AS bytes,
       round(count(*) * 1.0 / sum(count(*)) OVER (), 4)       AS share
FROM media_ok
GROUP BY 1
ORDER BY files DESC, container;
