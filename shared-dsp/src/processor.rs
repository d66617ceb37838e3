//! The shape every processor shares, so that the plugins, the channel strip, the tests and
//! the benches drive any of them the same way, and a new one cannot drift from it.
//!
//! - **Construction** is each type's own `new(sample_rate: SampleRate, max_block_len: usize)`
//!   (the panner takes its input kind instead of a length: it keeps no block buffers). It
//!   allocates everything the processor will ever need; nothing after it allocates.
//! - **Settings** ([`Configure`]): plain `Copy` data in real units; `update` retargets the
//!   glides (cheap, every process call), `update_immediately` jumps (activation, reset, a
//!   loaded state).
//! - **Audio** ([`Processor`]): stereo in place, any length: a block longer than the
//!   `max_block_len` given to `new` is processed in pieces, never truncated (tested for every
//!   processor); mono through the stereo path unless the processor has a cheaper one;
//!   `reset` clears state; `latency_samples` is exactly the delay a host must compensate.
//!
//! The channel strip's console mixes many inputs into one output, so it is not a
//! `Processor`; each of its channels is.

/// Sample rates in Hz, as every constructor takes them. f32 holds every rate exactly (they
/// are integers far below 2²⁴); a processor that needs f64 inside (the EQ's designs, the
/// delay's positions) converts once.
pub type SampleRate = f32;

/// `sample_rate` if it is one (finite and positive), else 48 kHz: the rate a constructor
/// given garbage runs at, rather than dividing by zero or NaN.
pub fn usable_rate(sample_rate: SampleRate) -> SampleRate {
    if sample_rate.is_finite() && sample_rate > 0.0 {
        sample_rate
    } else {
        48_000.0
    }
}

/// `sample_rate` raised to at least `lowest` if it is finite, else 48 kHz: for the
/// constructors whose designs need a floor under the rate rather than any positive one.
pub fn rate_at_least(sample_rate: SampleRate, lowest: SampleRate) -> SampleRate {
    if sample_rate.is_finite() {
        sample_rate.max(lowest)
    } else {
        48_000.0
    }
}

/// Audio in place, reset and latency: what a host-facing wrapper needs of any processor.
pub trait Processor {
    /// Processes a stereo block in place. Any length; non-finite input counts as silence.
    fn process(&mut self, left: &mut [f32], right: &mut [f32]);

    /// Processes a mono block in place. The default runs the stereo path with the signal on
    /// both sides, in short pieces on the stack (no scratch to allocate), and keeps the left
    /// side: for a processor that treats both sides alike that is exactly its mono response.
    fn process_mono(&mut self, buf: &mut [f32]) {
        mono_through_stereo(self, buf)
    }

    /// Clears all audio state (delay lines, filters, envelopes), keeping the settings.
    fn reset(&mut self);

    /// The delay the processor adds, in samples, for the current settings.
    fn latency_samples(&self) -> u32;
}

/// Settings in, glides out.
pub trait Configure {
    /// The processor's parameters in real units (Hz, dB, ms, ratio).
    type Settings;

    /// Retargets the glides to `settings`: cheap, never allocates, called every process call.
    fn update(&mut self, settings: &Self::Settings);

    /// Applies `settings` without gliding (activation, `reset`, a loaded session).
    fn update_immediately(&mut self, settings: &Self::Settings);
}

/// Implements [`Processor`] and [`Configure`] for a type from its inherent methods of the
/// same names, which stay the implementation (callers that know the type use them directly).
/// `mono:` names the type's own mono path where it has a cheaper one than the default.
macro_rules! processor {
    ($t:ty, $settings:ty $(, mono: $mono:expr)?) => {
        impl $crate::processor::Processor for $t {
            fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
                <$t>::process(self, left, right)
            }
            $(
                fn process_mono(&mut self, buf: &mut [f32]) {
                    let mono: fn(&mut $t, &mut [f32]) = $mono;
                    mono(self, buf)
                }
            )?
            fn reset(&mut self) {
                <$t>::reset(self)
            }
            fn latency_samples(&self) -> u32 {
                <$t>::latency_samples(self)
            }
        }
        impl $crate::processor::Configure for $t {
            type Settings = $settings;
            fn update(&mut self, settings: &$settings) {
                <$t>::update(self, settings)
            }
            fn update_immediately(&mut self, settings: &$settings) {
                <$t>::update_immediately(self, settings)
            }
        }
    };
}
pub(crate) use processor;

/// The default mono path of [`Processor::process_mono`]: the stereo path in pieces of 256
/// samples with a copy of the signal on the right.
pub fn mono_through_stereo<P: Processor + ?Sized>(processor: &mut P, buf: &mut [f32]) {
    const PIECE: usize = 256;
    let mut right = [0.0f32; PIECE];
    for piece in buf.chunks_mut(PIECE) {
        let right = &mut right[..piece.len()];
        right.copy_from_slice(piece);
        processor.process(piece, right);
    }
}

/// One processor and the stereo block it runs on: each half of a `process_pair` call (the
/// EQ's, its engine's, its chain's and the channel strip's), which runs two processors in
/// one loop so that their latency-bound recursions overlap.
pub struct Paired<'a, P> {
    pub dsp: &'a mut P,
    pub left: &'a mut [f32],
    pub right: &'a mut [f32],
}

impl<'a, P> Paired<'a, P> {
    pub fn new(dsp: &'a mut P, left: &'a mut [f32], right: &'a mut [f32]) -> Self {
        Self { dsp, left, right }
    }

    /// The processor and its two channels, to use apart.
    pub fn parts(self) -> (&'a mut P, &'a mut [f32], &'a mut [f32]) {
        (self.dsp, self.left, self.right)
    }

    /// The same block for a part of the processor (the EQ's engine, the strip's EQ).
    pub fn part<Q>(self, part: impl FnOnce(&'a mut P) -> &'a mut Q) -> Paired<'a, Q> {
        Paired {
            dsp: part(self.dsp),
            left: self.left,
            right: self.right,
        }
    }
}
