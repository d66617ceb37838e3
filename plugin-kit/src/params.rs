//! One builder per unit for nice-plug parameters: the unit's text both ways (`crate::text`)
//! and its step size, so that every plugin's "250 ms" or "-3.0 dB" reads, parses and snaps
//! the same. The range stays the plugin's: the builders take it as given, so a skew chosen
//! for a control's musical use (and the exact factor hosts' automation was written against)
//! is never recomputed here.
//!
//! **Every continuous parameter has a step size.** Besides matching the decimals its text
//! shows, the snap makes plain → normalised → plain exact, which VST3 hosts rely on: with
//! f32 skew maths alone a value drifts in its last digits through the round trip (Steinberg's
//! validator and clap-validator's `param-conversions` both check it).

use std::sync::Arc;

use nice_plug::prelude::{BoolParam, FloatParam, FloatRange};

use crate::text;

/// Below every linear dB range (the lowest is −60 dB): such a parameter has no "-inf" end,
/// and typed "-inf" lands on the range's minimum.
const NO_FLOOR_DB: f32 = -1000.0;

/// A parameter over `range` in steps of `step` whose text is `to_text` and is read back by
/// `from_text`: what every builder below makes.
fn with_text(
    name: impl Into<String>,
    default: f32,
    range: FloatRange,
    step: f32,
    to_text: impl Fn(f32) -> String + Send + Sync + 'static,
    from_text: impl Fn(&str) -> Option<f32> + Send + Sync + 'static,
) -> FloatParam {
    FloatParam::new(name, default, range)
        .with_step_size(step)
        .with_value_to_string(Arc::new(to_text))
        .with_string_to_value(Arc::new(from_text))
}

/// An on/off switch reading "On"/"Off" (and understanding "on", "1", "yes"…).
pub fn switch(name: impl Into<String>, default: bool) -> BoolParam {
    BoolParam::new(name, default)
        .with_value_to_string(Arc::new(text::bool_to_text))
        .with_string_to_value(Arc::new(text::text_to_bool))
}

/// A gain in dB over a linear range with no −∞ end (EQ gain, make-up, output gain), in steps
/// of 0.1 dB.
pub fn decibels(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    with_text(
        name,
        default,
        FloatRange::Linear { min, max },
        0.1,
        |db| text::db_to_text(db, NO_FLOOR_DB),
        |s| text::text_to_db(s, NO_FLOOR_DB),
    )
}

/// An integrated loudness in LUFS over a linear range, steps of 0.1 LU.
pub fn loudness(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    with_text(
        name,
        default,
        FloatRange::Linear { min, max },
        0.1,
        text::lufs_to_text,
        text::text_to_lufs,
    )
}

/// A true-peak level in dBTP over a linear range, steps of 0.1 dB.
pub fn true_peak(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    with_text(
        name,
        default,
        FloatRange::Linear { min, max },
        0.1,
        text::dbtp_to_text,
        text::text_to_dbtp,
    )
}

/// A level whose bottom, `floor` dB, is silence ("-inf dB"), skewed like a console fader so
/// that the useful top of the travel (−20 dB up) gets most of it; steps of 0.1 dB.
pub fn fader(name: impl Into<String>, default: f32, floor: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min: floor,
            max,
            factor: 2.0,
        },
    )
    .with_step_size(0.1)
    .with_value_to_string(Arc::new(move |db| text::db_to_text(db, floor)))
    .with_string_to_value(Arc::new(move |s| text::text_to_db(s, floor)))
}

/// A time in ms ("250 ms", "1.20 s"; understands "250ms", "0.25 s"), steps of 0.01 ms.
pub fn time_ms(name: impl Into<String>, default: f32, range: FloatRange) -> FloatParam {
    with_text(
        name,
        default,
        range,
        0.01,
        text::ms_to_text,
        text::text_to_ms,
    )
}

/// A frequency ("120 Hz", "1.20 kHz"; understands "1k", "1.2 kHz"), steps of 0.1 Hz.
pub fn frequency(name: impl Into<String>, default: f32, range: FloatRange) -> FloatParam {
    with_text(
        name,
        default,
        range,
        0.1,
        text::hz_to_text,
        text::text_to_hz,
    )
}

/// A modulation rate in Hz ("0.50 Hz"; understands "2", "2 Hz"), steps of 0.01 Hz: an LFO's
/// slow end needs finer steps than an audio frequency's 0.1 Hz.
pub fn rate(name: impl Into<String>, default: f32, range: FloatRange) -> FloatParam {
    with_text(
        name,
        default,
        range,
        0.01,
        text::hz_to_text,
        text::text_to_hz,
    )
}

/// A percentage ("35 %") over a linear range, in whole percent.
pub fn percent(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    with_text(
        name,
        default,
        FloatRange::Linear { min, max },
        1.0,
        text::percent_to_text,
        text::text_to_percent,
    )
}

/// A phase angle in whole degrees ("90°"; understands "90", "90 deg"), linear from `min` to
/// `max`.
pub fn degrees(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    with_text(
        name,
        default,
        FloatRange::Linear { min, max },
        1.0,
        text::degrees_to_text,
        text::text_to_degrees,
    )
}

/// A filter's Q ("0.71"), steps of 0.001.
pub fn q(name: impl Into<String>, default: f32, range: FloatRange) -> FloatParam {
    with_text(
        name,
        default,
        range,
        0.001,
        text::q_to_text,
        text::text_to_q,
    )
}

/// A range from `min` to `max` skewed so that `middle` sits at the centre of the travel (short
/// times get the room: a change from 1 to 2 ms matters as much as one from 100 to 200 ms).
pub fn centred(min: f32, max: f32, middle: f32) -> FloatRange {
    let factor = 0.5f32.ln() / ((middle - min) / (max - min)).ln();
    FloatRange::Skewed { min, max, factor }
}

/// A range from `min` to `max` skewed by nice-plug's `FloatRange::skew_factor(exponent)`
/// (negative exponents give the low end more travel: frequencies, Q).
pub fn skewed(min: f32, max: f32, exponent: f32) -> FloatRange {
    FloatRange::Skewed {
        min,
        max,
        factor: FloatRange::skew_factor(exponent),
    }
}

/// A pan position from 100 L through C to 100 R ("C", "35 L"; understands "35L", "-35",
/// "c"), in whole steps.
pub fn pan(name: impl Into<String>) -> FloatParam {
    let range = FloatRange::Linear {
        min: -100.0,
        max: 100.0,
    };
    with_text(name, 0.0, range, 1.0, text::pan_to_text, text::text_to_pan)
}

/// A low cut's corner over `range`, whose bottom end is "Off" (`text::cut_to_text`), in steps
/// of 0.1 Hz.
pub fn low_cut(name: impl Into<String>, default: f32, range: FloatRange) -> FloatParam {
    cut(name, default, range, true, 0.1)
}

/// A high cut's corner over `range`, whose top end is "Off", in steps of 1 Hz (it lives in
/// the kilohertz).
pub fn high_cut(name: impl Into<String>, default: f32, range: FloatRange) -> FloatParam {
    cut(name, default, range, false, 1.0)
}

/// A cut filter's corner: "Off" at the range's bottom end (`low`) or top end.
fn cut(
    name: impl Into<String>,
    default: f32,
    range: FloatRange,
    low: bool,
    step: f32,
) -> FloatParam {
    let (bottom, top) = range_ends(&range);
    let off = if low { bottom } else { top };
    with_text(
        name,
        default,
        range,
        step,
        move |v| text::cut_to_text(v, off, low),
        move |t| text::text_to_cut(t, off),
    )
}

fn range_ends(range: &FloatRange) -> (f32, f32) {
    match *range {
        FloatRange::Linear { min, max }
        | FloatRange::Skewed { min, max, .. }
        | FloatRange::SymmetricalSkewed { min, max, .. } => (min, max),
        FloatRange::Reversed(inner) => range_ends(inner),
    }
}
