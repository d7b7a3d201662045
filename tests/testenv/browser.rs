//! A real browser for the page tests: Debian's `chromium-headless-shell`
//! driven over the DevTools protocol on `--remote-debugging-pipe` (fds 3 and
//! 4, messages ended by NUL), so that a page can be loaded with scripts
//! disabled too (the shell's `--dump-dom` and `--screenshot` need scripts),
//! and every console message, exception and network request is seen.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};

use serde_json::{Value, json};

pub const BROWSER: &str = "chromium-headless-shell";

/// What loading one page gave.
pub struct Visit {
    /// The document as the browser holds it after loading.
    pub dom: String,
    /// The screenshot, PNG.
    pub png: Vec<u8>,
    /// Console messages, exceptions and error log entries.
    pub console: Vec<String>,
    /// URLs the page requested, the page itself left out.
    pub requests: Vec<String>,
}

struct Browser {
    child: Child,
    to: std::fs::File,
    from: BufReader<std::fs::File>,
    next: u64,
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(extra: &[String]) -> Browser {
        let (cmd_r, cmd_w): (OwnedFd, OwnedFd) = nix::unistd::pipe().unwrap();
        let (out_r, out_w): (OwnedFd, OwnedFd) = nix::unistd::pipe().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let (r, w) = (cmd_r.as_raw_fd(), out_w.as_raw_fd());
        let mut c = Command::new(BROWSER);
        c.args([
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        // Its own process group, so that the zygote, GPU and renderer
        // processes go with it; and nothing on the test's output.
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
        // SAFETY: between fork and exec only async-signal-safe dup2 calls.
        unsafe {
            c.pre_exec(move || {
                if libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().unwrap_or_else(|e| {
            panic!(
                "{BROWSER} did not start ({e}); `make test` installs the Debian package {BROWSER}"
            )
        });
        drop((cmd_r, out_w));
        Browser {
            child,
            to: std::fs::File::from(cmd_w),
            from: BufReader::new(std::fs::File::from(out_r)),
            next: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    fn read(&mut self) -> Value {
        let mut buf = Vec::new();
        let n = self.from.read_until(0, &mut buf).unwrap();
        assert!(n > 0, "{BROWSER} closed its pipe");
        buf.pop();
        serde_json::from_slice(&buf).unwrap()
    }

    /// Send a command (to a session when given) and wait for its result,
    /// keeping the events that arrive meanwhile.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next += 1;
        let mut msg = json!({"id": self.next, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        loop {
            let m = self.read();
            if m["id"] == self.next {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
            self.events.push(m);
        }
    }

    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        loop {
            let m = self.read();
            let done = m["method"] == method;
            self.events.push(m);
            if done {
                return;
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        use nix::sys::signal::{Signal, killpg};
        let _ = killpg(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            Signal::SIGKILL,
        );
        let _ = self.child.wait();
    }
}

/// Load `page` (a file) in a `width` x `height` window, scripts on or off.
pub fn visit(page: &Path, scripts: bool, width: u32, height: u32, extra: &[String]) -> Visit {
    visit_eval(page, scripts, width, height, extra, "null").0
}

/// [`visit`], then the value of the JavaScript `expression` in the loaded
/// page (run by the browser even with the page's scripts off).
pub fn visit_eval(
    page: &Path,
    scripts: bool,
    width: u32,
    height: u32,
    extra: &[String],
    expression: &str,
) -> (Visit, Value) {
    let mut b = Browser::start(extra);
    let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let attached = b.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    let session = attached["sessionId"].as_str().unwrap().to_string();
    let s = Some(session.as_str());
    for domain in ["Page", "Runtime", "Log", "Network"] {
        b.call(s, &format!("{domain}.enable"), json!({}));
    }
    b.call(
        s,
        "Emulation.setScriptExecutionDisabled",
        json!({"value": !scripts}),
    );
    b.call(
        s,
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
    );
    let url = format!("file://{}", page.display());
    b.events.clear();
    b.call(s, "Page.navigate", json!({"url": url}));
    b.wait_for("Page.loadEventFired");
    let doc = b.call(s, "DOM.getDocument", json!({"depth": -1}));
    let dom = b.call(
        s,
        "DOM.getOuterHTML",
        json!({"nodeId": doc["root"]["nodeId"]}),
    )["outerHTML"]
        .as_str()
        .unwrap()
        .to_string();
    let value = b.call(
        s,
        "Runtime.evaluate",
        json!({"expression": expression, "returnByValue": true}),
    );
    let value = value["result"]["value"].clone();
    let shot = b.call(s, "Page.captureScreenshot", json!({"format": "png"}));
    let png = base64(shot["data"].as_str().unwrap());
    let mut console = Vec::new();
    let mut requests = Vec::new();
    for e in &b.events {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled" => {
                console.push(format!("console.{}: {}", p["type"], p["args"]))
            }
            "Runtime.exceptionThrown" => {
                console.push(format!("exception: {}", p["exceptionDetails"]))
            }
            "Log.entryAdded" => console.push(format!(
                "log {}: {}",
                p["entry"]["level"], p["entry"]["text"]
            )),
            "Network.requestWillBeSent" if p["request"]["url"] != url.as_str() => {
                requests.push(p["request"]["url"].as_str().unwrap_or("").to_string())
            }
            _ => {}
        }
    }
    (
        Visit {
            dom,
            png,
            console,
            requests,
        },
        value,
    )
}

/// Standard base64 (the screenshot's encoding).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (*d as u32) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("aGk="), b"hi");
    assert_eq!(base64("YWJj"), b"abc");
}
