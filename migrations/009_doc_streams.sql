-- mediadex catalog schema: migration 9.
--
-- Reports that count streams (languages, the bitrates the streams state)
-- read `streams`, which unpacks every file's JSON document with json_each:
-- on a million files, ten seconds and more per report. `doc_streams` keeps
-- the few stream fields they read, one narrow row per stream, so they read
-- it instead of the documents. The `streams` view stays as it was: it has
-- every field, and its `doc` column.
--
-- The table is derived from `docs` and kept by triggers, whatever writes a
-- document (a scan, a load, a test): a new or changed document replaces its
-- file's rows, a deleted one (also through the cascade from `files`) takes
-- them along. idx is the stream's position in the document's `streams`.

CREATE TABLE doc_streams (
    file_id       INTEGER NOT NULL,
    idx           INTEGER NOT NULL,
    kind          TEXT,
    codec         TEXT,
    language      TEXT,
    bitrate       INTEGER,
    PRIMARY KEY (file_id, idx)
) WITHOUT ROWID;

-- The fields as each document gives them, for the backfill below and the
-- update trigger (which reads one file's: the planner looks its document up by
-- key); the insert trigger reads the new document itself, which is cheaper
-- on a load of a million.
CREATE VIEW doc_stream_rows AS
SELECT d.file_id, CAST(s.key AS INTEGER) AS idx, s.value ->> '$.kind' AS kind,
       s.value ->> '$.codec' AS codec, s.value ->> '$.language' AS language,
       s.value ->> '$.bitrate' AS bitrate
FROM docs d, json_each(d.doc, '$.streams') s;

-- The streams of the documents already here.
INSERT INTO doc_streams (file_id, idx, kind, codec, language, bitrate)
SELECT file_id, idx, kind, codec, language, bitrate FROM doc_stream_rows;

CREATE TRIGGER docs_streams_insert AFTER INSERT ON docs BEGIN
    DELETE FROM doc_streams WHERE file_id = NEW.file_id;
    INSERT INTO doc_streams (file_id, idx, kind, codec, language, bitrate)
    SELECT NEW.file_id, CAST(key AS INTEGER), value ->> '$.kind', value ->> '$.codec',
           value ->> '$.language', value ->> '$.bitrate'
    FROM json_each(NEW.doc, '$.streams');
END;

CREATE TRIGGER docs_streams_update AFTER UPDATE OF doc ON docs BEGIN
    DELETE FROM doc_streams WHERE file_id = OLD.file_id;
    INSERT INTO doc_streams SELECT * FROM doc_stream_rows WHERE file_id = NEW.file_id;
END;

CREATE TRIGGER docs_streams_delete AFTER DELETE ON docs BEGIN
    DELETE FROM doc_streams WHERE file_id = OLD.file_id;
END;
