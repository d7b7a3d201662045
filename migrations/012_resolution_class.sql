-- mediadex catalog schema: migration 12.
--
-- `resolution_class` in `media` and `media_ok`: the resolution ladder of the
-- first video stream, spelled once here and read by the `resolutions`,
-- `quality-tiers`, `savings` and `bitrate-outliers` reports and by the
-- history's breakdown by resolution.
--
-- The rule: a class is reached by the long side or the short side, whichever
-- gets there first, so cropped widescreen (1920x800) and portrait (1080x1920)
-- video land where people expect them; a file without a width or a height
-- (no video stream) has no class (NULL), and each reader says how it names
-- that (`(no video)` in a breakdown).

DROP VIEW media;

CREATE VIEW media AS
SELECT f.id, f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns,
       f.status, f.error, f.first_seen, s.last_seen, f.probed_at, f.probe_ms, f.scan_id,
       d.container, d.duration_s, d.bitrate, d.video_codec, d.width, d.height, d.frame_rate,
       d.hdr, d.audio_codec, d.audio_channels, d.audio_sample_rate, d.truncated,
       d.video_streams, d.audio_streams, d.subtitle_streams, d.audio_languages,
       d.subtitle_languages, d.bit_depth, d.interlaced, d.doc,
       CASE
           WHEN d.width IS NULL OR d.height IS NULL THEN NULL
           WHEN max(d.width, d.height) >= 6800 OR min(d.width, d.height) >= 4000 THEN '8K'
           WHEN max(d.width, d.height) >= 3400 OR min(d.width, d.height) >= 2000 THEN '4K'
           WHEN max(d.width, d.height) >= 2400 OR min(d.width, d.height) >= 1400 THEN '1440p'
           WHEN max(d.width, d.height) >= 1800 OR min(d.width, d.height) >= 1000 THEN '1080p'
           WHEN max(d.width, d.height) >= 1200 OR min(d.width, d.height) >= 700  THEN '720p'
           ELSE 'SD'
       END AS resolution_class
FROM files f JOIN docs d INDEXED BY docs_typed ON d.file_id = f.id
     JOIN file_seen s ON s.file_id = f.id;

DROP VIEW media_ok;

-- The same class, in the same words, for the view of `ok` files (see migration
-- 11 for why it is a view of its own).
CREATE VIEW media_ok AS
SELECT f.id, f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns,
       f.status, f.error, f.first_seen, s.last_seen, f.probed_at, f.probe_ms, f.scan_id,
       d.container, d.duration_s, d.bitrate, d.video_codec, d.width, d.height, d.frame_rate,
       d.hdr, d.audio_codec, d.audio_channels, d.audio_sample_rate, d.truncated,
       d.video_streams, d.audio_streams, d.subtitle_streams, d.audio_languages,
       d.subtitle_languages, d.bit_depth, d.interlaced, d.doc,
       CASE
           WHEN d.width IS NULL OR d.height IS NULL THEN NULL
           WHEN max(d.width, d.height) >= 6800 OR min(d.width, d.height) >= 4000 THEN '8K'
           WHEN max(d.width, d.height) >= 3400 OR min(d.width, d.height) >= 2000 THEN '4K'
           WHEN max(d.width, d.height) >= 2400 OR min(d.width, d.height) >= 1400 THEN '1440p'
           WHEN max(d.width, d.height) >= 1800 OR min(d.width, d.height) >= 1000 THEN '1080p'
           WHEN max(d.width, d.height) >= 1200 OR min(d.width, d.height) >= 700  THEN '720p'
           ELSE 'SD'
       END AS resolution_class
FROM docs d INDEXED BY docs_typed
     CROSS JOIN files f ON f.id = d.file_id
     CROSS JOIN file_seen s ON s.file_id = f.id
WHERE f.status = 'ok';
