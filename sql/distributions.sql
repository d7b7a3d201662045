-- name: distributions
-- description: histograms of file size, duration, bitrate and bits per pixel per frame over `ok` files, in buckets with round bounds
--
-- Every bucket of every metric is listed, empty ones too, so charts keep
-- their axes: lower <= value < upper (upper empty: no bound). Sizes are in
-- bytes (bounds at 100 MiB, 250 MiB, 500 MiB, 1, 2, 5, 10, 20, 50 GiB),
-- durations in seconds (1, 5, 10, 20, 30, 45 min, 1, 1.5, 2, 3 h),
-- bitrates in bit/s (0.5, 1, 2, 5, 10, 20, 50 Mbit/s) and bits per pixel
-- per frame as in `bitrate-outliers` (0.02, 0.05, 0.1, 0.2, 0.5, 1).
WITH bounds (metric, m, b, label, lower) AS (
    VALUES ('size', 1, 1, '< 100 MiB', 0), ('size', 1, 2, '100-250 MiB', 104857600),
           ('size', 1, 3, '250-500 MiB', 262144000), ('size', 1, 4, '500 MiB-1 GiB', 524288000),
           ('size', 1, 5, '1-2 GiB', 1073741824), ('size', 1, 6, '2-5 GiB', 2147483648),
           ('size', 1, 7, '5-10 GiB', 5368709120), ('size', 1, 8, '10-20 GiB', 10737418240),
           ('size', 1, 9, '20-50 GiB', 21474836480), ('size', 1, 10, '>= 50 GiB', 53687091200),
           ('duration', 2, 1, '< 1 min', 0), ('duration', 2, 2, '1-5 min', 60),
           ('duration', 2, 3, '5-10 min', 300), ('duration', 2, 4, '10-20 min', 600),
           ('duration', 2, 5, '20-30 min', 1200), ('duration', 2, 6, '30-45 min', 1800),
           ('duration', 2, 7, '45-60 min', 2700), ('duration', 2, 8, '1-1.5 h', 3600),
           ('duration', 2, 9, '1.5-2 h', 5400), ('duration', 2, 10, '2-3 h', 7200),
           ('duration', 2, 11, '>= 3 h', 10800),
           ('bitrate', 3, 1, '< 0.5 Mbit/s', 0), ('bitrate', 3, 2, '0.5-1 Mbit/s', 500000),
           ('bitrate', 3, 3, '1-2 Mbit/s', 1000000), ('bitrate', 3, 4, '2-5 Mbit/s', 2000000),
           ('bitrate', 3, 5, '5-10 Mbit/s', 5000000), ('bitrate', 3, 6, '10-20 Mbit/s', 10000000),
           ('bitrate', 3, 7, '20-50 Mbit/s', 20000000), ('bitrate', 3, 8, '>= 50 Mbit/s', 50000000),
           ('bpp', 4, 1, '< 0.02', 0), ('bpp', 4, 2, '0.02-0.05', 0.02), ('bpp', 4, 3, '0.05-0.1', 0.05),
           ('bpp', 4, 4, '0.1-0.2', 0.1), ('bpp', 4, 5, '0.2-0.5', 0.2), ('bpp', 4, 6, '0.5-1', 0.5),
           ('bpp', 4, 7, '>= 1', 1)
),
buckets AS (
    SELECT metric, m, b, label, lower,
           lead(lower) OVER (PARTITION BY metric ORDER BY b) AS upper
    FROM bounds
),
vals AS (
    SELECT 'size' AS metric, size AS v FROM media WHERE status = 'ok' AND size IS NOT NULL
    UNION ALL
    SELECT 'duration', duration_s FROM media WHERE status = 'ok' AND duration_s > 0
    UNION ALL
    SELECT 'bitrate', bitrate FROM media WHERE status = 'ok' AND bitrate > 0
    UNION ALL
    SELECT 'bpp', bitrate * 1.0 / (width * height * frame_rate) FROM media
    WHERE status = 'ok' AND bitrate > 0 AND width > 0 AND height > 0 AND frame_rate > 0
),
-- Each value finds its bucket (the last lower bound at or below it), then the
-- buckets are counted: one pass over the files instead of one per bucket.
placed AS (
    SELECT x.metric,
           (SELECT max(k.b) FROM buckets k WHERE k.metric = x.metric AND k.lower <= x.v) AS b
    FROM vals x
),
counted AS (
    SELECT metric, b, count(*) AS files FROM placed GROUP BY metric, b
)
SELECT k.metric, k.label AS bucket, k.lower, k.upper, coalesce(c.files, 0) AS files,
       round(coalesce(coalesce(c.files, 0) * 1.0
                      / nullif(sum(coalesce(c.files, 0)) OVER (PARTITION BY k.metric), 0), 0), 4) AS share
FROM buckets k LEFT JOIN counted c ON c.metric = k.metric AND c.b = k.b
ORDER BY k.m, k.b;
