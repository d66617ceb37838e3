//! Loudness-matched audition: hear what the limiter does to the sound, not that it makes it
//! louder.
//!
//! Louder sounds better to everyone for a moment; an A/B between a master and its limited
//! version is only fair at the same loudness. With Match on, the output is turned down (or
//! up) by the difference between the short-term loudness (BS.1770, 3 s) of the input and of
//! the output, measured as they play, so the limited signal plays at the input's loudness; a
//! bypassed limiter then plays the input at its own level, and switching compares the two at
//! equal loudness. The gain follows the difference every 100 ms and glides ([`GLIDE_MS`]),
//! and never rises above unity, so the ceiling still holds (a limiter that made the master
//! quieter is simply not turned up).

use super::LoudnessMeter;
use crate::smoother::Smoother;

/// Time constant of the matching gain.
pub const GLIDE_MS: f32 = 300.0;
/// The largest cut the match applies (dB): beyond it the difference is not a level to match.
const MAX_CUT_DB: f64 = 40.0;

pub struct LoudnessMatch {
    input: LoudnessMeter,
    output: LoudnessMeter,
    gain: Smoother,
    on: bool,
}

impl LoudnessMatch {
    /// Allocates both meters for `channels` at `sample_rate`.
    pub fn new(sample_rate: f32, channels: usize) -> Self {
        Self {
            input: LoudnessMeter::loudness_only(sample_rate, channels),
            output: LoudnessMeter::loudness_only(sample_rate, channels),
            gain: Smoother::new(sample_rate, GLIDE_MS, 1.0),
            on: false,
        }
    }

    /// Matching on or off (off glides back to unity).
    pub fn set(&mut self, on: bool) {
        if on && !self.on {
            // Both windows start together, so they always compare the same stretch.
            self.input.reset();
            self.output.reset();
        }
        self.on = on;
        if !on {
            self.gain.set_target(1.0);
        }
    }

    pub fn reset(&mut self) {
        self.input.reset();
        self.output.reset();
        self.gain.reset_to(1.0);
    }

    /// The gain now, dB (≤ 0).
    pub fn gain_db(&self) -> f32 {
        20.0 * self.gain.value().max(1e-6).log10()
    }

    /// The input before the limiter (stereo; a mono layout passes the same slice twice).
    pub fn measure_input(&mut self, left: &[f32], right: &[f32]) {
        if self.on {
            self.input.process(left, right);
        }
    }

    /// Measures the limiter's output, then applies the matching gain to it in place.
    pub fn apply(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.on {
            self.output.process(left, right);
            self.retarget();
        }
        if self.is_unity() {
            return;
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let g = self.gain.next();
            *l *= g;
            *r *= g;
        }
    }

    /// [`apply`](Self::apply) for one channel.
    pub fn apply_mono(&mut self, x: &mut [f32]) {
        if self.on {
            self.output.process_mono(x);
            self.retarget();
        }
        if self.is_unity() {
            return;
        }
        for v in x.iter_mut() {
            *v *= self.gain.next();
        }
    }

    fn is_unity(&self) -> bool {
        self.gain.is_settled() && self.gain.value() == 1.0
    }

    /// The gain towards the input's loudness, as of the last 100 ms boundary.
    fn retarget(&mut self) {
        let (i, o) = (self.input.short_term(), self.output.short_term());
        if i.is_finite() && o.is_finite() {
            let db = (i - o).clamp(-MAX_CUT_DB, 0.0);
            self.gain.set_target(10f64.powf(db / 20.0) as f32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamics::limiter::{Limiter, Settings};
    use crate::test_support::XorShift;
    use ebur128::{EbuR128, Mode};

    const FS: f32 = 48_000.0;

    /// Peaky programme: a noise-burst drum every 250 ms over a quiet 110 Hz bass, `seconds`.
    fn programme(seconds: f32) -> (Vec<f32>, Vec<f32>) {
        let mut rng = XorShift::new(9);
        let n = (FS * seconds) as usize;
        let beat = (0.25 * FS) as usize;
        let mut l = Vec::with_capacity(n);
        let mut r = Vec::with_capacity(n);
        for i in 0..n {
            let k = (i % beat) as f32 / FS;
            let hit = (-k / 0.03).exp();
            let bass = 0.1 * (core::f32::consts::TAU * 110.0 * i as f32 / FS).sin();
            l.push(0.5 * hit * rng.uniform() + bass);
            r.push(0.5 * hit * rng.uniform() + bass);
        }
        (l, r)
    }

    /// Integrated loudness by the `ebur128` crate (independent of the meters matched).
    fn lufs(l: &[f32], r: &[f32]) -> f64 {
        let mut m = EbuR128::new(2, FS as u32, Mode::I).expect("ebur128");
        m.add_frames_planar_f32(&[l, r]).expect("frames");
        m.loudness_global().expect("loudness")
    }

    /// A stereo signal, left and right.
    type Signal = (Vec<f32>, Vec<f32>);

    /// Runs the programme through a limiter driven `drive_db` with matching on, in blocks of
    /// 512; returns input and output.
    fn run(drive_db: f32, bypass: bool, on: bool) -> (Signal, Signal) {
        let (l, r) = programme(16.0);
        let mut lim = Limiter::new(FS, 512);
        lim.update_immediately(&Settings {
            drive_db,
            bypass,
            ..Settings::default()
        });
        let mut matching = LoudnessMatch::new(FS, 2);
        matching.set(on);
        let (mut ol, mut or) = (l.clone(), r.clone());
        for (bl, br) in ol.chunks_mut(512).zip(or.chunks_mut(512)) {
            matching.measure_input(bl, br);
            lim.process(bl, br);
            matching.apply(bl, br);
            assert!(matching.gain_db() <= 0.0);
        }
        ((l, r), (ol, or))
    }

    /// The test: with +12 dB of drive the limited programme is several LU louder
    /// than its input; matched, it plays within 0.5 LU of the input (the last 10 s, once the
    /// 3 s window is full and the gain has settled).
    #[test]
    fn matched_output_plays_at_the_input_loudness() {
        let ((il, ir), (ul, ur)) = run(12.0, false, false);
        let ((_, _), (ml, mr)) = run(12.0, false, true);
        let tail = |x: &[f32]| x[x.len() - 10 * FS as usize..].to_vec();
        let input = lufs(&tail(&il), &tail(&ir));
        let limited = lufs(&tail(&ul), &tail(&ur));
        let matched = lufs(&tail(&ml), &tail(&mr));
        println!(
            "input {input:.2} LUFS, limited {limited:.2} LUFS, matched {matched:.2} LUFS ({:+.2} LU)",
            matched - input
        );
        assert!(limited - input > 3.0, "the limiter did not make it louder");
        assert!((matched - input).abs() <= 0.5, "{:+.2} LU", matched - input);
    }

    /// Bypassed, the output is the input: matching then asks for no gain at all, and off it
    /// leaves the limiter's output untouched, bit for bit.
    #[test]
    fn bypassed_or_off_it_leaves_the_level_alone() {
        let ((_, _), (bl, br)) = run(12.0, true, true);
        let ((_, _), (pl, pr)) = run(12.0, true, false);
        let tail = |x: &[f32]| x[x.len() - 10 * FS as usize..].to_vec();
        let diff = lufs(&tail(&bl), &tail(&br)) - lufs(&tail(&pl), &tail(&pr));
        println!("bypassed, matched vs plain: {diff:+.3} LU");
        assert!(diff.abs() <= 0.1);
        let ((_, _), off) = run(12.0, false, false);
        let mut lim = Limiter::new(FS, 512);
        lim.update_immediately(&Settings {
            drive_db: 12.0,
            ..Settings::default()
        });
        let (mut l, mut r) = programme(16.0);
        for (bl, br) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
            lim.process(bl, br);
        }
        assert_eq!((l, r), off);
    }
}
