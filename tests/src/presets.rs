//! Factory presets as hosts see them (issue 17): CLAP preset discovery and `preset-load`, VST3
//! program lists and the program-change parameter, checked against the preset files in
//! `plugins/<crate>/presets/`, which are read here on their own (TOML, independently of
//! plugin-kit's reader): the file stem is the id, `name` and `category` are top-level keys, and
//! `[params]` maps parameter ids to text (converted with the host's own text-to-value call for
//! that parameter) or plain values (converted with the VST3 controller's `plainParamToNormalized`).

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::path::PathBuf;

use clack_extensions::preset_discovery::prelude::*;
use clack_host::prelude::{HostError, PluginEntry};

use crate::battery::Buffers;
use crate::bundles::{PluginUnderTest, workspace_root};
use crate::host::{self, PresetLoadReport, Result};
use crate::hosted::{Hosted, Vst3Hosted};
use crate::signals::Noise;
use crate::vst3_host;

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !$cond {
            return Err(format!($($fmt)+).into());
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The preset files

/// A value in a preset file's `[params]`.
#[derive(Debug, Clone, PartialEq)]
pub enum FileValue {
    /// Text as typed into the host's field ("-18 dB", "4:1").
    Text(String),
    /// A plain value in the parameter's unit (booleans as 0 and 1).
    Plain(f64),
}

/// One preset file, as far as hosts are concerned.
#[derive(Debug, Clone)]
pub struct PresetFile {
    /// The file stem: the CLAP load key.
    pub id: String,
    pub name: String,
    pub category: String,
    /// Parameter string id → value.
    pub params: BTreeMap<String, FileValue>,
    /// The persisted fields the file sets (`[fields]`), by name.
    pub fields: Vec<String>,
}

/// Every `plugins/<crate>/presets/*.toml`, sorted by id (none when the folder does not exist).
pub fn preset_files(crate_name: &str) -> Result<Vec<PresetFile>> {
    let dir: PathBuf = workspace_root()
        .join("plugins")
        .join(crate_name)
        .join("presets");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("preset file name")?
            .to_owned();
        let text = std::fs::read_to_string(&path)?;
        let table: toml::Table = text
            .parse()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let string = |key: &str| -> Result<String> {
            Ok(table
                .get(key)
                .and_then(toml::Value::as_str)
                .ok_or_else(|| format!("{}: no top-level {key:?}", path.display()))?
                .to_owned())
        };
        let mut params = BTreeMap::new();
        if let Some(toml::Value::Table(t)) = table.get("params") {
            for (key, value) in t {
                let value = match value {
                    toml::Value::String(s) => FileValue::Text(s.clone()),
                    toml::Value::Float(f) => FileValue::Plain(*f),
                    toml::Value::Integer(i) => FileValue::Plain(*i as f64),
                    toml::Value::Boolean(b) => FileValue::Plain(f64::from(u8::from(*b))),
                    other => {
                        return Err(format!("{}: {key} = {other:?}", path.display()).into());
                    }
                };
                params.insert(key.clone(), value);
            }
        }
        let fields = match table.get("fields") {
            Some(toml::Value::Table(t)) => t.keys().cloned().collect(),
            _ => Vec::new(),
        };
        files.push(PresetFile {
            id,
            name: string("name")?,
            category: string("category")?,
            params,
            fields,
        });
    }
    files.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(files)
}

/// The id hosts see for the parameter whose string id is `id`: nice-plug's hash (a Java-style
/// string hash with the top bit cleared, which VST3 reserves for hosts). The numbers it gives
/// are the ones `tests/contracts/` pins for every parameter.
pub fn host_param_id(id: &str) -> u32 {
    id.bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        & !(1 << 31)
}

// ---------------------------------------------------------------------------------------------
// CLAP preset discovery, as a host's browser indexes it

/// One preset as a provider described it.
#[derive(Debug, Clone, Default)]
pub struct DiscoveredPreset {
    pub name: String,
    pub load_key: String,
    pub flags: u32,
    /// (abi, id) of each plugin the preset is for.
    pub plugin_ids: Vec<(String, String)>,
    pub creators: Vec<String>,
    pub features: Vec<String>,
    pub description: String,
}

/// A declared location: its name, flags and whether it is the plugin itself (kind PLUGIN).
#[derive(Debug, Clone)]
pub struct DeclaredLocation {
    pub name: String,
    pub flags: u32,
    pub is_plugin: bool,
}

/// One provider of the factory, with what it declared and listed.
#[derive(Debug, Clone)]
pub struct ProviderReport {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub locations: Vec<DeclaredLocation>,
    pub presets: Vec<DiscoveredPreset>,
    pub errors: Vec<String>,
}

/// Everything a library's preset-discovery factory offers.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub providers: Vec<ProviderReport>,
}

#[derive(Default)]
struct Indexer {
    locations: Vec<DeclaredLocation>,
}

impl IndexerImpl for Indexer {
    fn declare_filetype(&mut self, _file_type: FileType) -> std::result::Result<(), HostError> {
        Ok(())
    }
    fn declare_location(&mut self, location: LocationInfo) -> std::result::Result<(), HostError> {
        self.locations.push(DeclaredLocation {
            name: location.name.to_string_lossy().into_owned(),
            flags: location.flags.bits(),
            is_plugin: location.location == Location::Plugin,
        });
        Ok(())
    }
    fn declare_soundpack(&mut self, _soundpack: Soundpack) -> std::result::Result<(), HostError> {
        Ok(())
    }
}

#[derive(Default)]
struct Receiver {
    presets: Vec<DiscoveredPreset>,
    errors: Vec<String>,
}

fn lossy(s: Option<&CStr>) -> String {
    s.map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Receiver {
    fn current(&mut self) -> Option<&mut DiscoveredPreset> {
        self.presets.last_mut()
    }
}

impl MetadataReceiverImpl for Receiver {
    fn on_error(&mut self, error_code: i32, error_message: Option<&CStr>) {
        self.errors
            .push(format!("{error_code}: {}", lossy(error_message)));
    }
    fn begin_preset(
        &mut self,
        name: Option<&CStr>,
        load_key: Option<&CStr>,
    ) -> std::result::Result<(), HostError> {
        self.presets.push(DiscoveredPreset {
            name: lossy(name),
            load_key: lossy(load_key),
            ..Default::default()
        });
        Ok(())
    }
    fn add_plugin_id(&mut self, plugin_id: UniversalPluginId) {
        if let Some(p) = self.current() {
            p.plugin_ids.push((
                plugin_id.abi.to_string_lossy().into_owned(),
                plugin_id.id.to_string_lossy().into_owned(),
            ));
        }
    }
    fn set_soundpack_id(&mut self, _soundpack_id: &CStr) {}
    fn set_flags(&mut self, flags: Flags) {
        if let Some(p) = self.current() {
            p.flags = flags.bits();
        }
    }
    fn add_creator(&mut self, creator: &CStr) {
        if let Some(p) = self.current() {
            p.creators.push(creator.to_string_lossy().into_owned());
        }
    }
    fn set_description(&mut self, description: &CStr) {
        if let Some(p) = self.current() {
            p.description = description.to_string_lossy().into_owned();
        }
    }
    fn set_timestamps(&mut self, _creation: Option<Timestamp>, _modification: Option<Timestamp>) {}
    fn add_feature(&mut self, feature: &CStr) {
        if let Some(p) = self.current() {
            p.features.push(feature.to_string_lossy().into_owned());
        }
    }
    fn add_extra_info(&mut self, _key: &CStr, _value: &CStr) {}
}

/// Indexes every provider of `entry`'s preset-discovery factory: instantiate it, take the
/// locations it declares, and ask each for its metadata (also a FILE location it never
/// declared, which must be refused through `on_error`, recorded in `errors`).
pub fn discover(entry: &PluginEntry) -> Result<Option<Discovery>> {
    let Some(factory) = entry.get_factory::<PresetDiscoveryFactory>() else {
        return Ok(None);
    };
    let host_info = host::host_info()?;
    let mut providers = Vec::new();
    for descriptor in factory.provider_descriptors() {
        let id = descriptor.id().ok_or("provider without an id")?.to_owned();
        let mut report = ProviderReport {
            id: lossy(Some(&id)),
            name: lossy(descriptor.name()),
            vendor: lossy(descriptor.vendor()),
            locations: Vec::new(),
            presets: Vec::new(),
            errors: Vec::new(),
        };
        let mut provider = Provider::instantiate(Indexer::default(), entry, &id, &host_info)
            .map_err(|e| format!("provider {:?}: {e:?}", report.id))?;
        report.locations = provider.indexer().locations.clone();
        for location in report.locations.clone() {
            ensure!(
                location.is_plugin,
                "provider {:?} declared a FILE location {:?}",
                report.id,
                location.name
            );
            let mut receiver = Receiver::default();
            provider.get_metadata(Location::Plugin, &mut receiver);
            report.presets.extend(receiver.presets);
            report.errors.extend(receiver.errors);
        }
        let mut receiver = Receiver::default();
        let nowhere = CString::new("/nonexistent/mixwerk-presets")?;
        provider.get_metadata(Location::File { path: &nowhere }, &mut receiver);
        ensure!(
            receiver.presets.is_empty() && !receiver.errors.is_empty(),
            "provider {:?}: a FILE location it never declared gave {} presets and no error",
            report.id,
            receiver.presets.len()
        );
        providers.push(report);
    }
    Ok(Some(Discovery { providers }))
}

// ---------------------------------------------------------------------------------------------
// Checks

/// `(id, name)` of every file, sorted by id.
fn ids_and_names(files: &[PresetFile]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|f| (f.id.clone(), f.name.clone()))
        .collect()
}

/// CLAP discovery lists exactly the plugin's preset files: one provider with one location of
/// kind PLUGIN, every file once (load key = file stem, name, category as a feature), flagged
/// factory content, for this plugin's CLAP id, by Mixwerk. A plugin without preset files
/// offers no factory and no `preset-load`.
pub fn clap_discovery(p: &PluginUnderTest) -> Result<()> {
    let files = preset_files(p.expected.crate_name)?;
    let p = p.clap_twin();
    let bundle = host::Bundle::load(&p.path)?;
    let discovery = bundle.discover_presets()?;
    let has_preset_load = bundle.instantiate(p.expected.clap_id)?.has_preset_load();
    if files.is_empty() {
        ensure!(
            discovery.is_none(),
            "no preset files, yet a preset-discovery factory"
        );
        ensure!(!has_preset_load, "no preset files, yet preset-load");
        return Ok(());
    }
    let discovery = discovery.ok_or("no preset-discovery factory")?;
    ensure!(has_preset_load, "no preset-load extension");
    ensure!(
        discovery.providers.len() == 1,
        "{} providers, expected one",
        discovery.providers.len()
    );
    let provider = &discovery.providers[0];
    ensure!(
        provider.vendor == crate::bundles::VENDOR,
        "provider vendor {:?}",
        provider.vendor
    );
    ensure!(
        provider.locations.len() == 1 && provider.locations[0].is_plugin,
        "locations {:?}, expected one of kind PLUGIN",
        provider.locations
    );
    ensure!(
        provider.errors.is_empty(),
        "errors while listing: {:?}",
        provider.errors
    );
    let mut listed: Vec<(String, String)> = provider
        .presets
        .iter()
        .map(|d| (d.load_key.clone(), d.name.clone()))
        .collect();
    listed.sort();
    ensure!(
        listed == ids_and_names(&files),
        "discovery lists {listed:?}, the files are {:?}",
        ids_and_names(&files)
    );
    for d in &provider.presets {
        let file = files.iter().find(|f| f.id == d.load_key).unwrap();
        ensure!(
            d.flags & Flags::IS_FACTORY_CONTENT.bits() != 0,
            "{}: flags {:#x} lack IS_FACTORY_CONTENT",
            d.load_key,
            d.flags
        );
        ensure!(
            d.plugin_ids == [("clap".to_owned(), p.expected.clap_id.to_owned())],
            "{}: plugin ids {:?}",
            d.load_key,
            d.plugin_ids
        );
        ensure!(
            d.creators == [crate::bundles::VENDOR],
            "{}: creators {:?}",
            d.load_key,
            d.creators
        );
        ensure!(
            file.category.is_empty() || d.features.contains(&file.category),
            "{}: category {:?} not among the features {:?}",
            d.load_key,
            file.category,
            d.features
        );
    }
    Ok(())
}

/// The normalised value (0…1) the file asks for, through the host's own conversions: text
/// with `text_to_value` of `inst` (the format under test), plain values with the VST3
/// controller's `plainParamToNormalized` (`vst3`).
fn expected_normalized(
    inst: &mut dyn Hosted,
    vst3: &vst3_host::Instance,
    max: f64,
    id: u32,
    value: &FileValue,
) -> Result<f64> {
    Ok(match value {
        FileValue::Text(text) => {
            inst.text_to_value(id, text)
                .ok_or_else(|| format!("{text:?} is not understood by the host"))?
                / max
        }
        FileValue::Plain(plain) => vst3.to_normalized(id, *plain),
    })
}

/// The host-visible values equal what `file` asks for (normalised, within 1e-6), every
/// parameter is finite, and the plugin plays a finite, non-silent output from noise.
fn check_loaded(
    what: &str,
    inst: &mut dyn Hosted,
    vst3: &vst3_host::Instance,
    file: &PresetFile,
) -> Result<()> {
    let params = inst.params()?;
    for (string_id, value) in &file.params {
        let id = host_param_id(string_id);
        let q = params
            .iter()
            .find(|q| q.id == id)
            .ok_or_else(|| format!("{what}: {string_id:?} is no parameter of the plugin"))?;
        let expected = expected_normalized(inst, vst3, q.max, id, value)
            .map_err(|e| format!("{what}: {string_id}: {e}"))?;
        let actual = inst.value(id)? / q.max;
        ensure!(
            (actual - expected).abs() <= 1e-6,
            "{what}: {} ({string_id}) is {actual} normalised, the file's {value:?} is {expected}",
            q.name
        );
    }
    for q in &params {
        let v = inst.value(q.id)?;
        ensure!(v.is_finite(), "{what}: {} is {v}", q.name);
    }
    Ok(())
}

/// Plays noise at 48 kHz through the active instance (blocks of 10 ms): finite throughout and
/// not silent over the last half second. Work a preset starts in the background (an impulse
/// response to render) is ready within real time, so when the first second, processed much
/// faster than that, ends silent, playing goes on at about real-time pace for up to 3 s.
fn plays(what: &str, inst: &mut dyn Hosted) -> Result<()> {
    const BLOCK: usize = 480;
    let mut b = Buffers::for_ports(inst, BLOCK)?;
    let mut noise = Noise::new(17);
    let mut recent = std::collections::VecDeque::new();
    for block in 0..400 {
        if block >= 100 {
            if recent.iter().any(|&p: &f32| p > 1e-4) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(8));
        }
        b.fill_main(|_, _| 0.25 * noise.next_f32());
        b.process(inst, &[])?;
        let mut peak = 0.0f32;
        for (c, ch) in b.main_output().iter().enumerate() {
            for &x in ch {
                ensure!(
                    x.is_finite(),
                    "{what}: non-finite output {x} on channel {c} in block {block}"
                );
                peak = peak.max(x.abs());
            }
        }
        recent.push_back(peak);
        if recent.len() > 50 {
            recent.pop_front();
        }
    }
    let peak = recent.iter().fold(0.0f32, |m, &p| m.max(p));
    ensure!(peak > 1e-4, "{what}: silent on noise (peak {peak:e})");
    Ok(())
}

/// Through CLAP's `preset-load`: every preset file, loaded by its id, makes the host-visible
/// values what the file says, reports `loaded` to the host, and plays; an unknown key (and a
/// FILE location) fails through `on_error`, leaving the plugin working.
pub fn clap_preset_load(p: &PluginUnderTest) -> Result<()> {
    let files = preset_files(p.expected.crate_name)?;
    let vst3 = vst3_twin(p)?;
    let p = p.clap_twin();
    let bundle = host::Bundle::load(&p.path)?;
    for file in &files {
        let what = format!("preset {:?}", file.id);
        let mut inst = bundle.instantiate(p.expected.clap_id)?;
        // Inactive, as a browser loads before playing, then once more while active.
        inst.load_preset(&file.id)
            .map_err(|e| format!("{what}: {e}"))?;
        let reports = inst.preset_load_reports();
        ensure!(
            reports
                == [PresetLoadReport::Loaded {
                    plugin_location: true,
                    load_key: Some(file.id.clone()),
                }],
            "{what}: the host heard {reports:?}"
        );
        check_loaded(&what, &mut inst, &vst3, file)?;
        inst.activate(48_000.0, 480)?;
        plays(&what, &mut inst)?;
        inst.load_preset(&file.id)
            .map_err(|e| format!("{what} (active): {e}"))?;
        inst.preset_load_reports();
        check_loaded(&format!("{what} (active)"), &mut inst, &vst3, file)?;
        plays(&format!("{what} (active)"), &mut inst)?;
        inst.deactivate();
        ensure!(
            inst.logged_errors() == 0,
            "{what}: the plugin logged errors"
        );
    }
    if files.is_empty() {
        return Ok(());
    }

    // Unknown keys and a location the plugin has no presets in.
    let mut inst = bundle.instantiate(p.expected.clap_id)?;
    let before = inst.save_state()?;
    for key in ["no-such-preset", ""] {
        ensure!(
            inst.load_preset(key).is_err(),
            "unknown key {key:?} reported as loaded"
        );
        let reports = inst.preset_load_reports();
        match reports.as_slice() {
            [PresetLoadReport::Error { load_key, message }]
                if load_key.as_deref() == Some(key) && message.contains(key) => {}
            _ => return Err(format!("unknown key {key:?}: the host heard {reports:?}").into()),
        }
    }
    let path = CString::new(format!("/tmp/{}.toml", files[0].id))?;
    ensure!(
        inst.load_preset_from(Location::File { path: &path }, &files[0].id)
            .is_err(),
        "a FILE location reported as loaded"
    );
    let reports = inst.preset_load_reports();
    ensure!(
        matches!(reports.as_slice(), [PresetLoadReport::Error { .. }]),
        "FILE location: the host heard {reports:?}"
    );
    ensure!(
        inst.save_state()? == before,
        "a refused load changed the state"
    );
    inst.activate(48_000.0, 480)?;
    plays("after refused loads", &mut inst)?;
    Ok(())
}

/// The VST3 build of the same plugin, for its conversions and program list.
fn vst3_twin(p: &PluginUnderTest) -> Result<vst3_host::Instance> {
    let path = vst3_host::library_path(
        &crate::bundles::target_dir()
            .join("bundled")
            .join(format!("{}.vst3", p.expected.name)),
    );
    let module = vst3_host::Module::load(&path)?;
    let classes = module.classes()?;
    let class = classes
        .iter()
        .find(|c| c.name == p.expected.name)
        .ok_or_else(|| format!("no VST3 class named {:?}", p.expected.name))?;
    module.instantiate(&class.cid)
}

/// The VST3 program list holds exactly the preset files (by name, in the list's order the
/// files' ids map to), on the root unit, with one `kIsProgramChange | kIsList` parameter of
/// as many steps on that unit whose text is each program's name. Without preset files: no
/// list and no such parameter.
pub fn vst3_program_list(p: &PluginUnderTest) -> Result<()> {
    let files = preset_files(p.expected.crate_name)?;
    let inst = vst3_twin(p)?;
    let lists = inst.program_lists()?;
    let program_params: Vec<vst3_host::Vst3Param> = inst
        .params()?
        .into_iter()
        .filter(|q| q.is_program_change())
        .collect();
    if files.is_empty() {
        ensure!(
            lists.is_empty(),
            "no preset files, yet program lists {lists:?}"
        );
        ensure!(
            program_params.is_empty(),
            "no preset files, yet a program-change parameter"
        );
        return Ok(());
    }
    ensure!(
        lists.len() == 1,
        "{} program lists, expected one",
        lists.len()
    );
    let list = &lists[0];
    let root = inst.root_unit_program_list()?;
    ensure!(
        root == Some(list.id),
        "the root unit's program list is {root:?}, the list is {}",
        list.id
    );
    let mut names = list.programs.clone();
    names.sort();
    let mut file_names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    file_names.sort();
    ensure!(
        names == file_names,
        "the program list is {:?}, the files are named {file_names:?}",
        list.programs
    );
    ensure!(
        program_params.len() == 1,
        "{} program-change parameters, expected one",
        program_params.len()
    );
    let q = &program_params[0];
    ensure!(
        q.is_list() && q.unit_id == 0,
        "program parameter flags {:#x}, unit {}",
        q.flags,
        q.unit_id
    );
    ensure!(
        q.step_count as usize == files.len() - 1,
        "program parameter has {} steps for {} programs",
        q.step_count,
        files.len()
    );
    let all_ids: Vec<u32> = inst
        .params()?
        .iter()
        .filter(|x| !x.is_program_change())
        .map(|x| x.id)
        .collect();
    ensure!(
        !all_ids.contains(&q.id),
        "the program parameter's id {} is a parameter's",
        q.id
    );
    for (index, name) in list.programs.iter().enumerate() {
        let norm = index as f64 / q.step_count.max(1) as f64;
        let text = inst.string_by_value(q.id, norm)?;
        ensure!(
            &text == name,
            "program {index}: text {text:?}, list {name:?}"
        );
        let back = inst.value_by_string(q.id, name);
        ensure!(
            back.is_some_and(|b| (b - norm).abs() < 1e-9),
            "program {index}: {name:?} reads back as {back:?}"
        );
    }
    Ok(())
}

/// Every preset through the program-change parameter: set on the controller while inactive
/// (loads at once) and sent in `process` while active (loads off the audio thread; the host is
/// told to re-read the parameters). Either way the host-visible values become the file's, the
/// parameter reports the program's name, and the plugin plays.
pub fn vst3_program_change(p: &PluginUnderTest) -> Result<()> {
    let files = preset_files(p.expected.crate_name)?;
    if files.is_empty() {
        return Ok(());
    }
    let conversions = vst3_twin(p)?;
    let names = conversions.program_lists()?[0].programs.clone();
    let program_id = conversions
        .params()?
        .into_iter()
        .find(|q| q.is_program_change())
        .ok_or("no program-change parameter")?;
    let steps = program_id.step_count.max(1) as f64;
    let program_id = program_id.id;
    for file in &files {
        let index = names
            .iter()
            .position(|n| *n == file.name)
            .ok_or_else(|| format!("{:?} is not in the program list", file.name))?;
        let norm = index as f64 / steps;

        // On the controller, inactive.
        let what = format!("program {:?} (controller)", file.id);
        let mut h = vst3_hosted(p)?;
        h.inst.set_normalized(program_id, norm)?;
        ensure!(
            h.inst.handler.take_restart_flags() & RESTART_PARAM_VALUES_CHANGED != 0,
            "{what}: no restartComponent(kParamValuesChanged)"
        );
        check_program(&what, &mut h, &conversions, file, program_id, norm)?;
        h.activate(48_000.0, 480)?;
        plays(&what, &mut h)?;
        h.deactivate();

        // In `process`, active: the load happens off the audio thread, so the host sees it
        // within a few blocks.
        let what = format!("program {:?} (process)", file.id);
        let mut h = vst3_hosted(p)?;
        h.activate(48_000.0, 480)?;
        let mut b = Buffers::for_ports(&mut h, 480)?;
        let program = [host::ParamChange {
            offset: 0,
            id: program_id,
            value: norm,
        }];
        h.inst
            .process(&mut b.inputs, &mut b.outputs, &program, None)?;
        let start = std::time::Instant::now();
        while h.inst.handler.take_restart_flags() & RESTART_PARAM_VALUES_CHANGED == 0 {
            ensure!(
                start.elapsed().as_secs() < 10,
                "{what}: not loaded after 10 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
            crate::main_loop::turn();
            h.inst.process(&mut b.inputs, &mut b.outputs, &[], None)?;
        }
        check_program(&what, &mut h, &conversions, file, program_id, norm)?;
        plays(&what, &mut h)?;
        // The same program again, as automation repeats a value every block: nothing reloads.
        for _ in 0..5 {
            h.inst
                .process(&mut b.inputs, &mut b.outputs, &program, None)?;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        ensure!(
            h.inst.handler.take_restart_flags() & RESTART_PARAM_VALUES_CHANGED == 0,
            "{what}: the current program sent again was loaded again"
        );
    }
    Ok(())
}

#[allow(clippy::unnecessary_cast)] // an i32 on Linux, not everywhere
const RESTART_PARAM_VALUES_CHANGED: i32 =
    vst3::Steinberg::Vst::RestartFlags_::kParamValuesChanged as i32;

/// The plugin under test as a VST3 instance: its `.vst3` bundle, or for the alloc-check
/// build its library (which exports both formats).
fn vst3_hosted(p: &PluginUnderTest) -> Result<Vst3Hosted> {
    let path = if p.alloc_check {
        p.path.clone()
    } else {
        vst3_host::library_path(
            &crate::bundles::target_dir()
                .join("bundled")
                .join(format!("{}.vst3", p.expected.name)),
        )
    };
    let vst3 = PluginUnderTest {
        format: crate::bundles::Format::Vst3,
        path,
        ..p.clone()
    };
    crate::hosted::open_vst3(&vst3)
}

fn check_program(
    what: &str,
    h: &mut Vst3Hosted,
    conversions: &vst3_host::Instance,
    file: &PresetFile,
    program_id: u32,
    norm: f64,
) -> Result<()> {
    let now = h.inst.normalized(program_id);
    ensure!(
        (now - norm).abs() < 1e-9,
        "{what}: the program parameter reads {now}, set to {norm}"
    );
    let text = h.inst.string_by_value(program_id, now)?;
    ensure!(
        text == file.name,
        "{what}: the program parameter shows {text:?}"
    );
    check_loaded(what, h, conversions, file)
}

// ---------------------------------------------------------------------------------------------
// A preset equals the same settings made by hand

/// Two seconds of the same noise through `inst` (activated at 48 kHz, blocks of 480): every
/// output sample.
fn render(inst: &mut dyn Hosted) -> Result<Vec<f32>> {
    const BLOCK: usize = 480;
    inst.activate(48_000.0, BLOCK as u32)?;
    let mut b = Buffers::for_ports(inst, BLOCK)?;
    let mut noise = Noise::new(29);
    let mut out = Vec::new();
    for _ in 0..200 {
        b.fill_main(|_, _| 0.25 * noise.next_f32());
        b.process(inst, &[])?;
        for ch in b.main_output() {
            out.extend_from_slice(ch);
        }
    }
    inst.deactivate();
    Ok(out)
}

/// The values a user would set by hand for `file`: each parameter's text typed into the
/// host's field (plain values, the booleans, as the host's plain value), in host units.
fn by_hand(
    inst: &mut dyn Hosted,
    vst3: &vst3_host::Instance,
    file: &PresetFile,
) -> Result<Vec<(u32, f64)>> {
    let params = inst.params()?;
    let mut values = Vec::new();
    for (string_id, value) in &file.params {
        let id = host_param_id(string_id);
        let q = params
            .iter()
            .find(|q| q.id == id)
            .ok_or_else(|| format!("{string_id:?} is no parameter of the plugin"))?;
        values.push((
            id,
            expected_normalized(inst, vst3, q.max, id, value)? * q.max,
        ));
    }
    Ok(values)
}

/// Every factory preset, loaded through the host's preset mechanism of the format under test
/// (CLAP `preset-load`, the VST3 program-change parameter), plays bit for bit what a fresh
/// instance plays with the file's values set by hand through the host's parameters (both
/// before activation, so neither glides). Presets that choose an impulse response (a
/// persisted field, which no parameter can set) are left out; the Channel Strip's channel
/// names, also fields, change nothing in the audio.
pub fn preset_equals_the_same_settings_by_hand(p: &PluginUnderTest) -> Result<()> {
    let files = preset_files(p.expected.crate_name)?;
    if files.is_empty() {
        return Ok(());
    }
    let conversions = vst3_twin(p)?;
    let mut compared = 0;
    for file in files
        .iter()
        .filter(|f| !f.fields.iter().any(|k| k == "ir-path"))
    {
        let what = format!("preset {:?} ({:?})", file.id, p.format);
        let (mut loaded, mut hand): (Box<dyn Hosted>, Box<dyn Hosted>) = match p.format {
            crate::bundles::Format::Clap => {
                let clap = p.clap_twin();
                let bundle = host::Bundle::load(&clap.path)?;
                let mut loaded = bundle.instantiate(clap.expected.clap_id)?;
                loaded
                    .load_preset(&file.id)
                    .map_err(|e| format!("{what}: {e}"))?;
                let mut hand = bundle.instantiate(clap.expected.clap_id)?;
                let values = by_hand(&mut hand, &conversions, file)?;
                let changes: Vec<_> = values
                    .iter()
                    .map(|&(id, value)| host::ParamChange {
                        offset: 0,
                        id,
                        value,
                    })
                    .collect();
                hand.flush(&changes)?;
                (Box::new(loaded), Box::new(hand))
            }
            crate::bundles::Format::Vst3 => {
                let names = conversions.program_lists()?[0].programs.clone();
                let program = conversions
                    .params()?
                    .into_iter()
                    .find(|q| q.is_program_change())
                    .ok_or("no program-change parameter")?;
                let index = names
                    .iter()
                    .position(|n| *n == file.name)
                    .ok_or_else(|| format!("{what}: not in the program list"))?;
                let loaded = vst3_hosted(p)?;
                loaded
                    .inst
                    .set_normalized(program.id, index as f64 / program.step_count.max(1) as f64)?;
                let mut hand = vst3_hosted(p)?;
                let params = hand.params()?;
                for (id, value) in by_hand(&mut hand, &conversions, file)? {
                    let max = params.iter().find(|q| q.id == id).map_or(1.0, |q| q.max);
                    hand.inst.set_normalized(id, value / max)?;
                }
                (Box::new(loaded), Box::new(hand))
            }
        };
        let (a, b) = (render(&mut *loaded)?, render(&mut *hand)?);
        ensure!(
            a.len() == b.len(),
            "{what}: {} vs {} samples",
            a.len(),
            b.len()
        );
        if let Some(i) = (0..a.len()).find(|&i| a[i].to_bits() != b[i].to_bits()) {
            return Err(format!("{what}: sample {i} is {} loaded, {} by hand", a[i], b[i]).into());
        }
        ensure!(a.iter().any(|x| x.abs() > 1e-4), "{what}: silent");
        compared += 1;
    }
    ensure!(compared > 0, "no preset of {} compared", p.expected.name);
    Ok(())
}
