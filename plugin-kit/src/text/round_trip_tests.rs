//! Every unit's text survives a host's round trip: for a value `v`, the text `t = text(v)`
//! parses to a value whose text is `t` again, also after that value has been moved by a
//! few f32 ulps (what nice-plug's plain → normalised → plain conversion through a skewed
//! range does; clap-validator's `param-conversions` and VST3 hosts check exactly this).
//!
//! Swept: logarithmically spaced values across each unit's useful span (both signs where the
//! unit has them), every display boundary and every rounding tie (the half-way points
//! between two displayed values) ±64 ulps, and the ends ("-inf dB", "Off", "∞:1", "C").

use super::*;

/// How far a host's conversion may move a value, in f32 ulps. nice-plug's skew maths (a
/// `powf` each way and the scaling) measured under 8; 32 leaves room.
const HOST_ULPS: u32 = 32;

/// A parser of typed text.
type Parse = Box<dyn Fn(&str) -> Option<f32>>;

/// A unit as a plugin wires it: its formatter and its parser.
struct Unit {
    name: &'static str,
    text: Box<dyn Fn(f32) -> String>,
    parse: Parse,
    /// The span of magnitudes its parameters use (swept on both sides of zero if `signed`).
    span: (f32, f32),
    signed: bool,
    /// The display rule, for its boundaries and rounding ties.
    rule: &'static [Decade],
}

fn unit(
    name: &'static str,
    text: impl Fn(f32) -> String + 'static,
    parse: impl Fn(&str) -> Option<f32> + 'static,
    span: (f32, f32),
    signed: bool,
    rule: &'static [Decade],
) -> Unit {
    Unit {
        name,
        text: Box::new(text),
        parse: Box::new(parse),
        span,
        signed,
        rule,
    }
}

/// Every unit, with the ends the plugins use (see the plugins' `params.rs`).
fn units() -> Vec<Unit> {
    vec![
        unit(
            "dB, -inf at -80",
            |v| db_to_text(v, -80.0),
            |s| text_to_db(s, -80.0),
            (1e-4, 100.0),
            true,
            DB,
        ),
        unit(
            "dB, no floor",
            |v| db_to_text(v, -1000.0),
            |s| text_to_db(s, -1000.0),
            (1e-4, 100.0),
            true,
            DB,
        ),
        unit(
            "LUFS",
            lufs_to_text,
            text_to_lufs,
            (1e-4, 100.0),
            true,
            LUFS,
        ),
        unit(
            "dBTP",
            dbtp_to_text,
            text_to_dbtp,
            (1e-4, 100.0),
            true,
            DBTP,
        ),
        unit("Hz", hz_to_text, text_to_hz, (0.01, 100_000.0), false, HZ),
        unit(
            "low cut, Off at 10 Hz",
            |v| cut_to_text(v, 10.0, true),
            |s| text_to_cut(s, 10.0),
            (1.0, 30_000.0),
            false,
            HZ,
        ),
        unit(
            "high cut, Off at 22 kHz",
            |v| cut_to_text(v, 22_000.0, false),
            |s| text_to_cut(s, 22_000.0),
            (10.0, 30_000.0),
            false,
            HZ,
        ),
        unit("ms", ms_to_text, text_to_ms, (1e-4, 100_000.0), false, MS),
        unit(
            "signed ms",
            signed_ms_to_text,
            text_to_ms,
            (1e-4, 10_000.0),
            true,
            MS,
        ),
        unit(
            "s (shown as ms)",
            |s| ms_to_text(s * 1000.0),
            |t| text_to_ms(t).map(|ms| ms / 1000.0),
            (1e-4, 100.0),
            false,
            &[], // its boundaries are the ms rule's divided by 1000; swept densely instead
        ),
        unit(
            "%",
            percent_to_text,
            text_to_percent,
            (1e-3, 1000.0),
            true,
            PERCENT,
        ),
        unit(
            "degrees",
            degrees_to_text,
            text_to_degrees,
            (1e-3, 360.0),
            false,
            DEGREES,
        ),
        unit(
            "ratio, ∞ from 100.25",
            |r| ratio_to_text(r, 100.25),
            |s| text_to_ratio(s, 100.5),
            (0.5, 200.0),
            false,
            RATIO,
        ),
        unit(
            "ratio, never ∞",
            |r| ratio_to_text(r, f32::INFINITY),
            |s| text_to_ratio(s, 20.0),
            (0.5, 200.0),
            false,
            RATIO,
        ),
        unit("Q", q_to_text, text_to_q, (1e-3, 1000.0), false, Q),
        unit("pan", pan_to_text, text_to_pan, (1e-3, 100.0), true, &[]),
    ]
}

/// `v` moved by `ulps` representable f32 steps (down when negative).
fn nudged(mut v: f32, ulps: i32) -> f32 {
    for _ in 0..ulps.unsigned_abs() {
        v = if ulps > 0 { v.next_up() } else { v.next_down() };
    }
    v
}

/// The check for one value; `Err` names the unit and the values.
fn round_trips(u: &Unit, v: f32) -> Result<(), String> {
    let shown = (u.text)(v);
    let parsed =
        (u.parse)(&shown).ok_or_else(|| format!("{}: {v:e} → {shown:?} does not parse", u.name))?;
    let far = HOST_ULPS as i32;
    for ulps in [-far, -far / 2, -8, -4, -2, -1, 0, 1, 2, 4, 8, far / 2, far] {
        let moved = nudged(parsed, ulps);
        let again = (u.text)(moved);
        if again != shown {
            return Err(format!(
                "{}: {v:e} → {shown:?} → {parsed:e} ({ulps:+} ulps: {moved:e}) → {again:?}",
                u.name
            ));
        }
    }
    Ok(())
}

fn check_all(u: &Unit, values: impl IntoIterator<Item = f32>) -> usize {
    let mut checked = 0;
    let mut failures = Vec::new();
    for v in values {
        let signs: &[f32] = if u.signed { &[1.0, -1.0] } else { &[1.0] };
        for sign in signs {
            checked += 1;
            if let Err(e) = round_trips(u, sign * v) {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} values fail, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
    checked
}

#[test]
fn logarithmic_sweep_of_every_unit_round_trips() {
    const PER_DECADE: f64 = 2000.0;
    for u in units() {
        let (lo, hi) = (f64::from(u.span.0), f64::from(u.span.1));
        let n = ((hi / lo).log10() * PER_DECADE).ceil() as usize;
        let values = (0..=n).map(|i| (lo * (hi / lo).powf(i as f64 / n as f64)) as f32);
        let checked = check_all(&u, values.chain([0.0, -0.0, u.span.0, u.span.1]));
        assert!(checked > 2000, "{}: only {checked} values", u.name);
    }
}

/// The values where a display changes, each with how many ulps around it to try: each
/// rule's boundaries and the ends the plugins use (±64 ulps), and every rounding tie in the
/// span (half-way between two displayed values, ±2 ulps).
fn critical_values(u: &Unit) -> Vec<(f64, i32)> {
    let mut values = Vec::new();
    for (i, d) in u.rule.iter().enumerate() {
        let grid = d.per * 10f64.powi(-(d.decimals as i32));
        let top = u.rule.get(i + 1).map_or(f64::INFINITY, |next| next.from);
        values.push((d.from, 64));
        let mut k = (d.from / grid).floor();
        while k * grid <= top.min(f64::from(u.span.1)) {
            values.push(((k + 0.5) * grid, 2));
            k += 1.0;
        }
    }
    // The ends and boundaries the plugins use, where they lie within this unit's span.
    for end in [
        80.0, 80.05, 79.95, 10.0, 10.05, 9.95, 22_000.0, 21_950.0, 21_949.0, 100.25, 100.2, 100.3,
        100.5, 20.0, 0.5, 1.5, 99.5, 100.0, 999.5, 9_995.0,
    ] {
        values.push((end, 64));
    }
    let (lo, hi) = (f64::from(u.span.0), f64::from(u.span.1));
    values.retain(|&(v, _)| v == 0.0 || (lo..=hi).contains(&v));
    values
}

#[test]
fn boundaries_and_rounding_ties_round_trip_to_the_ulp() {
    for u in units() {
        let values: Vec<f32> = critical_values(&u)
            .into_iter()
            .flat_map(|(c, radius)| {
                let c = c as f32;
                (-radius..=radius).map(move |ulps| nudged(c, ulps))
            })
            .collect();
        check_all(&u, values);
    }
}

/// `typed` parsed by `parse` reads `text` when shown by `show`, for each `(typed, text)`.
fn reads_as(
    parse: impl Fn(&str) -> Option<f32>,
    show: impl Fn(f32) -> String,
    cases: &[(&str, &str)],
) {
    for &(typed, text) in cases {
        assert_eq!(parse(typed).map(&show).as_deref(), Some(text), "{typed}");
    }
}

/// What people type reads as the rule says, across the boundaries between decimals and units.
#[test]
fn typed_values_read_as_typed() {
    reads_as(
        text_to_hz,
        hz_to_text,
        &[
            ("1k", "1.00 kHz"),
            ("1.2 kHz", "1.20 kHz"),
            ("999.6", "1.00 kHz"),
            ("9999.6 Hz", "10.0 kHz"),
            ("99.96", "100 Hz"),
            ("9.996", "10.0 Hz"),
            ("0.05", "0.05 Hz"),
        ],
    );
    reads_as(
        text_to_ms,
        ms_to_text,
        &[
            ("250 ms", "250 ms"),
            ("0.25 s", "250 ms"),
            ("99.97", "100 ms"),
            ("999.5 ms", "1.00 s"),
            ("9.996 s", "10.0 s"),
            ("15 s", "15.0 s"),
            ("9.996", "10.0 ms"),
            ("0.004", "0.00 ms"),
        ],
    );
    reads_as(
        text_to_ms,
        signed_ms_to_text,
        &[
            ("-0.004", "0.00 ms"),
            ("-99.996", "-100 ms"),
            ("+5", "+5.00 ms"),
        ],
    );
    reads_as(
        |s| text_to_db(s, -80.0),
        |v| db_to_text(v, -80.0),
        &[
            ("-3", "-3.0 dB"),
            ("-0.04", "0.0 dB"),
            ("-inf", "-inf dB"),
            ("-79.96", "-inf dB"),
            ("-79.94", "-79.9 dB"),
        ],
    );
    reads_as(
        |s| text_to_ratio(s, 100.5),
        |r| ratio_to_text(r, 100.25),
        &[
            ("4:1", "4.0:1"),
            ("inf", "∞:1"),
            ("100.24", "100.2:1"),
            ("100.26", "∞:1"),
        ],
    );
    reads_as(
        text_to_q,
        q_to_text,
        &[
            ("0.9996", "1.00"),
            ("9.996", "10.0"),
            ("0.0999", "0.100"),
            ("0.025", "0.025"),
        ],
    );
    reads_as(
        text_to_pan,
        pan_to_text,
        &[
            ("35L", "35L"),
            ("L35", "35L"),
            ("-0.4", "C"),
            ("99.6", "100R"),
        ],
    );
    reads_as(
        text_to_percent,
        percent_to_text,
        &[("-0.4", "0 %"), ("50%", "50 %")],
    );
}

/// A cut filter is off (for the DSP, and in its text) exactly when its frequency as a user
/// reads it, typed back, is at or beyond the end of its travel.
#[test]
fn cut_filters_are_off_exactly_when_they_read_off() {
    for hz in (0..=40_000).map(|i| i as f32 * 0.75) {
        let reads = text_to_hz(&hz_to_text(hz)).expect("a frequency's text parses");
        for (off_at, below) in [(10.0, true), (22_000.0, false), (20.0, true)] {
            let beyond = if below {
                reads <= off_at
            } else {
                reads >= off_at
            };
            assert_eq!(cut_is_off(hz, off_at, below), beyond, "{hz} Hz");
            assert_eq!(cut_to_text(hz, off_at, below) == "Off", beyond, "{hz} Hz");
        }
    }
    assert!(cut_is_off(21_960.0, 22_000.0, false));
    assert!(!cut_is_off(21_940.0, 22_000.0, false));
    assert!(cut_is_off(10.04, 10.0, true));
    assert!(!cut_is_off(10.06, 10.0, true));
}
