-- mediadex catalog schema: migration 7.
--
-- History that survives deletions: `export` writes one row per UTC day with
-- the catalog's totals as it saw them (the day's last export replaces the
-- row), so growth can be told after files are gone. by_status, by_codec and
-- by_resolution are JSON objects mapping each status, video codec and
-- resolution class to {"files": N, "bytes": N}.

CREATE TABLE history (
    day           TEXT    PRIMARY KEY,          -- YYYY-MM-DD, UTC
    files         INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    seconds       REAL    NOT NULL,
    by_status     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(by_status)),
    by_codec      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(by_codec)),
    by_resolution TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(by_resolution))
);
