//! The processing half of the CLAP battery on the `assert_process_allocs` builds in
//! `target/alloc-check/`: nice-plug aborts the process on any allocation inside `process`, so
//! an allocation on the audio thread fails this test binary with the allocating backtrace.

use host_tests::battery;
use host_tests::bundles::alloc_check_builds;

#[test]
fn processing_never_allocates() {
    battery::for_each(&alloc_check_builds(), battery::processing);
}

#[test]
fn automation_never_allocates() {
    battery::for_each(&alloc_check_builds(), battery::automation_offsets);
}

#[test]
fn state_changes_never_allocate_in_process() {
    battery::for_each(&alloc_check_builds(), battery::state);
}

#[test]
fn latency_never_allocates() {
    battery::for_each(&alloc_check_builds(), battery::latency);
}
