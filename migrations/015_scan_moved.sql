-- mediadex catalog schema: migration 15.
--
-- `scans.moved`: files of the scan that were found at a new path under the
-- scanned roots with the device, inode, size and mtime of a row whose path
-- was gone: the row moved with them (its id, first sighting, document,
-- fingerprint, health and history kept), and they were not probed.

ALTER TABLE scans ADD COLUMN moved INTEGER NOT NULL DEFAULT 0;
