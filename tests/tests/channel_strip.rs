//! Mixwerk Channel Strip through real host code, end to end: the whole battery (CLAP, VST3 and,
//! when built, the allocation-checking build) in every layout, plus what is particular to a
//! console: the three layouts in the issue's order, summing of every input within 1e-6 in each
//! layout, identical parameter ids across layouts, time alignment with a lookahead through the
//! plugin, solo in place, and aux ports the host leaves out.
//!
//! Build first with `cargo xtask bundle channel-strip --release` (and, for the allocation
//! check, `cargo build --profile alloc-check -p channel-strip --features
//! channel-strip/assert_process_allocs`); `cargo xtask test` does both.

use host_tests::battery::{self, Buffers, instantiate};
use host_tests::bundles::{EXPECTED, Format, PluginUnderTest, target_dir};
use host_tests::host::{Instance, Result};
use host_tests::hosted::{self, Hosted};
use host_tests::signals::Noise;
use host_tests::vst3_host;

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;

fn expected() -> host_tests::bundles::Expected {
    EXPECTED
        .iter()
        .find(|e| e.crate_name == "channel-strip")
        .expect("a row in bundles.rs")
        .clone()
}

fn clap() -> PluginUnderTest {
    let e = expected();
    let path = target_dir()
        .join("bundled")
        .join(format!("{}.clap", e.name));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask bundle channel-strip --release`",
        path.display()
    );
    PluginUnderTest {
        expected: e,
        format: Format::Clap,
        path,
        alloc_check: false,
    }
}

fn vst3() -> PluginUnderTest {
    let e = expected();
    let path = vst3_host::library_path(
        &target_dir()
            .join("bundled")
            .join(format!("{}.vst3", e.name)),
    );
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask bundle channel-strip --release`",
        path.display()
    );
    PluginUnderTest {
        expected: e,
        format: Format::Vst3,
        path,
        alloc_check: false,
    }
}

/// The allocation-checking build (both formats), when it has been built.
fn alloc_check() -> Vec<PluginUnderTest> {
    let path = target_dir().join("alloc-check").join(format!(
        "{}channel_strip{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    if !path.exists() {
        eprintln!(
            "{} not built: skipping the allocation check here (`cargo xtask test` builds and runs it)",
            path.display()
        );
        return Vec::new();
    }
    let clap = PluginUnderTest {
        expected: expected(),
        format: Format::Clap,
        path,
        alloc_check: true,
    };
    vec![
        clap.clone(),
        PluginUnderTest {
            format: Format::Vst3,
            ..clap
        },
    ]
}

#[test]
fn clap_battery() {
    let p = [clap()];
    for check in [
        battery::clap_factory,
        battery::parameters,
        battery::processing,
        battery::refuses_undeclared_layouts,
        battery::automation_offsets,
        battery::state,
        battery::latency,
        battery::missing_aux_ports,
    ] {
        battery::for_each(&p, check);
    }
}

#[test]
fn vst3_battery() {
    let p = [vst3()];
    battery::for_each(&p, battery::vst3_factory);
    for check in [
        battery::vst3_parameters,
        battery::parameters,
        battery::processing,
        battery::refuses_undeclared_layouts,
        battery::automation_offsets,
        battery::state,
        battery::latency,
        battery::vst3_tail,
        battery::vst3_inactive_aux_buses,
    ] {
        battery::for_each(&p, check);
    }
}

#[test]
fn alloc_check_battery() {
    let builds = alloc_check();
    if builds.is_empty() {
        return;
    }
    for check in [
        battery::processing,
        battery::automation_offsets,
        battery::state,
        battery::latency,
    ] {
        battery::for_each(&builds, check);
    }
}

/// A fresh instance with `settings` typed in, active at [`RATE`], and buffers for its ports.
fn playing(settings: &[(&str, &str)]) -> Result<(Instance, Buffers)> {
    let mut inst = open();
    inst.set_typed(settings)?;
    inst.activate(RATE, BLOCK as u32)?;
    let b = Buffers::for_ports(&mut inst, BLOCK)?;
    Ok((inst, b))
}

fn open() -> Instance {
    instantiate(&clap()).expect("instantiate").1
}

#[test]
fn layouts_come_in_the_issues_order_with_named_ports() -> Result<()> {
    let mut inst = open();
    let layouts = inst.layouts()?;
    let names: Vec<&str> = layouts.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["8 Buses", "16 Channels", "4 Buses"]);
    assert_eq!(layouts[0].inputs, vec![2; 8]);
    assert_eq!(layouts[0].outputs, vec![2]);
    assert_eq!(layouts[1].inputs, vec![16]);
    // Sixteen in, stereo out (the vendored nice-plug's many-to-few main bus).
    assert_eq!(layouts[1].outputs, vec![2]);
    assert_eq!(layouts[2].inputs, vec![2; 4]);
    inst.select_layout(layouts[0].id)?;
    let ports = inst.port_names(true)?;
    let want: Vec<String> = (1..=8).map(|k| format!("Bus {k}")).collect();
    assert_eq!(ports, want);
    // The same parameter ids in every layout.
    let ids = |inst: &mut Instance| -> Result<Vec<u32>> {
        Ok(inst.params()?.iter().map(|q| q.id).collect())
    };
    let first = ids(&mut inst)?;
    println!("{} parameters", first.len());
    for l in &layouts {
        inst.select_layout(l.id)?;
        assert_eq!(ids(&mut inst)?, first, "ids differ in layout {}", l.name);
    }
    Ok(())
}

/// Feeds every stereo channel of the current layout its own noise, returns (output, the sum
/// of all inputs) for `blocks` blocks.
/// Two channels of audio.
type Stereo = Vec<Vec<f32>>;

fn render_sum<H: Hosted + ?Sized>(inst: &mut H, blocks: usize) -> Result<(Stereo, Stereo)> {
    let mut b = Buffers::for_ports(inst, BLOCK)?;
    let mut noise = Noise::new(17);
    let mut out = vec![Vec::new(); 2];
    let mut sum = vec![Vec::new(); 2];
    for _ in 0..blocks {
        let mut s = [vec![0.0f64; BLOCK], vec![0.0f64; BLOCK]];
        for port in b.inputs.iter_mut() {
            for (c, ch) in port.iter_mut().enumerate() {
                noise.fill(ch, 0.25);
                for (acc, &x) in s[c % 2].iter_mut().zip(ch.iter()) {
                    *acc += x as f64;
                }
            }
        }
        b.process(inst, &[])?;
        for c in 0..2 {
            out[c].extend_from_slice(&b.main_output()[c]);
            sum[c].extend(s[c].iter().map(|&v| v as f32));
        }
        assert!(
            b.main_output()[2..].iter().flatten().all(|&x| x == 0.0),
            "channels beyond the mix are not silent"
        );
    }
    Ok((out, sum))
}

/// In both formats: the 16-channel layout's extra input channels reach the plugin through the
/// vendored nice-plug's many-to-few main bus in the CLAP and the VST3 wrapper alike.
#[test]
fn every_layout_sums_its_inputs_within_1e6() -> Result<()> {
    let mut worst = 0.0f64;
    for p in [clap(), vst3()] {
        let mut inst = hosted::open(&p)?;
        for layout in inst.layouts()? {
            inst.select_layout(&layout)?;
            inst.activate(RATE, BLOCK as u32)?;
            assert_eq!(inst.latency()?, 0, "default settings add no latency");
            let (out, sum) = render_sum(inst.as_mut(), 20)?;
            let err = out
                .iter()
                .flatten()
                .zip(sum.iter().flatten())
                .map(|(a, b)| (*a as f64 - *b as f64).abs())
                .fold(0.0, f64::max);
            println!("{:?} {}: summing error {err:.2e}", p.format, layout.name);
            worst = worst.max(err);
            inst.deactivate();
        }
    }
    assert!(worst <= 1e-6, "{worst}");
    Ok(())
}

#[test]
fn a_lookahead_on_one_channel_keeps_the_sum_aligned() -> Result<()> {
    let (mut inst, mut b) = playing(&[
        ("Ch 1 Compressor", "On"),
        ("Ch 1 Comp Threshold", "0"),
        ("Ch 1 Comp Lookahead", "5 ms"),
    ])?;
    let latency = inst.latency()? as usize;
    assert_eq!(latency, 240);
    let mut noise = Noise::new(3);
    let (mut x, mut out) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let mut block = vec![0.0; BLOCK];
        noise.fill(&mut block, 0.05);
        for port in &mut b.inputs[..2] {
            for ch in port.iter_mut() {
                ch.copy_from_slice(&block);
            }
        }
        b.process(&mut inst, &[])?;
        x.extend_from_slice(&block);
        out.extend_from_slice(&b.main_output()[0]);
    }
    let err = (latency..out.len())
        .map(|i| (out[i] - 2.0 * x[i - latency]).abs())
        .fold(0.0, f32::max);
    println!("alignment through the plugin: max |out − 2x| = {err:.2e}");
    assert!(err <= 1e-6, "{err}");
    Ok(())
}

#[test]
fn solo_in_place_through_the_plugin() -> Result<()> {
    let (mut inst, mut b) = playing(&[
        ("Ch 2 Solo", "On"),
        ("Ch 3 Solo", "On"),
        ("Ch 3 Mute", "On"),
    ])?;
    for (k, port) in b.inputs.iter_mut().enumerate() {
        for ch in port.iter_mut() {
            ch.fill(0.01 * (k + 1) as f32);
        }
    }
    b.process(&mut inst, &[])?;
    // Only channel 2 plays: the others are not soloed, and channel 3 is muted.
    assert!(
        b.main_output()[0].iter().all(|&v| (v - 0.02).abs() < 1e-7),
        "{}",
        b.main_output()[0][0]
    );
    Ok(())
}

#[test]
fn aux_ports_left_out_are_silent() -> Result<()> {
    let mut inst = open();
    let layouts = inst.layouts()?;
    inst.select_layout(layouts[0].id)?;
    inst.activate(RATE, BLOCK as u32)?;
    let mut b = Buffers::for_ports(&mut inst, BLOCK)?;
    let mut noise = Noise::new(5);
    for _ in 0..4 {
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        // Only the main port: the host connected nothing to Bus 2 … Bus 8.
        inst.process(&mut b.inputs[..1], &mut b.outputs, &[])?;
        for c in 0..2 {
            assert_eq!(b.outputs[0][c], b.inputs[0][c], "output is not Bus 1 alone");
        }
    }
    Ok(())
}
