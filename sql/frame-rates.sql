-- name: frame-rates
-- description: files by frame rate of the first video stream (empty: variable or unknown)
SELECT round(frame_rate, 3)                                   AS frame_rate,
       count(*)                                               AS files,
       round(coalesce(sum(duration_s), 0) / 3600.0, 2)        AS hours,
       round(count(*) * 1.0 / sum(count(*)) OVER (), 4)       AS share
FROM media
WHERE status = 'ok' AND video_codec IS NOT NULL
GROUP BY 1
ORDER BY files DESC, frame_rate;
