//! Bypass, one rule for every processor.
//!
//! A bypassed plugin does not stop its processor: the processor glides to the settings that
//! [`Bypass::bypassed`] gives, which pass the input through (wet paths silent, gains at
//! unity, bands off) but keep what sets the latency (a lookahead, the linear-phase FIR) and
//! what runs underneath (a reverb's tail, a delay's repeats). So bypassing never clicks, never
//! moves the track in time against the others, and lifting it is seamless. Each plugin's
//! `process` asks [`target`] for what to run; the DSP glides there like to any other settings.

/// Settings that know their bypassed form.
pub trait Bypass: Sized {
    /// What a bypassed plugin glides to (see the module doc).
    fn bypassed(&self) -> Self;
}

/// `settings`, or their bypassed form when `bypass` is on.
pub fn target<S: Bypass>(settings: S, bypass: bool) -> S {
    if bypass {
        settings.bypassed()
    } else {
        settings
    }
}

impl Bypass for crate::dynamics::Settings {
    /// The audio passed dry, delayed by the same lookahead.
    fn bypassed(&self) -> Self {
        Self {
            mix: 0.0,
            output_db: 0.0,
            listen: false,
            ..*self
        }
    }
}

impl Bypass for crate::dynamics::limiter::Settings {
    /// The input delayed by the same lookahead (the limiter's own bypass glide).
    fn bypassed(&self) -> Self {
        Self {
            bypass: true,
            ..*self
        }
    }
}

impl Bypass for crate::eq::Settings {
    /// Every band off and the gain at 0 dB, in the same mode: a bypassed linear-phase EQ is
    /// a bit-exact delay by the same latency.
    fn bypassed(&self) -> Self {
        Self {
            mode: self.mode,
            ..Self::default()
        }
    }
}

impl Bypass for crate::delay::Settings {
    /// Dry at unity, the echoes silent but still running (they are there when the bypass is
    /// lifted).
    fn bypassed(&self) -> Self {
        Self {
            dry_db: 0.0,
            wet_db: f32::NEG_INFINITY,
            ..*self
        }
    }
}

impl Bypass for crate::reverb::Settings {
    /// Dry only at unity gain; the tail keeps running underneath.
    fn bypassed(&self) -> Self {
        Self {
            mix: 0.0,
            output_gain: 1.0,
            ..*self
        }
    }
}

impl Bypass for crate::pan::Settings {
    /// Settings that change nothing: a stereo input passes bit-exactly, a mono input reaches
    /// both sides at unity.
    fn bypassed(&self) -> Self {
        Self::neutral()
    }
}

impl Bypass for crate::strip::ConsoleSettings {
    /// The plain sum of every input at unity, time-aligned (compressor lookaheads stay, so
    /// bypassing never moves the mix in time), every processor, mute, solo and send off.
    fn bypassed(&self) -> Self {
        use crate::strip::MasterSettings;
        let mut b = Self {
            master: MasterSettings {
                reverb: self.master.reverb,
                delay: self.master.delay,
                ..MasterSettings::default()
            },
            ..Self::default()
        };
        for (c, orig) in b.channels.iter_mut().zip(self.channels.iter()) {
            *c = orig.bypassed();
        }
        b
    }
}

impl Bypass for crate::strip::ChannelSettings {
    /// A transparent channel at unity whose compressor lookahead stays (so bypassing never
    /// moves the track in time); every processor, mute, solo and send off.
    fn bypassed(&self) -> Self {
        Self {
            compressor: self.compressor,
            ..Self::default()
        }
    }
}
