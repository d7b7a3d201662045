-- mediadex catalog schema: migration 6.
--
-- `scan --force` probes unchanged files again; those are counted apart from
-- files that changed on disk.

ALTER TABLE scans ADD COLUMN reprobed INTEGER NOT NULL DEFAULT 0;
