//! The preset module against a small parameter set of the kit's own builders: values read
//! from text and plain numbers, refusals, migrations, user files and the editor's model.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use nice_plug::plugin::ParamValue;
use nice_plug::prelude::*;

use super::factory::Library;
use super::file::PresetError;
use super::migrate::{self, Migration, Old};
use super::model::{Model, Slot};
use super::resolve::{self, Settings};
use super::user;
use crate::choices::LawParam;
use crate::params;

#[derive(Params)]
struct TestParams {
    #[id = "gain"]
    gain: FloatParam,
    #[id = "freq"]
    freq: FloatParam,
    #[id = "on"]
    on: BoolParam,
    #[id = "law"]
    law: EnumParam<LawParam>,
    #[id = "voices"]
    voices: IntParam,
    #[persist = "path"]
    path: Mutex<String>,
}

impl Default for TestParams {
    fn default() -> Self {
        Self {
            gain: params::decibels("Gain", 0.0, -24.0, 24.0),
            freq: params::frequency("Freq", 1000.0, params::skewed(20.0, 20_000.0, -2.0)),
            on: params::switch("On", false),
            law: EnumParam::new("Law", LawParam::ZeroDb),
            voices: IntParam::new("Voices", 2, IntRange::Linear { min: 1, max: 4 }),
            path: Mutex::new(String::new()),
        }
    }
}

const ID: &str = "org.mixwerk.test";

/// A rename of "volume" to "gain" and the addition of "voices" in 0.1.0 (before it, the
/// plugin played one voice).
const MIGRATIONS: &[Migration] = &[
    Migration::Renamed {
        since: "0.1.0",
        from: "volume",
        to: "gain",
    },
    Migration::Added {
        since: "0.1.0",
        id: "voices",
        value: Old::I32(1),
    },
];

fn library(files: &[(&str, &str)]) -> Library {
    Library::with_identity(ID, "Test", "0.1.0", files, MIGRATIONS, || {
        Box::new(TestParams::default())
    })
}

fn read(text: &str) -> Result<Settings, PresetError> {
    library(&[]).read("t", text).map(|p| p.settings)
}

fn preset(body: &str) -> String {
    format!(
        "format = 1\nplugin = \"{ID}\"\nversion = \"0.1.0\"\nname = \"N\"\ncategory = \"C\"\n{body}"
    )
}

#[test]
fn values_read_as_typed_or_plain_and_the_rest_stays_at_defaults() {
    let s = read(&preset(
        "[params]\ngain = \"-3 dB\"\nfreq = \"2.5k\"\nlaw = \"-3 dB (constant power)\"\non = true\n[fields]\npath = \"builtin:plate\"\n",
    ))
    .unwrap();
    let p = &s.state.params;
    assert!(
        matches!(p["gain"], ParamValue::F32(v) if v == -3.0),
        "{:?}",
        p["gain"]
    );
    assert!(
        matches!(p["freq"], ParamValue::F32(v) if (v - 2500.0).abs() < 0.01),
        "{:?}",
        p["freq"]
    );
    assert!(matches!(&p["law"], ParamValue::String(id) if id == "-3db"));
    assert!(matches!(p["on"], ParamValue::Bool(true)));
    assert!(
        matches!(p["voices"], ParamValue::I32(2)),
        "unlisted: the default"
    );
    assert_eq!(s.state.fields["path"], "\"builtin:plate\"");
    // The normalized values are the same settings: 2.5 kHz on a 20 Hz – 20 kHz log-ish skew.
    let fresh = TestParams::default();
    assert!((s.normalized["gain"] - fresh.gain.preview_normalized(-3.0)).abs() < 1e-6);
    assert!((s.normalized["freq"] - fresh.freq.preview_normalized(2500.0)).abs() < 1e-5);

    let plain = read(&preset("[params]\ngain = -3.5\nvoices = 4\n")).unwrap();
    assert!(matches!(plain.state.params["gain"], ParamValue::F32(v) if v == -3.5));
    assert!(matches!(plain.state.params["voices"], ParamValue::I32(4)));
}

/// A preset's text, the kind of refusal expected and words its message must contain.
type Case = (String, fn(&PresetError) -> bool, &'static str);

#[test]
fn bad_presets_are_refused_with_their_reason() {
    let cases: [Case; 9] = [
        (
            "this is = not toml [".into(),
            |e| matches!(e, PresetError::Unreadable(_)),
            "readable",
        ),
        (
            preset("[params]\nloudness = 1.0\n"),
            |e| matches!(e, PresetError::UnknownParameter(id) if id == "loudness"),
            "unknown parameter \"loudness\"",
        ),
        (
            preset("[params]\ngain = \"loud\"\n"),
            |e| matches!(e, PresetError::BadText { .. }),
            "\"loud\" is not a value of Gain",
        ),
        (
            preset("[params]\ngain = 30.0\n"),
            |e| matches!(e, PresetError::OutOfRange { .. }),
            "30 is outside Gain's range",
        ),
        (
            preset("[params]\ngain = \"30 dB\"\n"),
            |e| matches!(e, PresetError::OutOfRange { .. }),
            "30 dB is outside Gain's range",
        ),
        (
            preset("[params]\nvoices = 9\n"),
            |e| matches!(e, PresetError::OutOfRange { .. }),
            "outside Voices",
        ),
        (
            preset("[fields]\nsample = \"x\"\n"),
            |e| matches!(e, PresetError::UnknownField(_)),
            "unknown setting",
        ),
        (
            preset("").replace(ID, "org.mixwerk.eq"),
            |e| matches!(e, PresetError::OtherPlugin { .. }),
            "a preset for org.mixwerk.eq",
        ),
        (
            preset("").replace("format = 1", "format = 7"),
            |e| matches!(e, PresetError::NewerFormat(7)),
            "newer Mixwerk",
        ),
    ];
    for (text, kind, message) in cases {
        let e = read(&text).expect_err(&text);
        assert!(kind(&e), "{text}: {e:?}");
        assert!(
            e.to_string().contains(message),
            "{text}: \"{e}\" lacks \"{message}\""
        );
    }
}

#[test]
fn settings_from_before_a_rename_load_with_the_migrated_value() {
    // A saved state of 0.0.9: "volume" is now "gain", and "voices" did not exist (one voice).
    let mut state = PluginState {
        version: "0.0.9".into(),
        params: BTreeMap::from([("volume".to_string(), ParamValue::F32(-6.0))]),
        fields: BTreeMap::new(),
    };
    migrate::migrate_state(&mut state, MIGRATIONS);
    assert!(matches!(state.params["gain"], ParamValue::F32(v) if v == -6.0));
    assert!(!state.params.contains_key("volume"));
    assert!(matches!(state.params["voices"], ParamValue::I32(1)));
    // Written by 0.1.0: nothing to do (a "volume" there would be another parameter).
    let mut current = PluginState {
        version: "0.1.0".into(),
        params: BTreeMap::from([("gain".to_string(), ParamValue::F32(-6.0))]),
        fields: BTreeMap::new(),
    };
    migrate::migrate_state(&mut current, MIGRATIONS);
    assert_eq!(current.params.len(), 1);
    // A preset file of 0.0.9 the same way.
    let old = preset("[params]\nvolume = \"-6 dB\"\n").replace("0.1.0", "0.0.9");
    let s = read(&old).unwrap();
    assert!(matches!(s.state.params["gain"], ParamValue::F32(v) if v == -6.0));
    assert!(matches!(s.state.params["voices"], ParamValue::I32(1)));
    assert!(migrate::older("0.9.12", "0.10.0") && !migrate::older("1.0.0", "1.0.0"));
    assert!(migrate::older("", "0.1.0"));
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mixwerk-presets-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn user_presets_round_trip_rename_delete_and_corrupt_files_are_listed_with_their_reason() {
    let lib = library(&[]);
    let dir = temp_dir("user");
    let params = TestParams::default();
    let set = |p: &FloatParam, v: f32| unsafe {
        use nice_plug::params::InternalParamMut;
        p._internal_set_plain_value(v);
    };
    set(&params.gain, -4.3);
    set(&params.freq, 3333.3);
    *params.path.lock().unwrap() = "builtin:hall".into();
    let captured = resolve::capture(&params, "0.1.0");
    let file = user::file_from(&params, &lib, "My vocal / bright", "Vocals");
    let path = user::save(&dir, &file).unwrap();
    assert_eq!(path.file_name().unwrap(), "My vocal _ bright.toml");
    std::fs::write(
        dir.join("broken.toml"),
        "format = 1\nname = \"x\"\n[params\n",
    )
    .unwrap();

    let listed = user::scan(&dir, &lib);
    assert_eq!(listed.len(), 2);
    let loaded = listed[0].preset.as_ref().unwrap();
    assert_eq!(
        (loaded.name.as_str(), loaded.category.as_str()),
        ("My vocal / bright", "Vocals")
    );
    for (id, v) in &captured.normalized {
        assert_eq!(loaded.settings.normalized[id], *v, "{id} round trip");
    }
    assert_eq!(loaded.settings.state.fields, captured.state.fields);
    let refused = listed[1].preset.as_ref().unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("not a readable Mixwerk preset"),
        "{refused}"
    );

    let renamed = user::rename(&path, "Vocal air").unwrap();
    assert!(!path.exists() && renamed.ends_with("Vocal air.toml"));
    assert_eq!(user::load(&renamed, &lib).unwrap().name, "Vocal air");
    user::delete(&renamed).unwrap();
    assert_eq!(user::scan(&dir, &lib).len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_user_folder_is_the_platforms() {
    let env = |k: &str| match k {
        "XDG_DATA_HOME" => Some("/data".into()),
        "HOME" => Some("/home/u".into()),
        "APPDATA" => Some("C:\\AppData".into()),
        _ => None,
    };
    let path = user::folder_with("EQ", env).unwrap();
    if cfg!(target_os = "linux") {
        assert_eq!(path, PathBuf::from("/data/Mixwerk/Presets/EQ"));
        let no_xdg = user::folder_with("EQ", |k| {
            if k == "HOME" {
                Some("/home/u".into())
            } else {
                None
            }
        });
        assert_eq!(
            no_xdg.unwrap(),
            PathBuf::from("/home/u/.local/share/Mixwerk/Presets/EQ")
        );
    }
    assert!(user::folder_with("EQ", |_| None).is_none());
}

/// The editor's model on settings made from normalized values alone.
fn settings(values: &[(&str, f32)]) -> Settings {
    let fresh = TestParams::default();
    let mut s = resolve::capture(&fresh, "0.1.0");
    for (id, v) in values {
        s.normalized.insert(id.to_string(), *v);
    }
    s
}

/// Applies changes to `now` as the host would.
fn apply(now: &mut Settings, changes: &super::model::Changes) {
    for (id, v) in &changes.params {
        now.normalized.insert(id.clone(), *v);
    }
    if let Some(f) = &changes.fields {
        now.state.fields = f.clone();
    }
}

#[test]
fn a_b_switches_copies_and_is_undoable() {
    let mut model = Model::default();
    let mut now = settings(&[("gain", 0.5)]);
    assert_eq!(model.active(), Slot::A);
    // The first switch: B starts as a copy of A, nothing changes.
    assert!(model.switch(&now).is_empty());
    assert_eq!(model.active(), Slot::B);
    // Edit B (a drag: one begin, values, one end).
    model.begin_edit("gain", 0.5);
    now.normalized.insert("gain".into(), 0.8);
    model.end_edit(|id| now.normalized.get(id).copied());
    // Back to A: gain returns to 0.5; to B again: 0.8.
    let to_a = model.switch(&now);
    assert_eq!(to_a.params, vec![("gain".to_string(), 0.5)]);
    apply(&mut now, &to_a);
    let to_b = model.switch(&now);
    assert_eq!(to_b.params, vec![("gain".to_string(), 0.8)]);
    apply(&mut now, &to_b);
    // Copy B to A: switching changes nothing now.
    model.copy_to_other(&now);
    assert!(model.switch(&now).is_empty());
    // A switch that changed nothing is no step: undo takes back the last one that did (A to B).
    assert_eq!(model.undo().params, vec![("gain".to_string(), 0.5)]);
}

#[test]
fn a_drag_is_one_undo_step_and_redo_replays_it() {
    let mut model = Model::default();
    let mut now = settings(&[("gain", 0.5), ("freq", 0.3)]);
    // A drag over many values, with a second control's gesture overlapping it.
    model.begin_edit("gain", 0.5);
    for v in [0.55, 0.6, 0.7] {
        now.normalized.insert("gain".into(), v);
    }
    model.begin_edit("freq", 0.3);
    now.normalized.insert("freq".into(), 0.4);
    model.end_edit(|id| now.normalized.get(id).copied());
    assert!(!model.can_undo(), "a gesture is still open");
    model.end_edit(|id| now.normalized.get(id).copied());
    assert!(model.can_undo());
    // A click that changes nothing is no step.
    model.begin_edit("gain", 0.7);
    model.end_edit(|id| now.normalized.get(id).copied());

    let undo = model.undo();
    let mut undone: Vec<_> = undo.params.clone();
    undone.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        undone,
        vec![("freq".to_string(), 0.3), ("gain".to_string(), 0.5)]
    );
    assert!(!model.can_undo() && model.can_redo());
    apply(&mut now, &undo);
    let redo = model.redo();
    assert_eq!(redo.params.len(), 2);
    assert!(redo.params.contains(&("gain".to_string(), 0.7)));
    // A new edit after an undo drops the redo.
    model.undo();
    model.begin_edit("gain", 0.5);
    now.normalized.insert("gain".into(), 0.1);
    model.end_edit(|id| now.normalized.get(id).copied());
    assert!(!model.can_redo());
}

#[test]
fn loading_a_preset_is_one_step_and_marks_edits_as_modified() {
    let mut model = Model::default();
    let mut now = settings(&[("gain", 0.5), ("freq", 0.3)]);
    let preset = settings(&[("gain", 0.25), ("freq", 0.3)]);
    let changes = model.load("Warm", &preset, &now);
    assert_eq!(
        changes.params,
        vec![("gain".to_string(), 0.25)],
        "only what differs"
    );
    apply(&mut now, &changes);
    assert_eq!(model.preset_name(), Some("Warm"));
    assert!(!model.modified(&now));
    model.begin_edit("freq", 0.3);
    now.normalized.insert("freq".into(), 0.9);
    model.end_edit(|id| now.normalized.get(id).copied());
    assert!(model.modified(&now));
    apply(&mut now, &model.undo());
    assert!(!model.modified(&now));
    apply(&mut now, &model.undo());
    assert_eq!(now.normalized["gain"], 0.5, "the load itself undone");
}
