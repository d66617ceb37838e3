//! The preset file: TOML, one preset per file, readable and shareable.
//!
//! ```toml
//! format = 1
//! plugin = "org.mixwerk.compressor"
//! version = "0.1.0"
//! name = "Bus glue 2 dB"
//! category = "Bus"
//! description = "2:1, slow attack, auto release: about 2 dB on a mix bus."
//! [params]
//! threshold = "-18 dB"   # text, read as if typed into the host's field
//! ratio = 2.0            # a plain value in the parameter's unit
//! auto-release = true
//! [fields]
//! ir-path = "builtin:plate"
//! ```
//!
//! `format` is the layout of the file itself (this module reads format [`FORMAT`] and older);
//! `version` is the plugin version the values were written for, which decides the parameter
//! migrations (`migrate`), exactly as the `version` of a saved state does.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The newest file layout this build reads and the one it writes.
pub const FORMAT: u32 = 1;

/// A preset as written in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetFile {
    pub format: u32,
    /// The CLAP id of the plugin it is for: another plugin's preset is refused by name.
    pub plugin: String,
    /// The plugin version the values were written for.
    #[serde(default)]
    pub version: String,
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Parameter id → value; parameters left out load at their defaults.
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    /// Persisted non-parameter fields (the Reverb's impulse response), as TOML values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, toml::Value>,
}

/// A parameter's value in a file: text as a user would type it, or a plain value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Integer(i64),
    Number(f64),
    Text(String),
}

/// Why a preset was not loaded. The message names the file's problem; nothing of a refused
/// preset is ever applied.
#[derive(Debug, Clone, PartialEq)]
pub enum PresetError {
    /// Not TOML, or not the shape of a preset.
    Unreadable(String),
    /// A preset of another plugin.
    OtherPlugin {
        expected: String,
        found: String,
    },
    /// Written by a newer Mixwerk in a layout this build does not know.
    NewerFormat(u32),
    UnknownParameter(String),
    UnknownField(String),
    /// The text does not read as a value of this parameter.
    BadText {
        param: String,
        text: String,
    },
    /// A plain value outside the parameter's range, or of the wrong kind.
    OutOfRange {
        param: String,
        value: String,
    },
    /// Reading or writing the file itself.
    Io(String),
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(why) => write!(f, "not a readable Mixwerk preset: {why}"),
            Self::OtherPlugin { expected, found } => {
                write!(f, "a preset for {found}, not for {expected}")
            }
            Self::NewerFormat(format) => write!(
                f,
                "written by a newer Mixwerk (preset format {format}, this one reads up to {FORMAT})"
            ),
            Self::UnknownParameter(id) => write!(f, "unknown parameter \"{id}\""),
            Self::UnknownField(id) => write!(f, "unknown setting \"{id}\""),
            Self::BadText { param, text } => write!(f, "\"{text}\" is not a value of {param}"),
            Self::OutOfRange { param, value } => write!(f, "{value} is outside {param}'s range"),
            Self::Io(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for PresetError {}

impl PresetFile {
    /// Reads a preset from its text. Only the layout is checked here; the values are checked
    /// against the plugin's parameters in `resolve`.
    pub fn parse(text: &str) -> Result<Self, PresetError> {
        let file: Self =
            toml::from_str(text).map_err(|e| PresetError::Unreadable(e.message().to_owned()))?;
        if file.format > FORMAT {
            return Err(PresetError::NewerFormat(file.format));
        }
        if file.name.trim().is_empty() {
            return Err(PresetError::Unreadable("the preset has no name".to_owned()));
        }
        Ok(file)
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        toml::to_string(self).expect("a preset file is always representable as TOML")
    }
}
