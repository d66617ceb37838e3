//! What a widget does to a parameter, separated from drawing so that it can be tested without
//! a display: the gesture a host sees (begin, values, end, always paired), drag-to-value
//! mapping with a fine-adjust modifier, double-click reset and typed entry through the
//! parameter's own text parsing.

use nice_plug::prelude::{Param, ParamSetter};

/// A parameter as a widget sees it, in normalised units. Implemented for every nice-plug
/// parameter through a `ParamSetter`, and by `mock::MockParam` in the tests.
pub trait Control {
    fn normalized(&self) -> f32;
    fn default_normalized(&self) -> f32;
    /// Stepped parameters (enums, switches) have `Some(steps)`.
    fn step_count(&self) -> Option<usize>;
    fn text(&self) -> String;
    fn text_for(&self, normalized: f32) -> String;
    fn parse(&self, text: &str) -> Option<f32>;
    fn begin(&self);
    fn set_normalized(&self, normalized: f32);
    fn end(&self);
}

/// A nice-plug parameter bound to the editor's `ParamSetter`: every change goes through the
/// host's gesture calls so that automation is recorded.
pub struct Bound<'a, P: Param> {
    pub param: &'a P,
    pub setter: &'a ParamSetter<'a>,
}

impl<'a, P: Param> Bound<'a, P> {
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>) -> Self {
        Self { param, setter }
    }
}

impl<P: Param> Control for Bound<'_, P> {
    fn normalized(&self) -> f32 {
        self.param.unmodulated_normalized_value()
    }
    fn default_normalized(&self) -> f32 {
        self.param.default_normalized_value()
    }
    fn step_count(&self) -> Option<usize> {
        self.param.step_count()
    }
    fn text(&self) -> String {
        self.param
            .normalized_value_to_string(self.normalized(), true)
    }
    fn text_for(&self, normalized: f32) -> String {
        self.param.normalized_value_to_string(normalized, true)
    }
    fn parse(&self, text: &str) -> Option<f32> {
        self.param.string_to_normalized_value(text)
    }
    fn begin(&self) {
        self.setter.begin_set_parameter(self.param);
    }
    fn set_normalized(&self, normalized: f32) {
        // Snap through the plain value so stepped parameters land on a step.
        let plain = self.param.preview_plain(normalized);
        self.setter.set_parameter(self.param, plain);
    }
    fn end(&self) {
        self.setter.end_set_parameter(self.param);
    }
}

/// Pixels of vertical drag for the full range; with the fine modifier ten times as many.
pub const DRAG_PIXELS_FULL_RANGE: f32 = 200.0;
pub const FINE_FACTOR: f32 = 0.1;

/// One drag gesture on a continuous control. The value follows the accumulated drag from
/// where the gesture began, so switching the fine modifier mid-drag does not jump.
#[derive(Debug, Clone, Copy, Default)]
pub struct Drag {
    active: bool,
    value: f32,
}

impl Drag {
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Starts a gesture (tells the host) unless one is running.
    pub fn begin(&mut self, control: &dyn Control) {
        if !self.active {
            self.active = true;
            self.value = control.normalized();
            control.begin();
        }
    }

    /// Moves by `dy` pixels (up is positive) and sets the new value.
    pub fn drag(&mut self, control: &dyn Control, dy: f32, fine: bool) {
        self.drag_over(control, dy, fine, DRAG_PIXELS_FULL_RANGE);
    }

    /// [`drag`](Self::drag) for a control whose whole range is `travel` pixels long (a fader:
    /// the thumb stays under the mouse).
    pub fn drag_over(&mut self, control: &dyn Control, dy: f32, fine: bool, travel: f32) {
        if !self.active {
            self.begin(control);
        }
        let scale = if fine { FINE_FACTOR } else { 1.0 };
        self.value = (self.value + dy / travel.max(1.0) * scale).clamp(0.0, 1.0);
        control.set_normalized(self.value);
    }

    /// Ends the gesture (tells the host) if one is running.
    pub fn end(&mut self, control: &dyn Control) {
        if self.active {
            self.active = false;
            control.end();
        }
    }
}

/// A complete gesture that sets one value: reset on double-click, a step of an enum, a typed
/// value, a toggle.
pub fn set_once(control: &dyn Control, normalized: f32) {
    control.begin();
    control.set_normalized(normalized.clamp(0.0, 1.0));
    control.end();
}

pub fn reset(control: &dyn Control) {
    set_once(control, control.default_normalized());
}

/// Applies typed text through the parameter's own parser; `false` (and nothing sent to the
/// host) when it does not parse, so a typo never moves the parameter.
pub fn enter_text(control: &dyn Control, text: &str) -> bool {
    match control.parse(text) {
        Some(normalized) => {
            set_once(control, normalized);
            true
        }
        None => false,
    }
}

/// The next value of a stepped control, wrapping around (switches flip, enums cycle).
pub fn next_step(control: &dyn Control) -> f32 {
    match control.step_count() {
        Some(steps) if steps > 0 => {
            let index = (control.normalized() * steps as f32).round() as usize;
            ((index + 1) % (steps + 1)) as f32 / steps as f32
        }
        _ => control.normalized(),
    }
}

#[cfg(test)]
pub(crate) mod mock;

#[cfg(test)]
mod tests {
    use super::mock::{MockParam, Travel, paired};
    use super::*;

    /// A dB parameter −60…+12 (default −6 dB) at `normalized`.
    fn level(normalized: f32) -> MockParam {
        MockParam::new(
            "level",
            -60.0 + 72.0 * normalized,
            -60.0,
            12.0,
            Travel::Linear,
        )
        .unit("dB")
        .default_at(-6.0)
    }

    #[test]
    fn drag_sends_one_paired_gesture() {
        let r = level(0.5);
        let mut d = Drag::default();
        d.drag(&r, 20.0, false);
        d.drag(&r, 20.0, false);
        d.begin(&r); // a second begin inside the gesture is ignored
        d.end(&r);
        d.end(&r); // and so is a second end
        let events = r.events();
        assert!(paired(&events), "{events:?}");
        assert_eq!(events.iter().filter(|e| e.starts_with("begin")).count(), 1);
        // 40 px of a 200 px full range: +0.2.
        assert!((r.normalized() - 0.7).abs() < 1e-6);
    }

    #[test]
    fn fine_drag_is_ten_times_finer_and_clamps() {
        let r = level(0.5);
        let mut d = Drag::default();
        d.drag(&r, 100.0, true);
        assert!((r.normalized() - 0.55).abs() < 1e-6);
        d.drag(&r, 10_000.0, false);
        assert_eq!(r.normalized(), 1.0);
        d.drag(&r, -10_000.0, false);
        assert_eq!(r.normalized(), 0.0);
        d.end(&r);
        assert!(paired(&r.events()));
    }

    #[test]
    fn a_fader_drag_keeps_the_thumb_under_the_mouse() {
        // A 150-pixel fader track: 75 pixels up from the bottom is half the range, whatever
        // the steps in between; fine adjust moves a tenth as far.
        let r = level(0.0);
        let mut d = Drag::default();
        for _ in 0..5 {
            d.drag_over(&r, 15.0, false, 150.0);
        }
        assert!((r.normalized() - 0.5).abs() < 1e-6);
        d.drag_over(&r, 30.0, true, 150.0);
        assert!((r.normalized() - 0.52).abs() < 1e-6);
        d.drag_over(&r, -1_000.0, false, 150.0);
        assert_eq!(r.normalized(), 0.0);
        // A degenerate track does not divide by zero.
        d.drag_over(&r, 0.5, false, 0.0);
        assert!((r.normalized() - 0.5).abs() < 1e-6);
        d.end(&r);
        assert!(paired(&r.events()));
        assert_eq!(
            r.events().iter().filter(|e| e.starts_with("begin")).count(),
            1
        );
    }

    #[test]
    fn reset_and_typed_entry_are_gestures_and_typos_change_nothing() {
        let r = level(0.1);
        reset(&r);
        assert_eq!(r.normalized(), 0.75);
        assert!(enter_text(&r, "-6 dB"));
        assert!((r.normalized() - 0.75).abs() < 1e-6);
        assert!(enter_text(&r, "0"));
        assert!((r.text() == "0.0 dB"));
        let before = r.events().len();
        assert!(!enter_text(&r, "loud"));
        assert_eq!(
            r.events().len(),
            before,
            "a typo sent something to the host"
        );
        assert!(paired(&r.events()));
    }

    #[test]
    fn steps_cycle_and_wrap() {
        let r = level(0.0).stepped(3);
        let mut seen = Vec::new();
        for _ in 0..5 {
            let n = next_step(&r);
            set_once(&r, n);
            seen.push((r.normalized() * 3.0).round() as usize);
        }
        assert_eq!(seen, [1, 2, 3, 0, 1]);
        let switch = level(1.0).stepped(1);
        assert_eq!(next_step(&switch), 0.0);
    }
}
