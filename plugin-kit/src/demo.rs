//! The standalone builds' demo input: with `MIXWERK_DEMO_SIGNAL` set, a plugin replaces its
//! (silent) input with `shared_dsp::demo`, so screenshots and a quick try without a host show
//! the editor at work. Read at activation only, never on the audio thread.

use shared_dsp::demo::DemoSignal;

/// The environment variable every Mixwerk standalone reads.
pub const VARIABLE: &str = "MIXWERK_DEMO_SIGNAL";

/// Whether the demo is asked for.
pub fn wanted() -> bool {
    std::env::var_os(VARIABLE).is_some()
}

/// The demo signal at `sample_rate`, if it is asked for.
pub fn signal(sample_rate: f32) -> Option<DemoSignal> {
    wanted().then(|| DemoSignal::new(sample_rate))
}
