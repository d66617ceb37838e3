//! The CLAP battery on every release bundle in `target/bundled/` (what ships).
//! Run through `cargo xtask test`, which builds the bundles first.

use host_tests::battery;
use host_tests::bundles::release_bundles;

#[test]
fn factory_describes_exactly_one_plugin() {
    battery::for_each(&release_bundles(), battery::clap_factory);
}

#[test]
fn parameters_have_stable_ids_sane_ranges_and_round_trip_text() {
    battery::for_each(&release_bundles(), battery::parameters);
}

#[test]
fn processes_every_layout_rate_block_size_and_signal() {
    battery::for_each(&release_bundles(), battery::processing);
}

#[test]
fn refuses_undeclared_layouts() {
    battery::for_each(&release_bundles(), battery::refuses_undeclared_layouts);
}

#[test]
fn parameter_events_act_at_their_sample_offsets() {
    battery::for_each(&release_bundles(), battery::automation_offsets);
}

#[test]
fn state_round_trips_and_refuses_garbage() {
    battery::for_each(&release_bundles(), battery::state);
}

#[test]
fn reported_latency_equals_measured_latency() {
    battery::for_each(&release_bundles(), battery::latency);
}

#[test]
fn aux_ports_left_out_by_the_host_are_silent() {
    battery::for_each(&release_bundles(), battery::missing_aux_ports);
}
