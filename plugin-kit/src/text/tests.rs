//! Examples of each unit's text and of what people type.

use super::*;

/// Each value of `cases` shows as its text.
fn assert_shows(show: impl Fn(f32) -> String, cases: &[(f32, &str)]) {
    for &(value, want) in cases {
        assert_eq!(show(value), want, "{value}");
    }
}

/// Each text of `cases` parses to its value ("{typed}" names a failure).
fn assert_parses<T: PartialEq + std::fmt::Debug + Copy>(
    parse: impl Fn(&str) -> Option<T>,
    cases: &[(&str, T)],
) {
    for &(typed, want) in cases {
        assert_eq!(parse(typed), Some(want), "{typed}");
    }
}

#[test]
fn decibels_read_and_parse_like_a_console() {
    assert_shows(
        |v| db_to_text(v, -80.0),
        &[(-3.0, "-3.0 dB"), (-0.01, "0.0 dB"), (-80.0, "-inf dB")],
    );
    assert_parses(
        |t| text_to_db(t, -80.0),
        &[
            ("-3", -3.0),
            ("-3dB", -3.0),
            (" -3.5 db ", -3.5),
            ("+6", 6.0),
            ("-inf", -80.0),
            ("-inf dB", -80.0),
            ("0", 0.0),
            ("-3,5", -3.5),
        ],
    );
    assert_eq!(text_to_db("loud", -80.0), None);
    assert_eq!(text_to_db("3 Hz", -80.0), None);
    assert_eq!(text_to_db("", -80.0), None);
    assert_eq!(text_to_db("nan", -80.0), None);
}

#[test]
fn loudness_and_true_peak() {
    assert_eq!(lufs_to_text(-14.0), "-14.0 LUFS");
    assert_eq!(dbtp_to_text(-1.0), "-1.0 dBTP");
    assert_parses(
        text_to_lufs,
        &[
            ("-14", -14.0),
            ("-23 LUFS", -23.0),
            ("-24 lkfs", -24.0),
            ("-16lu", -16.0),
        ],
    );
    assert_parses(
        text_to_dbtp,
        &[("-1", -1.0), ("-2 dBTP", -2.0), ("-0.5 dB", -0.5)],
    );
    assert_eq!(text_to_lufs("-14 dB"), None);
    assert_eq!(text_to_lufs("loud"), None);
}

#[test]
fn frequencies() {
    assert_shows(
        hz_to_text,
        &[
            (1200.0, "1.20 kHz"),
            (45.0, "45.0 Hz"),
            (850.0, "850 Hz"),
            (12_000.0, "12.0 kHz"),
        ],
    );
    assert_parses(
        text_to_hz,
        &[
            ("1k", 1000.0),
            ("1.2k", 1200.0),
            ("1.2 kHz", 1200.0),
            ("1200", 1200.0),
            ("1200 Hz", 1200.0),
            ("1e3", 1000.0),
        ],
    );
    assert_eq!(text_to_hz("1 ms"), None);
}

#[test]
fn times_percent_ratio() {
    assert_shows(
        ms_to_text,
        &[
            (250.0, "250 ms"),
            (10.0, "10.0 ms"),
            (1500.0, "1.50 s"),
            (15_000.0, "15.0 s"),
            (0.5, "0.50 ms"),
        ],
    );
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
    assert_shows(pan_to_text, &[(0.2, "C"), (-35.0, "35L"), (100.0, "100R")]);
    assert_parses(
        text_to_pan,
        &[
            ("C", 0.0),
            ("35L", -35.0),
            ("L35", -35.0),
            ("35 r", 35.0),
            ("-35", -35.0),
            ("+20", 20.0),
            ("0", 0.0),
        ],
    );
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

#[test]
fn q_values() {
    assert_shows(
        q_to_text,
        &[
            (std::f32::consts::FRAC_1_SQRT_2, "0.707"),
            (0.025, "0.025"),
            (4.0, "4.00"),
            (12.34, "12.3"),
        ],
    );
    assert_eq!(text_to_q("4"), Some(4.0));
    assert_eq!(text_to_q("Q 0.5"), Some(0.5));
    assert_eq!(text_to_q("2q"), Some(2.0));
    assert_eq!(text_to_q("fast"), None);
    assert_eq!(text_to_q("3 Hz"), None);
}

const NAMES: [&str; 7] = ["1/8", "1/8 D", "1/4 T", "1/4", "1 bar", "2 bars D", "1/16"];

#[test]
fn note_values_read_and_parse() {
    assert_eq!(note_to_text("1/4", 500.0, false), "1/4 (500 ms)");
    assert_eq!(note_to_text("1/8 D", 375.0, false), "1/8 D (375 ms)");
    assert_eq!(note_to_text("4 bars", 4000.0, true), "4 bars (max 4.00 s)");
    assert_parses(
        |t| text_to_note(t, NAMES),
        &[
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
        ],
    );
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
fn signed_offsets() {
    assert_shows(
        signed_ms_to_text,
        &[
            (5.0, "+5.00 ms"),
            (-12.5, "-12.5 ms"),
            (0.0, "0.00 ms"),
            (-0.001, "0.00 ms"),
            (100.0, "+100 ms"),
        ],
    );
    for ms in [-100.0f32, -12.5, -0.5, 0.0, 3.25, 100.0] {
        let text = signed_ms_to_text(ms);
        assert_eq!(text_to_ms(&text).map(signed_ms_to_text), Some(text));
    }
}

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
fn slow_rates_read_with_two_decimals() {
    assert_shows(
        hz_to_text,
        &[
            (0.07, "0.07 Hz"),
            (2.5, "2.50 Hz"),
            (10.0, "10.0 Hz"),
            (12.0, "12.0 Hz"),
        ],
    );
    assert_eq!(text_to_hz(&hz_to_text(0.05)), Some(0.05));
    assert_eq!(text_to_hz(&hz_to_text(0.16)), Some(0.16));
}

#[test]
fn degrees_read_in_whole_degrees_and_parse_with_or_without_the_sign() {
    assert_shows(
        degrees_to_text,
        &[(90.0, "90°"), (179.6, "180°"), (0.2, "0°"), (-0.2, "0°")],
    );
    assert_parses(
        text_to_degrees,
        &[
            ("90", 90.0),
            ("90°", 90.0),
            ("90 °", 90.0),
            ("45 deg", 45.0),
            ("120 degrees", 120.0),
        ],
    );
    assert_eq!(text_to_degrees("90 Hz"), None);
}

#[test]
fn synced_rates_show_the_note_and_its_rate() {
    assert_eq!(note_rate_to_text("1/4", 2.0), "1/4 (2.00 Hz)");
    // 4 bars at 90 BPM: 16 beats in 10.67 s.
    assert_eq!(
        note_rate_to_text("4 bars", 90.0 / 60.0 / 16.0),
        "4 bars (0.09 Hz)"
    );
    // The displayed text parses back to the note.
    assert_eq!(text_to_note("1/8 D (2.67 Hz)", ["1/8", "1/8 D"]), Some(1));
}
