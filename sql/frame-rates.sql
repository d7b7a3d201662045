-- name: frame-rates
-- description: files by frame rate of the first video stream, "(variable or unknown)" when it has none
SELECT coalesce(round(frame_rate, 3), '(variable or unknown)') AS frame_rate,
       count(*)                                               AS files,
       round(coalesce(sum(duration_s), 0) / 3600.0, 4)        AS hours,
       round(count(*) * 1.0 / sum(count(*)) OVER (), 4)       AS share
FROM media_ok
WHERE video_codec IS NOT NULL
GROUP BY 1
ORDER BY files DESC, frame_rate IS NULL, frame_rate;
