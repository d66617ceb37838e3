//! The editor's preset state, kept apart from drawing so that it is tested without a display:
//! which preset is loaded and whether it has been changed since, the A and B settings, and
//! undo/redo of the edits made in the editor.
//!
//! Every operation returns the [`Changes`] the editor then sends through the host's
//! parameter setter (begin, value, end for each parameter), so a preset load, an A/B switch
//! or an undo is a change the host sees (automation, its own undo) and the plugin's
//! smoothers glide through.
//!
//! **Undo steps** are the editor's gestures: a drag from press to release is one step (the
//! values before the first begin and after the last end of overlapping gestures), a preset
//! load or an A/B switch is one step. Changes the host makes (automation, its own undo) are
//! not steps: undoing puts back only the parameters the step changed.

use std::collections::BTreeMap;

use super::resolve::Settings;

/// How many steps undo keeps.
pub const UNDO_DEPTH: usize = 200;

/// Two normalized values closer than this are the same setting (a host's round trip of a
/// stepped or skewed parameter).
const SAME: f32 = 1e-5;

/// What the editor has to send to the host: normalized values by parameter id, and the
/// persisted fields when they change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub params: Vec<(String, f32)>,
    pub fields: Option<BTreeMap<String, String>>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.params.is_empty() && self.fields.is_none()
    }
}

/// One undoable step: each changed parameter's value before and after, and the fields'.
#[derive(Debug, Clone, Default)]
struct Step {
    params: Vec<(String, f32, f32)>,
    fields: Option<(BTreeMap<String, String>, BTreeMap<String, String>)>,
}

impl Step {
    /// From `now` to `target`.
    fn between(now: &Settings, target: &Settings) -> Self {
        let params = target
            .normalized
            .iter()
            .filter_map(|(id, &to)| {
                let from = *now.normalized.get(id)?;
                ((from - to).abs() > SAME).then(|| (id.clone(), from, to))
            })
            .collect();
        let (a, b) = (&now.state.fields, &target.state.fields);
        let fields = (a != b).then(|| (a.clone(), b.clone()));
        Self { params, fields }
    }

    fn is_empty(&self) -> bool {
        self.params.is_empty() && self.fields.is_none()
    }

    fn after(&self) -> Changes {
        Changes {
            params: self
                .params
                .iter()
                .map(|(id, _, to)| (id.clone(), *to))
                .collect(),
            fields: self.fields.as_ref().map(|(_, to)| to.clone()),
        }
    }

    fn before(&self) -> Changes {
        Changes {
            params: self
                .params
                .iter()
                .map(|(id, from, _)| (id.clone(), *from))
                .collect(),
            fields: self.fields.as_ref().map(|(from, _)| from.clone()),
        }
    }
}

/// A or B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    A,
    B,
}

impl Slot {
    fn index(self) -> usize {
        self as usize
    }

    pub fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// The editor's preset state of one plugin instance.
#[derive(Debug, Default)]
pub struct Model {
    /// The loaded preset's name and its settings (the modified mark compares with them).
    loaded: Option<(String, Settings)>,
    /// The slot not playing holds its settings; the playing one is the plugin's own state.
    stored: [Option<Settings>; 2],
    active_b: bool,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// The values before the gestures now open, by parameter id.
    pending: BTreeMap<String, f32>,
    open: usize,
}

impl Model {
    /// Loads `settings` (a preset called `name`) over `now`: one undo step.
    pub fn load(&mut self, name: &str, settings: &Settings, now: &Settings) -> Changes {
        self.loaded = Some((name.to_owned(), settings.clone()));
        self.step(Step::between(now, settings))
    }

    /// The loaded preset's name, if one was loaded.
    pub fn preset_name(&self) -> Option<&str> {
        self.loaded.as_ref().map(|(name, _)| name.as_str())
    }

    /// Whether `now` differs from the loaded preset.
    pub fn modified(&self, now: &Settings) -> bool {
        self.loaded
            .as_ref()
            .is_some_and(|(_, loaded)| !Step::between(now, loaded).is_empty())
    }

    pub fn active(&self) -> Slot {
        if self.active_b { Slot::B } else { Slot::A }
    }

    /// Plays the other slot: `now` is kept in the one playing; the other one's settings come
    /// back (the first time, it starts as a copy of `now`, so a switch changes nothing until
    /// one of them is edited). One undo step.
    pub fn switch(&mut self, now: &Settings) -> Changes {
        let (playing, other) = (self.active(), self.active().other());
        let target = self.stored[other.index()]
            .take()
            .unwrap_or_else(|| now.clone());
        self.stored[playing.index()] = Some(now.clone());
        self.active_b = other == Slot::B;
        self.step(Step::between(now, &target))
    }

    /// Copies what plays (`now`) into the other slot.
    pub fn copy_to_other(&mut self, now: &Settings) {
        self.stored[self.active().other().index()] = Some(now.clone());
    }

    /// A gesture on `id` begins in the editor; `before` is its value now.
    pub fn begin_edit(&mut self, id: &str, before: f32) {
        self.open += 1;
        self.pending.entry(id.to_owned()).or_insert(before);
    }

    /// A gesture ends; when it was the last one open, the edit becomes one undo step with the
    /// values `value_of` reads now.
    pub fn end_edit(&mut self, value_of: impl Fn(&str) -> Option<f32>) {
        self.open = self.open.saturating_sub(1);
        if self.open > 0 {
            return;
        }
        let params = std::mem::take(&mut self.pending)
            .into_iter()
            .filter_map(|(id, from)| {
                let to = value_of(&id)?;
                ((from - to).abs() > SAME).then_some((id, from, to))
            })
            .collect();
        self.record(Step {
            params,
            fields: None,
        });
    }

    /// The persisted fields were changed in the editor (the Reverb's impulse response).
    pub fn fields_edited(
        &mut self,
        before: BTreeMap<String, String>,
        after: BTreeMap<String, String>,
    ) {
        if before != after {
            self.record(Step {
                params: Vec::new(),
                fields: Some((before, after)),
            });
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Takes back the last step.
    pub fn undo(&mut self) -> Changes {
        match self.undo.pop() {
            Some(step) => {
                let changes = step.before();
                self.redo.push(step);
                changes
            }
            None => Changes::default(),
        }
    }

    /// Does the last undone step again.
    pub fn redo(&mut self) -> Changes {
        match self.redo.pop() {
            Some(step) => {
                let changes = step.after();
                self.undo.push(step);
                changes
            }
            None => Changes::default(),
        }
    }

    fn step(&mut self, step: Step) -> Changes {
        let changes = step.after();
        self.record(step);
        changes
    }

    fn record(&mut self, step: Step) {
        if step.is_empty() {
            return;
        }
        self.redo.clear();
        self.undo.push(step);
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
    }
}
