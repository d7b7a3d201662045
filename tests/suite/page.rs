//! The library's page (`index.html` of an export, `report --html FILE`): its
//! place in the manifest, byte-identical repeats, a page on an empty catalog,
//! and a real browser (Debian's `chromium-headless-shell`, see `browser`)
//! loading it from a file URL with JavaScript on and off: every chart's SVG in the rendered DOM,
//! the sorting script ran, no console message, no network request (the
//! browser's proxy is a socket this test listens on), and screenshots that
//! are not blank and the same with scripts off. The screenshots stay in
//! `target/tmp/page-screenshots/`.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::testenv::browser::visit;
use crate::testenv::library::{catalog, library};
use crate::testenv::{TestEnv, stderr};

fn export(env: &TestEnv, out: &Path) -> Value {
    let o = env.run(&["export", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

/// The charts a page of this build holds (the ids of its figures).
fn figure_ids(html: &str) -> Vec<String> {
    html.match_indices("<figure id=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn export_writes_the_page_into_the_manifest_and_repeats_it_byte_for_byte() {
    let env = catalog(library());
    let out = env.path().join("out");
    let m = export(&env, &out);
    let page = std::fs::read(out.join("index.html")).unwrap();
    assert_eq!(m["page"]["file"], "index.html");
    assert_eq!(m["page"]["sha256"], hex::encode(Sha256::digest(&page)));
    let again = export(&env, &out);
    assert_eq!(std::fs::read(out.join("index.html")).unwrap(), page);
    assert_eq!(again["page"], m["page"]);

    let html = String::from_utf8(page).unwrap();
    let ids = figure_ids(&html);
    assert!(ids.len() >= 15, "{ids:?}");
    for id in &ids {
        // Each chart's figure holds its SVG and links to a table on the page.
        let fig = &html[html.find(&format!("<figure id=\"{id}\"")).unwrap()..];
        let fig = &fig[..fig.find("</figure>").unwrap()];
        assert!(fig.contains("<svg"), "{id} has its SVG");
        let href = fig.split("href=\"#").nth(1).unwrap();
        let target = &href[..href.find('"').unwrap()];
        assert!(
            html.contains(&format!("id=\"{target}\"")),
            "{id} links to #{target}"
        );
    }
    // The tables link to the export's files and hold the rows.
    assert!(html.contains("suspicious.json"));
    assert!(html.contains("/lib/Movies/audio-only.mkv"));
    assert!(
        html.contains("720p SDR h264 8-bit 1ch 0.029bpp"),
        "an upgrade candidate"
    );
    // Nothing from elsewhere.
    for bad in [
        "<link", "<img", " src=", "@import", "url(", "http://", "https://",
    ] {
        let n = html.matches(bad).count();
        let allowed = if bad == "http://" {
            // SVG's namespace, once per chart.
            html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        } else {
            0
        };
        assert_eq!(n, allowed, "{bad:?} in the page");
    }

    // `report --html` writes the same page, but points at the commands.
    let file = env.path().join("adhoc.html");
    let o = env.run(&["report", "--html", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let adhoc = std::fs::read_to_string(&file).unwrap();
    assert!(adhoc.contains("mediadex report suspicious -f json"));
    assert_eq!(figure_ids(&adhoc), ids);
}

#[test]
fn a_page_of_an_empty_catalog_has_every_chart_and_says_none() {
    let env = TestEnv::new();
    env.run(&["scan", env.lib.to_str().unwrap()]);
    let file = env.path().join("empty.html");
    let o = env.run(&["report", "--html", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&file).unwrap();
    assert_eq!(figure_ids(&html).len(), html.matches("<svg").count());
    assert!(html.contains("<p>None.</p>"));
    assert!(html.contains("0 B → 0 B"), "the savings line");
}

/// A socket that stands in for the browser's proxy: any request the page
/// makes to the network arrives here.
struct Trap {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    fn new() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = Arc::clone(&seen);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut c) = conn else { break };
                let mut buf = [0u8; 256];
                let n = c.read(&mut buf).unwrap_or(0);
                s.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        });
        Trap { port, seen }
    }
}

/// The pixels of a PNG, and the share of them that differ from the first.
fn pixels(png_bytes: &[u8]) -> (Vec<u8>, f64) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let px = info.color_type.samples();
    let first = &buf[..px];
    let differ = buf.chunks(px).filter(|p| p != &first).count();
    let share = differ as f64 / (buf.len() / px) as f64;
    (buf, share)
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("page-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_real_browser_renders_the_page_with_and_without_javascript() {
    let env = catalog(library());
    let out = env.path().join("out");
    export(&env, &out);
    let page = out.join("index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let charts = figure_ids(&html);
    let trap = Trap::new();
    let proxy = vec![
        format!("--proxy-server=http://127.0.0.1:{}", trap.port),
        "--proxy-bypass-list=<-loopback>".to_string(),
    ];

    let mut shots = Vec::new();
    for scripts in [true, false] {
        let mode = if scripts { "js" } else { "nojs" };
        let v = visit(&page, scripts, 1280, 2400, &proxy);
        // The script marks the document; without it the page reads as written.
        assert_eq!(
            v.dom.contains("<html lang=\"en\" class=\"js\">"),
            scripts,
            "{mode}: {}",
            &v.dom[..v.dom.len().min(300)]
        );
        for id in &charts {
            let at = v
                .dom
                .find(&format!("<figure id=\"{id}\""))
                .unwrap_or_else(|| panic!("{mode}: chart {id} in the DOM"));
            let fig = &v.dom[at..];
            let fig = &fig[..fig.find("</figure>").unwrap()];
            assert!(
                fig.contains("<svg") && fig.contains("</svg>"),
                "{mode}: {id} SVG"
            );
        }
        assert!(v.console.is_empty(), "{mode}: {:?}", v.console);
        assert!(v.requests.is_empty(), "{mode}: requests {:?}", v.requests);
        std::fs::write(screenshots().join(format!("index-{mode}.png")), &v.png).unwrap();
        let (px, drawn) = pixels(&v.png);
        assert!(
            drawn > 0.05,
            "{mode}: {:.1}% of the screenshot is drawn",
            drawn * 100.0
        );
        shots.push(px);
    }
    assert!(
        shots[0] == shots[1],
        "the page looks the same without its script"
    );
    assert!(
        trap.seen.lock().unwrap().is_empty(),
        "the page asked the network: {:?}",
        trap.seen.lock().unwrap()
    );

    // The checks can fail: a page that logs and loads from elsewhere is caught.
    let leaky = env.path().join("leaky.html");
    std::fs::write(
        &leaky,
        "<img src=\"http://example.invalid/x.png\"><script>console.error('boom')</script>",
    )
    .unwrap();
    let v = visit(&leaky, true, 400, 300, &proxy);
    assert!(
        v.console.iter().any(|c| c.contains("boom")),
        "{:?}",
        v.console
    );
    assert!(
        v.requests.iter().any(|r| r.contains("example.invalid")),
        "{:?}",
        v.requests
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        trap.seen
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.contains("example.invalid")),
        "the proxy trap sees requests"
    );
}
