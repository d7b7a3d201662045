-- mediadex catalog schema: migration 17.
--
-- `dedupe_actions`: the journal of `mediadex dedupe apply` and `undo`, one
-- row per file a plan removes, written before the file is touched: `state`
-- is 'acting' while the move, link or deletion is under way (a rerun after a
-- kill looks at the disk and finishes it), 'done' after, 'undoing' and
-- 'undone' for `dedupe undo`. `plan_id` names the plan (its `id`); the file
-- is (host, path_bytes) and, while its row exists, `file_id`; `keep_bytes`
-- is the kept copy's path; `target` the file's place in the quarantine
-- directory (a move); `size`, `mtime_ns` and `sampled` (sixteen sampled
-- blocks, see the `sampled` module) are the file as planned, and
-- `identical` says whether its bytes were those of the kept copy, the
-- condition for restoring a linked or deleted file from it.
-- `prior_status` is the row's status before the action, given back by undo.
--
-- `not_duplicates`: "not the same video" (`mediadex dedupe ignore A B`),
-- remembered by the content of the two files (their sampled hashes, `a` <
-- `b`), so that it holds after moves and dump/load merges; the paths are
-- those the decision was made on, for people to read.

CREATE TABLE dedupe_actions (
    plan_id        TEXT    NOT NULL,
    host           TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    path_bytes     BLOB    NOT NULL,
    file_id        INTEGER REFERENCES files(id) ON DELETE SET NULL,
    keep_bytes     BLOB    NOT NULL,
    action         TEXT    NOT NULL CHECK (action IN ('move', 'hardlink', 'delete')),
    target         BLOB,
    state          TEXT    NOT NULL CHECK (state IN ('acting', 'done', 'undoing', 'undone')),
    size           INTEGER NOT NULL,
    mtime_ns       INTEGER NOT NULL,
    sampled        TEXT    NOT NULL,
    identical      INTEGER NOT NULL DEFAULT 0,
    prior_status   TEXT,
    acted_at       TEXT    NOT NULL,
    undone_at      TEXT,
    PRIMARY KEY (plan_id, host, path_bytes)
);
CREATE INDEX dedupe_actions_file ON dedupe_actions(file_id) WHERE file_id IS NOT NULL;

CREATE TABLE not_duplicates (
    a              TEXT    NOT NULL,
    b              TEXT    NOT NULL,
    a_path         TEXT    NOT NULL,
    b_path         TEXT    NOT NULL,
    decided_at     TEXT    NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
);
