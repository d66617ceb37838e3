//! Learn: play the programme once and get the Drive that puts the limiter's output on a
//! loudness target.
//!
//! **Why a bank of shadow limiters.** A limiter's output loudness is not its input's plus the
//! drive: the harder it limits, the less each dB of drive adds, and how much less depends on
//! the programme's crest factor and on every setting (lookahead, release, link, ceiling).
//! Rather than model that, the learner runs the programme, as it plays, through
//! [`DRIVES`] shadow copies of the limiter with the real settings and the target's ceiling,
//! at drives [`DRIVE_STEP_DB`] apart across the whole Drive range, and measures each copy's
//! integrated loudness (a [`LoudnessMeter`] of loudness alone, as the output meter measures). At the end
//! the loudness is known exactly at every step; between two steps it is a smooth, rising
//! function of the drive, interpolated with a monotone cubic (Fritsch–Carlson) and solved
//! for the target. The copies cost CPU only while Learn is on (about
//! [`DRIVES`] limiters), and all of them are allocated at activation.

use crate::meter::LoudnessMeter;

use super::limiter::{Limiter, Settings};

/// Drives of the shadow limiters: 0, 2, …, 36 dB (the Drive parameter's range).
pub const DRIVE_STEP_DB: f32 = 2.0;
pub const DRIVES: usize = 19;
/// Frames per pass through the shadows (from a stack buffer).
const PIECE: usize = 256;

/// What a pass found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Learned {
    /// The drive (dB) that puts the output on the target.
    Drive(f32),
    /// Even at 0 dB drive the output is louder than the target (by this many LU): the
    /// input itself must come down.
    TooLoud(f32),
    /// Even at the largest drive the output stays under the target (by this many LU).
    TooQuiet(f32),
    /// Nothing was heard (silence, or no pass yet).
    Nothing,
}

struct Shadow {
    limiter: Limiter,
    meter: LoudnessMeter,
}

/// The bank (see the module docs).
pub struct DriveLearner {
    shadows: Vec<Shadow>,
    channels: usize,
    active: bool,
}

impl DriveLearner {
    /// Allocates every shadow limiter and meter for `channels` (1 or 2) at `sample_rate`.
    pub fn new(sample_rate: f32, channels: usize) -> Self {
        let rate = if sample_rate.is_finite() && sample_rate >= 1_000.0 {
            sample_rate.round() as u32
        } else {
            48_000
        };
        let channels = channels.clamp(1, 2);
        let shadows = (0..DRIVES)
            .map(|_| Shadow {
                limiter: Limiter::new(rate as f32, PIECE),
                meter: LoudnessMeter::loudness_only(rate as f32, channels),
            })
            .collect();
        Self {
            shadows,
            channels,
            active: false,
        }
    }

    /// The drive of shadow `k`.
    pub fn drive_db(k: usize) -> f32 {
        k as f32 * DRIVE_STEP_DB
    }

    /// Starts a pass from silence with the limiter's `settings` and the target's ceiling
    /// (no allocation).
    pub fn start(&mut self, settings: &Settings, ceiling_dbtp: f32) {
        for (k, s) in self.shadows.iter_mut().enumerate() {
            s.limiter.update_immediately(&Settings {
                drive_db: Self::drive_db(k),
                ceiling_db: ceiling_dbtp,
                mono_check: false,
                bypass: false,
                ..*settings
            });
            s.limiter.reset();
            s.meter.reset();
        }
        self.active = true;
    }

    /// Ends the pass; [`result`](Self::result) still reads it.
    pub fn stop(&mut self) {
        self.active = false;
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Feeds the limiter's input (before the drive), stereo; nothing while not active.
    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        if !self.active {
            return;
        }
        let n = left.len().min(right.len());
        for start in (0..n).step_by(PIECE) {
            let len = PIECE.min(n - start);
            for s in &mut self.shadows {
                let mut l = [0.0f32; PIECE];
                let mut r = [0.0f32; PIECE];
                l[..len].copy_from_slice(&left[start..start + len]);
                r[..len].copy_from_slice(&right[start..start + len]);
                if self.channels == 1 {
                    s.limiter.process_mono(&mut l[..len]);
                } else {
                    s.limiter.process(&mut l[..len], &mut r[..len]);
                }
                if self.channels == 1 {
                    s.meter.process_mono(&l[..len]);
                } else {
                    s.meter.process(&l[..len], &r[..len]);
                }
            }
        }
    }

    /// Feeds one channel (mono layout).
    pub fn process_mono(&mut self, x: &[f32]) {
        self.process(x, x);
    }

    /// The integrated loudness of shadow `k`'s output so far (−∞ for silence).
    pub fn loudness(&self, k: usize) -> f64 {
        self.shadows[k].meter.integrated()
    }

    /// The drive that puts the output on `target_lufs`, from what the pass measured.
    pub fn result(&self, target_lufs: f32) -> Learned {
        let loudness: [f64; DRIVES] = core::array::from_fn(|k| self.loudness(k));
        solve(&loudness, target_lufs as f64)
    }
}

/// The drive at which the monotone cubic through `(drive_db(k), loudness[k])` reaches
/// `target` (see the module docs).
fn solve(loudness: &[f64], target: f64) -> Learned {
    let n = loudness.len();
    if n == 0 || loudness.iter().any(|l| !l.is_finite()) {
        return Learned::Nothing;
    }
    if target <= loudness[0] {
        return if target == loudness[0] {
            Learned::Drive(0.0)
        } else {
            Learned::TooLoud((loudness[0] - target) as f32)
        };
    }
    if target > loudness[n - 1] {
        return Learned::TooQuiet((target - loudness[n - 1]) as f32);
    }
    let h = DRIVE_STEP_DB as f64;
    // Secants, and Fritsch–Carlson slopes at the points (0 where the curve turns or is flat:
    // the interpolant then never overshoots, so it stays rising where the data rises).
    let secant = |k: usize| (loudness[k + 1] - loudness[k]) / h;
    let slope = |k: usize| -> f64 {
        if k == 0 {
            secant(0)
        } else if k == n - 1 {
            secant(n - 2)
        } else {
            let (a, b) = (secant(k - 1), secant(k));
            if a * b <= 0.0 {
                0.0
            } else {
                2.0 * a * b / (a + b)
            }
        }
    };
    let k = (0..n - 1)
        .find(|&k| loudness[k] <= target && target <= loudness[k + 1])
        .unwrap_or(n - 2);
    let (y0, y1) = (loudness[k], loudness[k + 1]);
    let (m0, m1) = (slope(k) * h, slope(k + 1) * h);
    let hermite = |t: f64| {
        let (t2, t3) = (t * t, t * t * t);
        (2.0 * t3 - 3.0 * t2 + 1.0) * y0
            + (t3 - 2.0 * t2 + t) * m0
            + (-2.0 * t3 + 3.0 * t2) * y1
            + (t3 - t2) * m1
    };
    // Rising between the two points: bisection finds the crossing to far below 0.01 dB.
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if hermite(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Learned::Drive(((k as f64 + 0.5 * (lo + hi)) * h) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamics::limiter::PeakMode;
    use crate::meter::target::{Preset, Target};
    use crate::test_support::XorShift;
    use ebur128::{EbuR128, Mode};

    const FS: f32 = 48_000.0;

    /// The `ebur128` crate's integrated loudness of a stereo signal (the independent meter).
    fn integrated(left: &[f32], right: &[f32]) -> f64 {
        let mut m = EbuR128::new(2, FS as u32, Mode::I).expect("ebur128");
        m.add_frames_planar_f32(&[left, right]).expect("frames");
        m.loudness_global().expect("loudness")
    }

    /// Music-like programme, `seconds` long: kick and snare (noise bursts over decaying
    /// bodies), a bass line, a pad of detuned saws, a vocal-like band of noise swelling with
    /// syllables, mixed so that `drums` sets the crest factor (loud drums: peaky; quiet
    /// drums: dense).
    fn programme(seed: u64, seconds: f32, drums: f32) -> (Vec<f32>, Vec<f32>) {
        let n = (FS * seconds) as usize;
        let tau = core::f64::consts::TAU;
        let mut rng = XorShift::new(seed);
        let beat = (0.5 * FS) as usize; // 120 BPM
        let (mut l, mut r) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut band_l, mut band_r) = (0.0f64, 0.0f64);
        for i in 0..n {
            let t = i as f64 / FS as f64;
            let in_beat = (i % beat) as f64 / FS as f64;
            let bar = i / (4 * beat);
            let kick = (-in_beat / 0.09).exp()
                * (tau * (50.0 + 60.0 * (-in_beat / 0.02).exp()) * in_beat).sin();
            let snare_t = ((i + beat) % (2 * beat)) as f64 / FS as f64;
            let snare = (-snare_t / 0.04).exp() * rng.uniform() as f64;
            let notes = [41.2, 49.0, 55.0, 36.7];
            let bass = 0.5 * (tau * notes[bar % 4] * t).sin();
            let pad: f64 = [220.0, 277.2, 329.6, 440.5]
                .iter()
                .map(|f| ((f * t) % 1.0) * 2.0 - 1.0)
                .sum::<f64>()
                * 0.06;
            // A crude vocal: noise through a one-pole band around 1–3 kHz, in syllables.
            let syllable = (tau * 4.0 * t).sin().max(0.0);
            band_l += 0.3 * (rng.uniform() as f64 - band_l);
            band_r += 0.3 * (rng.uniform() as f64 - band_r);
            let vocal_l = 0.4 * syllable * (rng.uniform() as f64 - band_l);
            let vocal_r = 0.4 * syllable * (rng.uniform() as f64 - band_r);
            let d = drums as f64 * (0.9 * kick + 0.5 * snare);
            l.push((0.35 * (d + bass + pad + vocal_l)) as f32);
            r.push((0.35 * (d + bass + 0.8 * pad + vocal_r)) as f32);
        }
        (l, r)
    }

    fn crest_db(l: &[f32], r: &[f32]) -> f64 {
        let peak = l.iter().chain(r).fold(0.0f32, |m, x| m.max(x.abs())) as f64;
        let rms = (l.iter().chain(r).map(|&x| (x as f64).powi(2)).sum::<f64>()
            / (2 * l.len()) as f64)
            .sqrt();
        20.0 * (peak / rms).log10()
    }

    /// Learns the drive for `target` on a stereo mix, runs the limiter with it (and the
    /// target's ceiling) and returns the drive and the output's integrated loudness by the
    /// `ebur128` crate, which shares nothing with the interpolation.
    fn learn_and_measure(l: &[f32], r: &[f32], target: Target) -> (f32, f64) {
        let settings = Settings {
            peak_mode: PeakMode::TruePeak,
            ..Settings::default()
        };
        let mut learner = DriveLearner::new(FS, 2);
        learner.start(&settings, target.dbtp);
        for (lc, rc) in l.chunks(512).zip(r.chunks(512)) {
            learner.process(lc, rc);
        }
        learner.stop();
        let Learned::Drive(drive_db) = learner.result(target.lufs) else {
            panic!("{target:?}: {:?}", learner.result(target.lufs));
        };
        let mut lim = Limiter::new(FS, 512);
        lim.update_immediately(&Settings {
            drive_db,
            ceiling_db: target.dbtp,
            ..settings
        });
        let (mut ol, mut or) = (l.to_vec(), r.to_vec());
        for (lc, rc) in ol.chunks_mut(512).zip(or.chunks_mut(512)) {
            lim.process(lc, rc);
        }
        (drive_db, integrated(&ol, &or))
    }

    fn scaled(x: &[f32], db: f64) -> Vec<f32> {
        let g = 10f64.powf(db / 20.0) as f32;
        x.iter().map(|v| v * g).collect()
    }

    /// The test: on three programmes of different crest factor, Learn's drive puts
    /// the limiter's output within 0.5 LU of each target: mixes that come in 4, 7 and 10 LU
    /// under every preset target (little limiting), and mixes peaking at −6 dBFS pushed to
    /// −14 LUFS and to a loud −9 LUFS at −0.3 dBTP (the limiter taking back several dB).
    #[test]
    fn learned_drive_lands_on_every_target() {
        let mut worst = 0.0f64;
        let loud = Target {
            lufs: -9.0,
            dbtp: -0.3,
        };
        for (seed, drums, under_lu) in [(1u64, 0.4f32, 4.0f64), (2, 1.0, 7.0), (3, 2.0, 10.0)] {
            let (l0, r0) = programme(seed, 12.0, drums);
            let mix_lufs = integrated(&l0, &r0);
            println!(
                "programme {seed}: crest factor {:.1} dB, {mix_lufs:.1} LUFS",
                crest_db(&l0, &r0)
            );
            let peak = l0.iter().chain(&r0).fold(0.0f32, |m, x| m.max(x.abs()));
            let normalised = -6.0 - 20.0 * (peak as f64).log10();
            let mut cases: Vec<(String, f64, Target)> = Preset::ALL
                .iter()
                .map(|p| {
                    let t = p.target();
                    (
                        format!("{p:?}, mix {under_lu} LU under"),
                        t.lufs as f64 - under_lu - mix_lufs,
                        t,
                    )
                })
                .collect();
            cases.push((
                "Streaming, mix peaking at -6 dBFS".into(),
                normalised,
                Preset::Streaming.target(),
            ));
            cases.push((
                "loud -9 LUFS, mix peaking at -6 dBFS".into(),
                normalised,
                loud,
            ));
            for (what, gain_db, target) in cases {
                let (l, r) = (scaled(&l0, gain_db), scaled(&r0, gain_db));
                let (drive_db, got) = learn_and_measure(&l, &r, target);
                let err = got - target.lufs as f64;
                println!("  {what}: drive {drive_db:+.2} dB -> {got:.2} LUFS ({err:+.3} LU)");
                assert!(err.abs() <= 0.5, "{what}, programme {seed}: {err:+.3} LU");
                worst = worst.max(err.abs());
            }
        }
        println!("largest error: {worst:.3} LU");
    }

    #[test]
    fn out_of_reach_and_silence_are_said_so() {
        let (l, r) = programme(4, 4.0, 1.0);
        let mut learner = DriveLearner::new(FS, 2);
        let settings = Settings::default();
        learner.start(&settings, -1.0);
        learner.process(&l, &r);
        // The programme at 0 dB drive is far louder than −40 LUFS, and no drive reaches 0.
        assert!(matches!(learner.result(-40.0), Learned::TooLoud(x) if x > 0.0));
        assert!(matches!(learner.result(0.0), Learned::TooQuiet(x) if x > 0.0));
        let silence = vec![0.0f32; 48_000];
        learner.start(&settings, -1.0);
        learner.process(&silence, &silence);
        assert_eq!(learner.result(-14.0), Learned::Nothing);
        // Not started: nothing is fed.
        learner.stop();
        learner.process(&l, &r);
        assert_eq!(learner.result(-14.0), Learned::Nothing);
    }

    /// The interpolation on a curve of known shape: L(d) = −9 − ln(1 + e^(14 − d)) rises with
    /// slope 1 at low drives and flattens towards −9 (limiting), like a real limiter's;
    /// sampled every 2 dB, the solved drive is within 0.05 dB of the exact inverse.
    #[test]
    fn monotone_cubic_inverts_a_smooth_rising_curve() {
        let curve = |d: f64| -9.0 - (1.0 + (14.0 - d).exp()).ln();
        let samples: Vec<f64> = (0..DRIVES)
            .map(|k| curve(DriveLearner::drive_db(k) as f64))
            .collect();
        for target in [-20.0, -16.0, -14.0, -12.5, -11.0] {
            if target <= samples[0] || target > samples[DRIVES - 1] {
                continue;
            }
            // The exact inverse by bisection on the curve itself.
            let (mut lo, mut hi) = (0.0f64, 36.0f64);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if curve(mid) < target {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            let Learned::Drive(d) = solve(&samples, target) else {
                panic!()
            };
            println!("target {target}: solved {d:.4} dB, exact {lo:.4} dB");
            assert!((d as f64 - lo).abs() < 0.05, "{target}: {d} vs {lo}");
        }
    }
}
