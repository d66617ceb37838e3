//! The four characters (room, hall, plate, chamber): the structural numbers of each voicing.
//!
//! A character only sets *structure* — line lengths, early-reflection pattern, diffuser
//! delays — never a parameter the user also sets (decay, size, damping stay where they are),
//! so switching character glides from one structure to the other like a size change does.
//! The numbers are at size 50 %; [`size_scale`] stretches every length.
//!
//! - **Room**: short, tightly spread lines and dense early reflections in the first 40 ms.
//! - **Chamber**: medium lines, strong early reflections over 55 ms (a reverberant room of hard
//!   walls).
//! - **Hall**: long, widely spread lines, early reflections spread over 70 ms.
//! - **Plate**: no early reflections at all (a plate has no walls), short lines and a
//!   stronger input diffusion, so the sound is dense from the first millisecond.

use crate::kernel::sanitize::finite_clamped_or;

/// The voicing of the algorithmic reverb.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Character {
    Room,
    #[default]
    Hall,
    Plate,
    Chamber,
}

/// Early reflection taps per character (each tap gives both sides, with its own pan).
pub const ER_TAPS: usize = 10;
/// Stages of the input diffuser.
pub const DIFFUSER_STAGES: usize = 4;

/// Structural numbers of one character at size 50 %.
#[derive(Clone, Copy, Debug)]
pub struct Voicing {
    /// Shortest and longest feedback line in ms.
    pub line_ms: (f32, f32),
    /// Input diffuser all-pass delays in ms.
    pub diffuser_ms: [f32; DIFFUSER_STAGES],
    /// Largest diffuser gain (at diffusion 100 %).
    pub diffuser_gain: f32,
    /// The two all-passes that blur each early reflection, ms.
    pub er_diffuser_ms: [f32; 2],
    /// First and last early reflection in ms, and the level of the first.
    pub er_span_ms: (f32, f32),
    pub er_level: f32,
}

impl Character {
    pub const ALL: [Character; 4] = [
        Character::Room,
        Character::Hall,
        Character::Plate,
        Character::Chamber,
    ];

    pub fn voicing(self) -> Voicing {
        match self {
            Character::Room => Voicing {
                line_ms: (9.0, 31.0),
                diffuser_ms: [1.7, 2.9, 4.3, 6.1],
                diffuser_gain: 0.7,
                er_diffuser_ms: [0.9, 2.3],
                er_span_ms: (2.3, 38.0),
                er_level: 0.7,
            },
            Character::Chamber => Voicing {
                line_ms: (17.0, 47.0),
                diffuser_ms: [2.3, 3.7, 5.9, 8.3],
                diffuser_gain: 0.7,
                er_diffuser_ms: [1.3, 3.1],
                er_span_ms: (4.1, 55.0),
                er_level: 0.8,
            },
            Character::Hall => Voicing {
                line_ms: (19.0, 83.0),
                diffuser_ms: [3.1, 4.7, 7.9, 11.3],
                diffuser_gain: 0.8,
                er_diffuser_ms: [1.7, 4.1],
                er_span_ms: (7.3, 60.0),
                er_level: 0.6,
            },
            Character::Plate => Voicing {
                line_ms: (11.0, 37.0),
                diffuser_ms: [1.1, 1.9, 3.3, 5.3],
                diffuser_gain: 0.78,
                er_diffuser_ms: [0.7, 1.3],
                er_span_ms: (1.0, 2.0),
                er_level: 0.0,
            },
        }
    }
}

/// How much every length stretches with the size parameter (0…1): ×0.35 at 0 %, ×1 at 50 %,
/// ×2.8 at 100 % — an exponential map, so equal steps of the control sound like equal steps
/// in room size.
pub fn size_scale(size: f32) -> f32 {
    let s = finite_clamped_or(size, 0.0, 1.0, 0.5);
    (3.0 * (s - 0.5)).exp2()
}

/// The largest [`size_scale`], for sizing buffers.
pub const MAX_SIZE_SCALE: f32 = 2.829; // 2^1.5, rounded up

/// Deterministic pseudo-random numbers in [0, 1) for the structural tables (a 32-bit LCG):
/// the same structure on every machine and every run, so that a saved session sounds the same.
pub(crate) struct Lcg(u32);

impl Lcg {
    pub(crate) fn new(seed: u32) -> Self {
        Self(seed)
    }

    pub(crate) fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) as f32 / (1u32 << 24) as f32
    }
}

/// Line lengths in ms at scale 1: spread geometrically between the character's shortest and
/// longest line, each jittered by up to ±30 % of a step so that no two lengths share a simple
/// ratio (which would make their echoes coincide and ring), then dealt to the lines in a fixed
/// shuffled order so that neighbouring lines in the feedback matrix are not neighbours in
/// length.
pub fn line_lengths_ms(character: Character, lines: usize) -> [f32; 16] {
    let v = character.voicing();
    let (lo, hi) = v.line_ms;
    let mut rng = Lcg::new(0x5eed_0000 + character as u32);
    let mut sorted = [0.0f32; 16];
    for (i, l) in sorted.iter_mut().enumerate().take(lines) {
        let jitter = (rng.next() - 0.5) * 0.6;
        let pos = ((i as f32 + jitter) / (lines - 1) as f32).clamp(0.0, 1.0);
        *l = lo * (hi / lo).powf(pos);
    }
    // A fixed permutation of 0..16 (multiplying by 7 mod 16 visits every index once).
    let mut out = [0.0f32; 16];
    for (i, o) in out.iter_mut().enumerate().take(lines) {
        *o = sorted[(i * 7) % lines];
    }
    out
}

/// One early reflection: time after the pre-delay (ms at scale 1) and gains to left and right.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reflection {
    pub time_ms: f32,
    pub gain_left: f32,
    pub gain_right: f32,
}

/// The early reflection pattern: times spread over the character's span (denser early, like
/// the first-order images of a box), levels falling like 1/√distance (the energy of a widening wavefront spread over more
/// reflections) with random signs (walls
/// of different materials), each reflection panned somewhere in the field so that left and
/// right hear different patterns.
pub fn reflections(character: Character) -> [Reflection; ER_TAPS] {
    let v = character.voicing();
    let (first, last) = v.er_span_ms;
    let mut rng = Lcg::new(0xea71_0000 + character as u32);
    let mut out = [Reflection {
        time_ms: 0.0,
        gain_left: 0.0,
        gain_right: 0.0,
    }; ER_TAPS];
    for (k, r) in out.iter_mut().enumerate() {
        // The first reflection exactly at the start of the span, the others jittered around
        // evenly spaced positions up to its end.
        let jitter = 0.8 * rng.next() - 0.4;
        let pos = if k == 0 {
            0.0
        } else {
            ((k as f32 + jitter) / (ER_TAPS - 1) as f32).clamp(0.0, 1.0)
        };
        // Square-root spacing: reflections bunch up towards the end of the span.
        let t = first + (last - first) * pos.sqrt();
        let sign = if rng.next() < 0.5 { -1.0 } else { 1.0 };
        let level = (v.er_level * (first / t).sqrt() * (0.75 + 0.5 * rng.next())).min(1.0);
        // Pan alternates side, by a random amount, so the pattern is wide but balanced.
        let side = if k % 2 == 0 { 1.0 } else { -1.0 };
        let pan = side * (0.3 + 0.6 * rng.next()); // −0.9…0.9
        let angle = (pan + 1.0) * core::f32::consts::FRAC_PI_4;
        r.time_ms = t;
        r.gain_left = sign * level * angle.cos() * core::f32::consts::SQRT_2;
        r.gain_right = sign * level * angle.sin() * core::f32::consts::SQRT_2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sane() {
        for c in Character::ALL {
            let lines = line_lengths_ms(c, 16);
            let v = c.voicing();
            for (i, &a) in lines.iter().enumerate() {
                assert!(
                    a >= v.line_ms.0 * 0.99 && a <= v.line_ms.1 * 1.01,
                    "{c:?} line {i}: {a}"
                );
                for &b in &lines[i + 1..] {
                    assert!(
                        (a - b).abs() > 0.2,
                        "{c:?}: two lines nearly equal ({a}, {b})"
                    );
                }
            }
            for r in reflections(c) {
                assert!(r.time_ms >= v.er_span_ms.0 && r.time_ms <= v.er_span_ms.1 * 1.0001);
                assert!(
                    r.gain_left.hypot(r.gain_right) <= core::f32::consts::SQRT_2 + 1e-6,
                    "a unit level, panned at constant power"
                );
            }
        }
        assert!((size_scale(0.5) - 1.0).abs() < 1e-6);
        assert!(size_scale(1.0) <= MAX_SIZE_SCALE && size_scale(1.0) > 2.8);
        assert!(size_scale(f32::NAN) == 1.0);
    }
}
