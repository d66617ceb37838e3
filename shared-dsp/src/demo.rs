//! A deterministic stereo test signal for the standalone builds' screenshots and for trying a
//! plugin without a host: a chord of sines drifting across the stereo field over pink-ish
//! noise with a slow beat, so level, width and dynamics displays all have something to show.

/// Generates the demo signal block by block; allocation-free.
#[derive(Debug, Clone)]
pub struct DemoSignal {
    sample_rate: f32,
    t: u64,
    noise: u32,
    pink: [f32; 3],
    /// Chord transposition, beat period (s) and level of this voice.
    pitch: f32,
    beat_s: f32,
    gain: f32,
    /// The noise's band (Hz, low and high edge: two one-pole high passes and two low
    /// passes), so the console's voices sit in different parts of the spectrum as real
    /// tracks do (its masking map then has something to find); and the filters' states.
    /// One-pole coefficients of the band's edges (0: no edge there).
    band: (f32, f32),
    shaping: [f32; 4],
}

/// Per voice of [`DemoSignal::voice`]: transposition, beat period (s), level. Voice 0 is the
/// plain demo signal.
/// The noise band of each voice (Hz; voice 0 is the full band).
const BANDS: [(f32, f32); 8] = [
    (0.0, f32::INFINITY),
    (30.0, 300.0),
    (300.0, 3_000.0),
    (20.0, 120.0),
    (6_000.0, f32::INFINITY),
    (200.0, 4_000.0),
    (150.0, 2_000.0),
    (300.0, 5_000.0),
];

const VOICES: [(f32, f32, f32); 8] = [
    (1.0, 0.5, 1.0),
    (0.5, 0.25, 0.9),
    (1.5, 1.0, 0.5),
    (0.25, 0.5, 0.8),
    (2.0, 0.125, 0.35),
    (0.75, 0.75, 0.6),
    (1.25, 2.0, 0.45),
    (3.0, 0.375, 0.25),
];

impl DemoSignal {
    pub fn new(sample_rate: f32) -> Self {
        Self::voice(sample_rate, 0)
    }

    /// One of eight different voices (another chord, beat and level, another noise): a console
    /// fed the eight shows eight different meters. Voice 0 is [`new`](Self::new)'s signal.
    pub fn voice(sample_rate: f32, index: usize) -> Self {
        let (pitch, beat_s, gain) = VOICES[index % VOICES.len()];
        let noise = 0x1234_5678 ^ (index as u32).wrapping_mul(0x9E37_79B9);
        Self {
            sample_rate,
            t: 0,
            noise: noise.max(1),
            pink: [0.0; 3],
            pitch,
            beat_s,
            gain,
            band: {
                let (low, high) = BANDS[index % BANDS.len()];
                let c = |hz: f32| {
                    if hz > 0.0 && hz < 0.45 * sample_rate {
                        1.0 - (-std::f32::consts::TAU * hz / sample_rate).exp()
                    } else {
                        0.0
                    }
                };
                (c(low), c(high))
            },
            shaping: [0.0; 4],
        }
    }

    /// Overwrites both channels with the next stretch of the signal (peaks around −6 dBFS).
    pub fn fill(&mut self, left: &mut [f32], right: &mut [f32]) {
        use std::f32::consts::TAU;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let t = self.t as f32 / self.sample_rate;
            self.t += 1;
            self.noise ^= self.noise << 13;
            self.noise ^= self.noise >> 17;
            self.noise ^= self.noise << 5;
            let white = self.noise as f32 / u32::MAX as f32 * 2.0 - 1.0;
            self.pink[0] = 0.997 * self.pink[0] + 0.03 * white;
            self.pink[1] = 0.96 * self.pink[1] + 0.1 * white;
            self.pink[2] = 0.6 * self.pink[2] + 0.2 * white;
            let mut pink = self.pink.iter().sum::<f32>() * 0.5;
            let (cl, ch) = self.band;
            if cl > 0.0 || ch > 0.0 {
                if cl > 0.0 {
                    for k in 0..2 {
                        // High pass: the input minus its low-passed self.
                        self.shaping[k] += cl * (pink - self.shaping[k]);
                        pink -= self.shaping[k];
                    }
                }
                if ch > 0.0 {
                    for k in 2..4 {
                        self.shaping[k] += ch * (pink - self.shaping[k]);
                        pink = self.shaping[k];
                    }
                }
                // Keep the level about where the full band's was.
                pink *= 2.0;
            }
            // A beat every half second, decaying, so dynamics displays move.
            let beat = (-((t % self.beat_s) * 12.0)).exp();
            let drift = (TAU * 0.13 * t).sin();
            let mut sl = 0.0;
            let mut sr = 0.0;
            for (k, f) in [220.0f32, 277.2, 329.6, 440.0].iter().enumerate() {
                let s = (TAU * f * self.pitch * t).sin() * 0.08;
                let pos = (drift + k as f32 * 0.5).sin() * 0.5 + 0.5;
                sl += s * (1.0 - pos);
                sr += s * pos;
            }
            *l = (sl + pink * (0.2 + 0.3 * beat)) * self.gain;
            *r = (sr + pink * (0.15 + 0.3 * beat) * 0.9) * self.gain;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_stereo_and_deterministic() {
        let (mut a, mut b) = (DemoSignal::new(48_000.0), DemoSignal::new(48_000.0));
        let (mut l, mut r) = (vec![0.0; 48_000], vec![0.0; 48_000]);
        let (mut l2, mut r2) = (vec![0.0; 48_000], vec![0.0; 48_000]);
        a.fill(&mut l, &mut r);
        b.fill(&mut l2, &mut r2);
        assert_eq!(l, l2);
        let peak = l.iter().chain(&r).fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(peak > 0.1 && peak < 1.0, "peak {peak}");
        // Genuinely stereo: the channels differ.
        assert!(l.iter().zip(&r).any(|(a, b)| (a - b).abs() > 0.05));
    }

    #[test]
    fn voices_differ_and_stay_bounded() {
        let n = 48_000;
        let render = |k: usize| {
            let mut d = DemoSignal::voice(48_000.0, k);
            let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
            d.fill(&mut l, &mut r);
            l
        };
        let mut plain = (vec![0.0; n], vec![0.0; n]);
        DemoSignal::new(48_000.0).fill(&mut plain.0, &mut plain.1);
        assert_eq!(render(0), plain.0, "voice 0 is the plain demo signal");
        let voices: Vec<Vec<f32>> = (0..8).map(render).collect();
        for (k, v) in voices.iter().enumerate() {
            let peak = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak > 0.02 && peak < 1.0, "voice {k}: peak {peak}");
            for w in &voices[..k] {
                assert!(
                    v.iter().zip(w).any(|(a, b)| (a - b).abs() > 0.01),
                    "voice {k} repeats another"
                );
            }
        }
    }
}
