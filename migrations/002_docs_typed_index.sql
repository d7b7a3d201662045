-- mediadex catalog schema: migration 2.
--
-- Reports aggregate the typed columns of `docs` over every file. Those columns
-- are VIRTUAL: each read parses the JSON document again, which made a full
-- pass over a million documents cost seconds. This index stores every typed
-- column once, keyed by file_id, and the `media` view now reads `docs` through
-- it (INDEXED BY: the planner does not know that JSON extraction is expensive,
-- so it would not pick the index by itself). Queries on the typed columns read
-- the small index instead of the documents; `doc` itself is still read from
-- the table when a query asks for it. The view's columns do not change.

CREATE INDEX docs_typed ON docs (
    file_id, container, duration_s, bitrate, video_codec, width, height, frame_rate, hdr,
    audio_codec, audio_channels, audio_sample_rate
);

DROP VIEW media;

CREATE VIEW media AS
SELECT f.id, f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns,
       f.status, f.error, f.first_seen, s.last_seen, f.probed_at, f.probe_ms, f.scan_id,
       d.container, d.duration_s, d.bitrate, d.video_codec, d.width, d.height, d.frame_rate,
       d.hdr, d.audio_codec, d.audio_channels, d.audio_sample_rate, d.doc
FROM files f JOIN docs d INDEXED BY docs_typed ON d.file_id = f.id
     JOIN file_seen s ON s.file_id = f.id;
