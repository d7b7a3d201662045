-- name: similar
-- description: files showing the same video (re-encodes, remuxes, resizes, trims, clips), grouped, with the copy to keep; run `mediadex fingerprint` first
-- param: groups: integer = 500 -- at most this many groups, those with the most reclaimable bytes first
--
-- One row per file that has a near-duplicate. A group is a connected set of
-- similar pairs found by `mediadex fingerprint`; its id is the smallest file
-- id in it, stable for the same catalog. `keep` marks the suggested copy: the
-- highest resolution, then the newest codec generation (AV1/VVC, then
-- HEVC/VP9, then H.264/VP8), then the highest bitrate. The other rows say how
-- they relate to that copy, from their own point of view: `duplicate` (the
-- same content), `contained-in` (a clip or trim of it), `contains`, `overlap`,
-- or `related` (similar to another member, not to the kept copy directly);
-- `offset_s` is where the row's file starts in the kept copy's time and
-- `coverage` the share of the row's file the kept copy shows.
-- `reclaimable_bytes` is what deleting every copy but the kept one frees.
WITH members AS MATERIALIZED (
    SELECT fp.similar_group AS grp, m.id, m.host, m.path, m.path_bytes, m.size, m.duration_s,
           m.width, m.height, m.video_codec, m.bitrate,
           CASE m.video_codec
               WHEN 'vvc' THEN 4 WHEN 'av1' THEN 4 WHEN 'hevc' THEN 3 WHEN 'vp9' THEN 3
               WHEN 'h264' THEN 2 WHEN 'vp8' THEN 2 ELSE 1
           END AS generation
    FROM fingerprints fp CROSS JOIN media m ON m.id = fp.file_id
    WHERE fp.similar_group IS NOT NULL
),
ranked AS (
    SELECT *, row_number() OVER (
               PARTITION BY grp
               ORDER BY coalesce(width * height, 0) DESC, generation DESC,
                        coalesce(bitrate, 0) DESC, coalesce(size, 0) DESC, id
           ) AS rank
    FROM members
),
totals AS (
    SELECT grp, count(*) AS files, sum(size) AS group_bytes,
           sum(size) - max(CASE WHEN rank = 1 THEN size END) AS reclaimable_bytes,
           max(CASE WHEN rank = 1 THEN id END) AS keep_id
    FROM ranked
    GROUP BY grp
),
chosen AS (
    SELECT * FROM totals ORDER BY reclaimable_bytes DESC, grp LIMIT :groups
)
SELECT c.grp AS "group", c.files, c.reclaimable_bytes,
       CASE WHEN r.id = c.keep_id THEN 'yes' ELSE 'no' END AS keep,
       CASE
           WHEN r.id = c.keep_id THEN 'kept'
           WHEN pa.a IS NOT NULL THEN pa.relation
           WHEN pb.a IS NOT NULL THEN CASE pb.relation
               WHEN 'contains' THEN 'contained-in' WHEN 'contained-in' THEN 'contains'
               ELSE pb.relation END
           ELSE 'related'
       END AS relation,
       round(CASE
           WHEN r.id = c.keep_id THEN 0
           WHEN pa.a IS NOT NULL THEN pa.offset_s
           WHEN pb.a IS NOT NULL THEN -pb.offset_s / pb.speed
       END, 1) AS offset_s,
       round(CASE
           WHEN r.id = c.keep_id THEN 1
           WHEN pa.a IS NOT NULL THEN pa.coverage_a
           WHEN pb.a IS NOT NULL THEN pb.coverage_b
       END, 2) AS coverage,
       r.host, r.path, r.duration_s, r.width || 'x' || r.height AS resolution, r.video_codec,
       r.bitrate, r.size
FROM chosen c
JOIN ranked r ON r.grp = c.grp
LEFT JOIN similar_pairs pa ON pa.a = r.id AND pa.b = c.keep_id
LEFT JOIN similar_pairs pb ON pb.a = c.keep_id AND pb.b = r.id
ORDER BY c.reclaimable_bytes DESC, c.grp, r.rank, r.host, r.path, r.path_bytes;
