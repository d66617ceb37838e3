//! The battery on every `.vst3` bundle in `target/bundled/`, through the VST3 interfaces a
//! host uses (component, edit controller, audio processor), plus what VST3 adds: class info,
//! the controller's parameter view, bus arrangements. Run through `cargo xtask test`.

use host_tests::battery;
use host_tests::bundles::vst3_bundles;

#[test]
fn factory_describes_exactly_one_audio_module() {
    battery::for_each(&vst3_bundles(), battery::vst3_factory);
    battery::vst3_class_ids_are_unique(&vst3_bundles());
}

#[test]
fn controller_parameters_agree_with_clap_and_round_trip() {
    battery::for_each(&vst3_bundles(), battery::vst3_parameters);
}

#[test]
fn parameters_have_stable_ids_sane_ranges_and_round_trip_text() {
    battery::for_each(&vst3_bundles(), battery::parameters);
}

#[test]
fn accepts_every_declared_bus_arrangement_and_processes() {
    battery::for_each(&vst3_bundles(), battery::processing);
}

#[test]
fn refuses_undeclared_bus_arrangements() {
    battery::for_each(&vst3_bundles(), battery::refuses_undeclared_layouts);
}

#[test]
fn parameter_changes_act_at_their_sample_offsets() {
    battery::for_each(&vst3_bundles(), battery::automation_offsets);
}

#[test]
fn state_round_trips_and_refuses_garbage() {
    battery::for_each(&vst3_bundles(), battery::state);
}

#[test]
fn reported_latency_equals_measured_latency() {
    battery::for_each(&vst3_bundles(), battery::latency);
}

#[test]
fn tail_is_reported_for_effects_that_ring_on() {
    battery::for_each(&vst3_bundles(), battery::vst3_tail);
}

#[test]
fn inactive_aux_buses_are_silent() {
    battery::for_each(&vst3_bundles(), battery::vst3_inactive_aux_buses);
}
