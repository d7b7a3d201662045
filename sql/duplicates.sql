-- name: duplicates
-- description: candidate duplicate groups: same size and duration, or same resolution and duration within `tolerance` seconds
-- param: tolerance: real = 0.1 -- seconds; durations are compared in steps of this size
-- param: groups: integer = 500 -- at most this many groups, those holding the most bytes first
--
-- One row per file of a group. Two kinds of group, strongest evidence first:
--   size+duration        same byte size and duration step: most likely the
--                        same file copied twice
--   resolution+duration  same width x height and duration step but different
--                        sizes: perhaps the same video encoded twice
-- A duration step is round(duration / tolerance): two durations within the
-- tolerance of each other usually, not always, share a step. In a large
-- library many files share a resolution and a duration by chance: these are
-- candidates to look at, not verdicts.
--
-- `ok` is MATERIALIZED: computed once for the three passes below; left to the
-- planner, it may be inlined into every use instead.
WITH ok AS MATERIALIZED (
    SELECT id, size, width, height, CAST(round(duration_s / :tolerance) AS INTEGER) AS step
    FROM media_ok
    WHERE duration_s > 0 AND size > 0
),
candidates AS (
    SELECT 'size+duration' AS kind, size AS g_size, NULL AS g_width, NULL AS g_height, step,
           count(*) AS files, sum(size) AS group_bytes
    FROM ok
    GROUP BY size, step
    HAVING count(*) > 1
    UNION ALL
    SELECT 'resolution+duration', NULL, width, height, step, count(*), sum(size)
    FROM ok
    WHERE width IS NOT NULL AND height IS NOT NULL
    GROUP BY width, height, step
    HAVING count(*) > 1 AND min(size) < max(size)
),
chosen AS (
    SELECT *,
           CASE kind
               WHEN 'size+duration' THEN printf('%d bytes, %.3f s', g_size, step * :tolerance)
               ELSE printf('%dx%d, %.3f s', g_width, g_height, step * :tolerance)
           END AS grp
    FROM candidates
    ORDER BY kind DESC, group_bytes DESC, g_size, g_width, g_height, step
    LIMIT :groups
),
-- The members are found in one more pass over `ok`, each file tested against
-- the few chosen groups (an IN list SQLite indexes); a join of `chosen` to
-- `ok` would have it build an index over every file for each kind of group.
members AS MATERIALIZED (
    SELECT c.kind, c.grp, c.files, c.group_bytes, o.id
    FROM ok o JOIN chosen c
      ON (c.kind = 'size+duration' AND o.size = c.g_size AND o.step = c.step)
      OR (c.kind = 'resolution+duration' AND o.width = c.g_width AND o.height = c.g_height
          AND o.step = c.step)
    WHERE (o.size, o.step) IN (SELECT g_size, step FROM chosen WHERE kind = 'size+duration')
       OR (o.width, o.height, o.step) IN
          (SELECT g_width, g_height, step FROM chosen WHERE kind = 'resolution+duration')
)
SELECT s.kind, s.grp, s.files, s.group_bytes, m.host, m.path, m.size, m.duration_s,
       m.width || 'x' || m.height AS resolution, m.container, m.video_codec
FROM members s CROSS JOIN media m ON m.id = s.id  -- CROSS: members first, then a lookup each
ORDER BY s.kind DESC, s.group_bytes DESC, s.grp, m.host, m.path, m.path_bytes;
