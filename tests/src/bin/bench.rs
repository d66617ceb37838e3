//! `cargo xtask bench`: 60 s of stereo pink-ish noise at 48 kHz in 512-sample blocks through
//! every bundled plugin (or each plugin crate named on the command line; default parameters),
//! through the same CLAP host code as the tests.
//! Prints CPU seconds and how many times faster than real time each plugin runs. Plugins
//! whose defaults leave most of the work off get extra rows with parameters set (see
//! [`SETUPS`]).

use std::time::Instant;

use host_tests::battery::{Buffers, instantiate};
use host_tests::bundles::release_bundles;
use host_tests::host::{ParamChange, ProcessScratch};
use host_tests::signals::PinkNoise;

/// An extra row: a plugin with parameters set (string id, normalised value) before it is
/// activated, as a session load does, so the timed run starts with everything in place.
struct Setup {
    plugin: &'static str,
    label: &'static str,
    params: &'static [(&'static str, f64)],
}

const EQ_BANDS_ON: [(&str, f64); 8] = [
    ("b1_on", 1.0),
    ("b2_on", 1.0),
    ("b3_on", 1.0),
    ("b4_on", 1.0),
    ("b5_on", 1.0),
    ("b6_on", 1.0),
    ("b7_on", 1.0),
    ("b8_on", 1.0),
];

/// Linear phase (mode first), then [`EQ_BANDS_ON`].
const EQ_LINEAR_PHASE_BANDS_ON: [(&str, f64); 9] = {
    let mut all = [("mode", 1.0); 9];
    let mut i = 0;
    while i < EQ_BANDS_ON.len() {
        all[i + 1] = EQ_BANDS_ON[i];
        i += 1;
    }
    all
};

/// Extra rows. Add one here for any plugin whose defaults do little. (The EQ designs its
/// linear-phase FIR at activation, outside the timed run.)
const SETUPS: &[Setup] = &[
    Setup {
        plugin: "eq",
        label: "8 bands on",
        params: &EQ_BANDS_ON,
    },
    Setup {
        plugin: "eq",
        label: "8 bands on, linear phase",
        params: &EQ_LINEAR_PHASE_BANDS_ON,
    },
    Setup {
        plugin: "chorus",
        label: "Chorus, 4 voices",
        // Voices 1 … 4: normalised (4 − 1) / 3.
        params: &[("voices", 1.0)],
    },
    Setup {
        plugin: "chorus",
        label: "Flanger, 70 % feedback",
        // Mode index 2 of 4: 2/3; Feedback −95 … +95 %: (70 + 95) / 190.
        params: &[("mode", 2.0 / 3.0), ("feedback", 165.0 / 190.0)],
    },
    Setup {
        plugin: "channel-strip",
        label: "issue 9: all on",
        params: STRIP_ALL_ON,
    },
    Setup {
        plugin: "strip",
        label: "gate, EQ, compressor on",
        // One channel of the Channel Strip's "all on" row, without its sends.
        params: &[("gate_on", 1.0), ("eq_on", 1.0), ("comp_on", 1.0)],
    },
    Setup {
        plugin: "limiter",
        label: "true peak, +12 dB drive",
        // Drive 0 … 36 dB, linear: 12 / 36. The pink noise then limits most of the time.
        params: &[("drive", 12.0 / 36.0)],
    },
    Setup {
        plugin: "limiter",
        label: "sample peak, +12 dB drive",
        // Detection: True Peak, Sample Peak.
        params: &[("detection", 1.0), ("drive", 12.0 / 36.0)],
    },
];

/// Open-source peers timed beside our plugins in the same run, when Debian's `lilv-utils`
/// (`lv2bench`) and the peer are installed: (label, LV2 URI). Calf MultiChorus's defaults are
/// 4 voices; Calf Flanger's are its own; x42 dpl's are sample peak (`tools/peer-bench` times
/// it on our bench noise, limiting, with figures within a few % of these).
const PEERS: &[(&str, &str)] = &[
    (
        "peer: x42 dpl (sample peak)",
        "http://gareus.org/oss/lv2/dpl#stereo",
    ),
    (
        "peer: Calf MultiChorus (4 voices)",
        "http://calf.sourceforge.net/plugins/MultiChorus",
    ),
    (
        "peer: Calf Flanger",
        "http://calf.sourceforge.net/plugins/Flanger",
    ),
];

/// Plugins whose every input port carries program (a console's buses): the bench feeds the
/// noise into all of them, not only the main port.
const FEED_EVERY_INPUT: &[&str] = &["channel-strip"];

/// The channel strip as issue 9 sets its CPU target: on all eight channels the gate, the EQ,
/// the compressor and both sends (Send A −12 dB, Send B −18 dB, normalised on the fader's
/// skew: ((dB + 80) / 86)²), plus the glue compressor and the limiter; reverb, delay, master
/// fader and loudness meter always run.
const STRIP_ALL_ON: &[(&str, f64)] = &{
    // "<id>_<channel>" for channels 1–8 (nice-plug's #[nested(array)] ids), spelled out.
    const IDS: [&str; 40] = [
        "gate_on_1",
        "eq_on_1",
        "comp_on_1",
        "send_a_1",
        "send_b_1",
        "gate_on_2",
        "eq_on_2",
        "comp_on_2",
        "send_a_2",
        "send_b_2",
        "gate_on_3",
        "eq_on_3",
        "comp_on_3",
        "send_a_3",
        "send_b_3",
        "gate_on_4",
        "eq_on_4",
        "comp_on_4",
        "send_a_4",
        "send_b_4",
        "gate_on_5",
        "eq_on_5",
        "comp_on_5",
        "send_a_5",
        "send_b_5",
        "gate_on_6",
        "eq_on_6",
        "comp_on_6",
        "send_a_6",
        "send_b_6",
        "gate_on_7",
        "eq_on_7",
        "comp_on_7",
        "send_a_7",
        "send_b_7",
        "gate_on_8",
        "eq_on_8",
        "comp_on_8",
        "send_a_8",
        "send_b_8",
    ];
    let mut out = [("", 0.0); 42];
    let mut i = 0;
    while i < 40 {
        let value = match i % 5 {
            3 => 0.625, // Send A −12 dB
            4 => 0.52,  // Send B −18 dB
            _ => 1.0,
        };
        out[i] = (IDS[i], value);
        i += 1;
    }
    out[40] = ("glue_on", 1.0);
    out[41] = ("lim_on", 1.0);
    out
};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;
const SECONDS: f64 = 60.0;

fn main() {
    let blocks = (SECONDS * RATE / BLOCK as f64).ceil() as usize;
    // Pre-render the input so the timing covers only the plugin (and the host's thin call).
    let mut pink = [PinkNoise::new(1), PinkNoise::new(2)];
    let mut input: Vec<[Vec<f32>; 2]> = (0..blocks)
        .map(|_| {
            [0, 1].map(|c| {
                let mut v = vec![0.0; BLOCK];
                pink[c].fill(&mut v);
                v
            })
        })
        .collect();

    println!(
        "{:<46} {:>12} {:>16}",
        "plugin", "CPU seconds", "x real time"
    );
    let mut failed = false;
    let only: Vec<String> = std::env::args().skip(1).collect();
    let chosen = release_bundles()
        .into_iter()
        .filter(|p| only.is_empty() || only.iter().any(|o| o == p.expected.crate_name));
    for plugin in chosen {
        let setups = SETUPS
            .iter()
            .filter(|s| s.plugin == plugin.expected.crate_name);
        for (label, params) in
            std::iter::once(("", &[][..])).chain(setups.map(|s| (s.label, s.params)))
        {
            let name = if label.is_empty() {
                plugin.expected.name.to_string()
            } else {
                format!("{} ({label})", plugin.expected.name)
            };
            let events: Vec<ParamChange> = params
                .iter()
                .map(|&(id, value)| ParamChange {
                    offset: 0,
                    id: clap_id(id),
                    value,
                })
                .collect();
            match run(&plugin, &mut input, &events) {
                Ok(seconds) => println!("{name:<46} {seconds:>12.4} {:>15.0}x", SECONDS / seconds),
                Err(e) => {
                    println!("{name:<46} failed: {e}");
                    failed = true;
                }
            }
        }
    }
    for (label, uri) in PEERS {
        match peer_seconds(uri, blocks * BLOCK) {
            Some(seconds) => println!("{label:<46} {seconds:>12.4} {:>15.0}x", SECONDS / seconds),
            None => println!("{label:<46} not measured (needs lv2bench and the plugin)"),
        }
    }
    if failed {
        std::process::exit(1);
    }
}

/// Seconds `lv2bench` (lilv) takes to run the LV2 plugin `uri` over `samples` frames at
/// 48 kHz in blocks of [`BLOCK`]: its wall-clock figure, on silent input (lv2bench feeds
/// zeros), so it is, if anything, kind to the peer.
fn peer_seconds(uri: &str, samples: usize) -> Option<f64> {
    let out = std::process::Command::new("lv2bench")
        .args([
            "-f",
            "-b",
            &BLOCK.to_string(),
            "-n",
            &samples.to_string(),
            uri,
        ])
        .output()
        .ok()?;
    // "# Block Samples Time Plugin", then "512 2880000 0.123 <uri>".
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.ends_with(uri))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// The CLAP id nice-plug gives the parameter with string id `s`.
fn clap_id(s: &str) -> u32 {
    let mut h = 0u32;
    for b in s.bytes() {
        h = h.wrapping_mul(31).wrapping_add(b as u32);
    }
    h & !(1 << 31)
}

fn run(
    plugin: &host_tests::bundles::PluginUnderTest,
    input: &mut [[Vec<f32>; 2]],
    events: &[ParamChange],
) -> host_tests::host::Result<f64> {
    let (_bundle, mut inst) = instantiate(plugin)?;
    inst.flush(events)?;
    inst.activate(RATE, BLOCK as u32)?;
    let mut b = Buffers::for_ports(&mut inst, BLOCK)?;
    // As a host does: the port and event buffers made once, and each block's input handed
    // over where it lies (swapped into the first port and back, not copied), so the time is
    // the plugin's. A console's other ports get copies of it, as before.
    let mut scratch = ProcessScratch::new(&b.inputs, &b.outputs);
    let ports = if FEED_EVERY_INPUT.contains(&plugin.expected.crate_name) {
        b.inputs.len()
    } else {
        1
    };
    let swap = |b: &mut Buffers, block: &mut [Vec<f32>; 2]| {
        for (ch, src) in b.inputs[0].iter_mut().zip(block.iter_mut()) {
            std::mem::swap(ch, src);
        }
    };
    let start = host_tests::cpu_time::thread_seconds();
    let wall = Instant::now();
    for block in input.iter_mut() {
        swap(&mut b, block);
        let (first, others) = b.inputs.split_at_mut(1);
        for port in &mut others[..ports - 1] {
            for (ch, src) in port.iter_mut().zip(&first[0]) {
                ch.copy_from_slice(src);
            }
        }
        let result = inst.process_reusing(&mut scratch, &mut b.inputs, &mut b.outputs, &[], None);
        swap(&mut b, block);
        result?;
    }
    // CPU time of this thread when the platform gives it, wall time otherwise.
    Ok(match (start, host_tests::cpu_time::thread_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => wall.elapsed().as_secs_f64(),
    })
}
