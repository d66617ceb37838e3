//! From a preset file to complete settings, checked against the plugin's real parameters, and
//! back from live parameters to settings (user presets, A/B, undo).
//!
//! Settings hold every parameter, twice over: as the plain values of a saved state (what the
//! host path loads, `Plugin::factory_presets`) and as normalized values (what the editor sends
//! the host through its parameter setter, so that a load is a host-visible change).

use std::collections::{BTreeMap, HashMap};

use nice_plug::params::InternalParamMut;
use nice_plug::plugin::ParamValue;
use nice_plug::prelude::{Param, ParamPtr, Params, PluginState};

use super::file::{PresetError, PresetFile, Value};
use super::migrate::{self, Migration};

/// Complete settings of a plugin: every parameter and the persisted fields.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What the host loads: plain values by parameter id, the fields as JSON.
    pub state: PluginState,
    /// Parameter id → normalized value, as the editor sets them.
    pub normalized: BTreeMap<String, f32>,
}

/// A preset ready to load: its name and category for browsers, and its settings.
#[derive(Debug, Clone)]
pub struct Preset {
    /// The file stem (factory presets: stable, the hosts' load key).
    pub id: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub settings: Settings,
}

/// The preset `file` made into complete settings for the plugin `plugin_id` version
/// `version`, on a fresh, default instance of its parameters (`fresh` is changed: pass one
/// made for this call). Unlisted parameters stay at their defaults.
pub fn resolve(
    file: &PresetFile,
    plugin_id: &str,
    version: &str,
    fresh: &dyn Params,
    migrations: &[Migration],
) -> Result<Settings, PresetError> {
    if file.plugin != plugin_id {
        return Err(PresetError::OtherPlugin {
            expected: plugin_id.to_owned(),
            found: file.plugin.clone(),
        });
    }
    let map = fresh.param_map();
    let by_id: HashMap<&str, ParamPtr> = map.iter().map(|(id, p, _)| (id.as_str(), *p)).collect();
    let mut given = Vec::with_capacity(file.params.len());
    for (id, value) in &file.params {
        let id = migrate::current_id(id, &file.version, migrations);
        let ptr = *by_id
            .get(id)
            .ok_or_else(|| PresetError::UnknownParameter(id.to_owned()))?;
        // SAFETY: `fresh` is ours alone for this call, and the pointers come from its map.
        unsafe { set(ptr, value) }?;
        given.push(id);
    }
    for (id, value) in migrate::added_since(&file.version, migrations) {
        if let Some(ptr) = by_id.get(id).filter(|_| !given.contains(&id)) {
            // SAFETY: as above.
            unsafe { set_plain(*ptr, &value) };
        }
    }
    let mut settings = capture(fresh, version);
    for (key, value) in &file.fields {
        let slot = settings
            .state
            .fields
            .get_mut(key)
            .ok_or_else(|| PresetError::UnknownField(key.clone()))?;
        *slot = serde_json::to_string(value).map_err(|e| PresetError::Unreadable(e.to_string()))?;
    }
    Ok(settings)
}

/// The settings the parameters `params` hold now (their unmodulated values), as written by
/// plugin version `version`.
pub fn capture(params: &dyn Params, version: &str) -> Settings {
    let map = params.param_map();
    let mut state = PluginState {
        version: version.to_owned(),
        params: BTreeMap::new(),
        fields: params.serialize_fields(),
    };
    let mut normalized = BTreeMap::new();
    for (id, ptr, _) in map {
        // SAFETY: the pointers come from `params`' own map and `params` outlives this call.
        let (plain, norm) = unsafe { (plain(ptr), ptr.unmodulated_normalized_value()) };
        state.params.insert(id.clone(), plain);
        normalized.insert(id, norm);
    }
    Settings { state, normalized }
}

/// The value of a parameter as a saved state stores it (nice-plug's own encoding: enums by
/// their stable id where they have one).
unsafe fn plain(ptr: ParamPtr) -> ParamValue {
    unsafe {
        match ptr {
            ParamPtr::FloatParam(p) => ParamValue::F32((*p).unmodulated_plain_value()),
            ParamPtr::IntParam(p) => ParamValue::I32((*p).unmodulated_plain_value()),
            ParamPtr::BoolParam(p) => ParamValue::Bool((*p).unmodulated_plain_value()),
            ParamPtr::EnumParam(p) => match (*p).unmodulated_plain_id() {
                Some(id) => ParamValue::String(id.to_owned()),
                None => ParamValue::I32((*p).unmodulated_plain_value()),
            },
        }
    }
}

/// Sets one parameter of a private instance from a file's value; refuses what the parameter
/// cannot hold instead of clamping it, so a typo in a preset is found, not hidden.
unsafe fn set(ptr: ParamPtr, value: &Value) -> Result<(), PresetError> {
    let name = || unsafe { ptr.name() }.to_owned();
    let out_of_range = |v: String| PresetError::OutOfRange {
        param: name(),
        value: v,
    };
    unsafe {
        match (ptr, value) {
            (_, Value::Text(text)) => {
                // The text's own value first: the normalized one below is clamped to the
                // range, which would hide a value outside it.
                let plain = match ptr {
                    ParamPtr::FloatParam(p) => (*p).string_to_plain_value(text),
                    ParamPtr::IntParam(p) => (*p).string_to_plain_value(text).map(|v| v as f32),
                    _ => None,
                };
                if let Some(v) = plain
                    && v.is_finite()
                    && !in_range(ptr, v)
                {
                    return Err(out_of_range(text.clone()));
                }
                let normalized = ptr
                    .string_to_normalized_value(text)
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| PresetError::BadText {
                        param: name(),
                        text: text.clone(),
                    })?;
                ptr._internal_set_normalized_value(normalized);
            }
            (ParamPtr::FloatParam(p), Value::Number(_) | Value::Integer(_)) => {
                let v = match value {
                    Value::Number(v) => *v as f32,
                    Value::Integer(v) => *v as f32,
                    _ => unreachable!(),
                };
                if !v.is_finite() || !in_range(ptr, v) {
                    return Err(out_of_range(v.to_string()));
                }
                (*p)._internal_set_plain_value(v);
            }
            (ParamPtr::IntParam(p), Value::Integer(v)) => {
                let v32 = i32::try_from(*v).map_err(|_| out_of_range(v.to_string()))?;
                if !in_range(ptr, v32 as f32) {
                    return Err(out_of_range(v.to_string()));
                }
                (*p)._internal_set_plain_value(v32);
            }
            (ParamPtr::BoolParam(p), Value::Bool(v)) => {
                (*p)._internal_set_plain_value(*v);
            }
            (_, other) => return Err(out_of_range(format!("{other:?}"))),
        }
    }
    Ok(())
}

/// Whether the plain value `v` lies within the parameter's range (its ends are the plain
/// values of normalized 0 and 1, either way round), up to float rounding at the ends.
unsafe fn in_range(ptr: ParamPtr, v: f32) -> bool {
    let (a, b) = unsafe { (ptr.preview_plain(0.0), ptr.preview_plain(1.0)) };
    let (lo, hi) = (a.min(b), a.max(b));
    let slack = 1e-6 * lo.abs().max(hi.abs()).max(1.0);
    (lo - slack..=hi + slack).contains(&v)
}

/// Sets one parameter of a private instance from a saved state's value (a migration's).
unsafe fn set_plain(ptr: ParamPtr, value: &ParamValue) {
    unsafe {
        match (ptr, value) {
            (ParamPtr::FloatParam(p), ParamValue::F32(v)) => {
                (*p)._internal_set_plain_value(*v);
            }
            (ParamPtr::IntParam(p), ParamValue::I32(v)) => {
                (*p)._internal_set_plain_value(*v);
            }
            (ParamPtr::BoolParam(p), ParamValue::Bool(v)) => {
                (*p)._internal_set_plain_value(*v);
            }
            (ParamPtr::EnumParam(p), ParamValue::I32(v)) => {
                (*p)._internal_set_plain_value(*v);
            }
            (ParamPtr::EnumParam(p), ParamValue::String(id)) => {
                (*p).set_from_id(id);
            }
            _ => {}
        }
    }
}
