//! The built-in impulse responses: rooms, a chamber, a plate, a hall, a cathedral and a
//! spring, so that convolution mode always has something to play (the plugin loads
//! [`Builtin::DEFAULT`] when no file is chosen) and works on a machine without an IR library.
//!
//! **Made here, not shipped.** None of them is a recording or a file: each is rendered at the
//! session's rate when it is loaded (on the loader thread), so there is no licence to track,
//! nothing to resample, and nothing to keep in the binary but a few numbers per entry. The
//! rooms, chamber, plate, hall and cathedral are our own FDN reverb ([`Reverb`]) answering a
//! unit impulse, 100 % wet, with its modulation off, so that the render is deterministic (the
//! same bits on every load, which offline renders and saved sessions rely on). The spring is
//! synthesised from its physics ([`spring`](super::spring)): a feedback delay network
//! cannot make the dispersive chirp of a spring.
//!
//! **Named decay.** Each entry's name carries its reverberation time ("Hall 2.2 s"): the
//! acoustician's mid-frequency figure, T30 averaged over the 500 Hz and 1 kHz octaves (ISO
//! 3382-1's T_mid). The FDN's Decay sets the RT60 well below its damping crossover, and the
//! crossover's shelf is gradual enough to shorten those octaves a little, so the Decay is
//! chosen such that the reverb's own decay prediction ([`DecayShape::t60_at`], from the
//! lines' absorption filter) gives the named T_mid. The tests measure each render by
//! Schroeder integration against the name (within 2.4 % at 44.1–192 kHz).
//!
//! **Names in sessions.** A built-in is referred to as `builtin:<id>` (`builtin:hall`), the
//! same string field that holds a file path: the plugin saves absolute paths only, and an
//! absolute path never starts with `builtin:`, so the two cannot be confused, and a session or
//! preset can name either. The ids are stable forever; an unknown id (a preset from a newer
//! version) is refused with a message like a bad file.

use super::decay_shape::DecayShape;
use super::ir_loader::{ImpulseResponse, IrError, normalise};
use super::{Character, Reverb, Settings, spring};

/// The prefix that marks a built-in in an IR path.
pub const SCHEME: &str = "builtin:";

/// Block length of the render (any length gives the same samples; the reverb runs on its own
/// 16-sample clock).
const RENDER_BLOCK: usize = 4_096;

/// A built-in impulse response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    SmallRoom,
    StudioRoom,
    Chamber,
    Plate,
    Hall,
    Cathedral,
    Spring,
}

/// How the FDN is set for one entry (everything else neutral: no pre-delay, no cuts, full
/// width, no modulation, 100 % wet).
struct Voicing {
    character: Character,
    size: f32,
    hf_ratio: f32,
    crossover_hz: f32,
    diffusion: f32,
    early_late: f32,
}

impl Builtin {
    /// Every built-in, in the order the editor lists them (shortest first).
    pub const ALL: [Builtin; 7] = [
        Builtin::SmallRoom,
        Builtin::StudioRoom,
        Builtin::Chamber,
        Builtin::Plate,
        Builtin::Hall,
        Builtin::Cathedral,
        Builtin::Spring,
    ];

    /// What convolution mode plays with no file chosen: a plate suits most sources (dense from
    /// the first millisecond, no room of its own) and is the classic effect-return sound.
    pub const DEFAULT: Builtin = Builtin::Plate;

    /// The id in `builtin:<id>`: stable forever (sessions and presets store it).
    pub fn id(self) -> &'static str {
        match self {
            Builtin::SmallRoom => "small-room",
            Builtin::StudioRoom => "studio-room",
            Builtin::Chamber => "chamber",
            Builtin::Plate => "plate",
            Builtin::Hall => "hall",
            Builtin::Cathedral => "cathedral",
            Builtin::Spring => "spring",
        }
    }

    /// The name shown to the user.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::SmallRoom => "Small Room",
            Builtin::StudioRoom => "Studio Room",
            Builtin::Chamber => "Chamber",
            Builtin::Plate => "Plate",
            Builtin::Hall => "Hall",
            Builtin::Cathedral => "Cathedral",
            Builtin::Spring => "Spring",
        }
    }

    /// The reverberation time the name promises, seconds (T_mid, see the module docs).
    pub fn rt60_s(self) -> f32 {
        match self {
            Builtin::SmallRoom => 0.5,
            Builtin::StudioRoom => 0.8,
            Builtin::Chamber => 1.2,
            Builtin::Plate => 1.6,
            Builtin::Hall => 2.2,
            Builtin::Cathedral => 4.0,
            Builtin::Spring => 2.0,
        }
    }

    /// "Hall 2.2 s".
    pub fn label(self) -> String {
        format!("{} {:.1} s", self.name(), self.rt60_s())
    }

    /// The IR path that names this built-in: `builtin:<id>`.
    pub fn path(self) -> String {
        format!("{SCHEME}{}", self.id())
    }

    /// The built-in with this id (ignoring case and surrounding spaces).
    pub fn from_id(id: &str) -> Option<Builtin> {
        let id = id.trim();
        Builtin::ALL
            .into_iter()
            .find(|b| b.id().eq_ignore_ascii_case(id))
    }

    /// The FDN's voicing of a room-like entry; `None` for the spring.
    fn voicing(self) -> Option<Voicing> {
        let v = |character, size, hf_ratio, crossover_hz, diffusion, early_late| Voicing {
            character,
            size,
            hf_ratio,
            crossover_hz,
            diffusion,
            early_late,
        };
        Some(match self {
            // A small, furnished room: short lines, early reflections to the fore.
            Builtin::SmallRoom => v(Character::Room, 0.2, 0.5, 3_500.0, 0.8, 0.45),
            Builtin::StudioRoom => v(Character::Room, 0.45, 0.55, 4_000.0, 0.75, 0.5),
            // Hard walls: bright, strong early reflections.
            Builtin::Chamber => v(Character::Chamber, 0.5, 0.65, 4_500.0, 0.8, 0.5),
            // A plate is bright and dense from the start; it has no walls to reflect.
            Builtin::Plate => v(Character::Plate, 0.5, 0.8, 6_000.0, 1.0, 0.5),
            Builtin::Hall => v(Character::Hall, 0.7, 0.5, 3_000.0, 0.8, 0.55),
            // Stone and air: the highs die long before the lows.
            Builtin::Cathedral => v(Character::Hall, 1.0, 0.4, 2_500.0, 0.9, 0.65),
            Builtin::Spring => return None,
        })
    }

    /// The reverb settings that render this entry at `sample_rate` (see the module docs for
    /// how the Decay is chosen); `None` for the spring.
    fn settings(self, sample_rate: f32) -> Option<Settings> {
        let v = self.voicing()?;
        let target = self.rt60_s();
        let mut s = Settings {
            character: v.character,
            predelay_ms: 0.0,
            decay_s: target,
            size: v.size,
            hf_ratio: v.hf_ratio,
            crossover_hz: v.crossover_hz,
            diffusion: v.diffusion,
            mod_depth: 0.0,
            early_late: v.early_late,
            width: 1.0,
            low_cut_hz: None,
            high_cut_hz: None,
            freeze: false,
            duck_db: 0.0,
            mix: 1.0,
            output_gain: 1.0,
            ..Settings::default()
        };
        // T_mid as predicted scales with Decay (the damping is a ratio of it): a few fixed-point
        // steps land on the target.
        for _ in 0..4 {
            let shape = DecayShape::new(&s, sample_rate);
            let t_mid = 0.5 * (shape.t60_at(500.0) + shape.t60_at(1_000.0));
            if t_mid.is_finite() && t_mid > 0.0 {
                s.decay_s = (s.decay_s * target / t_mid).clamp(0.1, 30.0);
            }
        }
        Some(s)
    }

    /// Renders this impulse response at `sample_rate`, normalised like a loaded file (unit
    /// energy, see [`normalise`]). Allocates and takes milliseconds (the longest, the
    /// Cathedral at 192 kHz, about 100 ms): loader thread only. Deterministic: the same bits
    /// every time.
    pub fn render(self, sample_rate: f64) -> ImpulseResponse {
        let fs = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut channels = match self.settings(fs as f32) {
            Some(settings) => render_fdn(&settings, fs as f32),
            None => spring::render(self.rt60_s() as f64, fs),
        };
        // Never silent by construction; `normalise` only refuses silence.
        normalise(&mut channels);
        let len = channels[0].len();
        ImpulseResponse {
            channels,
            sample_rate: fs,
            file_rate: fs.round() as u32,
            file_seconds: len as f64 / fs,
            builtin: Some(self),
        }
    }
}

/// The reverb's response to a unit impulse in both channels, until its tail has fallen 90 dB
/// ([`Reverb::tail_samples`]), with the last 20 ms faded out so that it ends cleanly.
fn render_fdn(settings: &Settings, fs: f32) -> Vec<Vec<f32>> {
    let mut reverb = Reverb::new(fs, RENDER_BLOCK);
    reverb.update_immediately(settings);
    reverb.reset();
    let len = reverb.tail_samples().unwrap_or(fs as u32).max(1) as usize;
    let mut left = vec![0.0f32; len];
    left[0] = 1.0;
    let mut right = left.clone();
    for (l, r) in left
        .chunks_mut(RENDER_BLOCK)
        .zip(right.chunks_mut(RENDER_BLOCK))
    {
        reverb.process(l, r);
    }
    let fade = ((0.02 * fs) as usize).clamp(1, len);
    for c in [&mut left, &mut right] {
        for (k, v) in c[len - fade..].iter_mut().enumerate() {
            let x = (k as f32 + 0.5) / fade as f32;
            *v *= 0.5 + 0.5 * (core::f32::consts::PI * x).cos();
        }
    }
    vec![left, right]
}

/// Whether `source` names a built-in: `None` if it is not of the `builtin:` scheme (a file
/// path), else the built-in or, for an unknown name, the refusal.
pub fn parse(source: &str) -> Option<Result<Builtin, IrError>> {
    let source = source.trim();
    let scheme = source.get(..SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    Some(
        Builtin::from_id(&source[SCHEME.len()..])
            .ok_or_else(|| IrError::UnknownBuiltin(source.to_owned())),
    )
}

#[cfg(test)]
mod tests;
