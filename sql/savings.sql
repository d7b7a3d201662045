-- name: savings
-- description: estimated size of every video re-encoded to `target` (hevc or av1), per-file savings, and the total now and after, first row
-- param: target: text in (hevc, av1) = hevc -- the codec family to re-encode to
-- param: bpp: real = 0 -- bits per pixel per frame of the new video for every class (0: the target's table below)
-- param: gib_per_hour: real = 0 -- GiB per hour of the new video for every file, overriding bpp (0: unused)
-- param: audio_kbps: real = 160 -- kbit/s the audio is counted at after the re-encode (files with audio)
-- param: limit: integer = 1000 -- at most this many files, the largest savings first
--
-- The new size of a file is (video bits + audio bits) x duration / 8, where
-- the video gets width x height x frame rate x bpp bits per second. The
-- default bpp depends on the resolution class (small pictures need more bits
-- per pixel) and the target:
--     class   SD     720p   1080p  1440p  4K     8K
--     hevc    0.090  0.075  0.060  0.050  0.040  0.030
--     av1     0.070  0.056  0.045  0.038  0.030  0.023
-- A file already in the target's generation or a newer one (hevc, vp9 for
-- hevc; av1, vvc for either), or whose estimate is not smaller, keeps its
-- size. The first row, scope 'all', holds the totals over every `ok` video
-- file with a duration; the rows after it are the files that would shrink.
WITH v AS (
    SELECT id, host, path, path_bytes, video_codec, size, duration_s, width, height, frame_rate,
           audio_streams,
           resolution_class AS resolution,
           video_codec IN ('av1', 'vvc')
               OR (lower(:target) = 'hevc' AND video_codec IN ('hevc', 'vp9')) AS current
    FROM media_ok
    WHERE video_codec IS NOT NULL AND size > 0 AND duration_s > 0
      AND width > 0 AND height > 0 AND frame_rate > 0 AND lower(:target) IN ('hevc', 'av1')
),
rated AS (
    SELECT v.*,
           CASE
               WHEN :bpp > 0 THEN :bpp
               WHEN lower(:target) = 'av1' THEN CASE resolution
                   WHEN 'SD' THEN 0.070 WHEN '720p' THEN 0.056 WHEN '1080p' THEN 0.045
                   WHEN '1440p' THEN 0.038 WHEN '4K' THEN 0.030 ELSE 0.023 END
               ELSE CASE resolution
                   WHEN 'SD' THEN 0.090 WHEN '720p' THEN 0.075 WHEN '1080p' THEN 0.060
                   WHEN '1440p' THEN 0.050 WHEN '4K' THEN 0.040 ELSE 0.030 END
           END AS new_bpp
    FROM v
),
estimated AS (
    SELECT rated.*,
           CAST(CASE
               WHEN current THEN size
               ELSE min(size, (CASE
                       WHEN :gib_per_hour > 0 THEN :gib_per_hour * 1073741824.0 * 8 / 3600
                       ELSE width * height * frame_rate * new_bpp
                   END + CASE WHEN audio_streams > 0 THEN :audio_kbps * 1000.0 ELSE 0 END)
                   * duration_s / 8)
           END AS INTEGER) AS estimated_bytes
    FROM rated
),
rows AS (
    SELECT 0 AS part, 'all' AS scope, NULL AS host, NULL AS path, NULL AS path_bytes,
           NULL AS video_codec, NULL AS resolution, count(*) AS files,
           coalesce(sum(size), 0) AS bytes, coalesce(sum(estimated_bytes), 0) AS estimated_bytes
    FROM estimated
    UNION ALL
    SELECT * FROM (
        SELECT 1, 'file', host, path, path_bytes, video_codec, resolution, 1, size, estimated_bytes
        FROM estimated
        WHERE estimated_bytes < size
        ORDER BY size - estimated_bytes DESC, host, path, path_bytes
        LIMIT :limit
    )
)
SELECT scope, host, path, video_codec, resolution, files, bytes, estimated_bytes,
       bytes - estimated_bytes                                      AS saved_bytes,
       round(CASE WHEN bytes > 0 THEN (bytes - estimated_bytes) * 1.0 / bytes ELSE 0 END, 4) AS saved_share
FROM rows
ORDER BY part, saved_bytes DESC, host, path, path_bytes;
