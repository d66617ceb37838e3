//! A panic in plugin code never reaches the host (vendor/nice-plug/MIXWERK.md, `PanicGuard`).
//!
//! The plugin under test is `tests/panic-plugin`, which passes audio through until its "Panic"
//! parameter is switched on and then panics in every `process` call, and whose "Trap"
//! parameter's text conversions panic above 0.9. Through both host harnesses: after the panic
//! the test process (the "host") is still running, the interrupted block and every later block
//! are silent, the host got a normal status, the instance refuses to be activated again but
//! can be deactivated and destroyed, and another instance of the same plugin is unaffected.
//!
//! The library is the ordinary release build (`cargo build --release -p panic-plugin`, which
//! `cargo xtask test` runs). Not an `assert_process_allocs` build: raising a panic allocates
//! its payload, which such a build treats as a real-time violation in `process` itself.

use std::path::PathBuf;

use host_tests::bundles::target_dir;
use host_tests::host::{self, ParamChange};
use host_tests::vst3_host;

const CLAP_ID: &str = "org.mixwerk.test.panic";
const NAME: &str = "Panic Test";
const RATE: f64 = 48_000.0;
const BLOCK: usize = 256;
/// Where in the block the "Panic" switch lands: the first part of that block is processed
/// normally before the plugin panics, so a silent block shows the wrapper zeroed all of it.
const SWITCH_AT: u32 = 100;

/// The panic plugin's shared library (it exports both the CLAP and the VST3 entry points).
fn library() -> PathBuf {
    let path = target_dir().join("release").join(format!(
        "{}panic_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release -p panic-plugin` (`cargo xtask test` does)",
        path.display()
    );
    path
}

/// A stereo 440 Hz / 550 Hz input block starting at sample `start`, never zero at the
/// samples checked below (an output of zeros cannot be mistaken for a pass-through).
fn input(start: usize) -> Vec<Vec<Vec<f32>>> {
    let channel = |hz: f64, phase: f64| -> Vec<f32> {
        (start..start + BLOCK)
            .map(|n| {
                (0.5 * (2.0 * std::f64::consts::PI * hz * n as f64 / RATE + phase).sin() + 0.25)
                    as f32
            })
            .collect()
    };
    vec![vec![channel(440.0, 0.0), channel(550.0, 1.0)]]
}

/// An output block prefilled with a value no correct output has here, so that only samples
/// the plugin (or its wrapper) wrote can pass the checks.
fn garbage_output() -> Vec<Vec<Vec<f32>>> {
    vec![vec![vec![-7.0; BLOCK]; 2]]
}

fn assert_silent(output: &[Vec<Vec<f32>>], what: &str) {
    for (c, channel) in output[0].iter().enumerate() {
        if let Some(n) = channel.iter().position(|&x| x != 0.0) {
            panic!(
                "{what}: channel {c} sample {n} is {}, not silence",
                channel[n]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CLAP

fn clap_instance() -> host::Instance {
    host::Bundle::load(&library())
        .expect("the panic plugin loads as CLAP")
        .instantiate(CLAP_ID)
        .expect("instantiate")
}

#[test]
fn clap_panic_in_process_silences_the_instance_and_the_host_goes_on() {
    let mut plugin = clap_instance();
    let params = plugin.params().unwrap();
    let panic_id = host::param_id(&params, "Panic");
    plugin.activate(RATE, BLOCK as u32).unwrap();

    // Before: the input passes through.
    let mut inp = input(0);
    let mut out = garbage_output();
    plugin.process(&mut inp, &mut out, &[]).unwrap();
    assert_eq!(
        out, inp,
        "before the panic the plugin passes its input through"
    );

    // The switch mid-block: the plugin panics at sample SWITCH_AT. The call still returns a
    // normal status and the whole block is silent.
    let switch = [ParamChange {
        offset: SWITCH_AT,
        id: panic_id,
        value: 1.0,
    }];
    let mut inp = input(BLOCK);
    let mut out = garbage_output();
    plugin
        .process(&mut inp, &mut out, &switch)
        .expect("the host gets a normal status from the block that panicked");
    assert_silent(&out, "the block that panicked");

    // Every later block is silent, also with the switch off again: the plugin is not called.
    for block in 2..12 {
        let off = [ParamChange {
            offset: 0,
            id: panic_id,
            value: 0.0,
        }];
        let changes: &[ParamChange] = if block == 2 { &off } else { &[] };
        let mut inp = input(block * BLOCK);
        let mut out = garbage_output();
        plugin
            .process(&mut inp, &mut out, changes)
            .expect("a failed instance's process returns a normal status");
        assert_silent(&out, &format!("block {block} after the panic"));
    }

    // Deactivating runs the main-thread callback, which logs the panic to the host's log,
    // once for the instance although every block after it was refused.
    plugin.deactivate();
    assert_eq!(
        plugin.logged_errors(),
        1,
        "one error in the host's log for the panic"
    );
    assert!(
        plugin.activate(RATE, BLOCK as u32).is_err(),
        "an instance that panicked refuses to be activated again"
    );
    drop(plugin);

    // Another instance of the same plugin is unaffected.
    let mut fresh = clap_instance();
    fresh.activate(RATE, BLOCK as u32).unwrap();
    let mut inp = input(0);
    let mut out = garbage_output();
    fresh.process(&mut inp, &mut out, &[]).unwrap();
    assert_eq!(out, inp, "a new instance passes its input through");
    assert_eq!(fresh.logged_errors(), 0);
}

#[test]
fn clap_panic_in_a_text_conversion_is_a_failed_conversion() {
    let mut plugin = clap_instance();
    let params = plugin.params().unwrap();
    let trap = host::param_id(&params, "Trap");
    assert_eq!(plugin.value_to_text(trap, 0.5).unwrap(), "0.500");
    assert!(
        plugin.value_to_text(trap, 0.95).is_err(),
        "a formatter that panics is a failed value_to_text"
    );
    assert_eq!(plugin.text_to_value(trap, "0.95"), None);
    assert_eq!(plugin.text_to_value(trap, "0.25"), Some(0.25));
    assert_eq!(plugin.logged_errors(), 2, "each caught panic is logged");

    // A conversion leaves no state half-updated, so the instance keeps working.
    plugin.activate(RATE, BLOCK as u32).unwrap();
    let mut inp = input(0);
    let mut out = garbage_output();
    plugin.process(&mut inp, &mut out, &[]).unwrap();
    assert_eq!(out, inp);
}

// ---------------------------------------------------------------------------------------------
// VST3

fn vst3_instance() -> vst3_host::Instance {
    // The harness loads the library itself; a `.vst3` bundle directory only tells a DAW where
    // that library is.
    let module = vst3_host::Module::load(&library()).expect("the panic plugin loads as VST3");
    let classes = module.classes().unwrap();
    let class = classes
        .iter()
        .find(|c| c.name == NAME)
        .expect("a VST3 class named Panic Test");
    module.instantiate(&class.cid).expect("instantiate")
}

fn vst3_param(plugin: &vst3_host::Instance, title: &str) -> u32 {
    plugin
        .params()
        .unwrap()
        .into_iter()
        .find(|p| p.title == title)
        .unwrap_or_else(|| panic!("no VST3 parameter {title:?}"))
        .id
}

#[test]
fn vst3_panic_in_process_silences_the_instance_and_the_host_goes_on() {
    let mut plugin = vst3_instance();
    let panic_id = vst3_param(&plugin, "Panic");
    plugin.activate(RATE, BLOCK as i32).unwrap();

    let mut inp = input(0);
    let mut out = garbage_output();
    plugin.process(&mut inp, &mut out, &[], None).unwrap();
    assert_eq!(
        out, inp,
        "before the panic the plugin passes its input through"
    );

    let switch = [ParamChange {
        offset: SWITCH_AT,
        id: panic_id,
        value: 1.0,
    }];
    let mut inp = input(BLOCK);
    let mut out = garbage_output();
    plugin
        .process(&mut inp, &mut out, &switch, None)
        .expect("the host gets kResultOk from the block that panicked");
    assert_silent(&out, "the block that panicked");

    for block in 2..12 {
        let mut inp = input(block * BLOCK);
        let mut out = garbage_output();
        plugin
            .process(&mut inp, &mut out, &[], None)
            .expect("a failed instance's process returns kResultOk");
        assert_silent(&out, &format!("block {block} after the panic"));
    }

    plugin.deactivate();
    assert!(
        plugin.activate(RATE, BLOCK as i32).is_err(),
        "an instance that panicked refuses setActive(true)"
    );
    drop(plugin);

    let mut fresh = vst3_instance();
    fresh.activate(RATE, BLOCK as i32).unwrap();
    let mut inp = input(0);
    let mut out = garbage_output();
    fresh.process(&mut inp, &mut out, &[], None).unwrap();
    assert_eq!(out, inp, "a new instance passes its input through");
}

#[test]
fn vst3_panic_in_a_text_conversion_is_a_failed_conversion() {
    let plugin = vst3_instance();
    let trap = vst3_param(&plugin, "Trap");
    assert_eq!(plugin.string_by_value(trap, 0.5).unwrap(), "0.500");
    assert!(plugin.string_by_value(trap, 0.95).is_err());
    assert_eq!(plugin.value_by_string(trap, "0.95"), None);
    assert_eq!(plugin.value_by_string(trap, "0.25"), Some(0.25));
}
