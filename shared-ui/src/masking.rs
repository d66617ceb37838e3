//! The masking view: where the buses (a console's channels, or linked tracks) cover each
//! other in frequency (`shared_dsp::analysis::masking` is the measure and its reasons).
//!
//! While this view is shown, each frame runs a short-time spectrum of every bus's signal
//! after its fader (rings the audio threads write only while an editor looks), reduces it to
//! one-ERB band levels and updates the map. Drawn: one row per pair among the worst (and a
//! summary row of the worst pair in each band), one column per band, the score as colour;
//! beside it the worst pairs in words. Clicking a cell selects the bus that pair's band
//! covers more (the one to carve) and marks that frequency on its EQ curve below.

use shared_dsp::analysis::masking::{self, BANDS, Cell, Masking};
use shared_dsp::analysis::spectrum::{SampleRing, Spectrum};

use crate::egui::{self, Align2, Color32, FontId, Rect, Sense, pos2, vec2};
use crate::theme;

/// Averaging of the map (s): long enough to span a few bars, short enough to follow a mix
/// change.
const TIME_CONSTANT: f32 = 3.0;
/// Short-time spectra: 50 ms of smoothing, the scale of a note.
const SPECTRUM_TIME: f32 = 0.05;
/// Pair rows drawn, and the smallest score a listed pair has.
const ROWS: usize = 6;
const LISTED: f32 = 0.15;

pub struct MaskingView {
    sample_rate: f32,
    /// What a bus is called before its number ("CH" 3, "TR" 3).
    prefix: &'static str,
    spectra: Vec<Spectrum>,
    samples: Vec<f32>,
    levels: Vec<[f32; BANDS]>,
    map: Masking,
    worst: [(usize, usize, usize, Cell); ROWS],
    listed: usize,
}

impl MaskingView {
    /// A map of `buses` buses at `sample_rate`, each called `prefix` and its number.
    pub fn new(buses: usize, sample_rate: f32, prefix: &'static str) -> Self {
        let size = Spectrum::size_for_rate(sample_rate);
        Self {
            sample_rate,
            prefix,
            spectra: (0..buses)
                .map(|_| Spectrum::new(size, sample_rate, SPECTRUM_TIME))
                .collect(),
            samples: vec![0.0; size],
            levels: vec![[masking::FLOOR_DB - 1.0; BANDS]; buses],
            map: Masking::new(buses, TIME_CONSTANT),
            worst: [(0, 0, 0, Cell::default()); ROWS],
            listed: 0,
        }
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    pub fn buses(&self) -> usize {
        self.map.buses()
    }

    /// Bus `c`'s short label ("CH3").
    fn label(&self, c: usize) -> String {
        format!("{}{}", self.prefix, c + 1)
    }

    /// One frame, `dt` seconds after the last: the newest samples of every bus (`signals`,
    /// one ring each) that is `active` (has an input and is not muted).
    pub fn update(&mut self, signals: &[&SampleRing], active: &[bool], dt: f32) {
        for (c, ring) in signals.iter().enumerate().take(self.spectra.len()) {
            if active.get(c).copied().unwrap_or(false) {
                ring.latest(&mut self.samples);
                self.spectra[c].analyse(&self.samples, dt);
                for (b, l) in self.levels[c].iter_mut().enumerate() {
                    let (lo, hi) = masking::band_edges(b);
                    *l = self.spectra[c].band_db((lo * hi).sqrt() as f32, (hi / lo).log2() as f32);
                }
            }
        }
        self.map.update(&self.levels, active, dt);
        self.listed = self.map.worst_pairs(LISTED, &mut self.worst);
    }

    /// Draws the map and the list; returns a clicked cell as (bus to carve, frequency).
    pub fn ui(&self, ui: &mut egui::Ui, names: &[String]) -> Option<(usize, f32)> {
        let mut clicked = None;
        ui.horizontal_top(|ui| {
            clicked = self.map_ui(ui);
            ui.add_space(12.0);
            self.list_ui(ui, names);
        });
        clicked
    }

    fn map_ui(&self, ui: &mut egui::Ui) -> Option<(usize, f32)> {
        let label_w = 70.0;
        let row_h = 20.0;
        let rows = 1 + ROWS;
        let size = vec2(860.0, row_h * rows as f32 + 18.0);
        let (rect, response) = ui.allocate_exact_size(size, Sense::click());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 4.0, theme::PANEL);
        let grid = Rect::from_min_max(
            pos2(rect.left() + label_w, rect.top()),
            pos2(rect.right() - 4.0, rect.bottom() - 18.0),
        );
        let cell_w = grid.width() / BANDS as f32;
        let cell = |row: usize, b: usize| {
            Rect::from_min_size(
                pos2(
                    grid.left() + b as f32 * cell_w,
                    grid.top() + row as f32 * row_h,
                ),
                vec2(cell_w - 1.0, row_h - 2.0),
            )
        };
        let font = FontId::proportional(10.5);
        // The summary row, then a row per listed pair.
        let summary = self.map.worst_per_band();
        painter.text(
            pos2(rect.left() + 6.0, grid.top() + row_h * 0.5),
            Align2::LEFT_CENTER,
            "worst",
            font.clone(),
            theme::TEXT_DIM,
        );
        for (b, s) in summary.iter().enumerate() {
            painter.rect_filled(cell(0, b), 2.0, heat(*s));
        }
        for (row, (i, j, _, _)) in self.worst[..self.listed].iter().enumerate() {
            painter.text(
                pos2(rect.left() + 6.0, grid.top() + row_h * (row as f32 + 1.5)),
                Align2::LEFT_CENTER,
                format!("{} · {}", self.label(*i), self.label(*j)),
                font.clone(),
                theme::TEXT,
            );
            for (b, c) in self.map.cells(*i, *j).iter().enumerate() {
                painter.rect_filled(cell(row + 1, b), 2.0, heat(c.score));
            }
        }
        // The frequency scale under the grid.
        for hz in [100.0, 300.0, 1_000.0, 3_000.0, 10_000.0] {
            if let Some(b) = masking::band_of(hz) {
                let (lo, hi) = masking::band_edges(b);
                let x = grid.left()
                    + cell_w * (b as f32 + ((hz.ln() - lo.ln()) / (hi.ln() - lo.ln())) as f32);
                painter.text(
                    pos2(x, grid.bottom() + 9.0),
                    Align2::CENTER_CENTER,
                    if hz >= 1_000.0 {
                        format!("{:.0}k", hz / 1_000.0)
                    } else {
                        format!("{hz:.0}")
                    },
                    font.clone(),
                    theme::TEXT_DIM,
                );
            }
        }
        let at = response
            .interact_pointer_pos()
            .filter(|_| response.clicked())?;
        if !grid.contains(at) {
            return None;
        }
        let b = (((at.x - grid.left()) / cell_w) as usize).min(BANDS - 1);
        let row = ((at.y - grid.top()) / row_h) as usize;
        // The summary row: the pair worst in that band.
        let (i, j) = if row == 0 {
            self.map.pairs().max_by(|p, q| {
                let s = |(i, j): (usize, usize)| self.map.cells(i, j)[b].score;
                s(*p).total_cmp(&s(*q))
            })?
        } else {
            let (i, j, _, _) = *self.worst[..self.listed].get(row - 1)?;
            (i, j)
        };
        let c = self.map.cells(i, j)[b];
        if c.score <= 0.0 {
            return None;
        }
        let (lo, hi) = masking::band_edges(b);
        Some(([i, j][c.quieter()], (lo * hi).sqrt() as f32))
    }

    fn list_ui(&self, ui: &mut egui::Ui, names: &[String]) {
        ui.vertical(|ui| {
            ui.label(
                egui::RichText::new(
                    "WORST PAIRS (share of the last seconds they cover each other)",
                )
                .small()
                .color(theme::TEXT_DIM),
            );
            if self.listed == 0 {
                ui.label(
                    egui::RichText::new("no two buses fight in any band").color(theme::TEXT_DIM),
                );
            }
            let name = |c: usize| match names.get(c) {
                Some(n) if !n.is_empty() => format!("{} {n}", self.label(c)),
                _ => self.label(c),
            };
            for (i, j, b, cell) in &self.worst[..self.listed] {
                let (lo, hi) = masking::band_edges(*b);
                let carve = [*i, *j][cell.quieter()];
                ui.label(
                    egui::RichText::new(format!(
                        "{} · {}: {:.0} % at {:.0}–{:.0} Hz, carve {}",
                        name(*i),
                        name(*j),
                        100.0 * cell.score,
                        lo,
                        hi,
                        self.label(carve)
                    ))
                    .color(heat(cell.score).gamma_multiply(1.0).to_opaque()),
                );
            }
            ui.label(
                egui::RichText::new(
                    "one-ERB bands; click a cell: its quieter bus's EQ, at that frequency",
                )
                .small()
                .color(theme::TEXT_DIM),
            );
        });
    }
}

/// A score's colour: the panel's track colour at 0, through amber, to red at 1.
fn heat(score: f32) -> Color32 {
    let s = score.clamp(0.0, 1.0);
    if s < 0.02 {
        return theme::TRACK;
    }
    let (r, g) = if s < 0.5 {
        (
            0x40 + (s / 0.5 * 191.0) as u8,
            0x40 + (s / 0.5 * 128.0) as u8,
        )
    } else {
        (0xff, 0xc0 - ((s - 0.5) / 0.5 * 160.0) as u8)
    };
    Color32::from_rgb(r, g, 0x30)
}
