-- name: problems
-- description: files that failed to probe, crashed or hung a probe, are unsupported, or went missing
SELECT status, host, path,
       coalesce(error, CASE status WHEN 'missing' THEN 'not found by the last scan' END) AS error,
       size, last_seen, probed_at
FROM media
WHERE status IN ('crashed', 'timeout', 'error', 'unsupported', 'missing')
ORDER BY CASE status
             WHEN 'crashed' THEN 1 WHEN 'timeout' THEN 2 WHEN 'error' THEN 3
             WHEN 'unsupported' THEN 4 ELSE 5
         END,
         host, path, path_bytes;
