//! Gate / expander: attenuates a signal by up to `range` dB while it stays below a threshold,
//! as the gate section of a console channel does.
//!
//! ```text
//! key = max(|L|, |R|) ─ open/close with hysteresis and hold ─ target GR (0 or range dB) ─ attack/release (dB) ─ × both channels
//! ```
//!
//! **Detection** compares the linked peak `max(|L|, |R|)` of each sample with two levels in
//! the linear domain (no logarithm per sample): the gate *opens* as soon as a sample reaches
//! the threshold and *closes* only after no sample has reached `threshold − hysteresis` for
//! the hold time. Hysteresis keeps a signal hovering around the threshold from chattering;
//! hold keeps the gate open through the zero crossings of a low note (a hold at least half
//! the period of the lowest frequency present, e.g. 25 ms for 20 Hz, is what a pro gate's
//! default gives) and through short dips between syllables. The same hold is what a hardware
//! gate calls "hold"; a peak detector with its own release would blur the closed-form timing
//! the tests check, so there is none.
//!
//! **Range, not ratio**: closed, the signal is attenuated by `range` dB (80 dB ≈ a hard gate,
//! 6–15 dB the gentle "expander" setting consoles offer for taming spill). The attenuation
//! moves in dB with a branching one-pole (the time-constant definition of the compressor's
//! [`ballistics`](super::ballistics)): `attack_ms` is the time the gain
//! reduction takes to fall to 1/e of its value when the gate opens, `release_ms` the time to
//! cover 63 % of the way to `range` when it closes. Working in dB makes both as audible as
//! they say whatever the range.
//!
//! **Off**: with `enabled == false` the gate opens (at the attack rate, so switching it off
//! never clicks) and, once fully open, passes the audio untouched, bit for bit.

use crate::kernel::sanitize::clamp_or;
use crate::processor::usable_rate;

use super::fast_db;

/// The gate's settings, in real units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub enabled: bool,
    /// dBFS peak at which the gate opens, −100 … 0.
    pub threshold_db: f32,
    /// Attenuation while closed, dB, 0 … 100.
    pub range_db: f32,
    /// 63 % time of the opening (ms).
    pub attack_ms: f32,
    /// 63 % time of the closing (ms), counted from the end of the hold.
    pub release_ms: f32,
    /// How long the key must stay below the closing level before the gate closes (ms).
    pub hold_ms: f32,
    /// The gate closes at `threshold − hysteresis` (dB, 0 … 24).
    pub hysteresis_db: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: false,
            threshold_db: -40.0,
            range_db: 40.0,
            attack_ms: 0.5,
            release_ms: 100.0,
            hold_ms: 25.0,
            hysteresis_db: 4.0,
        }
    }
}

impl Settings {
    /// Clamped to the documented ranges; NaN falls back to the default.
    fn sanitized(&self) -> Self {
        let d = Self::default();
        Self {
            enabled: self.enabled,
            threshold_db: clamp_or(self.threshold_db, -100.0, 0.0, d.threshold_db),
            range_db: clamp_or(self.range_db, 0.0, 100.0, d.range_db),
            attack_ms: clamp_or(self.attack_ms, 0.0, 10_000.0, d.attack_ms),
            release_ms: clamp_or(self.release_ms, 0.0, 60_000.0, d.release_ms),
            hold_ms: clamp_or(self.hold_ms, 0.0, 10_000.0, d.hold_ms),
            hysteresis_db: clamp_or(self.hysteresis_db, 0.0, 24.0, d.hysteresis_db),
        }
    }
}

/// Gain reductions closer than this (dB) to their target land on it, so that an open gate
/// becomes bit-transparent and a closed one stops moving.
const SNAP_DB: f64 = 1e-4;

/// `exp(−1/(τ·fs))` for a time constant in ms (the definition of
/// [`ballistics::coef_for`](super::ballistics::coef_for)), kept in f64; 0 (instant) for τ ≤ 0.
fn coef_f64(time_ms: f32, sample_rate: f32) -> f64 {
    let tau = time_ms as f64 * 1e-3 * sample_rate as f64;
    if tau > 0.0 { (-1.0 / tau).exp() } else { 0.0 }
}

/// The stereo gate (see the module docs).
#[derive(Clone, Debug)]
pub struct Gate {
    sample_rate: f32,
    settings: Settings,
    open_level: f32,
    close_level: f32,
    hold_len: u32,
    attack: f64,
    release: f64,
    open: bool,
    hold_left: u32,
    /// Current gain reduction, dB (≥ 0). f64: with long release times the one-pole's step
    /// near the target is below an f32 ulp, and an f32 state would stall short of the range.
    gr_db: f64,
}

crate::processor::processor!(Gate, Settings, mono: Gate::process_mono);

impl Gate {
    /// A gate at `sample_rate`; nothing to allocate (`max_block_len` is taken for the
    /// crate's common shape).
    pub fn new(sample_rate: f32, _max_block_len: usize) -> Self {
        let fs = usable_rate(sample_rate);
        let mut g = Self {
            sample_rate: fs,
            settings: Settings::default(),
            open_level: 0.0,
            close_level: 0.0,
            hold_len: 0,
            attack: 0.0,
            release: 0.0,
            open: true,
            hold_left: 0,
            gr_db: 0.0,
        };
        g.update(&Settings::default());
        g.reset();
        g
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// New settings; they act from the next sample (the gain itself always moves at the
    /// attack and release rates, so no change clicks). Cheap; never allocates.
    pub fn update(&mut self, settings: &Settings) {
        let s = settings.sanitized();
        self.open_level = fast_db::db_to_gain(s.threshold_db);
        self.close_level = fast_db::db_to_gain(s.threshold_db - s.hysteresis_db);
        self.hold_len = (s.hold_ms as f64 * 1e-3 * self.sample_rate as f64).round() as u32;
        self.attack = coef_f64(s.attack_ms, self.sample_rate);
        self.release = coef_f64(s.release_ms, self.sample_rate);
        self.settings = s;
    }

    /// The same; the gate has no parameter glides of its own to complete.
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.update(settings);
    }

    /// Opens the gate (no reduction) and clears the hold. No allocation.
    pub fn reset(&mut self) {
        self.open = true;
        self.hold_left = self.hold_len;
        self.gr_db = 0.0;
    }

    /// The gate adds no delay.
    pub fn latency_samples(&self) -> u32 {
        0
    }

    /// Current gain reduction in dB (≥ 0), for meters.
    pub fn gain_reduction_db(&self) -> f32 {
        self.gr_db as f32
    }

    /// Whether the detector currently holds the gate open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Gates both channels in place (the common prefix if lengths differ), linked.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        if !self.settings.enabled && self.gr_db == 0.0 {
            return; // off and fully open: untouched
        }
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let mut i = 0;
        while i < n {
            let m = RUN.min(n - i);
            let (l, r) = (&mut left[i..i + m], &mut right[i..i + m]);
            i += m;
            if m == RUN && self.settings.enabled {
                // The two settled states, tested for RUN frames at once (vector compares):
                // exactly what the per-sample loop below computes for them.
                let keys: [f32; RUN] = core::array::from_fn(|k| l[k].abs().max(r[k].abs()));
                if self.open
                    && self.gr_db == 0.0
                    && keys
                        .iter()
                        .fold(true, |all, &k| all & (k >= self.close_level))
                {
                    // Fully open and staying open: the gain is exactly 1; only the hold restarts.
                    self.hold_left = self.hold_len;
                    continue;
                }
                let range = self.settings.range_db as f64;
                if !self.open
                    && self.gr_db == range
                    && keys
                        .iter()
                        .fold(true, |all, &k| all & (k < self.open_level))
                {
                    // Closed, settled and staying closed: one constant gain.
                    let gain = gain_for(self.gr_db);
                    for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                        *a *= gain;
                        *b *= gain;
                    }
                    continue;
                }
            }
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                let gain = self.next_gain(a.abs().max(b.abs()));
                *a *= gain;
                *b *= gain;
            }
        }
    }

    /// Gates one channel in place.
    pub fn process_mono(&mut self, buf: &mut [f32]) {
        if !self.settings.enabled && self.gr_db == 0.0 {
            return;
        }
        for x in buf {
            *x *= self.next_gain(x.abs());
        }
    }

    /// One sample of detection and ballistics; the gain to apply. NaN keys compare false
    /// everywhere, so they count as silence and never reach the state.
    #[inline(always)]
    fn next_gain(&mut self, key: f32) -> f32 {
        if !self.settings.enabled {
            self.open = true;
        } else if self.open {
            if key >= self.close_level {
                self.hold_left = self.hold_len;
            } else if self.hold_left > 0 {
                self.hold_left -= 1;
            } else {
                self.open = false;
            }
        } else if key >= self.open_level {
            self.open = true;
            self.hold_left = self.hold_len;
        }
        let (target, coef) = if self.open {
            (0.0, self.attack)
        } else {
            (self.settings.range_db as f64, self.release)
        };
        if self.gr_db != target {
            let next = target + (self.gr_db - target) * coef;
            self.gr_db = if (next - target).abs() < SNAP_DB {
                target
            } else {
                next
            };
        }
        gain_for(self.gr_db)
    }
}

/// Frames [`Gate::process`] tests at once for a settled gate (open, or closed) that stays so.
const RUN: usize = 8;

/// The linear gain of a gain reduction in dB (exactly 1 at 0 dB).
#[inline(always)]
fn gain_for(gr_db: f64) -> f32 {
    if gr_db == 0.0 {
        1.0
    } else {
        fast_db::db_to_gain(-gr_db as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    /// Gain reduction (dB) the gate applies to each sample of a constant (DC) key of `level`.
    fn run_dc(g: &mut Gate, level: f32, n: usize) -> Vec<f64> {
        let mut l = vec![level; n];
        let mut r = vec![level; n];
        g.process(&mut l, &mut r);
        l.iter()
            .map(|&y| -20.0 * (y as f64 / level as f64).log10())
            .collect()
    }

    fn db_to_amp(db: f64) -> f32 {
        10f64.powf(db / 20.0) as f32
    }

    fn on(threshold_db: f32, range_db: f32) -> Settings {
        Settings {
            enabled: true,
            threshold_db,
            range_db,
            attack_ms: 1.0,
            release_ms: 10.0,
            hold_ms: 0.0,
            hysteresis_db: 0.0,
        }
    }

    /// Static curve: 0 dB of reduction at and above the threshold, exactly `range` below it.
    #[test]
    fn static_curve_is_zero_above_and_range_below_the_threshold() {
        for &(t, range) in &[(-40.0f32, 40.0f32), (-20.0, 10.0), (-60.0, 80.0)] {
            for k in -20..=20 {
                let level_db = t as f64 + k as f64 * 0.5;
                let mut g = Gate::new(FS, 512);
                g.update(&on(t, range));
                let gr = run_dc(&mut g, db_to_amp(level_db), 48_000);
                let settled = *gr.last().unwrap();
                // Levels within a rounding of the threshold may land either side.
                if (level_db - t as f64).abs() < 1e-3 {
                    continue;
                }
                let want = if level_db >= t as f64 {
                    0.0
                } else {
                    range as f64
                };
                assert!(
                    (settled - want).abs() < 2e-3,
                    "T {t} range {range} level {level_db}: GR {settled}, want {want}"
                );
            }
        }
    }

    /// Hysteresis: a level between `threshold − hysteresis` and `threshold` keeps whatever
    /// state the gate was in.
    #[test]
    fn hysteresis_keeps_the_state_between_the_two_levels() {
        let s = Settings {
            hysteresis_db: 6.0,
            ..on(-30.0, 40.0)
        };
        let between = db_to_amp(-33.0);
        // From open (a loud start), the in-between level keeps it open.
        let mut g = Gate::new(FS, 512);
        g.update(&s);
        run_dc(&mut g, db_to_amp(-10.0), 4_800);
        let gr = run_dc(&mut g, between, 48_000);
        assert!(
            gr.iter().all(|&x| x.abs() < 1e-6),
            "closed from open at -33 dB: max GR {}",
            gr.iter().cloned().fold(0.0, f64::max)
        );
        // From closed (a quiet start), the same level keeps it closed.
        let mut g = Gate::new(FS, 512);
        g.update(&s);
        run_dc(&mut g, db_to_amp(-60.0), 48_000);
        let gr = run_dc(&mut g, between, 48_000);
        assert!(
            (gr.last().unwrap() - 40.0).abs() < 2e-3,
            "opened from closed at -33 dB: GR {}",
            gr.last().unwrap()
        );
        // Below the closing level (−36 dB) it closes; at the threshold it opens.
        let mut g = Gate::new(FS, 512);
        g.update(&s);
        assert!((run_dc(&mut g, db_to_amp(-37.0), 48_000).last().unwrap() - 40.0).abs() < 2e-3);
        assert!(
            run_dc(&mut g, db_to_amp(-29.9), 48_000)
                .last()
                .unwrap()
                .abs()
                < 1e-6
        );
    }

    /// Attack: from fully closed, GR(j) = range·e^(−(j+1)/(τ_a·fs)) once the key reaches the
    /// threshold; release: GR stays 0 for the hold, then GR = range·(1 − e^(−(j+1)/(τ_r·fs))).
    #[test]
    fn attack_hold_and_release_follow_their_closed_forms() {
        for &fs in &[44_100.0f32, 48_000.0, 96_000.0] {
            let s = Settings {
                enabled: true,
                threshold_db: -30.0,
                range_db: 60.0,
                attack_ms: 2.0,
                release_ms: 50.0,
                hold_ms: 10.0,
                hysteresis_db: 3.0,
            };
            let mut g = Gate::new(fs, 512);
            g.update(&s);
            run_dc(&mut g, db_to_amp(-50.0), (fs * 2.0) as usize);
            assert!(
                (g.gain_reduction_db() - 60.0).abs() < 1e-3,
                "{}",
                g.gain_reduction_db()
            );
            let n = (fs * 0.04) as usize;
            let attack = run_dc(&mut g, db_to_amp(-20.0), n);
            let ca = (-1.0 / (2e-3 * fs as f64)).exp();
            for (j, &gr) in attack.iter().enumerate() {
                let want = 60.0 * ca.powi(j as i32 + 1);
                let want = if want < SNAP_DB { 0.0 } else { want };
                assert!(
                    (gr - want).abs() < 2e-3,
                    "{fs} Hz attack at {j}: {gr} dB, want {want}"
                );
            }
            // The key drops below the closing level (−33 dB): hold, then release.
            let hold = (0.01 * fs as f64).round() as usize;
            let n = hold + (fs * 0.3) as usize;
            let release = run_dc(&mut g, db_to_amp(-40.0), n);
            let cr = (-1.0 / (50e-3 * fs as f64)).exp();
            for (j, &gr) in release.iter().enumerate() {
                let want = if j < hold {
                    0.0
                } else {
                    60.0 * (1.0 - cr.powi((j - hold) as i32 + 1))
                };
                assert!(
                    (gr - want).abs() < 2e-3,
                    "{fs} Hz release at {j}: {gr} dB, want {want}"
                );
            }
            // 63 % of the range one release time after the hold.
            let at_tau = release[hold + (0.05 * fs as f64) as usize - 1];
            assert!(
                (at_tau - 60.0 * (1.0 - (-1.0f64).exp())).abs() < 0.01,
                "{at_tau}"
            );
        }
    }

    /// A sine below the hold's half period stays open through its zero crossings.
    #[test]
    fn hold_keeps_a_low_note_open_through_its_zero_crossings() {
        let mut g = Gate::new(FS, 512);
        g.update(&Settings {
            hold_ms: 25.0,
            ..on(-30.0, 60.0)
        });
        let w = core::f64::consts::TAU * 30.0 / FS as f64;
        let x: Vec<f32> = (0..96_000)
            .map(|i| (0.5 * (w * i as f64).sin()) as f32)
            .collect();
        let (mut l, mut r) = (x.clone(), x.clone());
        g.process(&mut l, &mut r);
        assert_eq!(l, x, "a 30 Hz sine at -6 dBFS was gated");
    }

    /// Off: bit-transparent once open; switching off from closed glides open at the attack rate.
    #[test]
    fn off_is_transparent_and_switching_glides() {
        let mut g = Gate::new(FS, 512);
        let x: Vec<f32> = (0..4096)
            .map(|i| ((i * 7919) % 1000) as f32 * 1e-6)
            .collect();
        let (mut l, mut r) = (x.clone(), x.clone());
        g.process(&mut l, &mut r);
        assert_eq!(l, x);
        g.update(&on(-20.0, 60.0));
        run_dc(&mut g, 1e-4, 48_000);
        g.update(&Settings {
            enabled: false,
            ..on(-20.0, 60.0)
        });
        let gr = run_dc(&mut g, 1e-4, 4_800);
        let ca = (-1.0 / (1e-3 * FS as f64)).exp();
        assert!((gr[0] - 60.0 * ca).abs() < 2e-3, "{}", gr[0]);
        assert_eq!(*gr.last().unwrap(), 0.0);
    }

    /// The settled-state shortcuts of `process` (blocks of 8) give what the per-sample loop
    /// (one-sample blocks) gives, bit for bit: bursts that open, hold and close the gate,
    /// quiet stretches that keep it closed, garbage keys, and a range change while closed.
    #[test]
    fn blocks_are_processed_exactly_like_single_samples() {
        let mut rng = crate::test_support::XorShift::new(5);
        // Loud and quiet stretches of 250 ms: the gate opens, holds, closes and settles.
        let x: Vec<[f32; 2]> = (0..96_000)
            .map(|i| {
                let level = if (i / 12_000) % 2 == 0 { 0.5 } else { 1e-4 };
                let v = [level * rng.uniform(), level * rng.uniform()];
                if i % 9_001 == 0 { [f32::NAN, v[1]] } else { v }
            })
            .collect();
        let settings = Settings {
            hold_ms: 5.0,
            ..on(-30.0, 40.0)
        };
        // The output of a gate fed `x` in host blocks of 509, each cut into `piece`s.
        let run = |piece: usize| {
            let mut g = Gate::new(FS, 512);
            g.update(&settings);
            let mut out = Vec::new();
            for (k, block) in x.chunks(509).enumerate() {
                if k == 80 {
                    // Inside a quiet stretch, with the gate settled closed.
                    g.update(&Settings {
                        range_db: 20.0,
                        ..settings
                    });
                }
                for part in block.chunks(piece) {
                    let mut l: Vec<f32> = part.iter().map(|v| v[0]).collect();
                    let mut r: Vec<f32> = part.iter().map(|v| v[1]).collect();
                    g.process(&mut l, &mut r);
                    out.extend(l.iter().zip(&r).map(|(a, b)| (a.to_bits(), b.to_bits())));
                }
            }
            out
        };
        let out = [run(509), run(1)];
        assert_eq!(out[0], out[1]);
    }

    #[test]
    fn nan_keys_count_as_silence_and_do_not_poison() {
        let mut g = Gate::new(FS, 512);
        g.update(&on(-20.0, 40.0));
        let mut l = vec![f32::NAN; 64];
        let mut r = vec![f32::INFINITY; 64];
        g.process(&mut l, &mut r);
        assert!(g.gain_reduction_db().is_finite());
        let gr = run_dc(&mut g, 0.5, 4_800);
        assert_eq!(*gr.last().unwrap(), 0.0);
    }
}
