-- name: audio-languages
-- description: audio streams and the files that have them, by language tag ('und' when untagged)
SELECT coalesce(s.value ->> '$.language', 'und')              AS language,
       count(DISTINCT m.id)                                   AS files,
       count(*)                                               AS streams
FROM media m, json_each(m.doc, '$.streams') s
WHERE m.status = 'ok' AND s.value ->> '$.kind' = 'audio'
GROUP BY 1
ORDER BY files DESC, streams DESC, language;
