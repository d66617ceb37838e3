//! Linked strips through the CLAP bundle of Mixwerk Strip: many instances in one process find
//! each other (`plugin_kit::link`), on several threads, in random orders, while others
//! process; each console meter reads its owner's output; an edit made in the console reaches
//! the owner's host as a begin/value/end gesture and changes only the owner's audio; solo in
//! place works across instances; an instance that is gone leaves, and an edit through a
//! console's kept snapshot of it does nothing (no crash).
//!
//! The console's side is driven through the bundle's inspection entry points
//! (`plugins/strip/src/probe.rs`), which run the console's own code without drawing, found
//! in the same loaded library as the host's instances (so the same registry). Each test
//! takes one lock: the registry is the process's.
//! Cargo runs test processes with `MIXWERK_LINK=off` (`.cargo/config.toml`), so the one test
//! here that cargo sees runs the others again in a child process of this binary with links
//! on (they are `#[ignore]`d in the parent, which never loads the bundle).
//! Run through `cargo xtask test`, which builds the bundles first.

use std::ffi::{CString, c_char};
use std::sync::{Mutex, MutexGuard};

use host_tests::battery;
use host_tests::bundles::{
    PluginUnderTest, alloc_check_builds, build_of, release_bundle, vst3_bundles,
};
use host_tests::host::{Instance, ParamChange, ParamEvent, Result};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 256;
/// `fader` hashed as nice-plug hashes parameter ids (the id in `tests/contracts/strip.params`).
const FADER: u32 = 97_188_214;
const SOLO: u32 = 3_536_095;
/// The Channel Strip's channel 3 fader and channel 1 solo (`tests/contracts/channel-strip.params`).
const FADER_3: u32 = 1_056_079_786;
const SOLO_1: u32 = 1_250_706_641;
/// Blocks for a fader or mute glide (10 ms time constant) to land within 1e-5 dB: 40 of 256
/// samples are 21 time constants at 48 kHz.
const SETTLE_BLOCKS: usize = 40;

static SERIAL: Mutex<()> = Mutex::new(());

/// The entry points of the loaded Strip library.
struct Probe {
    lib: libloading::Library,
}

impl Probe {
    fn count(&self) -> u32 {
        // SAFETY: the bundle exports these with these signatures (probe.rs).
        unsafe {
            self.lib
                .get::<extern "C" fn() -> u32>(b"mixwerk_link_count\0")
                .unwrap()()
        }
    }

    fn watch(&self, on: bool) -> u32 {
        unsafe {
            self.lib
                .get::<extern "C" fn(bool) -> u32>(b"mixwerk_link_watch\0")
                .unwrap()(on)
        }
    }

    fn hold(&self, on: bool) -> u32 {
        unsafe {
            self.lib
                .get::<extern "C" fn(bool) -> u32>(b"mixwerk_link_hold\0")
                .unwrap()(on)
        }
    }

    /// Member `index`: (fader dB, [peak L, peak R, rms L, rms R, gate GR, comp GR], name).
    fn member(&self, index: u32) -> Option<(f32, [f32; 6], String)> {
        type F = unsafe extern "C" fn(u32, *mut f32, *mut f32, *mut c_char, u32) -> bool;
        let mut fader = 0.0f32;
        let mut out = [0.0f32; 6];
        let mut name = [0 as c_char; 128];
        let ok = unsafe {
            self.lib.get::<F>(b"mixwerk_link_member\0").unwrap()(
                index,
                &mut fader,
                out.as_mut_ptr(),
                name.as_mut_ptr(),
                name.len() as u32,
            )
        };
        ok.then(|| {
            let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
            (fader, out, name.to_string_lossy().into_owned())
        })
    }

    /// Member `index`'s track colour (0xRRGGBBAA) and its place in the mixer, if given.
    fn track(&self, index: u32) -> Option<(u32, Option<(i64, i64)>)> {
        type F = unsafe extern "C" fn(u32, *mut u32, *mut i64) -> u32;
        let (mut rgba, mut place) = (0u32, [0i64; 2]);
        let found = unsafe {
            self.lib.get::<F>(b"mixwerk_link_track\0").unwrap()(
                index,
                &mut rgba,
                place.as_mut_ptr(),
            )
        };
        (found > 0).then_some((rgba, (found == 2).then_some((place[0], place[1]))))
    }

    /// The member whose track is called `name`.
    fn index_of(&self, name: &str) -> Option<u32> {
        (0..self.count()).find(|&i| self.member(i).is_some_and(|m| m.2 == name))
    }

    /// An edit as the console makes it; `Some(alive)` if it reached a member.
    fn edit(&self, index: u32, id: &str, normalized: f32) -> bool {
        type F = unsafe extern "C" fn(u32, *const c_char, f32) -> bool;
        let id = CString::new(id).unwrap();
        unsafe {
            self.lib.get::<F>(b"mixwerk_link_edit\0").unwrap()(index, id.as_ptr(), normalized)
        }
    }
}

fn strip() -> PluginUnderTest {
    release_bundle("strip")
}

/// The lock, links on for this process, and the library's entry points.
fn setup() -> (MutexGuard<'static, ()>, Probe) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(
        std::env::var("MIXWERK_LINK").as_deref(),
        Ok("on"),
        "run through linked_strips_in_a_linked_process"
    );
    let p = strip();
    // Loads it the way the host harness does first, so the library's initialisers ran once.
    let _ = battery::instantiate(&p).expect("the Strip bundle loads");
    // SAFETY: the same library the host loaded (dlopen returns the loaded one).
    let lib = unsafe { libloading::Library::new(&p.path) }.expect("the Strip library");
    (guard, Probe { lib })
}

/// The Strip's VST3 bundle, loaded as the VST3 host loads it, and its library's entry points
/// (a library of its own, linked with the CLAP bundle's through the rendezvous).
fn vst3_strip() -> (PluginUnderTest, Probe) {
    let p = build_of(vst3_bundles(), "strip");
    host_tests::vst3_host::Module::load(&p.path).expect("the Strip VST3 loads");
    // SAFETY: the library the module above loaded (dlopen returns the loaded one).
    let lib = unsafe { libloading::Library::new(&p.path) }.expect("the Strip VST3 library");
    (p, Probe { lib })
}

/// A linked strip on track `name`, active.
fn track(name: &str) -> Instance {
    let (_bundle, mut inst) = battery::instantiate(&strip()).expect("instance");
    inst.set_track(name, [0x40, 0x80, 0xc0]);
    inst.activate(RATE, BLOCK as u32).expect("activate");
    inst
}

fn sine(amp: f32, freq: f32, start: usize, n: usize) -> Vec<f32> {
    let w = std::f32::consts::TAU * freq / RATE as f32;
    (start..start + n)
        .map(|i| amp * (w * i as f32).sin())
        .collect()
}

/// One block of `input` (both channels) through `inst` with `changes`; the left output.
fn block(inst: &mut Instance, input: &[f32], changes: &[ParamChange]) -> Result<Vec<f32>> {
    let mut inputs = vec![vec![input.to_vec(), input.to_vec()]];
    let mut outputs = vec![vec![vec![0.0; input.len()]; 2]];
    inst.process(&mut inputs, &mut outputs, changes)?;
    Ok(outputs[0][0].clone())
}

fn db(x: f32) -> f32 {
    20.0 * x.abs().max(1e-12).log10()
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
}

/// Runs the `#[ignore]`d tests below in a child process of this binary with links on, one at
/// a time, and fails with their output if any fails.
#[test]
fn linked_strips_in_a_linked_process() {
    // What keeps every other test process unlinked (see the module docs).
    assert_eq!(
        std::env::var("MIXWERK_LINK").as_deref(),
        Ok("off"),
        "cargo runs tests unlinked ([env] in .cargo/config.toml)"
    );
    let exe = std::env::current_exe().expect("this test binary");
    // The child's output goes to a file, read once it has exited: a pipe would be held open
    // by any process the child left behind with its handles (under Wine, the desktop process
    // that its first window starts), and reading it to the end would wait for ever.
    let log = std::env::temp_dir().join(format!("mixwerk-linked-{}.log", std::process::id()));
    let file = std::fs::File::create(&log).expect("a log file for the child");
    let status = std::process::Command::new(exe)
        .args(["--ignored", "--test-threads=1", "--nocapture"])
        .env("MIXWERK_LINK", "on")
        .stdout(file.try_clone().expect("the log file twice"))
        .stderr(file)
        .status()
        .expect("the child test process runs");
    let text = std::fs::read_to_string(&log).expect("the child's log");
    let _ = std::fs::remove_file(&log);
    println!("{text}");
    assert!(status.success(), "linked strip tests failed (output above)");
    assert!(
        text.contains("test result: ok. 9 passed"),
        "all nine linked tests ran"
    );
}

#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn instances_join_and_leave_on_several_threads_in_random_orders() {
    let (_g, probe) = setup();
    let before = probe.count();
    const THREADS: usize = 4;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut seed = 0x2545_F491_4F6C_DD1Du64 ^ (t as u64 * 0x9E37_79B9);
                let mut rnd = move || {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed
                };
                barrier.wait();
                let mut held: Vec<Instance> = Vec::new();
                let input = sine(0.25, 440.0, 0, BLOCK);
                for step in 0..60 {
                    match rnd() % 5 {
                        0 | 1 if held.len() < 4 => {
                            let (_b, mut inst) = battery::instantiate(&strip()).unwrap();
                            if rnd() % 2 == 0 {
                                inst.activate(RATE, BLOCK as u32).unwrap();
                            }
                            held.push(inst);
                        }
                        2 if !held.is_empty() => {
                            let i = (rnd() as usize) % held.len();
                            drop(held.swap_remove(i));
                        }
                        3 if !held.is_empty() => {
                            let i = (rnd() as usize) % held.len();
                            if held[i].is_active() {
                                held[i].deactivate();
                            } else {
                                held[i].activate(RATE, BLOCK as u32).unwrap();
                            }
                        }
                        _ => {
                            for inst in held.iter_mut().filter(|i| i.is_active()) {
                                // Solo on and off while the others come and go.
                                let solo = ParamChange {
                                    offset: 0,
                                    id: SOLO,
                                    value: (step % 3 == 0) as u8 as f64,
                                };
                                let out = block(inst, &input, &[solo]).unwrap();
                                assert!(out.iter().all(|v| v.is_finite()));
                            }
                        }
                    }
                }
                held.len()
            })
        })
        .collect();
    let left: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    // Every thread's instances are gone now: the registry holds what it held before.
    println!("{left} instances were still held when their threads ended");
    assert_eq!(probe.count(), before, "every instance left the registry");
    // And no solo is left behind: a fresh pair plays at unity.
    let mut a = track("after churn A");
    let mut b = track("after churn B");
    let input = sine(0.5, 440.0, 0, BLOCK);
    let mut out = Vec::new();
    for _ in 0..4 {
        block(&mut a, &input, &[]).unwrap();
        out = block(&mut b, &input, &[]).unwrap();
    }
    assert!(
        (db(rms(&out)) - db(rms(&input))).abs() < 0.01,
        "no stale solo mutes a new strip"
    );
}

#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn each_console_meter_reads_its_owners_output_and_track_name() {
    let (_g, probe) = setup();
    let base = probe.count();
    // Eight tracks at −30 … −9 dBFS peak, each its own frequency.
    let amps: Vec<f32> = (0..8)
        .map(|k| 10f32.powf((-30.0 + 3.0 * k as f32) / 20.0))
        .collect();
    let mut tracks: Vec<Instance> = (0..8).map(|k| track(&format!("Track {k}"))).collect();
    assert_eq!(probe.count(), base + 8, "eight strips joined");
    // Which member each track is (reading a member takes its peaks, so look up once first).
    let index: Vec<u32> = (0..8)
        .map(|k| {
            probe
                .index_of(&format!("Track {k}"))
                .unwrap_or_else(|| panic!("Track {k}'s name reached the registry"))
        })
        .collect();
    // Meters are written only while a console watches.
    let w = probe.watch(true);
    assert!(w >= 1);
    let mut last_peak = [0f32; 8];
    for b in 0..600 {
        for (k, inst) in tracks.iter_mut().enumerate() {
            let input = sine(amps[k], 300.0 + 100.0 * k as f32, b * BLOCK, BLOCK);
            last_peak[k] = last_peak[k].max(input.iter().fold(0.0, |m, v| m.max(v.abs())));
            block(inst, &input, &[]).unwrap();
        }
    }
    for k in 0..8 {
        let (fader, m, _) = probe.member(index[k]).unwrap();
        assert_eq!(fader, 0.0);
        let peak_err = db(m[0]) - db(last_peak[k]);
        // RMS of a sine after 600 blocks (3.2 s, 10.7 time constants of the meter's 300 ms):
        // A/√2 to within 1e-4 dB.
        let rms_err = db(m[2]) - db(amps[k] / 2f32.sqrt());
        println!(
            "Track {k}: peak {:.3} dBFS (err {peak_err:+.4} dB), rms {:.3} dBFS (err {rms_err:+.3} dB)",
            db(m[0]),
            db(m[2])
        );
        assert!(peak_err.abs() < 0.01, "Track {k} peak {peak_err} dB off");
        assert!(rms_err.abs() < 0.02, "Track {k} rms {rms_err} dB off");
        assert_eq!(m[0], m[1], "both sides carry the same sine");
    }
    // Watch closed: the peaks, once read, stay at zero while the tracks play on.
    probe.watch(false);
    for &i in &index {
        probe.member(i);
    }
    for (k, inst) in tracks.iter_mut().enumerate() {
        block(inst, &sine(amps[k], 500.0, 0, BLOCK), &[]).unwrap();
    }
    for (k, &i) in index.iter().enumerate() {
        let (_, m, _) = probe.member(i).unwrap();
        assert_eq!(
            m[0], 0.0,
            "Track {k}: no meter written while no console is open"
        );
    }
    drop(tracks);
    assert_eq!(probe.count(), base);
}

#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn a_console_edit_is_a_gesture_on_the_owners_host_and_changes_only_its_audio() {
    let (_g, probe) = setup();
    let mut tracks: Vec<Instance> = ["Drums", "Bass", "Vocal"]
        .iter()
        .map(|n| track(n))
        .collect();
    let input = sine(0.5, 1000.0, 0, BLOCK);
    for inst in tracks.iter_mut() {
        block(inst, &input, &[]).unwrap();
        inst.take_param_events();
    }
    // The Bass fader to −12 dB from another instance's console.
    let bass = probe.index_of("Bass").expect("Bass is linked");
    let params = tracks[1].params().unwrap();
    let fader = params.iter().find(|p| p.id == FADER).expect("fader");
    let id = host_tests::host::param_id(&params, "Fader");
    assert_eq!(id, FADER);
    let normalized = {
        // The host's own conversion: the value whose text reads "-12.0 dB".
        let plain = tracks[1].text_to_value(FADER, "-12").expect("typed -12");
        ((plain - fader.min) / (fader.max - fader.min)) as f32
    };
    assert!(
        probe.edit(bass, "fader", normalized),
        "the Bass instance is alive"
    );
    let mut outs = Vec::new();
    for inst in tracks.iter_mut() {
        let mut out = Vec::new();
        for _ in 0..SETTLE_BLOCKS {
            out = block(inst, &input, &[]).unwrap();
        }
        outs.push(out);
    }
    let events: Vec<Vec<ParamEvent>> = tracks.iter_mut().map(Instance::take_param_events).collect();
    println!("events: {events:?}");
    assert!(
        events[0].is_empty() && events[2].is_empty(),
        "only the owner's host hears of it"
    );
    match events[1].as_slice() {
        [
            ParamEvent::Begin(b),
            ParamEvent::Value(v, x),
            ParamEvent::End(e),
        ] => {
            assert!(*b == FADER && *v == FADER && *e == FADER);
            assert!((*x - normalized as f64).abs() < 1e-6, "value {x}");
        }
        other => panic!("expected begin, value, end on the fader; got {other:?}"),
    }
    let fader_now = tracks[1].value(FADER).unwrap();
    let text = tracks[1].value_to_text(FADER, fader_now).unwrap();
    assert!(
        text.starts_with("-12"),
        "the owner's parameter reads {text}"
    );
    let gains: Vec<f32> = outs.iter().map(|o| db(rms(o)) - db(rms(&input))).collect();
    println!("level change per track: {gains:?} dB");
    assert!(
        gains[0].abs() < 1e-4 && gains[2].abs() < 1e-4,
        "the others untouched"
    );
    assert!(
        (gains[1] + 12.0).abs() < 0.02,
        "Bass down 12 dB: {} dB",
        gains[1]
    );
}

#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn solo_in_place_mutes_the_other_linked_strips() {
    let (_g, probe) = setup();
    let _ = probe;
    let mut tracks: Vec<Instance> = ["Kick", "Snare", "Hats"].iter().map(|n| track(n)).collect();
    let input = sine(0.5, 200.0, 0, BLOCK);
    let solo = |on: bool| ParamChange {
        offset: 0,
        id: SOLO,
        value: on as u8 as f64,
    };
    // Snare soloed.
    block(&mut tracks[1], &input, &[solo(true)]).unwrap();
    let levels = |tracks: &mut Vec<Instance>| -> Vec<f32> {
        let mut out = vec![Vec::new(); tracks.len()];
        for _ in 0..SETTLE_BLOCKS {
            for (k, inst) in tracks.iter_mut().enumerate() {
                out[k] = block(inst, &input, &[]).unwrap();
            }
        }
        out.iter().map(|o| db(rms(o)) - db(rms(&input))).collect()
    };
    let soloed = levels(&mut tracks);
    println!("snare soloed: {soloed:?} dB");
    assert!(soloed[1].abs() < 1e-4, "the soloed strip plays");
    assert!(
        soloed[0] < -120.0 && soloed[2] < -120.0,
        "the others are muted"
    );
    // Unsoloed: all play.
    block(&mut tracks[1], &input, &[solo(false)]).unwrap();
    let open = levels(&mut tracks);
    assert!(open.iter().all(|g| g.abs() < 1e-4), "{open:?}");
    // A soloed strip removed from the session releases the others.
    block(&mut tracks[0], &input, &[solo(true)]).unwrap();
    assert!(levels(&mut tracks)[1] < -120.0);
    drop(tracks.remove(0));
    let after = levels(&mut tracks);
    assert!(after.iter().all(|g| g.abs() < 1e-4), "{after:?}");
}

#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn an_edit_through_a_kept_snapshot_of_a_gone_instance_does_nothing() {
    let (_g, probe) = setup();
    let base = probe.count();
    let a = track("Gone soon");
    let mut b = track("Stays");
    let held = probe.hold(true);
    assert_eq!(held, base + 2);
    let gone = probe.index_of("Gone soon").unwrap();
    drop(a);
    assert_eq!(probe.count(), base + 1);
    // Through the kept snapshot: the context of a destroyed instance. Upstream nice-plug
    // panicked here (`upgrade().unwrap()`), across the FFI boundary: an abort.
    assert!(
        !probe.edit(gone, "fader", 0.1),
        "a gone instance reports itself gone"
    );
    probe.hold(false);
    let out = block(&mut b, &sine(0.5, 440.0, 0, BLOCK), &[]).unwrap();
    assert!(out.iter().all(|v| v.is_finite()));
    assert!(
        b.take_param_events().is_empty(),
        "the edit reached no other instance"
    );
}

/// The allocation-checking build (`assert_process_allocs`: any allocation in `process`
/// aborts this process) with links on, three strips, a console watching (meters written),
/// solo switching on every block, a console edit between blocks: nothing allocates on the
/// audio thread.
#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn linked_strips_never_allocate_on_the_audio_thread() {
    let (_g, _release) = setup();
    let p = build_of(alloc_check_builds(), "strip");
    let mut tracks: Vec<Instance> = (0..3)
        .map(|k| {
            let (_b, mut inst) = battery::instantiate(&p).expect("alloc-check instance");
            inst.set_track(&format!("Alloc {k}"), [1, 2, 3]);
            inst.activate(RATE, BLOCK as u32).expect("activate");
            inst
        })
        .collect();
    let probe = Probe {
        // SAFETY: the library the host harness loaded (dlopen returns the loaded one).
        lib: unsafe { libloading::Library::new(&p.path) }.expect("the alloc-check library"),
    };
    assert_eq!(
        probe.count(),
        3,
        "the alloc-check library has its own registry"
    );
    probe.watch(true);
    let input = sine(0.5, 440.0, 0, BLOCK);
    for b in 0..64 {
        for (k, inst) in tracks.iter_mut().enumerate() {
            let solo = ParamChange {
                offset: (b * 7 % BLOCK) as u32,
                id: SOLO,
                value: ((b + k) % 3 == 0) as u8 as f64,
            };
            let out = block(inst, &input, &[solo]).unwrap();
            assert!(out.iter().all(|v| v.is_finite()));
        }
        if b % 8 == 0 {
            assert!(probe.edit((b / 8) as u32 % 3, "fader", 0.3 + 0.05 * (b / 8) as f32));
        }
    }
    probe.watch(false);
    let (_, m, _) = probe.member(0).unwrap();
    assert!(m[2] > 0.0, "the meters were written meanwhile");
}

/// A console column's track: name, colour (0xRRGGBBAA), place in the mixer.
type Listed = (String, u32, Option<(i64, i64)>);

/// A VST3 host tells each strip its track's name, colour and place in the mixer
/// (`IInfoListener::setChannelContextInfos`, channel context keys): the console lists the
/// strips in the mixer's order whatever order they were created in, with each track's name
/// and colour; a partial update (a name and colour without a place, as some hosts send) keeps
/// the place; a track moved to another kind of track (a lower namespace order) moves first.
#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn vst3_tracks_give_names_colours_and_the_mixers_order() {
    let (_g, _) = setup();
    let (p, probe) = vst3_strip();
    let before = probe.count();
    assert_eq!(before, 0, "no VST3 strip left from another test");
    // Created in this order; the mixer shows Drums, Bass, Vocal (indices 0, 1, 2).
    let tracks = [
        ("Vocal", 0xff_c0_40_40u32, 2i64),
        ("Drums", 0xff_40_c0_40, 0),
        ("Bass", 0xff_40_40_c0, 1),
    ];
    let instances: Vec<_> = tracks
        .iter()
        .map(|&(name, argb, index)| {
            let inst = battery::vst3_instance(&p).expect("a VST3 strip");
            inst.set_channel_context(name, argb, Some((1, index)))
                .expect("the strip listens to its channel context");
            inst
        })
        .collect();
    let listed = |probe: &Probe| -> Vec<Listed> {
        (0..probe.count())
            .map(|i| {
                let (_, _, name) = probe.member(i).expect("member");
                let (rgba, place) = probe.track(i).expect("track");
                (name, rgba, place)
            })
            .collect()
    };
    let seen = listed(&probe);
    println!("VST3 strips as the console lists them: {seen:?}");
    assert_eq!(
        seen,
        vec![
            ("Drums".to_owned(), 0x40_c0_40_ff, Some((1, 0))),
            ("Bass".to_owned(), 0x40_40_c0_ff, Some((1, 1))),
            ("Vocal".to_owned(), 0xc0_40_40_ff, Some((1, 2))),
        ]
    );
    // A new name and colour only: the place stays.
    instances[0]
        .set_channel_context("Lead Vocal", 0xff_ff_ff_00, None)
        .unwrap();
    assert_eq!(
        listed(&probe)[2],
        ("Lead Vocal".to_owned(), 0xff_ff_00_ff, Some((1, 2)))
    );
    // The bass moved among the buses, which this host lists first.
    instances[2]
        .set_channel_context("Bass Bus", 0xff_40_40_c0, Some((0, 7)))
        .unwrap();
    let names: Vec<String> = listed(&probe).into_iter().map(|t| t.0).collect();
    assert_eq!(names, ["Bass Bus", "Drums", "Lead Vocal"]);
    drop(instances);
    assert_eq!(probe.count(), before, "the VST3 strips left");
}

/// The CLAP and the VST3 bundle are two libraries (two copies of one), each with its own
/// statics; the link's rendezvous (`plugin_kit::link::rendezvous`) makes them one console.
/// Two CLAP and two VST3 strips: the console of either library lists all four with their
/// names; an edit from the CLAP library's console on a VST3 strip arrives at that strip's
/// VST3 host as its fader edit, and reads back through the VST3 library's own code; a CLAP
/// strip's solo mutes a VST3 strip's audio, and its unsolo lets it play again.
#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn clap_and_vst3_strips_share_one_console() {
    let (_g, clap) = setup();
    let (p, vst3) = vst3_strip();
    let before = clap.count();
    let mut clap_tracks = [track("CLAP A"), track("CLAP B")];
    let mut vst3_tracks: Vec<_> = ["VST3 C", "VST3 D"]
        .iter()
        .map(|name| {
            let mut inst = battery::vst3_instance(&p).expect("a VST3 strip");
            inst.set_channel_context(name, 0xff_80_80_80, None).unwrap();
            inst.activate(RATE, BLOCK as i32).expect("activate");
            inst
        })
        .collect();
    let names = |probe: &Probe| -> Vec<String> {
        let mut n: Vec<String> = (0..probe.count())
            .map(|i| probe.member(i).expect("member").2)
            .collect();
        n.sort();
        n
    };
    assert_eq!(clap.count(), before + 4, "the CLAP console sees all four");
    assert_eq!(
        names(&clap),
        names(&vst3),
        "both consoles list the same strips"
    );
    assert!(
        ["CLAP A", "CLAP B", "VST3 C", "VST3 D"]
            .iter()
            .all(|n| names(&clap).iter().any(|m| m == n)),
        "{:?}",
        names(&clap)
    );

    // The CLAP library's console moves the VST3 C fader.
    let c = clap.index_of("VST3 C").expect("VST3 C in the CLAP console");
    let normalized = 0.546_313_8f32; // −12 dB on the fader's skew (as the CLAP edit test)
    assert!(
        clap.edit(c, "fader", normalized),
        "the edit reached a live strip"
    );
    let edits = vst3_tracks[0].handler.edits.lock().unwrap().clone();
    println!("VST3 C's host received: {edits:?}");
    assert_eq!(edits.len(), 1, "one performEdit on VST3 C's host");
    assert_eq!(edits[0].0, FADER);
    assert!((edits[0].1 - normalized as f64).abs() < 1e-6);
    assert!(vst3_tracks[1].handler.edits.lock().unwrap().is_empty());
    // While it processes, a VST3 plugin takes its own edit back from the host with the next
    // block, as the host records it; the test host does what a DAW does.
    let back: Vec<ParamChange> = edits
        .iter()
        .map(|&(id, value)| ParamChange {
            offset: 0,
            id,
            value,
        })
        .collect();
    let mut inputs = vec![vec![vec![0.0; BLOCK]; 2]];
    let mut outputs = vec![vec![vec![0.0; BLOCK]; 2]];
    vst3_tracks[0]
        .process(&mut inputs, &mut outputs, &back, None)
        .unwrap();
    let c3 = vst3.index_of("VST3 C").expect("VST3 C in its own console");
    let fader_db = vst3.member(c3).expect("member").0;
    assert!((fader_db + 12.0).abs() < 0.01, "{fader_db}");

    // Solo on CLAP A mutes VST3 D (and unsolo lets it play).
    let input = sine(0.5, 200.0, 0, BLOCK);
    let solo = |on: bool| ParamChange {
        offset: 0,
        id: SOLO,
        value: on as u8 as f64,
    };
    let vst3_level = |inst: &mut host_tests::vst3_host::Instance| -> f32 {
        let mut out = Vec::new();
        for _ in 0..SETTLE_BLOCKS {
            let mut inputs = vec![vec![input.clone(), input.clone()]];
            let mut outputs = vec![vec![vec![0.0; BLOCK]; 2]];
            inst.process(&mut inputs, &mut outputs, &[], None).unwrap();
            out = outputs[0][0].clone();
        }
        db(rms(&out)) - db(rms(&input))
    };
    block(&mut clap_tracks[0], &input, &[solo(true)]).unwrap();
    let muted = vst3_level(&mut vst3_tracks[1]);
    block(&mut clap_tracks[0], &input, &[solo(false)]).unwrap();
    let open = vst3_level(&mut vst3_tracks[1]);
    println!("VST3 D with CLAP A soloed: {muted:.1} dB; unsoloed: {open:.4} dB");
    assert!(muted < -120.0, "{muted}");
    assert!(open.abs() < 1e-4, "{open}");
    drop(vst3_tracks);
    let _ = &mut clap_tracks;
    drop(clap_tracks);
    assert_eq!(clap.count(), before, "all four left");
}

/// A Channel Strip joins the link with each of its eight channels (`plugins/channel-strip/
/// src/linked.rs`), from a library of its own: a Strip's console lists them beside the
/// Strips, named after the host's track and the channel; a channel's meter in the Strip's
/// console reads that channel's output; an edit of a channel from the Strip's console arrives
/// at the Channel Strip's host as a gesture on that channel's parameter; solo works across:
/// a soloed Strip mutes the Channel Strip's channels, a soloed channel mutes the Strip.
#[test]
#[ignore = "run by linked_strips_in_a_linked_process, with links on"]
fn a_channel_strips_channels_join_the_console() {
    let (_g, probe) = setup();
    let before = probe.count();
    let mut vocal = track("Vocal");
    let (_bundle, mut console) =
        battery::instantiate(&release_bundle("channel-strip")).expect("a Channel Strip");
    console.set_track("Drum Bus", [0x80, 0x40, 0x20]);
    console.activate(RATE, BLOCK as u32).expect("activate");
    assert_eq!(probe.count(), before + 9, "the Strip and eight channels");
    let names: Vec<String> = (0..probe.count())
        .filter_map(|i| probe.member(i).map(|m| m.2))
        .collect();
    println!("the Strip's console: {names:?}");
    for k in 1..=8 {
        let name = format!("Drum Bus · Bus {k}");
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }

    // Channel 1 (bus 1, the main input) carries a −12 dBFS sine; its column meters it.
    let watch = probe.watch(true);
    let amp = 10f32.powf(-12.0 / 20.0);
    let ch1 = probe.index_of("Drum Bus · Bus 1").unwrap();
    let ch2 = probe.index_of("Drum Bus · Bus 2").unwrap();
    let _ = probe.member(ch1);
    for b in 0..SETTLE_BLOCKS {
        block(&mut console, &sine(amp, 997.0, b * BLOCK, BLOCK), &[]).unwrap();
    }
    let (_, m1, _) = probe.member(ch1).unwrap();
    let (_, m2, _) = probe.member(ch2).unwrap();
    probe.watch(false);
    let err = db(m1[0]) - db(amp);
    println!(
        "channel 1 peak in the Strip's console: {:.4} dBFS (error {err:+.4} dB); channel 2: {}",
        db(m1[0]),
        m2[0]
    );
    assert!(watch >= 1);
    assert!(err.abs() < 0.01, "{err}");
    assert_eq!(m2[0], 0.0, "channel 2 has no input");

    // An edit of channel 3's fader from the Strip's console: a gesture on fader_3.
    let ch3 = probe.index_of("Drum Bus · Bus 3").unwrap();
    let _ = console.take_param_events();
    let _ = vocal.take_param_events();
    assert!(probe.edit(ch3, "fader", 0.5));
    // The host takes the gesture from the plugin's output events with its next block.
    block(&mut console, &sine(amp, 997.0, 0, BLOCK), &[]).unwrap();
    block(&mut vocal, &sine(amp, 997.0, 0, BLOCK), &[]).unwrap();
    let events = console.take_param_events();
    println!("the Channel Strip's host received: {events:?}");
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(matches!(events[0], ParamEvent::Begin(FADER_3)));
    assert!(matches!(events[1], ParamEvent::Value(FADER_3, v) if (v - 0.5).abs() < 1e-6));
    assert!(matches!(events[2], ParamEvent::End(FADER_3)));
    assert!(vocal.take_param_events().is_empty());

    // Solo across: the Vocal Strip soloed mutes the Channel Strip's channel 1…
    let input = sine(0.5, 200.0, 0, BLOCK);
    let level = |inst: &mut Instance, changes: &[ParamChange]| -> f32 {
        let mut out = block(inst, &input, changes).unwrap();
        for _ in 0..SETTLE_BLOCKS {
            out = block(inst, &input, &[]).unwrap();
        }
        db(rms(&out)) - db(rms(&input))
    };
    let solo = |id: u32, on: bool| ParamChange {
        offset: 0,
        id,
        value: on as u8 as f64,
    };
    block(&mut vocal, &input, &[solo(SOLO, true)]).unwrap();
    let muted = level(&mut console, &[]);
    block(&mut vocal, &input, &[solo(SOLO, false)]).unwrap();
    let open = level(&mut console, &[]);
    // …and its channel 1 soloed mutes the Vocal Strip.
    level(&mut console, &[solo(SOLO_1, true)]);
    let vocal_muted = level(&mut vocal, &[]);
    level(&mut console, &[solo(SOLO_1, false)]);
    let vocal_open = level(&mut vocal, &[]);
    println!(
        "Channel Strip with the Vocal Strip soloed {muted:.1} dB, unsoloed {open:.4} dB; \
         Vocal with channel 1 soloed {vocal_muted:.1} dB, unsoloed {vocal_open:.4} dB"
    );
    assert!(muted < -120.0 && vocal_muted < -120.0);
    assert!(
        open.abs() < 1e-3 && vocal_open.abs() < 1e-4,
        "{open} {vocal_open}"
    );
    drop(console);
    drop(vocal);
    assert_eq!(
        probe.count(),
        before,
        "the Strip and the eight channels left"
    );
}
