//! The hostile host's short run (`host_tests::adversarial`), in `cargo xtask test`: every
//! plugin, both formats, the release bundles and the allocation-checking builds, fixed seeds.
//! The long run is `cargo xtask fuzz --minutes N [plugin]`.

use host_tests::adversarial::{self, Budget};
use host_tests::battery;
use host_tests::bundles::{
    PluginUnderTest, alloc_check_builds, release_bundles, vst3_alloc_check_builds, vst3_bundles,
};

/// Fixed seeds: a failure here replays with `cargo xtask fuzz --seed N <plugin>`.
const SEEDS: [u64; 2] = [1, 2];

fn release() -> Vec<PluginUnderTest> {
    let mut all = release_bundles();
    all.extend(vst3_bundles());
    all
}

fn alloc_check() -> Vec<PluginUnderTest> {
    let mut all = alloc_check_builds();
    all.extend(vst3_alloc_check_builds());
    all
}

fn each_seed(
    case: fn(&PluginUnderTest, u64, Budget) -> host_tests::host::Result<()>,
) -> impl Fn(&PluginUnderTest) -> host_tests::host::Result<()> {
    move |p| {
        for seed in SEEDS {
            case(p, seed, Budget::Short)?;
        }
        Ok(())
    }
}

#[test]
fn random_automation_of_every_parameter_keeps_the_output_finite() {
    battery::for_each(&release(), each_seed(adversarial::automation));
}

#[test]
fn poisoned_input_leaves_no_trace_once_the_input_is_clean() {
    battery::for_each(&release(), each_seed(adversarial::poison));
}

#[test]
fn damaged_and_mid_automation_states_load_cleanly_or_not_at_all() {
    battery::for_each(&release(), each_seed(adversarial::states));
}

#[test]
fn activation_cycles_at_changing_rates_blocks_and_layouts() {
    battery::for_each(&release(), each_seed(adversarial::lifecycle));
}

/// The same cases once more on the builds that abort on any allocation in `process`.
#[test]
fn hostile_automation_never_allocates() {
    battery::for_each(&alloc_check(), |p| {
        adversarial::automation(p, 3, Budget::Short)?;
        adversarial::poison(p, 3, Budget::Short)?;
        adversarial::lifecycle(p, 3, Budget::Short)
    });
}
