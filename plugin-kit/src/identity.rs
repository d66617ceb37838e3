//! What every Mixwerk plugin tells the host about itself: the vendor's name and addresses,
//! and the audio layouts most plugins offer, named the same way in every host's menu.
//! (Each plugin keeps its own `VERSION`, which `env!` must read in that plugin's crate.)

use nice_plug::prelude::{AudioIOLayout, PortNames};
use std::num::NonZeroU32;

pub const VENDOR: &str = "Mixwerk";
pub const URL: &str = "https://mixwerk.org";
pub const EMAIL: &str = "info@mixwerk.org";

/// A layout with a main input and output and nothing else, named for the host's menu.
pub const fn layout(name: &'static str, inputs: u32, outputs: u32) -> AudioIOLayout {
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(inputs),
        main_output_channels: NonZeroU32::new(outputs),
        names: PortNames {
            layout: Some(name),
            ..PortNames::const_default()
        },
        ..AudioIOLayout::const_default()
    }
}

/// `layout` with one stereo auxiliary input named "Sidechain", the key of a compressor or a
/// ducker. Every host lists such a port in its sidechain chooser.
pub const fn with_sidechain(layout: AudioIOLayout) -> AudioIOLayout {
    const STEREO_KEY: [NonZeroU32; 1] = [NonZeroU32::new(2).unwrap()];
    AudioIOLayout {
        aux_input_ports: &STEREO_KEY,
        names: PortNames {
            aux_inputs: &["Sidechain"],
            ..layout.names
        },
        ..layout
    }
}

pub const STEREO: AudioIOLayout = layout("Stereo", 2, 2);
pub const MONO: AudioIOLayout = layout("Mono", 1, 1);
pub const MONO_TO_STEREO: AudioIOLayout = layout("Mono to Stereo", 1, 2);

/// The identity constants of `nice_plug::prelude::Plugin` for a Mixwerk plugin named `$name`,
/// written inside its `impl Plugin` block. `VERSION` is read with `env!` where the macro is
/// expanded, so each plugin reports its own crate's version. Also hands the host the plugin's
/// factory presets and brings old saved states up to date, both from the plugin's `presets`
/// module (`plugin_kit::factory_presets!`).
// `crate::presets` is the plugin's own module, where the macro is used.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! plugin_identity {
    ($name:literal) => {
        const NAME: &'static str = $name;
        const VENDOR: &'static str = $crate::identity::VENDOR;
        const URL: &'static str = $crate::identity::URL;
        const EMAIL: &'static str = $crate::identity::EMAIL;
        const VERSION: &'static str = env!("CARGO_PKG_VERSION");

        fn factory_presets() -> &'static [::nice_plug::prelude::FactoryPreset] {
            crate::presets::library().host()
        }

        fn filter_state(state: &mut ::nice_plug::prelude::PluginState) {
            $crate::preset::migrate::migrate_state(state, crate::presets::MIGRATIONS);
        }
    };
}

/// Declares a Mixwerk plugin to both formats and exports it: the CLAP descriptor (id,
/// description, features) and the VST3 class (id, subcategories), then the two entry points.
/// `clap_items` adds CLAP-only methods (e.g. `remote_controls`). The ids are what hosts store in saved sessions: never change them once released (the
/// contract tests in `tests/contracts` and `tests/src/bundles.rs` hold them).
#[macro_export]
macro_rules! export_plugin {
    (
        $plugin:ty,
        clap_id: $clap_id:literal,
        description: $description:literal,
        clap_features: [$($feature:ident),+ $(,)?],
        vst3_class_id: $class_id:literal,
        vst3_subcategories: [$($subcategory:ident),+ $(,)?]
        $(, clap_items: { $($clap_item:item)* })? $(,)?
    ) => {
        impl ::nice_plug::prelude::ClapPlugin for $plugin {
            const CLAP_ID: &'static str = $clap_id;
            const CLAP_DESCRIPTION: Option<&'static str> = Some($description);
            const CLAP_MANUAL_URL: Option<&'static str> = None;
            const CLAP_SUPPORT_URL: Option<&'static str> = None;
            const CLAP_FEATURES: &'static [::nice_plug::prelude::ClapFeature] =
                &[$(::nice_plug::prelude::ClapFeature::$feature),+];
            $($($clap_item)*)?
        }

        impl ::nice_plug::prelude::Vst3Plugin for $plugin {
            const VST3_CLASS_ID: [u8; 16] = *$class_id;
            const VST3_SUBCATEGORIES: &'static [::nice_plug::prelude::Vst3SubCategory] =
                &[$(::nice_plug::prelude::Vst3SubCategory::$subcategory),+];
        }

        ::nice_plug::nice_export_clap!($plugin);
        ::nice_plug::nice_export_vst3!($plugin);
    };
}
