//! Monitoring aids for a master bus: the mono check.
//!
//! Masters are also heard on phones, laptops and mono speakers, where the two channels are
//! summed: what is out of phase between them cancels. The mono check lets the engineer hear
//! that sum on the monitors: both outputs carry (L + R) / 2, the level a mono device plays
//! (−6 dB per channel, so a centred source keeps its level and wide or out-of-phase content
//! drops as it would). Switching glides over [`GLIDE_MS`], without a click.
//!
//! **Why after the limiter is safe**: the sum's waveform is the mean of the two channels'
//! waveforms (reconstruction is linear), so neither its samples nor its true peak can exceed
//! the larger of the two channels' peaks: a held ceiling stays held.

use crate::kernel::sanitize::sane_sample;
use crate::smoother::Smoother;

/// Time constant of the switch.
pub const GLIDE_MS: f32 = 10.0;

/// The mono-sum switch (see the module docs).
#[derive(Clone, Debug)]
pub struct MonoCheck {
    /// 0: stereo as it is; 1: the mono sum on both sides.
    amount: Smoother,
}

impl MonoCheck {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            amount: Smoother::new(sample_rate, GLIDE_MS, 0.0),
        }
    }

    /// Glides to the mono sum (`true`) or back to stereo.
    pub fn set(&mut self, on: bool) {
        self.amount.set_target(if on { 1.0 } else { 0.0 });
    }

    /// Switches without gliding (activation, loading a session).
    pub fn set_immediately(&mut self, on: bool) {
        self.amount.reset_to(if on { 1.0 } else { 0.0 });
    }

    /// Whether the output is the mono sum or on its way there.
    pub fn is_on(&self) -> bool {
        self.amount.target() == 1.0
    }

    /// In place; leaves the samples untouched (bit for bit) while fully off.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.amount.is_settled() {
            if self.amount.value() == 1.0 {
                // Fully on: the sum itself, not x + (mid − x), which can round off it.
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    let mid = (sane_sample(*l) + sane_sample(*r)) * 0.5;
                    (*l, *r) = (mid, mid);
                }
            }
            if self.amount.value() == 0.0 || self.amount.value() == 1.0 {
                return;
            }
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let a = self.amount.next();
            let (x, y) = (sane_sample(*l), sane_sample(*r));
            let mid = (x + y) * 0.5;
            *l = x + (mid - x) * a;
            *r = y + (mid - y) * a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(n: usize, fs: f32) -> (Vec<f32>, Vec<f32>) {
        let w = |f: f32, i: usize| (core::f32::consts::TAU * f * i as f32 / fs).sin();
        let l = (0..n)
            .map(|i| 0.5 * w(440.0, i) + 0.3 * w(3000.0, i))
            .collect();
        let r = (0..n)
            .map(|i| 0.5 * w(440.0, i) - 0.3 * w(3000.0, i))
            .collect();
        (l, r)
    }

    #[test]
    fn off_is_bit_transparent() {
        let mut m = MonoCheck::new(48_000.0);
        let (l0, r0) = signal(4096, 48_000.0);
        let (mut l, mut r) = (l0.clone(), r0.clone());
        m.process(&mut l, &mut r);
        assert_eq!((l, r), (l0, r0));
    }

    /// On: both sides carry (L + R) / 2 exactly, so a component in opposite phase in the two
    /// channels (the 3 kHz tone) disappears and the centred one (440 Hz) keeps its level.
    #[test]
    fn on_plays_the_mono_sum() {
        let fs = 48_000.0;
        let mut m = MonoCheck::new(fs);
        m.set_immediately(true);
        let (l0, r0) = signal(4096, fs);
        let (mut l, mut r) = (l0.clone(), r0.clone());
        m.process(&mut l, &mut r);
        let mut worst = 0.0f32;
        for i in 0..l.len() {
            let centre = 0.5 * (core::f32::consts::TAU * 440.0 * i as f32 / fs).sin();
            assert_eq!(l[i], r[i]);
            assert_eq!(l[i], (l0[i] + r0[i]) * 0.5);
            worst = worst.max((l[i] - centre).abs());
        }
        println!("mono check: largest difference from the centred tone alone {worst:.2e}");
        assert!(worst < 1e-6);
    }

    /// Switching glides: the largest change between neighbouring output samples stays that
    /// of the signal itself plus a small fraction of the step the switch makes, never the
    /// step at once; after 12 τ the switch has arrived.
    #[test]
    fn switching_glides_without_a_click() {
        let fs = 48_000.0;
        let mut m = MonoCheck::new(fs);
        // DC left, silence right: the switch moves the left output from 1 to 0.5.
        let n = (fs * GLIDE_MS * 1e-3 * 12.0) as usize;
        let (mut l, mut r) = (vec![1.0f32; n], vec![0.0f32; n]);
        m.set(true);
        m.process(&mut l, &mut r);
        let largest_step = l
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold((1.0 - l[0]).abs(), f32::max);
        // A one-pole with τ = 480 samples moves at most 1/480 of the distance per sample.
        let bound = 0.5 / (fs * GLIDE_MS * 1e-3) * 1.01;
        println!("mono check switch: largest step {largest_step:.2e} (bound {bound:.2e})");
        assert!(largest_step <= bound);
        assert_eq!((l[n - 1], r[n - 1]), (0.5, 0.5));
    }

    #[test]
    fn garbage_in_becomes_silence_not_poison() {
        let mut m = MonoCheck::new(48_000.0);
        m.set_immediately(true);
        let (mut l, mut r) = (
            vec![f32::NAN, 1.0, f32::INFINITY],
            vec![0.5, f32::NEG_INFINITY, 0.0],
        );
        m.process(&mut l, &mut r);
        assert!(l.iter().chain(&r).all(|x| x.is_finite()));
        let (mut l, mut r) = (vec![0.25f32; 4], vec![0.75f32; 4]);
        m.process(&mut l, &mut r);
        assert_eq!((l, r), (vec![0.5; 4], vec![0.5; 4]));
    }
}
