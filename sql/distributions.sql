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
-- One pass over the files puts each value in its bucket: the CASE bounds
-- are the lower bounds above, highest first (a value goes to the last lower
-- bound at or below it). Files are then counted per combination of buckets,
-- and the combinations per bucket of each metric.
placed AS MATERIALIZED (
    SELECT CASE WHEN size IS NULL THEN NULL
                WHEN size >= 53687091200 THEN 10 WHEN size >= 21474836480 THEN 9
                WHEN size >= 10737418240 THEN 8 WHEN size >= 5368709120 THEN 7
                WHEN size >= 2147483648 THEN 6 WHEN size >= 1073741824 THEN 5
                WHEN size >= 524288000 THEN 4 WHEN size >= 262144000 THEN 3
                WHEN size >= 104857600 THEN 2 WHEN size >= 0 THEN 1 END AS size_b,
           CASE WHEN NOT coalesce(duration_s > 0, 0) THEN NULL
                WHEN duration_s >= 10800 THEN 11 WHEN duration_s >= 7200 THEN 10
                WHEN duration_s >= 5400 THEN 9 WHEN duration_s >= 3600 THEN 8
                WHEN duration_s >= 2700 THEN 7 WHEN duration_s >= 1800 THEN 6
                WHEN duration_s >= 1200 THEN 5 WHEN duration_s >= 600 THEN 4
                WHEN duration_s >= 300 THEN 3 WHEN duration_s >= 60 THEN 2 ELSE 1 END AS duration_b,
           CASE WHEN NOT coalesce(bitrate > 0, 0) THEN NULL
                WHEN bitrate >= 50000000 THEN 8 WHEN bitrate >= 20000000 THEN 7
                WHEN bitrate >= 10000000 THEN 6 WHEN bitrate >= 5000000 THEN 5
                WHEN bitrate >= 2000000 THEN 4 WHEN bitrate >= 1000000 THEN 3
                WHEN bitrate >= 500000 THEN 2 ELSE 1 END AS bitrate_b,
           CASE WHEN NOT coalesce(bitrate > 0 AND width > 0 AND height > 0 AND frame_rate > 0, 0) THEN NULL
                ELSE (SELECT CASE WHEN bpp >= 1 THEN 7 WHEN bpp >= 0.5 THEN 6 WHEN bpp >= 0.2 THEN 5
                                  WHEN bpp >= 0.1 THEN 4 WHEN bpp >= 0.05 THEN 3
                                  WHEN bpp >= 0.02 THEN 2 ELSE 1 END
                      FROM (SELECT bitrate * 1.0 / (width * height * frame_rate) AS bpp)) END AS bpp_b,
           count(*) AS files
    FROM media_ok
    GROUP BY 1, 2, 3, 4
),
counted (metric, b, files) AS (
    SELECT 'size', size_b, sum(files) FROM placed WHERE size_b IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'duration', duration_b, sum(files) FROM placed WHERE duration_b IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'bitrate', bitrate_b, sum(files) FROM placed WHERE bitrate_b IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'bpp', bpp_b, sum(files) FROM placed WHERE bpp_b IS NOT NULL GROUP BY 2
)
SELECT k.metric, k.label AS bucket, k.lower, k.upper, coalesce(c.files, 0) AS files,
       round(coalesce(coalesce(c.files, 0) * 1.0
                      / nullif(sum(coalesce(c.files, 0)) OVER (PARTITION BY k.metric), 0), 0), 4) AS share
FROM buckets k LEFT JOIN counted c ON c.metric = k.metric AND c.b = k.b
ORDER BY k.m, k.b;
