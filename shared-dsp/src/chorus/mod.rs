//! Mixwerk Chorus: the modulated-delay effects of a mix — chorus, string ensemble, flanger
//! and vibrato — each with its own topology (see the modes' docs).
//!
//! INTERFACE STUB: the plugin glue is written against this API; the DSP behind it is being
//! written (issue 19). Until then `process` passes the dry signal at the output gain.

mod shape;
pub use shape::{VoiceDelays, tail_ms, voice_delays_ms};

use crate::delay::NoteValue;
use crate::processor::{SampleRate, processor, usable_rate};

/// Slowest and fastest free LFO rate.
pub const MIN_RATE_HZ: f32 = 0.01;
pub const MAX_RATE_HZ: f32 = 20.0;
/// Deepest delay swing (ms, peak, ±).
pub const MAX_DEPTH_MS: f32 = 20.0;
/// Centre delay range (ms).
pub const MIN_DELAY_MS: f32 = 0.1;
pub const MAX_DELAY_MS: f32 = 40.0;
/// Largest feedback magnitude (the flanger's), as a fraction.
pub const MAX_FEEDBACK: f32 = 0.95;
/// Voices per side in Chorus mode.
pub const MAX_VOICES: u32 = 4;
/// Wet filters' "off" ends: a low cut at or below this, a high cut at or above
/// [`HIGH_CUT_OFF_HZ`], is bypassed.
pub const LOW_CUT_OFF_HZ: f32 = 10.0;
pub const HIGH_CUT_OFF_HZ: f32 = 20_000.0;

/// The four effects. Their characters come from their topologies, not from one patch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// 1–4 modulated voices per side around the centre delay, phases spread evenly.
    #[default]
    Chorus,
    /// The string ensemble: three delay lines, each modulated by a slow and a fast LFO,
    /// the three 120° apart.
    Ensemble,
    /// One short delay per side with feedback (positive or negative), optionally
    /// through-zero.
    Flanger,
    /// One modulated delay per side, wet only: pure pitch modulation.
    Vibrato,
}

/// The LFO's rate: free, or one cycle per note value at the host's tempo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rate {
    Hz(f32),
    Note(NoteValue),
}

/// The chorus's parameters in real units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub rate: Rate,
    /// Peak delay swing, ms (±depth around the centre delay).
    pub depth_ms: f32,
    /// Centre delay, ms.
    pub delay_ms: f32,
    /// Flanger feedback, −[`MAX_FEEDBACK`] … +[`MAX_FEEDBACK`].
    pub feedback: f32,
    /// Flanger through zero: the dry path is delayed so the wet can pass it.
    pub through_zero: bool,
    /// Chorus voices per side, 1 … [`MAX_VOICES`].
    pub voices: u32,
    /// LFO phase offset between left and right, degrees (0 … 180).
    pub spread_deg: f32,
    /// Stereo width of the wet signal: 0 mono, 1 as made, 2 doubled side.
    pub width: f32,
    /// Wet low cut (Hz); at or below [`LOW_CUT_OFF_HZ`] off.
    pub low_cut_hz: f32,
    /// Wet high cut (Hz); at or above [`HIGH_CUT_OFF_HZ`] off.
    pub high_cut_hz: f32,
    /// Bucket-brigade character: band limiting and soft saturation of the wet path.
    pub analog: bool,
    /// Wet share, 0 … 1 (Vibrato is wet only whatever this says: it is the dry/wet of
    /// the vibrato against the input, 1 = pure vibrato).
    pub mix: f32,
    /// Output gain, linear.
    pub output: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Chorus,
            rate: Rate::Hz(0.8),
            depth_ms: 3.0,
            delay_ms: 12.0,
            feedback: 0.0,
            through_zero: false,
            voices: 2,
            spread_deg: 90.0,
            width: 1.0,
            low_cut_hz: LOW_CUT_OFF_HZ,
            high_cut_hz: HIGH_CUT_OFF_HZ,
            analog: false,
            mix: 0.5,
            output: 1.0,
        }
    }
}

impl Settings {
    /// The LFO rate these settings play at `bpm` (Hz).
    pub fn rate_hz(&self, bpm: f64) -> f64 {
        match self.rate {
            Rate::Hz(hz) => hz as f64,
            Rate::Note(n) => 1000.0 / n.ms_at(bpm),
        }
    }
}

impl crate::bypass::Bypass for Settings {
    /// Bypassed: dry only at unity. The mode stays, so a through-zero flanger keeps its
    /// dry delay (and the latency the host compensates) while bypassed.
    fn bypassed(&self) -> Self {
        Self {
            mix: 0.0,
            output: 1.0,
            ..*self
        }
    }
}

pub struct Chorus {
    sample_rate: SampleRate,
    settings: Settings,
    bpm: f64,
}

impl Chorus {
    /// Allocates the delay lines for the longest delay plus swing at `sample_rate`.
    pub fn new(sample_rate: SampleRate, _max_block_len: usize) -> Self {
        Self {
            sample_rate: usable_rate(sample_rate),
            settings: Settings::default(),
            bpm: crate::delay::DEFAULT_BPM,
        }
    }

    /// The host's tempo for [`Rate::Note`] (sanitised like the delay's).
    pub fn set_tempo(&mut self, bpm: f64) {
        self.bpm = crate::delay::sane_bpm(bpm);
    }

    /// Sets the LFO phase (in cycles, any real; the fraction is used): the plugin aligns a
    /// tempo-synced LFO to the song position so that renders repeat.
    pub fn set_phase(&mut self, _cycles: f64) {}

    /// The LFO phase in cycles, 0 … 1.
    pub fn phase(&self) -> f64 {
        0.0
    }

    /// The LFO rate now playing (Hz), after tempo sync.
    pub fn rate_hz(&self) -> f64 {
        match self.settings.rate {
            Rate::Hz(hz) => hz as f64,
            Rate::Note(n) => self.bpm / 60.0 / n.quarters(),
        }
    }

    pub fn update(&mut self, settings: &Settings) {
        self.settings = *settings;
    }

    pub fn update_immediately(&mut self, settings: &Settings) {
        self.settings = *settings;
    }

    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let g = self.settings.output;
        for x in left.iter_mut().chain(right.iter_mut()) {
            *x *= g;
        }
        let _ = self.sample_rate;
    }

    pub fn reset(&mut self) {}

    /// The through-zero flanger delays the dry path; every other mode has none.
    pub fn latency_samples(&self) -> u32 {
        0
    }
}

processor!(Chorus, Settings);
