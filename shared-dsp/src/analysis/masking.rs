//! Where buses mask each other: a map over frequency of how often two buses carry energy in
//! the same critical band at the same time, at levels where one covers the other.
//!
//! # The measure
//! Masking is local in frequency and time: a sound is masked by another in the same
//! critical band, while both sound (Zwicker & Fastl, *Psychoacoustics*, ch. 4; the auditory
//! filter bandwidth as the ERB of Glasberg & Moore, "Derivation of auditory filter shapes
//! from notched-noise data", Hearing Research 47, 1990). Automatic-mixing work measures
//! masking between tracks the same way, band by band and frame by frame (Hafezi & Reiss,
//! "Autonomous multitrack equalization based on masking reduction", JAES 63(5), 2015, with a
//! full psychoacoustic model). This is the part of it an engineer acts on, cheap enough for
//! eight buses every editor frame:
//! - **Bands**: one ERB wide each, from 40 Hz to 16 kHz ([`BANDS`] of them), band levels
//!   from short-time spectra (the caller's; see [`band_edges`]).
//! - **Present**: a bus carries energy in a band in a frame when the band's level is above
//!   [`FLOOR_DB`] and within [`PRESENT_DB`] of the bus's loudest band in that frame, i.e.
//!   the band is part of the sound, not leakage or noise under it.
//! - **Covered**: bus *i* is covered by bus *j* in a band, in a frame where both are
//!   present, by `clamp((L_j − L_i + COVER_DB) / COVER_DB, 0, 1)`: fully when *j* is at
//!   least as loud there, not at all once *i* is [`COVER_DB`] louder (a noise-like masker's
//!   masked threshold sits a few dB under its own level; 12 dB leaves room for tonal parts).
//! - **Score**: per pair and band, the larger of the two directions, averaged over time with
//!   a [`Masking::new`] time constant (a plain mean until that much time has passed): the
//!   share of recent time the two fight there (0…1).
//!   The bus covered more is the one to carve out (its EQ is what the editor opens).

/// Number of one-ERB bands from [`LOW_HZ`] to [`HIGH_HZ`].
pub const BANDS: usize = 36;
pub const LOW_HZ: f64 = 40.0;
pub const HIGH_HZ: f64 = 16_000.0;
/// Band levels below this (dBFS, sine-calibrated) are silence.
pub const FLOOR_DB: f32 = -70.0;
/// A band within this much of the bus's loudest band is part of its sound.
pub const PRESENT_DB: f32 = 24.0;
/// How much louder a bus must be to stop being covered by another.
pub const COVER_DB: f32 = 12.0;

/// The ERB number (Cams) of `hz` (Glasberg & Moore 1990).
pub fn erb_number(hz: f64) -> f64 {
    21.4 * (1.0 + 0.00437 * hz).log10()
}

/// The frequency (Hz) of ERB number `cams`.
pub fn erb_to_hz(cams: f64) -> f64 {
    (10f64.powf(cams / 21.4) - 1.0) / 0.00437
}

/// Band `b`'s lower and upper edge (Hz): [`BANDS`] equal steps of ERB number between
/// [`LOW_HZ`] and [`HIGH_HZ`] (each about one ERB).
pub fn band_edges(b: usize) -> (f64, f64) {
    let (lo, hi) = (erb_number(LOW_HZ), erb_number(HIGH_HZ));
    let step = (hi - lo) / BANDS as f64;
    (
        erb_to_hz(lo + step * b as f64),
        erb_to_hz(lo + step * (b + 1) as f64),
    )
}

/// The band holding `hz`, if any.
pub fn band_of(hz: f64) -> Option<usize> {
    let (lo, hi) = (erb_number(LOW_HZ), erb_number(HIGH_HZ));
    let x = (erb_number(hz) - lo) / (hi - lo) * BANDS as f64;
    (x >= 0.0 && x < BANDS as f64).then_some(x as usize)
}

/// One pair's standing in one band.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cell {
    /// Share of recent time the two buses cover each other here (0…1).
    pub score: f32,
    /// Share of recent time the first bus of the pair is covered by the second, and the
    /// second by the first.
    pub first_covered: f32,
    pub second_covered: f32,
}

impl Cell {
    /// Which of the pair (0: the first, 1: the second) is covered more: the one to carve.
    pub fn quieter(&self) -> usize {
        usize::from(self.second_covered > self.first_covered)
    }
}

/// The masking map of `buses` buses (see the [module docs](self)). Allocates at
/// construction only.
pub struct Masking {
    buses: usize,
    /// Per unordered pair (i < j, in [`Masking::pairs`] order), per band.
    cells: Vec<[Cell; BANDS]>,
    time_constant: f32,
    /// Seconds averaged so far: until a time constant has passed the average is the plain
    /// mean of the frames seen, so a fresh map is not a faded one.
    elapsed: f32,
}

impl Masking {
    /// A map of `buses` buses averaging over `time_constant` seconds.
    pub fn new(buses: usize, time_constant: f32) -> Self {
        Self {
            buses,
            cells: vec![[Cell::default(); BANDS]; buses * buses.saturating_sub(1) / 2],
            time_constant: time_constant.max(1e-3),
            elapsed: 0.0,
        }
    }

    pub fn buses(&self) -> usize {
        self.buses
    }

    /// Every pair (i, j), i < j, in the order cells are kept.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + use<> {
        let n = self.buses;
        (0..n).flat_map(move |i| (i + 1..n).map(move |j| (i, j)))
    }

    fn index(&self, i: usize, j: usize) -> usize {
        let (i, j) = (i.min(j), i.max(j));
        // Pairs before row i, then the offset in row i.
        i * (2 * self.buses - i - 1) / 2 + (j - i - 1)
    }

    /// Pair (i, j)'s cells (i ≠ j; in the pair's own order: `first` is min(i, j)).
    pub fn cells(&self, i: usize, j: usize) -> &[Cell; BANDS] {
        &self.cells[self.index(i, j)]
    }

    /// One frame `dt` seconds after the last: `levels[bus][band]` in dBFS; a bus marked
    /// `false` in `active` (no input, muted) takes part as silence.
    pub fn update(&mut self, levels: &[[f32; BANDS]], active: &[bool], dt: f32) {
        let dt = dt.max(0.0);
        self.elapsed += dt;
        let a = (1.0 - (-dt / self.time_constant).exp()).max(dt / self.elapsed.max(1e-9));
        let present: Vec<[bool; BANDS]> = (0..self.buses)
            .map(|bus| {
                let l = &levels[bus];
                let top = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let on = active.get(bus).copied().unwrap_or(false);
                core::array::from_fn(|b| on && l[b] > FLOOR_DB && l[b] >= top - PRESENT_DB)
            })
            .collect();
        let pairs: Vec<(usize, usize)> = self.pairs().collect();
        for (i, j) in pairs {
            let k = self.index(i, j);
            for b in 0..BANDS {
                let both = present[i][b] && present[j][b];
                let covered = |by: f32, of: f32| {
                    if both {
                        ((by - of + COVER_DB) / COVER_DB).clamp(0.0, 1.0)
                    } else {
                        0.0
                    }
                };
                let (li, lj) = (levels[i][b], levels[j][b]);
                let (ci, cj) = (covered(lj, li), covered(li, lj));
                let cell = &mut self.cells[k][b];
                cell.first_covered += a * (ci - cell.first_covered);
                cell.second_covered += a * (cj - cell.second_covered);
                cell.score += a * (ci.max(cj) - cell.score);
            }
        }
    }

    /// The pairs whose worst band scores at least `min`, worst first, as
    /// (first, second, worst band, its cell), at most `out.len()` of them; returns how many.
    pub fn worst_pairs(&self, min: f32, out: &mut [(usize, usize, usize, Cell)]) -> usize {
        let mut n = 0;
        for (i, j) in self.pairs() {
            let cells = self.cells(i, j);
            let (band, cell) = cells
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.score.total_cmp(&b.1.score))
                .map(|(b, c)| (b, *c))
                .unwrap_or_default();
            if cell.score < min {
                continue;
            }
            // Insertion into the sorted list.
            let mut at = n.min(out.len());
            while at > 0 && out[at - 1].3.score < cell.score {
                at -= 1;
            }
            if at < out.len() {
                let end = (n + 1).min(out.len());
                out.copy_within(at..end - 1, at + 1);
                out[at] = (i, j, band, cell);
                n = end;
            }
        }
        n
    }

    /// The worst score over every pair, per band (the map's summary row).
    pub fn worst_per_band(&self) -> [f32; BANDS] {
        core::array::from_fn(|b| self.cells.iter().map(|c| c[b].score).fold(0.0, f32::max))
    }

    pub fn reset(&mut self) {
        for c in &mut self.cells {
            *c = [Cell::default(); BANDS];
        }
        self.elapsed = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::spectrum::Spectrum;
    use crate::test_support::XorShift;

    const FS: f32 = 48_000.0;

    /// White noise band-limited to `lo`…`hi` Hz by zeroing FFT bins (a brick wall), at
    /// about `db` dBFS in each ERB band it covers.
    fn band_noise(seed: u64, lo: f64, hi: f64, n: usize) -> Vec<f32> {
        use realfft::RealFftPlanner;
        let mut rng = XorShift::new(seed);
        let mut x: Vec<f64> = (0..n).map(|_| f64::from(rng.uniform()) - 0.5).collect();
        let mut planner = RealFftPlanner::<f64>::new();
        let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
        let mut spec = fwd.make_output_vec();
        fwd.process(&mut x, &mut spec).unwrap();
        for (k, c) in spec.iter_mut().enumerate() {
            let f = k as f64 * f64::from(FS) / n as f64;
            if f < lo || f > hi {
                *c = realfft::num_complex::Complex::new(0.0, 0.0);
            }
        }
        // DC and Nyquist bins must stay real for the inverse.
        spec[0].im = 0.0;
        let last = spec.len() - 1;
        spec[last].im = 0.0;
        inv.process(&mut spec, &mut x).unwrap();
        let scale = 0.5 / x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        x.iter().map(|v| (v * scale) as f32).collect()
    }

    /// Runs the map over `signals` in editor-like frames (60 per second), as the editor
    /// does: a sine-calibrated spectrum per bus, band levels by ERB band.
    fn map_of(signals: &[Vec<f32>]) -> Masking {
        let size = Spectrum::size_for_rate(FS);
        let mut spectra: Vec<Spectrum> = signals
            .iter()
            .map(|_| Spectrum::new(size, FS, 0.05))
            .collect();
        let mut map = Masking::new(signals.len(), 0.3);
        let hop = (FS / 60.0) as usize;
        let mut levels = vec![[0.0f32; BANDS]; signals.len()];
        let mut end = size;
        while end <= signals[0].len() {
            for (bus, (s, x)) in spectra.iter_mut().zip(signals).enumerate() {
                s.analyse(&x[end - size..end], 1.0 / 60.0);
                for (b, l) in levels[bus].iter_mut().enumerate() {
                    let (lo, hi) = band_edges(b);
                    *l = s.band_db((lo * hi).sqrt() as f32, (hi / lo).log2() as f32);
                }
            }
            map.update(&levels, &vec![true; signals.len()], 1.0 / 60.0);
            end += hop;
        }
        map
    }

    #[test]
    fn erb_scale_matches_glasberg_and_moore() {
        // ERB number 1 kHz ≈ 15.62 Cams; the bands are each about one ERB wide
        // (ERB(f) = 24.7·(4.37·f/1000 + 1)).
        assert!((erb_number(1_000.0) - 15.62).abs() < 0.01);
        assert!((erb_to_hz(erb_number(3_333.0)) - 3_333.0).abs() < 1e-6);
        for b in 0..BANDS {
            let (lo, hi) = band_edges(b);
            let centre = (lo * hi).sqrt();
            let erb = 24.7 * (4.37 * centre / 1000.0 + 1.0);
            let width = (hi - lo) / erb;
            assert!((0.9..1.1).contains(&width), "band {b}: {width} ERB wide");
        }
    }

    #[test]
    fn overlapping_noise_bands_are_flagged_and_disjoint_ones_are_not() {
        let n = 3 * FS as usize;
        let a = band_noise(1, 200.0, 800.0, n);
        let b = band_noise(2, 400.0, 1_600.0, n);
        let c = band_noise(3, 2_000.0, 8_000.0, n);
        let map = map_of(&[a, b, c]);
        let score = |i, j, hz: f64| map.cells(i, j)[band_of(hz).unwrap()].score;
        // A and B share 400…800 Hz: flagged well inside the overlap, not outside it.
        for hz in [450.0, 600.0, 750.0] {
            assert!(score(0, 1, hz) > 0.8, "A/B at {hz} Hz: {}", score(0, 1, hz));
        }
        for hz in [250.0, 1_200.0, 3_000.0] {
            assert!(
                score(0, 1, hz) < 0.05,
                "A/B at {hz} Hz: {}",
                score(0, 1, hz)
            );
        }
        // A and C, B and C: nothing anywhere.
        for (i, j) in [(0, 2), (1, 2)] {
            let worst = map.cells(i, j).iter().map(|c| c.score).fold(0.0, f32::max);
            assert!(worst < 0.05, "{i}/{j}: {worst}");
        }
        let mut out = [(0, 0, 0, Cell::default()); 4];
        let n = map.worst_pairs(0.2, &mut out);
        assert_eq!(n, 1, "only A/B is listed");
        let (lo, hi) = band_edges(out[0].2);
        let centre = (lo * hi).sqrt();
        assert!(
            (400.0..800.0).contains(&centre),
            "worst band {lo:.0}…{hi:.0} Hz"
        );
        println!(
            "A/B worst band {lo:.0}–{hi:.0} Hz, score {:.2}; A/C and B/C below 0.05",
            out[0].3.score
        );
    }

    #[test]
    fn the_louder_bus_covers_the_quieter_one() {
        // The same band at −20 dB and −6 dB relative: the quieter is the one covered.
        let n = 2 * FS as usize;
        let loud = band_noise(4, 500.0, 2_000.0, n);
        let quiet: Vec<f32> = band_noise(5, 500.0, 2_000.0, n)
            .iter()
            .map(|v| v * 0.2)
            .collect();
        let map = map_of(&[loud, quiet]);
        let cell = map.cells(0, 1)[band_of(1_000.0).unwrap()];
        assert_eq!(cell.quieter(), 1);
        assert!(
            cell.second_covered > 0.9 && cell.first_covered < 0.05,
            "{cell:?}"
        );
    }
}
