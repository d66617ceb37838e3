//! Mixwerk Delay through the real CLAP bundle, with the host's transport: tempo-synced times
//! come out where the tempo puts them, and follow the tempo when it changes mid-play.
//! Run through `cargo xtask test`, which builds the bundles first.

use host_tests::battery::{Buffers, instantiate};
use host_tests::bundles::release_bundle;
use host_tests::host::{Instance, TransportEvent, transport};

/// Feeds a unit impulse (both channels) followed by `len − 1` samples of silence, in 512-sample
/// blocks with `transport`, and returns the left output.
fn impulse_response(
    inst: &mut Instance,
    len: usize,
    transport: Option<&TransportEvent>,
) -> Vec<f32> {
    let mut b = Buffers::for_ports(inst, 512).expect("buffers");
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let first = out.is_empty();
        b.fill_main(|_, i| if first && i == 0 { 1.0 } else { 0.0 });
        inst.process_with_transport(&mut b.inputs, &mut b.outputs, &[], transport)
            .expect("process");
        out.extend_from_slice(&b.main_output()[0]);
    }
    out.truncate(len);
    out
}

/// Where the echo of an impulse comes out (its largest sample) and how loud.
fn echo(y: &[f32]) -> (usize, f32) {
    y.iter().enumerate().fold(
        (0, 0.0f32),
        |m, (i, &v)| if v.abs() > m.1 { (i, v.abs()) } else { m },
    )
}

/// Echoes only, no feedback: the impulse response is one echo at the delay time.
const WET_ONLY: [(&str, &str); 3] = [("Dry", "-inf"), ("Wet", "0 dB"), ("Feedback", "0 %")];

#[test]
fn a_synced_quarter_follows_the_host_tempo() {
    for rate in [44_100.0f64, 48_000.0] {
        for mode in ["Tape", "Clean"] {
            let (_bundle, mut inst) = instantiate(&release_bundle("delay")).expect("instance");
            inst.set_typed(&WET_ONLY).expect("typed parameters");
            inst.set_typed(&[
                ("Tempo Sync", "On"),
                ("Note L", "1/4"),
                ("Time Change", mode),
            ])
            .expect("typed parameters");
            inst.activate(rate, 512).expect("activate");
            let at_120 = transport(120.0);
            let (n, level) = echo(&impulse_response(&mut inst, rate as usize, Some(&at_120)));
            let want = (0.5 * rate).round() as usize;
            println!(
                "{rate} Hz {mode}: 1/4 at 120 BPM → echo at {n} samples ({:.3} ms), level {level}",
                n as f64 * 1e3 / rate
            );
            assert_eq!(n, want, "1/4 at 120 BPM is 500 ms");
            assert!((level - 1.0).abs() < 1e-6);

            // The host moves to 90 BPM: let the time glide there, then measure again.
            let at_90 = transport(90.0);
            let settle = impulse_response(&mut inst, 3 * rate as usize, Some(&at_90));
            assert!(settle.iter().all(|v| v.is_finite()));
            let (n, level) = echo(&impulse_response(&mut inst, rate as usize, Some(&at_90)));
            let want = (2.0 / 3.0 * rate).round() as usize;
            println!(
                "{rate} Hz {mode}: after the change to 90 BPM → echo at {n} samples ({:.3} ms)",
                n as f64 * 1e3 / rate
            );
            assert_eq!(n, want, "1/4 at 90 BPM is 666.67 ms");
            assert!((level - 1.0).abs() < 1e-6);
        }
    }
}

#[test]
fn dotted_and_triplet_values_and_the_default_tempo() {
    let rate = 48_000.0;
    for (note, ms) in [("1/8 D", 375.0), ("1/4 T", 1_000.0 / 3.0), ("1/4", 500.0)] {
        let (_bundle, mut inst) = instantiate(&release_bundle("delay")).expect("instance");
        inst.set_typed(&WET_ONLY).expect("typed parameters");
        inst.set_typed(&[("Note L", note)])
            .expect("typed parameters");
        inst.activate(rate, 512).expect("activate");
        // No transport from the host: 120 BPM.
        let (n, _) = echo(&impulse_response(&mut inst, 30_000, None));
        assert_eq!(
            n,
            (ms * rate / 1e3).round() as usize,
            "{note} at the default 120 BPM"
        );
        // And the note's text shows its length at that tempo.
        let params = inst.params().expect("params");
        let q = params.iter().find(|q| q.name == "Note L").expect("Note L");
        let value = inst.value(q.id).expect("value");
        let shown = inst.value_to_text(q.id, value).expect("text");
        println!("{note}: echo at {n} samples, shown as {shown:?}");
        assert!(shown.starts_with(note) && shown.contains(" ms)"), "{shown}");
    }
}

/// Largest sample-to-sample step.
fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_tempo_change_mid_play_does_not_click() {
    let rate = 48_000.0f64;
    let amp = 0.5;
    for mode in ["Tape", "Clean"] {
        let (_bundle, mut inst) = instantiate(&release_bundle("delay")).expect("instance");
        inst.set_typed(&WET_ONLY).expect("typed parameters");
        inst.set_typed(&[("Time Change", mode)])
            .expect("typed parameters");
        inst.activate(rate, 512).expect("activate");
        let mut b = Buffers::for_ports(&mut inst, 512).expect("buffers");
        let (at_120, at_90) = (transport(120.0), transport(90.0));
        let mut out = Vec::new();
        let mut phase = 0usize;
        // 1.5 s at 120 BPM, then 3 s at 90, of a 1 kHz sine.
        for k in 0..(4.5 * rate / 512.0) as usize {
            b.fill_main(|_, i| {
                (amp * (core::f64::consts::TAU * 1_000.0 * ((phase + i) % 48) as f64 / rate).sin())
                    as f32
            });
            phase += 512;
            let t = if k < (1.5 * rate / 512.0) as usize {
                &at_120
            } else {
                &at_90
            };
            inst.process_with_transport(&mut b.inputs, &mut b.outputs, &[], Some(t))
                .expect("process");
            out.extend_from_slice(&b.main_output()[0]);
        }
        let change = (1.5 * rate / 512.0) as usize * 512;
        // The sine's own largest step as the delay plays it before the change (the echo
        // has been playing since 0.5 s), and after.
        let own = max_step(&out[change - 24_000..change]).max(max_step(&out[out.len() - 24_000..]));
        // Slower tempo, longer delay: a tape glide lowers the pitch (smaller steps); a clean
        // crossfade adds at most 2·A per fade length (30 ms) to any step.
        let margin = 2.0 * amp as f32 / (0.03 * rate) as f32 + 1e-5;
        let step = max_step(&out[change - 24_000..]);
        println!(
            "{mode}: tempo 120 → 90 mid-play: largest step {step:.5}, the sine's own {own:.5}, margin {margin:.5}"
        );
        assert!(
            step <= own + margin,
            "{mode}: a step of {step} against the sine's {own}"
        );
    }
}
