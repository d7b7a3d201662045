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
--
-- One pass over the `ok` files flags each reason; stream bitrates come from
-- `doc_streams` (see migration 9), and only the truncated files' documents
-- are read, for their declared size.
WITH rated AS (
    SELECT m.id, m.container, m.size, m.duration_s, m.width, m.height, m.frame_rate,
           m.video_streams, m.truncated, sum(s.bitrate) AS stream_bits,
           count(s.file_id) - count(s.bitrate) AS unknown
    FROM media_ok m LEFT JOIN doc_streams s ON s.file_id = m.id AND s.kind IN ('audio', 'video')
    GROUP BY m.id
),
flagged AS MATERIALIZED (
    SELECT id, container, stream_bits * duration_s / 8 AS expected,
           coalesce(duration_s, 0) <= 0 AS no_duration,
           coalesce(video_streams, 0) = 0
               AND container IN ('mkv', 'mp4', 'mov', 'avi', 'webm', 'ts', 'm2ts', 'flv', 'asf', 'mxf', 'mpeg-ps')
               AS no_video,
           duration_s > 0 AND stream_bits > 0 AND size * :factor < stream_bits * duration_s / 8 AS too_small,
           duration_s > 0 AND unknown = 0 AND stream_bits > 0
               AND size > stream_bits * duration_s / 8 * :factor AS too_large,
           video_streams > 0 AND (coalesce(width, 0) <= 0 OR coalesce(height, 0) <= 0) AS no_dimensions,
           video_streams > 0 AND coalesce(frame_rate, 0) <= 0 AS no_frame_rate,
           truncated
    FROM rated
    WHERE coalesce(duration_s, 0) <= 0
       OR coalesce(video_streams, 0) = 0
       OR (duration_s > 0 AND stream_bits > 0
           AND (size * :factor < stream_bits * duration_s / 8 OR size > stream_bits * duration_s / 8 * :factor))
       OR (video_streams > 0 AND (coalesce(width, 0) <= 0 OR coalesce(height, 0) <= 0 OR coalesce(frame_rate, 0) <= 0))
       OR truncated
),
found AS (
    SELECT 1 AS rank, id, 'no duration' AS reason, NULL AS detail FROM flagged WHERE no_duration
    UNION ALL
    SELECT 2, id, 'no video stream', container FROM flagged WHERE no_video
    UNION ALL
    SELECT 3, id, 'size too small', printf('%.0f bytes expected from the streams'' bitrates', expected)
    FROM flagged WHERE too_small
    UNION ALL
    SELECT 4, id, 'size too large', printf('%.0f bytes expected from the streams'' bitrates', expected)
    FROM flagged WHERE too_large
    UNION ALL
    SELECT 5, id, 'no dimensions', NULL FROM flagged WHERE no_dimensions
    UNION ALL
    SELECT 6, id, 'no frame rate', NULL FROM flagged WHERE no_frame_rate
    UNION ALL
    SELECT 7, f.id, 'truncated', (SELECT printf('%d bytes declared', d.doc ->> '$.declared_size')
                                  FROM docs d WHERE d.file_id = f.id AND d.doc ->> '$.declared_size' IS NOT NULL)
    FROM flagged f WHERE truncated
)
SELECT f.reason, m.host, m.path, m.container, m.size, m.duration_s, m.bitrate, f.detail
FROM found f JOIN media m ON m.id = f.id
ORDER BY f.rank, m.host, m.path, m.path_bytes
LIMIT :limit;
