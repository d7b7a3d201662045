-- name: subtitles
-- description: subtitle streams by language, and the `ok` video files with no subtitles or whose audio or subtitle languages are all untagged
--
-- Rows of kind 'language' count subtitle streams and the files that have
-- them per ISO 639-2 language ('(untagged)' for streams without one). The
-- rows after them count files: 'no subtitles' (a video file without a
-- subtitle stream), 'audio untagged' (audio streams, none with a language)
-- and 'subtitles untagged' (subtitle streams, none with a language). Only
-- `ok` files with a video stream count.
WITH v AS (
    SELECT id, size, duration_s, audio_streams, subtitle_streams, audio_languages, subtitle_languages
    FROM media
    WHERE status = 'ok' AND video_streams > 0
),
langs AS (
    SELECT 1 AS part, 'language' AS kind, coalesce(s.language, '(untagged)') AS language,
           count(DISTINCT v.id) AS files, count(*) AS streams
    FROM v JOIN streams s ON s.media_id = v.id
    WHERE s.kind = 'subtitle'
    GROUP BY 3
),
counts AS (
    SELECT 2 AS part, 'no subtitles' AS kind, NULL AS language,
           count(*) FILTER (WHERE coalesce(subtitle_streams, 0) = 0) AS files, 0 AS streams
    FROM v
    UNION ALL
    SELECT 3, 'audio untagged', NULL,
           count(*) FILTER (WHERE audio_streams > 0 AND coalesce(json_array_length(audio_languages), 0) = 0),
           coalesce(sum(audio_streams) FILTER (WHERE audio_streams > 0
               AND coalesce(json_array_length(audio_languages), 0) = 0), 0)
    FROM v
    UNION ALL
    SELECT 4, 'subtitles untagged', NULL,
           count(*) FILTER (WHERE subtitle_streams > 0 AND coalesce(json_array_length(subtitle_languages), 0) = 0),
           coalesce(sum(subtitle_streams) FILTER (WHERE subtitle_streams > 0
               AND coalesce(json_array_length(subtitle_languages), 0) = 0), 0)
    FROM v
)
SELECT kind, language, files, streams
FROM (SELECT * FROM langs UNION ALL SELECT * FROM counts)
ORDER BY part, files DESC, streams DESC, language;
