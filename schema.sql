-- mediadex catalog schema: migration 1.
--
-- Names users write SQL against are stable: the view `media` (one row per scanned
-- file), the table `recordings`, the table `scans` and the view `streams`.
--
-- File-system state lives in the table `files`, the JSON documents in `docs`, and
-- the time each file was last seen in the narrow `file_seen`: a no-change rescan,
-- which touches `last_seen` on every file, then rewrites a few bytes per file
-- instead of whole rows and documents.
--
-- This is the schema as it was first released; the numbered files in
-- migrations/ change it (002 redefines `media` to read `docs` through an
-- index, 003 adds typed columns to it and to `streams`, …). The schema after
-- every migration, as SQLite stores it, is the snapshot
-- tests/suite/snapshots/cli__suite__catalog__schema_after_migrations.snap.

CREATE TABLE scans (
    id            INTEGER PRIMARY KEY,
    host          TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    status        TEXT    NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
    roots         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(roots)),
    seen          INTEGER NOT NULL DEFAULT 0,
    new           INTEGER NOT NULL DEFAULT 0,
    changed       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    missing       INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    probed        INTEGER NOT NULL DEFAULT 0,
    elapsed_s     REAL
);

CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    host          TEXT    NOT NULL,
    path          TEXT    NOT NULL,          -- display text (invalid UTF-8 shown as \xNN)
    path_bytes    BLOB    NOT NULL,          -- the exact bytes of the name
    root          TEXT    NOT NULL,          -- the scan root the file was found under
    dev           INTEGER,
    ino           INTEGER,
    size          INTEGER,
    mtime_ns      INTEGER,
    status        TEXT    NOT NULL
                  CHECK (status IN ('ok', 'error', 'timeout', 'crashed', 'unsupported', 'unstable', 'missing')),
    error         TEXT,
    first_seen    TEXT    NOT NULL,
    probed_at     TEXT,
    probe_ms      REAL,
    scan_id       INTEGER REFERENCES scans(id) ON DELETE SET NULL,
    UNIQUE (host, path_bytes)
);
CREATE INDEX files_status ON files(status);
CREATE INDEX files_path ON files(path);
CREATE INDEX files_scan ON files(scan_id);

CREATE TABLE file_seen (
    file_id       INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    last_seen     TEXT    NOT NULL
);

CREATE TABLE docs (
    file_id           INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    doc               TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(doc)),
    container         TEXT    GENERATED ALWAYS AS (doc ->> '$.container') VIRTUAL,
    duration_s        REAL    GENERATED ALWAYS AS (doc ->> '$.duration_s') VIRTUAL,
    bitrate           INTEGER GENERATED ALWAYS AS (doc ->> '$.bitrate') VIRTUAL,
    video_codec       TEXT    GENERATED ALWAYS AS (doc ->> '$.video.codec') VIRTUAL,
    width             INTEGER GENERATED ALWAYS AS (doc ->> '$.video.width') VIRTUAL,
    height            INTEGER GENERATED ALWAYS AS (doc ->> '$.video.height') VIRTUAL,
    frame_rate        REAL    GENERATED ALWAYS AS (doc ->> '$.video.frame_rate') VIRTUAL,
    hdr               TEXT    GENERATED ALWAYS AS (doc ->> '$.video.hdr') VIRTUAL,
    audio_codec       TEXT    GENERATED ALWAYS AS (doc ->> '$.audio.codec') VIRTUAL,
    audio_channels    INTEGER GENERATED ALWAYS AS (doc ->> '$.audio.channels') VIRTUAL,
    audio_sample_rate INTEGER GENERATED ALWAYS AS (doc ->> '$.audio.sample_rate') VIRTUAL
);
CREATE INDEX docs_container      ON docs(container);
CREATE INDEX docs_duration       ON docs(duration_s);
CREATE INDEX docs_video_codec    ON docs(video_codec);
CREATE INDEX docs_resolution     ON docs(width, height);
CREATE INDEX docs_frame_rate     ON docs(frame_rate);
CREATE INDEX docs_audio_codec    ON docs(audio_codec);
CREATE INDEX docs_audio_channels ON docs(audio_channels);

CREATE VIEW media AS
SELECT f.id, f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns,
       f.status, f.error, f.first_seen, s.last_seen, f.probed_at, f.probe_ms, f.scan_id,
       d.container, d.duration_s, d.bitrate, d.video_codec, d.width, d.height, d.frame_rate,
       d.hdr, d.audio_codec, d.audio_channels, d.audio_sample_rate, d.doc
FROM files f JOIN docs d ON d.file_id = f.id JOIN file_seen s ON s.file_id = f.id;

CREATE VIEW streams AS
SELECT f.id                              AS media_id,
       f.host                            AS host,
       f.path                            AS path,
       CAST(s.key AS INTEGER)            AS idx,
       s.value ->> '$.kind'              AS kind,
       s.value ->> '$.codec'             AS codec,
       s.value ->> '$.width'             AS width,
       s.value ->> '$.height'            AS height,
       s.value ->> '$.frame_rate'        AS frame_rate,
       s.value ->> '$.channels'          AS channels,
       s.value ->> '$.sample_rate'       AS sample_rate,
       s.value ->> '$.language'          AS language,
       s.value ->> '$.bitrate'           AS bitrate,
       s.value                           AS doc
FROM files f JOIN docs d ON d.file_id = f.id, json_each(d.doc, '$.streams') s;

CREATE TABLE recordings (
    id            INTEGER PRIMARY KEY,
    host          TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    path_bytes    BLOB    NOT NULL,
    status        TEXT    NOT NULL
                  CHECK (status IN ('recording', 'complete', 'recovered', 'failed')),
    device        TEXT,
    started_at    TEXT    NOT NULL,
    ended_at      TEXT,
    frames        INTEGER NOT NULL DEFAULT 0,
    seconds       REAL    NOT NULL DEFAULT 0,
    rate          INTEGER NOT NULL,
    channels      INTEGER NOT NULL,
    format        TEXT    NOT NULL CHECK (format IN ('s16', 's24', 'f32')),
    label         TEXT,
    doc           TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(doc)),
    UNIQUE (host, path_bytes)
);
CREATE INDEX recordings_status  ON recordings(status);
CREATE INDEX recordings_started ON recordings(started_at);
