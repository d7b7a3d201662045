-- name: resolutions
-- description: files by resolution class of the first video stream: SD, 720p, 1080p, 1440p, 4K, 8K
--
-- The class is reached by the long side or the short side, whichever gets
-- there first, so cropped widescreen (1920x800) and portrait (1080x1920) video
-- land where people expect them.
WITH classed AS (
    SELECT size, duration_s,
           CASE
               WHEN width IS NULL OR height IS NULL THEN '(no video)'
               WHEN max(width, height) >= 6800 OR min(width, height) >= 4000 THEN '8K'
               WHEN max(width, height) >= 3400 OR min(width, height) >= 2000 THEN '4K'
               WHEN max(width, height) >= 2400 OR min(width, height) >= 1400 THEN '1440p'
               WHEN max(width, height) >= 1800 OR min(width, height) >= 1000 THEN '1080p'
               WHEN max(width, height) >= 1200 OR min(width, height) >= 700  THEN '720p'
               ELSE 'SD'
           END AS resolution
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
