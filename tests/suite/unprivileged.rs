//! Running the real binary as an unprivileged user (the suite runs as root,
//! which reads and writes everything): `setpriv` to uid/gid 65534 with no
//! supplementary groups, keeping the environment `TestEnv` sets up.

use std::path::Path;
use std::process::{Command, Output};

use crate::testenv::TestEnv;

pub const NOBODY: u32 = 65534;

/// `mediadex --db DB ARGS...` as user 65534.
pub fn run_as_nobody(env: &TestEnv, db: &Path, args: &[&str]) -> Output {
    let inner = env.std_cmd_db(db);
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
    c.arg(inner.get_program());
    c.args(inner.get_args());
    c.args(args);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.output().expect("run setpriv")
}

/// Let user 65534 into the test's directory (tempdirs are 0700).
pub fn open_env_dir(env: &TestEnv) {
    set_mode(env.path(), 0o755);
}

pub fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn chown_nobody(p: &Path) {
    std::os::unix::fs::chown(p, Some(NOBODY), Some(NOBODY)).unwrap();
}
