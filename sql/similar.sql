-- name: similar
-- description: files showing the same video (re-encodes, remuxes, resizes, trims, clips, byte-identical copies), grouped, with the copy to keep and why; run `mediadex fingerprint` first
-- param: groups: integer = 500 -- at most this many groups, those with the most reclaimable bytes first
-- param: prefer: text = -- directories whose copies win a tie, best first, one per line (`mediadex report similar --prefer DIR`, repeatable)
--
-- One row per file that has a near-duplicate. A file a scan found gone
-- (`missing`) is no copy to keep or remove, and is left out. A group is a connected set of
-- similar pairs found by `mediadex fingerprint`; its id is the smallest file
-- id in it, stable for the same catalog. `keep` marks the suggested copy, by
-- these rules in turn (the first that tells two copies apart decides, and
-- `why` names it):
--   1. the highest resolution (width x height);
--   2. the most picture for the codec: the bitrate weighted by the codec's
--      efficiency (AV1 and VVC 2, HEVC 1.6, VP9 1.5, H.264 1, VP8 0.9,
--      MPEG-4 Part 2 0.7, MPEG-2 and older 0.5), in steps of 15% (so a
--      remux's few bytes of container never decide), so a low-bitrate
--      re-encode in a newer codec never beats its original;
--   3. the longer file (whole seconds);
--   4. under a directory of `prefer`, the earlier listed the better;
--   5. the oldest (mtime), then the smallest file id.
-- The other rows say how they relate to that copy, from their own point of
-- view: `duplicate` (the same content), `contained-in` (a clip or trim of
-- it), `contains`, `overlap`, or `related` (similar to another member, not to
-- the kept copy directly); `offset_s` is where the row's file starts in the
-- kept copy's time and `coverage` the share of the row's file the kept copy
-- shows. `reclaimable_bytes` is what deleting every copy but the kept one
-- frees.
WITH RECURSIVE prefer(rank, dir, rest) AS (
    SELECT 0, NULL, :prefer || char(10)
    UNION ALL
    SELECT rank + 1, rtrim(substr(rest, 1, instr(rest, char(10)) - 1), '/'),
           substr(rest, instr(rest, char(10)) + 1)
    FROM prefer WHERE rest <> ''
),
-- Steps of 15% from 1 kb/s to past 10 Gb/s: a bitrate's step is how many
-- of them it reaches.
steps(bps) AS (
    SELECT 1000.0
    UNION ALL
    SELECT bps * 1.15 FROM steps WHERE bps < 1e10
),
members AS MATERIALIZED (
    SELECT fp.similar_group AS grp, m.id, m.host, m.path, m.path_bytes, m.size, m.duration_s,
           m.width, m.height, m.video_codec, m.bitrate, m.mtime_ns,
           coalesce(m.width * m.height, 0) AS pixels,
           (SELECT count(*) FROM steps WHERE steps.bps <= coalesce(m.bitrate, 0) * CASE
               WHEN m.video_codec IN ('av1', 'vvc', 'h266') THEN 2.0
               WHEN m.video_codec IN ('hevc', 'h265') THEN 1.6
               WHEN m.video_codec = 'vp9' THEN 1.5
               WHEN m.video_codec IN ('h264', 'avc') THEN 1.0
               WHEN m.video_codec = 'vp8' THEN 0.9
               WHEN m.video_codec IN ('mpeg4', 'msmpeg4v3', 'msmpeg4v2', 'wmv3', 'vc1', 'theora') THEN 0.7
               ELSE 0.5
           END) AS picture,
           CAST(coalesce(m.duration_s, 0) AS INTEGER) AS seconds,
           coalesce((SELECT min(p.rank) FROM prefer p
                     WHERE p.dir IS NOT NULL AND p.dir <> ''
                       AND (m.path = p.dir OR substr(m.path, 1, length(p.dir) + 1) = p.dir || '/')),
                    1000000) AS preferred
    FROM fingerprints fp CROSS JOIN media m ON m.id = fp.file_id
    WHERE fp.similar_group IS NOT NULL AND m.status <> 'missing'
),
ranked AS (
    SELECT *, row_number() OVER (
               PARTITION BY grp
               ORDER BY pixels DESC, picture DESC, seconds DESC, preferred,
                        coalesce(mtime_ns, 0), id
           ) AS rank
    FROM members
),
totals AS (
    SELECT grp, count(*) AS files, sum(size) AS group_bytes,
           sum(size) - max(CASE WHEN rank = 1 THEN size END) AS reclaimable_bytes,
           max(CASE WHEN rank = 1 THEN id END) AS keep_id
    FROM ranked
    GROUP BY grp
    HAVING count(*) > 1
),
chosen AS (
    SELECT * FROM totals ORDER BY reclaimable_bytes DESC, grp LIMIT :groups
),
-- Each row against the kept copy (the kept copy against the runner-up): the
-- first rule that tells them apart.
versus AS (
    SELECT r.id, r.grp, k.id AS keep_id,
           CASE
               WHEN r.rank = 1 THEN (SELECT s.id FROM ranked s WHERE s.grp = r.grp AND s.rank = 2)
               ELSE k.id
           END AS other_id
    FROM ranked r JOIN chosen c ON c.grp = r.grp JOIN ranked k ON k.id = c.keep_id
),
why AS (
    SELECT v.id, CASE
        WHEN x.pixels <> o.pixels THEN
            CASE WHEN x.pixels > o.pixels THEN 'higher resolution' ELSE 'lower resolution' END
        WHEN x.picture <> o.picture THEN
            CASE WHEN x.picture > o.picture THEN 'more picture for its codec' ELSE 'less picture for its codec' END
        WHEN x.seconds <> o.seconds THEN
            CASE WHEN x.seconds > o.seconds THEN 'longer' ELSE 'shorter' END
        WHEN x.preferred <> o.preferred THEN
            CASE WHEN x.preferred < o.preferred THEN 'in a preferred directory' ELSE 'not in the preferred directory' END
        WHEN coalesce(x.mtime_ns, 0) <> coalesce(o.mtime_ns, 0) THEN
            CASE WHEN coalesce(x.mtime_ns, 0) < coalesce(o.mtime_ns, 0) THEN 'older' ELSE 'newer' END
        ELSE CASE WHEN x.id < o.id THEN 'catalogued first' ELSE 'catalogued later' END
    END AS why
    FROM versus v JOIN ranked x ON x.id = v.id JOIN ranked o ON o.id = v.other_id
)
SELECT c.grp AS "group", c.files, c.reclaimable_bytes,
       CASE WHEN r.id = c.keep_id THEN 'yes' ELSE 'no' END AS keep,
       coalesce(w.why, 'kept') AS why,
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
LEFT JOIN why w ON w.id = r.id
LEFT JOIN similar_pairs pa ON pa.a = r.id AND pa.b = c.keep_id
LEFT JOIN similar_pairs pb ON pb.a = c.keep_id AND pb.b = r.id
ORDER BY c.reclaimable_bytes DESC, c.grp, r.rank, r.host, r.path, r.path_bytes;
