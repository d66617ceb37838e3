//! User presets: one readable TOML file per preset (the factory presets' format) in the
//! platform's usual per-user preset folder, so they can be backed up, shared and edited:
//!
//! - Linux: `$XDG_DATA_HOME/Mixwerk/Presets/<Plugin>/` (`~/.local/share/…` when unset);
//! - macOS: `~/Library/Audio/Presets/Mixwerk/<Plugin>/`;
//! - Windows: `%APPDATA%\Mixwerk\Presets\<Plugin>\`.
//!
//! Writes go to a temporary file that is then renamed over the target, so a crash while
//! saving never leaves half a preset. A file that does not load is listed with its reason,
//! never skipped silently and never half-applied.

use std::fs;
use std::path::{Path, PathBuf};

use nice_plug::prelude::{Param, ParamPtr, Params};

use super::factory::Library;
use super::file::{FORMAT, PresetError, PresetFile, Value};
use super::resolve::Preset;

/// The user preset folder of the plugin `short_name` ("Compressor") on this platform.
pub fn folder(short_name: &str) -> Option<PathBuf> {
    folder_with(short_name, |k| std::env::var_os(k))
}

/// [`folder`] with the environment read through `var`.
pub fn folder_with(
    short_name: &str,
    var: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    let env = |k: &str| var(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(target_os = "windows") {
        env("APPDATA")?.join("Mixwerk").join("Presets")
    } else if cfg!(target_os = "macos") {
        env("HOME")?.join("Library/Audio/Presets/Mixwerk")
    } else {
        env("XDG_DATA_HOME")
            .or_else(|| env("HOME").map(|h| h.join(".local/share")))?
            .join("Mixwerk")
            .join("Presets")
    };
    Some(base.join(short_name))
}

/// A user preset on disk, loaded or refused.
pub struct Listed {
    pub path: PathBuf,
    pub preset: Result<Preset, PresetError>,
}

/// Every `.toml` file in `dir`, each loaded against `library` (by category, then name; the
/// refused ones last). A missing folder is an empty list.
pub fn scan(dir: &Path, library: &Library) -> Vec<Listed> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut listed: Vec<Listed> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|path| Listed {
            preset: load(&path, library),
            path,
        })
        .collect();
    listed.sort_by(|a, b| match (&a.preset, &b.preset) {
        (Ok(x), Ok(y)) => {
            (&x.category, x.name.to_lowercase()).cmp(&(&y.category, y.name.to_lowercase()))
        }
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.path.cmp(&b.path),
    });
    listed
}

/// One user preset file.
pub fn load(path: &Path, library: &Library) -> Result<Preset, PresetError> {
    let text = fs::read_to_string(path)
        .map_err(|e| PresetError::Io(format!("cannot read {}: {e}", path.display())))?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    library.read(&id, &text)
}

/// The preset file for what `params` hold now: every parameter, numbers as plain values and
/// enums by the name the host shows (both read back exactly), the persisted fields as well.
pub fn file_from(params: &dyn Params, library: &Library, name: &str, category: &str) -> PresetFile {
    let mut file = PresetFile {
        format: FORMAT,
        plugin: library.plugin_id.to_owned(),
        version: library.version.to_owned(),
        name: name.trim().to_owned(),
        category: category.trim().to_owned(),
        description: String::new(),
        params: Default::default(),
        fields: Default::default(),
    };
    for (id, ptr, _) in params.param_map() {
        // SAFETY: the pointers come from `params`' own map and `params` outlives this call.
        let value = unsafe {
            match ptr {
                ParamPtr::FloatParam(p) => Value::Number(shortest((*p).unmodulated_plain_value())),
                ParamPtr::IntParam(p) => Value::Integer((*p).unmodulated_plain_value() as i64),
                ParamPtr::BoolParam(p) => Value::Bool((*p).unmodulated_plain_value()),
                ParamPtr::EnumParam(_) => Value::Text(
                    ptr.normalized_value_to_string(ptr.unmodulated_normalized_value(), false),
                ),
            }
        };
        file.params.insert(id, value);
    }
    for (key, json) in params.serialize_fields() {
        if let Ok(value) = serde_json::from_str::<toml::Value>(&json) {
            file.fields.insert(key, value);
        }
    }
    file
}

/// `v` as the f64 whose shortest text is `v`'s own (0.1, not 0.10000000149011612), which reads
/// back as exactly `v`.
fn shortest(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(v as f64)
}

/// The file name for a preset called `name`: letters, digits, spaces, `-` and `_` kept.
pub fn file_name(name: &str) -> String {
    let stem: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim();
    format!("{}.toml", if stem.is_empty() { "Preset" } else { stem })
}

/// Writes `file` into `dir` under its name (replacing a preset of the same name), atomically.
pub fn save(dir: &Path, file: &PresetFile) -> Result<PathBuf, PresetError> {
    let io = |what: &str, e: std::io::Error| PresetError::Io(format!("cannot {what}: {e}"));
    fs::create_dir_all(dir).map_err(|e| io(&format!("create {}", dir.display()), e))?;
    let path = dir.join(file_name(&file.name));
    let temporary = path.with_extension("toml.part");
    fs::write(&temporary, file.to_text())
        .map_err(|e| io(&format!("write {}", temporary.display()), e))?;
    fs::rename(&temporary, &path).map_err(|e| io(&format!("write {}", path.display()), e))?;
    Ok(path)
}

/// Gives the preset at `path` the name `new_name` (inside the file and in its file name).
pub fn rename(path: &Path, new_name: &str) -> Result<PathBuf, PresetError> {
    if new_name.trim().is_empty() {
        return Err(PresetError::Io("a preset needs a name".to_owned()));
    }
    let text = fs::read_to_string(path)
        .map_err(|e| PresetError::Io(format!("cannot read {}: {e}", path.display())))?;
    let mut file = PresetFile::parse(&text)?;
    file.name = new_name.trim().to_owned();
    let dir = path.parent().unwrap_or(Path::new("."));
    let new_path = dir.join(file_name(&file.name));
    if new_path != path && new_path.exists() {
        return Err(PresetError::Io(format!(
            "a preset called \"{}\" exists already",
            file.name
        )));
    }
    let saved = save(dir, &file)?;
    if saved != path {
        fs::remove_file(path)
            .map_err(|e| PresetError::Io(format!("cannot remove {}: {e}", path.display())))?;
    }
    Ok(saved)
}

/// Deletes the preset at `path`.
pub fn delete(path: &Path) -> Result<(), PresetError> {
    fs::remove_file(path)
        .map_err(|e| PresetError::Io(format!("cannot delete {}: {e}", path.display())))
}
