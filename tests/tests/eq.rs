//! Mixwerk EQ through the CLAP host: a band enabled by the host acts, the host's bypass
//! returns to bit-exact pass-through, and the reported latency is what an impulse measures,
//! in both modes (the linear-phase FIR is designed on the plugin's background thread).

use host_tests::battery::{Buffers, instantiate};
use host_tests::bundles::{PluginUnderTest, alloc_check_builds, build_of, release_bundle};
use host_tests::host::ParamChange;
use host_tests::signals::Noise;
use std::time::{Duration, Instant};

fn clap_id(s: &str) -> u32 {
    let mut h = 0u32;
    for b in s.bytes() {
        h = h.wrapping_mul(31).wrapping_add(b as u32);
    }
    h & !(1 << 31)
}

/// The parameter of string id `id` set to `value` (CLAP plain) at the start of a block.
fn at_start(id: &str, value: f64) -> ParamChange {
    ParamChange {
        offset: 0,
        id: clap_id(id),
        value,
    }
}

#[test]
fn band_acts_and_bypass_returns_to_bit_exact() {
    let plugin = release_bundle("eq");
    let (_bundle, mut inst) = instantiate(&plugin).unwrap();
    inst.activate(48_000.0, 512).unwrap();
    let mut b = Buffers::for_ports(&mut inst, 512).unwrap();
    let mut noise = Noise::new(3);
    let mut block =
        |inst: &mut host_tests::host::Instance, b: &mut Buffers, events: &[ParamChange]| {
            b.fill_main(|_, _| noise.next_f32() * 0.5);
            inst.process(&mut b.inputs, &mut b.outputs, events).unwrap();
            b.inputs[0]
                .iter()
                .zip(b.main_output())
                .map(|(i, o)| {
                    i.iter()
                        .zip(o)
                        .filter(|(x, y)| x.to_bits() != y.to_bits())
                        .count()
                })
                .sum::<usize>()
        };
    // Fresh: every band off, bit-exact.
    assert_eq!(block(&mut inst, &mut b, &[]), 0);
    // Band 4 (a +3 dB bell at 600 Hz by default) on: the output changes.
    let on = [at_start("b4_on", 1.0)];
    block(&mut inst, &mut b, &on);
    assert!(
        block(&mut inst, &mut b, &[]) > 400,
        "an enabled band must change the signal"
    );
    // Bypass: fades out, then bit-exact again.
    block(&mut inst, &mut b, &[at_start("bypass", 1.0)]);
    for _ in 0..4 {
        block(&mut inst, &mut b, &[]);
    }
    assert_eq!(
        block(&mut inst, &mut b, &[]),
        0,
        "bypassed EQ must pass the signal bit-exactly"
    );
    assert_eq!(
        inst.latency().unwrap(),
        0,
        "zero-latency mode reports no latency"
    );
}

/// The impulse response of the active instance, `len` samples from one impulse on both
/// channels (left output).
fn impulse_response(
    inst: &mut host_tests::host::Instance,
    b: &mut Buffers,
    len: usize,
) -> Vec<f32> {
    let block = b.main_output()[0].len();
    let mut out = Vec::with_capacity(len + block);
    let mut k = 0;
    while out.len() < len {
        b.fill_main(|_, i| if k == 0 && i == 0 { 1.0 } else { 0.0 });
        inst.process(&mut b.inputs, &mut b.outputs, &[]).unwrap();
        out.extend_from_slice(&b.main_output()[0]);
        k += 1;
    }
    out.truncate(len);
    out
}

/// Where the impulse response peaks, and its largest asymmetry about that sample relative to
/// the peak.
fn peak_and_asymmetry(h: &[f32]) -> (usize, f32) {
    let peak = h
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map(|p| p.0)
        .unwrap();
    let asym = (1..=peak.min(h.len() - 1 - peak))
        .map(|k| (h[peak + k] - h[peak - k]).abs())
        .fold(0.0f32, f32::max);
    (peak, asym / h[peak].abs())
}

/// Linear phase and band 4 on (a +3 dB bell at its defaults), at the start of a block.
fn linear_phase_and_band_4() -> [ParamChange; 2] {
    [at_start("mode", 1.0), at_start("b4_on", 1.0)]
}

/// Mode switched to linear phase by the host while playing, with a band on: the plugin
/// reports its new latency at once; the FIR designed in the background arrives, and the
/// impulse then peaks exactly at the reported latency, symmetric about it (linear phase), and
/// is not a plain delay (the band acts). After the restart a host does on a latency change,
/// the same from the first block, and 48 kHz and 96 kHz report 4096 and 8192 samples.
#[test]
fn linear_phase_mode_reports_the_latency_it_has() {
    linear_phase_mode(&release_bundle("eq"));
}

/// The same on the `assert_process_allocs` build (made by `cargo xtask test`): switching modes,
/// sending design tasks and swapping kernels never allocate on the audio thread (nice-plug
/// aborts the test process if they do).
#[test]
fn linear_phase_mode_never_allocates_in_process() {
    linear_phase_mode(&build_of(alloc_check_builds(), "eq"));
}

fn linear_phase_mode(plugin: &PluginUnderTest) {
    println!("{}", plugin.label());
    let (_bundle, mut inst) = instantiate(plugin).unwrap();
    inst.activate(48_000.0, 512).unwrap();
    let mut b = Buffers::for_ports(&mut inst, 512).unwrap();
    assert_eq!(inst.latency().unwrap(), 0);
    let switch = linear_phase_and_band_4();
    b.fill_main(|_, _| 0.0);
    inst.process(&mut b.inputs, &mut b.outputs, &switch)
        .unwrap();
    let reported = inst.latency().unwrap() as usize;
    assert_eq!(reported, 4096, "linear phase at 48 kHz");

    // Live: wait for the background design and the crossfade (the band's +3 dB bell makes the
    // response differ from a delay), re-measuring until two measurements in a row agree and
    // are not a plain delay (a crossfade under way mixes two responses), or 10 s have passed.
    let start = Instant::now();
    let mut previous = Vec::new();
    let (peak, asym, centre) = loop {
        let h = impulse_response(&mut inst, &mut b, 3 * reported);
        let (peak, asym) = peak_and_asymmetry(&h);
        let delay_only = h
            .iter()
            .enumerate()
            .all(|(i, &v)| if i == peak { v == 1.0 } else { v == 0.0 });
        if (!delay_only && h == previous) || start.elapsed() > Duration::from_secs(10) {
            break (peak, asym, h[peak]);
        }
        previous = h;
        std::thread::sleep(Duration::from_millis(20));
    };
    println!(
        "live switch: latency {reported}, impulse peak at {peak} ({centre:.4}), asymmetry {asym:.2e} of the peak, after {:?}",
        start.elapsed()
    );
    assert_ne!(centre, 1.0, "the band's FIR arrived (not a plain delay)");
    assert_eq!(peak, reported, "measured latency = reported");
    assert!(asym < 1e-5, "symmetric about the centre: {asym:e}");

    // The restart a host does after a latency change, and other rates.
    for (rate, want) in [(48_000.0, 4096), (96_000.0, 8192)] {
        inst.deactivate();
        inst.activate(rate, 512).unwrap();
        let reported = inst.latency().unwrap() as usize;
        assert_eq!(reported, want, "{rate} Hz");
        let h = impulse_response(&mut inst, &mut b, 3 * reported);
        let (peak, asym) = peak_and_asymmetry(&h);
        println!(
            "{rate} Hz after restart: latency {reported}, impulse peak at {peak} ({:.4}), asymmetry {asym:.2e}",
            h[peak]
        );
        assert_eq!(peak, reported, "{rate} Hz: measured latency = reported");
        assert!(
            asym < 1e-5,
            "{rate} Hz: symmetric about the centre: {asym:e}"
        );
        assert!(
            h[peak] != 1.0,
            "{rate} Hz: the band acts from the first block"
        );
    }
    // Back to zero latency: reported at once.
    b.fill_main(|_, _| 0.0);
    inst.process(&mut b.inputs, &mut b.outputs, &[at_start("mode", 0.0)])
        .unwrap();
    assert_eq!(inst.latency().unwrap(), 0);
}

/// Every instance of a plugin shares one background thread. An instance destroyed while its
/// FIR design waits in that thread's queue must not stop the other instances' designs: a
/// surviving instance's band change still arrives, and its response becomes that of a fresh
/// instance activated with the same settings (which designs at activation), within 1e-6
/// (−120 dB). Not bit for bit: the FFT convolution's rounding depends on where in its
/// partitions the impulse lands, which differs between an instance that has played and a
/// fresh one (seen as 5e-8 on a loaded machine); without the change the two differ by the
/// band's gain, many orders more.
#[test]
fn a_destroyed_instance_leaves_the_background_designs_of_others_working() {
    let plugin = release_bundle("eq");
    let rate = 192_000.0; // the longest FIR: the slowest design, so the queue is busy
    let on = linear_phase_and_band_4();
    let gain = [at_start("b4_gain", 0.75)];
    let (_bundle, mut survivor) = instantiate(&plugin).unwrap();
    survivor.activate(rate, 512).unwrap();
    let mut b = Buffers::for_ports(&mut survivor, 512).unwrap();
    b.fill_main(|_, _| 0.0);
    survivor
        .process(&mut b.inputs, &mut b.outputs, &on)
        .unwrap();
    {
        // Its design queues behind the survivor's; it is destroyed before it runs.
        let (_bundle, mut doomed) = instantiate(&plugin).unwrap();
        doomed.activate(rate, 512).unwrap();
        let mut d = Buffers::for_ports(&mut doomed, 512).unwrap();
        d.fill_main(|_, _| 0.0);
        doomed.process(&mut d.inputs, &mut d.outputs, &on).unwrap();
    }
    survivor
        .process(&mut b.inputs, &mut b.outputs, &gain)
        .unwrap();

    let (_bundle, mut fresh) = instantiate(&plugin).unwrap();
    fresh.flush(&[on[0], on[1], gain[0]]).unwrap();
    fresh.activate(rate, 512).unwrap();
    let mut f = Buffers::for_ports(&mut fresh, 512).unwrap();
    let len = 3 * fresh.latency().unwrap() as usize;
    let want = impulse_response(&mut fresh, &mut f, len);

    let start = Instant::now();
    let got = loop {
        let h = impulse_response(&mut survivor, &mut b, len);
        if max_difference(&h, &want) <= ARRIVED || start.elapsed() > Duration::from_secs(20) {
            break h;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let diff = max_difference(&got, &want);
    println!(
        "survivor's response after {:?}: largest difference from a fresh instance {diff:e}",
        start.elapsed()
    );
    assert!(
        diff <= ARRIVED,
        "the survivor's band change never arrived (largest difference {diff:e})"
    );
}

/// How close the survivor's response must come to the fresh instance's (see the test above).
const ARRIVED: f32 = 1e-6;

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
