//! The channel strip and the console: several stereo buses, each through its own strip,
//! summed with two effect sends, through a master section into one stereo mix.
//!
//! Nothing here processes audio in a new way: every stage is one of the crate's processors,
//! used through its public API, so the strip sounds exactly like the plugins that carry the
//! same modules (tested: a strip with only one stage on equals that module alone).
//!
//! ```text
//! per channel (channel.rs):
//! in ─ trim·polarity ─ high/low pass (eq::Eq) ─ gate ─ 4-band EQ (eq::Eq) ─ compressor ─ pan/width (pan::Panner)
//!    ─ alignment delay ─┬─ mute ─────────────── pre-fader send taps
//!                       └─ mute · fader ─────── post-fader send taps, channel out
//!
//! console (console.rs):
//! Σ channel outs + return A (reverb::Reverb, 100 % wet) + return B (delay::Delay, wet only)
//!   ─ glue compressor (dynamics::Compressor, with mix) ─ master fader ─ limiter (dynamics::Limiter, when on) ─ out
//!                                                                           └─ loudness meter (meter::LoudnessMeter)
//! ```
//!
//! **Time alignment.** The only stage of a strip with latency is its compressor's lookahead.
//! Each strip delays its output by the difference between the largest lookahead of all
//! channels and its own ([`ChannelStrip::set_alignment`]), so every channel (and therefore
//! both send buses and the returns fed from them) reaches the sum at the same time. The
//! console's latency is that common delay plus the limiter's lookahead while the limiter is
//! on (off, it is out of the path: a console that is not limiting adds no latency).
//! Alignment changes crossfade between delay taps (the compressor's
//! [`Lookahead`](crate::dynamics::lookahead::Lookahead)), so moving a lookahead never clicks.
//!
//! **Solo in place**: while any channel is soloed, every channel that is not is muted (its
//! sends too); the effect returns stay (they then carry only the soloed channels' sends).
//!
//! **Settings** are plain `Copy` data in real units; `update` never allocates, and neither
//! does `process`: everything is allocated in `new`.
//!
//! **Meters** for an editor ([`meters`]): channel levels after the fader, gate, compressor,
//! glue and limiter gain reduction, return and output levels, stored into atomics only while
//! the plugin says its editor is open.

pub mod channel;
pub mod console;
pub mod meters;

#[cfg(test)]
mod tests;

pub use channel::ChannelStrip;
pub use console::Console;

use crate::dynamics::{compressor, gate, limiter};
use crate::eq::{BandSettings, BandType};
use crate::pan::{PanLaw, PanMode};
use crate::{delay, reverb};

/// Channels of the console.
pub const CHANNELS: usize = 8;
/// Effect sends per channel (A feeds the reverb return, B the delay return).
pub const SENDS: usize = 2;

/// Slope of the strip's high- and low-pass filters (Butterworth).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CutSlope {
    #[default]
    Db12,
    Db24,
}

/// One effect send.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Send {
    /// dB; −∞ is off.
    pub level_db: f32,
    /// Taken before the fader (after pan and mute) rather than after it.
    pub pre_fader: bool,
}

impl Default for Send {
    fn default() -> Self {
        Self {
            level_db: f32::NEG_INFINITY,
            pre_fader: false,
        }
    }
}

/// One channel, in real units (mirrors the plugin's per-channel parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelSettings {
    /// Input trim, dB (±24).
    pub trim_db: f32,
    /// Polarity of both sides inverted.
    pub invert: bool,
    /// High pass corner (Hz, 20…1000); `None` = off.
    pub high_pass_hz: Option<f32>,
    pub high_pass_slope: CutSlope,
    /// Low pass corner (Hz); `None` = off.
    pub low_pass_hz: Option<f32>,
    pub low_pass_slope: CutSlope,
    pub gate: gate::Settings,
    /// Low shelf, two bells, high shelf: the EQ module's bands (types as [`ChannelSettings::default`]
    /// sets them; any band type works).
    pub eq: [BandSettings; 4],
    pub compressor_on: bool,
    /// The compressor module's settings; with `compressor_on == false` the audio passes dry,
    /// still delayed by the lookahead (so switching never moves the channel in time).
    pub compressor: compressor::Settings,
    /// −1 (left) … +1 (right).
    pub pan: f32,
    /// 0 (mono) … 2; 1 leaves the image alone.
    pub width: f32,
    pub pan_law: PanLaw,
    pub pan_mode: PanMode,
    /// dB, −∞ … +12.
    pub fader_db: f32,
    pub mute: bool,
    pub solo: bool,
    pub sends: [Send; SENDS],
}

impl Default for ChannelSettings {
    /// A transparent channel: 0 dB trim and fader, centre pan with the 0 dB balance law
    /// (unity at centre), every processor off, sends off.
    fn default() -> Self {
        let band = |kind, freq| BandSettings {
            kind,
            freq,
            ..BandSettings::default()
        };
        Self {
            trim_db: 0.0,
            invert: false,
            high_pass_hz: None,
            high_pass_slope: CutSlope::Db12,
            low_pass_hz: None,
            low_pass_slope: CutSlope::Db12,
            gate: gate::Settings::default(),
            eq: [
                band(BandType::LowShelf, 100.0),
                band(BandType::Bell, 400.0),
                band(BandType::Bell, 2_500.0),
                band(BandType::HighShelf, 8_000.0),
            ],
            compressor_on: false,
            compressor: compressor::Settings::default(),
            pan: 0.0,
            width: 1.0,
            pan_law: PanLaw::ZeroDb,
            pan_mode: PanMode::Balance,
            fader_db: 0.0,
            mute: false,
            solo: false,
            sends: [Send::default(); SENDS],
        }
    }
}

/// The master section, in real units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MasterSettings {
    /// Return A's reverb; its `mix` is forced to 100 % wet and its output gain to the return level.
    pub reverb: reverb::Settings,
    /// Return A level, dB (−∞ = off).
    pub return_a_db: f32,
    /// Return B's delay; its dry level is forced to −∞ and its wet level to the return level.
    pub delay: delay::Settings,
    /// Return B level, dB.
    pub return_b_db: f32,
    pub glue_on: bool,
    /// The bus compressor (ratio, attack, release incl. auto, threshold, mix).
    pub glue: compressor::Settings,
    /// Master fader, dB (−∞ … +12).
    pub master_db: f32,
    /// The true-peak limiter on the output. Off, it is out of the signal path and adds no
    /// latency; switching crossfades between the direct and the limited (delayed) signal.
    pub limiter_on: bool,
    /// The limiter's settings (its own `bypass` and `mono_check` are not used: see
    /// `limiter_on` and `mono_check`).
    pub limiter: limiter::Settings,
    /// The mono sum on both outputs, last in the chain (after the limiter, which need not be
    /// on): see [`MonoCheck`](crate::monitor::MonoCheck).
    pub mono_check: bool,
}

impl Default for MasterSettings {
    /// Returns at 0 dB (their sends start off), glue and limiter off, master at 0 dB: with
    /// default channels the output is the sum of the inputs, with no latency.
    fn default() -> Self {
        Self {
            reverb: reverb::Settings {
                mix: 1.0,
                ..reverb::Settings::default()
            },
            return_a_db: 0.0,
            delay: delay::Settings {
                dry_db: f32::NEG_INFINITY,
                wet_db: 0.0,
                ..delay::Settings::default()
            },
            return_b_db: 0.0,
            glue_on: false,
            glue: compressor::Settings {
                threshold_db: -12.0,
                ratio: 2.0,
                knee_db: 6.0,
                attack_ms: 10.0,
                release_ms: 300.0,
                ..compressor::Settings::default()
            },
            master_db: 0.0,
            limiter_on: false,
            limiter: limiter::Settings::default(),
            mono_check: false,
        }
    }
}

/// Everything the console can be set to.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ConsoleSettings {
    pub channels: [ChannelSettings; CHANNELS],
    pub master: MasterSettings,
}

/// dB to gain for faders and sends: −∞ (and anything at or below −150 dB) is exactly 0.
pub(crate) fn fader_gain(db: f32) -> f32 {
    if db.is_nan() || db <= crate::gain::MINUS_INFINITY_DB {
        0.0
    } else {
        crate::gain::db_to_gain(db.min(24.0))
    }
}
