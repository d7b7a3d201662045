-- name: quality-tiers
-- description: a quality score per `ok` video file from resolution, codec generation, bit depth, HDR and audio channels; tier counts, then the files most worth upgrading
-- param: upgrade_below: real = 50 -- files scoring under this are upgrade candidates
-- param: limit: integer = 200 -- at most this many candidates, the lowest score (then the largest file) first
--
-- score = resolution + codec + depth + hdr + audio, 0 to 100:
--   resolution  SD 10, 720p 20, 1080p 30, 1440p 35, 4K 40, 8K 45
--   codec       av1, vvc 25; hevc, vp9 and mezzanine codecs (prores, dnxhd,
--               ffv1, rawvideo) 20; h264, vp8, vc1 10; older ones 0
--   depth       10 bits or more 10
--   hdr         any HDR kind 10
--   audio       more than 2 channels 10, stereo 5, mono or none 0
-- Tiers: excellent (80 and up), good (60), fair (40), poor (below 40).
-- Rows of section 'tier' count files, hours and bytes per tier (every tier,
-- best first); rows of section 'upgrade' are the candidates, with a profile
-- such as "1080p SDR h264 8-bit 2ch".
WITH v AS (
    SELECT id, host, path, path_bytes, size, duration_s, video_codec, bit_depth, hdr, audio_channels,
           -- The `resolution_class` column; a video without dimensions scores as SD.
           coalesce(resolution_class, 'SD') AS resolution
    FROM media_ok
    WHERE video_codec IS NOT NULL
),
scored AS (
    SELECT v.*,
           CASE resolution WHEN '8K' THEN 45 WHEN '4K' THEN 40 WHEN '1440p' THEN 35
                           WHEN '1080p' THEN 30 WHEN '720p' THEN 20 ELSE 10 END
           + CASE WHEN video_codec IN ('av1', 'vvc') THEN 25
                  WHEN video_codec IN ('hevc', 'vp9', 'prores', 'dnxhd', 'ffv1', 'rawvideo') THEN 20
                  WHEN video_codec IN ('h264', 'vp8', 'vc1') THEN 10 ELSE 0 END
           + CASE WHEN bit_depth >= 10 THEN 10 ELSE 0 END
           + CASE WHEN hdr IS NOT NULL THEN 10 ELSE 0 END
           + CASE WHEN audio_channels > 2 THEN 10 WHEN audio_channels = 2 THEN 5 ELSE 0 END AS score
    FROM v
),
-- A tier is the best one whose floor the score reaches.
tiers (tier, rank, floor) AS (VALUES ('excellent', 1, 80), ('good', 2, 60), ('fair', 3, 40),
                                     ('poor', 4, -1)),
-- Files are counted per score in one pass (a score has a handful of values),
-- then the scores per tier, and every tier is listed (empty ones too).
by_score AS MATERIALIZED (
    SELECT score, count(*) AS files, sum(duration_s) AS seconds, sum(size) AS bytes
    FROM scored
    GROUP BY score
),
counted AS (
    SELECT (SELECT tier FROM tiers WHERE score >= floor ORDER BY floor DESC LIMIT 1) AS tier,
           sum(files) AS files, sum(seconds) AS seconds, sum(bytes) AS bytes
    FROM by_score
    GROUP BY 1
),
rows AS (
    SELECT 0 AS part, t.rank, 'tier' AS section, t.tier, coalesce(c.files, 0) AS files,
           round(coalesce(c.seconds, 0) / 3600.0, 2) AS hours, coalesce(c.bytes, 0) AS bytes,
           NULL AS host, NULL AS path, NULL AS path_bytes, NULL AS score, NULL AS profile
    FROM tiers t LEFT JOIN counted c ON c.tier = t.tier
    UNION ALL
    SELECT 1, score, 'upgrade',
           (SELECT tier FROM tiers WHERE score >= floor ORDER BY floor DESC LIMIT 1),
           1, round(coalesce(duration_s, 0) / 3600.0, 2), size, host, path, path_bytes, score,
           resolution || ' ' || coalesce(hdr, 'SDR') || ' ' || video_codec
               || coalesce(' ' || bit_depth || '-bit', '')
               || coalesce(' ' || audio_channels || 'ch', ' no audio')
    FROM (
        SELECT * FROM scored
        WHERE score < :upgrade_below
        ORDER BY score, size DESC, host, path, path_bytes
        LIMIT :limit
    )
)
SELECT section, tier, files, hours, bytes, host, path, score, profile
FROM rows
ORDER BY part, rank, bytes DESC, host, path, path_bytes;
