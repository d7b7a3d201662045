-- mediadex catalog schema: migration 13.
--
-- `fingerprints.content_hash`: the XXH3-128 of the file's bytes (32 hex
-- digits), taken only for files that share their size with another file of
-- the host, at the (size, mtime) of the row: byte-identical copies are one
-- video whether or not any frame of theirs can be matched.
-- `fingerprints.unmatched`: why the file's frames cannot be matched with
-- others ('too short', 'too flat', or 'no usable frame'), NULL when they can;
-- set by every matching run.

ALTER TABLE fingerprints ADD COLUMN content_hash TEXT;
ALTER TABLE fingerprints ADD COLUMN unmatched TEXT;
