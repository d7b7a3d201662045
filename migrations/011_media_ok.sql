-- mediadex catalog schema: migration 11.
--
-- `media_ok`: the rows of `media` whose status is `ok`, the view for
-- questions about the whole library (every bundled breakdown reads it).
--
-- Why a view of its own: given `WHERE status = 'ok'`, SQLite takes the filter
-- for a selective one and reads `files` first, then finds each file's typed
-- columns in `docs_typed` by a search from the top of that index. Nearly every
-- file is `ok`, so reading `docs_typed` in order and each file's row by its id
-- is twice as fast: 0.32 s against 0.65 s for a count and a sum over a million
-- files. CROSS JOIN fixes that order. `media` keeps the planner's choice, which
-- is the right one for a lookup by path or host.

CREATE VIEW media_ok AS
SELECT f.id, f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns,
       f.status, f.error, f.first_seen, s.last_seen, f.probed_at, f.probe_ms, f.scan_id,
       d.container, d.duration_s, d.bitrate, d.video_codec, d.width, d.height, d.frame_rate,
       d.hdr, d.audio_codec, d.audio_channels, d.audio_sample_rate, d.truncated,
       d.video_streams, d.audio_streams, d.subtitle_streams, d.audio_languages,
       d.subtitle_languages, d.bit_depth, d.interlaced, d.doc
FROM docs d INDEXED BY docs_typed
     CROSS JOIN files f ON f.id = d.file_id
     CROSS JOIN file_seen s ON s.file_id = f.id
WHERE f.status = 'ok';
