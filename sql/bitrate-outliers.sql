-- name: bitrate-outliers
-- description: files whose bits per pixel per frame are `factor` times above or below the median of their codec and resolution class
-- param: factor: real = 3 -- how far from the median (3: more than 3x, or less than a third)
-- param: min_group: integer = 10 -- ignore codec and resolution groups with fewer files than this
-- param: limit: integer = 200 -- at most this many files, the farthest first
--
-- Bits per pixel per frame = bitrate / (width * height * frame rate): how hard
-- a file was compressed, whatever its resolution or length. The bitrate is the
-- file's (size over duration), so audio counts too. The median is the middle
-- value of the group (the mean of the two middle values for an even count).
-- Resolution classes are the `resolution_class` column, as in the `resolutions` report.
WITH v AS (
    SELECT id, video_codec AS codec,
           resolution_class AS resolution,
           bitrate * 1.0 / (width * height * frame_rate) AS bpp
    FROM media_ok
    WHERE bitrate > 0 AND width > 0 AND height > 0 AND frame_rate > 0
),
ranked AS MATERIALIZED (
    SELECT id, codec, resolution, bpp,
           row_number() OVER w AS rn,
           count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n
    FROM v
    WINDOW w AS (PARTITION BY codec, resolution ORDER BY bpp, id)
),
medians AS (
    SELECT codec, resolution, avg(bpp) AS median, max(n) AS n
    FROM ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY codec, resolution
),
far AS (
    SELECT r.id, r.resolution, r.bpp, m.median, m.n,
           max(r.bpp / m.median, m.median / r.bpp) AS distance
    FROM ranked r JOIN medians m ON m.codec = r.codec AND m.resolution = r.resolution
    WHERE m.n >= :min_group
      AND (r.bpp > m.median * :factor OR r.bpp * :factor < m.median)
    ORDER BY distance DESC, r.id
    LIMIT :limit
)
SELECT x.host, x.path, x.video_codec, far.resolution,
       x.width || 'x' || x.height      AS dimensions,
       round(x.frame_rate, 3)          AS frame_rate,
       x.bitrate,
       round(far.bpp, 5)               AS bpp,
       round(far.median, 5)            AS median_bpp,
       round(far.bpp / far.median, 3)  AS ratio,
       far.n                           AS group_files
FROM far JOIN media x ON x.id = far.id
ORDER BY far.distance DESC, x.host, x.path, x.path_bytes;
