-- name: density
-- description: GiB per hour, median file size and codec mix per directory (a show, a series), `depth` levels below each scan root
-- param: depth: integer = 1 -- directory levels below the scan root (0: the roots themselves)
-- param: min_files: integer = 1 -- leave out directories with fewer `ok` files than this
-- param: limit: integer = 1000 -- at most this many directories, the densest first
--
-- Directories are cut as in the `directories` report. Only `ok` files with a
-- duration count. gib_per_hour is the directory's bytes over its hours; the
-- median is the middle file size (the mean of the two middle ones for an even
-- count); codecs maps each video codec ('(no video)' for none) to its files.
--
-- The walk carries each file's facts, so the files are read once; the codec
-- counts (with their hours and bytes) add up to the directory's totals, and
-- the sizes of the shown directories' files are sorted for the medians.
WITH RECURSIVE walk (host, root, rest, acc, level, size, duration_s, codec) AS (
    SELECT host,
           CASE WHEN substr(path, 1, length(rtrim(root, '/')) + 1) = rtrim(root, '/') || '/'
                THEN rtrim(root, '/') ELSE '' END,
           CASE WHEN substr(path, 1, length(rtrim(root, '/')) + 1) = rtrim(root, '/') || '/'
                THEN substr(path, length(rtrim(root, '/')) + 2) ELSE ltrim(path, '/') END,
           '', 0, size, duration_s, coalesce(video_codec, '(no video)')
    FROM media_ok
    WHERE duration_s > 0
    UNION ALL
    SELECT host, root, substr(rest, instr(rest, '/') + 1), acc || substr(rest, 1, instr(rest, '/')),
           level + 1, size, duration_s, codec
    FROM walk
    WHERE level < :depth AND instr(rest, '/') > 0
),
placed AS MATERIALIZED (
    SELECT host, coalesce(nullif(rtrim(root || '/' || acc, '/'), ''), '/') AS directory,
           size, duration_s, codec
    FROM walk
    WHERE level >= :depth OR instr(rest, '/') = 0
),
per_codec AS MATERIALIZED (
    SELECT host, directory, codec, count(*) AS files, sum(duration_s) AS seconds, sum(size) AS bytes
    FROM placed
    GROUP BY host, directory, codec
),
-- The directories shown, chosen before the medians and codec mixes are
-- worked out: those take a sort of every file, so they are made for these
-- directories' files only.
top AS MATERIALIZED (
    SELECT host, directory, files, seconds, bytes,
           round(bytes / 1073741824.0 / (seconds / 3600.0), 3) AS gib_per_hour
    FROM (SELECT host, directory, sum(files) AS files, sum(seconds) AS seconds,
                 coalesce(sum(bytes), 0) AS bytes
          FROM per_codec
          GROUP BY host, directory
          HAVING sum(files) >= :min_files)
    ORDER BY gib_per_hour DESC, host, directory
    LIMIT :limit
),
ranked AS (
    SELECT host, directory, size,
           row_number() OVER (PARTITION BY host, directory ORDER BY size) AS rn,
           count(*) OVER (PARTITION BY host, directory) AS n
    FROM placed
    WHERE (host, directory) IN (SELECT host, directory FROM top)
),
medians AS (
    SELECT host, directory, CAST(round(avg(size)) AS INTEGER) AS median_bytes
    FROM ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY host, directory
),
mix AS (
    SELECT host, directory, json_group_object(codec, files) AS codecs
    FROM (SELECT host, directory, codec, files FROM per_codec
          WHERE (host, directory) IN (SELECT host, directory FROM top)
          ORDER BY host, directory, files DESC, codec)
    GROUP BY host, directory
)
-- json() outside the sorted rows: a sort drops the JSON subtype that makes
-- `codecs` an object rather than text in JSON output.
SELECT host, directory, files, hours, bytes, gib_per_hour, median_bytes, json(codecs) AS codecs
FROM (
    SELECT t.host, t.directory, t.files,
           round(t.seconds / 3600.0, 2) AS hours,
           t.bytes, t.gib_per_hour, md.median_bytes, mx.codecs
    FROM top t JOIN medians md USING (host, directory) JOIN mix mx USING (host, directory)
    ORDER BY t.gib_per_hour DESC, t.host, t.directory
);
