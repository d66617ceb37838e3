//! Robustness of every processor against what hosts do: construction, `reset` and `process`
//! on a thread with a small stack ([`small_stack`]), and non-finite or subnormal input that
//! must not poison state ([`poison`]). Every processor is driven through one face,
//! [`Processor`], so that a new one is added to both checks in one place ([`all`]).

mod poison;
mod small_stack;

use std::sync::Arc;

use crate::delay::Delay;
use crate::dynamics::compressor::Compressor;
use crate::dynamics::gate::Gate;
use crate::dynamics::limiter::Limiter;
use crate::eq::{self, Eq};
use crate::meter::{LoudnessMeter, LoudnessReadings};
use crate::pan::{self, Panner};
use crate::reverb::Reverb;
use crate::strip::console::Input;
use crate::strip::{CHANNELS, ChannelStrip, Console};

/// What the checks need of a processor: stereo in place, and `reset`.
pub(crate) trait Processor {
    fn process(&mut self, left: &mut [f32], right: &mut [f32]);
    fn reset(&mut self);
}

macro_rules! stereo_processor {
    ($($t:ty),*) => {$(
        impl Processor for $t {
            fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
                <$t>::process(self, left, right)
            }
            fn reset(&mut self) {
                <$t>::reset(self)
            }
        }
    )*};
}
stereo_processor!(
    Eq,
    Compressor,
    Gate,
    Limiter,
    Reverb,
    Delay,
    Panner,
    ChannelStrip
);

/// The loudness meter only reads; its output is its input.
impl Processor for LoudnessMeter {
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        LoudnessMeter::process(self, left, right)
    }
    fn reset(&mut self) {
        LoudnessMeter::reset(self)
    }
}

/// The console with the block on every one of its inputs.
impl Processor for Console {
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let (l, r) = (left.to_vec(), right.to_vec());
        let inputs: [Input<'_>; CHANNELS] = [Some((&l[..], &r[..])); CHANNELS];
        Console::process(self, &inputs, left, right)
    }
    fn reset(&mut self) {
        Console::reset(self)
    }
}

/// A constructor of one processor at a sample rate and maximum block length, with its
/// defaults but *active* (an EQ with a band on, a delay with its wet signal…): what a
/// plugin builds.
pub(crate) type Make = fn(f32, usize) -> Box<dyn Processor>;

/// Every processor of the crate, by name.
pub(crate) fn all() -> Vec<(&'static str, Make)> {
    vec![
        ("eq", |fs, n| {
            let mut e = Eq::new(f64::from(fs), n);
            let mut s = eq::Settings::default();
            s.bands[0].enabled = true;
            s.bands[0].gain_db = 6.0;
            s.bands[1] = eq::BandSettings {
                enabled: true,
                kind: eq::BandType::LowCut,
                freq: 40.0,
                slope: eq::Slope::Db96,
                ..eq::BandSettings::default()
            };
            e.update_immediately(&s);
            Box::new(e)
        }),
        ("compressor", |fs, n| Box::new(Compressor::new(fs, n))),
        ("gate", |fs, n| Box::new(Gate::new(fs, n))),
        ("limiter", |fs, n| Box::new(Limiter::new(fs, n))),
        ("reverb", |fs, n| Box::new(Reverb::new(fs, n))),
        ("delay", |fs, n| Box::new(Delay::new(fs, n))),
        ("panner", |fs, _| {
            Box::new(Panner::new(fs, pan::Input::Stereo))
        }),
        ("channel strip", |fs, n| Box::new(ChannelStrip::new(fs, n))),
        ("console", |fs, n| {
            Box::new(Console::with_readings(
                fs,
                n,
                Arc::new(LoudnessReadings::new()),
            ))
        }),
        ("loudness meter", |fs, _| {
            Box::new(LoudnessMeter::new(fs, 2))
        }),
    ]
}
