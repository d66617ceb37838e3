//! Information about the track a plugin is placed on, as reported by the host.

/// Information about the track the plugin is currently placed on. Not all hosts provide this
/// information, and not all fields may be available at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackInfo {
    name: String,
    color: Option<TrackColor>,
    /// Mixwerk: where the host's mixer shows the track, if it says.
    position: Option<TrackPosition>,
}

/// Mixwerk: where the host's mixer shows a track: the order of the track's kind among kinds
/// (audio tracks before buses, say) and its index within that kind. VST3 hosts report these
/// as `kChannelIndexNamespaceOrderKey` and `kChannelIndexKey`; CLAP's track-info has neither.
/// Ordered as the mixer is: by kind, then by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrackPosition {
    pub kind_order: i64,
    pub index: i64,
}

impl TrackInfo {
    pub fn new(name: impl Into<String>, color: Option<TrackColor>) -> Self {
        Self {
            name: name.into(),
            color,
            position: None,
        }
    }

    /// Mixwerk: the same track at a position in the host's mixer.
    pub fn with_position(mut self, position: Option<TrackPosition>) -> Self {
        self.position = position;
        self
    }

    /// Mixwerk: where the host's mixer shows the track, if it says.
    pub fn position(&self) -> Option<TrackPosition> {
        self.position
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn color(&self) -> Option<TrackColor> {
        self.color
    }
}

/// An RGBA color associated with a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackColor {
    r: u8,
    g: u8,
    b: u8,
    a: u8,
}

impl TrackColor {
    pub const fn new(r: u8, g: u8, b: u8, a: u8) -> Self {
        Self { r, g, b, a }
    }

    pub const fn rgba(self) -> (u8, u8, u8, u8) {
        (self.r, self.g, self.b, self.a)
    }
}
