//! Mixwerk Strip's editor: the console of every linked strip, and one strip in full.
//!
//! ```text
//! ┌ title · this track · how many strips are linked ─────────────────────────────┐
//! │ one column per linked strip (track name and colour, EQ thumbnail, gate and    │
//! │ compressor with gain reduction, pan/width, fader + meter, mute/solo)          │
//! ├ the selected strip in full: input and filters, gate, EQ with its curve, comp ─┤
//! ```
//!
//! The columns come from the link registry (`plugin_kit::link`). A column's controls drive
//! *its* instance's parameters through *its* instance's host context, so the host records a
//! fader moved here on that track, as a gesture; this strip's own controls go through the
//! editor's own context (and its undo). Meters are written by each strip's audio thread
//! while at least one console is open (a [`Watch`]).

mod console;
mod masking;

use std::sync::Arc;

use nice_plug::prelude::{Plugin, TrackInfo};
use nice_plug_egui::RepaintNotifier;
use plugin_kit::link::{Link, Shared, display_name};
use shared_ui::egui::{self, Vec2, vec2};
use shared_ui::linked::LinkedConsole;
use shared_ui::masking::MaskingView;
use shared_ui::theme;
use shared_ui::widgets::Controls;
use shared_ui::window::{self, View};

use crate::params::StripParams;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    /// This instance's id in the registry (`None`: linking is off in this process).
    pub id: Option<u64>,
    /// This instance's meters (the registry's block, or a private one).
    pub shared: Arc<Shared>,
    pub repaint: RepaintNotifier,
}

impl Analysis {
    pub fn new(id: Option<u64>, link: Option<&Link>) -> Self {
        Self {
            id,
            shared: link.map_or_else(|| Arc::new(Shared::default()), |l| l.shared().clone()),
            repaint: RepaintNotifier::new(),
        }
    }
}

pub struct StripView {
    params: Arc<StripParams>,
    analysis: Analysis,
    /// This track as the host names it.
    track: TrackInfo,
    /// The linked strips as this view keeps them (snapshot, meters, curves, its watch).
    linked: LinkedConsole,
    /// The strip shown in full (a member id; `None` = this one).
    selected: Option<u64>,
    /// The masking map of the linked tracks below the row instead of a strip (its analysis
    /// runs only while shown), and the frequency a click there marked on a strip's EQ.
    show_masking: bool,
    masking: Option<MaskingView>,
    eq_marker: Option<(u64, f32)>,
}

impl StripView {
    pub fn new(params: Arc<StripParams>, analysis: Analysis) -> Self {
        Self {
            params,
            analysis,
            track: TrackInfo::default(),
            linked: LinkedConsole::default(),
            selected: None,
            show_masking: false,
            masking: None,
            eq_marker: None,
        }
    }

    /// A new snapshot of the registry when someone joined or left, in the mixer's order as
    /// the host says it now.
    fn refresh_members(&mut self) {
        if self.linked.refresh() {
            let members = self.linked.members();
            if self
                .selected
                .is_some_and(|s| !members.iter().any(|m| m.id == s))
            {
                self.selected = None;
            }
        }
    }

    /// What the status line says about the link.
    fn link_status(&self) -> String {
        match self.analysis.id {
            None => "linking is off in this process (MIXWERK_LINK=off)".to_owned(),
            Some(_) if self.linked.members().len() <= 1 => {
                "no other Mixwerk Strip in this process: \
                 add one to another track (a host that runs each plugin in its own process, \
                 a sandbox, links none)"
                    .to_owned()
            }
            Some(_) => format!("{} linked strips", self.linked.members().len()),
        }
    }
}

impl View for StripView {
    const TITLE: &'static str = crate::MixwerkStrip::NAME;
    /// The Channel Strip's width: the strip in full needs it.
    const SIZE: Vec2 = vec2(1440.0, 760.0);

    fn opened(&mut self, _ctx: &egui::Context, k: &Controls) {
        self.linked.open();
        #[cfg(feature = "standalone")]
        if crate::demo::wanted() {
            crate::demo::apply_own_mix(&self.params, k.setter());
            // `cargo xtask screenshots` photographs the masking map this way.
            self.show_masking = std::env::var("MIXWERK_DEMO_VIEW").is_ok_and(|v| v == "masking");
        }
        #[cfg(not(feature = "standalone"))]
        let _ = k;
    }

    fn closed(&mut self) {
        self.linked.close();
    }

    fn track_info(&mut self, info: TrackInfo) {
        self.track = info;
        #[cfg(feature = "standalone")]
        if crate::demo::wanted() && self.track.name().is_empty() {
            self.track = crate::demo::own_track();
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let dt = ui.input(|i| i.stable_dt);
        // Other strips' meters move even when this track's audio does not ask for frames.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
        self.refresh_members();
        let own_name = if self.track.name().is_empty() {
            "this track".to_owned()
        } else {
            self.track.name().to_owned()
        };
        let status = format!("{own_name} · {}", self.link_status());
        let status = egui::RichText::new(status).small().color(theme::TEXT_DIM);
        window::heading(ui, Self::TITLE, Some(status));
        self.console(ui, k, dt);
        ui.add_space(4.0);
        if self.show_masking {
            self.masking_panel(ui, dt);
        } else {
            self.detail(ui, k);
        }
    }
}
