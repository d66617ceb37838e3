//! What every plugin keeps beside its parameters and its DSP: the editor window's state, the
//! width of the input in the active layout, and (standalone builds only) the demo input.
//!
//! Each plugin's `process` gets its two channels from [`Frame::stereo`] (or, with a mono path
//! of its own, writes the demo with [`Frame::demo`]) and meters only while
//! [`Frame::editor_open`], so these rules are written once.

use std::sync::Arc;

use nice_plug::prelude::{AudioIOLayout, AuxiliaryBuffers, Buffer};
use nice_plug_egui::EguiEditorState;

pub struct Frame {
    editor_state: Arc<EguiEditorState>,
    /// The active layout has one input channel (mono to stereo, or mono).
    mono_input: bool,
    /// Replaces the (silent) input with `shared_dsp::demo` when `MIXWERK_DEMO_SIGNAL` is set,
    /// so the screenshots show the editor at work.
    #[cfg(feature = "standalone")]
    demo: Option<shared_dsp::demo::DemoSignal>,
    #[cfg(feature = "standalone")]
    demo_gain: f32,
}

impl Frame {
    /// A frame around the editor window state `editor_state` (see `shared_ui::window`).
    pub fn new(editor_state: Arc<EguiEditorState>) -> Self {
        Self {
            editor_state,
            mono_input: false,
            #[cfg(feature = "standalone")]
            demo: None,
            #[cfg(feature = "standalone")]
            demo_gain: 1.0,
        }
    }

    /// The demo input `gain` times louder (the limiter's needs peaks to catch). Builds without
    /// the demo ignore it.
    pub fn with_demo_gain(self, gain: f32) -> Self {
        #[cfg(feature = "standalone")]
        return Self {
            demo_gain: gain,
            ..self
        };
        #[cfg(not(feature = "standalone"))]
        {
            let _ = gain;
            self
        }
    }

    /// The window state the editor opens with (`shared_ui::plugin_editor!`).
    pub fn editor_state(&self) -> Arc<EguiEditorState> {
        self.editor_state.clone()
    }

    /// Whether the editor is open: meters and analysis run only then, and cost nothing
    /// otherwise.
    pub fn editor_open(&self) -> bool {
        self.editor_state.is_open()
    }

    /// Whether the active layout has a single input channel.
    pub fn mono_input(&self) -> bool {
        self.mono_input
    }

    /// Called from `Plugin::activate` (main thread): reads the layout's input width, and in
    /// standalone builds makes the demo at this rate if it is asked for.
    pub fn activate(&mut self, layout: &AudioIOLayout, sample_rate: f32) {
        self.mono_input = layout.main_input_channels.map(|c| c.get()) == Some(1);
        #[cfg(feature = "standalone")]
        {
            self.demo = crate::demo::signal(sample_rate);
        }
        #[cfg(not(feature = "standalone"))]
        let _ = sample_rate;
    }

    /// Standalone builds with the demo asked for: writes the demo over `left` and `right` and
    /// returns true. Otherwise leaves them and returns false.
    #[inline]
    pub fn demo(&mut self, left: &mut [f32], right: &mut [f32]) -> bool {
        #[cfg(feature = "standalone")]
        if let Some(demo) = &mut self.demo {
            demo.fill(left, right);
            if self.demo_gain != 1.0 {
                left.iter_mut()
                    .chain(right.iter_mut())
                    .for_each(|x| *x *= self.demo_gain);
            }
            return true;
        }
        let _ = (left, right);
        false
    }

    /// The block's first two channels, as a stereo processor wants them: with a mono input
    /// (the mono-to-stereo layout) the right side is a copy of the left, and the demo is
    /// written over both when it is on. `None` when the buffer has fewer than two channels.
    pub fn stereo<'b>(&mut self, buffer: &'b mut Buffer) -> Option<(&'b mut [f32], &'b mut [f32])> {
        let [left, right, ..] = buffer.as_slice() else {
            return None;
        };
        if self.mono_input {
            right.copy_from_slice(left);
        }
        self.demo(left, right);
        Some((left, right))
    }
}

/// The "Sidechain" auxiliary input (`identity::with_sidechain`) as a stereo key: a mono one on
/// both sides; `None` when the host passes no such port.
pub fn sidechain<'a>(aux: &'a AuxiliaryBuffers<'_>) -> Option<[&'a [f32]; 2]> {
    match aux.inputs.first().map(Buffer::as_slice_immutable) {
        Some([l, r, ..]) => Some([&**l, &**r]),
        Some([mono]) => Some([&**mono, &**mono]),
        _ => None,
    }
}
