//! The probe thread's wait: start the pipeline, then sleep on the shared state
//! until every stream has spoken, an error, a stalled demuxer or the deadline.
//!
//! Invariants: the wait never outlasts the deadline (short of GStreamer
//! blocking in the state change itself); a streaming task that stays stopped
//! for [`STALL_GRACE`] without a word fails the probe instead of waiting it out.

use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use mediadex_core::catalog::files::Status;

use super::Probe;
use super::state::Watch;

/// Start the pipeline and wait until every stream has spoken, an error, or the
/// deadline; Err carries the failed probe.
pub(super) fn run(
    pipeline: &gst::Pipeline,
    shared: &Watch,
    timeout: Duration,
    started: Instant,
) -> Result<(), Probe> {
    // A failure here is also posted as an error, which the loop reads.
    let _ = pipeline.set_state(gst::State::Paused);
    let mut stalled_since: Option<Instant> = None;
    let mut st = shared.lock();
    loop {
        if let Some(text) = st.error.take() {
            if !st.missing.is_empty() {
                return Err(Probe::failed(
                    Status::Unsupported,
                    format!("missing plugin: {}", st.missing.join(", ")),
                ));
            }
            return Err(Probe::failed(Status::Error, text));
        }
        if st.finished() {
            return Ok(());
        }
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(Probe::failed(
                Status::Timeout,
                format!(
                    "no answer from GStreamer within {:.1} s",
                    timeout.as_secs_f64()
                ),
            ));
        }
        let (guard, waited) = shared.cvar.wait_timeout(st, left.min(STALL_POLL)).unwrap();
        st = guard;
        if waited.timed_out() && !st.finished() && st.error.is_none() {
            // A demuxer can stop on damaged data without posting an error. What
            // remains visible is a streaming task that has stopped early.
            drop(st);
            let stopped = streaming_stopped(pipeline);
            st = shared.lock();
            if stopped {
                let since = *stalled_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= STALL_GRACE {
                    return Err(Probe::failed(
                        Status::Error,
                        "the demuxer stopped before finding a playable stream (damaged or truncated file)".into(),
                    ));
                }
            } else {
                stalled_since = None;
            }
        }
    }
}

/// How often to look for a stopped streaming task while waiting.
const STALL_POLL: Duration = Duration::from_millis(50);
/// How long a stopped task must stay stopped before the probe gives up on it.
const STALL_GRACE: Duration = Duration::from_millis(250);

/// Has any element's streaming task paused before the probe finished? A task
/// pauses when its element hit an error or the end of the data.
fn streaming_stopped(pipeline: &gst::Pipeline) -> bool {
    let mut it = pipeline.iterate_recurse();
    while let Ok(Some(e)) = it.next() {
        // The type finder's task pauses by design once a demuxer pulls the data.
        if e.factory().is_some_and(|f| f.name() == "typefind") {
            continue;
        }
        for pad in e.pads() {
            if pad.task_state() == gst::TaskState::Paused {
                return true;
            }
        }
    }
    false
}
