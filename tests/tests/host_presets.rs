//! Factory presets as hosts see them (issue 17), on every release bundle: CLAP preset
//! discovery and `preset-load`, the VST3 program list and program-change parameter, checked
//! against the preset files in `plugins/<crate>/presets/`. A plugin without preset files must
//! offer hosts no presets at all. Run through `cargo xtask test`.

use host_tests::battery;
use host_tests::bundles::{release_bundles, vst3_bundles};
use host_tests::presets;

#[test]
fn clap_discovery_lists_exactly_the_preset_files() {
    battery::for_each(&release_bundles(), presets::clap_discovery);
}

#[test]
fn clap_preset_load_sets_each_preset_and_refuses_unknown_keys() {
    battery::for_each(&release_bundles(), presets::clap_preset_load);
}

#[test]
fn vst3_program_list_lists_exactly_the_preset_files() {
    battery::for_each(&release_bundles(), presets::vst3_program_list);
}

#[test]
fn vst3_program_change_loads_each_preset() {
    battery::for_each(&release_bundles(), presets::vst3_program_change);
}

#[test]
fn every_preset_plays_bit_for_bit_what_the_same_settings_by_hand_play() {
    let both: Vec<_> = release_bundles()
        .into_iter()
        .chain(vst3_bundles())
        .collect();
    battery::for_each(&both, presets::preset_equals_the_same_settings_by_hand);
}
