-- name: resolutions
-- description: files by resolution class of the first video stream: SD, 720p, 1080p, 1440p, 4K, 8K
--
-- The class is the `resolution_class` column (migration 12): reached by the
-- long side or the short side, whichever gets there first, so cropped
-- widescreen (1920x800) and portrait (1080x1920) video land where people
-- expect them; files without video dimensions are `(no video)`.
WITH classed AS (
    SELECT size, duration_s, coalesce(resolution_class, '(no video)') AS resolution
    FROM media_ok
)
SELECT resolution,
       count(*)                                               AS files,
       round(coalesce(sum(duration_s), 0) / 3600.0, 4)        AS hours,
       coalesce(sum(size), 0)                                 AS bytes,
       round(count(*) * 1.0 / sum(count(*)) OVER (), 4)       AS share
FROM classed
GROUP BY resolution
ORDER BY CASE resolution
             WHEN '8K' THEN 1 WHEN '4K' THEN 2 WHEN '1440p' THEN 3
             WHEN '1080p' THEN 4 WHEN '720p' THEN 5 WHEN 'SD' THEN 6 ELSE 7
         END;
