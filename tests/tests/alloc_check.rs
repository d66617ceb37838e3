//! The processing half of the battery, CLAP and VST3, on the `assert_process_allocs` builds in
//! `target/alloc-check/`: nice-plug aborts the process on any allocation inside `process`, so
//! an allocation on the audio thread fails this test binary with the allocating backtrace.

use host_tests::battery;
use host_tests::bundles::{alloc_check_builds, vst3_alloc_check_builds};

fn both() -> Vec<host_tests::bundles::PluginUnderTest> {
    let mut all = alloc_check_builds();
    all.extend(vst3_alloc_check_builds());
    all
}

#[test]
fn processing_never_allocates() {
    battery::for_each(&both(), battery::processing);
}

#[test]
fn automation_never_allocates() {
    battery::for_each(&both(), battery::automation_offsets);
}

#[test]
fn state_changes_never_allocate_in_process() {
    battery::for_each(&both(), battery::state);
}

#[test]
fn latency_never_allocates() {
    battery::for_each(&both(), battery::latency);
}

/// Factory presets loaded while playing (CLAP `preset-load` on the main thread, then
/// `process`; VST3 program changes sent in `process`, loaded off the audio thread).
#[test]
fn preset_loads_never_allocate_in_process() {
    battery::for_each(&alloc_check_builds(), host_tests::presets::clap_preset_load);
    battery::for_each(
        &vst3_alloc_check_builds(),
        host_tests::presets::vst3_program_change,
    );
}
