//! Factory presets: a plugin's preset files, embedded in its binary and resolved once, for the
//! host (`Plugin::factory_presets`: VST3 program list, CLAP preset discovery) and the editor.

use std::path::PathBuf;

use nice_plug::prelude::{ClapPlugin, FactoryPreset, Params};

use super::file::{PresetError, PresetFile};
use super::migrate::Migration;
use super::resolve::{self, Preset, Settings};
use super::user;

/// Everything a plugin knows about presets: who it is (for checking files), how to make a
/// fresh set of its parameters, its migrations, and its factory presets.
pub struct Library {
    pub plugin_id: &'static str,
    /// The plugin's name without the vendor ("Compressor"): its user preset folder.
    pub short_name: &'static str,
    pub version: &'static str,
    pub migrations: &'static [Migration],
    fresh: fn() -> Box<dyn Params>,
    /// The factory presets that resolved, in the order of the plugin's list.
    pub presets: Vec<Preset>,
    /// Factory files that did not (a test fails on any; a host never sees them).
    pub errors: Vec<(String, PresetError)>,
    host: Vec<FactoryPreset>,
}

impl Library {
    /// Resolves `files` (id, text) for the plugin `P`, whose parameters `fresh` makes.
    pub fn new<P: ClapPlugin>(
        files: &[(&str, &str)],
        migrations: &'static [Migration],
        fresh: fn() -> Box<dyn Params>,
    ) -> Self {
        let short_name = P::NAME.strip_prefix("Mixwerk ").unwrap_or(P::NAME);
        Self::with_identity(P::CLAP_ID, short_name, P::VERSION, files, migrations, fresh)
    }

    /// [`Library::new`] for a plugin known by its CLAP id, short name and version.
    pub fn with_identity(
        plugin_id: &'static str,
        short_name: &'static str,
        version: &'static str,
        files: &[(&str, &str)],
        migrations: &'static [Migration],
        fresh: fn() -> Box<dyn Params>,
    ) -> Self {
        let mut library = Self {
            plugin_id,
            short_name,
            version,
            migrations,
            fresh,
            presets: Vec::new(),
            errors: Vec::new(),
            host: Vec::new(),
        };
        for (id, text) in files {
            match library.read(id, text) {
                Ok(preset) => library.presets.push(preset),
                Err(e) => library.errors.push(((*id).to_owned(), e)),
            }
        }
        library.host = library
            .presets
            .iter()
            .map(|p| FactoryPreset {
                id: p.id.clone(),
                name: p.name.clone(),
                category: p.category.clone(),
                state: p.settings.state.clone(),
            })
            .collect();
        library
    }

    /// The factory presets as the wrappers offer them to hosts.
    pub fn host(&self) -> &[FactoryPreset] {
        &self.host
    }

    /// A preset's text (`id`: its file stem) made into complete settings for this plugin.
    pub fn read(&self, id: &str, text: &str) -> Result<Preset, PresetError> {
        let file = PresetFile::parse(text)?;
        let settings = self.resolve(&file)?;
        Ok(Preset {
            id: id.to_owned(),
            name: file.name,
            category: file.category,
            description: file.description,
            settings,
        })
    }

    /// A parsed file made into complete settings for this plugin.
    pub fn resolve(&self, file: &PresetFile) -> Result<Settings, PresetError> {
        let fresh = (self.fresh)();
        resolve::resolve(file, self.plugin_id, self.version, &*fresh, self.migrations)
    }

    /// This plugin's user preset folder on this platform, if the platform says where.
    pub fn user_folder(&self) -> Option<PathBuf> {
        user::folder(self.short_name)
    }
}

/// A plugin's factory presets, in `src/presets.rs`: the preset files (`presets/<id>.toml`, in
/// the order a browser lists them) embedded in the binary, the plugin's parameter migrations,
/// and `library()`, which resolves them once. `plugin_identity!` hands them to the host and
/// to `Plugin::filter_state`. Also makes each plugin's test that every file in `presets/` is
/// listed and loads, and that there are at least ten.
///
/// ```text
/// plugin_kit::factory_presets! {
///     plugin: crate::MixwerkCompressor,
///     params: crate::params::CompressorParams,
///     files: ["vocal-level", "bus-glue-2-db"],
///     migrations: [],
/// }
/// ```
#[macro_export]
macro_rules! factory_presets {
    (
        plugin: $plugin:ty,
        params: $params:ty,
        files: [$($file:literal),* $(,)?]
        $(, migrations: [$($migration:expr),* $(,)?])? $(,)?
    ) => {
        /// The preset files, embedded: (id, text).
        pub const FILES: &[(&str, &str)] = &[$((
            $file,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/", $file, ".toml")),
        )),*];

        /// What changed in the parameters since earlier versions (see `preset::migrate`).
        pub const MIGRATIONS: &[$crate::preset::Migration] = &[$($($migration),*)?];

        /// The factory presets, resolved on first use.
        pub fn library() -> &'static $crate::preset::factory::Library {
            static LIBRARY: ::std::sync::OnceLock<$crate::preset::factory::Library> =
                ::std::sync::OnceLock::new();
            LIBRARY.get_or_init(|| {
                $crate::preset::factory::Library::new::<$plugin>(FILES, MIGRATIONS, || {
                    ::std::boxed::Box::new(<$params as ::std::default::Default>::default())
                })
            })
        }

        #[cfg(test)]
        mod factory_preset_tests {
            #[test]
            fn every_factory_preset_is_listed_and_loads() {
                let library = super::library();
                assert!(library.errors.is_empty(), "presets that do not load: {:?}", library.errors);
                let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/presets");
                let mut on_disk: Vec<String> = ::std::fs::read_dir(dir)
                    .expect("the presets folder")
                    .filter_map(|e| {
                        let path = e.ok()?.path();
                        (path.extension()? == "toml")
                            .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
                    })
                    .collect();
                let mut listed: Vec<String> = super::FILES.iter().map(|(id, _)| id.to_string()).collect();
                on_disk.sort();
                listed.sort();
                assert_eq!(listed, on_disk, "every file in presets/ listed once, and only those");
                assert!(listed.len() >= 10, "{} factory presets, at least 10 promised", listed.len());
            }
        }
    };
}
