//! Analysis data from the audio thread to the editors: lock-free, allocation-free on the
//! writing side, and the writer never waits for a reader (a slow editor just sees a slightly
//! older picture). Values are `f32` bit patterns in atomics; no locks anywhere.

pub mod masking;
pub mod spectrum;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use crate::kernel::sanitize::finite_or_zero;

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
        Self {
            pairs: (0..capacity.max(1)).map(|_| AtomicU64::new(0)).collect(),
            write: AtomicUsize::new(0),
        }
    }

    pub fn capacity(&self) -> usize {
        self.pairs.len()
    }

    fn store(&self, l: f32, r: f32) {
        let i = self.write.load(Ordering::Relaxed);
        let (l, r) = (finite_or_zero(l), finite_or_zero(r));
        self.pairs[i].store(
            ((l.to_bits() as u64) << 32) | r.to_bits() as u64,
            Ordering::Relaxed,
        );
        self.write
            .store((i + 1) % self.pairs.len(), Ordering::Release);
    }

    /// Editor: the pairs from oldest to newest, into `out` (reused between frames).
    pub fn snapshot(&self, out: &mut Vec<(f32, f32)>) {
        out.clear();
        let start = self.write.load(Ordering::Acquire);
        let n = self.pairs.len();
        for k in 0..n {
            let bits = self.pairs[(start + k) % n].load(Ordering::Relaxed);
            out.push((
                f32::from_bits((bits >> 32) as u32),
                f32::from_bits(bits as u32),
            ));
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
        Self {
            buffer,
            decimation: decimation.max(1),
            countdown: 0,
        }
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
        Self {
            coefficient: (-1.0 / tau).exp(),
            lr: 0.0,
            ll: 0.0,
            rr: 0.0,
            value,
        }
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
        let value = if power > 1e-12 {
            (self.lr / power).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        if value.abs() < 1e-30 {
            (self.lr, self.ll, self.rr) = (0.0, 0.0, 0.0);
        }
        self.value.store(value as f32);
    }

    pub fn load(&self) -> f32 {
        self.value.load()
    }
}

/// The largest non-negative value since a reader last looked (a peak level, a gain
/// reduction): the audio thread raises it, each reader takes what came since its own last
/// look, so a peak between two frames is never missed, and two editors reading one meter (a
/// strip's own and a linked console) do not take each other's peaks.
///
/// **How**: a ring of 64 slots, each the largest value of one stretch of time
/// tagged with that stretch's number, and the number of the open stretch. The writer raises
/// the open stretch's slot. A reader closes it (the next one opens) and reads the slots of
/// the stretches it has not seen, each reader keeping its place in a [`MaxCursor`]. A write
/// that races the closing of its stretch is also raised into the newly open one, so every
/// reader sees it (sequentially consistent operations make "the reader did not see it in the
/// old slot" imply "the writer saw the new stretch"). A reader more than 63 stretches
/// behind (more than 63 other reads since its own: three other views redrawing at 144 Hz
/// between two frames of one at 7 Hz) gets the last 64.
/// Lock-free for the writer (a compare-and-swap that only another writer could contend);
/// no allocation.
#[derive(Debug)]
pub struct SharedMax {
    /// Per slot: the stretch number (high half) and the value's bits (low half). For
    /// non-negative floats the bit patterns order like the values.
    slots: [AtomicU64; MAX_SLOTS],
    /// The open stretch's number.
    open: AtomicU32,
    /// The place of [`take`](Self::take)'s reader (the owner's editor).
    own: AtomicU32,
}

/// Stretches [`SharedMax`] remembers.
const MAX_SLOTS: usize = 64;

/// A reader's place in a [`SharedMax`]: the last stretch it read. A new cursor reads only
/// what is recorded from its first look on.
#[derive(Clone, Copy, Debug, Default)]
pub struct MaxCursor(Option<u32>);

impl Default for SharedMax {
    fn default() -> Self {
        Self {
            // Each slot tagged with a stretch that belongs to another slot: never read as one.
            slots: core::array::from_fn(|i| AtomicU64::new((i as u64 + 1) << 32)),
            open: AtomicU32::new(0),
            // As if stretch −1 had been read: the first `take` reads from stretch 0.
            own: AtomicU32::new(u32::MAX),
        }
    }
}

impl SharedMax {
    pub fn new() -> Self {
        Self::default()
    }

    /// Raises the held value to `value` if larger (audio thread). Negative values and NaN
    /// count as 0; +inf is held as `f32::MAX` so a reader never sees an infinity.
    pub fn record(&self, value: f32) {
        let v = if value.is_nan() {
            0.0
        } else {
            value.clamp(0.0, f32::MAX)
        };
        let stretch = self.open.load(Ordering::SeqCst);
        self.raise(stretch, v.to_bits());
        let now = self.open.load(Ordering::SeqCst);
        if now != stretch {
            // A reader closed the stretch meanwhile and may have read its slot before this
            // write: the value goes into the open one too.
            self.raise(now, v.to_bits());
        }
    }

    fn raise(&self, stretch: u32, bits: u32) {
        let slot = &self.slots[stretch as usize % MAX_SLOTS];
        let _ = slot.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |old| {
            let (tag, held) = ((old >> 32) as u32, old as u32);
            if tag == stretch && held >= bits {
                None
            } else {
                Some((u64::from(stretch) << 32) | u64::from(bits))
            }
        });
    }

    /// The largest value recorded since `cursor` last read (since its first read, for a new
    /// one), or 0 (a reader's side).
    pub fn read(&self, cursor: &mut MaxCursor) -> f32 {
        let closed = self.open.fetch_add(1, Ordering::SeqCst);
        let from = cursor.0.map_or(closed, |last| last.wrapping_add(1));
        cursor.0 = Some(closed);
        // The unread stretches, at most the ring's worth.
        let count = closed
            .wrapping_sub(from)
            .wrapping_add(1)
            .min(MAX_SLOTS as u32);
        let mut most = 0u32;
        for k in 0..count {
            let stretch = closed.wrapping_sub(k);
            let slot = self.slots[stretch as usize % MAX_SLOTS].load(Ordering::SeqCst);
            if (slot >> 32) as u32 == stretch {
                most = most.max(slot as u32);
            }
        }
        f32::from_bits(most)
    }

    /// The largest value since the last `take` (the owner's editor; other readers keep a
    /// [`MaxCursor`] and [`read`](Self::read)).
    pub fn take(&self) -> f32 {
        let mut cursor = MaxCursor(Some(self.own.load(Ordering::SeqCst)));
        let value = self.read(&mut cursor);
        self.own.store(cursor.0.unwrap_or(0), Ordering::SeqCst);
        value
    }
}

/// A scrolling history of one value (gain reduction over the last seconds, say): a ring of
/// `f32` bit patterns in atomics and a count of points written. Shared in an `Arc` between
/// the plugin's [`HistoryWriter`] and its editor; a reader may see one point from the
/// previous lap while the writer passes, never a torn value.
pub struct HistoryBuffer {
    points: Box<[AtomicU32]>,
    written: AtomicU64,
    /// How much time the whole ring spans (the writer derives its interval from it, the
    /// editor its time axis).
    seconds: f32,
}

impl HistoryBuffer {
    /// Allocates `capacity` points (the only allocation), all 0, spanning `seconds`.
    pub fn new(seconds: f32, capacity: usize) -> Self {
        Self {
            points: (0..capacity.max(1)).map(|_| AtomicU32::new(0)).collect(),
            written: AtomicU64::new(0),
            seconds: if seconds.is_finite() {
                seconds.max(0.0)
            } else {
                0.0
            },
        }
    }

    pub fn capacity(&self) -> usize {
        self.points.len()
    }

    /// The time the whole history spans.
    pub fn seconds(&self) -> f32 {
        self.seconds
    }

    fn push(&self, value: f32) {
        let n = self.written.load(Ordering::Relaxed);
        self.points[(n % self.points.len() as u64) as usize]
            .store(value.to_bits(), Ordering::Relaxed);
        self.written.store(n + 1, Ordering::Release);
    }

    /// Points written so far (a reader can tell whether anything new arrived).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Editor: every point from oldest to newest into `out` (reused between frames); points
    /// not written yet read 0.
    pub fn snapshot(&self, out: &mut Vec<f32>) {
        out.clear();
        let n = self.points.len();
        let start = (self.written() % n as u64) as usize;
        for k in 0..n {
            out.push(f32::from_bits(
                self.points[(start + k) % n].load(Ordering::Relaxed),
            ));
        }
    }
}

/// The audio thread's side of a [`HistoryBuffer`]: one point per `interval` samples, the
/// largest value seen during it (a history of a meter must show every peak, and a mean would
/// hide short ones). Values arrive per block with the block's length, since that is the
/// resolution meters have; a block longer than the interval fills several points with its
/// value.
pub struct HistoryWriter {
    buffer: Arc<HistoryBuffer>,
    interval: usize,
    /// Samples still missing from the current point, and its largest value so far.
    remaining: usize,
    peak: f32,
}

impl HistoryWriter {
    /// Writes into `buffer` at `sample_rate`: one point per `seconds / capacity` of audio.
    pub fn new(buffer: Arc<HistoryBuffer>, sample_rate: f32) -> Self {
        let interval = (sample_rate * buffer.seconds() / buffer.capacity() as f32).round();
        let interval = if interval.is_finite() {
            (interval as usize).max(1)
        } else {
            1
        };
        Self {
            buffer,
            interval,
            remaining: interval,
            peak: f32::NEG_INFINITY,
        }
    }

    /// A value that held for `samples` samples (wait-free, no allocation). NaN is ignored.
    pub fn push(&mut self, value: f32, samples: usize) {
        let mut samples = samples;
        while samples > 0 {
            if value > self.peak {
                self.peak = value;
            }
            let take = samples.min(self.remaining);
            samples -= take;
            self.remaining -= take;
            if self.remaining == 0 {
                self.buffer.push(if self.peak.is_finite() {
                    self.peak
                } else {
                    0.0
                });
                self.peak = f32::NEG_INFINITY;
                self.remaining = self.interval;
            }
        }
    }
}

/// A stereo level meter's figures for an editor: per channel the sample peak since the editor
/// last looked (linear, [`SharedMax`], so no peak between two frames is missed) and the RMS
/// level as of the last block (linear).
#[derive(Debug, Default)]
pub struct Levels {
    peak: [SharedMax; 2],
    rms: [SharedF32; 2],
}

impl Levels {
    pub fn new() -> Self {
        Self::default()
    }

    /// Editor: the peak of each channel since the last call (the owner's editor).
    pub fn take_peaks(&self) -> [f32; 2] {
        [self.peak[0].take(), self.peak[1].take()]
    }

    /// Any other reader: the peak of each channel since `cursors` last read.
    pub fn read_peaks(&self, cursors: &mut [MaxCursor; 2]) -> [f32; 2] {
        let [l, r] = cursors;
        [self.peak[0].read(l), self.peak[1].read(r)]
    }

    /// Editor: the RMS level of each channel.
    pub fn rms(&self) -> [f32; 2] {
        [self.rms[0].load(), self.rms[1].load()]
    }
}

/// The audio thread's side of [`Levels`]: sample peaks, and the RMS over an exponential
/// window (mean square averaged with time constant `time_ms`; 300 ms reads like the usual
/// VU/RMS meter ballistics). Non-finite samples are skipped, so they never poison the average.
pub struct LevelMeter {
    levels: Arc<Levels>,
    coefficient: f64,
    mean_square: [f64; 2],
}

impl LevelMeter {
    /// Publishes into `levels`, which the editor holds (created once by the plugin, so that a
    /// meter rebuilt at a new sample rate keeps talking to the same editor).
    pub fn new(sample_rate: f32, time_ms: f32, levels: Arc<Levels>) -> Self {
        let tau = (time_ms as f64 * 1e-3 * sample_rate as f64).max(1.0);
        Self {
            levels,
            coefficient: (-1.0 / tau).exp(),
            mean_square: [0.0; 2],
        }
    }

    pub fn reset(&mut self) {
        self.mean_square = [0.0; 2];
        for r in &self.levels.rms {
            r.store(0.0);
        }
    }

    /// Meters a stereo block (a mono signal: pass the same slice twice).
    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let a = self.coefficient;
        for (c, x) in [left, right].into_iter().enumerate() {
            let mut ms = self.mean_square[c];
            let mut peak = 0.0f32;
            for &v in x {
                if !v.is_finite() {
                    continue;
                }
                peak = peak.max(v.abs());
                ms = a * ms + (1.0 - a) * (v as f64 * v as f64);
            }
            // Below −300 dB: flush, so the average never decays into denormals.
            if ms < 1e-30 {
                ms = 0.0;
            }
            self.mean_square[c] = ms;
            self.levels.peak[c].record(peak);
            self.levels.rms[c].store(ms.sqrt() as f32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(n: usize, f: f32, fs: f32, phase: f32) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * f * i as f32 / fs + phase).sin())
            .collect()
    }

    #[test]
    fn correlation_of_known_signals() {
        let fs = 48_000.0;
        let s = sine(48_000, 440.0, fs, 0.0);
        let cases = [
            (s.clone(), 1.0),                                            // identical: mono
            (s.iter().map(|x| -x).collect::<Vec<_>>(), -1.0),            // inverted
            (sine(48_000, 440.0, fs, std::f32::consts::FRAC_PI_2), 0.0), // quadrature: cos·sin averages to 0
        ];
        for (right, want) in cases {
            let mut m = CorrelationMeter::new(fs, 300.0, Arc::default());
            m.process(&s, &right);
            assert!(
                (m.load() - want).abs() < 0.02,
                "expected {want}, got {}",
                m.load()
            );
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
        assert_eq!(
            out,
            vec![(12.0, -12.0), (14.0, -14.0), (16.0, -16.0), (18.0, -18.0)]
        );
    }

    #[test]
    fn shared_max_holds_the_peak_until_taken() {
        let m = SharedMax::new();
        m.record(0.25);
        m.record(0.5);
        m.record(0.1);
        m.record(f32::NAN);
        m.record(-3.0);
        assert_eq!(m.take(), 0.5);
        assert_eq!(m.take(), 0.0);
        m.record(f32::INFINITY);
        assert_eq!(m.take(), f32::MAX);
    }

    /// Two readers of one meter (a strip's own editor and a linked console) each see every
    /// peak once, whatever the order of their reads; a reader that has seen a peak reads 0
    /// until the next; a new reader starts from its first look.
    #[test]
    fn shared_max_gives_each_reader_every_peak() {
        let m = SharedMax::new();
        let mut console = MaxCursor::default();
        assert_eq!(m.read(&mut console), 0.0);
        m.record(0.5);
        assert_eq!(m.take(), 0.5);
        m.record(0.25);
        assert_eq!(m.read(&mut console), 0.5);
        assert_eq!(m.read(&mut console), 0.0);
        assert_eq!(m.take(), 0.25);
        assert_eq!(m.take(), 0.0);
        // 63 of one reader's looks between two of the other's: still every peak.
        for k in 1..=63 {
            m.record(k as f32);
            assert_eq!(m.take(), k as f32);
        }
        assert_eq!(m.read(&mut console), 63.0);
        // One more is beyond the ring: the oldest stretch is gone, the rest is there.
        for k in 1..=64 {
            m.record(if k == 1 { 100.0 } else { 1.0 });
            m.take();
        }
        assert_eq!(m.read(&mut console), 1.0);
        let mut late = MaxCursor::default();
        m.record(3.0);
        assert_eq!(m.read(&mut late), 3.0);
        assert_eq!(m.take(), 3.0);
    }

    /// A writer thread and two reader threads at different rates: after each spike the writer
    /// keeps recording the floor (1.0) until both readers have looked twice more, so every
    /// spike lands between reads of each; each reader sees every spike (a write racing a
    /// read may show twice, never not at all). The fast reader keeps within 16 looks of the
    /// slow one, inside the ring's 63 whatever the scheduler does.
    #[test]
    fn shared_max_readers_on_threads_never_miss_a_spike() {
        use std::sync::atomic::AtomicBool;
        let m = Arc::new(SharedMax::new());
        let spikes = 200u32;
        let done = Arc::new(AtomicBool::new(false));
        let reads = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
        let reader = |who: usize, pause: u64| {
            let (m, done, reads) = (m.clone(), done.clone(), reads.clone());
            std::thread::spawn(move || {
                let mut cursor = MaxCursor::default();
                let mut seen = Vec::new();
                while !done.load(Ordering::SeqCst) {
                    let ahead = || {
                        let [mine, other] = [&reads[who], &reads[1 - who]];
                        mine.load(Ordering::SeqCst) >= other.load(Ordering::SeqCst) + 16
                    };
                    if who == 0 && ahead() {
                        std::thread::yield_now();
                        continue;
                    }
                    let v = m.read(&mut cursor);
                    if v > 1.0 {
                        seen.push(v as u32);
                    }
                    reads[who].fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_micros(pause));
                }
                seen
            })
        };
        let (fast, slow) = (reader(0, 5), reader(1, 200));
        let count = |who: usize| reads[who].load(Ordering::SeqCst);
        while count(0) == 0 || count(1) == 0 {
            std::thread::yield_now();
        }
        for k in 0..spikes {
            let after = [count(0) + 2, count(1) + 2];
            m.record(2.0 + k as f32);
            while count(0) < after[0] || count(1) < after[1] {
                m.record(1.0);
            }
        }
        done.store(true, Ordering::SeqCst);
        let all: Vec<u32> = (0..spikes).map(|k| 2 + k).collect();
        for (name, r) in [("fast", fast), ("slow", slow)] {
            let mut seen = r.join().unwrap();
            seen.dedup();
            assert_eq!(seen, all, "{name}");
        }
    }

    #[test]
    fn history_keeps_the_peak_of_each_interval_in_order() {
        // 4 s in 4 points at 10 Hz: one point per 10 samples.
        let h = Arc::new(HistoryBuffer::new(4.0, 4));
        let mut w = HistoryWriter::new(h.clone(), 10.0);
        let mut out = Vec::new();
        h.snapshot(&mut out);
        assert_eq!(out, vec![0.0; 4]);
        // Interval 1: blocks of 4, 4, 2 samples; interval 2 starts with the rest of nothing.
        w.push(1.0, 4);
        w.push(3.0, 4);
        w.push(2.0, 2);
        assert_eq!(h.written(), 1);
        // A 25-sample block: two full intervals of 7.0 and half of the next.
        w.push(7.0, 25);
        assert_eq!(h.written(), 3);
        w.push(0.5, 5);
        h.snapshot(&mut out);
        assert_eq!(out, vec![3.0, 7.0, 7.0, 7.0]);
        // Two more: the ring wraps and drops the oldest.
        w.push(f32::NAN, 10);
        w.push(4.0, 10);
        h.snapshot(&mut out);
        assert_eq!(out, vec![7.0, 7.0, 0.0, 4.0]);
        assert_eq!(h.written(), 6);
    }

    #[test]
    fn level_meter_reads_a_sines_peak_and_rms() {
        let fs = 48_000.0;
        let levels = Arc::new(Levels::new());
        let mut m = LevelMeter::new(fs, 300.0, levels.clone());
        // Amplitude 0.5 on the left, 0.1 on the right; 3 s is ten time constants.
        let l: Vec<f32> = sine(3 * 48_000, 997.0, fs, 0.3)
            .iter()
            .map(|x| 0.5 * x)
            .collect();
        let r: Vec<f32> = l.iter().map(|x| 0.2 * x).collect();
        for (bl, br) in l.chunks(512).zip(r.chunks(512)) {
            m.process(bl, br);
        }
        let db = |x: f32| 20.0 * x.log10();
        let [pl, pr] = levels.take_peaks();
        assert!(
            (pl - 0.5).abs() < 1e-3 && (pr - 0.1).abs() < 1e-3,
            "peaks {pl} {pr}"
        );
        assert_eq!(levels.take_peaks(), [0.0, 0.0]);
        // RMS of a sine is its amplitude / √2 (−3.01 dB).
        let [rl, rr] = levels.rms();
        assert!(
            (db(rl) - db(0.5 / 2f32.sqrt())).abs() < 0.05,
            "rms {} dB",
            db(rl)
        );
        assert!(
            (db(rr) - db(0.1 / 2f32.sqrt())).abs() < 0.05,
            "rms {} dB",
            db(rr)
        );
    }

    #[test]
    fn level_meter_rms_has_its_time_constant_and_ignores_garbage() {
        let fs = 48_000.0;
        let levels = Arc::new(Levels::new());
        let mut m = LevelMeter::new(fs, 300.0, levels.clone());
        // A unit step: after one time constant the mean square is 1 − 1/e.
        let ones = vec![1.0f32; (0.3 * fs) as usize];
        m.process(&ones, &ones);
        let want = (1.0 - (-1.0f32).exp()).sqrt();
        assert!(
            (levels.rms()[0] - want).abs() < 1e-3,
            "{} vs {want}",
            levels.rms()[0]
        );
        // NaN and infinities are skipped: the reading stays finite and unchanged.
        m.process(&[f32::NAN, f32::INFINITY], &[f32::NEG_INFINITY; 2]);
        assert!((levels.rms()[1] - want).abs() < 1e-3);
        assert_eq!(levels.take_peaks(), [1.0, 1.0]);
        m.reset();
        assert_eq!(levels.rms(), [0.0, 0.0]);
    }
}
