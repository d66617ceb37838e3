//! What every Mixwerk plugin shares on the framework side, so that a plugin's own crate holds
//! only what is specific to it (its parameters, its DSP settings, its editor):
//!
//! - `identity`: the vendor and the audio layouts the plugins declare to hosts, and the
//!   macros that declare a plugin's identity and export it to both formats;
//! - `frame`: what every plugin keeps beside its parameters and DSP (editor state, input
//!   width, the standalone demo), and how `process` gets its channels;
//! - `demo`: the standalone builds' demo input;
//! - `latency`: telling the host the latency when it changes, and only then;
//! - `link`: the process-wide registry through which Mixwerk Strips see and drive each other;
//! - `strip`: the channel strip's parameters, shared by the Strip and the Channel Strip;
//! - `text`: how values read in a host's generic editor and automation lanes, and how typed
//!   values are understood;
//! - `params`: one builder per unit (text and step size), used by every plugin;
//! - `background`: work prepared off the audio thread (FIR kernels, impulse responses) and
//!   swapped in, with numbered requests so a lost or superseded task never stalls it;
//! - `preset`: factory and user presets, migrations, and the editor's A/B and undo;
//! - `choices`: enum parameters more than one plugin offers, with their DSP conversions.
//!
//! The DSP (`shared-dsp`) never depends on this crate, and what is drawn lives in `shared-ui`.

pub mod background;
pub mod choices;
pub mod demo;
pub mod frame;
pub mod identity;
pub mod latency;
pub mod link;
pub mod params;
pub mod preset;
pub mod strip;
pub mod text;
