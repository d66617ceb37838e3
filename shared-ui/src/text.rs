//! Parameter text: values as a pro plugin shows them ("1.20 kHz", "-3.0 dB", "4.0:1",
//! "250 ms", "35L") and parsers for what people type ("1k", "-3", "250ms", "0.25 s", "L35").
//!
//! These are plain functions so that they can be tested without a plugin framework; the
//! plugins wrap them in the `Arc<dyn Fn>` that nice-plug's parameter builders take. Parsers
//! never panic and return `None` for text they do not understand, so the host keeps the old
//! value; out-of-range numbers are returned as typed and clamped by the parameter's range.

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

/// Decibels with one decimal and an explicit sign only when negative: "-3.0 dB", "0.0 dB".
/// Values at or below `floor_db` read "-inf dB" (the fader's bottom end is silence).
pub fn db_to_text(db: f32, floor_db: f32) -> String {
    if db <= floor_db || !db.is_finite() {
        return "-inf dB".to_owned();
    }
    // Avoid "-0.0 dB" for tiny negative values.
    let db = if db.abs() < 0.05 { 0.0 } else { db };
    format!("{db:.1} dB")
}

/// Understands "-3", "-3dB", "-3 db", "+6", "-inf" (→ `floor_db`), "0".
pub fn text_to_db(text: &str, floor_db: f32) -> Option<f32> {
    if is_minus_infinity(text) {
        return Some(floor_db);
    }
    let (value, unit) = number_and_unit(text)?;
    match unit.as_str() {
        "" | "db" | "dbfs" | "dbtp" => Some(value as f32),
        _ => None,
    }
}

/// Frequencies: "45.0 Hz", "850 Hz", "1.20 kHz", "12.0 kHz" (three significant digits).
pub fn hz_to_text(hz: f32) -> String {
    if hz < 1000.0 {
        if hz < 100.0 {
            format!("{hz:.1} Hz")
        } else {
            format!("{hz:.0} Hz")
        }
    } else {
        let k = hz / 1000.0;
        if k < 10.0 {
            format!("{k:.2} kHz")
        } else {
            format!("{k:.1} kHz")
        }
    }
}

/// Understands "1k", "1.2k", "1.2 kHz", "1200", "1200 Hz", "1200hz".
pub fn text_to_hz(text: &str) -> Option<f32> {
    let (value, unit) = number_and_unit(text)?;
    let scale = match unit.as_str() {
        "" | "hz" => 1.0,
        "k" | "khz" => 1000.0,
        _ => return None,
    };
    Some((value * scale) as f32)
}

/// Times: "0.50 ms", "10.0 ms", "250 ms", "1.50 s".
pub fn ms_to_text(ms: f32) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// Understands "250", "250ms", "250 ms", "0.25 s", "1s", "2 sec".
pub fn text_to_ms(text: &str) -> Option<f32> {
    let (value, unit) = number_and_unit(text)?;
    let scale = match unit.as_str() {
        "" | "ms" => 1.0,
        "s" | "sec" | "secs" => 1000.0,
        _ => return None,
    };
    Some((value * scale) as f32)
}

/// Percent as an integer for coarse controls: "100 %".
pub fn percent_to_text(percent: f32) -> String {
    format!("{percent:.0} %")
}

/// Understands "100", "100%", "100 %".
pub fn text_to_percent(text: &str) -> Option<f32> {
    let (value, unit) = number_and_unit(text)?;
    matches!(unit.as_str(), "" | "%").then_some(value as f32)
}

/// Compression ratios: "4.0:1", "∞:1" at or above `infinite_at`.
pub fn ratio_to_text(ratio: f32, infinite_at: f32) -> String {
    if ratio >= infinite_at {
        "∞:1".to_owned()
    } else {
        format!("{ratio:.1}:1")
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

/// Pan positions in −100…+100: "C", "35L", "100R".
pub fn pan_to_text(pan: f32) -> String {
    let rounded = pan.round();
    if rounded == 0.0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decibels_read_and_parse_like_a_console() {
        assert_eq!(db_to_text(-3.0, -80.0), "-3.0 dB");
        assert_eq!(db_to_text(-0.01, -80.0), "0.0 dB");
        assert_eq!(db_to_text(-80.0, -80.0), "-inf dB");
        for (typed, want) in [
            ("-3", -3.0),
            ("-3dB", -3.0),
            (" -3.5 db ", -3.5),
            ("+6", 6.0),
            ("-inf", -80.0),
            ("-inf dB", -80.0),
            ("0", 0.0),
            ("-3,5", -3.5),
        ] {
            assert_eq!(text_to_db(typed, -80.0), Some(want), "{typed}");
        }
        assert_eq!(text_to_db("loud", -80.0), None);
        assert_eq!(text_to_db("3 Hz", -80.0), None);
        assert_eq!(text_to_db("", -80.0), None);
        assert_eq!(text_to_db("nan", -80.0), None);
    }

    #[test]
    fn frequencies() {
        assert_eq!(hz_to_text(1200.0), "1.20 kHz");
        assert_eq!(hz_to_text(45.0), "45.0 Hz");
        assert_eq!(hz_to_text(850.0), "850 Hz");
        assert_eq!(hz_to_text(12_000.0), "12.0 kHz");
        for (typed, want) in [
            ("1k", 1000.0),
            ("1.2k", 1200.0),
            ("1.2 kHz", 1200.0),
            ("1200", 1200.0),
            ("1200 Hz", 1200.0),
            ("1e3", 1000.0),
        ] {
            assert_eq!(text_to_hz(typed), Some(want), "{typed}");
        }
        assert_eq!(text_to_hz("1 ms"), None);
    }

    #[test]
    fn times_percent_ratio() {
        assert_eq!(ms_to_text(250.0), "250 ms");
        assert_eq!(ms_to_text(10.0), "10.0 ms");
        assert_eq!(ms_to_text(1500.0), "1.50 s");
        assert_eq!(text_to_ms("250 ms"), Some(250.0));
        assert_eq!(text_to_ms("0.25 s"), Some(250.0));
        assert_eq!(text_to_ms("250"), Some(250.0));
        assert_eq!(percent_to_text(100.0), "100 %");
        assert_eq!(text_to_percent("150%"), Some(150.0));
        assert_eq!(ratio_to_text(4.0, 100.0), "4.0:1");
        assert_eq!(ratio_to_text(100.0, 100.0), "∞:1");
        assert_eq!(text_to_ratio("4:1", 100.0), Some(4.0));
        assert_eq!(text_to_ratio("4", 100.0), Some(4.0));
        assert_eq!(text_to_ratio("inf", 100.0), Some(100.0));
    }

    #[test]
    fn pan_positions() {
        assert_eq!(pan_to_text(0.2), "C");
        assert_eq!(pan_to_text(-35.0), "35L");
        assert_eq!(pan_to_text(100.0), "100R");
        for (typed, want) in [
            ("C", 0.0),
            ("35L", -35.0),
            ("L35", -35.0),
            ("35 r", 35.0),
            ("-35", -35.0),
            ("+20", 20.0),
            ("0", 0.0),
        ] {
            assert_eq!(text_to_pan(typed), Some(want), "{typed}");
        }
        assert_eq!(text_to_pan("left-ish"), None);
        assert_eq!(text_to_pan("L-20"), None);
        // Every displayed value parses back to itself.
        for p in -100..=100 {
            assert_eq!(text_to_pan(&pan_to_text(p as f32)), Some(p as f32));
        }
    }

    #[test]
    fn switches() {
        assert_eq!(text_to_bool("On"), Some(true));
        assert_eq!(text_to_bool("0"), Some(false));
        assert_eq!(text_to_bool("maybe"), None);
    }
}

/// Filter Q: "0.025", "0.707", "4.00", "12.5" (three significant digits, so that the low
/// end of a skewed Q range reads back where it was).
pub fn q_to_text(q: f32) -> String {
    if q < 1.0 {
        format!("{q:.3}")
    } else if q < 10.0 {
        format!("{q:.2}")
    } else {
        format!("{q:.1}")
    }
}

/// Understands "0.7", "4", "Q 4", "4 q".
pub fn text_to_q(text: &str) -> Option<f32> {
    let t = text.trim().to_lowercase();
    let t = t.strip_prefix('q').unwrap_or(&t).trim();
    let (value, unit) = number_and_unit(t)?;
    matches!(unit.as_str(), "" | "q").then_some(value as f32)
}

#[cfg(test)]
mod q_tests {
    use super::*;

    #[test]
    fn q_values() {
        assert_eq!(q_to_text(std::f32::consts::FRAC_1_SQRT_2), "0.707");
        assert_eq!(q_to_text(0.025), "0.025");
        assert_eq!(q_to_text(4.0), "4.00");
        assert_eq!(q_to_text(12.34), "12.3");
        assert_eq!(text_to_q("4"), Some(4.0));
        assert_eq!(text_to_q("Q 0.5"), Some(0.5));
        assert_eq!(text_to_q("2q"), Some(2.0));
        assert_eq!(text_to_q("fast"), None);
        assert_eq!(text_to_q("3 Hz"), None);
    }
}

// Delay: synced note values with their length, signed time offsets, LFO rates.

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

/// A time offset with its sign: "+5.00 ms", "-12.5 ms", "0.00 ms".
pub fn signed_ms_to_text(ms: f32) -> String {
    let text = ms_to_text(ms.abs());
    if text.starts_with("0.00") {
        text
    } else if ms < 0.0 {
        format!("-{text}")
    } else {
        format!("+{text}")
    }
}

/// Slow rates (LFOs): "0.05 Hz", "2.50 Hz", "10.0 Hz".
pub fn lfo_hz_to_text(hz: f32) -> String {
    if hz < 10.0 {
        format!("{hz:.2} Hz")
    } else {
        format!("{hz:.1} Hz")
    }
}

#[cfg(test)]
mod delay_text_tests {
    use super::*;

    const NAMES: [&str; 7] = ["1/8", "1/8 D", "1/4 T", "1/4", "1 bar", "2 bars D", "1/16"];

    #[test]
    fn note_values_read_and_parse() {
        assert_eq!(note_to_text("1/4", 500.0, false), "1/4 (500 ms)");
        assert_eq!(note_to_text("1/8 D", 375.0, false), "1/8 D (375 ms)");
        assert_eq!(note_to_text("4 bars", 4000.0, true), "4 bars (max 4.00 s)");
        for (typed, want) in [
            ("1/4", 3),
            ("1/4 (500 ms)", 3),
            ("1/8d", 1),
            ("1/8 dotted", 1),
            ("1/8.", 1),
            ("1/8 D (375 ms)", 1),
            ("1/4t", 2),
            ("1/4 Triplet", 2),
            ("1 bar", 4),
            ("1/1", 4),
            ("1bar", 4),
            ("2 bars dotted", 5),
            ("1/16", 6),
        ] {
            assert_eq!(text_to_note(typed, NAMES), Some(want), "{typed}");
        }
        for bad in ["banana", "", "1/3", "(500 ms)"] {
            assert_eq!(text_to_note(bad, NAMES), None, "{bad}");
        }
        // Every displayed value parses back to itself.
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(
                text_to_note(&note_to_text(name, 123.0, false), NAMES),
                Some(i)
            );
        }
    }

    #[test]
    fn signed_offsets_and_lfo_rates() {
        assert_eq!(signed_ms_to_text(5.0), "+5.00 ms");
        assert_eq!(signed_ms_to_text(-12.5), "-12.5 ms");
        assert_eq!(signed_ms_to_text(0.0), "0.00 ms");
        assert_eq!(signed_ms_to_text(-0.001), "0.00 ms");
        assert_eq!(signed_ms_to_text(100.0), "+100 ms");
        for ms in [-100.0f32, -12.5, -0.5, 0.0, 3.25, 100.0] {
            let text = signed_ms_to_text(ms);
            assert_eq!(text_to_ms(&text).map(signed_ms_to_text), Some(text));
        }
        assert_eq!(lfo_hz_to_text(0.05), "0.05 Hz");
        assert_eq!(lfo_hz_to_text(2.5), "2.50 Hz");
        assert_eq!(lfo_hz_to_text(10.0), "10.0 Hz");
        assert_eq!(text_to_hz(&lfo_hz_to_text(0.05)), Some(0.05));
    }
}

/// Cut filters whose end of travel means "no filter": "Off" at or beyond `off_at` (below it
/// for a low cut, above it for a high cut), the frequency otherwise ("120 Hz", "8.00 kHz").
pub fn cut_to_text(hz: f32, off_at: f32, off_below: bool) -> String {
    let off = if off_below {
        hz <= off_at
    } else {
        hz >= off_at
    };
    if off || !hz.is_finite() {
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

/// Slow rates (LFOs) with two decimals below 10 Hz: "0.07 Hz", "2.50 Hz"; faster ones as
/// [`hz_to_text`].
pub fn rate_to_text(hz: f32) -> String {
    if hz < 10.0 {
        format!("{hz:.2} Hz")
    } else {
        hz_to_text(hz)
    }
}

#[cfg(test)]
mod cut_and_rate_tests {
    use super::*;

    #[test]
    fn cut_filters_read_off_at_their_end_of_travel() {
        assert_eq!(cut_to_text(10.0, 10.0, true), "Off");
        assert_eq!(cut_to_text(120.0, 10.0, true), "120 Hz");
        assert_eq!(cut_to_text(20_000.0, 20_000.0, false), "Off");
        assert_eq!(cut_to_text(8_000.0, 20_000.0, false), "8.00 kHz");
        assert_eq!(text_to_cut("Off", 10.0), Some(10.0));
        assert_eq!(text_to_cut(" OFF ", 20_000.0), Some(20_000.0));
        assert_eq!(text_to_cut("1.5k", 10.0), Some(1500.0));
        assert_eq!(text_to_cut("loud", 10.0), None);
    }

    #[test]
    fn slow_rates_keep_two_decimals() {
        assert_eq!(rate_to_text(0.07), "0.07 Hz");
        assert_eq!(rate_to_text(2.5), "2.50 Hz");
        assert_eq!(rate_to_text(12.0), "12.0 Hz");
        assert_eq!(text_to_hz(&rate_to_text(0.16)), Some(0.16));
    }
}
