//! The console measured against references built independently of it: plain sums of the
//! inputs, delayed copies, the mute/solo rule written out, and the crate's modules run alone.

use super::console::Input;
use super::*;
use crate::delay::DelayTime;
use crate::dynamics::{Compressor, Gate};
use crate::eq::Eq;
use crate::gain::db_to_gain;
use crate::pan::{Input as PanInput, Panner};
use crate::test_support::{XorShift, largest_step};

const FS: f32 = 48_000.0;

fn noise(seed: u64, n: usize, amp: f32) -> Vec<f32> {
    let mut rng = XorShift::new(seed);
    (0..n).map(|_| rng.uniform() * amp).collect()
}

/// Runs the console over whole signals (`None` = unconnected channel) in blocks of `block`.
fn render(
    console: &mut Console,
    inputs: &[Option<[Vec<f32>; 2]>],
    n: usize,
    block: usize,
) -> [Vec<f32>; 2] {
    let mut out = [vec![0.0; n], vec![0.0; n]];
    let mut start = 0;
    while start < n {
        let len = block.min(n - start);
        let ins: [Input<'_>; CHANNELS] = core::array::from_fn(|c| {
            inputs
                .get(c)
                .and_then(|i| i.as_ref())
                .map(|[l, r]| (&l[start..start + len], &r[start..start + len]))
        });
        let [ol, or] = &mut out;
        console.process(
            &ins,
            &mut ol[start..start + len],
            &mut or[start..start + len],
        );
        start += len;
    }
    out
}

fn console_with(settings: &ConsoleSettings) -> Console {
    let mut c = Console::new(FS, 512);
    c.update_immediately(settings);
    c
}

/// Largest |out[n] − want[n − latency]| (want is zero before it starts).
fn max_error(out: &[f32], want: &[f32], latency: usize) -> f64 {
    out.iter()
        .enumerate()
        .map(|(i, &y)| {
            let w = if i >= latency { want[i - latency] } else { 0.0 };
            (y as f64 - w as f64).abs()
        })
        .fold(0.0, f64::max)
}

#[test]
fn default_strips_sum_the_inputs_within_1e6() {
    let n = 48_000;
    let inputs: Vec<Option<[Vec<f32>; 2]>> = (0..CHANNELS as u64)
        .map(|c| Some([noise(2 * c + 1, n, 0.2), noise(2 * c + 2, n, 0.2)]))
        .collect();
    let want: Vec<[f32; 2]> = (0..n)
        .map(|i| {
            let mut s = [0.0f64; 2];
            for [l, r] in inputs.iter().flatten() {
                s[0] += l[i] as f64;
                s[1] += r[i] as f64;
            }
            [s[0] as f32, s[1] as f32]
        })
        .collect();
    let (want_l, want_r): (Vec<f32>, Vec<f32>) = want.iter().map(|s| (s[0], s[1])).unzip();
    let mut worst = 0.0f64;
    for &block in &[1usize, 64, 333, 512, 8192] {
        let mut console = console_with(&ConsoleSettings::default());
        let latency = console.latency_samples() as usize;
        assert_eq!(latency, 0, "nothing on, nothing delayed");
        let [l, r] = render(&mut console, &inputs, n, block);
        worst = worst
            .max(max_error(&l, &want_l, latency))
            .max(max_error(&r, &want_r, latency));
    }
    println!("summing error with default strips: {worst:.3e} (eight channels of noise at ±0.2)");
    assert!(worst <= 1e-6, "{worst}");
}

#[test]
fn one_channel_with_lookahead_still_sums_to_exactly_twice_the_signal() {
    let n = 24_000;
    let x = noise(5, n, 0.05);
    let mut s = ConsoleSettings::default();
    s.channels[2].compressor_on = true;
    s.channels[2].compressor = compressor::Settings {
        lookahead_ms: 5.0,
        threshold_db: -6.0,
        ..compressor::Settings::default()
    };
    let mut console = console_with(&s);
    let latency = console.latency_samples() as usize;
    assert_eq!(latency, 240, "5 ms lookahead at 48 kHz");
    let inputs = vec![
        None,
        Some([x.clone(), x.clone()]),
        Some([x.clone(), x.clone()]),
    ];
    let [l, r] = render(&mut console, &inputs, n, 512);
    let twice: Vec<f32> = x.iter().map(|v| 2.0 * v).collect();
    let err = max_error(&l, &twice, latency).max(max_error(&r, &twice, latency));
    println!("alignment with one 5 ms lookahead: max |out − 2x| = {err:.3e}");
    assert!(err <= 1e-7, "{err}");

    // Moving the lookahead while playing crossfades the alignment: no step in a slow sine.
    let w = core::f32::consts::TAU * 50.0 / FS;
    let sine: Vec<f32> = (0..n).map(|i| 0.25 * (w * i as f32).sin()).collect();
    let mut console = console_with(&s);
    let (a, b) = sine.split_at(n / 2);
    // The half on channels 0 and 2 (the one with the lookahead).
    let on_0_and_2 = |x: &[f32]| {
        let stereo = || Some([x.to_vec(), x.to_vec()]);
        [stereo(), None, stereo()]
    };
    let first = render(&mut console, &on_0_and_2(a), n / 2, 512);
    s.channels[2].compressor.lookahead_ms = 1.0;
    console.update(&s);
    let second = render(&mut console, &on_0_and_2(b), n / 2, 512);
    let joined: Vec<f32> = first[0].iter().chain(second[0].iter()).copied().collect();
    let worst_step = largest_step(&joined[1000..]);
    assert!(
        worst_step < 2.0 * 0.5 * w,
        "step {worst_step} across a lookahead change"
    );
}

#[test]
fn mute_and_solo_follow_solo_in_place_over_all_combinations() {
    let levels = [0.1f32, 0.02, 0.004];
    let n = 400;
    let inputs: Vec<Option<[Vec<f32>; 2]>> = levels
        .iter()
        .map(|&v| Some([vec![v; n], vec![-v; n]]))
        .collect();
    for mutes in 0..8u32 {
        for solos in 0..8u32 {
            let mut s = ConsoleSettings::default();
            for c in 0..3 {
                s.channels[c].mute = mutes & (1 << c) != 0;
                s.channels[c].solo = solos & (1 << c) != 0;
            }
            // The rule, written out: with any solo, only soloed channels play; mute always wins.
            let audible = |c: usize| mutes & (1 << c) == 0 && (solos == 0 || solos & (1 << c) != 0);
            let want: f32 = (0..3).filter(|&c| audible(c)).map(|c| levels[c]).sum();
            let mut console = console_with(&s);
            let [l, r] = render(&mut console, &inputs, n, 128);
            assert!(
                (l[n - 1] - want).abs() < 1e-6 && (r[n - 1] + want).abs() < 1e-6,
                "mutes {mutes:03b} solos {solos:03b}: {} want {want}",
                l[n - 1]
            );
        }
    }
}

#[test]
fn unconnected_channels_are_silent() {
    let n = 4_800;
    let x = noise(9, n, 0.3);
    let mut with_silence: Vec<Option<[Vec<f32>; 2]>> =
        vec![Some([vec![0.0; n], vec![0.0; n]]); CHANNELS];
    with_silence[3] = Some([x.clone(), x.clone()]);
    let mut unconnected: Vec<Option<[Vec<f32>; 2]>> = vec![None; CHANNELS];
    unconnected[3] = Some([x.clone(), x.clone()]);
    let a = render(
        &mut console_with(&ConsoleSettings::default()),
        &with_silence,
        n,
        256,
    );
    let b = render(
        &mut console_with(&ConsoleSettings::default()),
        &unconnected,
        n,
        256,
    );
    assert_eq!(a, b);
    assert!(max_error(&b[0], &x, 0) == 0.0);
    // Garbage in a connected channel (NaN, inf) counts as silence too.
    let mut garbage = with_silence.clone();
    garbage[0] = Some([vec![f32::NAN; n], vec![f32::INFINITY; n]]);
    let c = render(
        &mut console_with(&ConsoleSettings::default()),
        &garbage,
        n,
        256,
    );
    assert_eq!(a, c);
    // All unconnected: digital silence.
    let d = render(&mut console_with(&ConsoleSettings::default()), &[], n, 256);
    assert!(d[0].iter().chain(d[1].iter()).all(|&v| v == 0.0));
}

/// Energy of the delay return's echo (the input is an impulse, the echo comes 100 ms later)
/// relative to the energy of the direct sound, with the fader at `fader_db`.
fn echo_to_direct(fader_db: f32, pre_fader: bool) -> (f64, f64) {
    let mut s = ConsoleSettings::default();
    s.master.delay = delay::Settings {
        time_left: DelayTime::Ms(100.0),
        link: true,
        feedback: 0.0,
        ..s.master.delay
    };
    s.channels[0].fader_db = fader_db;
    s.channels[0].sends[1] = Send {
        level_db: -6.0,
        pre_fader,
    };
    let mut console = console_with(&s);
    let n = 9_600;
    let mut x = vec![0.0; n];
    x[0] = 0.5;
    let [l, r] = render(&mut console, &[Some([x.clone(), x])], n, 512);
    let energy = |range: core::ops::Range<usize>| {
        range
            .map(|i| (l[i] as f64).powi(2) + (r[i] as f64).powi(2))
            .sum::<f64>()
    };
    (energy(0..2_400), energy(4_000..n))
}

#[test]
fn post_fader_sends_follow_the_fader_and_pre_fader_sends_do_not() {
    let (direct0, echo0) = echo_to_direct(0.0, false);
    let expected_echo = 2.0 * (0.5 * db_to_gain(-6.0) as f64).powi(2);
    assert!(
        (echo0 / expected_echo - 1.0).abs() < 1e-3,
        "echo energy {echo0}, want {expected_echo}"
    );
    assert!((direct0 / 0.5 - 1.0).abs() < 1e-6);
    for &fader in &[-6.0f32, -20.0, 6.0] {
        let g2 = (db_to_gain(fader) as f64).powi(2);
        let (direct, echo) = echo_to_direct(fader, false);
        assert!(
            (direct / direct0 / g2 - 1.0).abs() < 1e-4,
            "direct follows the fader"
        );
        assert!(
            (echo / echo0 / g2 - 1.0).abs() < 1e-3,
            "post-fader echo {echo} vs {echo0} at {fader} dB"
        );
        let (_, echo_pre) = echo_to_direct(fader, true);
        assert!(
            (echo_pre / echo0 - 1.0).abs() < 1e-4,
            "pre-fader echo {echo_pre} vs {echo0} at {fader} dB"
        );
    }
    // Fader at −∞: a post-fader send is silent, a pre-fader send is not.
    assert!(echo_to_direct(f32::NEG_INFINITY, false).1 == 0.0);
    assert!((echo_to_direct(f32::NEG_INFINITY, true).1 / echo0 - 1.0).abs() < 1e-4);
}

/// A channel with everything on equals the modules run one after another by hand.
#[test]
fn channel_processing_equals_the_standalone_modules() {
    let mut s = ChannelSettings {
        trim_db: 4.0,
        invert: true,
        high_pass_hz: Some(80.0),
        high_pass_slope: CutSlope::Db24,
        low_pass_hz: Some(12_000.0),
        low_pass_slope: CutSlope::Db12,
        gate: crate::dynamics::gate::Settings {
            enabled: true,
            threshold_db: -30.0,
            range_db: 20.0,
            ..Default::default()
        },
        compressor_on: true,
        compressor: compressor::Settings {
            threshold_db: -24.0,
            ratio: 4.0,
            lookahead_ms: 2.0,
            ..Default::default()
        },
        pan: 0.3,
        pan_law: crate::pan::PanLaw::ConstantPower,
        pan_mode: crate::pan::PanMode::StereoPan,
        width: 1.4,
        ..ChannelSettings::default()
    };
    for (b, gain) in s.eq.iter_mut().zip([3.0, -4.0, 2.5, -2.0]) {
        b.enabled = true;
        b.gain_db = gain;
    }
    // Noise in bursts, so the gate opens and closes and the compressor works.
    let n = 48_000;
    let l0 = noise(11, n, 0.5);
    let r0 = noise(12, n, 0.5);
    let env = |i: usize| {
        if (i / 6_000).is_multiple_of(2) {
            1.0
        } else {
            0.01
        }
    };
    let l0: Vec<f32> = l0.iter().enumerate().map(|(i, v)| v * env(i)).collect();
    let r0: Vec<f32> = r0.iter().enumerate().map(|(i, v)| v * env(i)).collect();

    // By hand.
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let trim = -db_to_gain(4.0);
    l.iter_mut().chain(r.iter_mut()).for_each(|v| *v *= trim);
    let mut cuts = Eq::new(FS, 512);
    cuts.update_immediately(&channel::cut_settings(&s));
    let mut gate = Gate::new(FS, 512);
    gate.update_immediately(&s.gate);
    let mut eq = Eq::new(FS, 512);
    eq.update_immediately(&channel::eq_settings(&s));
    let mut comp = Compressor::new(FS, 512);
    comp.update_immediately(&s.compressor);
    let mut panner = Panner::new(FS, PanInput::Stereo);
    panner.update_immediately(&channel::pan_settings(&s));
    for (cl, cr) in l.chunks_mut(1000).zip(r.chunks_mut(1000)) {
        cuts.process(cl, cr);
        gate.process(cl, cr);
        eq.process(cl, cr);
        comp.process(cl, cr);
        panner.process(cl, cr);
    }

    // The strip alone, in other block sizes.
    let mut strip = ChannelStrip::new(FS, 512);
    strip.update_immediately(&s);
    let (mut sl, mut sr) = (l0.clone(), r0.clone());
    for (cl, cr) in sl.chunks_mut(317).zip(sr.chunks_mut(317)) {
        strip.process(cl, cr);
    }
    assert_eq!(strip.latency_samples() as usize, 96);
    assert_eq!(sl, l, "left differs from the modules alone");
    assert_eq!(sr, r, "right differs from the modules alone");

    // And inside the console (everything in the master section off).
    s.fader_db = -6.0;
    let mut cs = ConsoleSettings::default();
    cs.channels[5] = s;
    let mut console = console_with(&cs);
    let mut inputs = vec![None; CHANNELS];
    inputs[5] = Some([l0, r0]);
    let [ol, or] = render(&mut console, &inputs, n, 512);
    let f = db_to_gain(-6.0);
    let want_l: Vec<f32> = l.iter().map(|v| v * f).collect();
    let want_r: Vec<f32> = r.iter().map(|v| v * f).collect();
    assert_eq!(console.latency_samples() as usize, 96);
    assert_eq!(max_error(&ol, &want_l, 0), 0.0);
    assert_eq!(max_error(&or, &want_r, 0), 0.0);
}

#[test]
fn the_limiter_adds_its_lookahead_only_while_on_and_switches_without_a_step() {
    let w = core::f32::consts::TAU * 50.0 / FS;
    let n = 24_000;
    let sine: Vec<f32> = (0..n).map(|i| 0.25 * (w * i as f32).sin()).collect();
    let mut s = ConsoleSettings::default();
    let mut console = console_with(&s);
    let (first, second) = sine.split_at(n / 2);
    let mut out = render(
        &mut console,
        &[Some([first.to_vec(), first.to_vec()])],
        n / 2,
        512,
    )[0]
    .clone();
    s.master.limiter_on = true;
    console.update(&s);
    // 1.5 ms at 48 kHz and the true-peak detector's delay.
    let latency = 72 + crate::dynamics::limiter::DETECTOR_LATENCY;
    assert_eq!(console.latency_samples() as usize, latency);
    out.extend(
        render(
            &mut console,
            &[Some([second.to_vec(), second.to_vec()])],
            n / 2,
            512,
        )[0]
        .iter(),
    );
    let step = largest_step(&out);
    // A hard switch to the late copy would jump by up to 2·0.25·sin(π·50·latency/48000).
    assert!(
        step < 1.5 * 0.25 * w,
        "step {step} when the limiter came in"
    );
    // Fully in: the sine (below the ceiling) comes out `latency` samples late, untouched.
    let tail = &out[n - 4_000..];
    let want = &sine[n - 4_000 - latency..n - latency];
    let err = tail
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(err < 1e-6, "{err}");
}

#[test]
fn every_block_size_and_rate_stays_finite_with_everything_on() {
    let mut s = ConsoleSettings::default();
    for c in s.channels.iter_mut() {
        c.gate.enabled = true;
        c.compressor_on = true;
        c.compressor.lookahead_ms = 3.0;
        c.eq.iter_mut().for_each(|b| {
            b.enabled = true;
            b.gain_db = 6.0;
        });
        c.sends = [
            Send {
                level_db: 0.0,
                pre_fader: false,
            },
            Send {
                level_db: 0.0,
                pre_fader: true,
            },
        ];
    }
    s.master.glue_on = true;
    s.master.limiter_on = true;
    for &fs in &[44_100.0f32, 96_000.0, 192_000.0] {
        let mut console = Console::new(fs, 8192);
        console.update_immediately(&s);
        let n = 20_000;
        let mut inputs: Vec<Option<[Vec<f32>; 2]>> = (0..CHANNELS as u64)
            .map(|c| Some([noise(c + 40, n, 1.0), noise(c + 60, n, 1.0)]))
            .collect();
        if let Some([l, _]) = inputs[1].as_mut() {
            l[100..200].fill(f32::NAN);
        }
        for &block in &[1usize, 7, 8192] {
            let [l, r] = render(&mut console, &inputs, n, block);
            assert!(
                l.iter()
                    .chain(r.iter())
                    .all(|v| v.is_finite() && v.abs() <= 1.0),
                "{fs} Hz block {block}"
            );
        }
    }
}

/// The console runs connected strips in pairs around the EQ (the two EQs' chains advance
/// in one loop). Its output must still be each strip run alone, summed in channel order,
/// bit for bit: seven connected channels (three pairs and one left over, a gap where the
/// unconnected one sits) with gate, four EQ bands, compressor and pan on, a change of EQ
/// gain and frequency mid-stream (the EQs glide, then settle), in blocks of 7, 512 and
/// 1000 samples (the console cuts 1000 into chunks of 512 and 488; so does the reference).
#[test]
fn strips_run_in_pairs_give_each_strip_alone_summed_in_order() {
    let n = 12_000;
    let unconnected = 5;
    let inputs: Vec<Option<[Vec<f32>; 2]>> = (0..CHANNELS as u64)
        .map(|c| {
            (c as usize != unconnected)
                .then(|| [noise(2 * c + 7, n, 0.3), noise(2 * c + 8, n, 0.3)])
        })
        .collect();
    let settings = |later: bool| {
        let mut s = ConsoleSettings::default();
        for (k, c) in s.channels.iter_mut().enumerate() {
            c.gate.enabled = true;
            c.gate.threshold_db = -40.0;
            for (j, b) in c.eq.iter_mut().enumerate() {
                b.enabled = true;
                b.gain_db = [3.0, -4.0, 2.0, -1.5][(j + k) % 4];
                b.freq = [120.0, 800.0, 3_000.0, 9_000.0][j];
            }
            if later && k % 3 == 0 {
                (c.eq[1].gain_db, c.eq[1].freq) = (6.0, 1_500.0);
            }
            c.compressor_on = true;
            c.compressor.threshold_db = -20.0;
            c.pan = (k as f32 - 3.5) / 4.0;
        }
        s
    };
    let change_at = n / 2;
    for block in [7, 512, 1000] {
        let mut console = console_with(&settings(false));
        assert_eq!(
            console.latency_samples() as usize,
            0,
            "no lookahead: the strips line up as they are"
        );
        let mut strips: Vec<ChannelStrip> = (0..CHANNELS)
            .map(|c| {
                let mut s = ChannelStrip::new(FS, 512);
                s.update_immediately(&settings(false).channels[c]);
                s
            })
            .collect();
        let mut out = [vec![0.0f32; n], vec![0.0f32; n]];
        let mut want = [vec![0.0f32; n], vec![0.0f32; n]];
        let mut start = 0;
        while start < n {
            if start == change_at {
                console.update(&settings(true));
                for (c, s) in strips.iter_mut().enumerate() {
                    s.update(&settings(true).channels[c]);
                }
            }
            let end = (start + block)
                .min(n)
                .min(if start < change_at { change_at } else { n });
            let ins: [Input<'_>; CHANNELS] = core::array::from_fn(|c| {
                inputs[c]
                    .as_ref()
                    .map(|[l, r]| (&l[start..end], &r[start..end]))
            });
            let [ol, or] = &mut out;
            console.process(&ins, &mut ol[start..end], &mut or[start..end]);
            // The reference: each strip alone over the console's chunks, summed in order.
            for chunk in (start..end).step_by(512) {
                let chunk_end = (chunk + 512).min(end);
                let mut sum = [
                    vec![0.0f32; chunk_end - chunk],
                    vec![0.0f32; chunk_end - chunk],
                ];
                for (strip, input) in strips.iter_mut().zip(&inputs) {
                    let Some([l, r]) = input else { continue };
                    let (mut xl, mut xr) =
                        (l[chunk..chunk_end].to_vec(), r[chunk..chunk_end].to_vec());
                    strip.process(&mut xl, &mut xr);
                    for (s, x) in sum.iter_mut().zip([&xl, &xr]) {
                        for (s, &x) in s.iter_mut().zip(x) {
                            *s += x;
                        }
                    }
                }
                for (w, s) in want.iter_mut().zip(&sum) {
                    for (w, &s) in w[chunk..chunk_end].iter_mut().zip(s) {
                        // The silent returns join the sum (+ 0.0), then the output is flushed.
                        *w = crate::kernel::sanitize::flush_denormal(s + (0.0 + 0.0));
                    }
                }
            }
            start = end;
        }
        for side in 0..2 {
            let first = out[side]
                .iter()
                .zip(&want[side])
                .position(|(a, b)| a.to_bits() != b.to_bits());
            assert!(
                first.is_none(),
                "blocks of {block}, side {side}: first difference at {first:?}"
            );
        }
        assert!(
            want[0].iter().any(|&x| x.abs() > 0.1),
            "the channels must reach the output"
        );
    }
}

/// The master's mono check: with two channels panned apart and a limiter on, both outputs are
/// exactly the mean of the stereo outputs, the correlation meter then reads +1, and a channel
/// whose right side is its left inverted vanishes from the sum.
#[test]
fn mono_check_plays_the_mean_of_the_stereo_outputs() {
    let n = 9_600;
    let inputs = [
        Some([noise(1, n, 0.3), noise(2, n, 0.3)]),
        Some([noise(3, n, 0.3), noise(4, n, 0.3)]),
    ];
    let mut s = ConsoleSettings::default();
    s.channels[0].pan = -0.7;
    s.channels[1].pan = 0.5;
    s.master.limiter_on = true;
    let stereo = render(&mut console_with(&s), &inputs, n, 256);
    s.master.mono_check = true;
    let mut console = console_with(&s);
    let meters = std::sync::Arc::new(super::meters::ConsoleMeters::new());
    console.attach_meters(super::meters::MeterWriter::new(FS, meters.clone()));
    console.set_metering(true);
    let mono = render(&mut console, &inputs, n, 256);
    assert_eq!(mono[0], mono[1]);
    for i in 0..n {
        assert_eq!(
            mono[0][i],
            (stereo[0][i] + stereo[1][i]) * 0.5,
            "sample {i}"
        );
    }
    let correlation = meters.correlation.load();
    println!("mono check: correlation {correlation}");
    assert!((correlation - 1.0).abs() < 1e-3);

    let left = noise(5, n, 0.3);
    let right: Vec<f32> = left.iter().map(|x| -x).collect();
    let centred = ConsoleSettings {
        master: s.master,
        ..ConsoleSettings::default()
    };
    let out = render(&mut console_with(&centred), &[Some([left, right])], n, 256);
    let peak = out[0].iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(
        peak < 1e-6,
        "the out-of-phase channel survived the sum: {peak}"
    );
}
