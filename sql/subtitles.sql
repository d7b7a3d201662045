-- name: subtitles
-- description: subtitle streams by language, and the `ok` video files with no subtitles or whose audio or subtitle languages are all untagged
--
-- Rows of kind 'language' count subtitle streams and the files that have
-- them per ISO 639-2 language ('(untagged)' for streams without one). The
-- rows after them count files: 'no subtitles' (a video file without a
-- subtitle stream), 'audio untagged' (audio streams, none with a language)
-- and 'subtitles untagged' (subtitle streams, none with a language). Only
-- `ok` files with a video stream count.
--
-- Streams come from `doc_streams` (see migration 9); the file counts from
-- one pass over the typed columns.
WITH v AS (
    SELECT id, audio_streams, subtitle_streams,
           coalesce(json_array_length(audio_languages), 0) AS audio_tagged,
           coalesce(json_array_length(subtitle_languages), 0) AS subtitle_tagged
    FROM media_ok
    WHERE video_streams > 0
),
langs AS (
    SELECT 1 AS part, 'language' AS kind, coalesce(s.language, '(untagged)') AS language,
           count(DISTINCT s.file_id) AS files, count(*) AS streams
    FROM doc_streams s
    WHERE s.kind = 'subtitle' AND s.file_id IN (SELECT id FROM v)
    GROUP BY 3
),
totals AS MATERIALIZED (
    SELECT count(*) FILTER (WHERE coalesce(subtitle_streams, 0) = 0)              AS no_subtitles,
           count(*) FILTER (WHERE audio_streams > 0 AND audio_tagged = 0)          AS audio_files,
           coalesce(sum(audio_streams) FILTER (WHERE audio_streams > 0 AND audio_tagged = 0), 0)
                                                                                   AS audio_streams,
           count(*) FILTER (WHERE subtitle_streams > 0 AND subtitle_tagged = 0)    AS subtitle_files,
           coalesce(sum(subtitle_streams) FILTER (WHERE subtitle_streams > 0 AND subtitle_tagged = 0), 0)
                                                                                   AS subtitle_streams
    FROM v
),
counts AS (
    SELECT 2 AS part, 'no subtitles' AS kind, NULL AS language, no_subtitles AS files, 0 AS streams
    FROM totals
    UNION ALL
    SELECT 3, 'audio untagged', NULL, audio_files, audio_streams FROM totals
    UNION ALL
    SELECT 4, 'subtitles untagged', NULL, subtitle_files, subtitle_streams FROM totals
)
SELECT kind, language, files, streams
FROM (SELECT * FROM langs UNION ALL SELECT * FROM counts)
ORDER BY part, files DESC, streams DESC, language;
