-- name: audio-codecs
-- description: files by codec of the first audio stream, with its channel layouts
SELECT coalesce(audio_codec, '(no audio)')                    AS audio_codec,
       count(*)                                               AS files,
       count(*) FILTER (WHERE audio_channels = 1)             AS mono,
       count(*) FILTER (WHERE audio_channels = 2)             AS stereo,
       count(*) FILTER (WHERE audio_channels > 2)             AS surround,
       round(coalesce(sum(duration_s), 0) / 3600.0, 4)        AS hours,
       round(count(*) * 1.0 / sum(count(*)) OVER (), 4)       AS share
FROM media_ok
GROUP BY 1
ORDER BY files DESC, audio_codec;
