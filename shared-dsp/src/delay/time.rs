//! Delay times: free times in milliseconds, note values synced to the host's tempo, and the
//! conversion of either to samples.
//!
//! A note value is a length in quarter notes (beats): 1/4 is one beat, 1/8 half a beat, a
//! bar four beats. Dotted notes are 3/2 of the straight length, triplets 2/3 (three in the
//! time of two). At `bpm` beats per minute a beat lasts 60 000 / bpm ms, so 1/4 at 120 BPM
//! is 500 ms, 1/8 dotted 375 ms and 1/4 triplet 333.33 ms.
//!
//! "Bar" means a 4/4 bar (a whole note), as on the tempo-synced delays of most DAWs: the
//! note grid stays the same whatever the host's time signature, so a session's echoes do not
//! change length when a 3/4 section starts.
//!
//! Every time, free or synced, is clamped to [`MIN_TIME_MS`, `MAX_TIME_MS`]: the delay
//! buffer is allocated once for 4 s. Long synced values reach that limit at slow tempos
//! (2 bars at 120 BPM is exactly 4 s; 4 bars fits at 240 BPM and faster); [`NoteValue::ms_at`]
//! gives the musical length and [`DelayTime::ms`] the clamped one the delay plays.

/// The tempo used when the host gives none (a plain CLAP/VST3 host, an offline render).
pub const DEFAULT_BPM: f64 = 120.0;

/// Tempos outside this range are clamped: a host reporting 0 or 10 000 BPM must not turn
/// the delay into a 0-sample or an unbounded one.
pub const MIN_BPM: f64 = 20.0;
pub const MAX_BPM: f64 = 999.0;

/// Shortest delay time. Below ~1 ms a delay is a comb filter rather than an echo; the
/// interpolator also needs a few samples of history in front of the read point.
pub const MIN_TIME_MS: f64 = 1.0;

/// Longest delay time; the delay lines are allocated for this (plus modulation depth).
pub const MAX_TIME_MS: f64 = 4_000.0;

/// A valid tempo: NaN, infinities and values ≤ 0 become [`DEFAULT_BPM`], the rest is clamped
/// to [`MIN_BPM`, `MAX_BPM`].
pub fn sane_bpm(bpm: f64) -> f64 {
    if bpm.is_finite() && bpm > 0.0 {
        bpm.clamp(MIN_BPM, MAX_BPM)
    } else {
        DEFAULT_BPM
    }
}

/// Milliseconds to (fractional) samples, f64 throughout: a 4 s delay at 192 kHz is 768 000
/// samples, where an f32 would round to 1/16 of a sample.
#[inline]
pub fn ms_to_samples(ms: f64, sample_rate: f64) -> f64 {
    ms * 1e-3 * sample_rate
}

/// The straight note lengths, from a 64th note to four bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Division {
    SixtyFourth,
    ThirtySecond,
    Sixteenth,
    Eighth,
    Quarter,
    Half,
    /// A whole note: one 4/4 bar.
    Bar,
    TwoBars,
    FourBars,
}

impl Division {
    /// Length in quarter notes (beats).
    pub const fn quarters(self) -> f64 {
        match self {
            Division::SixtyFourth => 1.0 / 16.0,
            Division::ThirtySecond => 1.0 / 8.0,
            Division::Sixteenth => 1.0 / 4.0,
            Division::Eighth => 0.5,
            Division::Quarter => 1.0,
            Division::Half => 2.0,
            Division::Bar => 4.0,
            Division::TwoBars => 8.0,
            Division::FourBars => 16.0,
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Division::SixtyFourth => "1/64",
            Division::ThirtySecond => "1/32",
            Division::Sixteenth => "1/16",
            Division::Eighth => "1/8",
            Division::Quarter => "1/4",
            Division::Half => "1/2",
            Division::Bar => "1 bar",
            Division::TwoBars => "2 bars",
            Division::FourBars => "4 bars",
        }
    }
}

/// Straight, dotted (×3/2) or triplet (×2/3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feel {
    Straight,
    Dotted,
    Triplet,
}

impl Feel {
    pub const fn factor(self) -> f64 {
        match self {
            Feel::Straight => 1.0,
            Feel::Dotted => 1.5,
            Feel::Triplet => 2.0 / 3.0,
        }
    }
}

/// A tempo-synced delay time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NoteValue {
    pub division: Division,
    pub feel: Feel,
}

const fn nv(division: Division, feel: Feel) -> NoteValue {
    NoteValue { division, feel }
}

impl NoteValue {
    pub const QUARTER: NoteValue = nv(Division::Quarter, Feel::Straight);

    /// Every note value, shortest first, so that a knob or an automation ramp over the list
    /// moves the time monotonically. Plugins store the index: append new values at the end,
    /// never reorder.
    pub const ALL: [NoteValue; 27] = {
        use Division::*;
        use Feel::*;
        [
            nv(SixtyFourth, Triplet),  // 0.0417 beats
            nv(SixtyFourth, Straight), // 0.0625
            nv(ThirtySecond, Triplet), // 0.0833
            nv(SixtyFourth, Dotted),   // 0.0938
            nv(ThirtySecond, Straight),
            nv(Sixteenth, Triplet),
            nv(ThirtySecond, Dotted),
            nv(Sixteenth, Straight),
            nv(Eighth, Triplet),
            nv(Sixteenth, Dotted),
            nv(Eighth, Straight),
            nv(Quarter, Triplet),
            nv(Eighth, Dotted),
            nv(Quarter, Straight), // 1 beat
            nv(Half, Triplet),
            nv(Quarter, Dotted),
            nv(Half, Straight),
            nv(Bar, Triplet),
            nv(Half, Dotted),
            nv(Bar, Straight), // 4 beats
            nv(TwoBars, Triplet),
            nv(Bar, Dotted),
            nv(TwoBars, Straight),
            nv(FourBars, Triplet),
            nv(TwoBars, Dotted),
            nv(FourBars, Straight),
            nv(FourBars, Dotted), // 24 beats
        ]
    };

    /// Length in quarter notes (beats).
    pub fn quarters(self) -> f64 {
        self.division.quarters() * self.feel.factor()
    }

    /// The musical length at `bpm` in milliseconds (not clamped to the delay's range).
    pub fn ms_at(self, bpm: f64) -> f64 {
        self.quarters() * 60_000.0 / sane_bpm(bpm)
    }

    /// "1/4", "1/8 D", "1/4 T", "1 bar", "2 bars D".
    pub fn name(self) -> String {
        let suffix = match self.feel {
            Feel::Straight => "",
            Feel::Dotted => " D",
            Feel::Triplet => " T",
        };
        format!("{}{suffix}", self.division.name())
    }

    /// Position in [`NoteValue::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|&n| n == self).unwrap_or(13)
    }

    /// The value at `index` in [`NoteValue::ALL`] (clamped, so never a panic).
    pub fn from_index(index: usize) -> Self {
        Self::ALL[index.min(Self::ALL.len() - 1)]
    }
}

/// A channel's delay time: free, or a note value at the host's tempo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DelayTime {
    Ms(f32),
    Note(NoteValue),
}

impl Default for DelayTime {
    fn default() -> Self {
        DelayTime::Note(NoteValue::QUARTER)
    }
}

impl DelayTime {
    /// The time the delay plays at `bpm`, in ms, clamped to [`MIN_TIME_MS`, `MAX_TIME_MS`]
    /// (a non-finite free time reads as the minimum).
    pub fn ms(self, bpm: f64) -> f64 {
        let ms = match self {
            DelayTime::Ms(ms) if ms.is_finite() => ms as f64,
            DelayTime::Ms(_) => MIN_TIME_MS,
            DelayTime::Note(n) => n.ms_at(bpm),
        };
        ms.clamp(MIN_TIME_MS, MAX_TIME_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synced_times_at_120_bpm() {
        // Closed forms: a beat at 120 BPM is 500 ms.
        let at = |d, f| nv(d, f).ms_at(120.0);
        assert!((at(Division::Quarter, Feel::Straight) - 500.0).abs() < 1e-9);
        assert!((at(Division::Eighth, Feel::Dotted) - 375.0).abs() < 1e-9);
        assert!((at(Division::Quarter, Feel::Triplet) - 1_000.0 / 3.0).abs() < 1e-9);
        assert!((at(Division::SixtyFourth, Feel::Straight) - 31.25).abs() < 1e-9);
        assert!((at(Division::Bar, Feel::Straight) - 2_000.0).abs() < 1e-9);
        assert!((at(Division::FourBars, Feel::Straight) - 8_000.0).abs() < 1e-9);
        // Tempo changes scale inversely: 1/4 at 90 BPM = 666.67 ms.
        assert!(
            (at(Division::Quarter, Feel::Straight) * 120.0 / 90.0
                - nv(Division::Quarter, Feel::Straight).ms_at(90.0))
            .abs()
                < 1e-9
        );
        assert!((nv(Division::Quarter, Feel::Straight).ms_at(90.0) - 2_000.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_list_is_sorted_unique_and_complete() {
        let all = NoteValue::ALL;
        for w in all.windows(2) {
            assert!(
                w[0].quarters() < w[1].quarters(),
                "{:?} !< {:?}",
                w[0],
                w[1]
            );
        }
        // Every division in every feel, exactly once.
        assert_eq!(all.len(), 9 * 3);
        for (i, n) in all.iter().enumerate() {
            assert_eq!(n.index(), i);
            assert_eq!(NoteValue::from_index(i), *n);
        }
        assert_eq!(NoteValue::from_index(999), all[26]);
        assert_eq!(NoteValue::QUARTER.name(), "1/4");
        assert_eq!(nv(Division::Eighth, Feel::Dotted).name(), "1/8 D");
        assert_eq!(nv(Division::TwoBars, Feel::Triplet).name(), "2 bars T");
    }

    #[test]
    fn times_are_clamped_and_tempos_sane() {
        assert_eq!(DelayTime::Ms(0.0).ms(120.0), MIN_TIME_MS);
        assert_eq!(DelayTime::Ms(1e9).ms(120.0), MAX_TIME_MS);
        assert_eq!(DelayTime::Ms(f32::NAN).ms(120.0), MIN_TIME_MS);
        assert_eq!(
            DelayTime::Note(nv(Division::FourBars, Feel::Straight)).ms(120.0),
            MAX_TIME_MS
        );
        assert_eq!(
            DelayTime::Note(nv(Division::FourBars, Feel::Straight)).ms(240.0),
            4_000.0
        );
        assert_eq!(sane_bpm(f64::NAN), DEFAULT_BPM);
        assert_eq!(sane_bpm(0.0), DEFAULT_BPM);
        assert_eq!(sane_bpm(5.0), MIN_BPM);
        assert_eq!(sane_bpm(1e6), MAX_BPM);
        assert!((ms_to_samples(500.0, 48_000.0) - 24_000.0).abs() < 1e-9);
    }
}
