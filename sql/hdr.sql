-- name: hdr
-- description: files by HDR kind of the first video stream (HDR10, HDR10+, HLG, Dolby Vision, ...) against SDR
SELECT CASE WHEN doc ->> '$.video.hdr10_plus' THEN 'HDR10+'
            ELSE coalesce(hdr, 'SDR') END                     AS kind,
       count(*)                                               AS files,
       round(coalesce(sum(duration_s), 0) / 3600.0, 4)        AS hours,
       coalesce(sum(size), 0)                                 AS bytes,
       round(count(*) * 1.0 / sum(count(*)) OVER (), 4)       AS share
FROM media_ok
WHERE video_codec IS NOT NULL
GROUP BY 1
ORDER BY files DESC, kind;
