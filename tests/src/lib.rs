//! The Mixwerk host harness: loads the built bundles through real host code and checks every
//! plugin the same way (see `tests/clap_battery.rs`); `bench` times them.

pub mod adversarial;
pub mod battery;
pub mod bundles;
pub mod cli;
pub mod host;
pub mod hosted;
pub mod panic_plugin;
pub mod presets;
pub mod reverb_files;
pub mod signals;
pub mod vst3_host;

/// Mixwerk Strips in one process link to each other (`plugin_kit::link`), so in a test process
/// one test's solo would mute another test's instance. Test processes therefore run them
/// unlinked (`MIXWERK_LINK=off`, set before the first bundle loads), unless the process asked
/// for links first ([`link_strips`], `tests/tests/linked_strips.rs`).
pub fn unlinked_unless_asked() {
    choose_link(false);
}

/// Links the Mixwerk Strips of this test process (call before loading any bundle).
pub fn link_strips() {
    choose_link(true);
}

fn choose_link(on: bool) {
    static CHOSEN: std::sync::Once = std::sync::Once::new();
    CHOSEN.call_once(|| {
        // SAFETY: before any bundle is loaded, so no plugin thread reads the environment yet;
        // the test threads of this process do not read it.
        unsafe { std::env::set_var("MIXWERK_LINK", if on { "on" } else { "off" }) }
    });
}
