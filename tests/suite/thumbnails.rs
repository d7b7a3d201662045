//! Thumbnails: `mediadex fingerprint` keeps a small JPEG of each video
//! (checked against ffprobe: a real JPEG, at most 10,000 bytes, 160 pixels
//! wide at the video's display aspect; none for audio), dumps carry it byte
//! for byte, and the page shows pictures only of the files it lists: the
//! copies of its duplicate groups, side by side with what is kept and why,
//! and the problem files, in a real browser that decodes them.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::testenv::browser::visit_eval;
use crate::testenv::{TestEnv, ffmpeg, stderr};

/// Six seconds of a moving picture, `size`, H.264, with `extra` arguments.
fn video(out: &Path, source: &str, size: &str, extra: &[&str]) {
    let src = format!("{source}=s={size}:r=25");
    let mut args = vec!["-f", "lavfi", "-i", &src, "-t", "6"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-c:v", "libx264", "-pix_fmt", "yuv420p"]);
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
}

/// The library: an anamorphic original and its smaller re-encode (one
/// group), another video alone, an audio file, a file that is no video (with
/// a long name), and a video that goes missing after it was fingerprinted.
fn library(env: &TestEnv) {
    let lib = &env.lib;
    video(
        &lib.join("orig.mp4"),
        "mandelbrot",
        "320x240",
        &["-aspect", "16:9"],
    );
    ffmpeg(&[
        "-i",
        lib.join("orig.mp4").to_str().unwrap(),
        "-vf",
        "scale=160:120",
        "-c:v",
        "libx264",
        lib.join("small.mkv").to_str().unwrap(),
    ]);
    video(&lib.join("alone.mp4"), "testsrc2", "320x240", &[]);
    video(&lib.join("gone.mp4"), "smptebars", "320x180", &[]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:d=2",
        "-c:a",
        "aac",
        lib.join("tone.m4a").to_str().unwrap(),
    ]);
    // A long name, as people give them: the page's tables still fit.
    let long = "The whole family at the lake in the mountains, summer holidays, \
                second week, camera original before any editing (part 2 of 7).mp4";
    std::fs::write(lib.join(long), b"this is not a video at all").unwrap();
    env.scan(&[], 3);
    let o = env.run(&["fingerprint"]);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(3),
        "{}",
        stderr(&o)
    );
}

/// (path's file name, jpeg, width, height) of every thumbnail in `db`.
fn thumbnails(db: &Path) -> Vec<(String, Vec<u8>, i64, i64)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare(
            "SELECT f.path, t.jpeg, t.width, t.height FROM thumbnails t
             JOIN files f ON f.id = t.file_id ORDER BY f.path",
        )
        .unwrap();
    st.query_map([], |r| {
        let p: String = r.get(0)?;
        let name = p.rsplit('/').next().unwrap().to_string();
        Ok((name, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// ffprobe's `entries` of the first video stream of `file`.
fn ffprobe(file: &Path, entries: &str) -> Value {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-of", "json"])
        .args(["-show_entries", &format!("stream={entries}")])
        .arg(file)
        .output()
        .expect("run ffprobe");
    assert!(o.status.success(), "ffprobe {}", file.display());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["streams"][0].clone()
}

#[test]
fn fingerprint_keeps_a_small_jpeg_of_each_video_and_dumps_carry_it() {
    let env = TestEnv::new();
    library(&env);
    let thumbs = thumbnails(&env.db);
    let names: Vec<&str> = thumbs.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(names, ["alone.mp4", "gone.mp4", "orig.mp4", "small.mkv"]);
    for (name, jpeg, w, h) in &thumbs {
        assert!(jpeg.len() <= 10_000, "{name}: {} bytes", jpeg.len());
        assert!(jpeg.starts_with(&[0xff, 0xd8]) && jpeg.ends_with(&[0xff, 0xd9]));
        // ffprobe reads it as a JPEG of the size stored.
        let file = env.path().join(format!("{name}.jpg"));
        std::fs::write(&file, jpeg).unwrap();
        let j = ffprobe(&file, "codec_name,width,height");
        assert_eq!(j["codec_name"], "mjpeg", "{name}");
        assert_eq!(
            (j["width"].as_i64(), j["height"].as_i64()),
            (Some(*w), Some(*h))
        );
        // 160 wide, at the video's display aspect as ffprobe gives it.
        let v = ffprobe(&env.lib.join(name), "display_aspect_ratio");
        let dar: Vec<f64> = v["display_aspect_ratio"]
            .as_str()
            .unwrap()
            .split(':')
            .map(|x| x.parse().unwrap())
            .collect();
        assert_eq!(*w, 160, "{name}");
        let want = 160.0 * dar[1] / dar[0];
        assert!((*h as f64 - want).abs() <= 2.0, "{name}: {h} for {want:.1}");
    }

    // A dump carries them; a load into a new catalog keeps them byte for byte.
    let dump = env.path().join("all.jsonl");
    let o = env.run(&["dump", "--out", dump.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let other = env.path().join("other.db");
    let o = env
        .std_cmd_db(&other)
        .args(["load", dump.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(thumbnails(&other), thumbs);

    // A dump written before thumbnails (no such field, no trailer) loads.
    let text = std::fs::read_to_string(&dump).unwrap();
    let old: Vec<String> = text
        .lines()
        .filter(|l| !l.contains("\"type\":\"trailer\""))
        .map(|l| match l.find(",\"thumbnail\":{") {
            Some(i) => {
                let end = i + l[i..].find('}').unwrap() + 1;
                format!("{}{}", &l[..i], &l[end..])
            }
            None => l.to_string(),
        })
        .collect();
    assert!(!old.iter().any(|l| l.contains("thumbnail")));
    let old_dump = env.path().join("old.jsonl");
    std::fs::write(&old_dump, old.join("\n") + "\n").unwrap();
    let third = env.path().join("third.db");
    let o = env
        .std_cmd_db(&third)
        .args(["load", "--partial", old_dump.to_str().unwrap()])
        .output()
        .unwrap();
    // Exit 3: a dump without its trailer is not whole, its rows load.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("fingerprints 4 new"), "{}", stderr(&o));
    assert!(thumbnails(&third).is_empty());
}

/// What the browser measures of the page: pictures decoded, labels inside
/// their chart and clear of its bars (a label drawn in a wider font than the
/// chart measured runs under its bar), tables within their sections, and
/// whether the document is wider than the window.
const MEASURE: &str = r##"(() => {
  const imgs = [...document.querySelectorAll("img")].map(i => [i.complete, i.naturalWidth]);
  const cut = [];
  document.querySelectorAll("figure:not(#c-density) svg").forEach(svg => {
    const w = svg.viewBox.baseVal.width;
    const bars = [...svg.querySelectorAll("rect")].filter(r => r.getBBox().width < w - 1 && r.getBBox().height > 0);
    svg.querySelectorAll("text").forEach(t => {
      const b = t.getBBox();
      const under = bars.some(r => {
        const c = r.getBBox();
        return b.x < c.x + c.width - 0.5 && b.x + b.width > c.x + 0.5
          && b.y < c.y + c.height - 0.5 && b.y + b.height > c.y + 0.5;
      });
      if (under || b.x < -0.5 || b.x + b.width > w + 0.5) {
        cut.push(svg.parentNode.id + ": " + t.textContent.trim());
      }
    });
  });
  const wide = [...document.querySelectorAll("section.table")]
    .filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.id);
  const labels = [...document.querySelectorAll("#c-audio-codecs text")].map(t => t.textContent.trim());
  return {imgs, cut, wide, labels, page: document.documentElement.scrollWidth};
})()"##;

/// The number the page's headline gives for `label`.
fn headline(html: &str, label: &str) -> i64 {
    let end = html.find(&format!("</b>{label}</li>")).unwrap();
    let start = html[..end].rfind("<b>").unwrap() + 3;
    html[start..end].replace(',', "").parse().unwrap()
}

#[test]
fn the_page_reviews_duplicates_with_pictures_and_counts_problems_once() {
    let env = TestEnv::new();
    library(&env);
    std::fs::remove_file(env.lib.join("gone.mp4")).unwrap();
    let o = env.run(&["scan", env.lib.to_str().unwrap()]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let out = env.path().join("out");
    let o = env.run(&["export", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let similar: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out.join("similar.json")).unwrap()).unwrap();
    assert_eq!(similar.len(), 2, "{similar:?}");

    // The group: both copies side by side, which is kept and why.
    let dup = &html[html.find("<section class=\"duplicates\"").unwrap()..];
    let dup = &dup[..dup.find("</section>\n<section class=\"table\"").unwrap()];
    for row in &similar {
        let verdict = if row["keep"] == "yes" {
            "Keep"
        } else {
            "Not kept"
        };
        let why = row["why"].as_str().unwrap();
        assert!(
            dup.contains(&format!("{verdict}: {why}")),
            "{verdict}: {why}\n{dup}"
        );
        assert!(dup.contains(row["path"].as_str().unwrap()));
    }
    assert!(dup.contains("Keep: higher resolution"), "{dup}");
    assert_eq!(dup.matches("<img src=\"data:image/jpeg;base64,").count(), 2);

    // Pictures only of the files shown: the copies and the missing file.
    let data = |name: &str| {
        let t = thumbnails(&env.db);
        let jpeg = &t.iter().find(|t| t.0 == name).unwrap().1;
        mediadex_core::util::base64(jpeg)
    };
    assert_eq!(html.matches("<img ").count(), 3);
    for shown in ["orig.mp4", "small.mkv", "gone.mp4"] {
        assert!(html.contains(&data(shown)), "{shown}'s picture");
    }
    assert!(
        !html.contains(&data("alone.mp4")),
        "a file the page does not list"
    );

    // One count of problems: the headline, summary.txt and the table agree.
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    let line = summary.lines().find(|l| l.starts_with("Problems")).unwrap();
    let in_summary: i64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let table = &html[html.find("id=\"t-problems\"").unwrap()..];
    let table = &table[..table.find("</section>").unwrap()];
    assert_eq!(in_summary, 2, "{summary}");
    assert_eq!(headline(&html, "problems"), in_summary);
    assert_eq!(
        table.matches("<tr>").count() - 1,
        2,
        "rows under the header"
    );

    // Headers and the date for people.
    assert!(html.contains("<th>Duration</th>") && !html.contains("<th>duration_s</th>"));
    assert!(!html.contains("<th>reclaimable_bytes</th>"));
    let as_of = &html[html.find("<p class=\"as-of\">").unwrap()..];
    let as_of = &as_of[..as_of.find("</p>").unwrap()];
    // `2026-12-07 05:22 UTC`, not `2026-12-07T05:22:48.322Z`.
    let date = &as_of[as_of.len() - 20..];
    assert!(
        date.ends_with(" UTC") && date.as_bytes()[10] == b' ',
        "{as_of}"
    );

    look_in_a_browser(&out.join("index.html"));
}

/// The page in a real browser, wide and narrow: its three pictures decoded,
/// no label cut or under a bar, the tables within the page.
fn look_in_a_browser(page: &Path) {
    for width in [1400, 390] {
        let (_, m) = visit_eval(page, true, width, 2000, &[], MEASURE);
        let imgs = m["imgs"].as_array().unwrap();
        assert_eq!(imgs.len(), 3, "{m}");
        for i in imgs {
            assert!(i[0] == true && i[1].as_i64() > Some(0), "{width}: {m}");
        }
        assert_eq!(m["cut"], serde_json::json!([]), "{width}: labels cut");
        // Wide, every table fits its section; narrow, they scroll inside it
        // and the page itself is never wider than the screen.
        if width == 1400 {
            assert_eq!(
                m["wide"],
                serde_json::json!([]),
                "tables wider than the page"
            );
        }
        assert!(m["page"].as_i64() <= Some(width.into()), "{width}: {m}");
        let labels = m["labels"].as_array().unwrap();
        assert!(labels.iter().any(|l| l == "(no audio)"), "{m}");
    }
}

#[test]
fn a_changed_file_shows_no_picture_of_what_it_was() {
    let env = TestEnv::new();
    library(&env);
    let page = env.path().join("page.html");
    let html = || {
        let o = env.run(&["report", "--html", page.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        std::fs::read_to_string(&page).unwrap()
    };
    let orig = thumbnails(&env.db)
        .into_iter()
        .find(|t| t.0 == "orig.mp4")
        .unwrap();
    let data = mediadex_core::util::base64(&orig.1);
    assert!(html().contains(&data), "the copy's picture");
    // New bytes at the same path: until it is fingerprinted again, the page
    // shows no picture of it rather than the old one.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "smptehdbars=s=320x240:r=25",
        "-t",
        "6",
        "-c:v",
        "libx264",
        env.lib.join("orig.mp4").to_str().unwrap(),
    ]);
    let o = env.run(&["scan", env.lib.to_str().unwrap()]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    assert!(!html().contains(&data), "a stale picture");
    let o = env.run(&["fingerprint"]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let now = thumbnails(&env.db);
    let new = &now.iter().find(|t| t.0 == "orig.mp4").unwrap().1;
    assert_ne!(new, &orig.1, "fingerprinted again, a new picture");
}
