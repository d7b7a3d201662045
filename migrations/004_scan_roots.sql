-- mediadex catalog schema: migration 4.
--
-- Roots that go offline. A scan proves a file is gone only when it walked the
-- file's root completely; an unmounted share (an empty mount point, or another
-- file system mounted in its place) must not mark a library `missing`.
--
-- `roots` keeps, per host and scan root (display text, as in `files.root`), the
-- device id the root had the last time it was walked completely: a root found
-- on another device is offline. `scans.offline` names the roots a scan left
-- alone and why; `scans.unreadable` the directories it could not read (whose
-- files keep their state).

CREATE TABLE roots (
    host          TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    dev           INTEGER NOT NULL,
    walked_at     TEXT    NOT NULL,
    PRIMARY KEY (host, path)
);

ALTER TABLE scans ADD COLUMN offline TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(offline));
ALTER TABLE scans ADD COLUMN unreadable TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(unreadable));
