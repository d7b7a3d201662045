//! Undoing a plan from the catalog's journal: moved files go back to their
//! places; linked and deleted files are restored from the kept copy when
//! their bytes were the kept copy's, and said otherwise.
//!
//! Invariants: nothing is put over a file that is there now (unless it is
//! the link the plan made); a restored copy is checked against the sampled
//! hash planned before it takes the name; each step is logged (`undoing`,
//! then `undone`), so a killed undo is finished by the next.

use rusqlite::Connection;

use super::{Plan, fsops};
use crate::catalog::dedupe::{self as journal, Action};
use crate::util;

/// What an undo did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Undone {
    /// Files put back in this run.
    pub restored: u64,
    /// Files an earlier undo had put back.
    pub already: u64,
    /// Files that cannot be put back: (path, why).
    pub cannot: Vec<(String, String)>,
}

/// Undo every action the journal holds for `plan`, the latest first.
pub fn undo(conn: &mut Connection, plan: &Plan) -> crate::catalog::Result<Undone> {
    journal::durable(conn)?;
    let mut out = Undone::default();
    let mut actions = journal::actions(conn, &plan.id)?;
    actions.reverse();
    for a in actions.iter().filter(|a| a.host == plan.host) {
        let shown = util::display_bytes(&a.path_bytes);
        if a.state == "undone" {
            out.already += 1;
            continue;
        }
        match undo_one(conn, a)? {
            Ok(()) => out.restored += 1,
            Err(why) => out.cannot.push((shown, why)),
        }
    }
    Ok(out)
}

/// Put one file back, or say why it cannot be.
fn undo_one(conn: &mut Connection, a: &Action) -> crate::catalog::Result<Result<(), String>> {
    let path = util::path_from_bytes(&a.path_bytes);
    let keep = util::path_from_bytes(&a.keep_bytes);
    if a.state != "done" && still_planned(&path, a) {
        // A kill came before the action was finished, or after the file was
        // put back: only a quarantined copy of it may remain to go.
        if let Some(dest) = a.target.as_deref().map(util::path_from_bytes)
            && crate::sampled::sampled_hash(&dest).is_ok_and(|h| h == a.sampled)
            && let Err(e) = std::fs::remove_file(&dest)
        {
            return Ok(Err(e.to_string()));
        }
        if a.state == "acting" {
            journal::drop_action(conn, a)?;
        } else {
            journal::set_state(conn, a, "undone")?;
        }
        return Ok(Ok(()));
    }
    let result = match a.action.as_str() {
        "move" => {
            let dest = util::path_from_bytes(a.target.as_deref().unwrap_or_default());
            move_back(conn, a, &dest, &path)?
        }
        _ if !a.identical => Err(format!(
            "its bytes differed from the kept copy {} it was {}; it cannot be restored from it",
            util::display_path(&keep),
            if a.action == "hardlink" {
                "replaced by a link to"
            } else {
                "deleted in favour of"
            }
        )),
        "hardlink" => {
            let linked = fsops::identity(&path).ok() == fsops::identity(&keep).ok();
            if !linked {
                Err(format!(
                    "{} is no longer the link to the kept copy; it is left as it is",
                    util::display_path(&path)
                ))
            } else {
                restore(conn, a, &keep, &path)?
            }
        }
        _ if fsops::exists(&path) => Err("a file is at its path now; it is left as it is".into()),
        _ => restore(conn, a, &keep, &path)?,
    };
    Ok(result)
}

/// The file is where and as it was planned (its sampled hash and size).
fn still_planned(path: &std::path::Path, a: &Action) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == a.size)
        && crate::sampled::sampled_hash(path).is_ok_and(|h| h == a.sampled)
        && !(a.action == "hardlink"
            && fsops::identity(path).ok()
                == fsops::identity(&util::path_from_bytes(&a.keep_bytes)).ok())
}

fn move_back(
    conn: &mut Connection,
    a: &Action,
    dest: &std::path::Path,
    path: &std::path::Path,
) -> crate::catalog::Result<Result<(), String>> {
    let (at_dest, at_path) = (fsops::exists(dest), fsops::exists(path));
    if at_path && !at_dest {
        // Put back already (a kill after the move back, before the log).
        journal::set_state(conn, a, "undone")?;
        return Ok(Ok(()));
    }
    if !at_dest {
        return Ok(Err(format!(
            "it is no longer in the quarantine at {}",
            util::display_path(dest)
        )));
    }
    if at_path {
        return Ok(Err(
            "a file is at its path now; it is left in the quarantine".into(),
        ));
    }
    journal::set_state(conn, a, "undoing")?;
    Ok(match fsops::move_file(dest, path) {
        Ok(()) => {
            journal::set_state(conn, a, "undone")?;
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    })
}

fn restore(
    conn: &mut Connection,
    a: &Action,
    keep: &std::path::Path,
    path: &std::path::Path,
) -> crate::catalog::Result<Result<(), String>> {
    journal::set_state(conn, a, "undoing")?;
    Ok(
        match fsops::restore_from(keep, path, a.mtime_ns, &a.sampled) {
            Ok(()) => {
                journal::set_state(conn, a, "undone")?;
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        },
    )
}
