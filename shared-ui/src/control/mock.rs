//! The one stand-in parameter of the widget tests: a plain range on a linear, logarithmic or
//! square-root travel, "-6.0 dB" text that parses back, and the log a host would see
//! ("begin gain", "set gain", "end gain"), which several parameters can share so that a test
//! checks gestures across all of them.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use super::Control;
use crate::widgets::eq_curve::PlainControl;

/// What the host saw, in order.
pub type Log = Rc<RefCell<Vec<String>>>;

/// How the normalised travel maps onto the plain range.
#[derive(Clone, Copy)]
pub enum Travel {
    Linear,
    /// Equal ratios per distance (Hz, Q).
    Log,
    /// normalised = ((plain − min) / (max − min))^(1/2), like the console's faders.
    Sqrt,
}

pub struct MockParam {
    name: &'static str,
    min: f32,
    max: f32,
    travel: Travel,
    unit: &'static str,
    value: Cell<f32>,
    default: f32,
    steps: Option<usize>,
    log: Log,
}

impl MockParam {
    /// `name` at `plain` in `min`…`max`: continuous, no unit, default at `min`, its own log.
    pub fn new(name: &'static str, plain: f32, min: f32, max: f32, travel: Travel) -> Self {
        let p = Self {
            name,
            min,
            max,
            travel,
            unit: "",
            value: Cell::new(0.0),
            default: 0.0,
            steps: None,
            log: Log::default(),
        };
        p.value.set(p.normalized_at(plain));
        p
    }

    pub fn unit(self, unit: &'static str) -> Self {
        Self { unit, ..self }
    }

    pub fn default_at(self, plain: f32) -> Self {
        Self {
            default: self.normalized_at(plain),
            ..self
        }
    }

    pub fn stepped(self, steps: usize) -> Self {
        Self {
            steps: Some(steps),
            ..self
        }
    }

    /// Records into `log` (shared with other parameters) instead of its own.
    pub fn logging_to(self, log: &Log) -> Self {
        Self {
            log: log.clone(),
            ..self
        }
    }

    pub fn events(&self) -> Vec<String> {
        self.log.borrow().clone()
    }

    fn plain_at(&self, n: f32) -> f32 {
        let (min, max) = (self.min, self.max);
        match self.travel {
            Travel::Linear => min + (max - min) * n,
            Travel::Log => min * (max / min).powf(n),
            Travel::Sqrt => min + (max - min) * n * n,
        }
    }

    fn normalized_at(&self, plain: f32) -> f32 {
        let (min, max) = (self.min, self.max);
        match self.travel {
            Travel::Linear => ((plain - min) / (max - min)).clamp(0.0, 1.0),
            Travel::Log => ((plain / min).ln() / (max / min).ln()).clamp(0.0, 1.0),
            Travel::Sqrt => ((plain - min) / (max - min)).clamp(0.0, 1.0).sqrt(),
        }
    }

    fn record(&self, what: &str) {
        self.log.borrow_mut().push(format!("{what} {}", self.name));
    }
}

impl Control for MockParam {
    fn normalized(&self) -> f32 {
        self.value.get()
    }
    fn default_normalized(&self) -> f32 {
        self.default
    }
    fn step_count(&self) -> Option<usize> {
        self.steps
    }
    fn text(&self) -> String {
        self.text_for(self.normalized())
    }
    fn text_for(&self, n: f32) -> String {
        format!("{:.1} {}", self.plain_at(n), self.unit)
            .trim_end()
            .to_owned()
    }
    fn parse(&self, text: &str) -> Option<f32> {
        let t = text.trim();
        let plain = if t == "-inf" {
            self.min
        } else {
            t.strip_suffix(self.unit).unwrap_or(t).trim().parse().ok()?
        };
        Some(self.normalized_at(plain))
    }
    fn begin(&self) {
        self.record("begin");
    }
    fn set_normalized(&self, n: f32) {
        self.value.set(n);
        self.record("set");
    }
    fn end(&self) {
        self.record("end");
    }
}

impl PlainControl for MockParam {
    fn plain(&self) -> f32 {
        self.plain_at(self.normalized())
    }
    fn normalized_of(&self, plain: f32) -> f32 {
        self.normalized_at(plain)
    }
}

/// Every parameter's events are begin, sets, end: never nested, never a set outside.
pub fn paired(events: &[String]) -> bool {
    let mut open = HashSet::new();
    for e in events {
        let (what, name) = e.split_once(' ').expect("events are \"what name\"");
        match what {
            "begin" if !open.insert(name) => return false,
            "end" if !open.remove(name) => return false,
            "set" if !open.contains(name) => return false,
            _ => {}
        }
    }
    open.is_empty()
}
