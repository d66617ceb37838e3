//! What the console's editor shows, handed over lock-free: per channel the level after the
//! fader (peak and RMS) and the gate's and compressor's gain reduction; the level of each
//! effect return; the glue compressor's and the limiter's gain reduction; and the output's
//! level and correlation; and each channel's signal after its fader, for the masking view.
//!
//! [`ConsoleMeters`] is shared in an `Arc` between the editor and the console's
//! [`MeterWriter`]; the writer only stores into atomics (never waits, never allocates), and
//! only while [`MeterWriter::set_enabled`] says someone is looking, so a console whose editor
//! is closed spends nothing on meters. Peaks and gain reductions are [`SharedMax`]es: the
//! largest value since the editor last looked, measured every console chunk (64 samples), so
//! no peak between two frames is lost.

use std::sync::Arc;

use crate::analysis::spectrum::SampleRing;
use crate::analysis::{CorrelationMeter, LevelMeter, Levels, SharedF32, SharedMax};

use super::{CHANNELS, SENDS};

/// Time constant of the RMS bars (the usual RMS/VU ballistics), ms.
pub const RMS_TIME_MS: f32 = 300.0;

/// The figures an editor reads (see the [module docs](self)). Gain reductions in dB (≥ 0).
#[derive(Debug, Default)]
pub struct ConsoleMeters {
    /// Each channel after mute and fader (what it adds to the mix).
    pub channels: [Arc<Levels>; CHANNELS],
    /// Each channel's figures are `Arc`s so that a plugin can publish them elsewhere too (the
    /// Channel Strip's channels in the link of linked strips, `plugin_kit::link`).
    pub gate: [Arc<SharedMax>; CHANNELS],
    /// The larger of the compressor's two channels.
    pub compressor: [Arc<SharedMax>; CHANNELS],
    /// Return A (reverb) and B (delay), after their return levels.
    pub returns: [Arc<Levels>; SENDS],
    pub glue: SharedMax,
    /// Zero while the limiter is switched out.
    pub limiter: SharedMax,
    /// The console's output (after the limiter and the mono check).
    pub output: Arc<Levels>,
    /// The output's correlation, +1 … −1 (what a mono sum keeps or loses).
    pub correlation: Arc<SharedF32>,
    /// Each channel's signal after its fader (the mid of the pair), for the editor's
    /// masking view (`crate::analysis::masking`).
    pub signals: ChannelSignals,
}

/// One sample ring per channel, long enough for the analyser's FFT at 192 kHz.
pub struct ChannelSignals(pub [Arc<SampleRing>; CHANNELS]);

/// Samples each channel's ring keeps: the largest analyser FFT (32768 at 192 kHz).
pub const SIGNAL_SAMPLES: usize = 32_768;

impl Default for ChannelSignals {
    fn default() -> Self {
        Self(core::array::from_fn(|_| {
            Arc::new(SampleRing::new(SIGNAL_SAMPLES))
        }))
    }
}

impl core::fmt::Debug for ChannelSignals {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ChannelSignals")
    }
}

impl ConsoleMeters {
    pub fn new() -> Self {
        Self::default()
    }
}

/// The console's side of [`ConsoleMeters`] (the RMS state of every level meter).
pub struct MeterWriter {
    meters: Arc<ConsoleMeters>,
    channels: [LevelMeter; CHANNELS],
    returns: [LevelMeter; SENDS],
    output: LevelMeter,
    correlation: CorrelationMeter,
    enabled: bool,
}

impl MeterWriter {
    /// Meters at `sample_rate` publishing into `meters` (kept by the editor across
    /// activations). Starts disabled.
    pub fn new(sample_rate: f32, meters: Arc<ConsoleMeters>) -> Self {
        let meter =
            |levels: &Arc<Levels>| LevelMeter::new(sample_rate, RMS_TIME_MS, levels.clone());
        Self {
            channels: core::array::from_fn(|c| meter(&meters.channels[c])),
            returns: core::array::from_fn(|k| meter(&meters.returns[k])),
            output: meter(&meters.output),
            correlation: CorrelationMeter::new(
                sample_rate,
                RMS_TIME_MS,
                meters.correlation.clone(),
            ),
            meters,
            enabled: false,
        }
    }

    /// Meters only while `enabled` (the editor is open). Switching on starts the RMS averages
    /// afresh, so the meters never show a level from the last time the editor was open.
    pub fn set_enabled(&mut self, enabled: bool) {
        if enabled && !self.enabled {
            self.reset();
        }
        self.enabled = enabled;
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    pub fn meters(&self) -> &Arc<ConsoleMeters> {
        &self.meters
    }

    pub fn reset(&mut self) {
        for m in self.channels.iter_mut().chain(self.returns.iter_mut()) {
            m.reset();
        }
        self.output.reset();
        self.correlation.reset();
    }

    pub(crate) fn channel(
        &mut self,
        channel: usize,
        left: &[f32],
        right: &[f32],
        gate_db: f32,
        compressor_db: [f32; 2],
    ) {
        self.channels[channel].process(left, right);
        self.meters.signals.0[channel].push_mid(left, right);
        self.meters.gate[channel].record(gate_db);
        self.meters.compressor[channel].record(compressor_db[0].max(compressor_db[1]));
    }

    pub(crate) fn returns(&mut self, send: usize, left: &[f32], right: &[f32]) {
        self.returns[send].process(left, right);
    }

    pub(crate) fn master(&mut self, glue_db: [f32; 2], limiter_db: [f32; 2]) {
        self.meters.glue.record(glue_db[0].max(glue_db[1]));
        self.meters.limiter.record(limiter_db[0].max(limiter_db[1]));
    }

    pub(crate) fn output(&mut self, left: &[f32], right: &[f32]) {
        self.output.process(left, right);
        self.correlation.process(left, right);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strip::console::Input;
    use crate::strip::{Console, ConsoleSettings};

    const FS: f32 = 48_000.0;

    fn db(x: f32) -> f32 {
        20.0 * x.log10()
    }

    /// `seconds` of a 1 kHz sine of amplitude 0.5 (−6.02 dBFS) on channels 1–3.
    fn run(console: &mut Console, seconds: f32) -> [Vec<f32>; 2] {
        let n = (FS * seconds) as usize;
        let x: Vec<f32> = (0..n)
            .map(|i| 0.5 * (core::f32::consts::TAU * 1_000.0 * i as f32 / FS).sin())
            .collect();
        let mut out = [vec![0.0; n], vec![0.0; n]];
        for start in (0..n).step_by(512) {
            let end = (start + 512).min(n);
            let input = Some((&x[start..end], &x[start..end]));
            let mut inputs: [Input<'_>; CHANNELS] = [None; CHANNELS];
            inputs[..3].fill(input);
            let [l, r] = &mut out;
            console.process(&inputs, &mut l[start..end], &mut r[start..end]);
        }
        out
    }

    #[test]
    fn meters_read_each_channel_after_its_fader_and_only_while_enabled() {
        let mut s = ConsoleSettings::default();
        s.channels[0].fader_db = -6.0;
        s.channels[1].compressor_on = true; // threshold −18 dB, 4:1, 6 dB knee
        s.channels[2].mute = true;
        let meters = Arc::new(ConsoleMeters::new());
        let mut console = Console::new(FS, 512);
        console.update_immediately(&s);
        console.attach_meters(MeterWriter::new(FS, meters.clone()));

        // Closed editor: nothing is measured.
        run(&mut console, 0.5);
        assert_eq!(meters.channels[0].take_peaks(), [0.0; 2]);
        assert_eq!(meters.compressor[1].take(), 0.0);
        assert_eq!(meters.output.rms(), [0.0; 2]);

        console.set_metering(true);
        let [out_l, out_r] = run(&mut console, 2.0);
        // Channel 1: the sine times the fader (centre pan is unity with the default law).
        let want = 0.5 * db_gain(-6.0);
        for (peak, rms) in meters.channels[0]
            .take_peaks()
            .into_iter()
            .zip(meters.channels[0].rms())
        {
            assert!(
                (db(peak) - db(want)).abs() < 0.01,
                "peak {} dB, want {} dB",
                db(peak),
                db(want)
            );
            // A sine's RMS is its peak over √2 (the 300 ms average has settled after 2 s).
            assert!(
                (db(rms) - db(want / 2f32.sqrt())).abs() < 0.05,
                "rms {} dB",
                db(rms)
            );
        }
        // Channel 3 is muted: it adds nothing, and its meter shows nothing.
        assert!(meters.channels[2].take_peaks().iter().all(|&p| p < 1e-6));
        // Channel 2's compressor: the largest reduction the module reports when it runs alone
        // over the same 2.5 s in the console's 64-sample chunks, during the metered 2 s.
        let gr = meters.compressor[1].take();
        let mut alone = crate::dynamics::Compressor::new(FS, 512);
        alone.update_immediately(&s.channels[1].compressor);
        let n = (FS * 2.5) as usize;
        let mut x: Vec<f32> = (0..n)
            .map(|i| 0.5 * (core::f32::consts::TAU * 1_000.0 * i as f32 / FS).sin())
            .collect();
        let mut y = x.clone();
        let mut want_gr = 0.0f32;
        for (k, (l, r)) in x.chunks_mut(64).zip(y.chunks_mut(64)).enumerate() {
            alone.process(l, r);
            if k * 64 >= (FS * 0.5) as usize {
                want_gr = want_gr.max(alone.gain_reduction_db()[0]);
            }
        }
        assert!(want_gr > 6.0, "the sine is well over the threshold");
        assert_eq!(gr, want_gr, "compressor GR");
        assert_eq!(meters.gate[1].take(), 0.0, "gate off");
        assert_eq!(meters.compressor[0].take(), 0.0, "compressor off");
        // Nothing is sent, so the returns are silent; glue and limiter are off.
        assert_eq!(meters.returns[0].take_peaks(), [0.0; 2]);
        assert_eq!((meters.glue.take(), meters.limiter.take()), (0.0, 0.0));
        // The output meter's peak is the output's (of the metered second).
        let peak = out_l
            .iter()
            .chain(&out_r)
            .fold(0.0f32, |m, x| m.max(x.abs()));
        let shown = meters.output.take_peaks();
        assert!(shown.iter().all(|&p| p == peak), "{shown:?} vs {peak}");

        // Closed again: no new peaks arrive.
        console.set_metering(false);
        run(&mut console, 0.2);
        assert_eq!(meters.channels[0].take_peaks(), [0.0; 2]);
    }

    #[test]
    fn the_limiter_meter_reads_what_a_sine_over_the_ceiling_needs() {
        // Three channels of a 0.5 sine sum to 1.5 (+3.5 dBFS); the limiter holds the true peak
        // at −1 dBTP, so it takes 20·log10(1.5) + 1 dB off a steady sine.
        let mut s = ConsoleSettings::default();
        s.master.limiter_on = true;
        s.master.limiter.ceiling_db = -1.0;
        let meters = Arc::new(ConsoleMeters::new());
        let mut console = Console::new(FS, 512);
        console.update_immediately(&s);
        console.attach_meters(MeterWriter::new(FS, meters.clone()));
        console.set_metering(true);
        run(&mut console, 0.5);
        meters.limiter.take();
        run(&mut console, 0.5);
        let want = db(1.5) + 1.0;
        let gr = meters.limiter.take();
        assert!(
            (gr - want).abs() < 0.05,
            "limiter GR {gr} dB, want {want} dB"
        );
        assert_eq!(meters.glue.take(), 0.0, "glue off");
        // The output meter sees the ceiling (samples are at most the true peak).
        let peak = meters.output.take_peaks()[0];
        assert!(
            db(peak) <= -1.0 + 1e-3 && db(peak) > -1.1,
            "output peak {} dB",
            db(peak)
        );
    }

    fn db_gain(db: f32) -> f32 {
        10f32.powf(db / 20.0)
    }
}
