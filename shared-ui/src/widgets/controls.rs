//! The editor's parameter setter, held once per frame, so that a control reads as what it is:
//! `k.knob(ui, "Release", &c.release)` rather than a [`Bound`] built inline at every call.
//! Each method is the widget of the same name in `widgets`, bound to the parameter.

use egui::{Color32, Response, Ui, Vec2};
use nice_plug::prelude::{Param, ParamSetter};

use super::KnobSize;
use crate::control::Bound;

/// Binds parameters to the host's gestures (through the editor's [`ParamSetter`]) and draws
/// them with the theme's widgets.
#[derive(Clone, Copy)]
pub struct Controls<'a> {
    setter: &'a ParamSetter<'a>,
}

impl<'a> Controls<'a> {
    pub fn new(setter: &'a ParamSetter<'a>) -> Self {
        Self { setter }
    }

    pub fn setter(&self) -> &'a ParamSetter<'a> {
        self.setter
    }

    /// `param` as a [`Control`](crate::control::Control), for the widgets and gestures that
    /// take one (a curve's nodes, a one-off `set_once`).
    pub fn bind<'p, P: Param>(&self, param: &'p P) -> Bound<'p, P>
    where
        'a: 'p,
    {
        Bound::new(param, self.setter)
    }

    pub fn knob<P: Param>(&self, ui: &mut Ui, label: &str, param: &P) -> Response {
        super::knob(ui, label, &self.bind(param))
    }

    pub fn knob_sized<P: Param>(
        &self,
        ui: &mut Ui,
        label: &str,
        param: &P,
        size: KnobSize,
    ) -> Response {
        super::knob_sized(ui, label, &self.bind(param), size)
    }

    pub fn toggle<P: Param>(&self, ui: &mut Ui, label: &str, param: &P) -> Response {
        super::toggle(ui, label, &self.bind(param))
    }

    pub fn toggle_sized<P: Param>(
        &self,
        ui: &mut Ui,
        label: &str,
        param: &P,
        size: Vec2,
        on_color: Color32,
    ) -> Response {
        super::toggle_sized(ui, label, &self.bind(param), size, on_color)
    }

    pub fn selector<P: Param>(&self, ui: &mut Ui, label: &str, param: &P) {
        super::selector(ui, label, &self.bind(param));
    }

    pub fn selector_width<P: Param>(&self, ui: &mut Ui, label: &str, param: &P, width: f32) {
        super::selector_width(ui, label, &self.bind(param), width);
    }

    pub fn fader<P: Param>(
        &self,
        ui: &mut Ui,
        salt: impl std::hash::Hash + std::fmt::Debug,
        param: &P,
        marks: &[&str],
        height: f32,
    ) -> Response {
        super::fader(ui, salt, &self.bind(param), marks, height)
    }
}
