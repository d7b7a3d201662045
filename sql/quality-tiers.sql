-- name: quality-tiers
-- description: a quality score per `ok` video file from resolution, bits per pixel weighted by codec efficiency, bit depth, HDR and audio channels; tier counts, then the files most worth upgrading
-- param: upgrade_below: real = 45 -- files scoring under this (the poor tier) are upgrade candidates
-- param: limit: integer = 200 -- at most this many candidates, the lowest score (then the largest file) first
--
-- score = resolution + encoding + extras, 0 to 100, calibrated on what
-- people keep: a 1080p H.264 web or Blu-ray rip at 5-10 Mb/s is good, a
-- 4K HEVC HDR remux excellent, a DVD fair, a low-bitrate SD file poor.
--   resolution  SD 5, 720p 25, 1080p 35, 1440p 38, 4K 42, 8K 45
--   encoding    0 to 35 from the video's bits per pixel per frame (bpp = the
--               container's bitrate less its audio streams', over width x
--               height x frame rate, the frame rate counted up to 30: faster
--               video needs fewer bits per frame), times the codec's
--               efficiency against H.264: vvc 2.2, av1 1.9, hevc 1.5, vp9 1.4,
--               h264 1, vp8, vc1 and wmv3 0.9, mpeg4, msmpeg4 and flv1 0.65,
--               theora 0.6, mpeg2video 0.5, h263 and mpeg1video 0.45, mjpeg 0.2,
--               anything else 0.5:
--                 0.10 and up 35, 0.07 30, 0.05 24, 0.035 17, 0.02 10, less 4;
--               an intra or lossless master (prores, dnxhd, ffv1, rawvideo,
--               huffyuv, utvideo, v210) 35; no bitrate or frame rate known 17
--   extras      10 bits or more 5, any HDR kind 5; audio: more than 2
--               channels 10, stereo 8, mono 4, none 0
-- Tiers: excellent (85 and up), good (65), fair (45), poor (below 45).
-- Examples:
--   4K HEVC 10-bit HDR10 5.1 at 20 Mb/s, 24 fps: bpp 0.10 x 1.5      42+35+5+5+10 = 97 excellent
--   1080p H.264 8-bit stereo at 8 Mb/s, 24 fps: bpp 0.16            35+35+8      = 78 good
--   1080p H.264 stereo at 2 Mb/s, 25 fps: bpp 0.039                 35+17+8      = 60 fair
--   720p H.264 stereo at 3 Mb/s, 30 fps: bpp 0.11                   25+35+8      = 68 good
--   DVD: 720x480 MPEG-2 stereo at 6 Mb/s, 29.97 fps: 0.58 x 0.5     5+35+8       = 48 fair
--   480p MPEG-2 stereo at 1 Mb/s, 29.97 fps: 0.097 x 0.5 = 0.048   5+17+8       = 30 poor
--   SD MPEG-4 (Xvid) stereo at 1 Mb/s, 640x272, 25 fps: 0.23 x 0.65 5+35+8       = 48 fair
-- Rows of section 'tier' count files, hours and bytes per tier (every tier,
-- best first); rows of section 'upgrade' are the candidates, with a profile
-- such as "SD SDR mpeg2video 8-bit 2ch 0.048bpp" (the efficiency-weighted bpp).
WITH v AS (
    SELECT m.id, m.host, m.path, m.path_bytes, m.size, m.duration_s, m.video_codec, m.bit_depth,
           m.hdr, m.audio_channels, m.width, m.height, m.frame_rate,
           -- The `resolution_class` column; a video without dimensions scores as SD.
           coalesce(m.resolution_class, 'SD') AS resolution,
           -- The video's share of the bitrate: the audio streams' taken off
           -- where they state one, never below half the whole.
           max(m.bitrate - coalesce((SELECT sum(s.bitrate) FROM doc_streams s
                                     WHERE s.file_id = m.id AND s.kind = 'audio'), 0),
               m.bitrate / 2) AS video_bitrate
    FROM media_ok m
    WHERE m.video_codec IS NOT NULL
),
weighed AS (
    SELECT v.*,
           video_codec IN ('prores', 'dnxhd', 'ffv1', 'rawvideo', 'huffyuv', 'utvideo', 'v210')
               AS master,
           video_bitrate * 1.0 / (width * height * min(frame_rate, 30))
           * CASE WHEN video_codec = 'vvc' THEN 2.2 WHEN video_codec = 'av1' THEN 1.9
                  WHEN video_codec = 'hevc' THEN 1.5 WHEN video_codec = 'vp9' THEN 1.4
                  WHEN video_codec = 'h264' THEN 1.0
                  WHEN video_codec IN ('vp8', 'vc1', 'wmv3') THEN 0.9
                  WHEN video_codec IN ('mpeg4', 'msmpeg4v3', 'msmpeg4v2', 'flv1') THEN 0.65
                  WHEN video_codec = 'theora' THEN 0.6 WHEN video_codec = 'mpeg2video' THEN 0.5
                  WHEN video_codec IN ('h263', 'mpeg1video') THEN 0.45
                  WHEN video_codec = 'mjpeg' THEN 0.2 ELSE 0.5 END AS bpp
    FROM v
),
scored AS (
    SELECT w.*,
           CASE resolution WHEN '8K' THEN 45 WHEN '4K' THEN 42 WHEN '1440p' THEN 38
                           WHEN '1080p' THEN 35 WHEN '720p' THEN 25 ELSE 5 END
           + CASE WHEN master THEN 35 WHEN bpp IS NULL OR bpp <= 0 THEN 17
                  WHEN bpp >= 0.10 THEN 35 WHEN bpp >= 0.07 THEN 30 WHEN bpp >= 0.05 THEN 24
                  WHEN bpp >= 0.035 THEN 17 WHEN bpp >= 0.02 THEN 10 ELSE 4 END
           + CASE WHEN bit_depth >= 10 THEN 5 ELSE 0 END
           + CASE WHEN hdr IS NOT NULL THEN 5 ELSE 0 END
           + CASE WHEN audio_channels > 2 THEN 10 WHEN audio_channels = 2 THEN 8
                  WHEN audio_channels = 1 THEN 4 ELSE 0 END AS score
    FROM weighed w
),
-- A tier is the best one whose floor the score reaches.
tiers (tier, rank, floor) AS (VALUES ('excellent', 1, 85), ('good', 2, 65), ('fair', 3, 45),
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
               || CASE WHEN master THEN ' master'
                       ELSE coalesce(' ' || round(bpp, 3) || 'bpp', '') END
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
