//! The echoes the delay makes of a single click, predicted from its settings: when each one
//! arrives and how loud it is on each side. This is what the editor draws as decaying bars;
//! it is not used for processing.
//!
//! The loop is linear below the saturation knee (0 dBFS in the loop, see [`feedback`]), so
//! the echoes of a click follow from the same pieces the processor uses: the times from
//! [`Settings::times_ms`], the routing matrices from [`Routing`], one pass through the loop
//! filters per trip ([`loop_filter_gain`] at a chosen frequency), and the wet gain and width.
//! A click that has made `a` trips through the left line and `b` through the right one
//! arrives at `a·t_L + b·t_R`; with
//!
//! ```text
//! L(a, b) = g·(in_L·[a = 1, b = 0] + direct·L(a−1, b) + cross·R(a−1, b))
//! R(a, b) = g·(in_R·[a = 0, b = 1] + direct·R(a, b−1) + cross·L(a, b−1))
//! ```
//!
//! for what leaves each line (g the filters' gain per trip, `in` the input routing of a
//! centred click), and the outputs are the width matrix applied to (L, R), times the wet
//! gain. Echoes that arrive at the same time (equal left and right times) add up. Ducking
//! and modulation depend on the programme and are left out; so is the saturation, which only
//! acts on loops that build up beyond full scale.
//!
//! [`feedback`]: super::feedback

use super::Settings;
use super::feedback::{MAX_FEEDBACK, Routing, loop_filter_gain};
use crate::gain::db_to_gain;

/// One echo of a click in both input channels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Repeat {
    /// Arrival after the click, ms.
    pub time_ms: f64,
    /// Amplitude on the left and right output (1.0 = the click's own level; negative values
    /// are echoes in opposite polarity, from widths above 100 %).
    pub gain: [f64; 2],
}

/// The echoes arriving within `max_ms` of a click, in time order, for the signal at `freq`
/// Hz (the loop filters shape each frequency differently), at most `max_trips` trips around
/// the loop, leaving out echoes below `floor` (linear) on both sides. Empty while frozen (the
/// loop takes no input).
pub fn repeats(
    settings: &Settings,
    bpm: f64,
    freq: f64,
    sample_rate: f64,
    max_ms: f64,
    max_trips: usize,
    floor: f64,
) -> Vec<Repeat> {
    let s = settings;
    let [t_left, t_right] = s.times_ms(bpm);
    let routing = Routing::new(
        s.feedback,
        s.cross_feedback,
        s.ping_pong.map(|side| (side, s.ping_pong_mono)),
        s.freeze,
    );
    let filtered = !s.freeze;
    let g = if filtered {
        loop_filter_gain(s.low_cut_hz, s.high_cut_hz, freq, sample_rate)
    } else {
        1.0
    };
    let (direct, cross) = (routing.direct as f64, routing.cross as f64);
    let input_left = (routing.input[0] + routing.input[1]) as f64;
    let input_right = (routing.input[2] + routing.input[3]) as f64;
    let wet = if s.wet_db.is_nan() {
        0.0
    } else {
        db_to_gain(s.wet_db.min(24.0)) as f64
    };
    let width = if s.width.is_finite() {
        s.width.clamp(0.0, 2.0) as f64
    } else {
        1.0
    };
    let (wet_a, wet_b) = (wet * (1.0 + width) * 0.5, wet * (1.0 - width) * 0.5);

    // Trips that fit in the window; a loop gain of at most 1.1 per trip bounds the rest.
    let trips = max_trips.min((max_ms / t_left.min(t_right)).floor().max(0.0) as usize);
    let size = trips + 1;
    let mut left = vec![0.0f64; size * size];
    let mut right = vec![0.0f64; size * size];
    let at = |a: usize, b: usize| a * size + b;
    let mut out: Vec<Repeat> = Vec::new();
    for total in 1..=trips {
        for a in 0..=total {
            let b = total - a;
            let l = if a == 0 {
                0.0
            } else {
                let fresh = if a == 1 && b == 0 { input_left } else { 0.0 };
                g * (fresh + direct * left[at(a - 1, b)] + cross * right[at(a - 1, b)])
            };
            let r = if b == 0 {
                0.0
            } else {
                let fresh = if a == 0 && b == 1 { input_right } else { 0.0 };
                g * (fresh + direct * right[at(a, b - 1)] + cross * left[at(a, b - 1)])
            };
            left[at(a, b)] = l;
            right[at(a, b)] = r;
            let time_ms = a as f64 * t_left + b as f64 * t_right;
            if time_ms > max_ms || (l == 0.0 && r == 0.0) {
                continue;
            }
            out.push(Repeat {
                time_ms,
                gain: [wet_a * l + wet_b * r, wet_b * l + wet_a * r],
            });
        }
    }
    out.sort_by(|x, y| x.time_ms.total_cmp(&y.time_ms));
    // Echoes at the same moment are one echo.
    let mut merged: Vec<Repeat> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if (last.time_ms - r.time_ms).abs() < 1e-6 => {
                last.gain[0] += r.gain[0];
                last.gain[1] += r.gain[1];
            }
            _ => merged.push(r),
        }
    }
    merged.retain(|r| r.gain[0].abs() >= floor || r.gain[1].abs() >= floor);
    merged
}

/// Whether the echoes never die away (freeze, or a loop gain of 100 % and more), so a
/// display can say so instead of drawing a finite decay.
pub fn sustains(settings: &Settings) -> bool {
    settings.freeze || (settings.feedback.is_finite() && settings.feedback.min(MAX_FEEDBACK) >= 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delay::{Delay, DelayTime, Side};

    const FS: f64 = 48_000.0;

    /// The delay's wet output for a click in both channels (dry off), `seconds` long.
    fn click_response(s: &Settings, seconds: f64) -> [Vec<f32>; 2] {
        let mut d = Delay::new(FS as f32, 512);
        d.update_immediately(s);
        crate::test_support::click_response(&mut d, (seconds * FS) as usize)
    }

    fn wet(s: Settings) -> Settings {
        Settings {
            dry_db: f32::NEG_INFINITY,
            wet_db: 0.0,
            ..s
        }
    }

    /// Times on whole samples at 48 kHz, so each echo of a click is one sample (the read
    /// interpolation is exact there): the prediction must hit every echo's sample and value,
    /// and nothing may sound anywhere else.
    #[test]
    fn predicted_echoes_are_the_delays_echoes() {
        let cases = [
            (
                "plain",
                wet(Settings {
                    time_left: DelayTime::Ms(250.0),
                    feedback: 0.6,
                    ..Settings::default()
                }),
            ),
            (
                "different times, cross feedback, wide",
                wet(Settings {
                    time_left: DelayTime::Ms(250.0),
                    time_right: DelayTime::Ms(375.0),
                    link: false,
                    feedback: 0.7,
                    cross_feedback: 0.3,
                    width: 1.6,
                    ..Settings::default()
                }),
            ),
            (
                "ping-pong from the right, linked with an offset",
                wet(Settings {
                    time_left: DelayTime::Ms(200.0),
                    offset_ms: 50.0,
                    ping_pong: Some(Side::Right),
                    feedback: 0.8,
                    width: 0.5,
                    wet_db: -6.0,
                    ..Settings::default()
                }),
            ),
            (
                "ping-pong, stereo input",
                wet(Settings {
                    time_left: DelayTime::Ms(125.0),
                    ping_pong: Some(Side::Left),
                    ping_pong_mono: false,
                    feedback: 0.5,
                    ..Settings::default()
                }),
            ),
        ];
        for (name, s) in cases {
            let seconds = 3.0;
            let y = click_response(&s, seconds);
            let predicted = repeats(&s, 120.0, 1_000.0, FS, seconds * 1e3 - 1.0, 64, 1e-6);
            assert!(predicted.len() >= 4, "{name}: {predicted:?}");
            let mut explained = [vec![false; y[0].len()], vec![false; y[0].len()]];
            for p in &predicted {
                for ch in 0..2 {
                    // The echo's sample (the delay may land it one sample either way of the
                    // nominal time, by how its read head counts): the largest nearby.
                    let centre = (p.time_ms * FS / 1e3).round() as usize;
                    let (i, v) = (centre - 1..=centre + 1)
                        .map(|i| (i, y[ch][i]))
                        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                        .unwrap();
                    explained[ch][i] = true;
                    assert!(
                        (v as f64 - p.gain[ch]).abs() < 1e-4 + 1e-4 * p.gain[ch].abs(),
                        "{name}: echo at {} ms, side {ch}: delay {v}, predicted {}",
                        p.time_ms,
                        p.gain[ch]
                    );
                }
            }
            // Nothing else: the output's energy away from the predicted echoes is nil.
            for ch in 0..2 {
                let stray = y[ch]
                    .iter()
                    .zip(&explained[ch])
                    .filter(|(_, e)| !**e)
                    .map(|(v, _)| v.abs())
                    .fold(0.0f32, f32::max);
                assert!(
                    stray < 1e-4,
                    "{name}: side {ch} has an unpredicted echo of {stray}"
                );
            }
            println!("{name}: {} echoes predicted and found", predicted.len());
        }
    }

    /// With loop filters every echo is darker than the last: a 1 kHz tone burst's echoes,
    /// measured in their steady middle, fall by the predicted gain at 1 kHz.
    #[test]
    fn filtered_echo_levels_follow_the_loop_filters() {
        let s = wet(Settings {
            time_left: DelayTime::Ms(250.0),
            feedback: 0.9,
            low_cut_hz: Some(600.0),
            high_cut_hz: Some(1_500.0),
            ..Settings::default()
        });
        let mut d = Delay::new(FS as f32, 512);
        d.update_immediately(&s);
        let n = (2.0 * FS) as usize;
        let burst = (0.15 * FS) as usize;
        let w = core::f64::consts::TAU * 1_000.0 / FS;
        let mut l: Vec<f32> = (0..n)
            .map(|i| {
                if i < burst {
                    (0.5 * (w * i as f64).sin()) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let mut r = l.clone();
        for (lc, rc) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
            d.process(lc, rc);
        }
        let predicted = repeats(&s, 120.0, 1_000.0, FS, 1_800.0, 64, 0.0);
        assert_eq!(predicted.len(), 7);
        for p in predicted {
            // The burst's middle 50 ms, shifted by the echo's time: RMS relative to 0.5/√2.
            let start = ((p.time_ms * 1e-3 + 0.05) * FS) as usize;
            let end = start + (0.05 * FS) as usize;
            let rms = (l[start..end]
                .iter()
                .map(|v| (*v as f64).powi(2))
                .sum::<f64>()
                / (end - start) as f64)
                .sqrt();
            let measured = rms / (0.5 / 2f64.sqrt());
            let err_db = 20.0 * (measured / p.gain[0]).log10();
            println!(
                "echo at {} ms: measured {:.2} dB, predicted {:.2} dB",
                p.time_ms,
                20.0 * measured.log10(),
                20.0 * p.gain[0].log10()
            );
            assert!(
                err_db.abs() < 0.1,
                "echo at {} ms: {err_db} dB off",
                p.time_ms
            );
        }
    }

    #[test]
    fn frozen_and_runaway_loops_are_flagged() {
        let s = Settings {
            freeze: true,
            ..Settings::default()
        };
        assert!(repeats(&s, 120.0, 1_000.0, FS, 5_000.0, 64, 0.0).is_empty());
        assert!(sustains(&s));
        assert!(sustains(&Settings {
            feedback: 1.05,
            ..Settings::default()
        }));
        assert!(!sustains(&Settings::default()));
    }
}
