//! A small CLAP host built on `clack-host`: it loads a bundle, creates an instance and drives
//! it the way a DAW does (parameters through the params extension, state through streams,
//! audio through `process` with events at sample offsets), so that the tests see exactly what
//! a host sees and nothing of our Rust types.

use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use clack_extensions::audio_ports::{
    AudioPortInfoBuffer, AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl, PluginAudioPorts,
};
use clack_extensions::audio_ports_config::{
    AudioPortsConfigBuffer, HostAudioPortsConfig, HostAudioPortsConfigImpl, PluginAudioPortsConfig,
};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::preset_discovery::prelude::{Location, PluginPresetLoad};
use clack_extensions::preset_discovery::{HostPresetLoad, HostPresetLoadImpl};
use clack_extensions::render::{PluginRender, RenderMode};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::track_info::{
    HostTrackInfo, HostTrackInfoImpl, PluginTrackInfo, TrackInfo, TrackInfoWriter,
};
use clack_host::events::event_types::{
    ParamGestureBeginEvent, ParamGestureEndEvent, ParamValueEvent,
};
use clack_host::prelude::*;
use clack_host::utils::Color;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// The plugin-side extensions we use, queried once while the plugin initialises.
#[derive(Default)]
pub struct Shared {
    params: OnceLock<Option<PluginParams>>,
    state: OnceLock<Option<PluginState>>,
    latency: OnceLock<Option<PluginLatency>>,
    audio_ports: OnceLock<Option<PluginAudioPorts>>,
    ports_config: OnceLock<Option<PluginAudioPortsConfig>>,
    render: OnceLock<Option<PluginRender>>,
    preset_load: OnceLock<Option<PluginPresetLoad>>,
    track_info: OnceLock<Option<PluginTrackInfo>>,
    callback_requested: AtomicBool,
    /// The plugin asked for `params.flush` (it has parameter changes to send while no audio
    /// runs).
    pub flush_requested: AtomicBool,
    /// The track this instance is on, as `clap.track-info` answers (name, RGB): names live
    /// for the process, as a host's track list would.
    track: Mutex<Option<(&'static str, [u8; 3])>>,
    /// Parameter gestures and values the plugin sent to the host, in order.
    pub param_events: Mutex<Vec<ParamEvent>>,
    /// What the plugin reported through the host's `preset-load`, in order.
    pub preset_load_reports: Mutex<Vec<PresetLoadReport>>,
    /// Errors and fatal messages the plugin logged; a battery can insist on none.
    pub logged_errors: AtomicUsize,
}

impl<'a> SharedHandler<'a> for Shared {
    fn initializing(&self, instance: InitializingPluginHandle<'a>) {
        let _ = self.params.set(instance.get_extension());
        let _ = self.state.set(instance.get_extension());
        let _ = self.latency.set(instance.get_extension());
        let _ = self.audio_ports.set(instance.get_extension());
        let _ = self.ports_config.set(instance.get_extension());
        let _ = self.render.set(instance.get_extension());
        let _ = self.preset_load.set(instance.get_extension());
        let _ = self.track_info.set(instance.get_extension());
    }
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        if matches!(
            severity,
            LogSeverity::Error | LogSeverity::Fatal | LogSeverity::PluginMisbehaving
        ) {
            self.logged_errors.fetch_add(1, Ordering::SeqCst);
        }
        eprintln!("[plugin {severity}] {message}");
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// What a plugin sent the host about a parameter (its output events): an edit made in its
/// editor, or in another instance's console, arrives as begin, values, end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamEvent {
    Begin(u32),
    Value(u32, f64),
    End(u32),
}

impl Shared {
    fn record_output(&self, events: &EventBuffer) {
        let mut out = self.param_events.lock().unwrap_or_else(|e| e.into_inner());
        for e in events {
            let id = |id: Option<ClapId>| id.map_or(u32::MAX, ClapId::get);
            if let Some(b) = e.as_event::<ParamGestureBeginEvent>() {
                out.push(ParamEvent::Begin(id(b.param_id())));
            } else if let Some(v) = e.as_event::<ParamValueEvent>() {
                out.push(ParamEvent::Value(id(v.param_id()), v.value()));
            } else if let Some(end) = e.as_event::<ParamGestureEndEvent>() {
                out.push(ParamEvent::End(id(end.param_id())));
            }
        }
    }
}

/// A report of the plugin through the host's `clap.preset-load`.
#[derive(Debug, Clone, PartialEq)]
pub enum PresetLoadReport {
    /// `loaded`: the location kind was the plugin's own, with this load key.
    Loaded {
        plugin_location: bool,
        load_key: Option<String>,
    },
    /// `on_error` with its message.
    Error {
        load_key: Option<String>,
        message: String,
    },
}

pub struct MainThread<'a> {
    shared: &'a Shared,
}

impl<'a> MainThreadHandler<'a> for MainThread<'a> {}
impl HostPresetLoadImpl for MainThread<'_> {
    fn on_error(
        &self,
        _location: Location,
        load_key: Option<&CStr>,
        _os_error: i32,
        message: Option<&CStr>,
    ) {
        self.shared
            .preset_load_reports
            .lock()
            .unwrap()
            .push(PresetLoadReport::Error {
                load_key: load_key.map(|k| k.to_string_lossy().into_owned()),
                message: cstr(message),
            });
    }
    fn loaded(&self, location: Location, load_key: Option<&CStr>) {
        self.shared
            .preset_load_reports
            .lock()
            .unwrap()
            .push(PresetLoadReport::Loaded {
                plugin_location: location == Location::Plugin,
                load_key: load_key.map(|k| k.to_string_lossy().into_owned()),
            });
    }
}
impl HostParamsImplMainThread for MainThread<'_> {
    fn rescan(&self, _flags: ParamRescanFlags) {}
    fn clear(&self, _id: ClapId, _flags: ParamClearFlags) {}
}
impl HostTrackInfoImpl for MainThread<'_> {
    fn get<'a>(&'a self, writer: &mut TrackInfoWriter<'_, 'a>) {
        let track = *self.shared.track.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((name, [red, green, blue])) = track {
            let color = Color {
                alpha: 255,
                red,
                green,
                blue,
            };
            writer.set(
                &TrackInfo::new()
                    .with_name(Some(name.as_bytes()))
                    .with_color(Some(color)),
            );
        }
    }
}
impl HostLatencyImpl for MainThread<'_> {
    fn changed(&self) {}
}
impl HostStateImpl for MainThread<'_> {
    fn mark_dirty(&self) {}
}
impl HostAudioPortsImpl for MainThread<'_> {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        true
    }
    fn rescan(&self, _flags: AudioPortRescanFlags) {}
}
impl HostAudioPortsConfigImpl for MainThread<'_> {
    fn rescan(&self) {}
}

pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostParams>()
            .register::<HostLatency>()
            .register::<HostState>()
            .register::<HostAudioPorts>()
            .register::<HostAudioPortsConfig>()
            .register::<HostPresetLoad>()
            .register::<HostTrackInfo>();
    }
}

/// What the factory says about one plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptor {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub features: Vec<String>,
}

/// Who the test host says it is, to plugins and preset providers alike.
pub fn host_info() -> Result<HostInfo> {
    Ok(HostInfo::new(
        "Mixwerk Test Host",
        "Mixwerk",
        "https://mixwerk.org",
        "0.1.0",
    )?)
}

/// A loaded CLAP bundle (the entry stays loaded as long as this lives).
pub struct Bundle {
    entry: PluginEntry,
}

fn cstr(s: Option<&CStr>) -> String {
    s.map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Bundle {
    /// Loads a bundle once per process and keeps it loaded, as a DAW does: unloading a
    /// library while another test thread creates instances of it (or while a plugin's
    /// background thread winds down) would pull code from under running threads.
    pub fn load(path: &Path) -> Result<Self> {
        static LOADED: Mutex<Vec<(PathBuf, PluginEntry)>> = Mutex::new(Vec::new());
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, entry)) = loaded.iter().find(|(p, _)| p == path) {
            return Ok(Self {
                entry: entry.clone(),
            });
        }
        // SAFETY: loading a library runs its initialisers; these are our own bundles.
        let entry = unsafe { PluginEntry::load(path) }
            .map_err(|e| format!("cannot load {}: {e}", path.display()))?;
        loaded.push((path.to_path_buf(), entry.clone()));
        Ok(Self { entry })
    }

    pub fn descriptors(&self) -> Vec<Descriptor> {
        let Some(factory) = self.entry.get_plugin_factory() else {
            return Vec::new();
        };
        factory
            .plugin_descriptors()
            .map(|d| Descriptor {
                id: cstr(d.id()),
                name: cstr(d.name()),
                vendor: cstr(d.vendor()),
                version: cstr(d.version()),
                features: d
                    .features()
                    .map(|f| f.to_string_lossy().into_owned())
                    .collect(),
            })
            .collect()
    }

    /// Everything the preset-discovery factory offers: each provider's declared locations and
    /// the presets it lists for them, as a host's preset browser indexes them. `None` when the
    /// library has no preset-discovery factory at all.
    pub fn discover_presets(&self) -> Result<Option<crate::presets::Discovery>> {
        crate::presets::discover(&self.entry)
    }

    pub fn instantiate(&self, id: &str) -> Result<Instance> {
        let host_info = host_info()?;
        let id = CString::new(id)?;
        let instance = PluginInstance::<TestHost>::new(
            |_| Shared::default(),
            |shared| MainThread { shared },
            &self.entry,
            &id,
            &host_info,
        )?;
        Ok(Instance {
            instance,
            processor: None,
            config: None,
            offline: false,
        })
    }
}

/// One parameter as the host sees it.
#[derive(Debug, Clone)]
pub struct ParamDesc {
    pub id: u32,
    pub name: String,
    pub module: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub stepped: bool,
    pub automatable: bool,
    pub bypass: bool,
    pub hidden: bool,
}

/// The id of the parameter called `name` (its display name, as a user finds it in a host).
/// Panics naming it when there is none: a renamed parameter fails the test that uses it.
pub fn param_id(params: &[ParamDesc], name: &str) -> u32 {
    params
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no parameter {name:?}"))
        .id
}

/// An audio layout the plugin offers (CLAP audio-ports-config).
#[derive(Debug, Clone)]
pub struct Layout {
    pub id: u32,
    pub name: String,
    pub main_in: u32,
    pub main_out: u32,
    /// Channel counts of every input port (main first, then aux) and output port.
    pub inputs: Vec<u32>,
    pub outputs: Vec<u32>,
}

/// A parameter change at a sample offset inside the next block.
#[derive(Debug, Clone, Copy)]
pub struct ParamChange {
    pub offset: u32,
    pub id: u32,
    pub value: f64,
}

/// Channel counts of the active layout: main input, main output and aux inputs.
#[derive(Debug, Clone, Default)]
pub struct Ports {
    pub inputs: Vec<u32>,
    pub outputs: Vec<u32>,
}

pub struct Instance {
    instance: PluginInstance<TestHost>,
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    config: Option<PluginAudioConfiguration>,
    /// `clap.render` was set to offline by [`activate_offline`](Self::activate_offline) and
    /// stays so until the next plain [`activate`](Self::activate).
    offline: bool,
}

impl Instance {
    fn shared<T>(&self, f: impl FnOnce(&Shared) -> T) -> T {
        self.instance.access_shared_handler(f)
    }

    fn params_ext(&self) -> Result<PluginParams> {
        self.shared(|s| s.params.get().copied().flatten())
            .ok_or_else(|| "no params extension".into())
    }

    pub fn logged_errors(&self) -> usize {
        self.shared(|s| s.logged_errors.load(Ordering::SeqCst))
    }

    pub fn params(&mut self) -> Result<Vec<ParamDesc>> {
        let ext = self.params_ext()?;
        let handle = self.instance.plugin_handle();
        let mut out = Vec::new();
        for index in 0..ext.count(&handle) {
            let mut buffer = ParamInfoBuffer::new();
            let info = ext
                .get_info(&handle, index, &mut buffer)
                .ok_or("get_info failed")?;
            out.push(ParamDesc {
                id: info.id.get(),
                name: String::from_utf8_lossy(info.name).into_owned(),
                module: String::from_utf8_lossy(info.module).into_owned(),
                min: info.min_value,
                max: info.max_value,
                default: info.default_value,
                stepped: info.flags.contains(ParamInfoFlags::IS_STEPPED),
                automatable: info.flags.contains(ParamInfoFlags::IS_AUTOMATABLE),
                bypass: info.flags.contains(ParamInfoFlags::IS_BYPASS),
                hidden: info.flags.contains(ParamInfoFlags::IS_HIDDEN),
            });
        }
        Ok(out)
    }

    pub fn value(&mut self, id: u32) -> Result<f64> {
        let ext = self.params_ext()?;
        let id = ClapId::from_raw(id).ok_or("invalid id")?;
        ext.get_value(&self.instance.plugin_handle(), id)
            .ok_or_else(|| "get_value failed".into())
    }

    pub fn value_to_text(&mut self, id: u32, value: f64) -> Result<String> {
        let ext = self.params_ext()?;
        let id = ClapId::from_raw(id).ok_or("invalid id")?;
        let mut buffer = [0u8; 256];
        let text = ext
            .value_to_text(&self.instance.plugin_handle(), id, value, &mut buffer)
            .map_err(|_| format!("value_to_text({id:?}, {value}) failed"))?;
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    pub fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        let ext = self.params_ext().ok()?;
        let id = ClapId::from_raw(id)?;
        let text = CString::new(text).ok()?;
        ext.text_to_value(&self.instance.plugin_handle(), id, &text)
    }

    /// Sets parameters by name to what their text says ("-30 dB", "4:1", "External"), as a
    /// user typing into the host's generic editor would; while inactive, through [`flush`](Self::flush).
    pub fn set_typed(&mut self, values: &[(&str, &str)]) -> Result<()> {
        let params = self.params()?;
        let mut changes = Vec::new();
        for &(name, text) in values {
            let id = param_id(&params, name);
            let value = self
                .text_to_value(id, text)
                .ok_or_else(|| format!("{name}: {text:?} not understood"))?;
            changes.push(ParamChange {
                offset: 0,
                id,
                value,
            });
        }
        self.flush(&changes)
    }

    /// Sets parameters while inactive, through `params.flush` as a host does with no audio
    /// running (while active, parameter changes go through `process`).
    pub fn flush(&mut self, changes: &[ParamChange]) -> Result<()> {
        if self.processor.is_some() {
            return Err("flush() is for an inactive plugin; use process events".into());
        }
        let ext = self.params_ext()?;
        let mut events = EventBuffer::new();
        fill_events(&mut events, changes);
        let mut out = EventBuffer::new();
        let mut handle = self
            .instance
            .inactive_plugin_handle()
            .ok_or("plugin is active")?;
        ext.flush(
            &mut handle,
            &InputEvents::from_buffer(&events),
            &mut OutputEvents::from_buffer(&mut out),
        );
        self.shared(|s| s.record_output(&out));
        Ok(())
    }

    /// Names the track this instance is on and tells the plugin (`clap.track-info`), as a
    /// host does when a track is created, renamed or recoloured.
    pub fn set_track(&mut self, name: &str, rgb: [u8; 3]) {
        let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
        self.shared(|s| *s.track.lock().unwrap_or_else(|e| e.into_inner()) = Some((name, rgb)));
        if let Some(ext) = self.shared(|s| s.track_info.get().copied().flatten()) {
            ext.changed(&self.instance.plugin_handle());
        }
    }

    /// The parameter events the plugin has sent since the last call.
    pub fn take_param_events(&mut self) -> Vec<ParamEvent> {
        self.shared(|s| {
            std::mem::take(&mut *s.param_events.lock().unwrap_or_else(|e| e.into_inner()))
        })
    }

    pub fn save_state(&mut self) -> Result<Vec<u8>> {
        let ext = self
            .shared(|s| s.state.get().copied().flatten())
            .ok_or("no state extension")?;
        let mut bytes = Vec::new();
        ext.save(&self.instance.plugin_handle(), &mut bytes)
            .map_err(|e| format!("save failed: {e:?}"))?;
        Ok(bytes)
    }

    pub fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let ext = self
            .shared(|s| s.state.get().copied().flatten())
            .ok_or("no state extension")?;
        let mut reader = bytes;
        ext.load(&self.instance.plugin_handle(), &mut reader)
            .map_err(|e| format!("load refused: {e:?}"))?;
        // A host services main-thread requests after a state load (parameter rescans…).
        self.service_main_thread();
        Ok(())
    }

    fn service_main_thread(&mut self) {
        if self.shared(|s| s.callback_requested.swap(false, Ordering::SeqCst)) {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Whether the plugin offers `clap.preset-load`.
    pub fn has_preset_load(&self) -> bool {
        self.shared(|s| s.preset_load.get().copied().flatten())
            .is_some()
    }

    /// `preset-load`'s `from_location` with the plugin's own location (NULL) and `load_key`,
    /// then the main-thread requests a host services after a load. `Ok` if the plugin said it
    /// loaded; what it reported through the host's side is in [`preset_load_reports`](Self::preset_load_reports).
    pub fn load_preset(&mut self, load_key: &str) -> Result<()> {
        self.load_preset_from(Location::Plugin, load_key)
    }

    /// [`load_preset`](Self::load_preset) from any location.
    pub fn load_preset_from(&mut self, location: Location, load_key: &str) -> Result<()> {
        let ext = self
            .shared(|s| s.preset_load.get().copied().flatten())
            .ok_or("no preset-load extension")?;
        let key = CString::new(load_key)?;
        let result = ext.load_from_location(&self.instance.plugin_handle(), location, Some(&key));
        self.service_main_thread();
        result.map_err(|e| format!("from_location({load_key:?}): {e}").into())
    }

    /// Takes what the plugin reported through the host's `preset-load` so far.
    pub fn preset_load_reports(&mut self) -> Vec<PresetLoadReport> {
        self.shared(|s| std::mem::take(&mut *s.preset_load_reports.lock().unwrap()))
    }

    pub fn latency(&mut self) -> Result<u32> {
        let ext = self.shared(|s| s.latency.get().copied().flatten());
        Ok(ext.map_or(0, |e| e.get(&self.instance.plugin_handle())))
    }

    pub fn layouts(&mut self) -> Result<Vec<Layout>> {
        let Some(ext) = self.shared(|s| s.ports_config.get().copied().flatten()) else {
            return Ok(Vec::new());
        };
        let handle = self.instance.plugin_handle();
        let mut out = Vec::new();
        for index in 0..ext.count(&handle) {
            let mut buffer = AudioPortsConfigBuffer::new();
            let c = ext
                .get(&handle, index, &mut buffer)
                .ok_or("audio_ports_config.get failed")?;
            out.push(Layout {
                id: c.id.get(),
                name: String::from_utf8_lossy(c.name).into_owned(),
                main_in: c.main_input.map_or(0, |p| p.channel_count),
                main_out: c.main_output.map_or(0, |p| p.channel_count),
                inputs: Vec::new(),
                outputs: Vec::new(),
            });
        }
        // nice-plug does not offer audio-ports-config-info, so learn each layout's aux ports
        // by selecting it, as a host probing the plugin would, then return to the first.
        for layout in &mut out {
            self.select_layout(layout.id)?;
            let ports = self.ports()?;
            layout.inputs = ports.inputs;
            layout.outputs = ports.outputs;
        }
        if let Some(first) = out.first() {
            self.select_layout(first.id)?;
        }
        Ok(out)
    }

    pub fn select_layout(&mut self, id: u32) -> Result<()> {
        let ext = self
            .shared(|s| s.ports_config.get().copied().flatten())
            .ok_or("no audio-ports-config")?;
        let id = ClapId::from_raw(id).ok_or("invalid id")?;
        ext.select(&self.instance.plugin_handle(), id)
            .map_err(|_| "layout refused".into())
    }

    /// Channel counts of every audio port of the current layout.
    pub fn ports(&mut self) -> Result<Ports> {
        let ext = self
            .shared(|s| s.audio_ports.get().copied().flatten())
            .ok_or("no audio-ports")?;
        let handle = self.instance.plugin_handle();
        let mut ports = Ports::default();
        for is_input in [true, false] {
            for index in 0..ext.count(&handle, is_input) {
                let mut buffer = AudioPortInfoBuffer::new();
                let info = ext
                    .get(&handle, index, is_input, &mut buffer)
                    .ok_or("audio_ports.get failed")?;
                if is_input {
                    &mut ports.inputs
                } else {
                    &mut ports.outputs
                }
                .push(info.channel_count);
            }
        }
        Ok(ports)
    }

    /// Names of the input (`true`) or output ports of the current layout, in port order
    /// (e.g. to find a sidechain input by the name it shows in a DAW's routing).
    pub fn port_names(&mut self, is_input: bool) -> Result<Vec<String>> {
        let ext = self
            .shared(|s| s.audio_ports.get().copied().flatten())
            .ok_or("no audio-ports")?;
        let handle = self.instance.plugin_handle();
        let mut names = Vec::new();
        for index in 0..ext.count(&handle, is_input) {
            let mut buffer = AudioPortInfoBuffer::new();
            let info = ext
                .get(&handle, index, is_input, &mut buffer)
                .ok_or("audio_ports.get failed")?;
            names.push(String::from_utf8_lossy(info.name).into_owned());
        }
        Ok(names)
    }

    pub fn activate(&mut self, sample_rate: f64, max_block: u32) -> Result<()> {
        if std::mem::take(&mut self.offline) {
            self.set_render_mode(RenderMode::Realtime)?;
        }
        self.activate_as_set(sample_rate, max_block)
    }

    /// Activates and starts processing in the render mode last set.
    fn activate_as_set(&mut self, sample_rate: f64, max_block: u32) -> Result<()> {
        let config = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block,
        };
        let stopped = self.instance.activate(|_, _| (), config)?;
        let started = stopped
            .start_processing()
            .map_err(|e| format!("start_processing: {e:?}"))?;
        self.processor = Some(started);
        self.config = Some(config);
        self.service_main_thread();
        Ok(())
    }

    /// Activates for an offline render (a bounce): `clap.render` set to offline first, as a
    /// host does before it renders faster than real time. Fails if the plugin has no render
    /// extension or refuses. A later [`activate`](Self::activate) renders in real time again.
    pub fn activate_offline(&mut self, sample_rate: f64, max_block: u32) -> Result<()> {
        self.set_render_mode(RenderMode::Offline)?;
        self.offline = true;
        self.activate_as_set(sample_rate, max_block)
    }

    /// `clap.render`'s `set` (main thread; the plugin is inactive here).
    fn set_render_mode(&mut self, mode: RenderMode) -> Result<()> {
        let ext = self
            .shared(|s| s.render.get().copied().flatten())
            .ok_or("no render extension")?;
        ext.set(&self.instance.plugin_handle(), mode)
            .map_err(|e| format!("render.set({mode:?}): {e}").into())
    }

    pub fn deactivate(&mut self) {
        if let Some(processor) = self.processor.take() {
            self.instance.deactivate(processor.stop_processing());
        }
        self.config = None;
        self.service_main_thread();
    }

    pub fn is_active(&self) -> bool {
        self.processor.is_some()
    }

    /// One `process` call. `inputs[port][channel]` and `outputs[port][channel]` are
    /// preallocated by the caller, all of the block's length.
    pub fn process(
        &mut self,
        inputs: &mut [Vec<Vec<f32>>],
        outputs: &mut [Vec<Vec<f32>>],
        changes: &[ParamChange],
    ) -> Result<ProcessStatus> {
        self.process_with_transport(inputs, outputs, changes, None)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.deactivate();
    }
}

/// Puts `changes` into `events` (emptied first), in time order.
fn fill_events(events: &mut EventBuffer, changes: &[ParamChange]) {
    events.clear();
    let mut sorted = changes.to_vec();
    sorted.sort_by_key(|c| c.offset);
    for c in sorted {
        if let Some(id) = ClapId::from_raw(c.id) {
            events.push(&ParamValueEvent::new(
                c.offset,
                id,
                Pckn::match_all(),
                c.value,
            ));
        }
    }
}

/// The port and event buffers of a process call (see [`Instance::process_reusing`]).
pub struct ProcessScratch {
    in_ports: AudioPorts,
    out_ports: AudioPorts,
    events: EventBuffer,
    out_events: EventBuffer,
}

impl ProcessScratch {
    /// Room for calls with these ports' shapes.
    pub fn new(inputs: &[Vec<Vec<f32>>], outputs: &[Vec<Vec<f32>>]) -> Self {
        let channels = |ports: &[Vec<Vec<f32>>]| ports.iter().map(Vec::len).sum::<usize>();
        Self {
            in_ports: AudioPorts::with_capacity(channels(inputs), inputs.len()),
            out_ports: AudioPorts::with_capacity(channels(outputs), outputs.len()),
            events: EventBuffer::with_capacity(16),
            out_events: EventBuffer::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Transport (tempo-synced plugins)

pub use clack_host::events::event_types::TransportEvent;

/// The transport a host sends with a block: playing at `tempo` BPM in 4/4, at the start of
/// the song (position and loop are not what these tests look at).
pub fn transport(tempo: f64) -> TransportEvent {
    use clack_host::events::event_types::TransportFlags;
    use clack_host::events::{EventFlags, EventHeader};
    use clack_host::utils::{BeatTime, SecondsTime};
    TransportEvent {
        header: EventHeader::new_core(0, EventFlags::empty()),
        flags: TransportFlags::HAS_TEMPO
            | TransportFlags::HAS_TIME_SIGNATURE
            | TransportFlags::IS_PLAYING,
        song_pos_beats: BeatTime::from_int(0),
        song_pos_seconds: SecondsTime::from_int(0),
        tempo,
        tempo_inc: 0.0,
        loop_start_beats: BeatTime::from_int(0),
        loop_end_beats: BeatTime::from_int(0),
        loop_start_seconds: SecondsTime::from_int(0),
        loop_end_seconds: SecondsTime::from_int(0),
        bar_start: BeatTime::from_int(0),
        bar_number: 0,
        time_signature_numerator: 4,
        time_signature_denominator: 4,
    }
}

impl Instance {
    /// [`Instance::process`] with the block's transport (`None`: the host gives none), for
    /// plugins that follow the host's tempo.
    pub fn process_with_transport(
        &mut self,
        inputs: &mut [Vec<Vec<f32>>],
        outputs: &mut [Vec<Vec<f32>>],
        changes: &[ParamChange],
        transport: Option<&TransportEvent>,
    ) -> Result<ProcessStatus> {
        let mut scratch = ProcessScratch::new(inputs, outputs);
        self.process_reusing(&mut scratch, inputs, outputs, changes, transport)
    }

    /// [`process_with_transport`](Self::process_with_transport) with the port and event
    /// buffers kept by the caller across calls, as a host keeps them: `bench` times the
    /// plugin, not the harness's allocations.
    pub fn process_reusing(
        &mut self,
        scratch: &mut ProcessScratch,
        inputs: &mut [Vec<Vec<f32>>],
        outputs: &mut [Vec<Vec<f32>>],
        changes: &[ParamChange],
        transport: Option<&TransportEvent>,
    ) -> Result<ProcessStatus> {
        let processor = self
            .processor
            .as_mut()
            .ok_or("process() on an inactive plugin")?;
        let ProcessScratch {
            in_ports,
            out_ports,
            events,
            out_events,
        } = scratch;
        fill_events(events, changes);
        out_events.clear();
        let input_audio = in_ports.with_input_buffers(inputs.iter_mut().map(|port| {
            AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    port.iter_mut()
                        .map(|c| InputChannel::variable(c.as_mut_slice())),
                ),
            }
        }));
        let mut output_audio =
            out_ports.with_output_buffers(outputs.iter_mut().map(|port| AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    port.iter_mut().map(|c| c.as_mut_slice()),
                ),
            }));
        let status = processor.process(
            &input_audio,
            &mut output_audio,
            &InputEvents::from_buffer(events),
            &mut OutputEvents::from_buffer(out_events),
            None,
            transport,
        )?;
        self.instance
            .access_shared_handler(|s| s.record_output(out_events));
        Ok(status)
    }
}
