//! Offline renders (a bounce or export: the host renders as fast as it can and says so, CLAP
//! `clap.render` offline, VST3 `kOffline`) are complete and deterministic, through both
//! formats:
//!
//! - Mixwerk EQ in Linear Phase designs its FIR on a background thread. Offline, the render
//!   waits for each design, so a +12 dB bell at 1 kHz set at sample 0 is there for an impulse
//!   at 3 s (measured against the analog bell's closed form), a change takes effect at exactly
//!   its sample, and an automated session (band changes, mode switches) rendered twice, once
//!   with the host stalling now and then as a loaded machine would, is bit-identical.
//! - Mixwerk Reverb loads impulse responses on a background thread. Offline, the IR named by a
//!   restored session convolves from the first block, one loaded mid-render from the block
//!   where it was loaded (both against direct convolution with the normalised IR), and two
//!   renders are bit-identical; so are two in which convolution mode with no file is switched
//!   on mid-render (the default built-in, rendered then, plays from that block).
//!
//! Run through `cargo xtask test`, which builds the bundles first.

use std::f64::consts::PI;

use host_tests::battery::{Buffers, displayed_number};
use host_tests::bundles::{
    PluginUnderTest, alloc_check_builds, build_of, release_bundle, vst3_alloc_check_builds,
    vst3_bundles,
};
use host_tests::host::{ParamChange, param_id};
use host_tests::hosted::{self, Hosted};
use host_tests::reverb_files::{
    RATE, convolution_state, error_db, normalised, random_ir, temp_dir, write_float_wav,
};
use host_tests::signals::Noise;

/// The linear-phase EQ's latency at 48 kHz (half its kernel length), as documented.
const LATENCY: usize = 4096;
const MAX_BLOCK: usize = 512;

/// Both formats of a plugin's release build.
fn both_formats(crate_name: &str) -> Vec<PluginUnderTest> {
    vec![
        release_bundle(crate_name),
        build_of(vst3_bundles(), crate_name),
    ]
}

/// A parameter change at an absolute sample of the render: (sample, parameter name, text as
/// a user would type it into the host).
type Change = (usize, &'static str, &'static str);

/// The changes as the host sends them: absolute sample, parameter id and value.
fn resolve(inst: &mut dyn Hosted, session: &[Change]) -> Vec<(usize, u32, f64)> {
    let params = inst.params().expect("params");
    session
        .iter()
        .map(|&(at, name, text)| {
            let id = param_id(&params, name);
            let value = inst
                .text_to_value(id, text)
                .unwrap_or_else(|| panic!("{name}: {text:?} not understood"));
            (at, id, value)
        })
        .collect()
}

/// How a render is run.
struct Render<'a> {
    /// Stereo input, the length of the render.
    input: &'a [Vec<f32>; 2],
    session: &'a [Change],
    /// Block sizes, cycled (a host's blocks need not be regular).
    blocks: &'a [usize],
    /// Stall (sleep) in every `n`th block, as a render on a loaded machine does now and then.
    stall_every: Option<usize>,
}

/// Renders offline through a fresh instance; returns the stereo output and the latency the
/// plugin reported after the first block.
fn render_offline(p: &PluginUnderTest, r: &Render) -> ([Vec<f32>; 2], u32) {
    let mut inst = hosted::open(p).expect("instance");
    let changes = resolve(&mut *inst, r.session);
    inst.activate_offline(RATE, MAX_BLOCK as u32)
        .expect("activates offline");
    let total = r.input[0].len();
    let mut b = Buffers::for_ports(&mut *inst, MAX_BLOCK).expect("buffers");
    let mut out = [Vec::with_capacity(total), Vec::with_capacity(total)];
    let (mut pos, mut k, mut latency) = (0, 0, None);
    while pos < total {
        let len = r.blocks[k % r.blocks.len()].min(total - pos);
        b.set_len(len);
        b.fill_main(|c, i| r.input[c][pos + i]);
        let events: Vec<ParamChange> = changes
            .iter()
            .filter(|c| (pos..pos + len).contains(&c.0))
            .map(|&(at, id, value)| ParamChange {
                offset: (at - pos) as u32,
                id,
                value,
            })
            .collect();
        b.process(&mut *inst, &events).expect("process");
        for (o, c) in out.iter_mut().zip(b.main_output()) {
            o.extend_from_slice(c);
        }
        if latency.is_none() {
            latency = Some(inst.latency().expect("latency"));
        }
        if r.stall_every.is_some_and(|n| k % n == n - 1) {
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
        pos += len;
        k += 1;
    }
    inst.deactivate();
    (out, latency.unwrap_or(0))
}

/// |H(f)| in dB of the impulse response `h` (sampled at [`RATE`]).
fn magnitude_db(h: &[f32], f: f64) -> f64 {
    let w = 2.0 * PI * f / RATE;
    let (re, im) = h.iter().enumerate().fold((0.0, 0.0), |(re, im), (k, &v)| {
        let v = v as f64;
        (re + v * (w * k as f64).cos(), im - v * (w * k as f64).sin())
    });
    20.0 * (re * re + im * im).sqrt().log10()
}

/// The analog bell (RBJ's peaking prototype, which the EQ documents as its target):
/// (s² + s·A/Q + 1)/(s² + s/(A·Q) + 1) at s = j·f/f0, A = 10^(dB/40), in dB.
fn analog_bell_db(f: f64, f0: f64, gain_db: f64, q: f64) -> f64 {
    let a = 10f64.powf(gain_db / 40.0);
    let w = f / f0;
    let re = 1.0 - w * w;
    let num = re * re + (w * a / q).powi(2);
    let den = re * re + (w / (a * q)).powi(2);
    10.0 * (num / den).log10()
}

/// Linear Phase and a +12 dB bell at 1 kHz on band 1, from sample 0: how both sessions start.
const LINEAR_PHASE_BELL: [Change; 5] = [
    (0, "Mode", "Linear Phase"),
    (0, "Band 1 On", "On"),
    (0, "Band 1 Type", "Bell"),
    (0, "Band 1 Frequency", "1 kHz"),
    (0, "Band 1 Gain", "+12 dB"),
];

/// `start`, then `more` (`N`, their total length, is checked when compiled).
const fn then<const A: usize, const B: usize, const N: usize>(
    start: [Change; A],
    more: [Change; B],
) -> [Change; N] {
    assert!(A + B == N, "N is not the total length");
    let mut all = [start[0]; N];
    let mut i = 0;
    while i < N {
        all[i] = if i < A { start[i] } else { more[i - A] };
        i += 1;
    }
    all
}

const BELL: [Change; 6] = then(LINEAR_PHASE_BELL, [(0, "Band 1 Q", "1.0")]);

/// The case: 4 s rendered as fast as possible, Linear Phase, a +12 dB bell at 1 kHz
/// set at sample 0, an impulse at 3 s. Real time, the design may not have arrived by then
/// (a pure 4096-sample delay, 0 dB); offline it has, so the impulse response is the bell's,
/// centred on the reported latency.
#[test]
fn eq_linear_phase_bell_set_at_sample_0_is_in_a_fast_offline_render() {
    for p in both_formats("eq") {
        let total = 4 * RATE as usize;
        let at = 3 * RATE as usize;
        let mut input = [vec![0.0; total], vec![0.0; total]];
        input[0][at] = 1.0;
        input[1][at] = 1.0;
        let (out, latency) = render_offline(
            &p,
            &Render {
                input: &input,
                session: &BELL,
                blocks: &[MAX_BLOCK],
                stall_every: None,
            },
        );
        assert_eq!(latency as usize, LATENCY, "{}: reported latency", p.label());
        let h = &out[0][at..at + 4 * LATENCY];
        let peak = h
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map_or(0, |p| p.0);
        let at_1k = magnitude_db(h, 1_000.0);
        // Q as the plugin shows it (what the user set).
        let q = {
            let mut inst = hosted::open(&p).expect("instance");
            let id = param_id(&inst.params().expect("params"), "Band 1 Q");
            let v = inst.text_to_value(id, "1.0").expect("Q");
            displayed_number(&inst.value_to_text(id, v).expect("text")).expect("a number")
        };
        let others: Vec<(f64, f64, f64)> = [250.0, 500.0, 2_000.0, 4_000.0]
            .iter()
            .map(|&f| (f, magnitude_db(h, f), analog_bell_db(f, 1_000.0, 12.0, q)))
            .collect();
        println!(
            "{}: offline, impulse at 3 s: peak at +{peak} (latency {latency}), {at_1k:+.3} dB at 1 kHz (analog: +12.000); {}",
            p.label(),
            others
                .iter()
                .map(|(f, got, want)| format!("{f} Hz {got:+.3} (analog {want:+.3})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(
            peak,
            LATENCY,
            "{}: the impulse peaks at the latency",
            p.label()
        );
        assert!(
            (at_1k - 12.0).abs() <= 0.1,
            "{}: {at_1k:.3} dB at 1 kHz, want +12.0 ± 0.1",
            p.label()
        );
        for (f, got, want) in others {
            assert!(
                (got - want).abs() <= 0.1,
                "{}: {got:.3} dB at {f} Hz, the analog bell has {want:.3}",
                p.label()
            );
        }
    }
}

/// An automated session: band changes at given samples, two of them during the crossfade of
/// the one before, and switches to zero latency and back.
const SESSION: [Change; 14] = then(
    LINEAR_PHASE_BELL,
    [
        (30_000, "Band 1 Gain", "-6 dB"),
        (30_700, "Band 2 On", "On"),
        (31_100, "Band 2 Gain", "+9 dB"),
        (70_001, "Band 1 Frequency", "3 kHz"),
        (100_000, "Mode", "Zero Latency"),
        (120_000, "Band 3 On", "On"),
        (150_000, "Mode", "Linear Phase"),
        (170_123, "Band 6 On", "On"),
        (171_000, "Band 1 Q", "4.0"),
    ],
);

/// The sample where two renders first differ.
fn first_difference(a: &[Vec<f32>; 2], b: &[Vec<f32>; 2]) -> Option<usize> {
    (0..a[0].len()).find(|&i| (0..2).any(|c| a[c][i].to_bits() != b[c][i].to_bits()))
}

/// Offline, an automated session renders bit-identically every time, whether the host runs
/// flat out or stalls now and then, in regular or irregular blocks; and a change takes effect
/// at exactly its sample (the render without it is the same up to that sample and differs
/// from it on).
#[test]
fn eq_automated_session_renders_bit_identically_offline() {
    for p in both_formats("eq") {
        eq_session_is_deterministic(&p);
    }
}

/// The same on the `assert_process_allocs` builds (made by `cargo xtask test`), both formats:
/// waiting for designs and loads, and priming kernels, never allocate on the audio thread
/// (nice-plug aborts the test process if they do).
#[test]
fn offline_renders_never_allocate_in_process() {
    for builds in [alloc_check_builds(), vst3_alloc_check_builds()] {
        eq_session_is_deterministic(&build_of(builds.clone(), "eq"));
        reverb_offline(&build_of(builds, "reverb"));
    }
}

fn eq_session_is_deterministic(p: &PluginUnderTest) {
    let total = 4 * RATE as usize;
    let mut noise = Noise::new(23);
    let mut input = [vec![0.0; total], vec![0.0; total]];
    for c in &mut input {
        noise.fill(c, 0.25);
    }
    {
        let run = |session: &[Change], blocks: &[usize], stall_every| {
            render_offline(
                p,
                &Render {
                    input: &input,
                    session,
                    blocks,
                    stall_every,
                },
            )
            .0
        };
        let irregular = [512, 100, 1, 333, 64, 511, 7];
        let first = run(&SESSION, &irregular, None);
        let again = run(&SESSION, &irregular, Some(5));
        let regular = run(&SESSION, &[MAX_BLOCK], Some(3));
        let same_again = first_difference(&first, &again);
        let same_regular = first_difference(&first, &regular);
        // The change at 30 000 left out: identical before it, different from it on.
        let without: Vec<Change> = SESSION.iter().copied().filter(|c| c.0 != 30_000).collect();
        let other = run(&without, &irregular, None);
        let acts_at = first_difference(&first, &other);
        // The EQ acted at all: the output is not the input delayed.
        let changed = (LATENCY..total).any(|i| first[0][i] != input[0][i - LATENCY]);
        println!(
            "{}: session rendered 3 times ({} samples, 14 changes, 2 mode switches): bit-identical: {} (irregular blocks, stalling host), {} (512-sample blocks); without the change at 30000 the render first differs at {acts_at:?}",
            p.label(),
            total,
            same_again.is_none(),
            same_regular.is_none(),
        );
        assert!(changed, "{}: the EQ did nothing", p.label());
        assert_eq!(
            same_again,
            None,
            "{}: two offline renders differ (first at the sample shown)",
            p.label()
        );
        assert_eq!(
            same_regular,
            None,
            "{}: the render depends on the host's block sizes",
            p.label()
        );
        assert_eq!(
            acts_at,
            Some(30_000),
            "{}: the change at sample 30000 must take effect there",
            p.label()
        );
    }
}

/// `state` from the CLAP twin in the format of `p`: nice-plug's VST3 state is the JSON alone,
/// its CLAP state the same JSON after a little-endian u64 length.
fn state_for(p: &PluginUnderTest, clap_state: Vec<u8>) -> Vec<u8> {
    match p.format {
        host_tests::bundles::Format::Clap => clap_state,
        host_tests::bundles::Format::Vst3 => clap_state[8..].to_vec(),
    }
}

/// Renders `input` offline through an active reverb in 512-sample blocks (bar the first of
/// irregular sizes), loading `mid_state` (if any) before the block at `load_at`.
fn render_reverb(
    inst: &mut dyn Hosted,
    input: &[Vec<f32>; 2],
    mid_state: Option<(usize, &[u8])>,
) -> [Vec<f32>; 2] {
    let total = input[0].len();
    let mut b = Buffers::for_ports(inst, MAX_BLOCK).expect("buffers");
    let mut out = [Vec::new(), Vec::new()];
    let blocks = [37, MAX_BLOCK];
    let (mut pos, mut k) = (0, 0);
    while pos < total {
        if let Some((at, state)) = mid_state
            && at == pos
        {
            inst.load_state(state).expect("state loads while active");
        }
        let mut len = blocks[k.min(1)].min(total - pos);
        if let Some((at, _)) = mid_state
            && pos < at
        {
            len = len.min(at - pos);
        }
        b.set_len(len);
        b.fill_main(|c, i| input[c][pos + i]);
        b.process(inst, &[]).expect("process");
        for (o, c) in out.iter_mut().zip(b.main_output()) {
            o.extend_from_slice(c);
        }
        pos += len;
        k += 1;
    }
    out
}

/// A session whose state names an IR: offline, the first block already convolves with it
/// (direct convolution with the normalised IR), and two renders are bit-identical. Then the
/// IR path changes mid-render (a state loaded while active): offline the new IR is there from
/// that block, fading in over the reverb's 100 ms crossfade, and exact once it has.
#[test]
fn reverb_ir_from_the_state_convolves_from_the_first_offline_block() {
    for p in both_formats("reverb") {
        reverb_offline(&p);
    }
}

fn reverb_offline(p: &PluginUnderTest) {
    let dir = temp_dir(&format!(
        "offline-{:?}{}",
        p.format,
        if p.alloc_check { "-alloc" } else { "" }
    ));
    let (ir_a, ir_b) = (random_ir(31, 0.3), random_ir(32, 0.2));
    let (path_a, path_b) = (dir.join("a.wav"), dir.join("b.wav"));
    write_float_wav(&path_a, RATE as u32, &ir_a);
    write_float_wav(&path_b, RATE as u32, &ir_b);
    let total = RATE as usize;
    let mut noise = Noise::new(5);
    let mut input = [vec![0.0; total], vec![0.0; total]];
    for c in &mut input {
        noise.fill(c, 0.5);
    }
    let io = |c: usize| -> Vec<Vec<f32>> { vec![input[0][c..].to_vec(), input[1][c..].to_vec()] };
    {
        let clap = p.clap_twin();
        let state_a = state_for(
            p,
            convolution_state(&clap, path_a.to_str().expect("utf-8")).expect("state"),
        );
        let state_b = state_for(
            p,
            convolution_state(&clap, path_b.to_str().expect("utf-8")).expect("state"),
        );
        let session = |mid: Option<(usize, &[u8])>| {
            let mut inst = hosted::open(p).expect("instance");
            inst.load_state(&state_a).expect("state loads");
            inst.activate_offline(RATE, MAX_BLOCK as u32)
                .expect("activates offline");
            render_reverb(&mut *inst, &input, mid)
        };
        let first = session(None);
        let again = session(None);
        let want_a = normalised(&ir_a);
        let first_block = error_db(&io(0), &first, &want_a, 0, 37);
        let later = error_db(&io(0), &first, &want_a, 20_000, 21_000);
        let identical = first_difference(&first, &again).is_none();

        // IR B from sample 24 000 on (the state loaded between two blocks).
        let at = 24_000;
        let swapped = session(Some((at, &state_b)));
        let after: [Vec<f32>; 2] = [swapped[0][at..].to_vec(), swapped[1][at..].to_vec()];
        let want_b = normalised(&ir_b);
        // Fading in: B's convolution of the input from `at` on, times the crossfade's ramp
        // ((k + 1)/4800: 100 ms at 48 kHz), A's fading out over the same ramp.
        let fade = (0.1 * RATE) as usize;
        let block_err = {
            let (mut e, mut s) = (0.0, 0.0);
            for c in 0..2 {
                for k in 0..512 {
                    let g = ((k + 1) as f64 / fade as f64).min(1.0);
                    let conv = |ir: &[f64], from: usize| -> f64 {
                        (0..=(at + k - from).min(ir.len() - 1))
                            .map(|m| ir[m] * input[c][at + k - m] as f64)
                            .sum()
                    };
                    let want = g * conv(&want_b[c], at) + (1.0 - g) * conv(&want_a[c], 0);
                    e += (after[c][k] as f64 - want).powi(2);
                    s += want * want;
                }
            }
            10.0 * (e / s).log10()
        };
        let settled = error_db(&io(at), &after, &want_b, 2 * fade, 2 * fade + 1_000);
        println!(
            "{}: offline, IR A from the restored state: error {first_block:.1} dB in the first (37-sample) block, {later:.1} dB later; two renders bit-identical: {identical}; IR B loaded at sample {at}: {block_err:.1} dB in its first block (crossfade), {settled:.1} dB after it",
            p.label()
        );
        assert!(
            first_block < -90.0 && later < -90.0,
            "{}: {first_block} / {later} dB",
            p.label()
        );
        assert!(identical, "{}: two offline renders differ", p.label());
        assert!(
            block_err < -60.0,
            "{}: the new IR is not there from its block ({block_err} dB)",
            p.label()
        );
        assert!(
            settled < -90.0,
            "{}: {settled} dB after the crossfade",
            p.label()
        );

        // No file: an algorithmic session switched to convolution (all wet, no IR path) at
        // sample `at` has the default built-in from that block on, rendered while the render
        // waits (it is not loaded while the plugin is algorithmic): two renders bit-identical,
        // and the default heard.
        let no_file = state_for(p, convolution_state(&clap, "").expect("state"));
        let switched = || {
            let mut inst = hosted::open(p).expect("instance");
            inst.activate_offline(RATE, MAX_BLOCK as u32)
                .expect("activates offline");
            render_reverb(&mut *inst, &input, Some((at, &no_file)))
        };
        let (one, two) = (switched(), switched());
        let heard: f64 = (0..2)
            .flat_map(|c| one[c][at + 2_400..at + 7_200].iter())
            .map(|&v| (v as f64).powi(2))
            .sum::<f64>()
            / 9_600.0;
        let heard_db = 10.0 * heard.max(1e-30).log10();
        println!(
            "{}: offline, switched to convolution with no file at sample {at}: the default at {heard_db:.1} dBFS 50-150 ms later; two renders bit-identical: {}",
            p.label(),
            first_difference(&one, &two).is_none()
        );
        assert!(
            first_difference(&one, &two).is_none(),
            "{}: two offline renders with the default built-in differ",
            p.label()
        );
        assert!(
            heard_db > -30.0,
            "{}: convolution with no file is silent offline ({heard_db} dBFS)",
            p.label()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
