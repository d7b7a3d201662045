-- name: largest
-- description: the largest files on disk
-- param: limit: integer = 20 -- how many files
SELECT host, path, size, duration_s, container, video_codec,
       width || 'x' || height AS resolution, bitrate
FROM media
WHERE status <> 'missing' AND size IS NOT NULL
ORDER BY size DESC, host, path, path_bytes
LIMIT :limit;
