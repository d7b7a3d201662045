-- name: directories
-- description: files on disk, hours and bytes rolled up by directory, `depth` levels below each scan root
-- param: depth: integer = 1 -- directory levels below the scan root (0: the roots themselves)
-- param: limit: integer = 1000 -- at most this many directories, the largest first
--
-- Each file's path below its scan root is cut after `depth` directory names:
-- with root /srv/media and depth 1, /srv/media/Shows/Lost/S01/e1.mkv counts
-- under /srv/media/Shows. A file shallower than that counts under its own
-- directory. (A path not under its root, which a scan never stores, is cut
-- below / instead.)
WITH RECURSIVE walk (host, root, rest, acc, level, seconds, bytes) AS (
    SELECT host,
           CASE WHEN substr(path, 1, length(rtrim(root, '/')) + 1) = rtrim(root, '/') || '/'
                THEN rtrim(root, '/') ELSE '' END,
           CASE WHEN substr(path, 1, length(rtrim(root, '/')) + 1) = rtrim(root, '/') || '/'
                THEN substr(path, length(rtrim(root, '/')) + 2) ELSE ltrim(path, '/') END,
           '', 0, coalesce(duration_s, 0), coalesce(size, 0)
    FROM media
    WHERE status <> 'missing'
    UNION ALL
    -- Move one directory name from `rest` to `acc`.
    SELECT host, root, substr(rest, instr(rest, '/') + 1), acc || substr(rest, 1, instr(rest, '/')),
           level + 1, seconds, bytes
    FROM walk
    WHERE level < :depth AND instr(rest, '/') > 0
)
SELECT host, directory,
       count(*)                          AS files,
       round(sum(seconds) / 3600.0, 4)   AS hours,
       sum(bytes)                        AS bytes
FROM (
    SELECT host, coalesce(nullif(rtrim(root || '/' || acc, '/'), ''), '/') AS directory, seconds, bytes
    FROM walk
    WHERE level >= :depth OR instr(rest, '/') = 0
)
GROUP BY host, directory
ORDER BY bytes DESC, host, directory
LIMIT :limit;
