//! Mixwerk Compressor through the CLAP host, end to end: the sidechain port as a host sees
//! and feeds it, the mono layout, latency that follows the lookahead, and the dry path.
//! Run through `cargo xtask test`, which builds the bundles first.

use host_tests::battery::{self, instantiate};
use host_tests::bundles::release_bundle;
use host_tests::host::{Instance, Result};
use host_tests::signals::Noise;

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;

fn sine(amp_db: f64, freq: f64, n: usize) -> Vec<f32> {
    let amp = 10f64.powf(amp_db / 20.0);
    let w = core::f64::consts::TAU * freq / RATE;
    (0..n)
        .map(|i| (amp * (w * i as f64).sin()) as f32)
        .collect()
}

fn rms_db(x: &[f32]) -> f64 {
    10.0 * (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).log10()
}

/// Runs `main` (one signal per main channel) and `key` (per sidechain channel) through the
/// active instance, returning the main outputs.
fn render(inst: &mut Instance, main: &[Vec<f32>], key: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
    battery::render_signals(inst, &[main, key], BLOCK)
}

/// Threshold −30 dB, 4:1, hard knee, a fast attack and a long release, so a steady tone's gain
/// reduction sits on the static curve: (level + 30)·3/4 dB above the threshold.
const STEADY: &[(&str, &str)] = &[
    ("Threshold", "-30 dB"),
    ("Ratio", "4:1"),
    ("Knee", "0 dB"),
    ("Attack", "0.05 ms"),
    ("Release", "2.5 s"),
    ("Stereo Link", "0 %"),
];

#[test]
fn sidechain_port_in_both_layouts() -> Result<()> {
    let (_bundle, mut inst) = instantiate(&release_bundle("compressor"))?;
    battery::in_stereo_and_mono(&mut inst, |inst, layout, main| {
        let ports = inst.ports()?;
        assert_eq!(
            ports.inputs,
            [main, 2],
            "{layout}: main input and a stereo sidechain"
        );
        assert_eq!(ports.outputs, [main]);
        assert_eq!(inst.port_names(true)?[1], "Sidechain");
        Ok(())
    })
}

#[test]
fn external_sidechain_through_the_host() -> Result<()> {
    let n = RATE as usize / 2;
    let measure = 4_800; // the last 100 ms
    let silent = vec![0.0f32; n];
    let key = sine(-6.0, 1_000.0, n);
    // (−6 + 30)·(1 − 1/4): what a −6 dBFS key takes off whatever the main level is.
    let expected_db = -18.0;
    for layout in ["Stereo", "Mono"] {
        let (_bundle, mut inst) = instantiate(&release_bundle("compressor"))?;
        let channels = battery::select_layout_named(&mut inst, layout)?;
        inst.set_typed(STEADY)?;
        inst.set_typed(&[("Sidechain", "External")])?;
        inst.activate(RATE, BLOCK as u32)?;

        // A silent (or unconnected: hosts send silence) key leaves a loud input untouched.
        let loud = vec![sine(0.0, 440.0, n); channels];
        let out = render(&mut inst, &loud, &[silent.clone(), silent.clone()])?;
        for (o, i) in out.iter().zip(&loud) {
            assert!(
                o.iter().zip(i).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{layout}: silent key changed the audio"
            );
        }

        // A loud key ducks a quiet input (−40 dBFS, far below the threshold by itself).
        let quiet = vec![sine(-40.0, 440.0, n); channels];
        let out = render(&mut inst, &quiet, &[key.clone(), key.clone()])?;
        for (c, o) in out.iter().enumerate() {
            let gain = rms_db(&o[n - measure..]) - rms_db(&quiet[c][n - measure..]);
            println!(
                "{layout} channel {c}: key at −6 dBFS ducks by {gain:.3} dB (expected {expected_db})"
            );
            assert!(
                (gain - expected_db).abs() < 0.1,
                "{layout} channel {c}: {gain} dB"
            );
        }
        // A key on one side only still ducks both (mono: the louder key channel drives it).
        let out = render(&mut inst, &quiet, &[silent.clone(), key.clone()])?;
        let gain = rms_db(&out[0][n - measure..]) - rms_db(&quiet[0][n - measure..]);
        if layout == "Mono" {
            assert!(
                (gain - expected_db).abs() < 0.1,
                "mono, key in R only: {gain} dB"
            );
        }
        inst.deactivate();

        // Internal detection ignores the port: the quiet input passes at unity.
        inst.set_typed(&[("Sidechain", "Internal")])?;
        inst.activate(RATE, BLOCK as u32)?;
        let out = render(&mut inst, &quiet, &[key.clone(), key.clone()])?;
        assert!(
            out.iter().zip(&quiet).all(|(o, i)| o == i),
            "{layout}: internal mode listened to the key"
        );
    }
    Ok(())
}

#[test]
fn latency_follows_the_lookahead_and_the_dry_path_is_exact() -> Result<()> {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        let (_bundle, mut inst) = instantiate(&release_bundle("compressor"))?;
        // Heavy compression, but 0 % mix: the output must be the input, delayed.
        inst.set_typed(&[
            ("Lookahead", "5 ms"),
            ("Threshold", "-50 dB"),
            ("Ratio", "20:1"),
            ("Mix", "0 %"),
            ("Makeup", "12 dB"),
        ])?;
        inst.activate(rate, BLOCK as u32)?;
        let latency = inst.latency()? as usize;
        assert_eq!(latency, (5e-3 * rate).round() as usize, "at {rate} Hz");
        let mut noise = Noise::new(3);
        let n = 8_192;
        let input: Vec<Vec<f32>> = (0..2)
            .map(|_| (0..n).map(|_| noise.next_f32() * 0.8).collect())
            .collect();
        let out = render(&mut inst, &input, &[vec![0.0; n], vec![0.0; n]])?;
        for (o, i) in out.iter().zip(&input) {
            for k in 0..n {
                let want = if k >= latency { i[k - latency] } else { 0.0 };
                assert_eq!(o[k].to_bits(), want.to_bits(), "at {rate} Hz, sample {k}");
            }
        }
    }

    // Moving the lookahead while playing changes the latency the host reads.
    let (_bundle, mut inst) = battery::active(&release_bundle("compressor"), &[], RATE, BLOCK)?;
    assert_eq!(inst.latency()?, 0);
    battery::change_while_playing(&mut inst, "Lookahead", "2.5 ms", 100, BLOCK)?;
    assert_eq!(inst.latency()?, 120);
    Ok(())
}

#[test]
fn garbage_on_the_sidechain_never_reaches_the_output() -> Result<()> {
    // NaN and infinities on the key input, at odd block sizes and two rates, in both builds
    // (the allocation-checking one aborts on any allocation in `process`): the output stays
    // finite and normal, and the compressor works again as soon as the key does.
    battery::in_every_build_at_two_rates(
        "compressor",
        &[
            ("Sidechain", "External"),
            ("SC High Pass", "On"),
            ("Detector", "RMS"),
            ("Lookahead", "3 ms"),
        ],
        |label, rate, inst, b| {
            let mut noise = Noise::new(9);
            for (k, &len) in [1usize, 7, 512, 8_192, 333, 64, 512, 512]
                .iter()
                .enumerate()
            {
                b.set_len(len);
                b.fill_main(|_, _| noise.next_f32() * 0.5);
                for (c, ch) in b.inputs[1].iter_mut().enumerate() {
                    for (i, x) in ch.iter_mut().enumerate() {
                        *x = if k < 4 {
                            [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][(c + i) % 3]
                        } else {
                            noise.next_f32()
                        };
                    }
                }
                inst.process(&mut b.inputs, &mut b.outputs, &[])?;
                for ch in b.main_output() {
                    assert!(
                        ch.iter()
                            .all(|x| x.is_finite() && (*x == 0.0 || x.abs() >= f32::MIN_POSITIVE)),
                        "{}: bad output at {rate} Hz, block {k}",
                        label
                    );
                }
            }
            // A loud 1 kHz key after the garbage still ducks the main input.
            b.set_len(512);
            let mut ducked = 0.0f32;
            for k in 0..40 {
                b.fill_main(|_, _| 0.1);
                for ch in b.inputs[1].iter_mut() {
                    for (i, x) in ch.iter_mut().enumerate() {
                        *x = 0.9
                            * (core::f64::consts::TAU * 1_000.0 * (k * 512 + i) as f64 / rate).sin()
                                as f32;
                    }
                }
                inst.process(&mut b.inputs, &mut b.outputs, &[])?;
                ducked = b.main_output()[0][511];
            }
            assert!(
                ducked < 0.05,
                "{}: the key no longer ducks after garbage ({ducked})",
                label
            );
            Ok(())
        },
    )
}
