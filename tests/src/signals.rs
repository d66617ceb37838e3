//! Deterministic test signals, so that every run and every instance sees the same input.

/// A small xorshift generator: reproducible white noise without a dependency.
#[derive(Debug, Clone)]
pub struct Noise(u32);

impl Noise {
    pub fn new(seed: u32) -> Self {
        Self(seed.max(1))
    }

    /// Uniform in [-1, 1).
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 as f64 / u32::MAX as f64 * 2.0 - 1.0) as f32
    }

    pub fn fill(&mut self, buf: &mut [f32], amplitude: f32) {
        for x in buf {
            *x = self.next_f32() * amplitude;
        }
    }
}

/// Pink-ish noise (Paul Kellett's economy filter on white noise): closer to music's spectrum
/// than white noise for benchmarks and level-dependent processors.
#[derive(Debug, Clone)]
pub struct PinkNoise {
    white: Noise,
    b: [f32; 3],
}

impl PinkNoise {
    pub fn new(seed: u32) -> Self {
        Self {
            white: Noise::new(seed),
            b: [0.0; 3],
        }
    }

    pub fn next_f32(&mut self) -> f32 {
        let w = self.white.next_f32();
        self.b[0] = 0.99765 * self.b[0] + w * 0.0990460;
        self.b[1] = 0.96300 * self.b[1] + w * 0.2965164;
        self.b[2] = 0.57000 * self.b[2] + w * 1.0526913;
        (self.b[0] + self.b[1] + self.b[2] + w * 0.1848) * 0.25
    }

    pub fn fill(&mut self, buf: &mut [f32]) {
        for x in buf {
            *x = self.next_f32();
        }
    }
}
