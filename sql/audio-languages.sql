-- name: audio-languages
-- description: audio streams and the files that have them, by language tag ('und' when untagged)
--
-- Streams come from `doc_streams` (one narrow row per stream, see migration
-- 9) rather than from unpacking every document.
SELECT coalesce(s.language, 'und')                            AS language,
       count(DISTINCT s.file_id)                              AS files,
       count(*)                                               AS streams
FROM doc_streams s
WHERE s.kind = 'audio' AND s.file_id IN (SELECT id FROM media_ok)
GROUP BY 1
ORDER BY files DESC, streams DESC, language;
