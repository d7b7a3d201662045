//! Frames counted against the device's own clock: each callback's capture
//! timestamp (cpal's `InputCallbackInfo`) says when its first frame was taken
//! in, so a timestamp later than the frames delivered so far account for means
//! the device (or its driver, or cpal's xrun recovery, which restarts the
//! stream and drops what the buffer held) skipped that many frames.
//!
//! Invariants: runs in the audio callback (no locks, no allocation); a device
//! that delivers faster than its clock (an unpaced file, the `null` device)
//! never shows a gap, because the anchor follows it; slow clock drift and
//! scheduling jitter are absorbed, so only a jump past the tolerance counts.
//! Right after the device reported an xrun the tolerance drops to half a
//! callback, since frames were then lost for certain and only how many is open.

/// A gap is believed without an xrun only when the clock ran this far ahead
/// of the frames (a stalled USB or Bluetooth device; never mere jitter).
const TOLERANCE_NS: i128 = 200_000_000;
/// Share of a small lateness taken into the anchor per callback (drift).
const DRIFT_SHARE: i128 = 64;

#[derive(Debug)]
pub struct DeviceClock {
    rate: i128,
    /// Device time of frame 0 of the timeline, in nanoseconds.
    anchor: Option<i128>,
    /// Frames on the timeline so far, delivered or missed.
    position: i128,
}

impl DeviceClock {
    pub fn new(rate: u32) -> DeviceClock {
        DeviceClock {
            rate: rate.max(1) as i128,
            anchor: None,
            position: 0,
        }
    }

    /// A callback of `frames` frames whose first frame was captured at
    /// `capture_ns` (device clock); `after_xrun` when the device reported an
    /// overrun since the last callback. Returns the frames missed just before it.
    pub fn observe(&mut self, capture_ns: u128, frames: u64, after_xrun: bool) -> u64 {
        let t = capture_ns.min(i128::MAX as u128) as i128;
        let frames = frames as i128;
        let Some(anchor) = self.anchor else {
            self.anchor = Some(t);
            self.position = frames;
            return 0;
        };
        let due = anchor + self.position * 1_000_000_000 / self.rate;
        let late = t - due;
        let tolerance = if after_xrun {
            (frames * 500_000_000 / self.rate).max(1_000_000)
        } else {
            TOLERANCE_NS
        };
        let mut missed = 0;
        if late > tolerance {
            missed = (late * self.rate + 500_000_000) / 1_000_000_000;
        } else if late < 0 {
            self.anchor = Some(anchor + late);
        } else {
            self.anchor = Some(anchor + late / DRIFT_SHARE);
        }
        self.position += missed + frames;
        missed as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u128 = 1_000_000;

    #[test]
    fn steady_or_fast_devices_show_no_gap() {
        let mut c = DeviceClock::new(48_000);
        // 480 frames every 10 ms, with ±3 ms of jitter.
        for i in 0..1000u128 {
            let jitter = [0, 3, 1, 0, 2][i as usize % 5] * MS;
            assert_eq!(c.observe(i * 10 * MS + jitter, 480, false), 0);
        }
        // Faster than real time: 480 frames every 0.1 ms.
        let mut c = DeviceClock::new(48_000);
        for i in 0..1000u128 {
            assert_eq!(c.observe(i * MS / 10, 480, false), 0);
        }
    }

    #[test]
    fn a_stall_and_an_xrun_are_counted() {
        let mut c = DeviceClock::new(48_000);
        for i in 0..10u128 {
            assert_eq!(c.observe(i * 10 * MS, 480, false), 0);
        }
        // Half a second with nothing, then audio again.
        assert_eq!(c.observe(600 * MS, 480, false), 24_000);
        assert_eq!(c.observe(610 * MS, 480, false), 0);
        // An xrun that cost 30 ms: small, but certain.
        assert_eq!(c.observe(650 * MS, 480, true), 1440);
        assert_eq!(c.observe(660 * MS, 480, false), 0);
    }
}
