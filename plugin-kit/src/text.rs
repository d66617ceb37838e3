//! Parameter text: values as a pro plugin shows them ("1.20 kHz", "-3.0 dB", "4.0:1",
//! "250 ms", "35L") and parsers for what people type ("1k", "-3", "250ms", "0.25 s", "L35").
//!
//! These are plain functions so that they can be tested without a plugin framework; the
//! plugins wrap them in the `Arc<dyn Fn>` that nice-plug's parameter builders take. Parsers
//! never panic and return `None` for text they do not understand, so the host keeps the old
//! value; out-of-range numbers are returned as typed and clamped by the parameter's range.
//!
//! **One rule per unit, judged on the value as displayed.** Each unit has a table of
//! [`Decade`]s (how many decimals, in which unit, from which magnitude up). A value is first
//! rounded to its decade's decimals, and the decade (and so the decimals, the unit, and the
//! "-inf"/"Off"/"∞" ends) is then chosen from the *rounded* value. So 9999.6 Hz and 10 000 Hz
//! both read "10.0 kHz", 999.6 ms reads "1.00 s", and the text of a value always parses back
//! to a value with the same text, even after a host's plain → normalised → plain round trip
//! moves it by a few f32 ulps (clap-validator's `param-conversions`; `round_trip_tests`
//! sweeps every unit for it).

#[cfg(test)]
mod round_trip_tests;
#[cfg(test)]
mod tests;

/// One row of a unit's display rule: from magnitude `from` (in the unit's base: Hz, ms…) up,
/// the value is shown divided by `per`, with `decimals` decimals, followed by `unit`.
///
/// Rows go up in `from`, the first from 0. Every boundary must lie on the grid of both rows
/// it separates (a power of ten at least as coarse as either row's last decimal), so that
/// rounding never carries a value back below a boundary it was at.
#[derive(Clone, Copy, Debug)]
struct Decade {
    from: f64,
    per: f64,
    decimals: usize,
    unit: &'static str,
}

const fn decade(from: f64, per: f64, decimals: usize, unit: &'static str) -> Decade {
    Decade {
        from,
        per,
        decimals,
        unit,
    }
}

/// Decibels: one decimal everywhere ("-3.0 dB").
const DB: &[Decade] = &[decade(0.0, 1.0, 1, "dB")];
const LUFS: &[Decade] = &[decade(0.0, 1.0, 1, "LUFS")];
const DBTP: &[Decade] = &[decade(0.0, 1.0, 1, "dBTP")];
/// Three significant digits but never finer than 0.01 of the base unit, in the base unit
/// below 1000 and in thousands from there: "0.05", "2.50", "45.0", "850", "1.20 k", "12.0 k".
const fn three_significant(unit: &'static str, thousands: &'static str) -> [Decade; 5] {
    [
        decade(0.0, 1.0, 2, unit),
        decade(10.0, 1.0, 1, unit),
        decade(100.0, 1.0, 0, unit),
        decade(1_000.0, 1_000.0, 2, thousands),
        decade(10_000.0, 1_000.0, 1, thousands),
    ]
}

/// Frequencies and rates: "0.05 Hz", "2.50 Hz", "45.0 Hz", "850 Hz", "1.20 kHz", "12.0 kHz".
const HZ: &[Decade] = &three_significant("Hz", "kHz");
/// Times: "0.50 ms", "10.0 ms", "250 ms", "1.50 s", "15.0 s".
const MS: &[Decade] = &three_significant("ms", "s");
/// Percentages as integers: "100 %".
const PERCENT: &[Decade] = &[decade(0.0, 1.0, 0, "%")];
/// Angles in whole degrees: "90°".
const DEGREES: &[Decade] = &[decade(0.0, 1.0, 0, "°")];
/// Ratios with one decimal: "4.0" (the caller adds ":1").
const RATIO: &[Decade] = &[decade(0.0, 1.0, 1, "")];
/// Filter Q, three significant digits but never finer than 0.001: "0.025", "0.707", "4.00",
/// "12.5" (so that the low end of a skewed Q range reads back where it was).
const Q: &[Decade] = &[
    decade(0.0, 1.0, 3, ""),
    decade(1.0, 1.0, 2, ""),
    decade(10.0, 1.0, 1, ""),
];

/// A value as it is displayed: the digits, the unit, and the value those digits stand for
/// (in the unit's base), which is what the "-inf"/"Off"/"∞" ends are judged on.
struct Shown {
    number: String,
    unit: &'static str,
    value: f64,
}

impl Shown {
    fn text(&self) -> String {
        if self.unit.is_empty() {
            self.number.clone()
        } else {
            format!("{} {}", self.number, self.unit)
        }
    }
}

/// Room on the stack for a formatted number (an f32 with 3 decimals needs at most 44
/// bytes), so that judging a value as displayed never allocates: the DSP settings ask
/// [`cut_is_off`] on the audio thread.
struct Digits {
    bytes: [u8; 64],
    len: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for Digits {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `x` (in the unit's base) rounded by one row of a rule: its digits, and the value they
/// stand for. Rust's formatting rounds the exact binary value, half to even; the value is
/// read back from the digits so that it is exactly what the text says.
fn rounded_by(x: f64, d: &Decade) -> (Digits, f64) {
    use std::fmt::Write;
    let mut digits = Digits {
        bytes: [0; 64],
        len: 0,
    };
    let value = match write!(digits, "{:.*}", d.decimals, x / d.per) {
        Ok(()) => digits.as_str().parse::<f64>().map_or(x, |n| n * d.per),
        Err(_) => x,
    };
    (digits, value)
}

/// Which row of `rule` displays `x`, and the value it displays: rounded with the decimals of
/// the row its magnitude falls in, then, if rounding carried it into the next row (99.96 →
/// "100.0"), with that row's (→ "100"). One step is enough: a boundary lies on both rows'
/// grids, so the coarser rounding lands on the boundary too.
fn display_row(x: f64, rule: &[Decade]) -> (usize, Digits, f64) {
    let row = |v: f64| rule.iter().rposition(|d| v.abs() >= d.from).unwrap_or(0);
    let first_row = row(x);
    let (digits, value) = rounded_by(x, &rule[first_row]);
    match row(value) {
        i if i == first_row || !value.is_finite() => (first_row, digits, value),
        i => {
            let (digits, value) = rounded_by(x, &rule[i]);
            (i, digits, value)
        }
    }
}

/// `x` as `rule` displays it. Negative zero (and anything that rounds to zero) reads as zero.
fn shown(x: f32, rule: &[Decade]) -> Shown {
    let (row, digits, value) = display_row(f64::from(x), rule);
    let number = if value == 0.0 {
        digits.as_str().trim_start_matches('-')
    } else {
        digits.as_str()
    };
    Shown {
        number: number.to_owned(),
        unit: rule[row].unit,
        value,
    }
}

/// The number in `text` times the scale of its unit, `units` listing each scale's spellings
/// (lower case, "" for none); any other unit is not understood.
fn scaled(text: &str, units: &[(&[&str], f64)]) -> Option<f32> {
    let (value, unit) = number_and_unit(text)?;
    let &(_, scale) = units
        .iter()
        .find(|(spellings, _)| spellings.contains(&unit.as_str()))?;
    Some((value * scale) as f32)
}

/// Splits "12.5 kHz" into (12.5, "khz"): the leading number and the lower-cased unit text.
fn number_and_unit(text: &str) -> Option<(f64, String)> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || c == ','
                || ((c == '-' || c == '+') && i == 0)
                || ((c == 'e' || c == 'E') && looks_like_exponent(t, i)))
        })
        .map_or(t.len(), |(i, _)| i);
    let number: f64 = t[..end].replace(',', ".").parse().ok()?;
    if !number.is_finite() {
        return None;
    }
    Some((number, t[end..].trim().to_lowercase()))
}

/// "1e3" is a number; the "e" in "1 ms" never reaches here, but "2e" must not eat the unit.
fn looks_like_exponent(t: &str, i: usize) -> bool {
    let rest = &t[i + 1..];
    let rest = rest.strip_prefix(['-', '+']).unwrap_or(rest);
    i > 0 && rest.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn is_minus_infinity(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    let t = t.strip_suffix("db").unwrap_or(&t).trim();
    matches!(t, "-inf" | "-infinity" | "-∞" | "off" | "inf" | "∞")
}

// ---------------------------------------------------------------------------------------------
// Decibels

/// Decibels with one decimal and an explicit sign only when negative: "-3.0 dB", "0.0 dB".
/// Values that read at or below `floor_db` read "-inf dB" (the fader's bottom end is silence).
pub fn db_to_text(db: f32, floor_db: f32) -> String {
    if !db.is_finite() {
        return "-inf dB".to_owned();
    }
    let shown = shown(db, DB);
    if shown.value <= f64::from(floor_db) {
        "-inf dB".to_owned()
    } else {
        shown.text()
    }
}

/// Understands "-3", "-3dB", "-3 db", "+6", "-inf" (→ `floor_db`), "0".
pub fn text_to_db(text: &str, floor_db: f32) -> Option<f32> {
    if is_minus_infinity(text) {
        return Some(floor_db);
    }
    scaled(text, &[(&["", "db", "dbfs", "dbtp"], 1.0)])
}

/// Integrated loudness: "-14.0 LUFS".
pub fn lufs_to_text(lufs: f32) -> String {
    shown(lufs, LUFS).text()
}

/// Understands "-14", "-14 LUFS", "-24 LKFS" (the ATSC name of the same scale), "-14lu".
pub fn text_to_lufs(text: &str) -> Option<f32> {
    scaled(text, &[(&["", "lufs", "lkfs", "lu"], 1.0)])
}

/// A true-peak level: "-1.0 dBTP".
pub fn dbtp_to_text(db: f32) -> String {
    shown(db, DBTP).text()
}

/// Understands "-1", "-1 dBTP", "-1 dB".
pub fn text_to_dbtp(text: &str) -> Option<f32> {
    text_to_db(text, NO_FLOOR)
}

/// No −∞ end for true-peak levels: "-inf" is refused by landing far below any range.
const NO_FLOOR: f32 = -1000.0;

// ---------------------------------------------------------------------------------------------
// Frequencies

/// Frequencies and rates: "0.05 Hz", "2.50 Hz", "45.0 Hz", "850 Hz", "1.20 kHz", "12.0 kHz".
pub fn hz_to_text(hz: f32) -> String {
    shown(hz, HZ).text()
}

/// Understands "1k", "1.2k", "1.2 kHz", "1200", "1200 Hz", "1200hz".
pub fn text_to_hz(text: &str) -> Option<f32> {
    scaled(text, &[(&["", "hz"], 1.0), (&["k", "khz"], 1000.0)])
}

/// Whether a cut filter whose end of travel means "no filter" is off: its frequency reads
/// `off_at` or beyond (below it for a low cut, above it for a high cut). Judged on the
/// displayed frequency: a high cut at 21 990 Hz reads "22.0 kHz", which parses back as
/// 22 kHz, so it reads "Off". The plugins' DSP settings ask this too, so that what reads
/// "Off" is off. Never allocates.
pub fn cut_is_off(hz: f32, off_at: f32, off_below: bool) -> bool {
    let (_, _, shown) = display_row(f64::from(hz), HZ);
    let off_at = f64::from(off_at);
    !hz.is_finite()
        || if off_below {
            shown <= off_at
        } else {
            shown >= off_at
        }
}

/// Cut filters whose end of travel means "no filter": "Off" when [`cut_is_off`], the
/// frequency otherwise ("120 Hz", "8.00 kHz").
pub fn cut_to_text(hz: f32, off_at: f32, off_below: bool) -> String {
    if cut_is_off(hz, off_at, off_below) {
        "Off".to_owned()
    } else {
        hz_to_text(hz)
    }
}

/// Understands "off" (→ `off_at`) and everything [`text_to_hz`] does.
pub fn text_to_cut(text: &str, off_at: f32) -> Option<f32> {
    if matches!(
        text.trim().to_lowercase().as_str(),
        "off" | "none" | "bypass"
    ) {
        return Some(off_at);
    }
    text_to_hz(text)
}

// ---------------------------------------------------------------------------------------------
// Times

/// Times: "0.50 ms", "10.0 ms", "250 ms", "1.50 s", "15.0 s".
pub fn ms_to_text(ms: f32) -> String {
    shown(ms, MS).text()
}

/// Understands "250", "250ms", "250 ms", "0.25 s", "1s", "2 sec".
pub fn text_to_ms(text: &str) -> Option<f32> {
    scaled(text, &[(&["", "ms"], 1.0), (&["s", "sec", "secs"], 1000.0)])
}

/// A time offset with its sign: "+5.00 ms", "-12.5 ms", "0.00 ms" (no sign when it reads
/// zero). Parsed by [`text_to_ms`].
pub fn signed_ms_to_text(ms: f32) -> String {
    let shown = shown(ms, MS);
    if shown.value > 0.0 {
        format!("+{}", shown.text())
    } else {
        shown.text()
    }
}

/// A tempo-synced note value with the time it plays at the current tempo: "1/4 (500 ms)",
/// "1/8 D (375 ms)", "4 bars (max 4.00 s)" when the delay's longest time cuts it short.
pub fn note_to_text(name: &str, ms: f32, clamped: bool) -> String {
    if clamped {
        format!("{name} (max {})", ms_to_text(ms))
    } else {
        format!("{name} ({})", ms_to_text(ms))
    }
}

/// Canonical spelling of a note value for matching: lower case, no spaces, no length in
/// parentheses; "dotted"/"dot"/"." → "d", "triplet"/"trip" → "t", "bars" → "bar", "1/1" →
/// "1bar".
fn note_key(text: &str) -> String {
    let t = text.split('(').next().unwrap_or("").to_lowercase();
    let mut t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    for (long, short) in [
        ("dotted", "d"),
        ("dot", "d"),
        ("triplets", "t"),
        ("triplet", "t"),
        ("trip", "t"),
        ("bars", "bar"),
        (".", "d"),
    ] {
        t = t.replace(long, short);
    }
    if let Some(rest) = t
        .strip_prefix("1/1")
        .filter(|r| !r.starts_with(|c: char| c.is_ascii_digit()))
    {
        t = format!("1bar{rest}");
    }
    t
}

/// Understands a note value by name among `names` (in list order): "1/4", "1/8 D",
/// "1/8d", "1/8 dotted", "1/8.", "1/4 T", "1/4t", "1/4 triplet", "1 bar", "1/1", "2 bars",
/// and the displayed text with its length ("1/4 (500 ms)"). Returns the index.
pub fn text_to_note<'a>(text: &str, names: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    let key = note_key(text);
    if key.is_empty() {
        return None;
    }
    names.into_iter().position(|name| note_key(name) == key)
}

// ---------------------------------------------------------------------------------------------
// Percent, ratio, Q, pan, switches

/// Percent as an integer for coarse controls: "100 %".
pub fn percent_to_text(percent: f32) -> String {
    shown(percent, PERCENT).text()
}

/// Understands "100", "100%", "100 %".
pub fn text_to_percent(text: &str) -> Option<f32> {
    let (value, unit) = number_and_unit(text)?;
    matches!(unit.as_str(), "" | "%").then_some(value as f32)
}

/// Compression ratios: "4.0:1", and "∞:1" when the ratio reads `infinite_at` or more.
pub fn ratio_to_text(ratio: f32, infinite_at: f32) -> String {
    let shown = shown(ratio, RATIO);
    if shown.value < f64::from(infinite_at) {
        format!("{}:1", shown.number)
    } else {
        "∞:1".to_owned()
    }
}

/// Understands "4", "4:1", "4.0 : 1", "inf", "∞" (→ `infinite_at`).
pub fn text_to_ratio(text: &str, infinite_at: f32) -> Option<f32> {
    let t = text.trim().to_lowercase();
    let t = t
        .strip_suffix(":1")
        .or_else(|| t.strip_suffix(": 1"))
        .unwrap_or(&t)
        .trim();
    if matches!(t, "inf" | "∞" | "infinity") {
        return Some(infinite_at);
    }
    let (value, unit) = number_and_unit(t)?;
    unit.is_empty().then_some(value as f32)
}

/// Filter Q: "0.025", "0.707", "4.00", "12.5".
pub fn q_to_text(q: f32) -> String {
    shown(q, Q).number
}

/// Understands "0.7", "4", "Q 4", "4 q".
pub fn text_to_q(text: &str) -> Option<f32> {
    let t = text.trim().to_lowercase();
    let t = t.strip_prefix('q').unwrap_or(&t).trim();
    let (value, unit) = number_and_unit(t)?;
    matches!(unit.as_str(), "" | "q").then_some(value as f32)
}

/// Pan positions in −100…+100: "C", "35L", "100R" (rounded to whole steps first, so the
/// side is judged on the displayed step).
pub fn pan_to_text(pan: f32) -> String {
    let rounded = pan.round();
    if rounded == 0.0 || !rounded.is_finite() {
        "C".to_owned()
    } else if rounded < 0.0 {
        format!("{:.0}L", -rounded)
    } else {
        format!("{rounded:.0}R")
    }
}

/// Understands "C", "center", "35L", "L35", "35 l", "35R", "-35", "+35", "0".
pub fn text_to_pan(text: &str) -> Option<f32> {
    let t = text.trim().to_lowercase();
    if matches!(t.as_str(), "c" | "center" | "centre" | "mid") {
        return Some(0.0);
    }
    let (sign, number) = if let Some(rest) = t.strip_prefix('l') {
        (-1.0, rest)
    } else if let Some(rest) = t.strip_prefix('r') {
        (1.0, rest)
    } else if let Some(rest) = t.strip_suffix('l') {
        (-1.0, rest)
    } else if let Some(rest) = t.strip_suffix('r') {
        (1.0, rest)
    } else {
        (1.0, t.as_str())
    };
    let (value, unit) = number_and_unit(number)?;
    if !unit.is_empty() || (sign < 0.0 && value < 0.0) {
        return None;
    }
    Some((sign * value) as f32)
}

/// Phase angles in whole degrees: "90°", "180°".
pub fn degrees_to_text(degrees: f32) -> String {
    shown(degrees, DEGREES).number + "°"
}

/// Understands "90", "90°", "90 °", "90 deg", "90 degrees".
pub fn text_to_degrees(text: &str) -> Option<f32> {
    let (value, unit) = number_and_unit(text)?;
    matches!(unit.as_str(), "" | "°" | "deg" | "degrees").then_some(value as f32)
}

/// A tempo-synced LFO rate: the note value and the rate it plays at the current tempo,
/// "1/4 (2.00 Hz)", "4 bars (0.13 Hz)". Parsed by [`text_to_note`].
pub fn note_rate_to_text(name: &str, hz: f32) -> String {
    format!("{name} ({})", hz_to_text(hz))
}

/// On/off switches: "On"/"Off"; understands "on", "off", "1", "0", "yes", "no", "true", "false".
pub fn bool_to_text(on: bool) -> String {
    if on { "On" } else { "Off" }.to_owned()
}

pub fn text_to_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "on" | "1" | "yes" | "true" | "enabled" => Some(true),
        "off" | "0" | "no" | "false" | "disabled" => Some(false),
        _ => None,
    }
}
