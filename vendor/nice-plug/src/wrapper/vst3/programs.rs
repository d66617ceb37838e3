//! Mixwerk extension (MIXWERK.md 12): the plugin's factory presets
//! ([`Plugin::factory_presets()`]) as a VST3 program list, so that Live, Cubase and Reaper list
//! them and switch between them.
//!
//! VST3 spells this as two things that hosts read together: a program list attached to the root
//! unit (`IUnitInfo`: the root unit's `programListId`, one list, its programs' names and
//! attributes) and a parameter flagged `kIsProgramChange | kIsList` in that unit, whose steps are
//! the programs. Setting that parameter — through the controller's `setParamNormalized`, or as a
//! change arriving in `process` — loads the preset exactly as a saved state is loaded
//! (`WrapperInner::set_state_inner` on a clone of the preset's state: the plugin's migrations,
//! the roll-back on failure), and the host is told to re-read every parameter
//! (`restartComponent(kParamValuesChanged)`). From `process` the load is handed to the wrapper's
//! background thread: the audio thread only stores the program's index in an atomic and posts a
//! task to a preallocated queue, so it neither allocates nor waits. A plugin without presets has
//! neither the list nor the parameter.

use std::sync::atomic::{AtomicI32, Ordering};

use nice_plug_core::plugin::{FactoryPreset, Plugin};
use vst3::Steinberg::Vst::{
    ParameterInfo, ParameterInfo_::ParameterFlags_, ProgramListID, ProgramListInfo, String128,
    UnitInfo, kNoParentUnitId, kRootUnitId,
};

use super::util::{VST3_MIDI_PARAMS_START, u16strlcpy};
use crate::wrapper::util::factory_presets::factory_presets;

/// The id of the one program list (any id but `kNoProgramListId`, -1).
pub const PROGRAM_LIST_ID: ProgramListID = 0;

/// Where the program-change parameter's id is looked for: just below the range nice-plug keeps
/// for generated MIDI CC parameters, and downwards from there to the first id no parameter
/// hashes to. Parameter ids are hashes of their string ids (`hash_param_id`), so no fixed
/// number is free by construction; this one is free for every parameter set that does not hash
/// onto it, which keeps it the same across versions in practice, and never collides.
const PROGRAM_PARAM_ID_START: u32 = VST3_MIDI_PARAMS_START - 1;

/// The program list's state for one instance.
pub struct Programs {
    presets: &'static [FactoryPreset],
    /// The program-change parameter's id (meaningless when there are no presets).
    param_id: u32,
    /// The program last loaded (what the parameter reports), -1 for none since the instance was
    /// made or a state was loaded.
    current: AtomicI32,
    /// A program asked for by `process`, not yet loaded; -1 for none.
    pending: AtomicI32,
}

impl Programs {
    /// The programs of `P`, with a parameter id that none of `param_hashes` has.
    pub fn new<P: Plugin>(param_hashes: &[u32]) -> Self {
        let mut param_id = PROGRAM_PARAM_ID_START;
        while param_hashes.contains(&param_id) {
            param_id -= 1;
        }
        Self {
            presets: factory_presets::<P>(),
            param_id,
            current: AtomicI32::new(-1),
            pending: AtomicI32::new(-1),
        }
    }

    /// Whether there is a program list at all.
    pub fn exist(&self) -> bool {
        !self.presets.is_empty()
    }

    pub fn count(&self) -> usize {
        self.presets.len()
    }

    /// Whether `id` is the program-change parameter (always false without presets).
    pub fn is_param(&self, id: u32) -> bool {
        self.exist() && id == self.param_id
    }

    /// 1 if there is a program-change parameter.
    pub fn param_count(&self) -> i32 {
        i32::from(self.exist())
    }

    pub fn preset(&self, index: usize) -> Option<&'static FactoryPreset> {
        self.presets.get(index)
    }

    /// The program a normalised value of the parameter selects.
    pub fn index_for(&self, normalized: f64) -> usize {
        let last = self.count().saturating_sub(1);
        if !normalized.is_finite() {
            return 0;
        }
        ((normalized.clamp(0.0, 1.0) * last as f64).round() as usize).min(last)
    }

    /// The parameter's normalised value for program `index`.
    pub fn normalized_for(&self, index: usize) -> f64 {
        let last = self.count().saturating_sub(1);
        if last == 0 {
            0.0
        } else {
            index.min(last) as f64 / last as f64
        }
    }

    /// The program last loaded, if the state still comes from one.
    pub fn current(&self) -> Option<usize> {
        usize::try_from(self.current.load(Ordering::SeqCst)).ok()
    }

    /// What the parameter reports: the current program, else the first.
    pub fn current_normalized(&self) -> f64 {
        self.normalized_for(self.current().unwrap_or(0))
    }

    pub fn set_current(&self, index: usize) {
        self.current.store(index as i32, Ordering::SeqCst);
    }

    /// A state was loaded that need not be any program: selecting any program loads it again.
    pub fn forget_current(&self) {
        self.current.store(-1, Ordering::SeqCst);
    }

    /// Records a program asked for on the audio thread. `true` if no request was waiting, so the
    /// caller posts the task that loads it (one task serves any number of requests before it
    /// runs: the last one wins).
    pub fn request(&self, index: usize) -> bool {
        self.pending.swap(index as i32, Ordering::SeqCst) < 0
    }

    /// The program asked for since the last call, if any.
    pub fn take_request(&self) -> Option<usize> {
        let index = self.pending.swap(-1, Ordering::SeqCst);
        (index >= 0).then_some(index as usize)
    }

    /// The program whose name is `name`, as a normalised value.
    pub fn normalized_for_name(&self, name: &str) -> Option<f64> {
        let name = name.trim();
        self.presets
            .iter()
            .position(|p| p.name == name || p.id == name)
            .map(|index| self.normalized_for(index))
    }

    /// `getParameterInfo` for the program-change parameter.
    pub fn parameter_info(&self, info: &mut ParameterInfo) {
        info.id = self.param_id;
        u16strlcpy(&mut info.title, "Program");
        u16strlcpy(&mut info.shortTitle, "Program");
        u16strlcpy(&mut info.units, "");
        info.stepCount = self.count().saturating_sub(1) as i32;
        info.defaultNormalizedValue = 0.0;
        info.unitId = kRootUnitId;
        // Not automatable: a whole preset is no automation lane, and a host that treats it as
        // one (pluginval's fuzzing and state tests, which expect a state load to bring back
        // every automatable value) would have it load presets over the state it restores.
        info.flags = ParameterFlags_::kIsList | ParameterFlags_::kIsProgramChange;
    }

    /// `getUnitInfo` for the root unit, which carries the program list (listed first, and only
    /// when there are programs: without them the wrapper lists no root unit, as upstream).
    pub fn root_unit_info(&self, info: &mut UnitInfo) {
        info.id = kRootUnitId;
        info.parentUnitId = kNoParentUnitId;
        u16strlcpy(&mut info.name, "Root");
        info.programListId = PROGRAM_LIST_ID;
    }

    /// `getProgramListInfo` for the one list.
    pub fn list_info(&self, info: &mut ProgramListInfo) {
        info.id = PROGRAM_LIST_ID;
        u16strlcpy(&mut info.name, "Factory Presets");
        info.programCount = self.count() as i32;
    }

    /// The name of program `index` into `name`; `false` if there is no such program.
    pub fn write_name(&self, index: i32, name: &mut String128) -> bool {
        match usize::try_from(index).ok().and_then(|i| self.preset(i)) {
            Some(preset) => {
                u16strlcpy(name, &preset.name);
                true
            }
            None => false,
        }
    }

    /// `getProgramInfo`: the attributes of `PresetAttributes` we know for program `index`.
    pub fn attribute<P: Plugin>(&self, index: i32, attribute: &str) -> Option<String> {
        let preset = self.preset(usize::try_from(index).ok()?)?;
        match attribute {
            "Name" => Some(preset.name.clone()),
            "PlugInName" => Some(P::NAME.to_owned()),
            "MusicalCategory" => Some(preset.category.clone()),
            _ => None,
        }
    }
}
