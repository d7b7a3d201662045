-- name: video-codecs
-- description: files, hours, bytes and mean bitrate by codec of the first video stream
SELECT coalesce(video_codec, '(no video)')                    AS video_codec,
       count(*)                                               AS files,
       round(coalesce(sum(duration_s), 0) / 3600.0, 4)        AS hours,
       coalesce(sum(size), 0)                                 AS bytes,
       CAST(round(avg(bitrate)) AS INTEGER)                   AS mean_bitrate,
       round(count(*) * 1.0 / sum(count(*)) OVER (), 4)       AS share
FROM media_ok
GROUP BY 1
ORDER BY files DESC, video_codec;
