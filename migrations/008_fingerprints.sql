-- mediadex catalog schema: migration 8.
--
-- Content fingerprints (`mediadex fingerprint`) and the similar pairs the
-- matcher finds among them.
--
-- `fingerprints`: one row per file looked at, with the (size, mtime) and
-- recipe `version` it was fingerprinted at: a file is fingerprinted again only
-- when one of them changes. `status` is a scan status, or `skipped` for a file
-- the catalog knows has no video stream. `similar_group` is the smallest file
-- id of the file's connected component of pairs (stable for the same catalog).
-- `fingerprint_frames`: the sampled keyframes, at their real stream time, with
-- the 64-bit pHash (as a signed integer) and a quality in 0..1 (black, flat and
-- fade frames near 0 are kept but not matched).
-- `similar_pairs`: a < b by file id; `relation` is a's view of b: b's time =
-- speed * a's time + offset_s; coverage_* is the share of each file's duration
-- that the alignment covers; score the share of its frames there that agree.

CREATE TABLE fingerprints (
    file_id        INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    size           INTEGER,
    mtime_ns       INTEGER,
    status         TEXT    NOT NULL
                   CHECK (status IN ('ok', 'error', 'timeout', 'crashed', 'unsupported', 'unstable', 'missing', 'skipped')),
    error          TEXT,
    duration_s     REAL,
    frames         INTEGER NOT NULL DEFAULT 0,
    fingerprinted_at TEXT  NOT NULL,
    ms             REAL,
    similar_group  INTEGER
);
CREATE INDEX fingerprints_group ON fingerprints(similar_group) WHERE similar_group IS NOT NULL;

CREATE TABLE fingerprint_frames (
    file_id        INTEGER NOT NULL REFERENCES fingerprints(file_id) ON DELETE CASCADE,
    t_ms           INTEGER NOT NULL,
    hash           INTEGER NOT NULL,
    quality        REAL    NOT NULL,
    PRIMARY KEY (file_id, t_ms)
) WITHOUT ROWID;

CREATE TABLE similar_pairs (
    a              INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    b              INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    relation       TEXT    NOT NULL CHECK (relation IN ('duplicate', 'contains', 'contained-in', 'overlap')),
    offset_s       REAL    NOT NULL,
    speed          REAL    NOT NULL,
    coverage_a     REAL    NOT NULL,
    coverage_b     REAL    NOT NULL,
    score          REAL    NOT NULL,
    votes          INTEGER NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
);
CREATE INDEX similar_pairs_b ON similar_pairs(b);
