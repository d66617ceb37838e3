//! Mixwerk Reverb through the CLAP host: the impulse-response path travels in the plugin state
//! (as a session or preset carries it), is loaded when the state is, and the convolution then
//! equals direct convolution with the file's (normalised) IR. Bad files are refused and the
//! instance keeps processing with what it had; a new IR arrives through the background loader
//! while playing, on the release and the allocation-checking builds. Convolution mode is
//! never silent: with no file it plays the default built-in IR, and a built-in named in the
//! state (`builtin:<id>`) plays with the reverberation time its name says (measured by
//! Schroeder integration of the plugin's own impulse response).
//! Run through `cargo xtask test`, which builds the bundles first.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use host_tests::battery::{Buffers, instantiate};
use host_tests::bundles::{PluginUnderTest, alloc_check_builds, build_of, release_bundle};
use host_tests::host::{Instance, ParamChange, Result, param_id};
use host_tests::reverb_files::{
    RATE, convolution_state, error_db, normalised, random_ir, t_mid, temp_dir, write_float_wav,
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
        ("unknown built-in", PathBuf::from("builtin:gymnasium")),
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
        // A fresh instance whose session names a bad file: it activates and processes, with
        // finite output, and having no IR in use it plays the default built-in instead of
        // nothing (convolution is never silent).
        let (_bundle, mut fresh) = instantiate(&p).expect("instance");
        fresh
            .load_state(&convolution_state(&p, bad.to_str().expect("path")).expect("state"))
            .expect("the state itself is fine");
        fresh
            .activate(RATE, BLOCK as u32)
            .expect("activates despite the bad IR");
        let (_, out) = render(&mut fresh, &mut Noise::new(1), 20).expect("processes");
        let level = rms_db(&out);
        println!("{what}: refused at activation; the default built-in plays at {level:.1} dBFS");
        assert!(level > -40.0, "{what}: silent ({level} dBFS)");

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

/// RMS level of all channels, dBFS.
fn rms_db(audio: &Audio) -> f64 {
    let n = audio.iter().map(Vec::len).sum::<usize>().max(1) as f64;
    let sum: f64 = audio.iter().flatten().map(|&v| (v as f64).powi(2)).sum();
    10.0 * (sum / n).max(1e-30).log10()
}

/// The plugin's response to a unit impulse in both channels, `seconds` long.
fn plugin_impulse_response(inst: &mut Instance, seconds: f64) -> Result<Audio> {
    let mut b = Buffers::for_ports(inst, BLOCK)?;
    let mut output = vec![Vec::new(), Vec::new()];
    let blocks = (seconds * RATE / BLOCK as f64).ceil() as usize;
    for k in 0..blocks {
        b.fill_main(|_, i| if k == 0 && i == 0 { 1.0 } else { 0.0 });
        b.process(inst, &[])?;
        for (c, out) in output.iter_mut().enumerate() {
            out.extend_from_slice(&b.main_output()[c]);
        }
    }
    assert!(
        output.iter().flatten().all(|v| v.is_finite()),
        "non-finite output"
    );
    Ok(output)
}

/// What the built-ins promise (their names, the README): T_mid (T30 in the 500 Hz and 1 kHz
/// octaves, averaged) of the plugin's own impulse response within 10 % of the named time.
fn assert_reverberation_time(what: &str, ir: &Audio, named: f64) {
    let t = t_mid(ir, RATE).expect("a decay of 35 dB");
    let err = (t - named) / named * 100.0;
    println!(
        "{what}: T_mid of the plugin's impulse response {t:.3} s (named {named} s, {err:+.1} %)"
    );
    assert!(err.abs() < 10.0, "{what}: T_mid {t} s, named {named} s");
}

#[test]
fn convolution_without_a_file_plays_the_default_builtin() {
    let p = release_bundle("reverb");
    // A session in convolution mode with no file: the default (the Plate, 1.6 s) from the
    // first block.
    let (_bundle, mut inst) = instantiate(&p).expect("instance");
    inst.load_state(&convolution_state(&p, "").expect("state"))
        .expect("state without an IR loads");
    inst.activate(RATE, BLOCK as u32).expect("activate");
    let ir = plugin_impulse_response(&mut inst, 3.0).expect("render");
    // The Plate's onset is at about 11 ms (its shortest line, no early reflections): the
    // first 50 ms, five blocks, rendered much faster than a background load could arrive.
    let first: Vec<Vec<f32>> = ir.iter().map(|c| c[..5 * BLOCK].to_vec()).collect();
    let level = rms_db(&first);
    println!("no file, all wet: the first 50 ms at {level:.1} dBFS");
    assert!(
        level > -60.0,
        "no file, all wet: the first 50 ms are silent"
    );
    assert_reverberation_time("no file (the default, Plate 1.6 s)", &ir, 1.6);

    switched_to_convolution_plays_the_default(&p);
}

/// An instance playing algorithmic, switched to convolution at 100 % wet while running: the
/// default built-in is loaded then (in the background) and heard within a moment.
fn switched_to_convolution_plays_the_default(p: &PluginUnderTest) {
    let (_bundle, mut inst) = instantiate(p).expect("instance");
    inst.activate(RATE, BLOCK as u32).expect("activate");
    let params = inst.params().expect("params");
    let mut noise = Noise::new(7);
    render(&mut inst, &mut noise, 20).expect("render");
    let mut b = Buffers::for_ports(&mut inst, BLOCK).expect("buffers");
    b.fill_main(|_, _| noise.next_f32() * 0.5);
    b.process(
        &mut inst,
        &[
            ParamChange {
                offset: 0,
                id: param_id(&params, "Mode"),
                value: 1.0,
            },
            ParamChange {
                offset: 0,
                id: param_id(&params, "Mix"),
                value: 1.0,
            },
        ],
    )
    .expect("process");
    let start = Instant::now();
    loop {
        // Past the crossfade from the algorithmic tail (15 ms) and the IR's (100 ms).
        render(&mut inst, &mut noise, 12).expect("render");
        let (_, out) = render(&mut inst, &mut noise, 10).expect("render");
        let level = rms_db(&out);
        if level > -30.0 {
            println!(
                "{}: switched to convolution with no file: the default plays at {level:.1} dBFS after {:.0} ms",
                p.label(),
                start.elapsed().as_secs_f64() * 1e3
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{}: convolution with no file stays silent ({level} dBFS)",
            p.label()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn switched_to_convolution_the_default_arrives_without_allocating() {
    switched_to_convolution_plays_the_default(&build_of(alloc_check_builds(), "reverb"));
}

#[test]
fn a_builtin_named_in_the_state_plays_with_its_reverberation_time() {
    let p = release_bundle("reverb");
    for (name, named) in [("builtin:small-room", 0.5), ("builtin:hall", 2.2)] {
        let (_bundle, mut inst) = instantiate(&p).expect("instance");
        inst.load_state(&convolution_state(&p, name).expect("state"))
            .expect("state with a built-in loads");
        // Saved again, the name is kept as it was.
        let saved = inst.save_state().expect("save");
        assert!(
            String::from_utf8_lossy(&saved).contains(name),
            "{name} not in the saved state"
        );
        inst.activate(RATE, BLOCK as u32).expect("activate");
        let ir = plugin_impulse_response(&mut inst, named * 1.6 + 0.3).expect("render");
        assert_reverberation_time(name, &ir, named);
    }
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
