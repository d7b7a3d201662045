//! The catalogued files compared with ffprobe fact by fact, for the suites
//! that scan real files and require every fact to agree.

use std::path::Path;

use super::TestEnv;
use super::truth;

impl TestEnv {
    /// Every fact ffprobe reports of the catalogued `names` (copied from
    /// `dir`; the whole catalog) that mediadex does not agree with, but for
    /// the `(file, field)` pairs in `placeholders`; and how many facts were
    /// compared.
    pub fn ffprobe_disagreements(
        &self,
        names: &[String],
        dir: &Path,
        placeholders: &[(&str, &str)],
    ) -> (Vec<String>, usize) {
        let rows = self.query("SELECT path, status, error, doc FROM media ORDER BY path");
        assert_eq!(rows.len(), names.len());
        let mut wrong = Vec::new();
        let mut compared = 0;
        for r in &rows {
            let path = Path::new(r["path"].as_str().unwrap());
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let reference = truth::ffprobe_json(&dir.join(&name))
                .map(|v| truth::from_ffprobe(&v))
                .unwrap_or_else(|e| panic!("ffprobe {name}: {e}"));
            let ours = truth::from_mediadex(
                r["status"].as_str().unwrap(),
                r["error"].as_str(),
                &r["doc"],
            );
            for fact in truth::compare(&name, Some(&reference), &ours) {
                compared += 1;
                if !fact.agree && !placeholders.contains(&(name.as_str(), fact.field.as_str())) {
                    wrong.push(format!(
                        "{name}: {} {} (ffprobe {})",
                        fact.field, fact.candidate, fact.reference
                    ));
                }
            }
        }
        (wrong, compared)
    }
}
