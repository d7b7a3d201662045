//! vid_dup_finder_lib on every video of a directory (default builder and
//! search tolerance): hashing time on stderr, then "group<TAB>file" lines.

use vid_dup_finder_lib::*;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("mkv" | "mp4" | "webm" | "avi" | "mpg" | "ts" | "m2ts" | "flv" | "mov" | "wmv" | "ogv" | "3gp"))).collect();
    paths.sort();
    let b = VideoHashBuilder::default();
    let t = std::time::Instant::now();
    let hashes: Vec<VideoHash> = paths.iter().filter_map(|p| match b.hash(p.clone()) { Ok(h) => Some(h), Err(e) => { eprintln!("{}: {e:?}", p.display()); None } }).collect();
    eprintln!("hashed {} of {} in {:.1} s", hashes.len(), paths.len(), t.elapsed().as_secs_f64());
    let groups = search(hashes, DEFAULT_SEARCH_TOLERANCE);
    for (g, m) in groups.iter().enumerate() {
        for p in m.duplicates() { println!("{g}\t{}", p.file_name().unwrap().to_string_lossy()); }
    }
}
