//! Mixwerk Reverb through the CLAP host: the impulse-response path travels in the plugin state
//! (the test hook until the editor has a file chooser), is loaded when the state is, and the
//! convolution then equals direct convolution with the file's (normalised) IR. Bad files are
//! refused and the instance keeps processing with what it had; a new IR arrives through the
//! background loader while playing, on the release and the allocation-checking builds.
//! Run through `cargo xtask test`, which builds the bundles first.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use host_tests::battery::{Buffers, instantiate};
use host_tests::bundles::{PluginUnderTest, alloc_check_builds, build_of, release_bundle};
use host_tests::host::{Instance, Result};
use host_tests::reverb_files::{
    RATE, convolution_state, error_db, normalised, random_ir, temp_dir, write_float_wav,
};
use host_tests::signals::Noise;

const BLOCK: usize = 512;

/// Renders `blocks` blocks of deterministic noise; returns the input and the output.
/// Channels of audio.
type Audio = Vec<Vec<f32>>;

fn render(inst: &mut Instance, noise: &mut Noise, blocks: usize) -> Result<(Audio, Audio)> {
    let mut b = Buffers::for_ports(inst, BLOCK)?;
    let (mut input, mut output) = (vec![Vec::new(), Vec::new()], vec![Vec::new(), Vec::new()]);
    for _ in 0..blocks {
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        b.process(inst, &[])?;
        for c in 0..2 {
            input[c].extend_from_slice(&b.inputs[0][c]);
            output[c].extend_from_slice(&b.main_output()[c]);
            assert!(
                b.main_output()[c].iter().all(|v| v.is_finite()),
                "non-finite output"
            );
        }
    }
    Ok((input, output))
}

#[test]
fn ir_path_in_the_state_is_loaded_and_convolves_exactly() {
    let p = release_bundle("reverb");
    let dir = temp_dir("state");
    let ir = random_ir(3, 0.5);
    let path = dir.join("hall.wav");
    write_float_wav(&path, RATE as u32, &ir);
    let state = convolution_state(&p, path.to_str().expect("utf-8 path")).expect("state");

    let (_bundle, mut inst) = instantiate(&p).expect("instance");
    inst.load_state(&state)
        .expect("state with an IR path loads");
    inst.activate(RATE, BLOCK as u32).expect("activate");
    assert_eq!(
        inst.latency().expect("latency"),
        0,
        "convolution adds no latency"
    );
    let mut noise = Noise::new(17);
    let (input, output) = render(&mut inst, &mut noise, 80).expect("render");
    let want = normalised(&ir);
    let first = error_db(&input, &output, &want, 0, 1_000);
    let late = error_db(&input, &output, &want, 30_000, 32_000);
    println!(
        "plugin, IR from the state (0.5 s stereo WAV): error {first:.1} dB (first 1000 samples), {late:.1} dB (after the IR's length)"
    );
    assert!(first < -90.0 && late < -90.0, "{first} / {late} dB");
    std::fs::remove_dir_all(&dir).ok();
}

/// The bad files of the issue, each with what makes it bad.
fn bad_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let good = dir.join("good.wav");
    write_float_wav(&good, RATE as u32, &random_ir(5, 0.05));
    let bytes = std::fs::read(&good).expect("read");
    let truncated = dir.join("truncated-header.wav");
    std::fs::write(&truncated, &bytes[..30]).expect("write");
    let zero = dir.join("zero-length.wav");
    std::fs::write(&zero, b"").expect("write");
    let text = dir.join("notes.wav");
    std::fs::write(&text, "not audio, just words\n").expect("write");
    vec![
        ("missing", dir.join("does-not-exist.wav")),
        ("truncated header", truncated),
        ("zero length", zero),
        ("text file", text),
    ]
}

#[test]
fn bad_ir_files_are_refused_and_the_instance_keeps_processing() {
    let p = release_bundle("reverb");
    let dir = temp_dir("bad");
    let ir = random_ir(9, 0.25);
    let good = dir.join("ir.wav");
    write_float_wav(&good, RATE as u32, &ir);
    let want = normalised(&ir);
    for (what, bad) in bad_files(&dir) {
        // A fresh instance whose session names a bad file: it activates and processes (dry
        // only at 100 % wet: silence), with finite output.
        let (_bundle, mut fresh) = instantiate(&p).expect("instance");
        fresh
            .load_state(&convolution_state(&p, bad.to_str().expect("path")).expect("state"))
            .expect("the state itself is fine");
        fresh
            .activate(RATE, BLOCK as u32)
            .expect("activates despite the bad IR");
        let (_, out) = render(&mut fresh, &mut Noise::new(1), 20).expect("processes");
        assert!(
            out.iter().flatten().all(|&v| v == 0.0),
            "{what}: no IR, all wet: silence"
        );

        // A playing instance with a good IR is given the bad file: it keeps the good one.
        let (_bundle, mut inst) = instantiate(&p).expect("instance");
        inst.load_state(&convolution_state(&p, good.to_str().expect("path")).expect("state"))
            .expect("load");
        inst.activate(RATE, BLOCK as u32).expect("activate");
        let mut noise = Noise::new(2);
        render(&mut inst, &mut noise, 10).expect("render");
        inst.load_state(&convolution_state(&p, bad.to_str().expect("path")).expect("state"))
            .expect("load");
        // Give the loader time to try (and fail), processing all along.
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(300) {
            render(&mut inst, &mut noise, 2).expect("render");
            std::thread::sleep(Duration::from_millis(10));
        }
        let (input, output) = render(&mut inst, &mut noise, 40).expect("render");
        let db = error_db(&input, &output, &want, 15_000, 16_000);
        println!("{what}: refused; the playing IR still convolves with error {db:.1} dB");
        assert!(db < -90.0, "{what}: the instance lost its IR ({db} dB)");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A new IR loaded while playing arrives through the background loader and replaces the old
/// one (crossfaded), without allocating on the audio thread.
fn swaps_while_playing(p: &PluginUnderTest) {
    let dir = temp_dir(if p.alloc_check { "swap-alloc" } else { "swap" });
    let (a, b) = (random_ir(11, 0.2), random_ir(12, 0.3));
    let (path_a, path_b) = (dir.join("a.wav"), dir.join("b.wav"));
    write_float_wav(&path_a, RATE as u32, &a);
    write_float_wav(&path_b, RATE as u32, &b);
    let (_bundle, mut inst) = instantiate(p).expect("instance");
    inst.load_state(&convolution_state(p, path_a.to_str().expect("path")).expect("state"))
        .expect("load");
    inst.activate(RATE, BLOCK as u32).expect("activate");
    let mut noise = Noise::new(4);
    render(&mut inst, &mut noise, 10).expect("render");
    inst.load_state(&convolution_state(p, path_b.to_str().expect("path")).expect("state"))
        .expect("load");
    let want = normalised(&b);
    let start = Instant::now();
    loop {
        render(&mut inst, &mut noise, 4).expect("render");
        let (input, output) = render(&mut inst, &mut noise, 40).expect("render");
        // Once the loader has delivered and the 100 ms crossfade and B's length have passed.
        let db = error_db(&input, &output, &want, 19_000, 20_000);
        if db < -90.0 {
            println!(
                "{}: IR swapped while playing, now convolving with the new one ({db:.1} dB)",
                p.label()
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{}: the new IR never arrived ({db} dB)",
            p.label()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_new_ir_arrives_while_playing() {
    swaps_while_playing(&release_bundle("reverb"));
}

#[test]
fn a_new_ir_arrives_while_playing_without_allocating() {
    swaps_while_playing(&build_of(alloc_check_builds(), "reverb"));
}
