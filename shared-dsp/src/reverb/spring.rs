//! A spring reverb tank's impulse response, synthesised from how waves travel on a spring (the
//! built-in "Spring", see [`builtin`](super::builtin)).
//!
//! **Why not the FDN.** A spring is dispersive: its low frequencies outrun its high ones, so a
//! click arrives as a chirp rising in pitch, and every echo (the wave reflected from the ends
//! and back) is smeared further; that "boing" is the sound of a spring (Parker & Bilbao,
//! "Spring reverberation: a physical perspective", DAFx 2009). A feedback delay network's
//! echoes arrive at all frequencies at once.
//!
//! **Model.** Below its transition frequency (some 4–5 kHz, where the tank's band ends) a
//! spring's group delay rises steadily with frequency (Parker & Bilbao; Välimäki, Parker &
//! Abel, "Parametric spring reverberation effect", JAES 2010, build it from chains of
//! all-passes for that reason). Here it rises linearly: one pass along a spring delays
//! frequency f by
//!
//! ```text
//! τ(f) = T0 + S·f,   so its phase lag is   φ(f) = 2π (T0·f + S·f²/2)      (φ' = 2π τ)
//! ```
//!
//! (a constant chirp rate S; the same rate from the lowest notes up, so the rise is there to
//! hear, and measure, across the whole band).
//!
//! The transducer drives one end, the pickup listens at the other: the wave arrives after one
//! pass, again after three, five…, losing `g(f)` per round trip, set so that the energy falls
//! 60 dB in the wanted RT60 (a little faster above [`DAMPING_HZ`], as a real spring does). The
//! whole echo train is a geometric series, so the response is, in closed form,
//!
//! ```text
//! H(f) = B(f) · e^(−jφ) / (1 − g(f) · e^(−j2φ)),   g(f) = 10^(−3 · 2τ(f) / T60(f))
//! ```
//!
//! with B(f) the tank's band: a 2nd-order Butterworth high pass at [`LOW_CUT_HZ`] and a
//! 4th-order low pass at [`HIGH_CUT_HZ`] (analog responses). It is evaluated on an FFT grid
//! long enough that what wraps around is below −120 dB, and transformed back once. Defined in
//! continuous frequency, the result is the same spring at every sample rate. A tank has two
//! springs of different lengths: one is the left channel, the other the right, which makes a
//! wide stereo image of a mono device (as stereo spring units do).

use realfft::RealFftPlanner;
use realfft::num_complex::Complex64;

/// One spring of the tank (see the module docs for the symbols).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spring {
    /// T0: the delay of one pass at 0 Hz, seconds.
    pub delay_s: f64,
    /// S: how much longer one pass takes per hertz, seconds per hertz.
    pub chirp_s_per_hz: f64,
}

/// The tank: the left spring, then the right (a longer one).
pub const TANK: [Spring; 2] = [
    Spring {
        delay_s: 0.022,
        chirp_s_per_hz: 6.0e-6,
    },
    Spring {
        delay_s: 0.027,
        chirp_s_per_hz: 7.0e-6,
    },
];

/// The tank's band: the transducers pass little below this (Hz)…
pub const LOW_CUT_HZ: f64 = 100.0;
/// …or above this (Hz).
pub const HIGH_CUT_HZ: f64 = 4_500.0;
/// Above this the decay shortens (losses in the wire grow with frequency), Hz.
pub const DAMPING_HZ: f64 = 3_000.0;

impl Spring {
    /// τ(f): the group delay of one pass at `f` Hz, seconds.
    pub fn group_delay_s(&self, f: f64) -> f64 {
        self.delay_s + self.chirp_s_per_hz * f
    }

    /// φ(f): the phase lag of one pass, radians.
    fn phase(&self, f: f64) -> f64 {
        core::f64::consts::TAU * (self.delay_s * f + 0.5 * self.chirp_s_per_hz * f * f)
    }

    /// H(f) of the tank's pickup for this spring (see the module docs), `rt60_s` being the
    /// decay below [`DAMPING_HZ`].
    fn response(&self, f: f64, rt60_s: f64) -> Complex64 {
        let t60 = rt60_s / (1.0 + (f / DAMPING_HZ).powi(4)).sqrt();
        let g = 10f64.powf(-3.0 * 2.0 * self.group_delay_s(f) / t60);
        let pass = Complex64::from_polar(1.0, -self.phase(f));
        band(f) * pass / (1.0 - g * pass * pass)
    }
}

/// B(f): the analog Butterworth high pass (2nd order) and low pass (4th order) of the tank.
fn band(f: f64) -> Complex64 {
    let j = Complex64::new(0.0, 1.0);
    let s = j * (f / LOW_CUT_HZ);
    let high_pass = s * s / (s * s + core::f64::consts::SQRT_2 * s + 1.0);
    let s = j * (f / HIGH_CUT_HZ);
    // The 4th-order Butterworth's two pole pairs: 2·cos(π/8) and 2·cos(3π/8).
    let low_pass = 1.0
        / ((s * s + 1.847_759_065_022_573_5 * s + 1.0)
            * (s * s + 0.765_366_864_730_179_8 * s + 1.0));
    high_pass * low_pass
}

/// The tank's stereo impulse response at `fs`, until it has fallen 90 dB (1.5 × `rt60_s`,
/// after the first arrival at the top of the band), the last 20 ms faded out. Not normalised.
/// Allocates (two inverse FFTs of up to 2²¹ points at 192 kHz): loader thread only.
pub fn render(rt60_s: f64, fs: f64) -> Vec<Vec<f32>> {
    let first = TANK
        .iter()
        .map(|s| s.group_delay_s(HIGH_CUT_HZ))
        .fold(0.0, f64::max);
    let len = ((1.5 * rt60_s + first) * fs).ceil().max(1.0) as usize;
    // Twice the kept length: what the finite grid wraps around has decayed another 90 dB.
    let n = (2 * len).next_power_of_two();
    let inverse = RealFftPlanner::<f64>::new().plan_fft_inverse(n);
    let fade = ((0.02 * fs) as usize).clamp(1, len);
    TANK.iter()
        .map(|spring| {
            let mut spectrum = inverse.make_input_vec();
            for (k, c) in spectrum.iter_mut().enumerate() {
                *c = spring.response(k as f64 * fs / n as f64, rt60_s);
            }
            // A real signal's spectrum is real at 0 Hz and at Nyquist (where the band leaves
            // nothing anyway).
            let last = spectrum.len() - 1;
            spectrum[0].im = 0.0;
            spectrum[last].im = 0.0;
            let mut h = inverse.make_output_vec();
            // Cannot fail: the buffers come from the plan and both end bins are real.
            let done = inverse.process(&mut spectrum, &mut h).is_ok();
            debug_assert!(done);
            h.truncate(len);
            let mut h: Vec<f32> = h.iter().map(|&v| (v / n as f64) as f32).collect();
            for (k, v) in h[len - fade..].iter_mut().enumerate() {
                let x = (k as f32 + 0.5) / fade as f32;
                *v *= 0.5 + 0.5 * (core::f32::consts::PI * x).cos();
            }
            h
        })
        .collect()
}
