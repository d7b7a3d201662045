//! Applying a plan: every file it removes is checked against the plan, the
//! action logged, taken, and logged as done; a rerun skips what is done and
//! finishes, from what the disk shows, what a kill cut short.
//!
//! Invariants: a group whose kept copy changed or vanished is left whole;
//! a file that changed is refused and named; the kept copy is never
//! touched; a hard link is never attempted across file systems (refused
//! before anything is logged); nothing is logged as done that the disk does
//! not show done.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{Entry, Group, Plan, fsops, quarantine_path};
use crate::catalog::dedupe::{self as journal, Action};
use crate::util;

/// What `apply` does with each file it removes.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Move it below this directory, keeping its whole path.
    MoveTo(PathBuf),
    /// Replace it with a hard link to the kept copy.
    Hardlink,
    Delete,
}

impl Mode {
    pub fn action(&self) -> &'static str {
        match self {
            Mode::MoveTo(_) => "move",
            Mode::Hardlink => "hardlink",
            Mode::Delete => "delete",
        }
    }
}

/// What a run did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Applied {
    /// Files acted on in this run.
    pub done: u64,
    /// Bytes of the files acted on in this run.
    pub bytes: u64,
    /// Files an earlier run had acted on already.
    pub already: u64,
    /// Files left as they were because they, or their kept copy, no longer
    /// match the plan: (path, why).
    pub refused: Vec<(String, String)>,
    /// Files whose action failed (a read-only or full quarantine, …),
    /// left in place: (path, why).
    pub failed: Vec<(String, String)>,
}

/// Apply `plan` on `host` in `mode`; `each` is told of every file done.
pub fn apply(
    conn: &mut Connection,
    plan: &Plan,
    mode: &Mode,
    mut each: impl FnMut(&Entry),
) -> crate::catalog::Result<Applied> {
    journal::durable(conn)?;
    let mut out = Applied::default();
    for g in &plan.groups {
        let keep = match g.keep.path_buf() {
            Ok(p) => p,
            Err(e) => {
                refuse_group(&mut out, g, &e);
                continue;
            }
        };
        if let Some(why) = fsops::differs(&keep, &g.keep) {
            let why = format!(
                "its kept copy {} {why}; the group is left whole",
                g.keep.path
            );
            refuse_group(&mut out, g, &why);
            continue;
        }
        for e in &g.remove {
            let step = Step {
                plan,
                mode,
                keep: &keep,
                keep_entry: &g.keep,
                entry: e,
            };
            match step.run(conn)? {
                Outcome::Done => {
                    out.done += 1;
                    out.bytes += e.size;
                    each(e);
                }
                Outcome::Already => out.already += 1,
                Outcome::Refused(why) => out.refused.push((e.path.clone(), why)),
                Outcome::Failed(why) => out.failed.push((e.path.clone(), why)),
            }
        }
    }
    Ok(out)
}

fn refuse_group(out: &mut Applied, g: &Group, why: &str) {
    for e in &g.remove {
        out.refused.push((e.path.clone(), why.to_string()));
    }
}

enum Outcome {
    Done,
    Already,
    Refused(String),
    Failed(String),
}

/// One file of the plan.
struct Step<'a> {
    plan: &'a Plan,
    mode: &'a Mode,
    keep: &'a Path,
    keep_entry: &'a Entry,
    entry: &'a Entry,
}

impl Step<'_> {
    fn run(&self, conn: &mut Connection) -> crate::catalog::Result<Outcome> {
        let (path, bytes) = match (self.entry.path_buf(), self.entry.path_bytes()) {
            (Ok(p), Ok(b)) => (p, b),
            (Err(e), _) | (_, Err(e)) => return Ok(Outcome::Refused(e)),
        };
        let logged = journal::action(conn, &self.plan.id, &self.plan.host, &bytes)?;
        match logged.as_ref().map(|a| a.state.as_str()) {
            Some("done") => return Ok(Outcome::Already),
            Some("undoing") => {
                return Ok(Outcome::Refused(
                    "an undo of it was cut short; run `mediadex dedupe undo` again first".into(),
                ));
            }
            Some("acting") => {
                let a = logged.as_ref().expect("a logged action");
                if let Some(outcome) = self.resume(conn, a, &path)? {
                    return Ok(outcome);
                }
            }
            _ => {}
        }
        // An undo put it back, perhaps under another inode (also when an
        // apply after that undo was cut short before it acted).
        let put_back = logged.is_some_and(|a| a.undone);
        if let Some(why) = self.refusal(&path, put_back) {
            return Ok(Outcome::Refused(why));
        }
        let a = self.action(bytes, &path);
        journal::begin(conn, &a)?;
        self.act(conn, &a, &path)
    }

    /// Why the file must be left as it is, if it must; `put_back`: an undo
    /// restored it, perhaps under another inode.
    fn refusal(&self, path: &Path, put_back: bool) -> Option<String> {
        if let Some(why) = fsops::differs_but_inode(path, self.entry, !put_back) {
            return Some(why);
        }
        if (self.entry.dev, self.entry.inode) == (self.keep_entry.dev, self.keep_entry.inode) {
            return Some("is the kept copy itself (a hard link of it)".into());
        }
        match self.mode {
            Mode::Hardlink if self.entry.dev != self.keep_entry.dev => Some(format!(
                "is on another file system than its kept copy {}, and a hard link cannot cross file systems; use --move-to or --delete",
                self.keep_entry.path
            )),
            Mode::MoveTo(dir) => {
                let bytes = util::path_bytes(path);
                let dest = quarantine_path(dir, bytes);
                fsops::exists(&dest).then(|| {
                    format!(
                        "cannot go to {}: a file is there already",
                        util::display_path(&dest)
                    )
                })
            }
            _ => None,
        }
    }

    fn action(&self, bytes: Vec<u8>, path: &Path) -> Action {
        Action {
            plan_id: self.plan.id.clone(),
            host: self.plan.host.clone(),
            keep_bytes: util::path_bytes(self.keep).to_vec(),
            action: self.mode.action().into(),
            target: match self.mode {
                Mode::MoveTo(dir) => {
                    Some(util::path_bytes(&quarantine_path(dir, util::path_bytes(path))).to_vec())
                }
                _ => None,
            },
            state: "acting".into(),
            size: self.entry.size,
            mtime_ns: self.entry.mtime_ns,
            sampled: self.entry.sampled.clone(),
            identical: self.entry.identical,
            undone: false,
            path_bytes: bytes,
        }
    }

    /// Take the logged action; log it done, or forget it if nothing was done.
    fn act(
        &self,
        conn: &mut Connection,
        a: &Action,
        path: &Path,
    ) -> crate::catalog::Result<Outcome> {
        let result = match (self.mode, &a.target) {
            (Mode::MoveTo(_), Some(t)) => fsops::move_file(path, &util::path_from_bytes(t)),
            (Mode::Hardlink, _) => fsops::replace_with_link(self.keep, path),
            _ => fsops::delete(path),
        };
        match result {
            Ok(()) => {
                journal::set_state(conn, a, "done")?;
                Ok(Outcome::Done)
            }
            Err(e) => {
                if fsops::differs(path, self.entry).is_none() {
                    journal::drop_action(conn, a)?;
                }
                Ok(Outcome::Failed(e.to_string()))
            }
        }
    }

    /// After a kill: finish a logged action from what the disk shows, or
    /// None when the file is still as planned and the action is to be taken.
    fn resume(
        &self,
        conn: &mut Connection,
        a: &Action,
        path: &Path,
    ) -> crate::catalog::Result<Option<Outcome>> {
        let here = fsops::exists(path);
        let finished = match a.action.as_str() {
            "move" => {
                let dest = util::path_from_bytes(a.target.as_deref().unwrap_or_default());
                match (here, fsops::exists(&dest)) {
                    (false, true) => true,
                    (true, true) => match fsops::finish_copied_move(path, &dest) {
                        Ok(()) => true,
                        Err(e) => return Ok(Some(Outcome::Failed(e.to_string()))),
                    },
                    _ => false,
                }
            }
            "hardlink" => here && fsops::identity(path).ok() == fsops::identity(self.keep).ok(),
            _ => !here,
        };
        if finished {
            journal::set_state(conn, a, "done")?;
            return Ok(Some(Outcome::Done));
        }
        if !here {
            return Ok(Some(Outcome::Failed(
                "vanished while it was being acted on; nothing more is done to it".into(),
            )));
        }
        journal::drop_action(conn, a)?;
        Ok(None)
    }
}
