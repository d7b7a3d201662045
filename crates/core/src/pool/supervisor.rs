//! The parent side of probing: feed paths to a worker process, read its answers,
//! and survive it hanging or dying.
//!
//! Invariants: each job is reported to `on_done` exactly once; a path past its
//! deadline gets the worker killed and is reported `timeout`; when a worker dies,
//! the paths it had started are retried one at a time (suspects), and a path is
//! `crashed` only on evidence (see [`super::death`]): it killed a fresh worker
//! while probed alone once by a signal a parser raises itself, or twice by any
//! other death. A worker killed from outside blames nobody: what it had started
//! is sent again, and only a path that keeps getting its worker killed while
//! alone ([`MAX_OUTSIDE_ALONE`] times) is given up for this run, stored as
//! killed from outside (never as the file's fault), so a scan always ends.
//! Paths sent but not started are simply sent again.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};

use super::Job;
use super::death::{self, Blame, Death};
use super::error::ScanError;
use super::protocol::{self, Answer};
use crate::catalog::files::Status;
use crate::companion;

/// Extra time the parent allows beyond the worker's own deadline before killing it.
const GRACE: Duration = Duration::from_millis(1500);
/// A worker that dies this many times in a row without finishing anything is a fatal error.
const MAX_BARREN_DEATHS: u32 = 5;
/// The same, when every one of those deaths was a kill from outside: a worker
/// killed while it starts up says nothing about the files, so allow more.
const MAX_BARREN_OUTSIDE: u32 = 25;
/// Deaths by an ambiguous cause (see [`Blame::Ambiguous`]) with one path alone
/// that convict it.
const AMBIGUOUS_DEATHS_ALONE: u32 = 2;
/// Outside kills of a worker probing a path among others before that path is
/// probed alone, where each kill is counted against it.
const MAX_OUTSIDE_CROWD: u32 = 3;
/// Outside kills of a worker probing one path alone before the run gives that
/// path up (stored as killed from outside, probed again on the next scan).
pub const MAX_OUTSIDE_ALONE: u32 = 3;
/// How often the parent looks at the worker's resident memory.
const RSS_EVERY: Duration = Duration::from_millis(20);

/// What the supervisor saw besides the outcomes it reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report {
    /// Worker deaths judged to be kills from outside.
    pub outside_kills: u32,
    /// Paths given up because their worker kept being killed from outside.
    pub given_up: u32,
}

enum Event {
    Started(u64, u64),
    Done(u64, Box<Answer>),
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
    /// Its resident memory when last looked at, and when that was.
    rss: u64,
    rss_at: Instant,
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
        let exe = companion::media_exe()?;
        let mut child = Command::new(&exe)
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
            .map_err(|source| ScanError::WorkerStart {
                exe: exe.clone(),
                source,
            })?;
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
                        serde_json::from_str::<Answer>(json)
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
            rss: 0,
            rss_at: Instant::now(),
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

    /// Look at the worker's resident memory now and then. A dead worker (a
    /// zombie until waited for) shows none: the last live figure is kept.
    fn sample_rss(&mut self) {
        if self.rss_at.elapsed() >= RSS_EVERY {
            self.rss_at = Instant::now();
            let rss = death::rss_of(self.child.id());
            if rss > 0 {
                self.rss = rss;
            }
        }
    }

    fn death(&mut self, limit: u64) -> Death {
        death::judge(self.child.wait(), self.rss, limit)
    }
}

impl Drop for WorkerProc {
    fn drop(&mut self) {
        self.close_input();
        self.kill();
    }
}

/// Counters of deaths and convictions per path, and the kills from outside.
#[derive(Default)]
struct Tally {
    /// Ambiguous deaths per path while it was probed alone.
    ambiguous_alone: HashMap<u64, u32>,
    /// Outside kills per path while it was probed among others / alone.
    outside_crowd: HashMap<u64, u32>,
    outside_alone: HashMap<u64, u32>,
    report: Report,
}

fn bump(map: &mut HashMap<u64, u32>, id: u64) -> u32 {
    let n = map.entry(id).or_default();
    *n += 1;
    *n
}

/// Probe every job; call `on_done` once per job, in completion order.
pub fn probe_all(
    jobs: &[Job],
    parallel: usize,
    timeout: Duration,
    stop: &AtomicBool,
    on_done: impl FnMut(&Job, Answer) -> anyhow::Result<()>,
) -> anyhow::Result<Report> {
    run_all("__probe-worker", jobs, parallel, timeout, stop, on_done)
}

/// Run every job in `verb` workers (same protocol, same isolation as probes).
pub fn run_all(
    verb: &'static str,
    jobs: &[Job],
    parallel: usize,
    timeout: Duration,
    stop: &AtomicBool,
    mut on_done: impl FnMut(&Job, Answer) -> anyhow::Result<()>,
) -> anyhow::Result<Report> {
    let parallel = parallel.max(1);
    let (tx, rx): (Sender<Event>, Receiver<Event>) = unbounded();
    let mut proc = WorkerProc::spawn(verb, 0, parallel, timeout, tx.clone())?;
    let mut queue: VecDeque<u64> = (0..jobs.len() as u64).collect();
    let mut suspects: VecDeque<u64> = VecDeque::new();
    // id → when it started (None: sent, not started yet)
    let mut in_flight: HashMap<u64, Option<Instant>> = HashMap::new();
    let mut solo = false;
    let mut barren_deaths = 0u32;
    let mut barren_outside = 0u32;
    let mut tally = Tally::default();
    let limit = death::memory_limit();
    let deadline = timeout + GRACE;
    let window = parallel * 4;

    loop {
        if stop.load(Ordering::Relaxed) {
            proc.kill();
            return Ok(tally.report);
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
            return Ok(tally.report);
        }
        if queue.is_empty() && suspects.is_empty() && proc.stdin.is_some() && !solo {
            // Nothing more to send: let the worker exit when it is done.
            proc.close_input();
        }

        let mut died = worker_broken;
        let event = rx.recv_timeout(Duration::from_millis(50));
        proc.sample_rss();
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
                    barren_outside = 0;
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
                return Err(ScanError::WorkerSilent.into());
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
                return Ok(tally.report);
            }
            let death = proc.death(limit);
            let mut started: Vec<u64> = in_flight
                .iter()
                .filter(|(_, t)| t.is_some())
                .map(|(id, _)| *id)
                .collect();
            started.sort_unstable();
            if death.blame == Blame::Outside {
                tally.report.outside_kills += 1;
                if started.is_empty() {
                    barren_outside += 1;
                    if barren_outside >= MAX_BARREN_OUTSIDE {
                        return Err(ScanError::KilledFromOutside {
                            times: barren_outside,
                            cause: death.text,
                        }
                        .into());
                    }
                }
            } else if started.is_empty() {
                barren_deaths += 1;
                if barren_deaths >= MAX_BARREN_DEATHS {
                    return Err(ScanError::WorkerDies { cause: death.text }.into());
                }
            } else {
                barren_deaths = 0;
            }
            for id in started {
                if let Some(done) = judge_path(id, solo, &death, &proc, limit, &mut tally) {
                    in_flight.remove(&id);
                    on_done(&jobs[id as usize], done)?;
                } else if solo || death.blame != Blame::Outside {
                    in_flight.remove(&id);
                    suspects.push_back(id);
                } else if tally.outside_crowd.get(&id).copied().unwrap_or(0) >= MAX_OUTSIDE_CROWD {
                    // Its workers keep being killed: count further kills against it alone.
                    in_flight.remove(&id);
                    suspects.push_back(id);
                }
                // Otherwise it stays in flight and is sent again with the others.
            }
            requeue_all(&mut in_flight, &mut queue);
            solo = false;
            proc.replace(parallel, timeout, &tx)?;
        }
    }
}

/// Count `death` against path `id`, which the dead worker had started (alone
/// when `solo`), and return its outcome when that settles it: `crashed` on
/// evidence, or given up after too many kills from outside.
fn judge_path(
    id: u64,
    solo: bool,
    death: &Death,
    proc: &WorkerProc,
    limit: u64,
    tally: &mut Tally,
) -> Option<Answer> {
    match (death.blame, solo) {
        (Blame::Outside, false) => {
            bump(&mut tally.outside_crowd, id);
            None
        }
        (Blame::Outside, true) => {
            let n = bump(&mut tally.outside_alone, id);
            (n >= MAX_OUTSIDE_ALONE).then(|| {
                tally.report.given_up += 1;
                let mut d = failed(
                    id,
                    Status::Crashed,
                    format!(
                        "killed from outside: the probe worker got {} {n} times while probing only this file, using {} MB of {} MB memory (a watchdog, the OOM killer acting for another process, or a kill); not blamed on the file, which is probed again on the next scan",
                        death.cause,
                        proc.rss >> 20,
                        limit >> 20
                    ),
                );
                d.from_outside = true;
                d
            })
        }
        (_, false) => None,
        (Blame::Parser, true) => Some(failed(id, Status::Crashed, death.text.clone())),
        (Blame::Ambiguous, true) => {
            let n = bump(&mut tally.ambiguous_alone, id);
            (n >= AMBIGUOUS_DEATHS_ALONE).then(|| {
                failed(
                    id,
                    Status::Crashed,
                    format!("{} ({n} times, alone)", death.text),
                )
            })
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

fn failed(id: u64, status: Status, error: String) -> Answer {
    Answer {
        id,
        status,
        error: Some(error),
        doc: protocol::empty_doc(),
        ms: 0.0,
        stat: None,
        from_outside: false,
    }
}
