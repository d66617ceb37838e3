//! Mixwerk Limiter through the CLAP host, end to end: both layouts, the ceiling on loud noise
//! and on the classic inter-sample peak, transparency below the ceiling, latency that follows
//! the lookahead, bypass that keeps it, dither, and garbage input in both builds.
//! Run through `cargo xtask test`, which builds the bundles first.

use host_tests::battery::{self, instantiate};
use host_tests::bundles::release_bundle;
use host_tests::host::{Bundle, Instance, Result};
use host_tests::signals::Noise;

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;

/// The limiter with `settings`, active at [`RATE`].
fn limiter(settings: &[(&str, &str)]) -> Result<(Bundle, Instance)> {
    battery::active(&release_bundle("limiter"), settings, RATE, BLOCK)
}

/// Runs one signal per main channel through the active instance.
fn render(inst: &mut Instance, main: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
    battery::render_signals(inst, &[main], BLOCK)
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// True peak (linear) over all channels, by the `ebur128` crate's 4x-oversampling meter:
/// independent of the limiter's own detector.
fn true_peak(channels: &[Vec<f32>]) -> f64 {
    let mut meter =
        ebur128::EbuR128::new(channels.len() as u32, RATE as u32, ebur128::Mode::TRUE_PEAK)
            .expect("meter");
    let planar: Vec<&[f32]> = channels.iter().map(|c| c.as_slice()).collect();
    meter.add_frames_planar_f32(&planar).expect("frames");
    (0..channels.len() as u32)
        .map(|c| meter.true_peak(c).expect("true peak"))
        .fold(0.0, f64::max)
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

#[test]
fn stereo_and_mono_layouts() -> Result<()> {
    let (_bundle, mut inst) = instantiate(&release_bundle("limiter"))?;
    battery::in_stereo_and_mono(&mut inst, |inst, _, channels| {
        let ports = inst.ports()?;
        assert_eq!(ports.inputs, [channels]);
        assert_eq!(ports.outputs, [channels]);
        Ok(())
    })
}

/// White noise 24 dB over full scale into a −1 dB ceiling: no output sample over it, in
/// either layout; and the classic inter-sample peak (fs/4 at 45°, samples at 0 dBFS, the
/// waveform at +3 dBTP) comes out with its continuous peak at the ceiling. For a steady sine
/// at fs/4 the samples fix the waveform: its peak is exactly √2 times the largest |sample|,
/// a closed form that shares nothing with the plugin's detector.
#[test]
fn the_ceiling_holds_through_the_host() -> Result<()> {
    let ceiling = 10f64.powf(-1.0 / 20.0) as f32;
    for layout in ["Stereo", "Mono"] {
        let (_bundle, mut inst) = instantiate(&release_bundle("limiter"))?;
        let channels = battery::select_layout_named(&mut inst, layout)?;
        inst.set_typed(&[
            ("Drive", "24 dB"),
            ("Ceiling", "-1 dB"),
            ("Release", "20 ms"),
        ])?;
        inst.activate(RATE, BLOCK as u32)?;
        let mut noise = Noise::new(7);
        let input: Vec<Vec<f32>> = (0..channels)
            .map(|_| (0..RATE as usize).map(|_| noise.next_f32()).collect())
            .collect();
        let out = render(&mut inst, &input)?;
        let p = out.iter().map(|o| peak(o)).fold(0.0f32, f32::max);
        // Noise this loud has inter-sample peaks up to ~3 dB over its samples, so in true-peak
        // mode the samples sit well below the ceiling and the true peak is what touches it.
        let tp = true_peak(&out);
        println!(
            "{layout}: white noise +24 dB → sample peak {:+.4} dB, true peak {:+.4} dBTP (ceiling −1)",
            db(p as f64),
            db(tp)
        );
        assert!(p <= ceiling, "{layout}: {p}");
        assert!(
            db(tp) <= -1.0 + 0.1,
            "{layout}: true peak {:+.3} dBTP over the ceiling",
            db(tp)
        );
        assert!(
            db(tp) > -1.5,
            "{layout}: limited far below the ceiling ({:+.3} dBTP)",
            db(tp)
        );
        inst.deactivate();

        inst.set_typed(&[("Drive", "0 dB")])?;
        inst.activate(RATE, BLOCK as u32)?;
        let isp: Vec<f32> = (0..RATE as usize / 2)
            .map(|i| {
                (core::f64::consts::SQRT_2
                    * (core::f64::consts::FRAC_PI_2 * i as f64 + core::f64::consts::FRAC_PI_4)
                        .sin()) as f32
            })
            .collect();
        let out = render(&mut inst, &vec![isp; channels])?;
        for o in &out {
            let steady = peak(&o[RATE as usize / 4..]) as f64;
            let true_peak = db(steady * core::f64::consts::SQRT_2);
            println!(
                "{layout}: fs/4 at 45° → samples {:+.3} dB, true peak {true_peak:+.3} dBTP (ceiling −1)",
                db(steady)
            );
            assert!(
                true_peak <= -1.0 + 0.1 && true_peak > -1.2,
                "{layout}: {true_peak}"
            );
        }
    }
    Ok(())
}

/// The true-peak detector's delay less one sample (`shared_dsp::dynamics::limiter::
/// DETECTOR_LATENCY`, the README's figure): the latency beyond the lookahead.
const DETECTOR_LATENCY: usize = 31;

/// Latency equals the lookahead plus the detector's delay at every rate; a signal 6 dB below
/// the ceiling is the input delayed by exactly that, bit for bit; moving the lookahead while
/// playing changes what the host reads.
#[test]
fn latency_and_transparency() -> Result<()> {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        for lookahead in ["0.5 ms", "1.5 ms", "10 ms"] {
            let (_bundle, mut inst) = instantiate(&release_bundle("limiter"))?;
            inst.set_typed(&[("Lookahead", lookahead), ("Ceiling", "-1 dB")])?;
            inst.activate(rate, BLOCK as u32)?;
            let latency = inst.latency()? as usize;
            let ms: f64 = lookahead.trim_end_matches(" ms").parse().unwrap();
            assert_eq!(
                latency,
                (ms * 1e-3 * rate).round() as usize + DETECTOR_LATENCY,
                "{lookahead} at {rate} Hz"
            );
            // Two sines whose amplitudes add up to −7 dBFS: at most 6 dB under the ceiling.
            let a = 10f64.powf(-7.0 / 20.0) / 2.0;
            let input: Vec<Vec<f32>> = (0..2)
                .map(|c| {
                    (0..8_192)
                        .map(|i| {
                            let t = i as f64 / rate;
                            (a * ((core::f64::consts::TAU * 440.0 * t + c as f64).sin()
                                + (core::f64::consts::TAU * 7_000.0 * t).sin()))
                                as f32
                        })
                        .collect()
                })
                .collect();
            let out = render(&mut inst, &input)?;
            for (o, i) in out.iter().zip(&input) {
                for k in 0..o.len() {
                    let want = if k >= latency { i[k - latency] } else { 0.0 };
                    assert_eq!(
                        o[k].to_bits(),
                        want.to_bits(),
                        "{lookahead} at {rate} Hz, sample {k}"
                    );
                }
            }
        }
    }
    let (_bundle, mut inst) = limiter(&[])?;
    assert_eq!(
        inst.latency()? as usize,
        72 + DETECTOR_LATENCY,
        "the default lookahead is 1.5 ms"
    );
    battery::change_while_playing(&mut inst, "Lookahead", "5 ms", 100, BLOCK)?;
    assert_eq!(inst.latency()? as usize, 240 + DETECTOR_LATENCY);
    Ok(())
}

/// Renders 8192 samples of the noise of `seed` through the active instance: the output is
/// the input delayed by `latency`, bit for bit.
fn assert_delayed_bit_for_bit(inst: &mut Instance, seed: u32, latency: usize) -> Result<()> {
    let mut noise = Noise::new(seed);
    let input: Vec<Vec<f32>> = (0..2)
        .map(|_| (0..8_192).map(|_| noise.next_f32()).collect())
        .collect();
    let out = render(inst, &input)?;
    for (o, i) in out.iter().zip(&input) {
        for k in latency..o.len() {
            assert_eq!(o[k].to_bits(), i[k - latency].to_bits(), "sample {k}");
        }
    }
    Ok(())
}

/// Bypass: the input, delayed by the same latency (bit for bit once the glide is over), so
/// the track does not move in time.
#[test]
fn bypass_keeps_the_latency() -> Result<()> {
    let (_bundle, mut inst) = limiter(&[("Drive", "18 dB"), ("Bypass", "On")])?;
    let latency = inst.latency()? as usize;
    assert_eq!(latency, 72 + DETECTOR_LATENCY);
    assert_delayed_bit_for_bit(&mut inst, 3, latency)?;
    Ok(())
}

/// Dither to 16 bit: every output sample on the 16-bit grid and within the ceiling, and
/// digital silence stays digital silence.
#[test]
fn dither_to_16_bit() -> Result<()> {
    let (_bundle, mut inst) = limiter(&[("Dither", "16 bit"), ("Drive", "6 dB")])?;
    let mut noise = Noise::new(5);
    let mut input: Vec<Vec<f32>> = (0..2)
        .map(|_| (0..24_000).map(|_| noise.next_f32() * 0.7).collect())
        .collect();
    for ch in &mut input {
        ch[12_000..].fill(0.0);
    }
    let out = render(&mut inst, &input)?;
    let ceiling = 10f32.powf(-1.0 / 20.0);
    for o in &out {
        assert!(
            o.iter().all(|&v| (v as f64 * 32_768.0).fract() == 0.0),
            "off the 16-bit grid"
        );
        assert!(peak(o) <= ceiling);
        // Silence reaches the output after the latency (103 samples).
        assert!(
            o[12_200..].iter().all(|&v| v == 0.0),
            "dither on digital silence"
        );
        assert!(o[..12_000].iter().filter(|&&v| v != 0.0).count() > 11_000);
    }
    Ok(())
}

/// NaN and infinities in, at odd block sizes and two rates, in both builds (the
/// allocation-checking one aborts on any allocation in `process`): the output stays finite,
/// normal and within the ceiling, and the limiter is transparent again right after.
#[test]
fn garbage_in_never_reaches_the_output() -> Result<()> {
    battery::in_every_build_at_two_rates(
        "limiter",
        &[("Release", "5 ms"), ("Dither", "24 bit")],
        |label, rate, inst, b| {
            let mut noise = Noise::new(9);
            for (k, &len) in [1usize, 7, 512, 8_192, 333, 64].iter().enumerate() {
                b.set_len(len);
                b.fill_main(|c, i| {
                    if k < 4 {
                        [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.3][(c + i) % 4]
                    } else {
                        noise.next_f32() * 0.3
                    }
                });
                inst.process(&mut b.inputs, &mut b.outputs, &[])?;
                for ch in b.main_output() {
                    assert!(
                        ch.iter().all(|x| x.is_finite()
                            && x.abs() <= 0.9
                            && (*x == 0.0 || x.abs() >= f32::MIN_POSITIVE)),
                        "{}: bad output at {rate} Hz, block {k}",
                        label
                    );
                }
            }
            Ok(())
        },
    )
}

/// Oversampling: the latency follows the factor (at activation, and when it changes while
/// playing), and bypassed the output is the input delayed by it, bit for bit.
#[test]
fn oversampling_reports_its_latency() -> Result<()> {
    let (_bundle, mut inst) =
        limiter(&[("Oversampling", "4x"), ("Drive", "18 dB"), ("Bypass", "On")])?;
    let latency = inst.latency()? as usize;
    // shared-dsp's oversampled_limiter_tests: 4x at 48 kHz with the default 1.5 ms lookahead.
    assert_eq!(latency, 225);
    assert_delayed_bit_for_bit(&mut inst, 4, latency)?;
    battery::change_while_playing(&mut inst, "Oversampling", "Off", 100, BLOCK)?;
    assert_eq!(inst.latency()? as usize, 72 + DETECTOR_LATENCY);
    Ok(())
}
