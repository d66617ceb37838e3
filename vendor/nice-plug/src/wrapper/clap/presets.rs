//! Mixwerk extension (MIXWERK.md 11): the plugin's factory presets
//! ([`Plugin::factory_presets()`]) for CLAP hosts, through the preset-discovery factory and the
//! `preset-load` extension, so that Bitwig's and Reaper's browsers list and load them.
//!
//! Discovery: one provider per plugin that has presets. It declares a single location of kind
//! `PLUGIN` (the presets live in the binary, so the location is NULL) and, asked for its
//! metadata, lists every preset with its id as the load key. Loading: `from_location` finds the
//! preset by that key and loads a clone of its [`PluginState`](nice_plug_core::plugin::PluginState)
//! exactly as a saved state is loaded (`Wrapper::set_state_inner`: the plugin's migrations, the
//! roll-back on failure, the host's parameter rescan), then tells the host through
//! `clap_host_preset_load`. A plugin without presets offers neither the factory nor the extension.

use clap_sys::ext::preset_load::{
    CLAP_EXT_PRESET_LOAD, CLAP_EXT_PRESET_LOAD_COMPAT, clap_host_preset_load,
    clap_plugin_preset_load,
};
use clap_sys::factory::preset_discovery::{
    CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT, CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
    clap_preset_discovery_location, clap_preset_discovery_location_kind,
    clap_preset_discovery_metadata_receiver,
};
use clap_sys::plugin::clap_plugin;
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use clap_sys::version::CLAP_VERSION;
use nice_plug_core::plugin::{FactoryPreset, Plugin};
use std::ffi::{CStr, CString, c_char, c_void};

pub use clap_sys::factory::preset_discovery::{
    CLAP_PRESET_DISCOVERY_FACTORY_ID, CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT,
    clap_preset_discovery_factory, clap_preset_discovery_indexer, clap_preset_discovery_provider,
    clap_preset_discovery_provider_descriptor,
};

use super::util::ClapPtr;
use super::wrapper::Wrapper;
use crate::wrapper::clap::ClapPlugin;
use crate::wrapper::util::factory_presets::factory_presets;

/// Whether `id` names the preset-discovery factory (current or draft id).
pub fn is_preset_discovery_factory_id(id: &CStr) -> bool {
    id == CLAP_PRESET_DISCOVERY_FACTORY_ID || id == CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT
}

/// Whether `id` names the `preset-load` extension (current or draft id).
pub fn is_preset_load_extension_id(id: &CStr) -> bool {
    id == CLAP_EXT_PRESET_LOAD || id == CLAP_EXT_PRESET_LOAD_COMPAT
}

/// A string for the host: interior NULs (which no C string can carry) become spaces.
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// One preset's metadata as C strings.
struct PresetStrings {
    load_key: CString,
    name: CString,
    category: CString,
}

/// The provider of one plugin's factory presets: its descriptor and everything its metadata
/// needs, made once when the host first asks for the factory.
pub struct PresetProvider {
    _id: CString,
    _name: CString,
    vendor: CString,
    plugin_id: CString,
    location_name: CString,
    presets: Vec<PresetStrings>,
    descriptor: clap_preset_discovery_provider_descriptor,
}

// The raw pointers in `descriptor` point into this struct's own `CString`s, which never change.
unsafe impl Send for PresetProvider {}
unsafe impl Sync for PresetProvider {}

impl PresetProvider {
    /// The provider for `P`, or `None` if `P` has no factory presets.
    pub fn for_plugin<P: ClapPlugin>() -> Option<Self> {
        let presets = factory_presets::<P>();
        if presets.is_empty() {
            return None;
        }
        let id = c_string(&format!("{}.factory-presets", P::CLAP_ID));
        let name = c_string(&format!("{} factory presets", P::NAME));
        let vendor = c_string(P::VENDOR);
        // `CString`s keep their bytes on the heap, so these pointers survive moving `Self`.
        let descriptor = clap_preset_discovery_provider_descriptor {
            clap_version: CLAP_VERSION,
            id: id.as_ptr(),
            name: name.as_ptr(),
            vendor: vendor.as_ptr(),
        };
        Some(Self {
            plugin_id: c_string(P::CLAP_ID),
            location_name: c_string(&format!("{} factory presets", P::NAME)),
            presets: presets
                .iter()
                .map(|p| PresetStrings {
                    load_key: c_string(&p.id),
                    name: c_string(&p.name),
                    category: c_string(&p.category),
                })
                .collect(),
            _id: id,
            _name: name,
            vendor,
            descriptor,
        })
    }

    fn id(&self) -> &CStr {
        self._id.as_c_str()
    }
}

/// Every provider of one library (one per exported plugin with presets); the
/// `nice_export_clap!` macro keeps one in a static and forwards the factory's calls to it.
pub struct PresetDiscovery {
    providers: Vec<PresetProvider>,
}

impl PresetDiscovery {
    pub fn new(providers: impl IntoIterator<Item = Option<PresetProvider>>) -> Self {
        Self {
            providers: providers.into_iter().flatten().collect(),
        }
    }

    /// No plugin of the library has presets: the host gets no factory at all.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    pub fn count(&self) -> u32 {
        self.providers.len() as u32
    }

    pub fn descriptor(&self, index: u32) -> *const clap_preset_discovery_provider_descriptor {
        match self.providers.get(index as usize) {
            Some(provider) => &provider.descriptor,
            None => std::ptr::null(),
        }
    }

    /// `clap_preset_discovery_factory::create`: a provider instance for `provider_id`, freed by
    /// its `destroy`, or NULL for an unknown id.
    ///
    /// # Safety
    ///
    /// `indexer` must stay valid for the provider's lifetime and `provider_id` must be NULL or a
    /// C string.
    pub unsafe fn create(
        &'static self,
        indexer: *const clap_preset_discovery_indexer,
        provider_id: *const c_char,
    ) -> *const clap_preset_discovery_provider {
        if indexer.is_null() || provider_id.is_null() {
            return std::ptr::null();
        }
        let provider_id = unsafe { CStr::from_ptr(provider_id) };
        let Some(source) = self.providers.iter().find(|p| p.id() == provider_id) else {
            return std::ptr::null();
        };
        let instance = Box::into_raw(Box::new(ProviderInstance {
            clap: clap_preset_discovery_provider {
                desc: &source.descriptor,
                provider_data: std::ptr::null_mut(),
                init: Some(provider_init),
                destroy: Some(provider_destroy),
                get_metadata: Some(provider_get_metadata),
                get_extension: Some(provider_get_extension),
            },
            indexer,
            source,
        }));
        unsafe {
            (*instance).clap.provider_data = instance as *mut c_void;
            &(*instance).clap
        }
    }
}

/// One provider instance the host created. `clap` comes first so that the pointer the host
/// holds is also a pointer to this struct.
#[repr(C)]
struct ProviderInstance {
    clap: clap_preset_discovery_provider,
    indexer: *const clap_preset_discovery_indexer,
    source: &'static PresetProvider,
}

/// # Safety
///
/// `provider` must be NULL or one that [`PresetDiscovery::create`] made and not yet destroyed.
unsafe fn instance<'a>(
    provider: *const clap_preset_discovery_provider,
) -> Option<&'a ProviderInstance> {
    if provider.is_null() {
        return None;
    }
    let data = unsafe { (*provider).provider_data } as *const ProviderInstance;
    unsafe { data.as_ref() }
}

unsafe extern "C" fn provider_init(provider: *const clap_preset_discovery_provider) -> bool {
    let Some(instance) = (unsafe { instance(provider) }) else {
        return false;
    };
    let location = clap_preset_discovery_location {
        flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
        name: instance.source.location_name.as_ptr(),
        kind: CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
        location: std::ptr::null(),
    };
    let indexer = instance.indexer;
    match unsafe { (*indexer).declare_location } {
        Some(declare_location) => unsafe { declare_location(indexer, &location) },
        None => false,
    }
}

unsafe extern "C" fn provider_destroy(provider: *const clap_preset_discovery_provider) {
    if provider.is_null() {
        return;
    }
    let data = unsafe { (*provider).provider_data } as *mut ProviderInstance;
    if !data.is_null() {
        drop(unsafe { Box::from_raw(data) });
    }
}

unsafe extern "C" fn provider_get_metadata(
    provider: *const clap_preset_discovery_provider,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    receiver: *const clap_preset_discovery_metadata_receiver,
) -> bool {
    let Some(instance) = (unsafe { instance(provider) }) else {
        return false;
    };
    if receiver.is_null() {
        return false;
    }
    let r = unsafe { &*receiver };
    if location_kind != CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN || !location.is_null() {
        if let Some(on_error) = r.on_error {
            let message =
                c"Mixwerk presets live in the plugin: only the PLUGIN location (NULL) has any";
            unsafe { on_error(receiver, 0, message.as_ptr()) };
        }
        return false;
    }

    let source = instance.source;
    let plugin_id = clap_universal_plugin_id {
        abi: c"clap".as_ptr(),
        id: source.plugin_id.as_ptr(),
    };
    for preset in &source.presets {
        let Some(begin_preset) = r.begin_preset else {
            return false;
        };
        // The host may stop the listing; then we must not call it again.
        if !unsafe { begin_preset(receiver, preset.name.as_ptr(), preset.load_key.as_ptr()) } {
            break;
        }
        unsafe {
            if let Some(add_plugin_id) = r.add_plugin_id {
                add_plugin_id(receiver, &plugin_id);
            }
            if let Some(set_flags) = r.set_flags {
                set_flags(receiver, CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT);
            }
            if let Some(add_creator) = r.add_creator {
                add_creator(receiver, source.vendor.as_ptr());
            }
            if let Some(add_feature) = r.add_feature
                && !preset.category.is_empty()
            {
                add_feature(receiver, preset.category.as_ptr());
            }
        }
    }
    true
}

unsafe extern "C" fn provider_get_extension(
    _provider: *const clap_preset_discovery_provider,
    _extension_id: *const c_char,
) -> *const c_void {
    std::ptr::null()
}

// ---------------------------------------------------------------------------------------------
// preset-load

/// The plugin side of `clap.preset-load` for `P` (offered only when `P` has presets).
pub(super) fn plugin_preset_load<P: ClapPlugin>() -> clap_plugin_preset_load {
    clap_plugin_preset_load {
        from_location: Some(from_location::<P>),
    }
}

/// Whether `P` offers `preset-load` at all.
pub(super) fn has_presets<P: Plugin>() -> bool {
    !factory_presets::<P>().is_empty()
}

/// Why a load failed, for the host's `on_error`.
fn find_preset<P: Plugin>(
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) -> Result<&'static FactoryPreset, String> {
    if location_kind != CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN || !location.is_null() {
        return Err(format!(
            "{}: presets load from the PLUGIN location (NULL) only, not kind {location_kind}",
            P::NAME
        ));
    }
    if load_key.is_null() {
        return Err(format!("{}: no load key given", P::NAME));
    }
    let key = unsafe { CStr::from_ptr(load_key) }.to_string_lossy();
    factory_presets::<P>()
        .iter()
        .find(|p| p.id == key)
        .ok_or_else(|| format!("{}: no factory preset with the id {key:?}", P::NAME))
}

/// `clap_plugin_preset_load::from_location` [main-thread].
unsafe extern "C" fn from_location<P: ClapPlugin>(
    plugin: *const clap_plugin,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) -> bool {
    if plugin.is_null() || unsafe { (*plugin).plugin_data.is_null() } {
        return false;
    }
    let wrapper = unsafe { &*((*plugin).plugin_data as *const Wrapper<P>) };
    let host = wrapper.host_callback_ptr();
    let host_preset_load = wrapper.host_preset_load();

    let error = match find_preset::<P>(location_kind, location, load_key) {
        Ok(preset) => {
            // A clone: loading may migrate the state in place (`Plugin::filter_state`).
            let mut state = preset.state.clone();
            if wrapper.set_state_inner(&mut state) {
                if let Some(host_preset_load) = &host_preset_load
                    && let Some(loaded) = host_preset_load.loaded
                {
                    unsafe { loaded(&**host, location_kind, location, load_key) };
                }
                return true;
            }
            format!("{}: preset {:?} could not be loaded", P::NAME, preset.id)
        }
        Err(error) => error,
    };

    crate::nice_error!("{}", error);
    if let Some(host_preset_load) = &host_preset_load
        && let Some(on_error) = host_preset_load.on_error
    {
        let message = c_string(&error);
        unsafe {
            on_error(
                &**host,
                location_kind,
                location,
                load_key,
                0,
                message.as_ptr(),
            )
        };
    }
    false
}

/// The host's `clap.preset-load`, current id first, then the draft one.
///
/// # Safety
///
/// `host` must be the valid host of a plugin being initialised.
pub(super) unsafe fn query_host_preset_load(
    host: &ClapPtr<clap_sys::host::clap_host>,
) -> Option<ClapPtr<clap_host_preset_load>> {
    let get_extension = host.get_extension?;
    for id in [CLAP_EXT_PRESET_LOAD, CLAP_EXT_PRESET_LOAD_COMPAT] {
        let ptr = unsafe { get_extension(&**host, id.as_ptr()) };
        if !ptr.is_null() {
            return Some(unsafe { ClapPtr::new(ptr as *const clap_host_preset_load) });
        }
    }
    None
}
