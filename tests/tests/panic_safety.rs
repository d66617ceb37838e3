//! A panic in plugin code never reaches the host (vendor/nice-plug/MIXWERK.md, fix 7).
//!
//! The plugin under test is `tests/panic-plugin` (`host_tests::panic_plugin`), which passes
//! audio through until its "Panic" parameter is switched on and then panics in every `process`
//! call, and whose "Trap" parameter's text conversions panic above 0.9. Through both host
//! harnesses: after the panic the test process (the "host") is still running, the interrupted
//! block and every later block are silent, the host got a normal status, the instance refuses
//! to be activated again but can be deactivated and destroyed, and another instance of the
//! same plugin is unaffected. A panic in a text conversion is a failed conversion; a panic in a
//! state load is a failed load that leaves the state from before. Without the guard this test
//! binary aborts (SIGABRT).

use host_tests::host;
use host_tests::panic_plugin::{
    Block, ProcessBlock, active_clap, active_vst3, clap_instance, set, vst3_instance, vst3_param,
};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 256;
/// Where in the block the "Panic" switch lands: the first part of that block is processed
/// normally before the plugin panics, so a silent block shows the wrapper zeroed all of it.
const SWITCH_AT: u32 = 100;

/// A stereo 440 Hz / 550 Hz input block starting at sample `start`, offset so that it is
/// never zero (an output of zeros cannot be mistaken for a pass-through).
fn input(start: usize) -> Block {
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
fn garbage_output() -> Block {
    vec![vec![vec![-7.0; BLOCK]; 2]]
}

fn assert_silent(output: &Block, what: &str) {
    for (c, channel) in output[0].iter().enumerate() {
        if let Some(n) = channel.iter().position(|&x| x != 0.0) {
            panic!(
                "{what}: channel {c} sample {n} is {}, not silence",
                channel[n]
            );
        }
    }
}

/// An active instance passes a block through unchanged.
fn assert_passes_through(plugin: &mut impl ProcessBlock, what: &str) {
    let mut inp = input(0);
    let mut out = garbage_output();
    plugin.process_block(&mut inp, &mut out, &[]).unwrap();
    assert_eq!(out, inp, "{what} passes its input through");
}

/// The scenario both formats run on an active instance: a normal block, the "Panic" switch
/// mid-block, then ten more blocks (the first switching it off again). Every `process` call
/// must return a normal status, and every block from the panicking one on must be silent.
fn panic_mid_stream(plugin: &mut impl ProcessBlock, panic_id: u32) {
    assert_passes_through(plugin, "before the panic the plugin");
    for block in 1..12 {
        let changes = match block {
            1 => set(panic_id, SWITCH_AT, 1.0).to_vec(),
            2 => set(panic_id, 0, 0.0).to_vec(),
            _ => Vec::new(),
        };
        let mut inp = input(block * BLOCK);
        let mut out = garbage_output();
        plugin
            .process_block(&mut inp, &mut out, &changes)
            .unwrap_or_else(|e| panic!("block {block}: the host got an error status: {e}"));
        assert_silent(&out, &format!("block {block} (the panic was in block 1)"));
    }
}

#[test]
fn clap_panic_in_process_silences_the_instance_and_the_host_goes_on() {
    let (mut plugin, panic_id) = active_clap("Panic", RATE, BLOCK);
    panic_mid_stream(&mut plugin, panic_id);

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

    let mut fresh = clap_instance();
    fresh.activate(RATE, BLOCK as u32).unwrap();
    assert_passes_through(&mut fresh, "a new instance");
    assert_eq!(fresh.logged_errors(), 0);
}

#[test]
fn vst3_panic_in_process_silences_the_instance_and_the_host_goes_on() {
    let (mut plugin, panic_id) = active_vst3("Panic", RATE, BLOCK);
    panic_mid_stream(&mut plugin, panic_id);

    plugin.deactivate();
    assert!(
        plugin.activate(RATE, BLOCK as i32).is_err(),
        "an instance that panicked refuses setActive(true)"
    );
    drop(plugin);

    let mut fresh = vst3_instance();
    fresh.activate(RATE, BLOCK as i32).unwrap();
    assert_passes_through(&mut fresh, "a new instance");
}

#[test]
fn clap_panic_in_a_text_conversion_is_a_failed_conversion() {
    let mut plugin = clap_instance();
    let trap = host::param_id(&plugin.params().unwrap(), "Trap");
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
    assert_passes_through(&mut plugin, "after two caught panics the instance");
}

#[test]
fn vst3_panic_in_a_text_conversion_is_a_failed_conversion() {
    let mut plugin = vst3_instance();
    let trap = vst3_param(&plugin, "Trap");
    assert_eq!(plugin.string_by_value(trap, 0.5).unwrap(), "0.500");
    assert!(plugin.string_by_value(trap, 0.95).is_err());
    assert_eq!(plugin.value_by_string(trap, "0.95"), None);
    assert_eq!(plugin.value_by_string(trap, "0.25"), Some(0.25));

    plugin.activate(RATE, BLOCK as i32).unwrap();
    assert_passes_through(&mut plugin, "after two caught panics the instance");
}

/// A saved state (JSON) changed so that loading it first sets "Trap" to 0.5 and then panics
/// in the persisted field "fuse" (666).
fn poisoned(state: &str) -> String {
    let trap = state.replace(r#""trap":{"f32":0.0}"#, r#""trap":{"f32":0.5}"#);
    let fused = trap.replace(r#""fuse":"0""#, r#""fuse":"666""#);
    assert!(
        trap != state && fused != trap,
        "the state's layout changed: {state}"
    );
    fused
}

#[test]
fn clap_panic_in_state_load_fails_the_load_and_keeps_the_old_state() {
    let mut plugin = clap_instance();
    let before = plugin.save_state().unwrap();
    // nice-plug's CLAP state: the JSON's length (u64, little endian), then the JSON.
    let bad = poisoned(std::str::from_utf8(&before[8..]).unwrap());
    let mut blob = (bad.len() as u64).to_le_bytes().to_vec();
    blob.extend_from_slice(bad.as_bytes());
    assert!(
        plugin.load_state(&blob).is_err(),
        "a load that panicked reports failure"
    );
    assert_eq!(
        plugin.save_state().unwrap(),
        before,
        "the parameter the load had already set is back as it was"
    );
    assert!(
        plugin.activate(RATE, BLOCK as u32).is_err(),
        "an instance that panicked refuses to be activated"
    );
}

#[test]
fn vst3_panic_in_state_load_fails_the_load_and_keeps_the_old_state() {
    let plugin = vst3_instance();
    let before = plugin.get_state().unwrap();
    let bad = poisoned(std::str::from_utf8(&before).unwrap());
    assert!(
        plugin.set_state(bad.as_bytes()).is_err(),
        "a load that panicked reports failure"
    );
    assert_eq!(
        plugin.get_state().unwrap(),
        before,
        "the parameter the load had already set is back as it was"
    );
}
