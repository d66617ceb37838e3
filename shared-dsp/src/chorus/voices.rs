//! The modes' topologies as voice layouts: which voices read, at which LFO phase, with
//! which gain into which side.
//!
//! Every mode runs on the same engine of up to eight voices, four reading the left line
//! (lanes 0…3) and four the right (lanes 4…7). A voice's delay is
//!
//! ```text
//! centre + depth·sin(2π(φ + θ)) + depth_fast·sin(2π(φ_fast + θ))
//! ```
//!
//! with its own phase offset θ (the right lanes add the stereo spread, as a share of the
//! spacing between a side's voices: see `Chorus::set_spread`), so the per-sample
//! position work is one 8-lane vector expression whatever the mode.
//!
//! - **Chorus**: N = 1…4 voices per side, θ = k/N (phases spread evenly, so the voices'
//!   delays never bunch up), gain 1/√N each: the voices are mutually uncorrelated after a
//!   few milliseconds of differing delay, so their powers add and the wet loudness stays
//!   about constant as N changes.
//! - **Ensemble**: three voices per side, θ = 0, ⅓, ⅔ (the three lines 120° apart), each
//!   moved by a slow LFO at the Rate and a fast one at [`ENSEMBLE_FAST_RATIO`] times it. The
//!   depth is split so that both give the same peak frequency deviation (Doppler ∝
//!   depth·rate): the fast LFO gets 1/ratio of the depth, the slow one the rest, so the peak
//!   swing is still the set depth and neither movement masks the other (the slow one gives
//!   the ensemble's slow swirl, the fast one its shimmer; with ratio 7 the defaults give a
//!   0.8 Hz swirl and a 5.6 Hz shimmer, the classic string-ensemble figures). The sum of the
//!   three lines' slow modulations is zero, which is why an ensemble sounds lush without a
//!   net pitch wobble. Left = line 1 + ½·line 2, right = line 3 + ½·line 2 (each ÷ √1.25):
//!   two different mixes of the three lines (with spread 0° and a mono input exactly the
//!   classic mono-in, stereo-out ensemble; a spread moves the right side's lines).
//! - **Flanger** and **Vibrato**: one voice per side, θ = 0 (the right side at the spread).

use super::Mode;

/// Lanes of the engine: left voices 0…3, right voices 4…7.
pub const LANES: usize = 8;
pub const RIGHT: usize = 4;

/// The ensemble's fast LFO runs this many times faster than the Rate…
pub const ENSEMBLE_FAST_RATIO: f64 = 7.0;
/// …with this share of the depth (see the module docs: equal frequency deviations).
pub const ENSEMBLE_FAST_SHARE: f32 = 1.0 / 7.0;

/// What changes the voice layout, and so is switched under a fade (see `Chorus`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Topology {
    pub mode: Mode,
    pub voices: u32,
    /// Through zero (only in Flanger mode).
    pub through_zero: bool,
    pub analog: bool,
}

/// A topology's voices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    /// Voices per side (lanes 0…n and 4…4+n read).
    pub per_side: usize,
    /// Phase offsets in cycles, before the spread.
    pub theta: [f32; LANES],
    /// Gain of each voice into its side.
    pub gains: [f32; LANES],
    /// The fast (ensemble) LFO moves the voices.
    pub fast: bool,
}

impl Layout {
    pub fn of(t: &Topology) -> Self {
        let mut theta = [0.0; LANES];
        let mut gains = [0.0; LANES];
        let (per_side, fast) = match t.mode {
            Mode::Chorus => {
                let n = t.voices.clamp(1, super::MAX_VOICES) as usize;
                let g = 1.0 / (n as f32).sqrt();
                for k in 0..n {
                    for side in [0, RIGHT] {
                        theta[side + k] = k as f32 / n as f32;
                        gains[side + k] = g;
                    }
                }
                (n, false)
            }
            Mode::Ensemble => {
                let norm = 1.0 / 1.25f32.sqrt();
                let left = [1.0, 0.5, 0.0];
                let right = [0.0, 0.5, 1.0];
                for k in 0..3 {
                    theta[k] = k as f32 / 3.0;
                    theta[RIGHT + k] = k as f32 / 3.0;
                    gains[k] = left[k] * norm;
                    gains[RIGHT + k] = right[k] * norm;
                }
                (3, true)
            }
            Mode::Flanger | Mode::Vibrato => {
                gains[0] = 1.0;
                gains[RIGHT] = 1.0;
                (1, false)
            }
        };
        Self {
            per_side,
            theta,
            gains,
            fast,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chorus_voice_powers_sum_to_one_per_side() {
        for voices in 1..=4 {
            let l = Layout::of(&Topology {
                mode: Mode::Chorus,
                voices,
                through_zero: false,
                analog: false,
            });
            for side in [0, RIGHT] {
                let p: f32 = l.gains[side..side + 4].iter().map(|g| g * g).sum();
                assert!((p - 1.0).abs() < 1e-6, "{voices}: {p}");
            }
        }
    }
}
