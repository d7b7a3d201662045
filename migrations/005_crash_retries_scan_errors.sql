-- mediadex catalog schema: crash retries, and why a scan failed.
--
-- A file is `crashed` when probing it alone killed a probe worker. Often it is
-- not the file but the parser, and a plugin upgrade fixes it; sometimes the
-- worker was killed from outside. So a crashed file is probed once more on a
-- later scan, then remembered until it changes. `crashes` counts the scans in
-- a row that convicted the file as it is now (same size and mtime): 1 means
-- the retry is still due, 2 or more that it was made. A row stored as
-- crashed without evidence (given up after kills from outside) keeps 0.
--
-- Rows that are crashed already get 1: they were judged by older rules, which
-- blamed files for kills from outside, so each is retried once.

ALTER TABLE files ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;

UPDATE files SET crashes = 1 WHERE status = 'crashed';

-- A scan that stops on an error (a full disk, a worker that cannot start) is
-- marked `failed`, and says why here.

ALTER TABLE scans ADD COLUMN error TEXT;
