-- mediadex catalog schema: migration 3.
--
-- Typed columns for the document fields people now filter on: truncation,
-- stream counts, languages (JSON arrays of ISO 639-2 codes, as the document
-- keeps them), video bit depth and interlacing. They join the covering index
-- that `media` reads through (see migration 2), and `streams` gains the new
-- per-stream fields. The names of existing columns do not change.

ALTER TABLE docs ADD COLUMN truncated INTEGER
    GENERATED ALWAYS AS (coalesce(doc ->> '$.truncated', 0)) VIRTUAL;
ALTER TABLE docs ADD COLUMN video_streams INTEGER
    GENERATED ALWAYS AS (doc ->> '$.video_streams') VIRTUAL;
ALTER TABLE docs ADD COLUMN audio_streams INTEGER
    GENERATED ALWAYS AS (doc ->> '$.audio_streams') VIRTUAL;
ALTER TABLE docs ADD COLUMN subtitle_streams INTEGER
    GENERATED ALWAYS AS (doc ->> '$.subtitle_streams') VIRTUAL;
ALTER TABLE docs ADD COLUMN audio_languages TEXT
    GENERATED ALWAYS AS (doc -> '$.audio_languages') VIRTUAL;
ALTER TABLE docs ADD COLUMN subtitle_languages TEXT
    GENERATED ALWAYS AS (doc -> '$.subtitle_languages') VIRTUAL;
ALTER TABLE docs ADD COLUMN bit_depth INTEGER
    GENERATED ALWAYS AS (doc ->> '$.video.bit_depth') VIRTUAL;
ALTER TABLE docs ADD COLUMN interlaced INTEGER
    GENERATED ALWAYS AS (doc ->> '$.video.interlaced') VIRTUAL;

DROP VIEW media;
DROP INDEX docs_typed;

CREATE INDEX docs_typed ON docs (
    file_id, container, duration_s, bitrate, video_codec, width, height, frame_rate, hdr,
    audio_codec, audio_channels, audio_sample_rate, truncated, video_streams, audio_streams,
    subtitle_streams, audio_languages, subtitle_languages, bit_depth, interlaced
);
CREATE INDEX docs_truncated ON docs(truncated) WHERE truncated;

CREATE VIEW media AS
SELECT f.id, f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns,
       f.status, f.error, f.first_seen, s.last_seen, f.probed_at, f.probe_ms, f.scan_id,
       d.container, d.duration_s, d.bitrate, d.video_codec, d.width, d.height, d.frame_rate,
       d.hdr, d.audio_codec, d.audio_channels, d.audio_sample_rate, d.truncated,
       d.video_streams, d.audio_streams, d.subtitle_streams, d.audio_languages,
       d.subtitle_languages, d.bit_depth, d.interlaced, d.doc
FROM files f JOIN docs d INDEXED BY docs_typed ON d.file_id = f.id
     JOIN file_seen s ON s.file_id = f.id;

DROP VIEW streams;

CREATE VIEW streams AS
SELECT f.id                              AS media_id,
       f.host                            AS host,
       f.path                            AS path,
       CAST(s.key AS INTEGER)            AS idx,
       s.value ->> '$.kind'              AS kind,
       s.value ->> '$.codec'             AS codec,
       s.value ->> '$.codec_tag'         AS codec_tag,
       s.value ->> '$.width'             AS width,
       s.value ->> '$.height'            AS height,
       s.value ->> '$.frame_rate'        AS frame_rate,
       s.value ->> '$.field_order'       AS field_order,
       s.value ->> '$.bit_depth'         AS bit_depth,
       s.value ->> '$.channels'          AS channels,
       s.value ->> '$.sample_rate'       AS sample_rate,
       s.value ->> '$.language'          AS language,
       s.value ->> '$.title'             AS title,
       s.value ->> '$.default'           AS is_default,
       s.value ->> '$.forced'            AS is_forced,
       s.value ->> '$.bitrate'           AS bitrate,
       s.value                           AS doc
FROM files f JOIN docs d ON d.file_id = f.id, json_each(d.doc, '$.streams') s;
