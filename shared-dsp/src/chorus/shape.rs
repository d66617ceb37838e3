//! The modulation's shape as a function of the LFO phase: each voice's delay, for the
//! editor's display. PROVISIONAL: to be replaced by the function the DSP modulates with.

use super::{MAX_VOICES, Mode, Settings};

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

/// The delays of `settings`' voices at LFO phase `phase` (cycles).
pub fn voice_delays_ms(settings: &Settings, phase: f64) -> VoiceDelays {
    let voices = match settings.mode {
        Mode::Chorus => settings.voices.clamp(1, MAX_VOICES) as usize,
        Mode::Ensemble => 3,
        Mode::Flanger | Mode::Vibrato => 1,
    };
    let spread = settings.spread_deg as f64 / 360.0;
    let mut d = VoiceDelays {
        left: [0.0; MAX_VOICES as usize],
        right: [0.0; MAX_VOICES as usize],
        voices,
        dry_ms: 0.0,
    };
    for v in 0..voices {
        let offset = v as f64 / voices as f64;
        let at = |p: f64| {
            settings.delay_ms as f64
                + settings.depth_ms as f64 * (core::f64::consts::TAU * (p + offset)).sin()
        };
        d.left[v] = at(phase) as f32;
        d.right[v] = at(phase + spread) as f32;
    }
    d
}

/// How long the wet signal rings on after the input stops (ms): the longest delay a voice
/// reads, times the trips round the flanger's feedback until they fall below −80 dB. Hosts
/// are told it, so they do not cut the last echo of a flanger off.
pub fn tail_ms(settings: &Settings) -> f64 {
    let longest = (settings.delay_ms.max(0.0) + settings.depth_ms.max(0.0)) as f64
        + if settings.mode == Mode::Flanger && settings.through_zero {
            2.0 * super::MAX_DEPTH_MS as f64
        } else {
            0.0
        };
    let g = if settings.mode == Mode::Flanger {
        (settings.feedback.abs() as f64).min(super::MAX_FEEDBACK as f64)
    } else {
        0.0
    };
    let trips = if g > 1e-3 { 1e-4f64.ln() / g.ln() } else { 0.0 };
    longest * (1.0 + trips)
}
