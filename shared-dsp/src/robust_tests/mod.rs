//! Robustness of every processor against what hosts do: construction, `reset` and `process`
//! on a thread with a small stack ([`small_stack`]), and non-finite or subnormal input that
//! must not poison state ([`poison`]), and the shape every processor promises ([`shape`]:
//! blocks longer than the maximum, the mono path). Every processor is driven through the
//! crate's [`Processor`] trait, so that a new one is added to all checks in one place
//! ([`all`]).

mod poison;
mod shape;
mod small_stack;

use std::sync::Arc;

use crate::delay::{self, Delay, DelayTime};
use crate::dynamics::compressor::Compressor;
use crate::dynamics::gate::{self, Gate};
use crate::dynamics::limiter::Limiter;
use crate::dynamics::oversampled_limiter::{self, OversampledLimiter};
use crate::dynamics::oversampling::Oversampling;
use crate::eq::{self, Eq};
use crate::meter::{LoudnessMeter, LoudnessReadings};
use crate::pan::{self, Panner};
pub(crate) use crate::processor::Processor;
use crate::reverb::Reverb;
use crate::strip::console::Input;
use crate::strip::{CHANNELS, ChannelSettings, ChannelStrip, Console};

/// The console as a stereo processor for these checks: the block on every one of its
/// inputs (it is not a [`Processor`] itself; see that module).
struct AllInputs(Box<Console>);

impl Processor for AllInputs {
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let (l, r) = (left.to_vec(), right.to_vec());
        let inputs: [Input<'_>; CHANNELS] = [Some((&l[..], &r[..])); CHANNELS];
        self.0.process(&inputs, left, right)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn latency_samples(&self) -> u32 {
        self.0.latency_samples()
    }
}

/// The loudness meter only reads; its output is its input.
struct Metering(LoudnessMeter);

impl Processor for Metering {
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.0.process(left, right)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn latency_samples(&self) -> u32 {
        0
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
            let mut e = Eq::new(fs, n);
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
        ("gate", |fs, n| {
            // Open only on the test signals' loudest hits.
            let mut g = Gate::new(fs, n);
            g.update_immediately(&gate::Settings {
                enabled: true,
                threshold_db: -3.0,
                hold_ms: 0.0,
                release_ms: 5.0,
                ..gate::Settings::default()
            });
            Box::new(g)
        }),
        ("limiter", |fs, n| Box::new(Limiter::new(fs, n))),
        ("limiter 4x", |fs, n| {
            let mut l = OversampledLimiter::new(fs, n);
            l.update_immediately(&oversampled_limiter::Settings {
                oversampling: Oversampling::X4,
                ..oversampled_limiter::Settings::default()
            });
            Box::new(l)
        }),
        ("reverb", |fs, n| Box::new(Reverb::new(fs, n))),
        ("delay", |fs, n| {
            // Echoes within the tests' signals (the default quarter note is 500 ms).
            let mut d = Delay::new(fs, n);
            d.update_immediately(&delay::Settings {
                time_left: DelayTime::Ms(7.0),
                time_right: DelayTime::Ms(11.0),
                link: false,
                mod_depth_ms: 1.0,
                ..delay::Settings::default()
            });
            Box::new(d)
        }),
        ("chorus", |fs, n| {
            Box::new(crate::chorus::Chorus::new(fs, n))
        }),
        ("panner", |fs, _| {
            let mut p = Panner::new(fs, pan::Input::Stereo);
            p.update_immediately(&pan::Settings {
                pan: -0.4,
                width: 0.5,
                ..pan::Settings::default()
            });
            Box::new(p)
        }),
        ("channel strip", |fs, n| {
            let mut c = ChannelStrip::new(fs, n);
            let mut s = ChannelSettings {
                high_pass_hz: Some(80.0),
                compressor_on: true,
                pan: 0.3,
                ..ChannelSettings::default()
            };
            s.compressor.threshold_db = -30.0;
            c.update_immediately(&s);
            Box::new(c)
        }),
        ("console", |fs, n| {
            Box::new(AllInputs(Box::new(Console::with_readings(
                fs,
                n,
                Arc::new(LoudnessReadings::new()),
            ))))
        }),
        ("loudness meter", |fs, _| {
            Box::new(Metering(LoudnessMeter::new(fs, 2)))
        }),
    ]
}
