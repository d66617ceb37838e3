//! Lookahead: delays the audio so the gain can move before a transient arrives.
//!
//! The detector hears the sidechain now; the audio it controls comes out `delay` samples
//! later, so an attack that starts with the transient has had `delay` samples of head start
//! by the time the transient reaches the output. The delay is a whole number of samples —
//! exactly what is reported to the host as latency, and bit-exact (a fractional delay would
//! be an interpolating filter on the dry signal).
//!
//! A change of delay (lookahead automation, or a host changing it while playing) crossfades
//! linearly from the old tap to the new one over [`CROSSFADE_MS`], so it never clicks. A
//! further change during a crossfade restarts it from the tap that was being faded to (a
//! small step, the size of what the interrupted fade had left).
//!
//! The limiter reuses this as its lookahead buffer.

use crate::delay_line::DelayLine;
use crate::kernel::sanitize::finite_or_zero;
use crate::lane::{Lane, Stereo};

/// Length of the crossfade when the delay changes.
pub const CROSSFADE_MS: f32 = 5.0;

#[derive(Clone, Debug)]
pub struct Lookahead<L: Lane> {
    line: DelayLine<L>,
    delay: usize,
    /// The tap being faded out, while `fade_left > 0`.
    previous: usize,
    fade_left: u32,
    fade_len: u32,
    sample_rate: f32,
}

impl<L: Lane> Lookahead<L> {
    /// Room for up to `max_ms` of delay at `sample_rate` (the only allocation).
    pub fn new(sample_rate: f32, max_ms: f32) -> Self {
        let sample_rate = sample_rate.max(1.0);
        let max = Self::samples_for(max_ms, sample_rate);
        Self {
            line: DelayLine::new(max),
            delay: 0,
            previous: 0,
            fade_left: 0,
            fade_len: ((CROSSFADE_MS * 1e-3 * sample_rate).round() as u32).max(1),
            sample_rate,
        }
    }

    /// Whole samples for `ms` at `sample_rate` (rounded; NaN and negatives give 0).
    pub fn samples_for(ms: f32, sample_rate: f32) -> usize {
        let n = (ms as f64 * 1e-3 * sample_rate as f64).round();
        if n > 0.0 { n as usize } else { 0 }
    }

    /// The longest delay this instance can apply.
    pub fn max_delay(&self) -> usize {
        self.line.max_delay()
    }

    /// Sets the delay in ms (rounded to whole samples, clamped to the maximum).
    pub fn set_ms(&mut self, ms: f32) {
        self.set_delay_samples(Self::samples_for(ms, self.sample_rate));
    }

    /// Sets the delay in samples (clamped to the maximum), crossfading from the current one.
    pub fn set_delay_samples(&mut self, samples: usize) {
        let samples = samples.min(self.line.max_delay());
        if samples != self.delay {
            self.previous = self.delay;
            self.delay = samples;
            self.fade_left = self.fade_len;
        }
    }

    /// Sets the delay without a crossfade (at activation and reset).
    pub fn set_delay_samples_immediately(&mut self, samples: usize) {
        self.delay = samples.min(self.line.max_delay());
        self.fade_left = 0;
    }

    /// The delay in samples: what a host must be told as latency.
    pub fn latency_samples(&self) -> usize {
        self.delay
    }

    /// Whether a delay change is still crossfading.
    pub fn is_crossfading(&self) -> bool {
        self.fade_left > 0
    }

    /// Silence in the line; a crossfade in progress completes at once.
    pub fn reset(&mut self) {
        self.line.reset();
        self.fade_left = 0;
    }

    /// Pushes `x` and returns the sample from `delay` samples ago (non-finite input is stored
    /// as silence, see [`DelayLine::push`]).
    #[inline(always)]
    pub fn process_sample(&mut self, x: L) -> L {
        self.line.push(x);
        let now = self.line.read(self.delay);
        if self.fade_left == 0 {
            return now;
        }
        let old = self.line.read(self.previous);
        self.fade_left -= 1;
        let t = self.fade_left as f32 / self.fade_len as f32; // 1 → 0: weight of the old tap
        now + (old - now) * t
    }
}

impl Lookahead<Stereo> {
    /// [`process_sample`](Self::process_sample) over a block of separate channels, in place,
    /// with the same result. Outside a crossfade the block goes through the line in runs
    /// (pushed, then read back `delay` frames later; see [`DelayLine::push_split`]), which
    /// costs a fraction of the per-sample loop; a delay of 0 is then just the sanitised input.
    pub fn process_split(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mut i = 0;
        while i < n && self.fade_left > 0 {
            let y = self.process_sample(Stereo::new(left[i], right[i]));
            (left[i], right[i]) = (y.left(), y.right());
            i += 1;
        }
        // A run is pushed whole before it is read, so it must not overwrite the `delay`
        // frames before it that it still reads: at most `capacity − delay` frames (≥ 3).
        let run = self.line.capacity() - self.delay;
        while i < n {
            let m = (n - i).min(run);
            let (l, r) = (&mut left[i..i + m], &mut right[i..i + m]);
            self.line.push_split(l, r);
            if self.delay == 0 {
                // What was just pushed: the input, sanitised like the line does.
                for x in l.iter_mut() {
                    *x = finite_or_zero(*x);
                }
                for x in r.iter_mut() {
                    *x = finite_or_zero(*x);
                }
            } else {
                self.line.read_split(self.delay + m - 1, l, r);
            }
            i += m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::XorShift;

    #[test]
    fn delays_by_exactly_the_reported_latency() {
        for &fs in &[44_100.0f32, 48_000.0, 96_000.0, 192_000.0] {
            for &ms in &[0.0f32, 0.5, 5.0, 10.0] {
                let mut la = Lookahead::<f32>::new(fs, 10.0);
                la.set_ms(ms);
                la.set_delay_samples_immediately(la.latency_samples());
                let d = la.latency_samples();
                assert_eq!(d, (ms as f64 * fs as f64 / 1000.0).round() as usize);
                let mut rng = XorShift::new(1);
                let input: Vec<f32> = (0..4_000).map(|_| rng.uniform()).collect();
                for (n, &x) in input.iter().enumerate() {
                    let y = la.process_sample(x);
                    let want = if n >= d { input[n - d] } else { 0.0 };
                    assert_eq!(y.to_bits(), want.to_bits(), "{fs} Hz {ms} ms at {n}");
                }
            }
        }
        let mut la = Lookahead::<f32>::new(48_000.0, 10.0);
        la.set_ms(1e6);
        assert_eq!(la.latency_samples(), 480);
        la.set_ms(f32::NAN);
        assert_eq!(la.latency_samples(), 0);
    }

    #[test]
    fn block_processing_is_the_per_sample_loop_exactly() {
        // Blocks longer and shorter than the ring, delays from 0 to the maximum, changes
        // (crossfades) starting inside a block, and non-finite input.
        let fs = 48_000.0;
        let mut per_sample = Lookahead::<Stereo>::new(fs, 10.0);
        let mut blocks = Lookahead::<Stereo>::new(fs, 10.0);
        let mut rng = XorShift::new(7);
        let delays = [0, 480, 3, 0, 200, 479, 1];
        for (round, &d) in delays.iter().enumerate() {
            for la in [&mut per_sample, &mut blocks] {
                la.set_delay_samples(d);
            }
            for len in [1, 5, 64, 300, 512, 700, 2_000] {
                let mut l: Vec<f32> = (0..len).map(|_| rng.uniform()).collect();
                let mut r: Vec<f32> = (0..len).map(|_| rng.uniform()).collect();
                if round == 2 && len == 64 {
                    (l[3], r[10]) = (f32::NAN, f32::INFINITY);
                }
                let want: Vec<Stereo> = l
                    .iter()
                    .zip(&r)
                    .map(|(&a, &b)| per_sample.process_sample(Stereo::new(a, b)))
                    .collect();
                blocks.process_split(&mut l, &mut r);
                for (i, w) in want.iter().enumerate() {
                    assert_eq!(
                        (l[i].to_bits(), r[i].to_bits()),
                        (w.left().to_bits(), w.right().to_bits()),
                        "delay {d}, block of {len}, frame {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn delay_changes_crossfade_without_a_step() {
        let fs = 48_000.0;
        let mut la = Lookahead::<f32>::new(fs, 10.0);
        la.set_ms(2.0);
        la.set_delay_samples_immediately(la.latency_samples());
        // A slow sine: any jump between taps would stand out against its small per-sample slope.
        let w = core::f32::consts::TAU * 50.0 / fs;
        let max_slope = w; // |d/dn sin(wn)| ≤ w
        let mut prev = 0.0f32;
        let mut worst = 0.0f32;
        for n in 0..20_000 {
            if n == 5_000 {
                la.set_ms(10.0);
            }
            if n == 12_000 {
                la.set_ms(0.0);
            }
            let y = la.process_sample((w * n as f32).sin());
            if n > 200 {
                worst = worst.max((y - prev).abs());
            }
            prev = y;
        }
        // A hard switch between taps 8 ms apart would step by up to 2·sin(π·50·0.008) ≈ 1.2.
        println!(
            "largest per-sample change across delay changes: {worst:.5} (sine slope {max_slope:.5})"
        );
        assert!(worst < 2.0 * max_slope, "{worst}");
        assert!(!la.is_crossfading());
        assert_eq!(la.latency_samples(), 0);
    }
}
