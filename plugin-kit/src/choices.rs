//! Choices (enum parameters) that more than one plugin offers, each with its conversion into
//! the DSP's own enum. The `#[id]`s are what sessions store: never change one; the names are
//! what hosts show.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nice_plug::prelude::{Enum, IntParam, IntRange};
use shared_dsp::chorus::MAX_RATE_HZ as MAX_LFO_HZ;
use shared_dsp::delay::{MAX_TIME_MS, NoteValue};
use shared_dsp::pan::{PanLaw, PanMode};
use shared_dsp::reverb::Character;

use crate::text;

/// The pan laws, named by their centre level (Panner, Channel Strip).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LawParam {
    #[id = "0db"]
    #[name = "0 dB (linear)"]
    ZeroDb,
    #[id = "-3db"]
    #[name = "-3 dB (constant power)"]
    ConstantPower,
    #[id = "-4.5db"]
    #[name = "-4.5 dB"]
    Compromise,
    #[id = "-6db"]
    #[name = "-6 dB (linear)"]
    Linear,
}

impl From<LawParam> for PanLaw {
    fn from(p: LawParam) -> Self {
        match p {
            LawParam::ZeroDb => PanLaw::ZeroDb,
            LawParam::ConstantPower => PanLaw::ConstantPower,
            LawParam::Compromise => PanLaw::Compromise,
            LawParam::Linear => PanLaw::Linear,
        }
    }
}

/// What the pan control does to a stereo input (Panner, Channel Strip).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanModeParam {
    #[id = "balance"]
    #[name = "Balance"]
    Balance,
    #[id = "stereo-pan"]
    #[name = "Stereo Pan"]
    StereoPan,
}

impl From<PanModeParam> for PanMode {
    fn from(p: PanModeParam) -> Self {
        match p {
            PanModeParam::Balance => PanMode::Balance,
            PanModeParam::StereoPan => PanMode::StereoPan,
        }
    }
}

/// What a detector listens to: the plugin's own input, or the "Sidechain" auxiliary input
/// (`identity::with_sidechain`): the Compressor's key, the Delay's and the Reverb's ducking.
/// With External and nothing connected, hosts deliver silence on the port.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidechainParam {
    #[id = "internal"]
    #[name = "Internal"]
    Internal,
    #[id = "external"]
    #[name = "External"]
    External,
}

/// The reverb's room characters (Reverb, the Channel Strip's reverb return).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharacterParam {
    #[id = "room"]
    #[name = "Room"]
    Room,
    #[id = "hall"]
    #[name = "Hall"]
    Hall,
    #[id = "plate"]
    #[name = "Plate"]
    Plate,
    #[id = "chamber"]
    #[name = "Chamber"]
    Chamber,
}

impl From<CharacterParam> for Character {
    fn from(p: CharacterParam) -> Self {
        match p {
            CharacterParam::Room => Character::Room,
            CharacterParam::Hall => Character::Hall,
            CharacterParam::Plate => Character::Plate,
            CharacterParam::Chamber => Character::Chamber,
        }
    }
}

/// A tempo-synced note value (Delay, the Channel Strip's delay return); its text shows the
/// length at the host's tempo, read from `tempo` (f32 bits, written by the audio thread).
pub fn note(name: impl Into<String>, tempo: &Arc<AtomicU32>) -> IntParam {
    note_list(name, tempo, |n, bpm| {
        let ms = n.ms_at(bpm);
        text::note_to_text(&n.name(), ms.min(MAX_TIME_MS) as f32, ms > MAX_TIME_MS)
    })
}

/// A tempo-synced LFO rate (the Chorus): one cycle per note value; its text shows the rate
/// it plays at the host's tempo (at most the LFO's fastest). The same list and index as
/// [`note`], so a host's automation of either reads alike.
pub fn lfo_note(name: impl Into<String>, tempo: &Arc<AtomicU32>) -> IntParam {
    note_list(name, tempo, |n, bpm| {
        let hz = (1000.0 / n.ms_at(bpm)).min(MAX_LFO_HZ as f64);
        text::note_rate_to_text(&n.name(), hz as f32)
    })
}

/// [`NoteValue::ALL`] as an integer parameter (the quarter note by default) whose text is
/// `show(note, bpm)` at the tempo in `tempo`, and which reads any note's name back.
fn note_list(
    name: impl Into<String>,
    tempo: &Arc<AtomicU32>,
    show: fn(NoteValue, f64) -> String,
) -> IntParam {
    let names: Vec<String> = NoteValue::ALL.iter().map(|n| n.name()).collect();
    let tempo = tempo.clone();
    IntParam::new(
        name,
        NoteValue::QUARTER.index() as i32,
        IntRange::Linear {
            min: 0,
            max: NoteValue::ALL.len() as i32 - 1,
        },
    )
    .with_value_to_string(Arc::new(move |i| {
        let bpm = f32::from_bits(tempo.load(Ordering::Relaxed)) as f64;
        show(NoteValue::from_index(i.max(0) as usize), bpm)
    }))
    .with_string_to_value(Arc::new(move |s| {
        text::text_to_note(s, names.iter().map(String::as_str)).map(|i| i as i32)
    }))
}
