//! Subnormal numbers cost nothing inside the plugins (vendor/nice-plug/MIXWERK.md, fix 8).
//!
//! nice-plug's wrappers switch on flush-to-zero and denormals-are-zero around every call into
//! the plugin's DSP and put the host's floating point mode back afterwards. The first two tests
//! read the mode through the test plugin's probe (`tests/panic-plugin`, "Probe": it multiplies
//! the left input by 1 and the right by 1e-10), in both formats, and check the host's own
//! arithmetic before and after the call. The third runs subnormal noise through the shipped
//! bundles as clap-validator's `process-audio-denormals` does, but on thread CPU time, which a
//! loaded machine does not distort the way it distorts the validator's wall-clock ratio, and
//! without timing the making of the input (see `noise_blocks`). Before this fix the Reverb
//! took 4.1x, the Delay 2.2x and the Panner 1.7x as long on subnormal input; now all 0.96-1.04x.

use std::hint::black_box;

use host_tests::battery::Buffers;
use host_tests::bundles::release_bundle;
use host_tests::hosted;
use host_tests::panic_plugin::{Block, ProcessBlock, active_clap, active_vst3, set};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 256;
/// Subnormal in f32 (below `f32::MIN_POSITIVE` = 1.18e-38).
const SUBNORMAL: f32 = 1e-39;
/// Normal, but times 1e-10 it is subnormal.
const SMALL: f32 = 1e-30;

/// The host thread's own arithmetic keeps subnormals: the test runs in the default mode, so a
/// zero from the plugin is the wrapper's doing, and after the call the mode is back.
fn assert_host_keeps_subnormals(when: &str) {
    assert_ne!(
        black_box(SUBNORMAL) * black_box(1.0f32),
        0.0,
        "{when}: the host thread reads subnormals as zero"
    );
    assert_ne!(
        black_box(SMALL) * black_box(1e-10f32),
        0.0,
        "{when}: the host thread flushes subnormal results"
    );
}

/// The probe on an active instance: a subnormal left input and a right input whose product
/// with 1e-10 is subnormal must both come out as zero, and the host thread's arithmetic must
/// keep subnormals before and after the call.
fn probe(plugin: &mut impl ProcessBlock, probe_id: u32) {
    assert_host_keeps_subnormals("before process");
    let mut inp: Block = vec![vec![vec![SUBNORMAL; BLOCK], vec![SMALL; BLOCK]]];
    let mut out: Block = vec![vec![vec![-1.0; BLOCK]; 2]];
    plugin
        .process_block(&mut inp, &mut out, &set(probe_id, 0, 1.0))
        .unwrap();
    assert_host_keeps_subnormals("after process");
    assert!(
        out[0][0].iter().all(|&x| x == 0.0),
        "a subnormal input reached the plugin's arithmetic (no denormals-are-zero): {:e}",
        out[0][0][0]
    );
    assert!(
        out[0][1].iter().all(|&x| x == 0.0),
        "a subnormal result came out of the plugin's arithmetic (no flush-to-zero): {:e}",
        out[0][1][0]
    );
}

#[test]
fn clap_process_runs_with_ftz_and_daz_and_restores_the_host_mode() {
    let (mut plugin, probe_id) = active_clap("Probe", RATE, BLOCK);
    probe(&mut plugin, probe_id);
}

#[test]
fn vst3_process_runs_with_ftz_and_daz_and_restores_the_host_mode() {
    let (mut plugin, probe_id) = active_vst3("Probe", RATE, BLOCK);
    probe(&mut plugin, probe_id);
}

/// This thread's CPU time in seconds (wall time where the system does not give it precisely:
/// the smallest of five runs is then the measure).
fn cpu_time() -> f64 {
    host_tests::cpu_time::seconds()
}

/// A xorshift generator: the same noise on every run.
struct Noise(u64);

impl Noise {
    /// Uniform in [-1, 1).
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// `blocks` blocks of `amplitude` × uniform noise, made before the clock starts: with a
/// subnormal amplitude, making them is itself slow arithmetic (clap-validator times its own
/// making of the subnormal input along with the plugin, so its ratio is mostly that).
fn noise_blocks(amplitude: f32, blocks: usize) -> Vec<Vec<f32>> {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    (0..blocks)
        .map(|_| (0..BLOCK).map(|_| amplitude * noise.next()).collect())
        .collect()
}

/// CPU seconds for processing `input` (one block per entry, on every main input channel),
/// with default parameters.
fn cpu_seconds(inst: &mut dyn hosted::Hosted, b: &mut Buffers, input: &[Vec<f32>]) -> f64 {
    let start = cpu_time();
    for block in input {
        b.fill_main(|_, i| block[i]);
        b.process(inst, &[]).unwrap();
    }
    cpu_time() - start
}

/// clap-validator's `process-audio-denormals`: noise of subnormal amplitude against noise of
/// normal amplitude, without the making of the input. The least CPU time of five alternating
/// runs of each (interference from other processes only ever adds time), 2 s of audio per run.
/// Prints the ratios (`--nocapture`); fails above 1.5 (the validator warns above 2).
#[test]
fn subnormal_input_costs_no_more_cpu_time() {
    let blocks = 2 * RATE as usize / BLOCK;
    let start = cpu_time();
    let normal_input = noise_blocks(0.5, blocks);
    let made_normal = cpu_time() - start;
    let subnormal_input = noise_blocks(f32::MIN_POSITIVE, blocks);
    let made_subnormal = cpu_time() - start - made_normal;
    println!("making the input: normal {made_normal:.4} s, subnormal {made_subnormal:.4} s");
    assert!(
        subnormal_input
            .iter()
            .flatten()
            .all(|x| x.abs() < f32::MIN_POSITIVE)
    );
    let mut failures = Vec::new();
    for name in [
        "eq",
        "compressor",
        "limiter",
        "reverb",
        "delay",
        "panner",
        "channel-strip",
        "chorus",
        "strip",
    ] {
        let p = release_bundle(name);
        let mut inst = hosted::open(&p).unwrap();
        inst.activate(RATE, BLOCK as u32).unwrap();
        let mut b = Buffers::for_ports(inst.as_mut(), BLOCK).unwrap();
        // Warm up: caches, lazily built tables, a first FIR design.
        cpu_seconds(inst.as_mut(), &mut b, &normal_input);
        let (mut normal, mut subnormal) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..5 {
            normal = normal.min(cpu_seconds(inst.as_mut(), &mut b, &normal_input));
            subnormal = subnormal.min(cpu_seconds(inst.as_mut(), &mut b, &subnormal_input));
        }
        let ratio = subnormal / normal;
        println!(
            "{:<24} normal {:.4} s, subnormal {:.4} s: {ratio:.2}x",
            p.expected.name, normal, subnormal
        );
        if ratio > 1.5 {
            failures.push(format!("{} {ratio:.2}x", p.expected.name));
        }
    }
    assert!(
        failures.is_empty(),
        "subnormal input costs more: {failures:?}"
    );
}
