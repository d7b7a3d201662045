-- name: recent
-- description: files first seen since midnight UTC `days` days ago, newest first
-- param: days: integer = 7 -- how many days back (0: today only)
-- param: limit: integer = 1000 -- at most this many files
--
-- The window starts at a midnight, not at this very second, so two runs on
-- the same day give the same rows.
SELECT first_seen, host, path, size, duration_s, container, video_codec,
       width || 'x' || height AS resolution
FROM media
WHERE status <> 'missing'
  AND first_seen >= date('now', printf('-%d days', :days))
ORDER BY first_seen DESC, host, path, path_bytes
LIMIT :limit;
