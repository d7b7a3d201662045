-- name: health
-- description: damaged and unreadable files found by `mediadex verify`, worst first (with -p clean=1, the clean ones too)
-- param: clean: integer = 0 -- 1 lists the clean files as well
SELECT m.path, h.health, h.class, h.first_error_s, h.errors,
       round(h.affected_share, 4) AS affected_share, h.level, h.detail,
       m.host, m.size, m.container, m.duration_s, h.checked_at
FROM health h
JOIN media m ON m.id = h.file_id
WHERE h.health IS NOT NULL
  AND (h.health <> 'clean' OR :clean = 1)
  AND m.status <> 'missing'
  AND h.size IS m.size AND h.mtime_ns IS m.mtime_ns
ORDER BY CASE h.health WHEN 'unreadable' THEN 1 WHEN 'damaged' THEN 2 ELSE 3 END,
         h.affected_share DESC, m.host, m.path, m.path_bytes;
