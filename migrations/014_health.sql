-- mediadex catalog schema: migration 14.
--
-- `health`: the integrity check of a file (`mediadex verify`), one row per
-- file checked, with the (size, mtime) it was checked at and the `level` it
-- reached ('quick' < 'keyframes' < 'full'): a file is checked again when it
-- changes or a deeper level is asked.
-- `status` is how the check ran (a scan status: 'ok', or 'timeout',
-- 'crashed', ... when the check itself failed). `health` is the verdict:
-- 'clean' (nothing wrong found at that level), 'damaged' (read with
-- errors), 'unreadable' (nothing of it plays); NULL when the check could not
-- reach one (a timeout, a file that changed while read).
-- `class` is the first kind of damage ('truncated', 'unreadable packets',
-- 'checksum mismatch', 'lost packets', 'timestamp gap', 'decode errors',
-- 'unreadable'), `first_error_s` its stream time, `errors` how many were
-- counted, `affected_share` the share of the duration they touch (0..1),
-- `detail` the first error in words.

CREATE TABLE health (
    file_id        INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    size           INTEGER,
    mtime_ns       INTEGER,
    level          TEXT    NOT NULL CHECK (level IN ('quick', 'keyframes', 'full')),
    status         TEXT    NOT NULL
                   CHECK (status IN ('ok', 'error', 'timeout', 'crashed', 'unsupported', 'unstable', 'missing')),
    health         TEXT    CHECK (health IN ('clean', 'damaged', 'unreadable')),
    class          TEXT,
    first_error_s  REAL,
    errors         INTEGER NOT NULL DEFAULT 0,
    affected_share REAL,
    detail         TEXT,
    checked_at     TEXT    NOT NULL,
    ms             REAL
);
CREATE INDEX health_verdict ON health(health);
