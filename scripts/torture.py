#!/usr/bin/env python3
"""`make torture`: mediadex against hostile input, bounded in time.

Mutates real media (the fixtures in tests/media and a few clips made with
ffmpeg) by truncation, zeroed runs, bit flips and random overwrites, seeded so
that a run is reproducible, and scans them: one catalog row per file, no
panic, no hang. Loads hostile dumps (NUL paths, negative sizes, huge lines,
documents that are not objects, a path_hex that contradicts the path): each
refused, or with --partial skipped, blaming the dump. Kills scan, fingerprint
and export with SIGKILL at random moments: the catalog stays sound
(PRAGMA integrity_check = ok), no worker outlives its parent, and a rerun
completes. Damages catalogs: every verb says so in one line. Checks that SQL
given to `query` cannot write. Prints a table (case, count, outcome,
seconds) and exits 1 when any case fails.

Usage: scripts/torture.py [--seed N] [--per-seed N] [--keep DIR]
It runs target/release/mediadex (`make torture` builds it first).
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = ROOT / "target" / "release" / "mediadex"
SCAN_LIMIT = 300  # seconds a scan of the mutated set may take at most
VERB_LIMIT = 120

# Clips made with ffmpeg's test sources: (name, arguments after the inputs).
CLIPS = [
    ("h264-aac.mp4", ["-c:v", "libx264", "-g", "10", "-c:a", "aac"]),
    ("vp9-opus.webm", ["-c:v", "libvpx-vp9", "-b:v", "200k", "-c:a", "libopus"]),
    ("vp8-vorbis.mkv", ["-c:v", "libvpx", "-c:a", "libvorbis"]),
    ("mpeg2-mp2.ts", ["-c:v", "mpeg2video", "-c:a", "mp2"]),
    ("mpeg4-mp3.avi", ["-c:v", "mpeg4", "-c:a", "libmp3lame"]),
    ("mjpeg-pcm.mov", ["-c:v", "mjpeg", "-c:a", "pcm_s16le"]),
    ("theora-vorbis.ogv", ["-c:v", "libtheora", "-c:a", "libvorbis"]),
    ("h264-ac3.mkv", ["-c:v", "libx264", "-c:a", "ac3"]),
    ("flac.flac", ["-vn", "-c:a", "flac"]),
    ("mp3.mp3", ["-vn", "-c:a", "libmp3lame"]),
]

# The audio-only clips are scanned too.
EXT = ["--ext", "flac,mp3"]

RESULTS = []


def case(name):
    """Decorator: run a case, time it, record (name, count, ok, seconds, detail)."""

    def wrap(fn):
        def run(*a, **kw):
            t = time.monotonic()
            try:
                count, problems, detail = fn(*a, **kw)
            except Exception as e:  # a case that blows up is a failed case
                count, problems, detail = 0, [f"{type(e).__name__}: {e}"], ""
            secs = time.monotonic() - t
            RESULTS.append((name, count, not problems, secs, detail, problems))
            return not problems

        return run

    return wrap


def mediadex(db, *args, timeout=VERB_LIMIT, env=None):
    """Run `mediadex --db DB ARGS`; a run past `timeout` is a hang."""
    e = dict(os.environ, **(env or {}))
    e.pop("MEDIADEX_DB", None)
    try:
        p = subprocess.run(
            [str(EXE), "--db", str(db), *map(str, args)],
            capture_output=True,
            timeout=timeout,
            env=e,
        )
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, b"", f"hung: no exit in {timeout} s"


def panicked(err):
    return "panicked" in err or "RUST_BACKTRACE" in err


def integrity(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def make_seeds(work):
    """The fixtures of tests/media plus clips made with ffmpeg, in `work`/seeds."""
    seeds = work / "seeds"
    seeds.mkdir()
    for f in sorted((ROOT / "tests" / "media").rglob("*")):
        if f.suffix in (".mkv", ".mp4") and f.stat().st_size < 4_000_000:
            shutil.copy(f, seeds / f.name)
    for name, codec in CLIPS:
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y",
             "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=2",
             "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
             *codec, "-shortest", str(seeds / name)],
            check=True,
        )
    return sorted(seeds.iterdir())


def mutate(data, kind, rng):
    """One mutation of `data` (bytes) of the given kind."""
    d = bytearray(data)
    n = len(d)
    if kind == "truncate":
        return bytes(d[: rng.randrange(0, n)])
    if kind == "zero-run":
        at, ln = rng.randrange(n), rng.choice([16, 512, 4096, 65536])
        d[at : at + ln] = bytes(len(d[at : at + ln]))
    elif kind == "bit-flips":
        for _ in range(rng.choice([1, 8, 64, 512])):
            i = rng.randrange(n)
            d[i] ^= 1 << rng.randrange(8)
    elif kind == "overwrite":
        at, ln = rng.randrange(n), rng.choice([64, 1024, 16384])
        d[at : at + ln] = rng.randbytes(len(d[at : at + ln]))
    elif kind == "head":
        ln = min(n, rng.choice([8, 64, 1024]))
        d[:ln] = rng.randbytes(ln)
    elif kind == "swap":
        a, b, ln = rng.randrange(n), rng.randrange(n), 4096
        blk_a, blk_b = bytes(d[a : a + ln]), bytes(d[b : b + ln])
        if len(blk_a) == len(blk_b):
            d[a : a + ln], d[b : b + ln] = blk_b, blk_a
    return bytes(d)


KINDS = ["truncate", "zero-run", "bit-flips", "overwrite", "head", "swap"]


def make_mutants(seeds, lib, rng, per_seed):
    lib.mkdir()
    made = []
    for s in seeds:
        data = s.read_bytes()
        for i in range(per_seed):
            kind = KINDS[i % len(KINDS)]
            out = lib / f"{s.stem}.{kind}.{i}{s.suffix}"
            out.write_bytes(mutate(data, kind, rng))
            made.append(out)
    return made


@case("scan mutated media")
def scan_mutants(work, files):
    db = work / "mutants.db"
    rc, out, err = mediadex(db, "scan", "--json", "--timeout", "5", *EXT, files[0].parent,
                            timeout=SCAN_LIMIT)
    problems = []
    if rc not in (0, 3):
        problems.append(f"scan exit {rc}: {err[-300:]}")
    if panicked(err):
        problems.append("a panic")
    con = sqlite3.connect(db)
    rows = dict(con.execute(
        "SELECT path, count(*) FROM media GROUP BY path").fetchall())
    status = dict(con.execute(
        "SELECT status, count(*) FROM media GROUP BY status").fetchall())
    con.close()
    missing = [f.name for f in files if rows.get(str(f)) != 1]
    if missing:
        problems.append(f"{len(missing)} files without exactly one row, e.g. {missing[:3]}")
    if len(rows) != len(files):
        problems.append(f"{len(rows)} rows for {len(files)} files")
    # A second scan finds nothing new: the broken files are remembered.
    rc2, out2, err2 = mediadex(db, "scan", "--json", *EXT, files[0].parent, timeout=SCAN_LIMIT)
    if rc2 not in (0, 3) or panicked(err2):
        problems.append(f"rescan exit {rc2}: {err2[-200:]}")
    elif json.loads(out2)["probed"] != 0:
        problems.append("the rescan probed files again")
    detail = ", ".join(f"{k} {v}" for k, v in sorted(status.items()))
    return len(files), problems, detail


@case("fingerprint mutated media")
def fingerprint_mutants(work, files):
    db = work / "mutants.db"
    rc, _, err = mediadex(db, "fingerprint", "--timeout", "5", timeout=SCAN_LIMIT)
    problems = []
    if rc not in (0, 3) or panicked(err):
        problems.append(f"fingerprint exit {rc}: {err[-300:]}")
    return len(files), problems, f"exit {rc}"


@case("verify mutated media")
def verify_mutants(work, files):
    """Every mutant checked at full depth: each ends with a health row, and
    none of them passes for clean unless its mutation left the bytes whole."""
    db = work / "mutants.db"
    rc, _, err = mediadex(db, "verify", "--level", "full", "--timeout", "20", timeout=SCAN_LIMIT)
    problems = []
    if rc not in (0, 3) or panicked(err):
        problems.append(f"verify exit {rc}: {err[-300:]}")
    out = sqlite3.connect(db).execute(
        "SELECT count(*), sum(health IS NULL) FROM health").fetchone()
    rows = sqlite3.connect(db).execute(
        "SELECT count(*) FROM media WHERE status NOT IN ('missing', 'unstable')").fetchone()[0]
    if out[0] != rows:
        problems.append(f"{out[0]} health rows for {rows} files")
    verdicts = sqlite3.connect(db).execute(
        "SELECT coalesce(health, status), count(*) FROM health GROUP BY 1 ORDER BY 1").fetchall()
    return len(files), problems, ", ".join(f"{h} {n}" for h, n in verdicts)


def dump_lines(db):
    rc, out, err = mediadex(db, "dump")
    assert rc == 0, err
    return out.decode().splitlines()


def seal(lines):
    """A dump's lines (header first, no trailer) with its trailer."""
    kinds = ["scan", "media", "recording", "root", "history", "fingerprint"]
    counts = dict.fromkeys(kinds, 0)
    h = hashlib.sha256()
    for line in lines[1:]:
        h.update((line + "\n").encode("utf-8", "surrogateescape"))
        try:
            t = json.loads(line).get("type")
        except (ValueError, AttributeError):
            t = None
        if t in counts:
            counts[t] += 1
    trailer = {"type": "trailer", "scans": counts["scan"], "media": counts["media"],
               "recordings": counts["recording"], "roots": counts["root"],
               "history": counts["history"], "fingerprints": counts["fingerprint"],
               "sha256": h.hexdigest()}
    return "\n".join(lines + [json.dumps(trailer)]) + "\n"


def hostile_dumps(good):
    """(name, text) of dumps that must be refused: one bad media row each."""
    lines = [l for l in good if '"type":"trailer"' not in l]
    at = next(i for i, l in enumerate(lines) if '"type":"media"' in l)
    row = json.loads(lines[at])

    def with_row(change):
        r = json.loads(json.dumps(row))
        change(r)
        return seal(lines[:at] + [json.dumps(r)] + lines[at + 1:])

    def raw(line):
        return seal(lines[:at] + [line] + lines[at + 1:])

    return [
        ("nul-path", with_row(lambda r: r.update(path="/a\u0000b.mkv"))),
        ("nul-path-hex", with_row(lambda r: r.update(path_hex="2f6100622e6d6b76"))),
        ("negative-size", with_row(lambda r: r.update(size=-5))),
        ("relative-path", with_row(lambda r: r.update(path="rel/x.mkv"))),
        ("empty-path", with_row(lambda r: r.update(path=""))),
        ("doc-array", with_row(lambda r: r.update(doc=[1, 2, 3]))),
        ("doc-string", with_row(lambda r: r.update(doc="not an object"))),
        ("path-hex-contradicts", with_row(lambda r: r.update(path_hex="2f6f746865722e6d6b76"))),
        ("path-hex-not-hex", with_row(lambda r: r.update(path_hex="zz"))),
        ("huge-line", with_row(lambda r: r["doc"].update(pad="x" * 20_000_000))),
        ("not-json", raw("{this is not json")),
        ("not-an-object", raw("[1, 2, 3]")),
        ("unknown-type", raw('{"type":"virus","x":1}')),
        ("no-trailer", "\n".join(lines) + "\n"),
        ("bad-trailer", re.sub(r'"sha256": "[0-9a-f]+"', '"sha256": "' + "0" * 64 + '"', seal(lines))),
        ("binary", "\x00\xff garbage \x00\n" * 10),
    ]


@case("load hostile dumps")
def load_hostile(work, seed_db):
    good = dump_lines(seed_db)
    problems = []
    dumps = hostile_dumps(good)
    for name, text in dumps:
        path = work / f"hostile-{name}.jsonl"
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        for partial in ([], ["--partial"]):
            db = work / f"load-{name}.db"
            shutil.copy(seed_db, db)
            before = dump_lines(db)
            rc, _, err = mediadex(db, "load", *partial, path)
            what = f"{name}{' --partial' if partial else ''}"
            if panicked(err) or rc is None:
                problems.append(f"{what}: panic or hang")
            elif not partial and rc != 3:
                problems.append(f"{what}: exit {rc}, not refused")
            elif rc not in (0, 3):
                problems.append(f"{what}: exit {rc}: {err[:200]}")
            elif rc == 3 and path.name not in err:
                problems.append(f"{what}: the message does not name the dump: {err[:200]}")
            elif "damaged" in err:
                problems.append(f"{what}: blames the catalog: {err[:200]}")
            if not partial and dump_lines(db)[1:] != before[1:]:
                problems.append(f"{what}: a refused dump changed the catalog")
            if integrity(db) != "ok":
                problems.append(f"{what}: catalog not sound after the load")
            for f in db.parent.glob(db.name + "*"):
                f.unlink()
        path.unlink()
    return len(dumps), problems, "refused whole; --partial skips or refuses"


def children(pid):
    """Pids of the processes whose parent is `pid`."""
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            status = (p / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("PPid:") and line.split()[1] == str(pid):
                out.append(int(p.name))
    return out


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


def kill_at(db, args, moment, cwd=None):
    """Start `mediadex ARGS`, SIGKILL it after `moment` s; its workers' pids
    seen alive just before, and whether they were all gone 5 s later."""
    p = subprocess.Popen([str(EXE), "--db", str(db), *map(str, args)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    time.sleep(moment)
    workers = children(p.pid)
    p.send_signal(signal.SIGKILL)
    p.wait()
    deadline = time.monotonic() + 5
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [w for w in workers if alive(w)]
    for w in left:  # do not leave them to the next case
        os.kill(w, signal.SIGKILL)
    return len(workers), left


@case("kill -9 scan, fingerprint, verify, export")
def kill_runs(work, lib, rng, kills):
    """Each verb run once whole (timed), then killed `kills` times at random
    moments of a run as long, then run again to the end."""
    problems = []
    db = work / "killed.db"
    out = work / "killed-export"
    runs = [("scan", ["scan", "--force", "-j", "2", *EXT, lib]),
            ("fingerprint", ["fingerprint", "--force", "-j", "2"]),
            ("verify", ["verify", "--force", "-j", "2"]),
            ("export", ["export", "--out", out])]
    n = seen_workers = 0
    for verb, args in runs:
        t = time.monotonic()
        rc, _, err = mediadex(db, *args, timeout=SCAN_LIMIT)
        whole = time.monotonic() - t
        if rc not in (0, 3):
            problems.append(f"{verb}: exit {rc}: {err[:200]}")
        for _ in range(kills):
            n += 1
            workers, left = kill_at(db, args, rng.uniform(0.05, 0.95) * whole)
            seen_workers += workers
            if left:
                problems.append(f"{verb}: {len(left)} workers outlived their parent")
            if integrity(db) != "ok":
                problems.append(f"{verb}: integrity_check not ok after the kill")
        rc, _, err = mediadex(db, *args, timeout=SCAN_LIMIT)
        if rc not in (0, 3) or panicked(err):
            problems.append(f"{verb} rerun: exit {rc}: {err[:200]}")
        if integrity(db) != "ok":
            problems.append(f"{verb}: integrity_check not ok after the rerun")
    manifest = json.loads((out / "manifest.json").read_text())
    for r in manifest["reports"]:
        got = hashlib.sha256((out / r["file"]).read_bytes()).hexdigest()
        if r.get("sha256") != got:
            problems.append(f"export: {r['file']} does not match its manifest")
    if any(f.name.endswith(".mediadex-tmp") for f in out.iterdir()):
        problems.append("export: temporary files left after the rerun")
    return n, problems, f"{seen_workers} live workers at the kills, none left"


def damage(db, kind):
    """Damage the catalog `db` in place."""
    con = sqlite3.connect(db)
    if kind == "not-utf8":
        con.executescript(
            "UPDATE files SET path = CAST(path_bytes || x'ff' AS TEXT),"
            " first_seen = CAST(x'32303236ff' AS TEXT);"
            "UPDATE file_seen SET last_seen = CAST(x'32303236ff' AS TEXT);")
        con.commit()
        con.close()
        return
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    table = {"zeroed-pages": ("files", "docs"), "garbage-schema": ("sqlite_schema",)}.get(kind, ())
    pages = [p for (p,) in con.execute(
        f"SELECT pageno FROM dbstat WHERE name IN ({','.join('?' * len(table))})",
        table)] if table else []
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = bytearray(db.read_bytes())
    rng = random.Random(kind)
    for p in pages:
        if p > 1:
            data[(p - 1) * size : p * size] = (
                bytes(size) if kind == "zeroed-pages" else rng.randbytes(size))
    if kind == "header":
        data[16:100] = rng.randbytes(84)  # past the magic: still SQLite's
    db.write_bytes(bytes(data))


@case("damaged catalogs")
def damaged(work, seed_db, lib, dump):
    problems = []
    kinds = ["zeroed-pages", "garbage-schema", "header", "not-utf8"]
    verbs = [["dump"], ["query", "SELECT path, doc FROM media"], ["report"],
             ["fingerprint"], ["verify"], ["load", dump], ["scan", lib],
             ["export", "--out", work / "damaged-export"]]
    n = 0
    for kind in kinds:
        for verb in verbs:
            if kind == "not-utf8" and verb[0] not in ("dump", "load"):
                continue  # text is read as text by these two
            n += 1
            db = work / f"damaged-{kind}.db"
            shutil.copy(seed_db, db)
            damage(db, kind)
            rc, _, err = mediadex(db, *verb)
            lines = err.strip().splitlines()
            ok = (rc == 1 and len(lines) == 1
                  and f"catalog {db} is damaged (" in lines[0]
                  and "PRAGMA" in lines[0] and "restore it from a backup" in lines[0])
            if not ok:
                problems.append(f"{kind} {verb[0]}: exit {rc}: {err[:300]}")
            if verb[0] == "export" and (work / "damaged-export").exists():
                problems.append(f"{kind} export: left a partial set")
                shutil.rmtree(work / "damaged-export")
            for f in db.parent.glob(db.name + "*"):
                f.unlink()
    return n, problems, "one line naming the catalog, exit 1"


WRITES = [
    "INSERT INTO files (host, path) VALUES ('h', '/x')",
    "UPDATE files SET status = 'ok'",
    "DELETE FROM files",
    "DROP TABLE files",
    "CREATE TABLE t (x)",
    "CREATE TEMP TABLE t (x)",
    "ALTER TABLE files ADD COLUMN x",
    "REPLACE INTO history (day) VALUES ('2020-01-01')",
    "WITH x AS (SELECT 1) DELETE FROM files",
    "SELECT 1; DELETE FROM files",
    "ATTACH '{dir}/attached.db' AS a",
    "VACUUM",
    "VACUUM INTO '{dir}/copy.db'",
    "PRAGMA user_version = 99",
    "PRAGMA writable_schema = 1",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA query_only = 0",
    "BEGIN IMMEDIATE",
    "SELECT load_extension('/tmp/x')",
    "REINDEX",
    "ANALYZE",
    "INSERT INTO files SELECT * FROM files",
]


@case("user SQL cannot write")
def sql_cannot_write(work, seed_db):
    problems = []
    db = work / "sql.db"
    shutil.copy(seed_db, db)

    def state():
        # The main file and what the WAL holds (a reader creates it empty).
        return [hashlib.sha256(f.read_bytes()).hexdigest()
                for f in (db, db.parent / (db.name + "-wal"))
                if f.exists() and f.stat().st_size > 0]

    before = state()
    for sql in WRITES:
        sql = sql.format(dir=work)
        rc, _, err = mediadex(db, "query", sql)
        if rc == 0 or panicked(err):
            problems.append(f"{sql!r}: exit {rc}")
        if state() != before:
            problems.append(f"{sql!r}: the catalog changed")
            before = state()
    for f in ("attached.db", "copy.db"):
        if (work / f).exists():
            problems.append(f"{f} was written")
    return len(WRITES), problems, "each refused, catalog bytes unchanged"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=30)
    ap.add_argument("--per-seed", type=int, default=18,
                    help="mutated copies of each seed file")
    ap.add_argument("--kills", type=int, default=6, help="kills per verb")
    ap.add_argument("--keep", type=Path, help="work here and keep it")
    args = ap.parse_args()
    if not EXE.exists():
        sys.exit(f"{EXE} is missing: run `cargo build --release --locked` (make torture does)")
    started = time.monotonic()
    rng = random.Random(args.seed)
    tmp = None
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
        args.keep.mkdir(parents=True)
        work = args.keep.resolve()
    else:
        tmp = tempfile.TemporaryDirectory(prefix="mediadex-torture-")
        work = Path(tmp.name)
    try:
        seeds = make_seeds(work)
        seed_db = work / "seeds.db"
        rc, _, err = mediadex(seed_db, "scan", *EXT, work / "seeds", timeout=SCAN_LIMIT)
        if rc not in (0, 3):
            sys.exit(f"scanning the seed files failed: exit {rc}: {err}")
        dump = work / "seeds.jsonl"
        dump.write_text("\n".join(dump_lines(seed_db)) + "\n")
        mutants = make_mutants(seeds, work / "mutants", rng, args.per_seed)
        scan_mutants(work, mutants)
        fingerprint_mutants(work, mutants)
        verify_mutants(work, mutants)
        load_hostile(work, seed_db)
        kill_runs(work, work / "mutants", rng, args.kills)
        damaged(work, seed_db, work / "seeds", dump)
        sql_cannot_write(work, seed_db)
    finally:
        if tmp:
            tmp.cleanup()
    print_table(time.monotonic() - started)
    sys.exit(0 if all(r[2] for r in RESULTS) else 1)


def print_table(total):
    rows = [("case", "count", "outcome", "seconds", "detail")]
    for name, count, ok, secs, detail, problems in RESULTS:
        rows.append((name, str(count), "pass" if ok else "FAIL", f"{secs:.1f}", detail))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  ------")
    for name, _, ok, _, _, problems in RESULTS:
        for p in problems[:10]:
            print(f"{name}: {p}", file=sys.stderr)
    print(f"total {total:.1f} s")


if __name__ == "__main__":
    main()
