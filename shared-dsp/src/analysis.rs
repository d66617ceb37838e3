//! Analysis data from the audio thread to the editors: lock-free, allocation-free on the
//! writing side, and the writer never waits for a reader (a slow editor just sees a slightly
//! older picture). Values are `f32` bit patterns in atomics; no locks anywhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// An `f32` shared through an atomic: the audio thread stores, the editor loads.
#[derive(Debug, Default)]
pub struct SharedF32(AtomicU32);

impl SharedF32 {
    pub fn new(value: f32) -> Self {
        Self(AtomicU32::new(value.to_bits()))
    }
    pub fn store(&self, value: f32) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }
    pub fn load(&self) -> f32 {
        f32::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// The most recent stereo sample pairs, for a vectorscope. Each pair is one `u64` (two `f32`
/// bit patterns) so a reader never sees a torn pair; the write index says where the newest is.
/// Shared in an `Arc` between the plugin's [`ScopeWriter`] and its editor.
pub struct ScopeBuffer {
    pairs: Box<[AtomicU64]>,
    write: AtomicUsize,
}

impl ScopeBuffer {
    /// Allocates `capacity` pairs (the only allocation).
    pub fn new(capacity: usize) -> Self {
        Self { pairs: (0..capacity.max(1)).map(|_| AtomicU64::new(0)).collect(), write: AtomicUsize::new(0) }
    }

    pub fn capacity(&self) -> usize {
        self.pairs.len()
    }

    fn store(&self, l: f32, r: f32) {
        let i = self.write.load(Ordering::Relaxed);
        let l = if l.is_finite() { l } else { 0.0 };
        let r = if r.is_finite() { r } else { 0.0 };
        self.pairs[i].store(((l.to_bits() as u64) << 32) | r.to_bits() as u64, Ordering::Relaxed);
        self.write.store((i + 1) % self.pairs.len(), Ordering::Release);
    }

    /// Editor: the pairs from oldest to newest, into `out` (reused between frames).
    pub fn snapshot(&self, out: &mut Vec<(f32, f32)>) {
        out.clear();
        let start = self.write.load(Ordering::Acquire);
        let n = self.pairs.len();
        for k in 0..n {
            let bits = self.pairs[(start + k) % n].load(Ordering::Relaxed);
            out.push((f32::from_bits((bits >> 32) as u32), f32::from_bits(bits as u32)));
        }
    }
}

/// The audio thread's side of a [`ScopeBuffer`]: keeps every `decimation`-th pair (a scope
/// needs the shape, not every sample).
pub struct ScopeWriter {
    buffer: Arc<ScopeBuffer>,
    decimation: usize,
    countdown: usize,
}

impl ScopeWriter {
    pub fn new(buffer: Arc<ScopeBuffer>, decimation: usize) -> Self {
        Self { buffer, decimation: decimation.max(1), countdown: 0 }
    }

    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        let mut countdown = self.countdown;
        for (&l, &r) in left.iter().zip(right) {
            if countdown == 0 {
                self.buffer.store(l, r);
                countdown = self.decimation;
            }
            countdown -= 1;
        }
        self.countdown = countdown;
    }
}

/// Stereo correlation, +1 (mono) … 0 (unrelated) … −1 (out of phase): the normalised
/// cross-correlation of the two channels averaged over a time constant (300 ms is the usual
/// meter ballistics), published once per block.
pub struct CorrelationMeter {
    coefficient: f64,
    lr: f64,
    ll: f64,
    rr: f64,
    value: Arc<SharedF32>,
}

impl CorrelationMeter {
    /// Publishes into `value`, which the editor holds (created once by the plugin, so that a
    /// meter rebuilt at a new sample rate keeps talking to the same editor).
    pub fn new(sample_rate: f32, time_ms: f32, value: Arc<SharedF32>) -> Self {
        let tau = (time_ms as f64 * 1e-3 * sample_rate as f64).max(1.0);
        Self { coefficient: (-1.0 / tau).exp(), lr: 0.0, ll: 0.0, rr: 0.0, value }
    }

    pub fn reset(&mut self) {
        (self.lr, self.ll, self.rr) = (0.0, 0.0, 0.0);
        self.value.store(0.0);
    }

    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let a = self.coefficient;
        for (&l, &r) in left.iter().zip(right) {
            if !(l.is_finite() && r.is_finite()) {
                continue;
            }
            let (l, r) = (l as f64, r as f64);
            self.lr = a * self.lr + (1.0 - a) * l * r;
            self.ll = a * self.ll + (1.0 - a) * l * l;
            self.rr = a * self.rr + (1.0 - a) * r * r;
        }
        // Below −120 dB there is nothing to correlate: show 0 rather than noise.
        let power = (self.ll * self.rr).sqrt();
        let value = if power > 1e-12 { (self.lr / power).clamp(-1.0, 1.0) } else { 0.0 };
        if value.abs() < 1e-30 {
            (self.lr, self.ll, self.rr) = (0.0, 0.0, 0.0);
        }
        self.value.store(value as f32);
    }

    pub fn load(&self) -> f32 {
        self.value.load()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(n: usize, f: f32, fs: f32, phase: f32) -> Vec<f32> {
        (0..n).map(|i| (2.0 * std::f32::consts::PI * f * i as f32 / fs + phase).sin()).collect()
    }

    #[test]
    fn correlation_of_known_signals() {
        let fs = 48_000.0;
        let s = sine(48_000, 440.0, fs, 0.0);
        let cases = [
            (s.clone(), 1.0),                                        // identical: mono
            (s.iter().map(|x| -x).collect::<Vec<_>>(), -1.0),        // inverted
            (sine(48_000, 440.0, fs, std::f32::consts::FRAC_PI_2), 0.0), // quadrature: cos·sin averages to 0
        ];
        for (right, want) in cases {
            let mut m = CorrelationMeter::new(fs, 300.0, Arc::default());
            m.process(&s, &right);
            assert!((m.load() - want).abs() < 0.02, "expected {want}, got {}", m.load());
        }
        // Silence reads 0 and NaN does not poison it.
        let mut m = CorrelationMeter::new(fs, 300.0, Arc::default());
        m.process(&[f32::NAN; 64], &[0.0; 64]);
        m.process(&s, &s);
        assert!((m.load() - 1.0).abs() < 0.02);
    }

    #[test]
    fn scope_keeps_the_newest_pairs_in_order() {
        let scope = Arc::new(ScopeBuffer::new(4));
        let mut writer = ScopeWriter::new(scope.clone(), 2);
        let l: Vec<f32> = (0..20).map(|i| i as f32).collect();
        let r: Vec<f32> = l.iter().map(|x| -x).collect();
        writer.push(&l[..7], &r[..7]);
        writer.push(&l[7..], &r[7..]);
        let mut out = Vec::new();
        scope.snapshot(&mut out);
        // Every 2nd pair: 0, 2, …, 18; the last four are 12, 14, 16, 18.
        assert_eq!(out, vec![(12.0, -12.0), (14.0, -14.0), (16.0, -16.0), (18.0, -18.0)]);
    }
}
