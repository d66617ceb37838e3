//! [`Console`]: eight channel strips, two effect returns and the master section.

use crate::bypass::Bypass;
use std::sync::Arc;

use crate::delay::{self, Delay};
use crate::dynamics::compressor::{self, Compressor};
use crate::dynamics::limiter::{self, Limiter};
use crate::heap::{Zeroable, boxed_array, boxed_zeroed};
use crate::kernel::sanitize::{finite_or_zero, flush_denormal};
use crate::meter::{LoudnessMeter, LoudnessReadings};
use crate::monitor::MonoCheck;
use crate::processor::{Paired, usable_rate};
use crate::reverb::{self, Reverb};
use crate::smoother::Smoother;

use super::channel::{ChannelStrip, GLIDE_MS, SendBuses};
use super::meters::MeterWriter;
use super::{CHANNELS, ChannelSettings, ConsoleSettings, MasterSettings, fader_gain};

/// Frames per pass through the console (the size of its [`Scratch`] buffers, so no buffer
/// depends on the host's block size). Long enough that the modules' per-call costs (the EQ
/// chain's priming and draining, the meter's bookkeeping) are spread over many samples: at 64
/// they took a tenth of the console's time.
const CHUNK: usize = 512;

/// One chunk of stereo audio.
type Pair = [[f32; CHUNK]; 2];

/// The console's working buffers (20 kB, allocated once in [`Console::new`]; on the stack
/// they would make `process` a large frame on the host's audio thread).
struct Scratch {
    /// The mix bus.
    sum: Pair,
    /// The two send buses.
    send: [Pair; 2],
    /// One channel on its way through its strip, and a second one: strips run two at a time
    /// (see [`Console::process_chunk`]).
    channel: [Pair; 2],
    /// The limited signal while the limiter's switch crossfades.
    limited: Pair,
}

// SAFETY: only arrays of f32.
unsafe impl Zeroable for Scratch {}

/// One stereo input of [`Console::process`]: `None` for a port the host left unconnected.
pub type Input<'a> = Option<(&'a [f32], &'a [f32])>;

/// The console (see the [module docs](super)).
pub struct Console {
    settings: ConsoleSettings,
    strips: Box<[ChannelStrip; CHANNELS]>,
    scratch: Box<Scratch>,
    /// Whether each channel had an input in the last block; a channel that loses its input
    /// is reset, so that reconnecting it does not replay stale audio from its delay lines.
    connected: [bool; CHANNELS],
    reverb: Reverb,
    delay: Delay,
    glue: Compressor,
    master: Smoother,
    limiter: Limiter,
    /// 0 = limiter out of the path, 1 = in; glides so that switching crossfades.
    limiter_mix: Smoother,
    mono_check: MonoCheck,
    meter: LoudnessMeter,
    /// The common delay of every channel (the largest compressor lookahead).
    channel_latency: usize,
    /// The editor's meters, when a plugin attached them (see [`super::meters`]).
    meters: Option<MeterWriter>,
}

/// `settings` as the strip sees them: solo in place turns into mutes.
fn effective(settings: &ConsoleSettings) -> [ChannelSettings; CHANNELS] {
    let any_solo = settings.channels.iter().any(|c| c.solo);
    settings.channels.map(|c| ChannelSettings {
        mute: c.mute || (any_solo && !c.solo),
        ..c
    })
}

fn reverb_settings(m: &MasterSettings) -> reverb::Settings {
    reverb::Settings {
        mix: 1.0,
        output_gain: fader_gain(m.return_a_db.min(12.0)),
        ..m.reverb
    }
}

fn delay_settings(m: &MasterSettings) -> delay::Settings {
    let level = if fader_gain(m.return_b_db) == 0.0 {
        f32::NEG_INFINITY
    } else {
        m.return_b_db.min(12.0)
    };
    delay::Settings {
        dry_db: f32::NEG_INFINITY,
        wet_db: level,
        ..m.delay
    }
}

fn glue_settings(m: &MasterSettings) -> compressor::Settings {
    if m.glue_on { m.glue } else { m.glue.bypassed() }
}

fn limiter_settings(m: &MasterSettings) -> limiter::Settings {
    limiter::Settings {
        bypass: false,
        mono_check: false,
        ..m.limiter
    }
}

/// Copies `input[start..start + len]` into `dst` (non-finite samples and samples past the
/// input's end as silence).
fn load_input(dst: &mut Pair, input: Input<'_>, start: usize, len: usize) {
    let Some((in_l, in_r)) = input else { return };
    for (side, src) in dst.iter_mut().zip([in_l, in_r]) {
        let avail = src.len().saturating_sub(start).min(len);
        for (d, &s) in side[..avail].iter_mut().zip(&src[start..start + avail]) {
            *d = finite_or_zero(s);
        }
        side[avail..len].fill(0.0);
    }
}

/// After channel `c`'s strip: its meter, and its output added into the sum.
fn finish_channel(
    c: usize,
    strip: &ChannelStrip,
    left: &[f32],
    right: &[f32],
    meters: Option<&mut MeterWriter>,
    sum: &mut Pair,
) {
    if let Some(m) = meters {
        // A switched-off gate or compressor is not applied, so its reduction is not shown
        // either.
        let (gate, comp) = strip.gain_reduction_db();
        let on = strip.settings();
        let gate = if on.gate.enabled { gate } else { 0.0 };
        let comp = if on.compressor_on { comp } else { [0.0; 2] };
        m.channel(c, left, right, gate, comp);
    }
    for (bus, x) in sum.iter_mut().zip([left, right]) {
        for (s, &x) in bus[..x.len()].iter_mut().zip(x) {
            *s += x;
        }
    }
}

/// Time constant of the crossfade when the limiter is switched in or out (ms).
const LIMITER_FADE_MS: f32 = 2.0;

impl Console {
    /// Allocates everything: eight strips, both returns, the master chain and the meter.
    pub fn new(sample_rate: f32, max_block_len: usize) -> Self {
        Self::with_readings(
            sample_rate,
            max_block_len,
            Arc::new(LoudnessReadings::new()),
        )
    }

    /// The same, publishing the loudness figures into `readings` (kept by an editor across
    /// activations).
    pub fn with_readings(
        sample_rate: f32,
        max_block_len: usize,
        readings: Arc<LoudnessReadings>,
    ) -> Self {
        let fs = usable_rate(sample_rate);
        let mut console = Self {
            settings: ConsoleSettings::default(),
            // Built on the heap (see `crate::heap`): eight strips are 240 kB.
            strips: boxed_array(|_| ChannelStrip::new(fs, max_block_len)),
            scratch: boxed_zeroed(),
            connected: [true; CHANNELS],
            reverb: Reverb::new(fs, max_block_len),
            delay: Delay::new(fs, max_block_len),
            glue: Compressor::new(fs, max_block_len),
            master: Smoother::new(fs, GLIDE_MS, 1.0),
            limiter: Limiter::new(fs, max_block_len),
            limiter_mix: Smoother::new(fs, LIMITER_FADE_MS, 0.0),
            mono_check: MonoCheck::new(fs),
            meter: LoudnessMeter::with_readings(fs, 2, readings),
            channel_latency: 0,
            meters: None,
        };
        console.update_immediately(&ConsoleSettings::default());
        console
    }

    /// [`with_readings`](Self::with_readings), boxed. A plugin holds its console boxed:
    /// the console (16 kB) then never sits in the frames of the host's calls into the
    /// plugin, and this frame (which holds it on its way to the heap) is gone before
    /// anything else runs.
    #[inline(never)]
    pub fn boxed(
        sample_rate: f32,
        max_block_len: usize,
        readings: Arc<LoudnessReadings>,
    ) -> Box<Self> {
        Box::new(Self::with_readings(sample_rate, max_block_len, readings))
    }

    pub fn settings(&self) -> &ConsoleSettings {
        &self.settings
    }

    /// The loudness of the output (EBU R128), lock-free.
    pub fn loudness(&self) -> Arc<LoudnessReadings> {
        self.meter.readings()
    }

    /// Publishes levels and gain reductions through `writer` from now on, while it is enabled
    /// (activation: the writer is built at the console's rate).
    pub fn attach_meters(&mut self, writer: MeterWriter) {
        self.meters = Some(writer);
    }

    /// Meters only while `on` (an editor is open); cheap, call it every block.
    /// The loudness meter keeps only its integrated part up while off.
    pub fn set_metering(&mut self, on: bool) {
        self.meter.set_observed(on);
        if let Some(m) = &mut self.meters {
            m.set_enabled(on);
        }
    }

    pub fn strip(&self, channel: usize) -> &ChannelStrip {
        &self.strips[channel]
    }

    /// Glides towards `settings`. Cheap; never allocates.
    pub fn update(&mut self, settings: &ConsoleSettings) {
        self.configure(settings, false);
    }

    /// Applies `settings` without glides (activation, session load).
    pub fn update_immediately(&mut self, settings: &ConsoleSettings) {
        self.configure(settings, true);
    }

    /// What [`update`](Self::update) and (`immediately`)
    /// [`update_immediately`](Self::update_immediately) do: the strips, the master and the
    /// alignment.
    fn configure(&mut self, settings: &ConsoleSettings, immediately: bool) {
        for (strip, s) in self.strips.iter_mut().zip(effective(settings).iter()) {
            if immediately {
                strip.update_immediately(s);
            } else {
                strip.update(s);
            }
        }
        self.update_master(&settings.master, immediately);
        self.settings = *settings;
        self.align(immediately);
    }

    fn update_master(&mut self, m: &MasterSettings, immediately: bool) {
        if immediately {
            self.reverb.update_immediately(&reverb_settings(m));
            self.delay.update_immediately(&delay_settings(m));
            self.glue.update_immediately(&glue_settings(m));
            self.limiter.update_immediately(&limiter_settings(m));
            self.limiter_mix
                .reset_to(if m.limiter_on { 1.0 } else { 0.0 });
            self.master.reset_to(fader_gain(m.master_db.min(12.0)));
            self.mono_check.set_immediately(m.mono_check);
        } else {
            self.reverb.update(&reverb_settings(m));
            self.delay.update(&delay_settings(m));
            self.glue.update(&glue_settings(m));
            self.limiter.update(&limiter_settings(m));
            if m.limiter_on && self.limiter_mix.value() == 0.0 {
                // Coming in from out of the path: start from silence, not stale audio.
                self.limiter.reset();
            }
            self.limiter_mix
                .set_target(if m.limiter_on { 1.0 } else { 0.0 });
            self.master.set_target(fader_gain(m.master_db.min(12.0)));
            self.mono_check.set(m.mono_check);
        }
    }

    /// Delays every channel to the largest compressor lookahead.
    fn align(&mut self, immediately: bool) {
        self.channel_latency = self
            .strips
            .iter()
            .map(ChannelStrip::insert_latency)
            .max()
            .unwrap_or(0);
        for strip in self.strips.iter_mut() {
            let samples = self.channel_latency - strip.insert_latency();
            if immediately {
                strip.set_alignment_immediately(samples);
            } else {
                strip.set_alignment(samples);
            }
        }
    }

    /// The host's tempo, for the delay's synced times.
    pub fn set_tempo(&mut self, bpm: f64) {
        self.delay.set_tempo(bpm);
    }

    /// Total delay from any input to the output, in samples (what the host compensates).
    pub fn latency_samples(&self) -> u32 {
        let limiter = if self.settings.master.limiter_on {
            self.limiter.latency_samples()
        } else {
            0
        };
        self.channel_latency as u32 + self.glue.latency_samples() + limiter
    }

    /// The returns' tails (the longer of reverb and delay; `None` = infinite), in samples.
    pub fn tail_samples(&self) -> Option<u32> {
        let (a, b) = (self.reverb.tail_samples()?, self.delay.tail_samples()?);
        Some(a.max(b) + self.latency_samples())
    }

    /// Clears all signal state and completes every glide; the loudness measurement restarts.
    pub fn reset(&mut self) {
        for strip in self.strips.iter_mut() {
            strip.reset();
        }
        self.reverb.reset();
        self.delay.reset();
        self.glue.reset();
        self.limiter.reset();
        self.limiter_mix.reset_to(self.limiter_mix.target());
        self.mono_check
            .set_immediately(self.settings.master.mono_check);
        self.master.reset_to(self.master.target());
        self.meter.reset();
        if let Some(m) = &mut self.meters {
            m.reset();
        }
    }

    /// Mixes `inputs` (one stereo pair per channel; `None` = unconnected, silent) into
    /// `out_left`/`out_right`. Input slices shorter than the output count as silence after
    /// their end; non-finite input samples count as silence.
    pub fn process(
        &mut self,
        inputs: &[Input<'_>; CHANNELS],
        out_left: &mut [f32],
        out_right: &mut [f32],
    ) {
        for (c, input) in inputs.iter().enumerate() {
            let now = input.is_some();
            if self.connected[c] && !now {
                self.strips[c].reset();
            }
            self.connected[c] = now;
        }
        let n = out_left.len().min(out_right.len());
        let mut start = 0;
        while start < n {
            let len = (n - start).min(CHUNK);
            self.process_chunk(
                inputs,
                start,
                len,
                &mut out_left[start..start + len],
                &mut out_right[start..start + len],
            );
            start += len;
        }
    }

    fn process_chunk(
        &mut self,
        inputs: &[Input<'_>; CHANNELS],
        start: usize,
        len: usize,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let Scratch {
            sum,
            send,
            channel,
            limited,
        } = &mut *self.scratch;
        for side in sum.iter_mut().chain(send.iter_mut().flatten()) {
            side[..len].fill(0.0);
        }
        let mut meters = self.meters.as_mut().filter(|m| m.is_enabled());
        {
            let [[al, ar], [bl, br]] = &mut *send;
            let mut buses: SendBuses<'_> = [
                [&mut al[..len], &mut ar[..len]],
                [&mut bl[..len], &mut br[..len]],
            ];
            // Connected strips two at a time, in channel order: the pair's EQs run together
            // (their latency-bound recursions overlap; see `Eq::process_pair`), everything
            // else per strip. Sends, meters and the sum still see the strips one after the
            // other in channel order, so the output is the same bit for bit.
            let mut connected = (0..CHANNELS).filter(|&c| inputs[c].is_some());
            while let Some(c) = connected.next() {
                let [x, y] = &mut *channel;
                load_input(x, inputs[c], start, len);
                let [xl, xr] = x;
                let (xl, xr) = (&mut xl[..len], &mut xr[..len]);
                let Some(d) = connected.next() else {
                    let strip = &mut self.strips[c];
                    strip.process_with_sends(xl, xr, &mut buses);
                    finish_channel(c, strip, xl, xr, meters.as_deref_mut(), sum);
                    break;
                };
                load_input(y, inputs[d], start, len);
                let [yl, yr] = y;
                let (yl, yr) = (&mut yl[..len], &mut yr[..len]);
                let (low, high) = self.strips.split_at_mut(d);
                let (a, b) = (&mut low[c], &mut high[0]);
                a.process_before_eq(xl, xr);
                b.process_before_eq(yl, yr);
                ChannelStrip::process_eq_pair(Paired::new(a, xl, xr), Paired::new(b, yl, yr));
                a.process_after_eq_with_sends(xl, xr, &mut buses);
                finish_channel(c, a, xl, xr, meters.as_deref_mut(), sum);
                b.process_after_eq_with_sends(yl, yr, &mut buses);
                finish_channel(d, b, yl, yr, meters.as_deref_mut(), sum);
            }
        }
        // Returns: the sends run through them in place, then join the sum.
        let [[al, ar], [bl, br]] = send;
        self.reverb.process(&mut al[..len], &mut ar[..len]);
        self.delay.process(&mut bl[..len], &mut br[..len]);
        if let Some(m) = meters {
            m.returns(0, &al[..len], &ar[..len]);
            m.returns(1, &bl[..len], &br[..len]);
        }
        for i in 0..len {
            sum[0][i] += al[i] + bl[i];
            sum[1][i] += ar[i] + br[i];
        }
        let [sl, sr] = sum;
        let (sl, sr) = (&mut sl[..len], &mut sr[..len]);
        if self.settings.master.glue_on {
            self.glue.process(sl, sr);
        } else {
            // Off: once its bypass glide has landed, only its (zero) delay runs.
            self.glue.process_dry(sl, sr);
        }
        if !(self.master.is_settled() && self.master.value() == 1.0) {
            for (l, r) in sl.iter_mut().zip(sr.iter_mut()) {
                let g = self.master.next();
                *l *= g;
                *r *= g;
            }
        }
        Self::run_limiter(&mut self.limiter, &mut self.limiter_mix, limited, sl, sr);
        self.mono_check.process(sl, sr);
        for i in 0..len {
            out_l[i] = flush_denormal(sl[i]);
            out_r[i] = flush_denormal(sr[i]);
        }
        self.meter.process(out_l, out_r);
        if let Some(m) = self.meters.as_mut().filter(|m| m.is_enabled()) {
            let limiter = if self.settings.master.limiter_on {
                self.limiter.gain_reduction_db()
            } else {
                [0.0; 2]
            };
            let glue = if self.settings.master.glue_on {
                self.glue.gain_reduction_db()
            } else {
                [0.0; 2]
            };
            m.master(glue, limiter);
            m.output(out_l, out_r);
        }
    }

    /// The limiter, crossfaded in or out while its switch glides; skipped while it is out.
    fn run_limiter(
        limiter: &mut Limiter,
        mix: &mut Smoother,
        limited: &mut Pair,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        if mix.is_settled() {
            if mix.value() == 1.0 {
                limiter.process(left, right);
            }
            return;
        }
        let len = left.len();
        limited[0][..len].copy_from_slice(left);
        limited[1][..len].copy_from_slice(right);
        let [ll, lr] = limited;
        limiter.process(&mut ll[..len], &mut lr[..len]);
        for i in 0..len {
            let t = mix.next();
            left[i] += (ll[i] - left[i]) * t;
            right[i] += (lr[i] - right[i]) * t;
        }
    }
}
