-- name: longest
-- description: the longest files on disk
-- param: limit: integer = 20 -- how many files
SELECT host, path, duration_s, size, container, video_codec,
       width || 'x' || height AS resolution, bitrate
FROM media
WHERE status <> 'missing' AND duration_s IS NOT NULL
ORDER BY duration_s DESC, host, path, path_bytes
LIMIT :limit;
