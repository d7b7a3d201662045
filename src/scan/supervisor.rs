//! The parent side of probing: feed paths to a worker process, read its answers,
//! and survive it hanging or dying.
//!
//! Invariants: each job is reported to `on_done` exactly once; a path past its
//! deadline gets the worker killed and is reported `timeout`; when a worker dies,
//! the paths it had started are retried one at a time (suspects), and only a path
//! that kills a worker while probed alone is `crashed` — so a worker killed from
//! outside blames nobody; paths sent but not started are simply sent again.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};

use super::Job;
use super::protocol::{self, Done};
use crate::catalog::files::Status;
use crate::engine;

/// Extra time the parent allows beyond the worker's own deadline before killing it.
const GRACE: Duration = Duration::from_millis(1500);
/// A worker that dies this many times in a row without finishing anything is a fatal error.
const MAX_BARREN_DEATHS: u32 = 5;

enum Event {
    Started(u64, u64),
    Done(u64, Box<Done>),
    Eof(u64),
}

struct WorkerProc {
    /// The hidden verb the worker runs (`__probe-worker`, `__fingerprint-worker`).
    verb: &'static str,
    generation: u64,
    child: Child,
    /// None once the parent has closed the worker's input.
    stdin: Option<ChildStdin>,
    /// When this worker last said anything (or was started).
    last_event: Instant,
}

impl WorkerProc {
    fn spawn(
        verb: &'static str,
        generation: u64,
        jobs: usize,
        timeout: Duration,
        events: Sender<Event>,
    ) -> anyhow::Result<WorkerProc> {
        use std::os::unix::process::CommandExt;
        let exe = engine::media_exe()?;
        let mut child = Command::new(exe)
            .arg(verb)
            .arg("--jobs")
            .arg(jobs.to_string())
            .arg("--timeout-ms")
            .arg(timeout.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group: Ctrl-C in a terminal reaches the parent, which
            // decides what to do with the worker.
            .process_group(0)
            .spawn()
            .map_err(|e| anyhow::anyhow!("could not start the probe worker: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::Builder::new()
            .name(format!("worker-reader-{generation}"))
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let ev = if let Some(id) = line.strip_prefix("S ") {
                        id.trim()
                            .parse()
                            .ok()
                            .map(|id| Event::Started(generation, id))
                    } else if let Some(json) = line.strip_prefix("D ") {
                        serde_json::from_str::<Done>(json)
                            .ok()
                            .map(|d| Event::Done(generation, Box::new(d)))
                    } else {
                        None
                    };
                    if let Some(ev) = ev
                        && events.send(ev).is_err()
                    {
                        return;
                    }
                }
                let _ = events.send(Event::Eof(generation));
            })?;
        let stdin = child.stdin.take();
        Ok(WorkerProc {
            verb,
            generation,
            child,
            stdin,
            last_event: Instant::now(),
        })
    }

    /// Kill this worker and start the next generation in its place.
    fn replace(
        &mut self,
        jobs: usize,
        timeout: Duration,
        events: &Sender<Event>,
    ) -> anyhow::Result<()> {
        self.kill();
        *self = WorkerProc::spawn(
            self.verb,
            self.generation + 1,
            jobs,
            timeout,
            events.clone(),
        )?;
        Ok(())
    }

    fn send(&mut self, line: &str) -> bool {
        match self.stdin.as_mut() {
            Some(s) => s.write_all(line.as_bytes()).and_then(|_| s.flush()).is_ok(),
            None => false,
        }
    }

    fn close_input(&mut self) {
        self.stdin.take();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn exit_text(&mut self) -> String {
        match self.child.wait() {
            Ok(st) => {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = st.signal() {
                    let name = nix::sys::signal::Signal::try_from(sig)
                        .map(|s| s.as_str())
                        .unwrap_or("?");
                    format!("the probe crashed (signal {sig}, {name})")
                } else {
                    format!("the probe exited unexpectedly ({st})")
                }
            }
            Err(e) => format!("the probe died: {e}"),
        }
    }
}

impl Drop for WorkerProc {
    fn drop(&mut self) {
        self.close_input();
        self.kill();
    }
}

/// Probe every job; call `on_done` once per job, in completion order.
pub fn probe_all(
    jobs: &[Job],
    parallel: usize,
    timeout: Duration,
    stop: &AtomicBool,
    on_done: impl FnMut(&Job, Done) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    run_all("__probe-worker", jobs, parallel, timeout, stop, on_done)
}

/// Run every job in `verb` workers (same protocol, same isolation as probes).
pub fn run_all(
    verb: &'static str,
    jobs: &[Job],
    parallel: usize,
    timeout: Duration,
    stop: &AtomicBool,
    mut on_done: impl FnMut(&Job, Done) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let parallel = parallel.max(1);
    let (tx, rx): (Sender<Event>, Receiver<Event>) = unbounded();
    let mut proc = WorkerProc::spawn(verb, 0, parallel, timeout, tx.clone())?;
    let mut queue: VecDeque<u64> = (0..jobs.len() as u64).collect();
    let mut suspects: VecDeque<u64> = VecDeque::new();
    // Suspects already sent alone: dying again on one of these convicts it.
    let mut tried_alone: std::collections::HashSet<u64> = std::collections::HashSet::new();
    // id → when it started (None: sent, not started yet)
    let mut in_flight: HashMap<u64, Option<Instant>> = HashMap::new();
    let mut solo = false;
    let mut barren_deaths = 0u32;
    let deadline = timeout + GRACE;
    let window = parallel * 4;

    loop {
        if stop.load(Ordering::Relaxed) {
            proc.kill();
            return Ok(());
        }
        // Feed: suspects go alone, one at a time.
        if in_flight.is_empty() && solo {
            solo = false;
        }
        let mut worker_broken = false;
        while !solo {
            if let Some(id) = (in_flight.is_empty())
                .then(|| suspects.pop_front())
                .flatten()
            {
                solo = true;
                tried_alone.insert(id);
                worker_broken |= !send(&mut proc, jobs, id, &mut in_flight);
                break;
            }
            if !suspects.is_empty() || in_flight.len() >= window {
                break;
            }
            let Some(id) = queue.pop_front() else { break };
            if !send(&mut proc, jobs, id, &mut in_flight) {
                worker_broken = true;
                break;
            }
        }
        if in_flight.is_empty() && queue.is_empty() && suspects.is_empty() {
            proc.close_input();
            return Ok(());
        }
        if queue.is_empty() && suspects.is_empty() && proc.stdin.is_some() && !solo {
            // Nothing more to send: let the worker exit when it is done.
            proc.close_input();
        }

        let mut died = worker_broken;
        let event = rx.recv_timeout(Duration::from_millis(50));
        if matches!(&event, Ok(Event::Started(g, _)) | Ok(Event::Done(g, _)) if *g == proc.generation)
        {
            proc.last_event = Instant::now();
        }
        match event {
            Ok(Event::Started(g, id)) if g == proc.generation => {
                if let Some(slot) = in_flight.get_mut(&id) {
                    *slot = Some(Instant::now());
                }
            }
            Ok(Event::Done(g, done)) if g == proc.generation => {
                if in_flight.remove(&done.id).is_some() {
                    barren_deaths = 0;
                    let id = done.id;
                    on_done(&jobs[id as usize], *done)?;
                }
            }
            Ok(Event::Eof(g)) if g == proc.generation => died = true,
            Ok(_) => {} // a message from a worker already replaced
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => died = true,
        }

        // A worker with work but nothing started and nothing said for a whole
        // deadline is stuck before any file (it cannot be blamed on one): replace it.
        if !in_flight.is_empty()
            && in_flight.values().all(Option::is_none)
            && proc.last_event.elapsed() > deadline
        {
            proc.kill();
            barren_deaths += 1;
            if barren_deaths >= MAX_BARREN_DEATHS {
                anyhow::bail!("the probe worker stops answering before it starts any file");
            }
            requeue_all(&mut in_flight, &mut queue);
            solo = false;
            proc.replace(parallel, timeout, &tx)?;
            continue;
        }

        // Deadlines.
        let overdue: Vec<u64> = in_flight
            .iter()
            .filter_map(|(id, t)| t.filter(|t| t.elapsed() > deadline).map(|_| *id))
            .collect();
        if !overdue.is_empty() {
            proc.kill();
            for id in &overdue {
                in_flight.remove(id);
                on_done(
                    &jobs[*id as usize],
                    failed(
                        *id,
                        Status::Timeout,
                        format!(
                            "no answer within {:.0} s; the probe was stopped",
                            timeout.as_secs_f64()
                        ),
                    ),
                )?;
            }
            // Everything else in flight was innocent: send it again.
            requeue_all(&mut in_flight, &mut queue);
            solo = false;
            proc.replace(parallel, timeout, &tx)?;
            continue;
        }

        if died {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let why = proc.exit_text();
            let mut started: Vec<u64> = in_flight
                .iter()
                .filter(|(_, t)| t.is_some())
                .map(|(id, _)| *id)
                .collect();
            if !started.is_empty() {
                barren_deaths = 0;
                started.sort_unstable();
                for id in started {
                    in_flight.remove(&id);
                    if solo && tried_alone.contains(&id) {
                        on_done(&jobs[id as usize], failed(id, Status::Crashed, why.clone()))?;
                    } else {
                        suspects.push_back(id);
                    }
                }
            } else {
                barren_deaths += 1;
                if barren_deaths >= MAX_BARREN_DEATHS {
                    anyhow::bail!("the probe worker keeps dying before it starts any file: {why}");
                }
            }
            requeue_all(&mut in_flight, &mut queue);
            solo = false;
            proc.replace(parallel, timeout, &tx)?;
        }
    }
}

fn send(
    proc: &mut WorkerProc,
    jobs: &[Job],
    id: u64,
    in_flight: &mut HashMap<u64, Option<Instant>>,
) -> bool {
    let job = &jobs[id as usize];
    in_flight.insert(id, None);
    proc.send(&protocol::request_line(
        id,
        job.stat.size,
        job.stat.mtime_ns,
        &job.path,
    ))
}

fn requeue_all(in_flight: &mut HashMap<u64, Option<Instant>>, queue: &mut VecDeque<u64>) {
    let mut ids: Vec<u64> = in_flight.drain().map(|(id, _)| id).collect();
    ids.sort_unstable();
    for id in ids.into_iter().rev() {
        queue.push_front(id);
    }
}

fn failed(id: u64, status: Status, error: String) -> Done {
    Done {
        id,
        status,
        error: Some(error),
        doc: protocol::empty_doc(),
        ms: 0.0,
        stat: None,
    }
}
