-- name: suspicious
-- description: files that probed `ok` but look wrong: no duration, no video in a video container, a size far from the streams' bitrates, no dimensions or frame rate, truncated
-- param: factor: real = 2 -- a size counts as far off when it is this many times below or above the streams' bitrates x duration
-- param: limit: integer = 1000 -- at most this many rows
--
-- One row per file and reason:
--   no duration       no duration, or zero
--   no video stream   a container that is made for video (mkv, mp4, mov,
--                     avi, webm, ts, m2ts, flv, asf, mxf, mpeg-ps) holds none
--   size too small    the file is `factor` times smaller than the sum of its
--                     streams' bitrates x duration (streams without a bitrate
--                     count nothing, so this is a lower bound)
--   size too large    `factor` times larger, when every audio and video
--                     stream states a bitrate
--   no dimensions     a video stream without width or height
--   no frame rate     a video stream without a frame rate (also variable rate)
--   truncated         the file ends before the data its headers point to
WITH ok AS (
    SELECT id, host, path, path_bytes, container, size, duration_s, bitrate, width, height,
           frame_rate, video_streams, truncated, doc ->> '$.declared_size' AS declared_size
    FROM media
    WHERE status = 'ok'
),
rates AS (
    SELECT media_id AS id, sum(bitrate) AS stream_bits,
           count(*) FILTER (WHERE kind IN ('audio', 'video') AND bitrate IS NULL) AS unknown
    FROM streams
    WHERE media_id IN (SELECT id FROM ok) AND kind IN ('audio', 'video')
    GROUP BY media_id
),
found AS (
    SELECT 1 AS rank, id, 'no duration' AS reason, NULL AS detail FROM ok
    WHERE coalesce(duration_s, 0) <= 0
    UNION ALL
    SELECT 2, id, 'no video stream', container FROM ok
    WHERE coalesce(video_streams, 0) = 0
      AND container IN ('mkv', 'mp4', 'mov', 'avi', 'webm', 'ts', 'm2ts', 'flv', 'asf', 'mxf', 'mpeg-ps')
    UNION ALL
    SELECT 3, ok.id, 'size too small',
           printf('%.0f bytes expected from the streams'' bitrates', r.stream_bits * ok.duration_s / 8)
    FROM ok JOIN rates r ON r.id = ok.id
    WHERE ok.duration_s > 0 AND r.stream_bits > 0 AND ok.size * :factor < r.stream_bits * ok.duration_s / 8
    UNION ALL
    SELECT 4, ok.id, 'size too large',
           printf('%.0f bytes expected from the streams'' bitrates', r.stream_bits * ok.duration_s / 8)
    FROM ok JOIN rates r ON r.id = ok.id
    WHERE ok.duration_s > 0 AND r.unknown = 0 AND r.stream_bits > 0
      AND ok.size > r.stream_bits * ok.duration_s / 8 * :factor
    UNION ALL
    SELECT 5, id, 'no dimensions', NULL FROM ok
    WHERE video_streams > 0 AND (coalesce(width, 0) <= 0 OR coalesce(height, 0) <= 0)
    UNION ALL
    SELECT 6, id, 'no frame rate', NULL FROM ok
    WHERE video_streams > 0 AND coalesce(frame_rate, 0) <= 0
    UNION ALL
    SELECT 7, id, 'truncated', CASE WHEN declared_size IS NOT NULL
                                    THEN printf('%d bytes declared', declared_size) END FROM ok
    WHERE truncated
)
SELECT f.reason, m.host, m.path, m.container, m.size, m.duration_s, m.bitrate, f.detail
FROM found f JOIN media m ON m.id = f.id
ORDER BY f.rank, m.host, m.path, m.path_bytes
LIMIT :limit;
