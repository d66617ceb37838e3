//! The modulation's shape as a function of the LFO phase, from the settings alone: each
//! voice's delay, for the editor's display (which runs on the editor thread, without the
//! processor). The same formulas as the processor's glide targets (`Chorus::targets`) and
//! voice layouts ([`voices`](super::voices)); a test holds the two together.

use core::f64::consts::TAU;

use super::voices::{ENSEMBLE_FAST_RATIO, ENSEMBLE_FAST_SHARE, Layout, RIGHT};
use super::{MAX_VOICES, Mode, Settings, THROUGH_ZERO_DRY_MS};

/// Every voice's delay at one LFO phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VoiceDelays {
    pub left: [f32; MAX_VOICES as usize],
    pub right: [f32; MAX_VOICES as usize],
    /// Voices in use per side.
    pub voices: usize,
    /// The dry path's delay (through zero; else 0).
    pub dry_ms: f32,
}

/// The delays (ms) of `settings`' voices once glides have settled, at slow-LFO phase `phase`
/// (cycles; the ensemble's fast LFO taken in step with it, at its ratio).
pub fn voice_delays_ms(settings: &Settings, phase: f64) -> VoiceDelays {
    let s = settings.sanitized();
    let layout = Layout::of(&s.topology());
    let through_zero = s.mode == Mode::Flanger && s.through_zero;
    let depth = s.depth_ms as f64;
    let centre = if through_zero {
        (THROUGH_ZERO_DRY_MS + s.delay_ms) as f64
    } else {
        (s.delay_ms as f64).max(depth)
    };
    let (slow, fast) = if layout.fast {
        let share = ENSEMBLE_FAST_SHARE as f64;
        (depth * (1.0 - share), depth * share)
    } else {
        (depth, 0.0)
    };
    let n = layout.per_side;
    let spread = s.spread_deg as f64 / 360.0 / n as f64;
    let at = |lane: usize| {
        let theta = layout.theta[lane] as f64 + if lane >= RIGHT { spread } else { 0.0 };
        let ms = centre
            + slow * (TAU * (phase + theta)).sin()
            + fast * (TAU * (phase * ENSEMBLE_FAST_RATIO + theta)).sin();
        ms.max(0.0) as f32
    };
    let mut d = VoiceDelays {
        left: [0.0; MAX_VOICES as usize],
        right: [0.0; MAX_VOICES as usize],
        voices: n,
        dry_ms: if through_zero {
            THROUGH_ZERO_DRY_MS
        } else {
            0.0
        },
    };
    for v in 0..n {
        d.left[v] = at(v);
        d.right[v] = at(RIGHT + v);
    }
    d
}
