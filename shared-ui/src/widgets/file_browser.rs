//! An in-editor file browser: folders and files of the wanted types, drawn with egui, so
//! choosing a file needs no native dialog (and no dialog library a fresh machine might lack;
//! native dialogs inside a plugin window also fight the host's own event loop).
//!
//! [`FileBrowser`] is the model: the folder shown and its listing (folders first, then
//! matching files, each group sorted case-insensitively, hidden entries left out), with
//! navigation. It does file-system reads, so it belongs to the editor's thread, never the
//! audio thread. [`file_browser`] draws it and reports the file the user picked.

use std::path::{Path, PathBuf};

use egui::{self, RichText, Ui};

use crate::theme;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub is_dir: bool,
}

#[derive(Clone, Debug)]
pub struct FileBrowser {
    dir: PathBuf,
    entries: Vec<Entry>,
    /// Lower-case extensions without the dot ("wav").
    extensions: Vec<String>,
    /// Why the last folder could not be listed (the previous listing stays).
    error: Option<String>,
}

/// The user's home folder, where a browser with nothing better to show starts.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}

impl FileBrowser {
    /// A browser for files ending in one of `extensions` (any case), showing `start`, or the
    /// nearest existing folder above it, or the home folder.
    pub fn new(start: &Path, extensions: &[&str]) -> Self {
        let mut b = Self {
            dir: PathBuf::new(),
            entries: Vec::new(),
            extensions: extensions
                .iter()
                .map(|e| e.trim_start_matches('.').to_lowercase())
                .collect(),
            error: None,
        };
        let existing = start
            .ancestors()
            .find(|p| p.is_dir())
            .map(Path::to_path_buf);
        let dir = existing
            .or_else(home_dir)
            .unwrap_or_else(|| PathBuf::from("/"));
        b.open(&dir);
        b
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Whether `path` is a file this browser offers.
    pub fn accepts(&self, path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| self.extensions.iter().any(|w| w.eq_ignore_ascii_case(e)))
    }

    /// Shows `dir`; if it cannot be read, keeps the current listing and says why.
    pub fn open(&mut self, dir: &Path) {
        match self.list(dir) {
            Ok(entries) => {
                self.dir = dir.to_path_buf();
                self.entries = entries;
                self.error = None;
            }
            Err(e) => self.error = Some(format!("cannot open {}: {e}", dir.display())),
        }
    }

    /// Shows the parent folder (nothing at the root).
    pub fn up(&mut self) {
        if let Some(parent) = self.dir.parent().map(Path::to_path_buf) {
            self.open(&parent);
        }
    }

    /// Reads the folder again (files may have arrived).
    pub fn refresh(&mut self) {
        let dir = self.dir.clone();
        self.open(&dir);
    }

    fn list(&self, dir: &Path) -> std::io::Result<Vec<Entry>> {
        let mut dirs = Vec::new();
        let mut files = Vec::new();
        for item in std::fs::read_dir(dir)? {
            let Ok(item) = item else { continue };
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = item.path();
            // Follows links, so a linked folder opens like a folder.
            if path.is_dir() {
                dirs.push(Entry {
                    name,
                    path,
                    is_dir: true,
                });
            } else if self.accepts(&path) {
                files.push(Entry {
                    name,
                    path,
                    is_dir: false,
                });
            }
        }
        let by_name = |a: &Entry, b: &Entry| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.name.cmp(&b.name))
        };
        dirs.sort_by(by_name);
        files.sort_by(by_name);
        dirs.extend(files);
        Ok(dirs)
    }
}

/// Draws the browser: the folder with Up / Home / Refresh, then the listing (`height` points
/// tall, scrolling). A click on a folder opens it; a click on a file returns it. `current` is
/// highlighted (the file in use).
pub fn file_browser(
    ui: &mut Ui,
    browser: &mut FileBrowser,
    current: Option<&Path>,
    width: f32,
    height: f32,
) -> Option<PathBuf> {
    let mut picked = None;
    ui.allocate_ui(egui::vec2(width, height + 30.0), |ui| {
        ui.set_width(width);
        ui.horizontal(|ui| {
            if ui
                .small_button("Up")
                .on_hover_text("Parent folder")
                .clicked()
            {
                browser.up();
            }
            if let Some(home) = home_dir()
                && ui.small_button("Home").clicked()
            {
                browser.open(&home);
            }
            if ui.small_button("Refresh").clicked() {
                browser.refresh();
            }
            // The folder, shortened from the left so its end (the part that matters) shows.
            let shown = shorten_left(
                &browser.dir().display().to_string(),
                ((ui.available_width() / 6.2) as usize).max(8),
            );
            ui.label(RichText::new(shown).small().color(theme::TEXT_DIM))
                .on_hover_text(browser.dir().display().to_string());
        });
        if let Some(e) = browser.error() {
            ui.label(RichText::new(e).small().color(theme::WARN));
        }
        let mut open_dir = None;
        egui::Frame::new()
            .fill(super::plot::PLOT_BACKGROUND)
            .corner_radius(egui::CornerRadius::same(3))
            .inner_margin(egui::Margin::same(4))
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .max_height(height)
                    .min_scrolled_height(height)
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        ui.spacing_mut().item_spacing.y = 1.0;
                        if browser.entries().is_empty() {
                            ui.label(
                                RichText::new("no folders or WAV files here")
                                    .small()
                                    .color(theme::TEXT_DIM),
                            );
                        }
                        for e in browser.entries() {
                            let text = if e.is_dir {
                                RichText::new(format!("{}/", e.name)).color(theme::ACCENT)
                            } else {
                                RichText::new(&e.name)
                            };
                            let selected = !e.is_dir && current.is_some_and(|c| c == e.path);
                            if ui.selectable_label(selected, text.size(12.0)).clicked() {
                                if e.is_dir {
                                    open_dir = Some(e.path.clone());
                                } else {
                                    picked = Some(e.path.clone());
                                }
                            }
                        }
                    });
            });
        if let Some(d) = open_dir {
            browser.open(&d);
        }
    });
    picked
}

/// `text` cut to at most `max` characters by dropping its beginning ("…/irs/halls").
pub fn shorten_left(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(1);
    let tail: String = text.chars().skip(count - keep).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_tree(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("mixwerk-browser-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["Halls", "plates", ".hidden", "Halls/big"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in [
            "b.wav",
            "A.WAV",
            "notes.txt",
            "c.wav.bak",
            ".secret.wav",
            "Halls/church.wav",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        root
    }

    fn names(b: &FileBrowser) -> Vec<&str> {
        b.entries().iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn lists_folders_first_then_matching_files_without_hidden_ones() {
        let root = temp_tree("list");
        let b = FileBrowser::new(&root, &["wav"]);
        assert_eq!(b.dir(), root);
        assert_eq!(names(&b), ["Halls", "plates", "A.WAV", "b.wav"]);
        assert!(b.entries()[0].is_dir && !b.entries()[2].is_dir);
        assert!(
            b.accepts(Path::new("x.Wav"))
                && !b.accepts(Path::new("x.wav.bak"))
                && !b.accepts(Path::new("wav"))
        );
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn navigates_and_keeps_its_listing_when_a_folder_fails() {
        let root = temp_tree("nav");
        let mut b = FileBrowser::new(&root.join("Halls").join("church.wav"), &[".wav"]);
        // Starting from a file shows its folder.
        assert_eq!(b.dir(), root.join("Halls"));
        assert_eq!(names(&b), ["big", "church.wav"]);
        b.up();
        assert_eq!(b.dir(), root);
        b.open(&root.join("missing"));
        assert!(b.error().is_some_and(|e| e.contains("missing")));
        assert_eq!(b.dir(), root, "a failed open keeps the folder");
        assert_eq!(names(&b).len(), 4);
        b.open(&root.join("plates"));
        assert!(b.error().is_none() && b.entries().is_empty());
        // A start path that does not exist falls back to the nearest folder above it.
        let b = FileBrowser::new(&root.join("gone/deeper/x.wav"), &["wav"]);
        assert_eq!(b.dir(), root);
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn long_paths_keep_their_end() {
        assert_eq!(shorten_left("/home/me/irs", 20), "/home/me/irs");
        assert_eq!(shorten_left("/home/me/irs/halls", 8), "…s/halls");
        assert_eq!(shorten_left("/home/me/irs/halls", 8).chars().count(), 8);
    }
}
