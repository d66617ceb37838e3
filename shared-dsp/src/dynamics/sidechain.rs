//! The sidechain high-pass filter: keeps bass from driving the gain reduction.
//!
//! A kick drum or a bass line carries most of a mix's energy, so a full-range detector pumps
//! everything with the low end. A 12 dB/oct (2nd-order Butterworth, Q = 1/√2) high pass in
//! the detector path lets the compressor react to the rest. Only the detector hears it; the
//! audio is untouched (the "listen" switch lets the user hear it).
//!
//! It is the TPT [`Svf`]: its cutoff can move every sample without clicks or instability, so
//! a cutoff change glides (a one-pole [`Smoother`] with [`GLIDE_MS`]) rather than jumping.

use crate::filter_shape::FilterShape;
use crate::lane::Lane;
use crate::smoother::Smoother;
use crate::svf::Svf;

/// Time constant of cutoff glides.
pub const GLIDE_MS: f32 = 10.0;

/// Butterworth: maximally flat, no bump above the cutoff.
const Q: f64 = core::f64::consts::FRAC_1_SQRT_2;

#[derive(Clone, Debug)]
pub struct SidechainFilter<L: Lane> {
    svf: Svf<L>,
    cutoff: Smoother,
    enabled: bool,
}

impl<L: Lane> SidechainFilter<L> {
    /// A filter at `cutoff_hz`, initially `enabled` or not.
    pub fn new(sample_rate: f32, cutoff_hz: f32, enabled: bool) -> Self {
        let mut svf = Svf::new(sample_rate as f64);
        svf.set(FilterShape::HighPass, cutoff_hz, Q, 0.0);
        Self {
            cutoff: Smoother::new(sample_rate, GLIDE_MS, svf.cutoff()),
            svf,
            enabled,
        }
    }

    /// Turning the filter on starts it from rest, so stale state from when it was last on
    /// never reaches the detector.
    pub fn set_enabled(&mut self, on: bool) {
        if on && !self.enabled {
            self.svf.reset();
        }
        self.enabled = on;
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Glides to a new cutoff (Hz, clamped like the SVF's).
    pub fn set_cutoff_hz(&mut self, hz: f32) {
        self.cutoff.set_target(hz);
    }

    /// Jumps to the current target cutoff and clears the filter state.
    pub fn reset(&mut self) {
        self.cutoff.reset_to(self.cutoff.target());
        self.svf.set_cutoff(self.cutoff.value());
        self.svf.reset();
    }

    /// Whether a cutoff glide is in progress (the filter is on and its cutoff moving).
    pub fn is_gliding(&self) -> bool {
        self.enabled && !self.cutoff.is_settled()
    }

    /// [`process_sample`](Self::process_sample) without the glide step, for loops that have
    /// checked [`is_gliding`](Self::is_gliding) once for a whole block: with no `tan` call in
    /// the loop, the filter state stays in registers. While gliding it would hold the cutoff.
    #[inline(always)]
    pub fn process_steady(&mut self, x: L) -> L {
        if self.enabled {
            self.svf.process_sample(x)
        } else {
            x
        }
    }

    /// Filters one sidechain sample (passes it through when disabled). A non-finite input
    /// clears the state (see [`Svf::process_sample`]).
    #[inline(always)]
    pub fn process_sample(&mut self, x: L) -> L {
        if !self.enabled {
            return x;
        }
        if !self.cutoff.is_settled() {
            let hz = self.cutoff.next();
            self.svf.set_cutoff(hz);
        }
        self.svf.process_sample(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::AnalogPrototype;

    /// Steady-state gain (dB) of a sine through the filter, from the output's RMS.
    fn gain_db(f: &mut SidechainFilter<f32>, freq: f32, fs: f32) -> f64 {
        let w = core::f64::consts::TAU * freq as f64 / fs as f64;
        let n = fs as usize;
        let (mut num, mut den) = (0.0f64, 0.0f64);
        for i in 0..n {
            let x = (w * i as f64).sin() as f32;
            let y = f.process_sample(x);
            if i >= n / 2 {
                num += (y as f64).powi(2);
                den += (x as f64).powi(2);
            }
        }
        10.0 * (num / den).log10()
    }

    #[test]
    fn is_a_12_db_per_octave_butterworth_high_pass() {
        let fs = 48_000.0;
        let proto = AnalogPrototype {
            shape: FilterShape::HighPass,
            q: Q,
            gain_db: 0.0,
        };
        for &fc in &[20.0f32, 100.0, 500.0] {
            for &freq in &[fc / 4.0, fc / 2.0, fc, fc * 2.0, 1_000.0] {
                let mut f = SidechainFilter::<f32>::new(fs, fc, true);
                let got = gain_db(&mut f, freq, fs);
                let want = proto.bilinear_magnitude_db(freq as f64, fc as f64, fs as f64);
                println!("sc hpf {fc} Hz at {freq} Hz: {got:.3} dB (prototype {want:.3})");
                assert!(
                    (got - want).abs() < 0.05,
                    "{fc} Hz at {freq} Hz: {got} vs {want}"
                );
            }
        }
        // Two octaves down is 24 dB down (12 dB/oct), to within the corner's rounding.
        let mut f = SidechainFilter::<f32>::new(fs, 400.0, true);
        let lo = gain_db(&mut f, 50.0, fs) - gain_db(&mut f, 100.0, fs);
        assert!((lo + 12.0).abs() < 0.3, "octave slope {lo}");
    }

    #[test]
    fn off_is_transparent_and_on_restarts_clean() {
        let mut f = SidechainFilter::<f32>::new(48_000.0, 200.0, false);
        for x in [0.5f32, -1.0, 0.25] {
            assert_eq!(f.process_sample(x), x);
        }
        f.set_enabled(true);
        assert!((f.process_sample(0.0)).abs() < 1e-9);
        f.set_cutoff_hz(300.0);
        for _ in 0..10_000 {
            f.process_sample(0.1);
        }
        assert!((f.svf.cutoff() - 300.0).abs() < 0.01);
    }
}
