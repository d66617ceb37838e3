//! The analog prototypes every EQ band is made of, and how a band's settings become a
//! cascade of them.
//!
//! A band is at most eight sections (a 96 dB/oct Butterworth cut is 16th order). Each
//! section is a first- or second-order analog transfer function normalised so that the
//! band's frequency sits at Ω = 1; both processing modes realise exactly these: the
//! zero-latency mode designs one matched digital section per prototype
//! ([`matched`](super::matched)), the linear-phase mode samples the product of their
//! magnitudes ([`fir`](super::fir)). Keeping the prototypes in one place is what makes the
//! two modes, the editor's curve and auto-gain agree.

use super::{BandSettings, BandType, Slope};
use crate::gain::db_to_gain_f64;

/// Most sections a band can need (16th-order Butterworth).
pub const MAX_SECTIONS: usize = 8;

/// Band limits (the ranges); values outside are clamped, NaN falls back safely.
pub const MIN_FREQ_HZ: f64 = 10.0;
pub const MAX_FREQ_HZ: f64 = 30_000.0;
/// Highest band frequency as a fraction of the sample rate: the matched designs stay well
/// conditioned there (the third matching point and the pole angle stay clear of Nyquist).
pub const MAX_FREQ_RATIO: f64 = 0.45;
pub const MIN_Q: f64 = 0.025;
pub const MAX_Q: f64 = 40.0;
pub const MAX_GAIN_DB: f64 = 30.0;

/// One analog section H(s), s normalised to the band frequency, times a constant `scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Proto {
    /// 1/(s² + s/Q + 1)
    LowPass2 { q: f64 },
    /// s²/(s² + s/Q + 1)
    HighPass2 { q: f64 },
    /// (s/Q)/(s² + s/Q + 1), 0 dB at the centre.
    BandPass2 { q: f64 },
    /// (s² + 1)/(s² + s/Q + 1)
    Notch2 { q: f64 },
    /// (s² + s·A/Q + 1)/(s² + s/(A·Q) + 1), A = 10^(dB/40) (RBJ's peaking EQ).
    Bell { q: f64, a: f64 },
    /// RBJ low shelf, A·(s² + (√A/Q)s + A)/(A·s² + (√A/Q)s + 1), times `scale`.
    LowShelf2 { q: f64, a: f64, scale: f64 },
    /// RBJ high shelf, A·(A·s² + (√A/Q)s + 1)/(s² + (√A/Q)s + A), times `scale`.
    HighShelf2 { q: f64, a: f64, scale: f64 },
    /// 1/(s + 1)
    LowPass1,
    /// s/(s + 1)
    HighPass1,
    /// (s + √G)/(s + 1/√G): G at DC, 1 far above, √G at the corner.
    LowShelf1 { g: f64, scale: f64 },
    /// (√G·s + 1)/(s/√G + 1): 1 at DC, G far above, √G at the corner.
    HighShelf1 { g: f64, scale: f64 },
}

/// Where a section's poles are, in units of the band frequency.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Poles {
    /// s² + 2ζ·ωp·s + ωp²
    Second { wp: f64, zeta: f64 },
    /// s + ωp
    First { wp: f64 },
}

impl Proto {
    /// |H(jΩ)|², from closed forms (no complex arithmetic: this runs in auto-gain and FIR
    /// design loops).
    #[inline]
    pub fn mag2(&self, w: f64) -> f64 {
        let w2 = w * w;
        let d2 = |q: f64| (1.0 - w2) * (1.0 - w2) + w2 / (q * q);
        match *self {
            Proto::LowPass2 { q } => 1.0 / d2(q),
            Proto::HighPass2 { q } => w2 * w2 / d2(q),
            Proto::BandPass2 { q } => w2 / (q * q) / d2(q),
            Proto::Notch2 { q } => (1.0 - w2) * (1.0 - w2) / d2(q),
            Proto::Bell { q, a } => {
                let n = (1.0 - w2) * (1.0 - w2) + w2 * (a / q) * (a / q);
                n / d2(a * q)
            }
            Proto::LowShelf2 { q, a, scale } => {
                let c = a / (q * q) * w2; // (√A·Ω/Q)²
                let n = (a - w2) * (a - w2) + c;
                let d = (1.0 - a * w2) * (1.0 - a * w2) + c;
                scale * scale * a * a * n / d
            }
            Proto::HighShelf2 { q, a, scale } => {
                let c = a / (q * q) * w2;
                let n = (1.0 - a * w2) * (1.0 - a * w2) + c;
                let d = (a - w2) * (a - w2) + c;
                scale * scale * a * a * n / d
            }
            Proto::LowPass1 => 1.0 / (1.0 + w2),
            Proto::HighPass1 => w2 / (1.0 + w2),
            Proto::LowShelf1 { g, scale } => scale * scale * (w2 + g) / (w2 + 1.0 / g),
            Proto::HighShelf1 { g, scale } => scale * scale * (g * w2 + 1.0) / (w2 / g + 1.0),
        }
    }

    /// The section's poles (normalised): what the matched design maps to z.
    pub fn poles(&self) -> Poles {
        let zeta = |q: f64| 0.5 / q;
        match *self {
            Proto::LowPass2 { q }
            | Proto::HighPass2 { q }
            | Proto::BandPass2 { q }
            | Proto::Notch2 { q } => Poles::Second {
                wp: 1.0,
                zeta: zeta(q),
            },
            Proto::Bell { q, a } => Poles::Second {
                wp: 1.0,
                zeta: zeta(a * q),
            },
            // A·s² + (√A/Q)s + 1 = A·(s² + s/(√A·Q) + 1/A): ωp = 1/√A, 2ζωp = 1/(√A·Q).
            Proto::LowShelf2 { q, a, .. } => Poles::Second {
                wp: 1.0 / a.sqrt(),
                zeta: zeta(q),
            },
            // s² + (√A/Q)s + A: ωp = √A, 2ζωp = √A/Q.
            Proto::HighShelf2 { q, a, .. } => Poles::Second {
                wp: a.sqrt(),
                zeta: zeta(q),
            },
            Proto::LowPass1 | Proto::HighPass1 => Poles::First { wp: 1.0 },
            Proto::LowShelf1 { g, .. } => Poles::First { wp: 1.0 / g.sqrt() },
            Proto::HighShelf1 { g, .. } => Poles::First { wp: g.sqrt() },
        }
    }

    /// Whether the section's numerator vanishes at Ω = 1 (a notch): the matched design then
    /// puts its zeros exactly on the unit circle instead of matching magnitudes there.
    pub fn is_notch(&self) -> bool {
        matches!(self, Proto::Notch2 { .. })
    }
}

/// A band's sections: `protos[..len]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cascade {
    pub protos: [Proto; MAX_SECTIONS],
    pub len: usize,
}

impl Cascade {
    pub fn sections(&self) -> &[Proto] {
        &self.protos[..self.len]
    }

    /// |H(jΩ)|² of the whole band.
    #[inline]
    pub fn mag2(&self, w: f64) -> f64 {
        self.sections().iter().map(|p| p.mag2(w)).product()
    }
}

/// Butterworth section Qs for order `n`: 1/(2·cos θk) with the pole angles θk measured from
/// the negative real axis; odd orders add one first-order section (returned as `true`).
fn butterworth(n: usize, mut push: impl FnMut(f64)) -> bool {
    let nf = n as f64;
    for k in 0..n / 2 {
        let theta = if n.is_multiple_of(2) {
            (2 * k + 1) as f64 * core::f64::consts::PI / (2.0 * nf)
        } else {
            (k + 1) as f64 * core::f64::consts::PI / nf
        };
        push(0.5 / theta.cos());
    }
    n % 2 == 1
}

/// The sections of `band` (with its gain and Q as given; frequency does not enter, the
/// prototypes are normalised). Parameters are assumed sane (see [`sane_band`]).
pub fn cascade(band: &BandSettings) -> Cascade {
    let mut c = Cascade {
        protos: [Proto::LowPass1; MAX_SECTIONS],
        len: 0,
    };
    let mut push = |p: Proto| {
        if c.len < MAX_SECTIONS {
            c.protos[c.len] = p;
            c.len += 1;
        }
    };
    let q = band.q;
    let a = 10f64.powf(band.gain_db / 40.0);
    let g = db_to_gain_f64(band.gain_db);
    let first_order = band.slope == Slope::Db6;
    match band.kind {
        BandType::Bell => push(Proto::Bell { q, a }),
        BandType::Notch => push(Proto::Notch2 { q }),
        BandType::BandPass => push(Proto::BandPass2 { q }),
        BandType::LowShelf if first_order => push(Proto::LowShelf1 { g, scale: 1.0 }),
        BandType::LowShelf => push(Proto::LowShelf2 { q, a, scale: 1.0 }),
        BandType::HighShelf if first_order => push(Proto::HighShelf1 { g, scale: 1.0 }),
        BandType::HighShelf => push(Proto::HighShelf2 { q, a, scale: 1.0 }),
        // A high shelf by the full gain, pulled down by half of it: −gain/2 below, +gain/2
        // above, 0 dB at the corner.
        BandType::TiltShelf if first_order => push(Proto::HighShelf1 {
            g,
            scale: 1.0 / g.sqrt(),
        }),
        BandType::TiltShelf => push(Proto::HighShelf2 {
            q,
            a,
            scale: 1.0 / a,
        }),
        BandType::LowCut | BandType::HighCut => {
            let low_cut = band.kind == BandType::LowCut;
            let order = band.slope.order();
            let second = |q: f64| {
                if low_cut {
                    Proto::HighPass2 { q }
                } else {
                    Proto::LowPass2 { q }
                }
            };
            if order == 2 {
                // The resonant cut: the band's Q sets the corner's peak.
                push(second(q));
            } else {
                let odd = butterworth(order, |qk| push(second(qk)));
                if odd {
                    push(if low_cut {
                        Proto::HighPass1
                    } else {
                        Proto::LowPass1
                    });
                }
            }
        }
    }
    c
}

/// `band` with frequency, gain and Q forced into range (NaN → a safe value), the frequency
/// also below [`MAX_FREQ_RATIO`]·fs.
#[allow(
    clippy::manual_clamp,
    reason = "max/min map NaN to a bound; clamp would keep NaN"
)]
pub fn sane_band(band: &BandSettings, sample_rate: f64) -> BandSettings {
    let top = MAX_FREQ_HZ.min(MAX_FREQ_RATIO * sample_rate);
    let mut b = *band;
    b.freq = band.freq.max(MIN_FREQ_HZ).min(top);
    b.q = band.q.max(MIN_Q).min(MAX_Q);
    b.gain_db = if band.gain_db.is_nan() {
        0.0
    } else {
        band.gain_db.max(-MAX_GAIN_DB).min(MAX_GAIN_DB)
    };
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn butterworth_cascades_are_maximally_flat() {
        // |H|² of an order-n Butterworth low pass is 1/(1 + Ω^2n) (closed form).
        for slope in Slope::ALL {
            let band = BandSettings {
                kind: BandType::HighCut,
                slope,
                q: 0.707,
                ..BandSettings::default()
            };
            let c = cascade(&band);
            let n = slope.order() as i32;
            assert_eq!(c.len, slope.order().div_ceil(2), "{slope:?}");
            if n == 2 {
                continue; // the resonant cut takes the band's Q instead
            }
            for &w in &[0.1, 0.5, 1.0, 1.7, 4.0] {
                let want = 1.0 / (1.0 + f64::powi(w, 2 * n));
                let got = c.mag2(w);
                assert!(
                    (got / want - 1.0).abs() < 1e-9,
                    "{slope:?} at {w}: {got} vs {want}"
                );
            }
        }
    }
}
