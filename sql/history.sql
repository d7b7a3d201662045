-- name: history
-- description: the catalog's totals as each export day saw them (UTC), newest first: files, bytes, hours, and by status, video codec and resolution class
-- param: days: integer = 3650 -- at most this many days, the latest first
--
-- `export` writes one row a day (the day's last export wins), so the history
-- survives files that are deleted later. by_status, by_codec and
-- by_resolution map each status, video codec of `ok` files ('(no video)')
-- and resolution class of `ok` files to {files, bytes}.
SELECT day, files, bytes, round(seconds / 3600.0, 2) AS hours, by_status, by_codec, by_resolution
FROM history
ORDER BY day DESC
LIMIT :days;
