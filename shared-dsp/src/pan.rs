//! Panning: pan laws, balance and stereo panning, width, mono, swap and polarity.
//!
//! Every stage of the panner is linear and memoryless, so the whole chain collapses into one
//! 2×2 gain matrix `[out_l, out_r] = M · [in_l, in_r]`. That is the reason for the design:
//! `update()` computes the target matrix once (a few `sin`/`cos`, no per-sample trigonometry),
//! and `process()` glides the matrix linearly to its target over [`RAMP_MS`]. One ramp
//! smooths every parameter at once, the discrete switches (law, mode, swap, polarity, mono)
//! included, so nothing the host automates can click. The channel strip reuses the same laws.

use crate::kernel::sanitize::sane_sample;
use std::f64::consts::FRAC_PI_4;

/// How long a parameter change takes to reach the output. 20 ms is short enough to follow
/// automation closely and long enough that a hard-left to hard-right jump is inaudible as a
/// click (the gain moves by at most 1/882 per sample at 44.1 kHz).
pub const RAMP_MS: f64 = 20.0;

/// The level of a mono source in each channel as it is panned; named after the centre level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanLaw {
    /// Both channels at unity in the centre; the far channel falls linearly to silence.
    /// Louder in the centre than at the sides by up to 6 dB of summed power, but a centred
    /// signal passes untouched, which is what a stereo bus expects.
    ZeroDb,
    /// Constant power (sine/cosine): −3 dB in each channel at the centre, so a mono source
    /// keeps its loudness across the field on speakers.
    #[default]
    ConstantPower,
    /// The geometric mean of the −3 dB and −6 dB laws (−4.5 dB at the centre), the
    /// compromise many consoles use between speaker and mono-sum loudness.
    Compromise,
    /// Linear, −6 dB in each channel at the centre: constant amplitude, so the mono sum keeps
    /// its level as the source moves.
    Linear,
}

impl PanLaw {
    /// Gains `(left, right)` for a mono source at `pan` in −1 (left) … +1 (right).
    pub fn gains(self, pan: f64) -> (f64, f64) {
        let p = if pan.is_finite() {
            pan.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        // Linear ramps, exact at the ends so that hard panning is bit-exact.
        let lin_l = (1.0 - p) * 0.5;
        let lin_r = (1.0 + p) * 0.5;
        match self {
            PanLaw::ZeroDb => ((1.0 - p).min(1.0), (1.0 + p).min(1.0)),
            PanLaw::ConstantPower => constant_power(p),
            PanLaw::Compromise => {
                let (cl, cr) = constant_power(p);
                ((cl * lin_l).sqrt(), (cr * lin_r).sqrt())
            }
            PanLaw::Linear => (lin_l, lin_r),
        }
    }
}

/// `(cos θ, sin θ)` with θ = (p + 1)·π/4, snapped to exact 0 and 1 at the ends (f64's
/// `cos(π/2)` is 6e-17, which would leak a hard-panned channel into the other one).
fn constant_power(p: f64) -> (f64, f64) {
    let theta = (p + 1.0) * FRAC_PI_4;
    let snap = |g: f64| {
        if g.abs() < 1e-12 {
            0.0
        } else if (1.0 - g).abs() < 1e-12 {
            1.0
        } else {
            g
        }
    };
    (snap(theta.cos()), snap(theta.sin()))
}

/// What the pan control does to a stereo input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanMode {
    /// Attenuate the far channel and leave the near one alone, like a console's balance
    /// control: the image does not move, one side fades.
    #[default]
    Balance,
    /// Each input channel is a mono source placed with the pan law; panning folds the image
    /// toward one side (hard right puts both channels on the right).
    StereoPan,
}

/// Plain settings in real units, mirroring the panner plugin's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// −1 (hard left) … +1 (hard right).
    pub pan: f64,
    pub law: PanLaw,
    pub mode: PanMode,
    /// Side level relative to mid, 0 (mono) … 2 (double width); 1 leaves the image alone.
    pub width: f64,
    /// Sum to mono before panning (overrides width).
    pub mono: bool,
    pub swap: bool,
    pub invert_left: bool,
    pub invert_right: bool,
    /// Output gain as a linear factor (0 = silence).
    pub gain: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            pan: 0.0,
            law: PanLaw::default(),
            mode: PanMode::default(),
            width: 1.0,
            mono: false,
            swap: false,
            invert_left: false,
            invert_right: false,
            gain: 1.0,
        }
    }
}

impl Settings {
    /// Settings that change nothing: a stereo input passes bit-exactly, a mono input reaches
    /// both sides at unity. Bypass glides here.
    pub fn neutral() -> Self {
        Self {
            law: PanLaw::ZeroDb,
            ..Self::default()
        }
    }
}

/// A 2×2 gain matrix, row-major: `[ll, lr, rl, rr]`, so `out_l = ll·in_l + lr·in_r`.
pub type Matrix = [f64; 4];

/// The chain's matrix for a stereo input: polarity → swap → width/mono → pan → gain.
pub fn stereo_matrix(s: &Settings) -> Matrix {
    let pl = if s.invert_left { -1.0 } else { 1.0 };
    let pr = if s.invert_right { -1.0 } else { 1.0 };
    // Polarity and swap: a signed permutation.
    let source: Matrix = if s.swap {
        [0.0, pr, pl, 0.0]
    } else {
        [pl, 0.0, 0.0, pr]
    };
    // Width as L' = L·(1+w)/2 + R·(1−w)/2 rather than through explicit mid/side sums, so
    // that w = 1 is exactly the identity (bit-transparent) and w = 0 gives L' == R' exactly.
    let w = if s.mono {
        0.0
    } else if s.width.is_finite() {
        s.width.clamp(0.0, 2.0)
    } else {
        1.0
    };
    let (a, b) = ((1.0 + w) * 0.5, (1.0 - w) * 0.5);
    let width: Matrix = [a, b, b, a];
    let pan: Matrix = match s.mode {
        PanMode::Balance => {
            // The near channel stays at unity; the far one follows the law's own curve,
            // normalised to unity at the centre.
            let (cl, cr) = s.law.gains(0.0);
            let (gl, gr) = s.law.gains(s.pan);
            let p = s.pan;
            let bl = if p > 0.0 { gl / cl } else { 1.0 };
            let br = if p < 0.0 { gr / cr } else { 1.0 };
            [bl, 0.0, 0.0, br]
        }
        PanMode::StereoPan => {
            // The left input travels from hard left to the right edge as pan goes 0 → +1;
            // the right input mirrors it. At the centre both stay where they are.
            let p = if s.pan.is_finite() {
                s.pan.clamp(-1.0, 1.0)
            } else {
                0.0
            };
            let pos_l = -1.0 + 2.0 * p.max(0.0);
            let pos_r = 1.0 - 2.0 * (-p).max(0.0);
            let (ll, rl) = s.law.gains(pos_l);
            let (lr, rr) = s.law.gains(pos_r);
            [ll, lr, rl, rr]
        }
    };
    let g = if s.gain.is_finite() {
        s.gain.max(0.0)
    } else {
        1.0
    };
    let m = mul(&pan, &mul(&width, &source));
    m.map(|x| x * g)
}

/// The chain's matrix for a mono input (only `in_l` is read): the source is placed with the
/// pan law, then width, swap and polarity act on the resulting stereo pair, then gain.
pub fn mono_matrix(s: &Settings) -> Matrix {
    let (gl, gr) = s.law.gains(s.pan);
    let placed: Matrix = [gl, 0.0, gr, 0.0];
    let rest = stereo_matrix(&Settings {
        pan: 0.0,
        mode: PanMode::Balance,
        ..*s
    });
    mul(&rest, &placed)
}

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
    ]
}

/// Whether the input is one channel (placed with the law) or two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Mono,
    Stereo,
}

/// The panner: a gain matrix that glides to its target whenever the settings change.
#[derive(Debug, Clone)]
pub struct Panner {
    input: Input,
    ramp_len: u32,
    current: Matrix,
    target: Matrix,
    step: Matrix,
    remaining: u32,
}

crate::processor::processor!(Panner, Settings);

impl Panner {
    pub fn new(sample_rate: f32, input: Input) -> Self {
        let ramp_len = ((RAMP_MS * 1e-3 * sample_rate as f64).round() as u32).max(1);
        let identity = [1.0, 0.0, 0.0, 1.0];
        let mut panner = Self {
            input,
            ramp_len,
            current: identity,
            target: identity,
            step: [0.0; 4],
            remaining: 0,
        };
        panner.update_immediately(&Settings::default());
        panner
    }

    /// Start gliding toward the matrix of `settings`. Cheap; never allocates.
    pub fn update(&mut self, settings: &Settings) {
        let target = self.matrix_for(settings);
        if target == self.target {
            return;
        }
        self.target = target;
        self.remaining = self.ramp_len;
        let n = self.ramp_len as f64;
        for i in 0..4 {
            self.step[i] = (self.target[i] - self.current[i]) / n;
        }
    }

    /// Jump to `settings` without a glide (after a reset or when a session loads).
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.target = self.matrix_for(settings);
        self.current = self.target;
        self.remaining = 0;
    }

    fn matrix_for(&self, settings: &Settings) -> Matrix {
        match self.input {
            Input::Mono => mono_matrix(settings),
            Input::Stereo => stereo_matrix(settings),
        }
    }

    /// Finish any glide. There is no other state: the panner has no memory of the signal.
    pub fn reset(&mut self) {
        self.current = self.target;
        self.remaining = 0;
    }

    pub fn latency_samples(&self) -> u32 {
        0
    }

    /// Process in place. For a mono input `left` holds the source and `right` is overwritten.
    /// Non-finite input samples are treated as silence: the panner keeps no signal state to
    /// poison, but a NaN passed on would poison every processor after it in the session.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        let mut i = 0;
        // Glide, sample by sample, while the ramp lasts…
        while self.remaining > 0 && i < len {
            for k in 0..4 {
                self.current[k] += self.step[k];
            }
            self.remaining -= 1;
            if self.remaining == 0 {
                self.current = self.target;
            }
            let (l, r) = self.apply(&self.current, left[i], right[i]);
            left[i] = l;
            right[i] = r;
            i += 1;
        }
        // …then a constant matrix for the rest of the block.
        let m = self.target.map(|x| x as f32);
        let mono = self.input == Input::Mono;
        for (l, r) in left[i..].iter_mut().zip(right[i..].iter_mut()) {
            let in_l = sane_sample(*l);
            let in_r = if mono { 0.0 } else { sane_sample(*r) };
            *l = m[0] * in_l + m[1] * in_r;
            *r = m[2] * in_l + m[3] * in_r;
        }
    }

    #[inline]
    fn apply(&self, m: &Matrix, in_l: f32, in_r: f32) -> (f32, f32) {
        let in_r = if self.input == Input::Mono {
            0.0
        } else {
            sane_sample(in_r)
        };
        let (l, r) = (sane_sample(in_l) as f64, in_r as f64);
        ((m[0] * l + m[1] * r) as f32, (m[2] * l + m[3] * r) as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn db(x: f64) -> f64 {
        20.0 * x.log10()
    }

    /// Closed forms written independently of `PanLaw::gains`: θ = (p+1)π/4.
    fn reference(law: PanLaw, p: f64) -> (f64, f64) {
        let theta = (p + 1.0) * PI / 4.0;
        match law {
            PanLaw::ZeroDb => (
                if p <= 0.0 { 1.0 } else { 1.0 - p },
                if p >= 0.0 { 1.0 } else { 1.0 + p },
            ),
            PanLaw::ConstantPower => (theta.cos(), theta.sin()),
            PanLaw::Compromise => (
                (theta.cos() * (1.0 - p) / 2.0).sqrt(),
                (theta.sin() * (1.0 + p) / 2.0).sqrt(),
            ),
            PanLaw::Linear => ((1.0 - p) / 2.0, (1.0 + p) / 2.0),
        }
    }

    const LAWS: [PanLaw; 4] = [
        PanLaw::ZeroDb,
        PanLaw::ConstantPower,
        PanLaw::Compromise,
        PanLaw::Linear,
    ];

    /// Measure a law through the panner itself (a mono DC input), not through `gains()`.
    fn measured_mono_gains(law: PanLaw, pan: f64) -> (f64, f64) {
        let mut p = Panner::new(48_000.0, Input::Mono);
        p.update_immediately(&Settings {
            pan,
            law,
            ..Settings::default()
        });
        let (mut l, mut r) = ([1.0f32; 4], [0.0f32; 4]);
        p.process(&mut l, &mut r);
        (l[3] as f64, r[3] as f64)
    }

    #[test]
    fn pan_law_gains_match_closed_forms() {
        for law in LAWS {
            for pan in [-1.0, -0.5, 0.0, 0.5, 1.0] {
                let (gl, gr) = measured_mono_gains(law, pan);
                let (rl, rr) = reference(law, pan);
                assert!(
                    (gl - rl).abs() < 1e-6 && (gr - rr).abs() < 1e-6,
                    "{law:?} at {pan}: got ({gl}, {gr}), expected ({rl}, {rr})"
                );
            }
        }
    }

    #[test]
    fn centre_levels_are_the_named_laws() {
        let expected_db = [0.0, -3.0103, -4.5154, -6.0206];
        for (law, want) in LAWS.iter().zip(expected_db) {
            let (gl, gr) = measured_mono_gains(*law, 0.0);
            assert!(
                (db(gl) - want).abs() < 0.01 && (db(gr) - want).abs() < 0.01,
                "{law:?}: {} dB",
                db(gl)
            );
        }
        // Constant power really is constant power everywhere.
        for i in 0..=20 {
            let pan = -1.0 + i as f64 / 10.0;
            let (gl, gr) = measured_mono_gains(PanLaw::ConstantPower, pan);
            assert!((gl * gl + gr * gr - 1.0).abs() < 1e-6);
        }
    }

    fn run_stereo(settings: &Settings, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let mut p = Panner::new(48_000.0, Input::Stereo);
        p.update_immediately(settings);
        let (mut l, mut r) = (l.to_vec(), r.to_vec());
        p.process(&mut l, &mut r);
        (l, r)
    }

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                s as f32 / u32::MAX as f32 * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn width_zero_makes_both_channels_identical() {
        let (l, r) = (noise(4096, 1), noise(4096, 2));
        for mode in [PanMode::Balance, PanMode::StereoPan] {
            let (ol, or) = run_stereo(
                &Settings {
                    width: 0.0,
                    mode,
                    ..Settings::default()
                },
                &l,
                &r,
            );
            assert_eq!(ol, or);
            // And it is the mid signal, not silence.
            assert!((ol[10] - (l[10] + r[10]) * 0.5).abs() < 1e-6);
        }
    }

    #[test]
    fn width_100_percent_is_bit_transparent_at_centre_with_0db_law() {
        let (l, r) = (noise(4096, 3), noise(4096, 4));
        for mode in [PanMode::Balance, PanMode::StereoPan] {
            let s = Settings {
                law: PanLaw::ZeroDb,
                mode,
                ..Settings::default()
            };
            let (ol, or) = run_stereo(&s, &l, &r);
            assert!(
                ol.iter().zip(&l).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{mode:?}"
            );
            assert!(
                or.iter().zip(&r).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn width_200_percent_doubles_the_side_signal() {
        let (l, r) = (noise(1024, 5), noise(1024, 6));
        let (ol, or) = run_stereo(
            &Settings {
                width: 2.0,
                ..Settings::default()
            },
            &l,
            &r,
        );
        for i in 0..1024 {
            let (m, s) = ((l[i] + r[i]) / 2.0, (l[i] - r[i]) / 2.0);
            assert!(((ol[i] + or[i]) / 2.0 - m).abs() < 1e-6);
            assert!(((ol[i] - or[i]) / 2.0 - 2.0 * s).abs() < 1e-6);
        }
    }

    #[test]
    fn balance_attenuates_only_the_far_channel_and_stereo_pan_folds() {
        let (l, r) = ([1.0f32; 8], [0.5f32; 8]);
        let s = Settings {
            pan: 0.5,
            ..Settings::default()
        };
        let (ol, or) = run_stereo(&s, &l, &r);
        let (cl, _) = reference(PanLaw::ConstantPower, 0.0);
        let (fl, _) = reference(PanLaw::ConstantPower, 0.5);
        assert!((ol[0] as f64 - fl / cl).abs() < 1e-6);
        assert_eq!(or[0], 0.5);
        // Hard right in stereo-pan mode: everything on the right at unity.
        let (ol, or) = run_stereo(
            &Settings {
                pan: 1.0,
                mode: PanMode::StereoPan,
                ..Settings::default()
            },
            &l,
            &r,
        );
        assert_eq!(ol[0], 0.0);
        assert!((or[0] - 1.5).abs() < 1e-6);
    }

    #[test]
    fn swap_polarity_and_gain() {
        let (l, r) = ([0.25f32; 4], [0.5f32; 4]);
        let s = Settings {
            swap: true,
            invert_left: true,
            gain: 2.0,
            ..Settings::default()
        };
        let (ol, or) = run_stereo(&s, &l, &r);
        // Polarity acts on the inputs, then they swap sides.
        assert_eq!((ol[0], or[0]), (1.0, -0.5));
    }

    #[test]
    fn pan_jump_hard_left_to_hard_right_does_not_click() {
        for fs in [44_100.0f32, 48_000.0, 96_000.0] {
            for input in [Input::Mono, Input::Stereo] {
                for (law, mode) in LAWS
                    .into_iter()
                    .flat_map(|l| [(l, PanMode::Balance), (l, PanMode::StereoPan)])
                {
                    let n = (fs * 0.2) as usize;
                    let w = 2.0 * std::f32::consts::PI * 1000.0 / fs;
                    let sine: Vec<f32> = (0..n).map(|i| (w * i as f32).sin()).collect();
                    let sine_step = sine
                        .windows(2)
                        .map(|s| (s[1] - s[0]).abs())
                        .fold(0.0, f32::max);
                    let mut p = Panner::new(fs, input);
                    p.update_immediately(&Settings {
                        pan: -1.0,
                        law,
                        mode,
                        ..Settings::default()
                    });
                    let (mut l, mut r) = (sine.clone(), sine.clone());
                    let half = n / 2;
                    p.process(&mut l[..half], &mut r[..half]);
                    p.update(&Settings {
                        pan: 1.0,
                        law,
                        mode,
                        ..Settings::default()
                    });
                    p.process(&mut l[half..], &mut r[half..]);
                    // The sine's own largest step as it leaves the panner in steady state
                    // (stereo panning of L = R doubles it on the side it lands on).
                    let steady = |x: &[f32]| {
                        x.windows(2)
                            .map(|s| (s[1] - s[0]).abs())
                            .fold(0.0, f32::max)
                    };
                    let q = n / 4;
                    let own_step = [&l[..q], &r[..q], &l[n - q..], &r[n - q..]]
                        .map(steady)
                        .into_iter()
                        .fold(0.0, f32::max);
                    assert!(own_step >= sine_step * 0.99);
                    for ch in [&l, &r] {
                        let step = steady(ch);
                        assert!(
                            step <= own_step + 1e-3,
                            "{fs} {input:?} {law:?} {mode:?}: step {step} vs {own_step}"
                        );
                    }
                    // And it arrived: the left channel is silent at the end.
                    assert!(l[n - 1].abs() < 1e-6, "{law:?}");
                }
            }
        }
    }

    #[test]
    fn any_block_length_works() {
        let mut p = Panner::new(44_100.0, Input::Stereo);
        p.update(&Settings {
            pan: 0.3,
            ..Settings::default()
        });
        let (mut l, mut r) = (vec![], vec![]);
        p.process(&mut l, &mut r);
        let (mut l, mut r) = ([0.5f32], [0.5f32]);
        p.process(&mut l, &mut r);
        assert!(l[0].is_finite() && r[0].is_finite());
    }

    #[test]
    fn non_finite_input_becomes_silence() {
        let mut p = Panner::new(48_000.0, Input::Stereo);
        let (mut l, mut r) = ([f32::NAN, 0.5], [f32::INFINITY, f32::NEG_INFINITY]);
        p.process(&mut l, &mut r);
        assert_eq!((l, r), ([0.0, 0.5], [0.0, 0.0]));
    }
}
