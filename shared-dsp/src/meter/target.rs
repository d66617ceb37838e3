//! Loudness targets and what playback systems do with a master.
//!
//! Streaming services and broadcasters normalise loudness: they measure a track's integrated
//! loudness (BS.1770) and play it at their reference level. A master louder than the
//! reference is turned down, its transients already given up to the limiter; one quieter may
//! be turned up, or not, depending on the service. [`Target`] is what the engineer aims for
//! (a loudness and a true-peak ceiling); [`SERVICES`] is what the editor shows the master
//! against.

/// A delivery target: integrated loudness (LUFS, LKFS for ATSC) and true-peak ceiling (dBTP).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub lufs: f32,
    pub dbtp: f32,
}

/// The usual targets, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Spotify, YouTube, Tidal, Amazon Music: about −14 LUFS; −1 dBTP leaves lossy encoders
    /// room for the peaks they add.
    Streaming,
    /// Apple Music (Sound Check): −16 LUFS, −1 dBTP.
    AppleMusic,
    /// EBU R128 broadcast: −23 LUFS, −1 dBTP.
    EbuR128,
    /// ATSC A/85 (US broadcast): −24 LKFS, −2 dBTP.
    AtscA85,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Preset::Streaming,
        Preset::AppleMusic,
        Preset::EbuR128,
        Preset::AtscA85,
    ];

    pub fn target(self) -> Target {
        let (lufs, dbtp) = match self {
            Preset::Streaming => (-14.0, -1.0),
            Preset::AppleMusic => (-16.0, -1.0),
            Preset::EbuR128 => (-23.0, -1.0),
            Preset::AtscA85 => (-24.0, -2.0),
        };
        Target { lufs, dbtp }
    }
}

/// How a playback system treats a master: its reference loudness, and whether it also turns
/// quiet masters up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Service {
    pub name: &'static str,
    pub lufs: f32,
    /// `false`: only ever turns down (a quiet master stays quiet next to the others).
    pub turns_up: bool,
}

/// What the editor compares the master with. Spotify raises quiet tracks (in its default
/// setting, only as far as their peaks allow: see [`Service::playback_gain_db`]); YouTube and
/// Tidal only lower loud ones; Apple Music's Sound Check goes both ways.
pub const SERVICES: [Service; 4] = [
    Service {
        name: "Spotify",
        lufs: -14.0,
        turns_up: true,
    },
    Service {
        name: "YouTube",
        lufs: -14.0,
        turns_up: false,
    },
    Service {
        name: "Tidal",
        lufs: -14.0,
        turns_up: false,
    },
    Service {
        name: "Apple Music",
        lufs: -16.0,
        turns_up: true,
    },
];

/// Headroom a service that turns masters up keeps below full scale (dBTP): it raises a track
/// only as far as its true peak stays under this.
pub const UP_HEADROOM_DBTP: f32 = -1.0;

impl Service {
    /// The gain (dB) this service plays a master at, from its integrated loudness and true
    /// peak: down to the reference when louder; when quieter, up to the reference, but only
    /// as far as the peaks stay under [`UP_HEADROOM_DBTP`] (0 for services that never raise).
    /// `None` while there is no loudness to judge (silence).
    pub fn playback_gain_db(&self, integrated_lufs: f32, true_peak_dbtp: f32) -> Option<f32> {
        if !integrated_lufs.is_finite() {
            return None;
        }
        let gain = self.lufs - integrated_lufs;
        Some(if gain <= 0.0 {
            gain
        } else if self.turns_up {
            let room = if true_peak_dbtp.is_finite() {
                (UP_HEADROOM_DBTP - true_peak_dbtp).max(0.0)
            } else {
                gain
            };
            gain.min(room)
        } else {
            0.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_the_published_figures() {
        let t = |p: Preset| (p.target().lufs, p.target().dbtp);
        assert_eq!(t(Preset::Streaming), (-14.0, -1.0));
        assert_eq!(t(Preset::AppleMusic), (-16.0, -1.0));
        assert_eq!(t(Preset::EbuR128), (-23.0, -1.0));
        assert_eq!(t(Preset::AtscA85), (-24.0, -2.0));
    }

    #[test]
    fn services_turn_loud_masters_down_and_some_turn_quiet_ones_up() {
        let [spotify, youtube, _tidal, apple] = SERVICES;
        // A loud master (−8 LUFS) is turned down by every service to its reference.
        assert_eq!(spotify.playback_gain_db(-8.0, -0.5), Some(-6.0));
        assert_eq!(youtube.playback_gain_db(-8.0, -0.5), Some(-6.0));
        assert_eq!(apple.playback_gain_db(-8.0, -0.5), Some(-8.0));
        // A quiet one (−20 LUFS, peaks at −6 dBTP): Spotify raises it by as much as the peaks
        // allow (5 dB, not 6), YouTube leaves it, Apple raises it 4 dB (its peaks allow 5).
        assert_eq!(spotify.playback_gain_db(-20.0, -6.0), Some(5.0));
        assert_eq!(youtube.playback_gain_db(-20.0, -6.0), Some(0.0));
        assert_eq!(apple.playback_gain_db(-20.0, -6.0), Some(4.0));
        // Silence has no loudness to judge.
        assert_eq!(
            spotify.playback_gain_db(f32::NEG_INFINITY, f32::NEG_INFINITY),
            None
        );
    }
}
