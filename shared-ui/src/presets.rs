//! The preset bar every editor shows at the right of its first line: previous/next, the
//! preset menu (factory presets by category, the user's presets, save, rename, delete), the
//! current name with a `*` once edited, A/B with copy, and undo/redo.
//!
//! What it does lives in `plugin_kit::preset` (the model is tested there without a display);
//! this module draws it, reads the editor's own gestures (a [`Recorder`] between the editor
//! and the host, so undo sees edits made in the editor and not the host's automation), and
//! sends every change through the host's parameter setter: a preset load, an A/B switch or
//! an undo is a change the host sees, and the plugin's smoothers glide through it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use egui::{RichText, Ui, vec2};
use nice_plug::context::PluginApi;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::{ParamPtr, Params, PluginState};
use plugin_kit::preset::factory::Library;
use plugin_kit::preset::model::{Changes, Model, Slot};
use plugin_kit::preset::resolve::{self, Preset, Settings};
use plugin_kit::preset::user::{self, Listed};

use crate::theme;

/// A parameter pointer as a plain key (pointers are not `Send`; their addresses are).
fn key(ptr: ParamPtr) -> usize {
    match ptr {
        ParamPtr::FloatParam(p) => p as usize,
        ParamPtr::IntParam(p) => p as usize,
        ParamPtr::BoolParam(p) => p as usize,
        ParamPtr::EnumParam(p) => p as usize,
    }
}

/// A gesture the editor made, as the recorder saw it.
enum Gesture {
    Begin(usize, f32),
    End,
}

/// The host's GUI context with a log of the editor's begin/end gestures in between: the
/// editor's widgets talk to this, the preset bar's own changes go to the host directly.
pub struct Recorder {
    host: GuiContext,
    log: Mutex<Vec<Gesture>>,
}

impl Recorder {
    pub fn new(host: GuiContext) -> Arc<Self> {
        Arc::new(Self {
            host,
            log: Mutex::new(Vec::new()),
        })
    }

    fn drain(&self) -> Vec<Gesture> {
        self.log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }

    fn push(&self, g: Gesture) {
        if let Ok(mut l) = self.log.lock() {
            l.push(g);
        }
    }
}

impl GuiContextInner for Recorder {
    fn plugin_api(&self) -> PluginApi {
        self.host.plugin_api()
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        // SAFETY: the editor hands us its own parameters' pointers.
        let before = unsafe { param.unmodulated_normalized_value() };
        self.push(Gesture::Begin(key(param), before));
        unsafe { self.host.raw_begin_set_parameter(param) }
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        unsafe { self.host.raw_set_parameter_normalized(param, normalized) }
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        unsafe { self.host.raw_end_set_parameter(param) };
        self.push(Gesture::End);
    }

    fn get_state(&self) -> PluginState {
        self.host.get_state()
    }

    fn set_state(&self, state: PluginState) {
        self.host.set_state(state);
    }

    fn request_restart(&self) {
        self.host.request_restart();
    }
}

/// Where the loaded preset came from, for previous/next.
#[derive(Clone, PartialEq)]
enum Source {
    Factory(usize),
    User(PathBuf),
}

/// What the name field is doing.
enum Naming {
    Save(String),
    Rename(PathBuf, String),
}

/// The preset bar of one plugin instance (kept while its editor is closed, so A/B and undo
/// survive closing the window).
pub struct PresetBar {
    library: &'static Library,
    params: Arc<dyn Params>,
    ids: Vec<(String, ParamPtr)>,
    by_key: HashMap<usize, usize>,
    by_id: HashMap<String, usize>,
    model: Model,
    user_dir: Option<PathBuf>,
    user: Vec<Listed>,
    current: Option<Source>,
    naming: Option<Naming>,
    /// The last message (an error in red), until the next action.
    message: Option<(String, bool)>,
    fields: std::collections::BTreeMap<String, String>,
}

// SAFETY: the parameter pointers point into `params`, which the bar keeps alive; the bar is
// only used on the editor's thread.
unsafe impl Send for PresetBar {}

impl PresetBar {
    pub fn new(library: &'static Library, params: Arc<dyn Params>) -> Self {
        let ids: Vec<(String, ParamPtr)> = params
            .param_map()
            .into_iter()
            .map(|(id, ptr, _)| (id, ptr))
            .collect();
        let by_key = ids
            .iter()
            .enumerate()
            .map(|(i, (_, p))| (key(*p), i))
            .collect();
        let by_id = ids
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.clone(), i))
            .collect();
        let fields = params.serialize_fields();
        Self {
            library,
            params,
            ids,
            by_key,
            by_id,
            model: Model::default(),
            user_dir: library.user_folder(),
            user: Vec::new(),
            current: None,
            naming: None,
            message: None,
            fields,
        }
    }

    /// Reads the user folder again (when the window opens and after every change to it).
    pub fn rescan(&mut self) {
        self.user = match &self.user_dir {
            Some(dir) => user::scan(dir, self.library),
            None => Vec::new(),
        };
    }

    fn now(&self) -> Settings {
        resolve::capture(&*self.params, self.library.version)
    }

    /// Feeds the editor's gestures of this frame into the undo model, and a change of the
    /// persisted fields (the Reverb's impulse response) as a step of its own.
    pub fn observe(&mut self, recorder: &Recorder) {
        for g in recorder.drain() {
            match g {
                Gesture::Begin(k, before) => {
                    if let Some(&i) = self.by_key.get(&k) {
                        let id = self.ids[i].0.clone();
                        self.model.begin_edit(&id, before);
                    }
                }
                Gesture::End => {
                    let ids = &self.ids;
                    let by_id = &self.by_id;
                    self.model.end_edit(|id| {
                        let (_, ptr) = ids.get(*by_id.get(id)?)?;
                        // SAFETY: see `unsafe impl Send`.
                        Some(unsafe { ptr.unmodulated_normalized_value() })
                    });
                }
            }
        }
        let fields = self.params.serialize_fields();
        if fields != self.fields {
            let before = std::mem::replace(&mut self.fields, fields.clone());
            self.model.fields_edited(before, fields);
        }
    }

    /// Sends `changes` to the host: begin, value, end for each parameter, then the fields.
    fn apply(&mut self, host: &GuiContext, changes: Changes) {
        for (id, normalized) in &changes.params {
            if let Some(&i) = self.by_id.get(id) {
                let ptr = self.ids[i].1;
                // SAFETY: our own parameters' pointers, on the editor thread.
                unsafe {
                    host.raw_begin_set_parameter(ptr);
                    host.raw_set_parameter_normalized(ptr, *normalized);
                    host.raw_end_set_parameter(ptr);
                }
            }
        }
        if let Some(fields) = changes.fields {
            self.params.deserialize_fields(&fields);
            self.fields = fields;
        }
    }

    fn load(&mut self, host: &GuiContext, preset: &Preset, source: Source) {
        let changes = self.model.load(&preset.name, &preset.settings, &self.now());
        self.apply(host, changes);
        self.current = Some(source);
        self.message = None;
    }

    /// Every preset in browsing order: the factory's, then the user's that load.
    fn sequence(&self) -> Vec<(Source, &Preset)> {
        let factory = self
            .library
            .presets
            .iter()
            .enumerate()
            .map(|(i, p)| (Source::Factory(i), p));
        let user = self
            .user
            .iter()
            .filter_map(|l| Some((Source::User(l.path.clone()), l.preset.as_ref().ok()?)));
        factory.chain(user).collect()
    }

    fn step(&mut self, host: &GuiContext, by: isize) {
        let seq: Vec<(Source, Preset)> = self
            .sequence()
            .into_iter()
            .map(|(s, p)| (s, p.clone()))
            .collect();
        if seq.is_empty() {
            return;
        }
        let at = self
            .current
            .as_ref()
            .and_then(|c| seq.iter().position(|(s, _)| s == c));
        let next = match at {
            Some(i) => (i as isize + by).rem_euclid(seq.len() as isize) as usize,
            None if by > 0 => 0,
            None => seq.len() - 1,
        };
        let (source, preset) = seq[next].clone();
        self.load(host, &preset, source);
    }

    /// Draws the bar (right to left from the editor's top right corner).
    pub fn ui(&mut self, ui: &mut Ui, host: &GuiContext) {
        let small =
            |t: &str| egui::Button::new(RichText::new(t).size(12.0)).min_size(vec2(22.0, 20.0));
        ui.spacing_mut().item_spacing.x = 3.0;

        let redo = ui
            .add_enabled(self.model.can_redo(), small("Redo"))
            .on_hover_text("Redo the last undone edit");
        if redo.clicked() {
            let c = self.model.redo();
            self.apply(host, c);
        }
        let undo = ui
            .add_enabled(self.model.can_undo(), small("Undo"))
            .on_hover_text("Undo the last edit made here (a drag is one step)");
        if undo.clicked() {
            let c = self.model.undo();
            self.apply(host, c);
        }
        ui.add_space(6.0);
        let active = self.model.active();
        let copy_label = match active {
            Slot::A => "A>B",
            Slot::B => "B>A",
        };
        if ui
            .add(small(copy_label))
            .on_hover_text("Copy the settings playing to the other slot")
            .clicked()
        {
            self.model.copy_to_other(&self.now());
            self.message = Some((format!("{copy_label}: copied"), false));
        }
        let ab = match active {
            Slot::A => RichText::new("A | b"),
            Slot::B => RichText::new("a | B"),
        };
        if ui
            .add(egui::Button::new(ab.size(12.0).color(theme::ACCENT)).min_size(vec2(44.0, 20.0)))
            .on_hover_text("Switch between two complete settings, A and B")
            .clicked()
        {
            let c = self.model.switch(&self.now());
            self.apply(host, c);
        }
        ui.add_space(6.0);
        if ui.add(small(">")).on_hover_text("Next preset").clicked() {
            self.step(host, 1);
        }
        self.menu(ui, host);
        if ui
            .add(small("<"))
            .on_hover_text("Previous preset")
            .clicked()
        {
            self.step(host, -1);
        }
        if let Some((text, error)) = &self.message {
            let color = if *error { theme::HOT } else { theme::TEXT_DIM };
            let label = ui.add(
                egui::Label::new(RichText::new(text).size(11.0).color(color))
                    .truncate()
                    .sense(egui::Sense::click()),
            );
            if label.on_hover_text(text.clone()).clicked() {
                self.message = None;
            }
        }
    }

    /// The current name (or the name field) and the menu it opens.
    fn menu(&mut self, ui: &mut Ui, host: &GuiContext) {
        if let Some(naming) = &mut self.naming {
            let text = match naming {
                Naming::Save(t) | Naming::Rename(_, t) => t,
            };
            let field = ui.add(
                egui::TextEdit::singleline(text)
                    .desired_width(150.0)
                    .hint_text("preset name"),
            );
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let escape = ui.input(|i| i.key_pressed(egui::Key::Escape));
            if !field.has_focus() && !enter && !escape {
                field.request_focus();
            }
            if escape {
                self.naming = None;
            } else if enter {
                let naming = self.naming.take();
                self.finish_naming(naming);
            }
            return;
        }
        let name = self.model.preset_name().unwrap_or("Default").to_owned();
        let mark = if self.model.modified(&self.now()) {
            " *"
        } else {
            ""
        };
        let response = ui.menu_button(RichText::new(format!("{name}{mark}")).size(12.0), |ui| {
            ui.set_min_width(220.0);
            let mut chosen: Option<(Source, Preset)> = None;
            ui.menu_button("Factory", |ui| {
                let mut categories: Vec<&str> = Vec::new();
                for p in &self.library.presets {
                    if !categories.contains(&p.category.as_str()) {
                        categories.push(&p.category);
                    }
                }
                for category in categories {
                    ui.menu_button(category, |ui| {
                        for (i, p) in self
                            .library
                            .presets
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| p.category == category)
                        {
                            let item = ui.button(&p.name);
                            let item = if p.description.is_empty() {
                                item
                            } else {
                                item.on_hover_text(&p.description)
                            };
                            if item.clicked() {
                                chosen = Some((Source::Factory(i), p.clone()));
                            }
                        }
                    });
                }
            });
            ui.menu_button("User", |ui| {
                if self.user.is_empty() {
                    ui.label(RichText::new("No user presets yet").color(theme::TEXT_DIM));
                }
                for l in &self.user {
                    match &l.preset {
                        Ok(p) => {
                            let label = if p.category.is_empty() {
                                p.name.clone()
                            } else {
                                format!("{} / {}", p.category, p.name)
                            };
                            if ui.button(label).clicked() {
                                chosen = Some((Source::User(l.path.clone()), p.clone()));
                            }
                        }
                        Err(e) => {
                            let file = l
                                .path
                                .file_name()
                                .map(|f| f.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            ui.label(
                                RichText::new(format!("{file}: {e}"))
                                    .color(theme::HOT)
                                    .size(11.0),
                            );
                        }
                    }
                }
            });
            ui.separator();
            if ui.button("Save as...").clicked() {
                self.naming = Some(Naming::Save(name.clone()));
                ui.close();
            }
            if let Some(Source::User(path)) = self.current.clone() {
                if ui.button("Rename...").clicked() {
                    self.naming = Some(Naming::Rename(path.clone(), name.clone()));
                    ui.close();
                }
                if ui.button("Delete").clicked() {
                    self.message = Some(match user::delete(&path) {
                        Ok(()) => (format!("deleted \"{name}\""), false),
                        Err(e) => (e.to_string(), true),
                    });
                    self.current = None;
                    self.rescan();
                    ui.close();
                }
            }
            if let Some(dir) = &self.user_dir {
                ui.label(
                    RichText::new(format!("User presets: {}", dir.display()))
                        .size(10.0)
                        .color(theme::TEXT_DIM),
                );
            }
            if let Some((source, preset)) = chosen {
                self.load(host, &preset, source);
                ui.close();
            }
        });
        if response.response.clicked() {
            self.rescan();
        }
    }

    fn finish_naming(&mut self, naming: Option<Naming>) {
        let Some(dir) = self.user_dir.clone() else {
            self.message = Some(("no user preset folder on this system".into(), true));
            return;
        };
        let result = match naming {
            Some(Naming::Save(name)) if !name.trim().is_empty() => {
                let category = match &self.current {
                    Some(Source::Factory(i)) => self.library.presets[*i].category.clone(),
                    _ => "User".to_owned(),
                };
                let file = user::file_from(&*self.params, self.library, &name, &category);
                user::save(&dir, &file).map(|p| (p, file.name))
            }
            Some(Naming::Rename(path, name)) => user::rename(&path, &name).map(|p| (p, name)),
            _ => return,
        };
        match result {
            Ok((path, name)) => {
                self.rescan();
                if let Some(Ok(p)) = self.user.iter().find(|l| l.path == path).map(|l| &l.preset) {
                    let settings = p.settings.clone();
                    self.model.load(&name, &settings, &settings);
                }
                self.current = Some(Source::User(path));
                self.message = Some((format!("saved \"{name}\""), false));
            }
            Err(e) => self.message = Some((e.to_string(), true)),
        }
    }
}
