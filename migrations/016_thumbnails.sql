-- mediadex catalog schema: migration 16.
--
-- `thumbnails`: a small picture of each fingerprinted video, for the people
-- who review duplicates, damaged and problem files: a JPEG (at most 10,000
-- bytes, about 160 pixels wide, the display aspect kept) of a decoded frame
-- near the middle of the video, at stream time `t_ms`, `width` x `height`
-- pixels as stored. One per fingerprint row, taken by the same worker run:
-- it goes when the fingerprint goes, is replaced when the file is
-- fingerprinted again, and counts only while the fingerprint is current
-- (its size and mtime are the file's). Files without video have none.

CREATE TABLE thumbnails (
    file_id        INTEGER PRIMARY KEY REFERENCES fingerprints(file_id) ON DELETE CASCADE,
    jpeg           BLOB    NOT NULL CHECK (length(jpeg) BETWEEN 4 AND 10000),
    width          INTEGER NOT NULL CHECK (width > 0),
    height         INTEGER NOT NULL CHECK (height > 0),
    t_ms           INTEGER NOT NULL
);
