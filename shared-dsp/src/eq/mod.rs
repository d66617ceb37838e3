//! Mixwerk EQ: eight parametric bands, in a zero-latency mode that matches the analog
//! prototypes and a linear-phase mode built from the same target magnitude.
//!
//! How the pieces fit:
//! - [`prototype`]: each band is a cascade of analog first/second-order sections (bell,
//!   shelves, tilt, Butterworth cuts 6…96 dB/oct, notch, band pass). Everything else is
//!   derived from these, so the two modes, the editor's curve and auto-gain agree.
//! - [`matched`]: zero-latency designs: one digital section per prototype section, its
//!   magnitude fitted to the unwarped analog one (minimax, realisable by construction; a
//!   steep cut's sections fitted jointly), realised as TPT state-variable filters (why:
//!   see that module).
//! - [`lanes`]: every active band's sections as one staggered chain, eight sections per
//!   vector operation (exact, no latency; why: see that module).
//! - [`cascade`]: the zero-latency runtime around it: parameter glides (redesigns every
//!   few sub-blocks, coefficients ramping linearly in between), click-free band switching,
//!   stereo placement, output gain.
//! - [`fir`] and [`linear`]: the linear-phase mode: FIR kernels from the same target
//!   (frequency sampling, zero phase, windowed and refined, length scaling with the rate),
//!   designed off the audio thread, run by the shared partitioned convolution engine
//!   ([`crate::convolution`]) and crossfaded in; latency half the kernel length.
//! - [`response`]: the combined response for the editor ([`response::Curve`], magnitude and
//!   phase of exactly what is processed) and the auto-gain figure.
//! - [`dynamic`]: dynamic bands (gain following a detector on the band or an external key),
//!   in zero-latency mode.
//! - [`processor`]: [`Eq`], the processor with the crate's usual shape.

pub mod cascade;
pub mod dynamic;
pub mod fir;
pub mod lanes;
pub mod linear;
pub mod matched;
pub mod processor;
pub mod prototype;
pub mod response;

#[cfg(test)]
mod dynamic_tests;
#[cfg(test)]
mod fit_tests;
#[cfg(test)]
mod offline_tests;
#[cfg(test)]
mod tests;

pub use dynamic::{Direction, Dynamics, KeySource};
pub use fir::Kernel;
pub use linear::{DesignRequest, KernelMailbox, OfflineDesigner};
pub use processor::Eq;

/// Number of bands.
pub const BANDS: usize = 8;

/// What a band does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BandType {
    #[default]
    Bell,
    LowShelf,
    HighShelf,
    /// −gain/2 below the corner, +gain/2 above, 0 dB at the corner.
    TiltShelf,
    /// High pass (removes lows).
    LowCut,
    /// Low pass (removes highs).
    HighCut,
    Notch,
    BandPass,
}

impl BandType {
    pub const ALL: [BandType; 8] = [
        BandType::Bell,
        BandType::LowShelf,
        BandType::HighShelf,
        BandType::TiltShelf,
        BandType::LowCut,
        BandType::HighCut,
        BandType::Notch,
        BandType::BandPass,
    ];

    /// Whether the gain setting matters (editors grey it out otherwise).
    pub const fn uses_gain(self) -> bool {
        matches!(
            self,
            Self::Bell | Self::LowShelf | Self::HighShelf | Self::TiltShelf
        )
    }
}

/// Cut slopes (Butterworth of order slope/6; 12 dB/oct takes the band's Q for a resonant
/// corner). Shelves use 6 dB/oct as first order and anything steeper as second order with Q.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Slope {
    Db6,
    #[default]
    Db12,
    Db18,
    Db24,
    Db36,
    Db48,
    Db72,
    Db96,
}

impl Slope {
    pub const ALL: [Slope; 8] = [
        Slope::Db6,
        Slope::Db12,
        Slope::Db18,
        Slope::Db24,
        Slope::Db36,
        Slope::Db48,
        Slope::Db72,
        Slope::Db96,
    ];

    /// Filter order (6 dB/oct per order).
    pub const fn order(self) -> usize {
        match self {
            Slope::Db6 => 1,
            Slope::Db12 => 2,
            Slope::Db18 => 3,
            Slope::Db24 => 4,
            Slope::Db36 => 6,
            Slope::Db48 => 8,
            Slope::Db72 => 12,
            Slope::Db96 => 16,
        }
    }

    pub const fn db_per_octave(self) -> f64 {
        6.0 * self.order() as f64
    }
}

/// Which part of a stereo signal a band acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Placement {
    #[default]
    Stereo,
    Left,
    Right,
    /// (L + R)/2 only.
    Mid,
    /// (L − R)/2 only.
    Side,
}

/// Zero-latency (matched minimum-phase sections) or linear-phase (FIR).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    #[default]
    ZeroLatency,
    LinearPhase,
}

/// One band, in real units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandSettings {
    pub enabled: bool,
    pub kind: BandType,
    /// Hz, 10 Hz … 30 kHz, held below 0.45·fs.
    pub freq: f64,
    /// dB, ±30 (bells, shelves, tilt).
    pub gain_db: f64,
    /// 0.025 … 40.
    pub q: f64,
    pub slope: Slope,
    pub placement: Placement,
}

impl Default for BandSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            kind: BandType::Bell,
            freq: 1_000.0,
            gain_db: 0.0,
            q: core::f64::consts::FRAC_1_SQRT_2,
            slope: Slope::Db12,
            placement: Placement::Stereo,
        }
    }
}

/// The whole EQ, mirroring the plugin's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub bands: [BandSettings; BANDS],
    pub mode: Mode,
    /// dB, applied after the bands (and after auto-gain).
    pub output_gain_db: f64,
    /// Compensate the average gain change of the bands (see [`response::auto_gain_db`]).
    pub auto_gain: bool,
    /// Each band's dynamics (zero-latency mode; see [`dynamic`]).
    pub dynamics: [Dynamics; BANDS],
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bands: [BandSettings::default(); BANDS],
            mode: Mode::ZeroLatency,
            output_gain_db: 0.0,
            auto_gain: false,
            dynamics: [Dynamics::default(); BANDS],
        }
    }
}
