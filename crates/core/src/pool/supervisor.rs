//! The parent side of a pool: feed requests to a worker process, read its
//! answers, and survive it hanging or dying.
//!
//! Invariants: each request is reported to `on_done` exactly once; a path past
//! its deadline gets the worker killed and is reported `timeout`; when a worker
//! dies, the paths it had started are retried one at a time (suspects), and a
//! path is `crashed` only on evidence (see [`super::death`]): it killed a fresh
//! worker while probed alone once by a signal a parser raises itself, or twice
//! by any other death. A worker killed from outside blames nobody: what it had
//! started is sent again, and only a path that keeps getting its worker killed
//! while alone ([`MAX_OUTSIDE_ALONE`] times) is given up for this run, stored
//! as killed from outside (never as the file's fault), so a run always ends.
//! Paths sent but not started are simply sent again.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};

use super::death::{self, Blame, Death};
use super::protocol::{self, Answer, Reply};
use super::{Casualties, PoolError, Request, Settings, Worker, companion};
use crate::catalog::files::Status;

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
/// How long the parent waits for a worker's line before looking at the clocks.
const POLL: Duration = Duration::from_millis(50);

/// A line from a worker, tagged with the worker's generation (a replaced
/// worker's last lines are ignored).
enum Event {
    Reply(u64, Reply),
    Eof(u64),
}

struct WorkerProc {
    kind: Worker,
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

/// Why a worker could not open `path`, if it could not.
fn unreadable_path(path: &std::path::Path) -> Option<String> {
    use crate::util::PathFlaw;
    Some(
        match crate::util::path_flaw(crate::util::path_bytes(path))? {
            PathFlaw::Empty => "the catalog holds an empty path for this file".into(),
            PathFlaw::Nul => "the catalog's path holds a NUL byte, which no file name can".into(),
            PathFlaw::Relative => format!(
                "the catalog's path {} is not absolute",
                crate::util::display_path(path)
            ),
        },
    )
}

/// In the worker between fork and exec: be killed when the parent dies
/// (a `kill -9` of mediadex must not leave a worker opening the next files
/// of its queue), and fail the spawn if it already has.
fn die_with(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: prctl and getppid are async-signal-safe.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::getppid() != parent {
            return Err(std::io::Error::other("the parent is gone"));
        }
    }
    Ok(())
}

impl WorkerProc {
    fn spawn(
        kind: Worker,
        generation: u64,
        jobs: usize,
        timeout: Duration,
        events: Sender<Event>,
    ) -> anyhow::Result<WorkerProc> {
        use std::os::unix::process::CommandExt;
        let exe = companion::media_exe()?;
        let mut child = Command::new(&exe);
        child
            .arg(kind.verb())
            .args(kind.options())
            .arg("--jobs")
            .arg(jobs.to_string())
            .arg("--timeout-ms")
            .arg(timeout.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group: Ctrl-C in a terminal reaches the parent, which
            // decides what to do with the worker.
            .process_group(0);
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            child.pre_exec(move || die_with(parent));
        }
        let mut child = child.spawn().map_err(|source| PoolError::WorkerStart {
            exe: exe.clone(),
            source,
        })?;
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::Builder::new()
            .name(format!("worker-reader-{generation}"))
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(reply) = protocol::parse_reply(&line)
                        && events.send(Event::Reply(generation, reply)).is_err()
                    {
                        return;
                    }
                }
                let _ = events.send(Event::Eof(generation));
            })?;
        let stdin = child.stdin.take();
        Ok(WorkerProc {
            kind,
            generation,
            child,
            stdin,
            last_event: Instant::now(),
            rss: 0,
            rss_at: Instant::now(),
        })
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
struct Deaths {
    /// Deaths in a row with nothing finished, by any cause / all from outside.
    barren: u32,
    barren_outside: u32,
    /// Ambiguous deaths per path while it was probed alone.
    ambiguous_alone: HashMap<u64, u32>,
    /// Outside kills per path while it was probed among others / alone.
    outside_crowd: HashMap<u64, u32>,
    outside_alone: HashMap<u64, u32>,
    casualties: Casualties,
}

fn bump(map: &mut HashMap<u64, u32>, id: u64) -> u32 {
    let n = map.entry(id).or_default();
    *n += 1;
    *n
}

/// One pool run: the worker, what is left to send, what is in flight, and the
/// death counters. Ids are indexes into `requests`.
struct Supervisor<'r, P, F> {
    requests: &'r [Request<P>],
    on_done: F,
    parallel: usize,
    timeout: Duration,
    /// The request deadline plus [`GRACE`].
    deadline: Duration,
    /// Requests sent ahead of the worker, at most.
    window: usize,
    /// The memory the machine allows (see [`death::memory_limit`]).
    limit: u64,
    events: Sender<Event>,
    proc: WorkerProc,
    queue: VecDeque<u64>,
    /// Paths a death fell on, to be run alone, one at a time.
    suspects: VecDeque<u64>,
    /// id → when it started (None: sent, not started yet).
    in_flight: HashMap<u64, Option<Instant>>,
    /// The one request in flight is a suspect, alone.
    solo: bool,
    deaths: Deaths,
}

/// Run every request; call `on_done` once per request, in completion order.
pub fn run<P>(
    kind: Worker,
    requests: &[Request<P>],
    settings: Settings<'_>,
    on_done: impl FnMut(&Request<P>, Answer) -> anyhow::Result<()>,
) -> anyhow::Result<Casualties> {
    let (tx, rx): (Sender<Event>, Receiver<Event>) = unbounded();
    let mut sup = Supervisor::start(kind, requests, settings, tx, on_done)?;
    sup.refuse_unreadable_paths()?;
    let stopped = || settings.stop.load(Ordering::Relaxed);
    loop {
        if stopped() {
            sup.proc.kill();
            return Ok(sup.deaths.casualties);
        }
        let broken = !sup.feed();
        if sup.in_flight.is_empty() && sup.queue.is_empty() && sup.suspects.is_empty() {
            sup.proc.close_input();
            return Ok(sup.deaths.casualties);
        }
        if sup.queue.is_empty() && sup.suspects.is_empty() && !sup.solo {
            // Nothing more to send: let the worker exit when it is done.
            sup.proc.close_input();
        }
        let event = rx.recv_timeout(POLL);
        let died = sup.on_event(event)? || broken;
        if sup.reap_silent()? || sup.reap_overdue()? {
            continue;
        }
        if died {
            if stopped() {
                return Ok(sup.deaths.casualties);
            }
            sup.bury()?;
        }
    }
}

impl<'r, P, F> Supervisor<'r, P, F>
where
    F: FnMut(&Request<P>, Answer) -> anyhow::Result<()>,
{
    fn start(
        kind: Worker,
        requests: &'r [Request<P>],
        settings: Settings<'_>,
        events: Sender<Event>,
        on_done: F,
    ) -> anyhow::Result<Self> {
        let parallel = settings.parallel.max(1);
        let proc = WorkerProc::spawn(kind, 0, parallel, settings.timeout, events.clone())?;
        Ok(Supervisor {
            requests,
            on_done,
            parallel,
            timeout: settings.timeout,
            deadline: settings.timeout + GRACE,
            window: parallel * 4,
            limit: death::memory_limit(),
            events,
            proc,
            queue: (0..requests.len() as u64).collect(),
            suspects: VecDeque::new(),
            in_flight: HashMap::new(),
            solo: false,
            deaths: Deaths::default(),
        })
    }

    /// Answer at once, as errors, the requests whose path no worker could
    /// open (empty, relative, or holding a NUL byte: a loaded dump may hold
    /// such rows), so that a bad row costs that row and never the workers.
    fn refuse_unreadable_paths(&mut self) -> anyhow::Result<()> {
        let bad: Vec<u64> = self
            .queue
            .iter()
            .copied()
            .filter(|&id| unreadable_path(&self.requests[id as usize].path).is_some())
            .collect();
        if bad.is_empty() {
            return Ok(());
        }
        self.queue.retain(|id| !bad.contains(id));
        for id in bad {
            let why = unreadable_path(&self.requests[id as usize].path).unwrap_or_default();
            self.answer(Answer::failed(id, Status::Error, why))?;
        }
        Ok(())
    }

    /// Send what the worker may take now: a suspect alone once nothing else is
    /// in flight, else queued requests up to the window. False when the
    /// worker's input is broken (it died).
    fn feed(&mut self) -> bool {
        if self.in_flight.is_empty() && self.solo {
            self.solo = false;
        }
        while !self.solo {
            if self.in_flight.is_empty()
                && let Some(id) = self.suspects.pop_front()
            {
                self.solo = true;
                return self.send(id);
            }
            if !self.suspects.is_empty() || self.in_flight.len() >= self.window {
                break;
            }
            let Some(id) = self.queue.pop_front() else {
                break;
            };
            if !self.send(id) {
                return false;
            }
        }
        true
    }

    fn send(&mut self, id: u64) -> bool {
        let r = &self.requests[id as usize];
        self.in_flight.insert(id, None);
        self.proc.send(&protocol::request_line(
            id,
            &r.stat,
            &r.path,
            r.note.as_deref(),
        ))
    }

    fn answer(&mut self, answer: Answer) -> anyhow::Result<()> {
        let id = answer.id as usize;
        (self.on_done)(&self.requests[id], answer)
    }

    /// Take in what the worker said (or did not); true when it died.
    fn on_event(&mut self, event: Result<Event, RecvTimeoutError>) -> anyhow::Result<bool> {
        self.proc.sample_rss();
        let current = self.proc.generation;
        match event {
            Ok(Event::Reply(g, reply)) if g == current => {
                self.proc.last_event = Instant::now();
                match reply {
                    Reply::Started(id) => {
                        if let Some(slot) = self.in_flight.get_mut(&id) {
                            *slot = Some(Instant::now());
                        }
                    }
                    Reply::Done(done) => {
                        if self.in_flight.remove(&done.id).is_some() {
                            self.deaths.barren = 0;
                            self.deaths.barren_outside = 0;
                            self.answer(*done)?;
                        }
                    }
                }
                Ok(false)
            }
            Ok(Event::Eof(g)) if g == current => Ok(true),
            Ok(_) => Ok(false), // a line from a worker already replaced
            Err(RecvTimeoutError::Timeout) => Ok(false),
            Err(RecvTimeoutError::Disconnected) => Ok(true),
        }
    }

    /// A worker with work but nothing started and nothing said for a whole
    /// deadline is stuck before any file (it cannot be blamed on one): replace
    /// it. True when it did.
    fn reap_silent(&mut self) -> anyhow::Result<bool> {
        if self.in_flight.is_empty()
            || !self.in_flight.values().all(Option::is_none)
            || self.proc.last_event.elapsed() <= self.deadline
        {
            return Ok(false);
        }
        self.proc.kill();
        self.deaths.barren += 1;
        if self.deaths.barren >= MAX_BARREN_DEATHS {
            return Err(PoolError::WorkerSilent.into());
        }
        self.replace()?;
        Ok(true)
    }

    /// Paths past their deadline: kill the worker, answer them `timeout`, and
    /// send the innocent ones in flight again. True when there were any.
    fn reap_overdue(&mut self) -> anyhow::Result<bool> {
        let deadline = self.deadline;
        let overdue: Vec<u64> = self
            .in_flight
            .iter()
            .filter_map(|(id, t)| t.filter(|t| t.elapsed() > deadline).map(|_| *id))
            .collect();
        if overdue.is_empty() {
            return Ok(false);
        }
        self.proc.kill();
        let error = format!(
            "no answer within {:.0} s; the probe was stopped",
            self.timeout.as_secs_f64()
        );
        for id in overdue {
            self.in_flight.remove(&id);
            self.answer(Answer::failed(id, Status::Timeout, error.clone()))?;
        }
        self.replace()?;
        Ok(true)
    }

    /// The worker died: judge the death, settle or suspect the paths it had
    /// started, and start its successor.
    fn bury(&mut self) -> anyhow::Result<()> {
        let death = self.proc.death(self.limit);
        let mut started: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, t)| t.is_some())
            .map(|(id, _)| *id)
            .collect();
        started.sort_unstable();
        self.count_death(&death, started.is_empty())?;
        for id in started {
            if let Some(done) = self.judge_path(id, &death) {
                self.in_flight.remove(&id);
                self.answer(done)?;
            } else if self.solo
                || death.blame != Blame::Outside
                || self.deaths.outside_crowd.get(&id).copied().unwrap_or(0) >= MAX_OUTSIDE_CROWD
            {
                // Alone next time; a path whose workers keep being killed from
                // outside among others has further kills counted against it alone.
                self.in_flight.remove(&id);
                self.suspects.push_back(id);
            }
            // Otherwise it stays in flight and is sent again with the others.
        }
        self.replace()
    }

    /// Count a death in the run's totals; an error when workers keep dying
    /// before they start anything (`barren`).
    fn count_death(&mut self, death: &Death, barren: bool) -> anyhow::Result<()> {
        let d = &mut self.deaths;
        if death.blame == Blame::Outside {
            d.casualties.outside_kills += 1;
            if barren {
                d.barren_outside += 1;
                if d.barren_outside >= MAX_BARREN_OUTSIDE {
                    return Err(PoolError::KilledFromOutside {
                        times: d.barren_outside,
                        cause: death.text.clone(),
                    }
                    .into());
                }
            }
        } else if barren {
            d.barren += 1;
            if d.barren >= MAX_BARREN_DEATHS {
                return Err(PoolError::WorkerDies {
                    cause: death.text.clone(),
                }
                .into());
            }
        } else {
            d.barren = 0;
        }
        Ok(())
    }

    /// Count `death` against path `id`, which the dead worker had started
    /// (alone when `solo`), and return its answer when that settles it:
    /// `crashed` on evidence, or given up after too many kills from outside.
    fn judge_path(&mut self, id: u64, death: &Death) -> Option<Answer> {
        let d = &mut self.deaths;
        match (death.blame, self.solo) {
            (Blame::Outside, false) => {
                bump(&mut d.outside_crowd, id);
                None
            }
            (Blame::Outside, true) => {
                let n = bump(&mut d.outside_alone, id);
                (n >= MAX_OUTSIDE_ALONE).then(|| {
                    d.casualties.given_up += 1;
                    let mut a = Answer::failed(
                        id,
                        Status::Crashed,
                        format!(
                            "killed from outside: the probe worker got {} {n} times while probing only this file, using {} MB of {} MB memory (a watchdog, the OOM killer acting for another process, or a kill); not blamed on the file, which is probed again on the next scan",
                            death.cause,
                            self.proc.rss >> 20,
                            self.limit >> 20
                        ),
                    );
                    a.from_outside = true;
                    a
                })
            }
            (_, false) => None,
            (Blame::Parser, true) => Some(Answer::failed(id, Status::Crashed, death.text.clone())),
            (Blame::Ambiguous, true) => {
                let n = bump(&mut d.ambiguous_alone, id);
                (n >= AMBIGUOUS_DEATHS_ALONE).then(|| {
                    Answer::failed(
                        id,
                        Status::Crashed,
                        format!("{} ({n} times, alone)", death.text),
                    )
                })
            }
        }
    }

    /// Send everything in flight again (in id order, ahead of the queue), kill
    /// the worker and start the next generation in its place.
    fn replace(&mut self) -> anyhow::Result<()> {
        let mut ids: Vec<u64> = self.in_flight.drain().map(|(id, _)| id).collect();
        ids.sort_unstable();
        for id in ids.into_iter().rev() {
            self.queue.push_front(id);
        }
        self.solo = false;
        self.proc.kill();
        let next = WorkerProc::spawn(
            self.proc.kind,
            self.proc.generation + 1,
            self.parallel,
            self.timeout,
            self.events.clone(),
        )?;
        self.proc = next;
        Ok(())
    }
}
