//! The checks every plugin goes through, written once and run on every bundle of both formats
//! (and on the allocation-checking builds) through the `Hosted` face. Each returns `Err` with
//! a message naming the case, so one failing plugin does not hide the others.

use std::collections::HashSet;

use crate::bundles::{PluginUnderTest, VENDOR};
use crate::host::{Bundle, Instance, Layout, ParamChange, ParamDesc, Result};
use crate::hosted::{Hosted, open};
use crate::signals::Noise;

pub const SAMPLE_RATES: [f64; 4] = [44_100.0, 48_000.0, 96_000.0, 192_000.0];
pub const MAX_BLOCK: u32 = 8192;
pub const BLOCK_SIZES: [usize; 6] = [1, 7, 64, 512, 4096, 8192];
/// Odd and changing sizes, as hosts produce around loop points and automation splits.
pub const VARYING_BLOCKS: [usize; 10] = [3, 1, 500, 8192, 17, 4095, 2, 64, 1023, 333];

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !$cond {
            return Err(format!($($fmt)+).into());
        }
    };
}

/// A CLAP instance of the plugin (for CLAP-specific tests).
pub fn instantiate(p: &PluginUnderTest) -> Result<(Bundle, Instance)> {
    let p = p.clap_twin();
    let bundle = Bundle::load(&p.path)?;
    let instance = bundle.instantiate(p.expected.clap_id)?;
    Ok((bundle, instance))
}

/// A CLAP instance of the plugin with `settings` typed in (see [`Instance::set_typed`]),
/// active at `rate` for blocks of up to `block` samples.
pub fn active(
    p: &PluginUnderTest,
    settings: &[(&str, &str)],
    rate: f64,
    block: usize,
) -> Result<(Bundle, Instance)> {
    let (bundle, mut inst) = instantiate(p)?;
    inst.set_typed(settings)?;
    inst.activate(rate, block as u32)?;
    Ok((bundle, inst))
}

/// Selects the layout called `name`; returns its main output's channel count.
pub fn select_layout_named(inst: &mut Instance, name: &str) -> Result<usize> {
    let l = inst
        .layouts()?
        .into_iter()
        .find(|l| l.name == name)
        .ok_or("no such layout")?;
    inst.select_layout(l.id)?;
    Ok(l.main_out as usize)
}

/// The plugin's layouts are "Stereo" and "Mono", in that order: selects each and runs
/// `check` with its name and main channel count (2, 1).
pub fn in_stereo_and_mono(
    inst: &mut Instance,
    mut check: impl FnMut(&mut Instance, &str, u32) -> Result<()>,
) -> Result<()> {
    let layouts = inst.layouts()?;
    let names: Vec<&str> = layouts.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["Stereo", "Mono"]);
    for (layout, main) in layouts.iter().zip([2u32, 1]) {
        inst.select_layout(layout.id)?;
        check(inst, &layout.name, main)?;
    }
    Ok(())
}

/// Runs `check` on every plugin and fails once at the end with every problem listed.
pub fn for_each(plugins: &[PluginUnderTest], check: impl Fn(&PluginUnderTest) -> Result<()>) {
    assert!(!plugins.is_empty(), "no plugins to test");
    let failures: Vec<String> = plugins
        .iter()
        .filter_map(|p| check(p).err().map(|e| format!("{}: {e}", p.label())))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Factory

pub fn clap_factory(p: &PluginUnderTest) -> Result<()> {
    let bundle = Bundle::load(&p.path)?;
    let descriptors = bundle.descriptors();
    ensure!(
        descriptors.len() == 1,
        "factory lists {} plugins, expected exactly 1",
        descriptors.len()
    );
    let d = &descriptors[0];
    let e = &p.expected;
    ensure!(d.id == e.clap_id, "id {:?}, expected {:?}", d.id, e.clap_id);
    ensure!(d.name == e.name, "name {:?}, expected {:?}", d.name, e.name);
    ensure!(
        d.vendor == VENDOR,
        "vendor {:?}, expected {VENDOR:?}",
        d.vendor
    );
    ensure!(
        d.version == env!("CARGO_PKG_VERSION"),
        "version {:?}, expected the workspace's {}",
        d.version,
        env!("CARGO_PKG_VERSION")
    );
    let got: HashSet<&str> = d.features.iter().map(String::as_str).collect();
    let want: HashSet<&str> = e.features.iter().copied().collect();
    ensure!(
        got == want,
        "features {:?}, expected {:?}",
        d.features,
        e.features
    );
    ensure!(
        bundle.instantiate("org.mixwerk.does-not-exist").is_err(),
        "creating an unknown id did not fail"
    );
    // And the bundle still creates its real plugin after the refusal.
    bundle.instantiate(e.clap_id)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Parameters

/// The parameter ids each plugin has promised (hosts store them in sessions and automation):
/// `tests/contracts/<crate>.params`, one `<clap id> <name>` per line. Adding a parameter means
/// appending it; changing or removing a line breaks users' sessions.
fn contract(p: &PluginUnderTest) -> Result<Vec<(u32, String)>> {
    let path = crate::bundles::workspace_root()
        .join("tests/contracts")
        .join(format!("{}.params", p.expected.crate_name));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, name) = l
                .split_once(' ')
                .ok_or_else(|| format!("bad contract line {l:?}"))?;
            Ok((
                id.parse::<u32>()
                    .map_err(|e| format!("bad id in {l:?}: {e}"))?,
                name.trim().to_owned(),
            ))
        })
        .collect()
}

pub fn parameters(p: &PluginUnderTest) -> Result<()> {
    let mut inst = open(p)?;
    let params = inst.params()?;
    ensure!(!params.is_empty(), "no parameters");
    let ids: HashSet<u32> = params.iter().map(|q| q.id).collect();
    ensure!(ids.len() == params.len(), "parameter ids are not unique");
    ensure!(
        params.iter().filter(|q| q.bypass).count() == 1,
        "expected exactly one bypass parameter"
    );

    // Stable: every promised id is still there under the same name, and nothing is unpromised.
    let promised = contract(p)?;
    for (id, name) in &promised {
        let found = params.iter().find(|q| q.id == *id);
        ensure!(
            found.is_some_and(|q| &q.name == name),
            "promised parameter {id} {name:?} is missing or renamed"
        );
    }
    for q in &params {
        ensure!(
            promised.iter().any(|(id, _)| *id == q.id),
            "parameter {} {:?} is not in tests/contracts/{}.params",
            q.id,
            q.name,
            p.expected.crate_name
        );
    }
    // The same ids in a second instance.
    let mut second = open(p)?;
    let again: Vec<u32> = second.params()?.iter().map(|q| q.id).collect();
    ensure!(
        again == params.iter().map(|q| q.id).collect::<Vec<_>>(),
        "a second instance reports other ids"
    );

    for q in &params {
        check_param(inst.as_mut(), q)?;
    }
    Ok(())
}

/// The leading number of a displayed value in the display's base unit (Hz, ms, dB, %…):
/// "1.20 kHz" → 1200, "1.50 s" → 1500, "-inf dB" → −∞. `None` for text without a number.
pub fn displayed_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.starts_with("-inf") {
        return Some(f64::NEG_INFINITY);
    }
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let value: f64 = t[..end].parse().ok()?;
    let unit = t[end..].trim();
    Some(match unit {
        u if u.starts_with("kHz") => value * 1000.0,
        "s" => value * 1000.0,
        _ => value,
    })
}

/// How many evenly spaced values of a continuous parameter the text checks sweep (plus the
/// ends and values a hair inside them); stepped parameters are checked at every step.
const TEXT_SWEEP: usize = 1000;

/// The values (in the host's units, `0…1` or `0…steps`) at which a parameter's text is
/// checked: every step of a stepped parameter (up to [`TEXT_SWEEP`] of them); for continuous
/// ones, `TEXT_SWEEP` evenly spaced normalised values, the ends, and 1e-6 inside each end
/// (where a skewed range's text is most crowded).
fn text_sweep(q: &ParamDesc) -> Vec<f64> {
    let span = q.max - q.min;
    if q.stepped && span <= TEXT_SWEEP as f64 {
        return (0..=span.round() as usize)
            .map(|i| q.min + i as f64)
            .collect();
    }
    let mut values: Vec<f64> = (0..=TEXT_SWEEP)
        .map(|i| q.min + span * i as f64 / TEXT_SWEEP as f64)
        .collect();
    values.extend([q.min + span * 1e-6, q.max - span * 1e-6]);
    if q.stepped {
        values.iter_mut().for_each(|v| *v = v.round());
    }
    values
}

/// A value's text reads back as the same text (clap-validator's `param-conversions`, and
/// what a host does when the user confirms a typed value): for every value of
/// [`text_sweep`], `text(parse(text(v))) == text(v)`, and the text parses at all.
fn text_is_stable(inst: &mut dyn Hosted, q: &ParamDesc) -> Result<()> {
    let n = &q.name;
    for v in text_sweep(q) {
        let text = inst.value_to_text(q.id, v)?;
        ensure!(!text.trim().is_empty(), "{n}: empty text for {v}");
        let back = inst
            .text_to_value(q.id, &text)
            .ok_or_else(|| format!("{n}: {v} reads {text:?}, which does not parse"))?;
        let again = inst.value_to_text(q.id, back)?;
        ensure!(
            again == text,
            "{n}: {v} → {text:?} → {back} → {again:?} (the text must read back as itself)"
        );
    }
    Ok(())
}

fn check_param(inst: &mut dyn Hosted, q: &ParamDesc) -> Result<()> {
    let n = &q.name;
    ensure!(!n.trim().is_empty(), "parameter {} has no name", q.id);
    ensure!(
        q.min.is_finite() && q.max.is_finite() && q.min < q.max,
        "{n}: bad range {}..{}",
        q.min,
        q.max
    );
    ensure!(
        (q.min..=q.max).contains(&q.default),
        "{n}: default {} outside {}..{}",
        q.default,
        q.min,
        q.max
    );
    ensure!(q.automatable || q.hidden, "{n}: not automatable");
    let current = inst.value(q.id)?;
    ensure!(
        (current - q.default).abs() < 1e-9,
        "{n}: fresh value {current} is not the default {}",
        q.default
    );

    text_is_stable(inst, q)?;

    // value → text → value lands near where it started.
    for i in 0..=10 {
        let mut v = q.min + (q.max - q.min) * i as f64 / 10.0;
        if q.stepped {
            v = v.round();
        }
        let text = inst.value_to_text(q.id, v)?;
        let back = inst
            .text_to_value(q.id, &text)
            .ok_or_else(|| format!("{n}: its own text {text:?} does not parse"))?;
        let again = inst.value_to_text(q.id, back)?;
        let tolerance = if q.stepped {
            0.0
        } else {
            (q.max - q.min) * 0.01
        };
        ensure!(
            (back - v).abs() <= tolerance + 1e-9 || q.stepped && again == text,
            "{n}: {v} → {text:?} → {back}"
        );
    }

    // What people type, judged by the unit the parameter displays: the parsed value must
    // display as what was typed. (Hosts see normalised values; real units live in the text.)
    let shown = inst.value_to_text(q.id, q.default)?;
    let typed: &[(&str, f64)] = if shown.ends_with("dB") {
        &[("-3", -3.0), ("-3 dB", -3.0), ("-3dB", -3.0)]
    } else if shown.ends_with("Hz") {
        &[("1k", 1000.0), ("1 kHz", 1000.0), ("1000", 1000.0)]
    } else if shown.ends_with(" ms") || shown.ends_with(" s") {
        &[("250 ms", 250.0), ("0.25 s", 250.0), ("250", 250.0)]
    } else if shown.ends_with('%') {
        &[("50", 50.0), ("50%", 50.0), ("50 %", 50.0)]
    } else {
        &[]
    };
    let lo = displayed_number(&inst.value_to_text(q.id, q.min)?);
    let hi = displayed_number(&inst.value_to_text(q.id, q.max)?);
    for (text, want) in typed {
        let in_range =
            matches!((lo, hi), (Some(lo), Some(hi)) if (lo.min(hi)..=lo.max(hi)).contains(want));
        if !in_range {
            continue;
        }
        let got = inst
            .text_to_value(q.id, text)
            .ok_or_else(|| format!("{n}: typed {text:?} was refused"))?;
        let reads = inst.value_to_text(q.id, got)?;
        let shown_number = displayed_number(&reads);
        ensure!(
            shown_number.is_some_and(|v| (v - want).abs() <= want.abs() * 0.01 + 0.051),
            "{n}: typed {text:?} now reads {reads:?}"
        );
    }
    // A switch (its two ends read Off and On; an enum that merely has an "Off" choice is not).
    let ends = [
        inst.value_to_text(q.id, q.min)?,
        inst.value_to_text(q.id, q.max)?,
    ];
    if q.stepped && ends.iter().any(|t| t == "On") && ends.iter().any(|t| t == "Off") {
        for (text, want) in [("on", "On"), ("off", "Off")] {
            let got = inst
                .text_to_value(q.id, text)
                .ok_or_else(|| format!("{n}: typed {text:?} was refused"))?;
            ensure!(
                inst.value_to_text(q.id, got)? == want,
                "{n}: typed {text:?} does not read {want}"
            );
        }
    }
    // Nonsense is refused, and an out-of-range number never lands outside the range.
    ensure!(
        inst.text_to_value(q.id, "banana").is_none(),
        "{n}: \"banana\" was accepted"
    );
    for wild in ["1e9", "-1e9"] {
        if let Some(v) = inst.text_to_value(q.id, wild) {
            ensure!(
                (q.min..=q.max).contains(&v),
                "{n}: typed {wild:?} gave {v}, outside the range"
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Processing

/// Audio buffers for the plugin's current ports, reused across blocks.
pub struct Buffers {
    pub inputs: Vec<Vec<Vec<f32>>>,
    pub outputs: Vec<Vec<Vec<f32>>>,
}

impl Buffers {
    pub fn for_ports<H: Hosted + ?Sized>(inst: &mut H, len: usize) -> Result<Self> {
        let ports = inst.ports()?;
        Ok(Self {
            inputs: ports
                .inputs
                .iter()
                .map(|&c| vec![vec![0.0; len]; c as usize])
                .collect(),
            outputs: ports
                .outputs
                .iter()
                .map(|&c| vec![vec![0.0; len]; c as usize])
                .collect(),
        })
    }

    pub fn set_len(&mut self, len: usize) {
        for ch in self
            .inputs
            .iter_mut()
            .chain(self.outputs.iter_mut())
            .flatten()
        {
            ch.resize(len, 0.0);
        }
    }

    /// Fills the main input (port 0) with `f(channel, index)`; aux inputs stay silent.
    pub fn fill_main(&mut self, mut f: impl FnMut(usize, usize) -> f32) {
        if let Some(main) = self.inputs.first_mut() {
            for (c, ch) in main.iter_mut().enumerate() {
                for (i, x) in ch.iter_mut().enumerate() {
                    *x = f(c, i);
                }
            }
        }
    }

    pub fn main_output(&self) -> &[Vec<f32>] {
        &self.outputs[0]
    }

    pub fn process<H: Hosted + ?Sized>(
        &mut self,
        inst: &mut H,
        changes: &[ParamChange],
    ) -> Result<()> {
        inst.process(&mut self.inputs, &mut self.outputs, changes)
    }
}

/// Sets the parameter called `name` to what `text` says at sample `offset` of one block of
/// `len` samples through the active instance, as a host sends a change made while playing.
pub fn change_while_playing(
    inst: &mut Instance,
    name: &str,
    text: &str,
    offset: u32,
    len: usize,
) -> Result<()> {
    let id = crate::host::param_id(&inst.params()?, name);
    let value = inst
        .text_to_value(id, text)
        .ok_or_else(|| format!("{name}: {text:?} not understood"))?;
    let mut b = Buffers::for_ports(inst, len)?;
    b.process(inst, &[ParamChange { offset, id, value }])
}

/// Runs `body` on a fresh instance of every build of `crate_name` (release and
/// `assert_process_allocs`) at 44.1 and 192 kHz: `settings` typed in, activated for blocks of
/// up to 8192 samples, with buffers of that size. `body` gets the build's label and the rate.
pub fn in_every_build_at_two_rates(
    crate_name: &str,
    settings: &[(&str, &str)],
    mut body: impl FnMut(&str, f64, &mut Instance, &mut Buffers) -> Result<()>,
) -> Result<()> {
    for plugin in crate::bundles::all_builds()
        .into_iter()
        .filter(|p| p.expected.crate_name == crate_name)
    {
        for rate in [44_100.0, 192_000.0] {
            let (_bundle, mut inst) = active(&plugin, settings, rate, 8_192)?;
            let mut b = Buffers::for_ports(&mut inst, 8_192)?;
            body(&plugin.label(), rate, &mut inst, &mut b)?;
        }
    }
    Ok(())
}

/// Runs whole signals through the active instance in `block`-sample blocks: `inputs[port]`
/// holds one signal per channel of that input port (main first, then aux; ports left out
/// stay silent). Returns the main outputs.
pub fn render_signals<H: Hosted + ?Sized>(
    inst: &mut H,
    inputs: &[&[Vec<f32>]],
    block: usize,
) -> Result<Vec<Vec<f32>>> {
    let mut b = Buffers::for_ports(inst, block)?;
    for (port, (signals, channels)) in inputs.iter().zip(&b.inputs).enumerate() {
        ensure!(
            signals.len() == channels.len(),
            "input port {port} has {} channels, given {} signals",
            channels.len(),
            signals.len()
        );
    }
    let n = inputs[0][0].len();
    let mut out = vec![Vec::with_capacity(n); b.main_output().len()];
    for start in (0..n).step_by(block) {
        let len = block.min(n - start);
        b.set_len(len);
        for (port, signals) in b.inputs.iter_mut().zip(inputs) {
            for (ch, src) in port.iter_mut().zip(*signals) {
                ch.copy_from_slice(&src[start..start + len]);
            }
        }
        b.process(inst, &[])?;
        for (o, ch) in out.iter_mut().zip(b.main_output()) {
            o.extend_from_slice(ch);
        }
    }
    Ok(out)
}

/// Every output sample is finite and not subnormal.
fn check_output(b: &Buffers, what: &str) -> Result<()> {
    for (c, ch) in b.main_output().iter().enumerate() {
        for (i, &x) in ch.iter().enumerate() {
            ensure!(
                x.is_finite(),
                "{what}: non-finite output {x} at channel {c} sample {i}"
            );
            ensure!(
                x == 0.0 || x.abs() >= f32::MIN_POSITIVE,
                "{what}: subnormal output {x:e} at channel {c} sample {i}"
            );
        }
    }
    Ok(())
}

fn peak(b: &Buffers) -> f32 {
    b.main_output()
        .iter()
        .flatten()
        .fold(0.0, |m, x| m.max(x.abs()))
}

/// Activation at every rate, every block size and a varying sequence, on silence, noise, an
/// impulse and NaN followed by noise, in every layout the plugin declares.
pub fn processing(p: &PluginUnderTest) -> Result<()> {
    let mut inst = open(p)?;
    let layouts = inst.layouts()?;
    ensure!(!layouts.is_empty(), "declares no audio layout");
    for layout in &layouts {
        inst.select_layout(layout)?;
        let ports = inst.ports()?;
        ensure!(
            ports.inputs == layout.inputs && ports.outputs == layout.outputs,
            "layout {:?} declares {:?} → {:?} but the ports are {ports:?}",
            layout.name,
            layout.inputs,
            layout.outputs
        );
        for &rate in &SAMPLE_RATES {
            inst.activate(rate, MAX_BLOCK)?;
            let what = format!("{} at {rate} Hz", layout.name);
            let mut buffers = Buffers::for_ports(inst.as_mut(), MAX_BLOCK as usize)?;
            let sizes: Vec<usize> = BLOCK_SIZES
                .iter()
                .chain(VARYING_BLOCKS.iter())
                .copied()
                .collect();
            run_signals(inst.as_mut(), &mut buffers, &sizes, rate, &what)?;
            inst.deactivate();
        }
    }
    Ok(())
}

fn run_signals(
    inst: &mut dyn Hosted,
    b: &mut Buffers,
    sizes: &[usize],
    rate: f64,
    what: &str,
) -> Result<()> {
    // Silence in, silence out (a fresh plugin has nothing to ring out).
    for &n in sizes {
        b.set_len(n);
        b.fill_main(|_, _| 0.0);
        b.process(inst, &[])?;
        check_output(b, &format!("{what}, silence, block {n}"))?;
        ensure!(
            peak(b) < 1e-6,
            "{what}: silence in gave {} out (block {n})",
            peak(b)
        );
    }
    // White noise, every block size.
    let mut noise = Noise::new(7);
    for &n in sizes {
        b.set_len(n);
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        b.process(inst, &[])?;
        check_output(b, &format!("{what}, noise, block {n}"))?;
    }
    // An impulse after a second of silence (so everything has settled), in 64-sample blocks.
    b.set_len(64);
    for _ in 0..(rate as usize / 64) {
        b.fill_main(|_, _| 0.0);
        b.process(inst, &[])?;
    }
    for k in 0..32 {
        b.fill_main(|_, i| if k == 0 && i == 0 { 1.0 } else { 0.0 });
        b.process(inst, &[])?;
        check_output(b, &format!("{what}, impulse"))?;
    }
    // A block of NaN (and infinities) followed by noise: finite again within one block.
    for &n in &[1usize, 64, 512] {
        b.set_len(n);
        b.fill_main(|c, i| [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][(c + i) % 3]);
        b.process(inst, &[])?;
        b.set_len(512);
        for k in 0..4 {
            b.fill_main(|_, _| noise.next_f32() * 0.5);
            b.process(inst, &[])?;
            if k >= 1 {
                check_output(
                    b,
                    &format!("{what}, noise {k} blocks after a {n}-sample NaN block"),
                )?;
            }
        }
    }
    Ok(())
}

/// Layouts the plugin does not declare are refused cleanly, and it keeps working afterwards.
pub fn refuses_undeclared_layouts(p: &PluginUnderTest) -> Result<()> {
    let mut inst = open(p)?;
    let declared = inst.layouts()?;
    // 5.1 in and out, nothing in, and 3 → 3, none of which a Mixwerk plugin declares.
    let odd = [
        Layout {
            id: u32::MAX,
            name: "5.1".into(),
            main_in: 6,
            main_out: 6,
            inputs: vec![6],
            outputs: vec![6],
        },
        Layout {
            id: u32::MAX,
            name: "3 → 3".into(),
            main_in: 3,
            main_out: 3,
            inputs: vec![3],
            outputs: vec![3],
        },
    ];
    for layout in odd.iter().filter(|o| {
        !declared
            .iter()
            .any(|d| d.inputs == o.inputs && d.outputs == o.outputs)
    }) {
        ensure!(
            inst.select_layout(layout).is_err(),
            "accepted the undeclared layout {:?}",
            layout.name
        );
    }
    inst.select_layout(&declared[0])?;
    inst.activate(48_000.0, 512)?;
    let mut b = Buffers::for_ports(inst.as_mut(), 512)?;
    let mut noise = Noise::new(3);
    b.fill_main(|_, _| noise.next_f32());
    b.process(inst.as_mut(), &[])?;
    check_output(&b, "after refusing layouts")
}

// ---------------------------------------------------------------------------------------------
// Automation inside a block

/// A normalised position's value, snapped for stepped parameters.
fn plain_at(q: &ParamDesc, normalised: f64) -> f64 {
    let v = q.min + (q.max - q.min) * normalised;
    if q.stepped { v.round() } else { v }
}

/// The value of `q` most different from its default.
fn far_value(q: &ParamDesc) -> f64 {
    let lo = plain_at(q, 0.1);
    let hi = plain_at(q, 0.9);
    if (hi - q.default).abs() >= (lo - q.default).abs() {
        hi
    } else {
        lo
    }
}

/// Renders `blocks` blocks of noise through a fresh, active instance, with `changes` in the
/// block `at_block`.
fn render(
    p: &PluginUnderTest,
    block: usize,
    blocks: usize,
    at_block: usize,
    changes: &[ParamChange],
) -> Result<Vec<Vec<f32>>> {
    let mut inst = open(p)?;
    inst.activate(48_000.0, MAX_BLOCK)?;
    let mut b = Buffers::for_ports(inst.as_mut(), block)?;
    let channels = b.main_output().len();
    let mut out = vec![Vec::with_capacity(block * blocks); channels];
    // One generator per channel: the signal is the same whatever the block size, so the
    // one-sample render below is the same music as the 512-sample one.
    let inputs = b.inputs.first().map_or(0, Vec::len);
    let mut noise: Vec<Noise> = (0..inputs as u32)
        .map(|c| Noise::new(99 ^ (c + 1).wrapping_mul(0x9E37_79B9)))
        .collect();
    for k in 0..blocks {
        b.fill_main(|c, _| noise[c].next_f32() * 0.5);
        let events = if k == at_block { changes } else { &[] };
        b.process(inst.as_mut(), events)?;
        for (o, ch) in out.iter_mut().zip(b.main_output()) {
            o.extend_from_slice(ch);
        }
    }
    Ok(out)
}

fn first_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> Option<usize> {
    let len = a[0].len();
    (0..len).find(|&i| {
        a.iter()
            .zip(b)
            .any(|(x, y)| x[i].to_bits() != y[i].to_bits())
    })
}

/// Parameter events at several offsets inside a block act at that offset, not at the block
/// start: the output is bit-identical to an unautomated run up to the offset and differs
/// from there on. When it starts to differ is judged against the same event sent with
/// one-sample blocks, where the host alone puts it on its exact sample: a plugin's latency,
/// or a parameter whose effect waits for the signal (a ceiling gliding down changes nothing
/// until it meets a peak), delays both runs alike, but an event pulled to the block start
/// or deferred to a later one does not.
pub fn automation_offsets(p: &PluginUnderTest) -> Result<()> {
    let params = open(p)?.params()?;
    let block = 512;
    let reference = render(p, block, 4, 2, &[])?;
    let start = 2 * block;
    // Rendered only when an onset is late enough to need judging (one-sample blocks are slow).
    let mut sample_reference = None;
    let mut audible = 0;
    for q in params.iter().filter(|q| q.automatable && !q.bypass) {
        for offset in [0u32, 137, 511] {
            let change = ParamChange {
                offset,
                id: q.id,
                value: far_value(q),
            };
            let out = render(p, block, 4, 2, &[change])?;
            match first_difference(&reference, &out) {
                None => break, // This parameter does not change noise at the default settings.
                Some(i) => {
                    ensure!(
                        i >= start + offset as usize,
                        "{}: event at offset {offset} changed the output at block offset {}",
                        q.name,
                        i as i64 - start as i64
                    );
                    if i > start + offset as usize + 64 {
                        if sample_reference.is_none() {
                            sample_reference = Some(render(p, 1, 4 * block, usize::MAX, &[])?);
                        }
                        let exact = [ParamChange {
                            offset: 0,
                            ..change
                        }];
                        let sample = render(p, 1, 4 * block, start + offset as usize, &exact)?;
                        let onset = sample_reference
                            .as_ref()
                            .and_then(|r| first_difference(r, &sample))
                            .unwrap_or(usize::MAX);
                        ensure!(
                            i <= onset + 64,
                            "{}: event at offset {offset} took effect only at {} (at {} with one-sample blocks)",
                            q.name,
                            i - start,
                            onset as i64 - start as i64
                        );
                    }
                    audible += 1;
                }
            }
        }
    }
    ensure!(
        audible > 0,
        "no parameter audibly changed the output, so offsets could not be checked"
    );

    // Several events for one parameter inside one block: each acts at its own offset.
    for q in params.iter().filter(|q| q.automatable && !q.bypass) {
        let one = [ParamChange {
            offset: 100,
            id: q.id,
            value: far_value(q),
        }];
        let single = render(p, block, 4, 2, &one)?;
        if first_difference(&reference, &single).is_none() {
            continue;
        }
        let two = [
            one[0],
            ParamChange {
                offset: 300,
                id: q.id,
                value: q.default,
            },
        ];
        let double = render(p, block, 4, 2, &two)?;
        let i = first_difference(&single, &double)
            .ok_or_else(|| format!("{}: a second event at offset 300 changed nothing", q.name))?;
        ensure!(
            i >= start + 300 && i <= start + 364,
            "{}: the second event (offset 300) acted at {}",
            q.name,
            i as i64 - start as i64
        );
        return Ok(());
    }
    Err("no parameter to check several events in one block with".into())
}

// ---------------------------------------------------------------------------------------------
// State

/// A deterministic "every parameter somewhere else" setting.
fn scrambled(params: &[ParamDesc], seed: u32) -> Vec<ParamChange> {
    let mut noise = Noise::new(seed);
    params
        .iter()
        .filter(|q| !q.bypass)
        .map(|q| {
            let mut v = plain_at(q, (noise.next_f32() as f64 + 1.0) / 2.0);
            if (v - q.default).abs() < 1e-9 {
                v = far_value(q);
            }
            ParamChange {
                offset: 0,
                id: q.id,
                value: v,
            }
        })
        .collect()
}

/// Activates, applies `changes` at the start of the first block, renders `blocks` blocks of
/// the same noise and deactivates.
fn render_active(
    inst: &mut dyn Hosted,
    blocks: usize,
    changes: &[ParamChange],
) -> Result<Vec<Vec<f32>>> {
    inst.activate(48_000.0, MAX_BLOCK)?;
    let mut b = Buffers::for_ports(inst, 512)?;
    let mut out = vec![Vec::new(); b.main_output().len()];
    let mut noise = Noise::new(1234);
    for k in 0..blocks {
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        b.process(inst, if k == 0 { changes } else { &[] })?;
        for (o, ch) in out.iter_mut().zip(b.main_output()) {
            o.extend_from_slice(ch);
        }
    }
    inst.deactivate();
    Ok(out)
}

/// Save, change every parameter, load: values and the next 10 blocks equal a fresh instance
/// loaded with the same state. Garbage, truncated, corrupted and empty states are refused and
/// change nothing. (States are loaded while inactive, as a host does when it opens a session;
/// a state loaded during playback glides to its values instead of jumping, by design.)
pub fn state(p: &PluginUnderTest) -> Result<()> {
    let mut a = open(p)?;
    let params = a.params()?;
    let first = scrambled(&params, 11);
    render_active(a.as_mut(), 2, &first)?;
    for c in &first {
        let q = params
            .iter()
            .find(|q| q.id == c.id)
            .expect("scrambled from params");
        // Parameters may snap to their own step size, which a host cannot know: compare as
        // the user would, by the text.
        let v = a.value(q.id)?;
        let (set, read) = (a.value_to_text(q.id, c.value)?, a.value_to_text(q.id, v)?);
        ensure!(
            set == read,
            "{}: set {} ({set}) but reads {v} ({read})",
            q.name,
            c.value
        );
    }
    let saved = a.save_state()?;
    ensure!(!saved.is_empty(), "empty state");
    let values: Vec<f64> = params
        .iter()
        .map(|q| a.value(q.id))
        .collect::<Result<_>>()?;
    render_active(a.as_mut(), 1, &scrambled(&params, 22))?;
    a.load_state(&saved)?;
    for (q, want) in params.iter().zip(&values) {
        let got = a.value(q.id)?;
        ensure!(
            (got - want).abs() < 1e-9,
            "{} after load: {got}, saved {want}",
            q.name
        );
    }
    let out_a = render_active(a.as_mut(), 10, &[])?;

    let mut fresh = open(p)?;
    fresh.load_state(&saved)?;
    let out_b = render_active(fresh.as_mut(), 10, &[])?;
    ensure!(
        first_difference(&out_a, &out_b).is_none(),
        "output after loading differs from a fresh instance loaded with the same state (first at sample {:?})",
        first_difference(&out_a, &out_b)
    );

    // Garbage: refused, and the instance keeps its parameters and output.
    let mut noise = Noise::new(5);
    let garbage: Vec<u8> = (0..4096)
        .map(|_| (noise.next_f32() * 127.0 + 128.0) as u8)
        .collect();
    let truncated = &saved[..saved.len() / 2];
    let mut corrupted = saved.clone();
    for byte in corrupted.iter_mut().skip(12).step_by(7) {
        *byte ^= 0x5a;
    }
    for (label, bytes) in [
        ("random bytes", &garbage[..]),
        ("a truncated state", truncated),
        ("a corrupted state", &corrupted[..]),
        ("an empty state", &[][..]),
    ] {
        ensure!(fresh.load_state(bytes).is_err(), "{label} was accepted");
        for (q, want) in params.iter().zip(&values) {
            let got = fresh.value(q.id)?;
            ensure!(
                (got - want).abs() < 1e-9,
                "{}: {label} changed it to {got}",
                q.name
            );
        }
    }
    let out_c = render_active(fresh.as_mut(), 10, &[])?;
    ensure!(
        first_difference(&out_b, &out_c).is_none(),
        "output changed after refused garbage states"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Latency

/// The reported latency equals where an impulse's peak comes out, at every rate.
pub fn latency(p: &PluginUnderTest) -> Result<()> {
    for &rate in &SAMPLE_RATES {
        let mut inst = open(p)?;
        inst.activate(rate, MAX_BLOCK)?;
        let reported = inst.latency()? as usize;
        let len = 512;
        let blocks = reported / len + 4;
        let mut b = Buffers::for_ports(inst.as_mut(), len)?;
        let mut out = Vec::new();
        for k in 0..blocks {
            b.fill_main(|_, i| if k == 0 && i == 0 { 1.0 } else { 0.0 });
            b.process(inst.as_mut(), &[])?;
            let o = b.main_output();
            out.extend((0..len).map(|i| o.iter().map(|ch| ch[i].abs()).fold(0.0f32, f32::max)));
        }
        let measured = out
            .iter()
            .enumerate()
            .fold((0, 0.0f32), |m, (i, &x)| if x > m.1 { (i, x) } else { m })
            .0;
        ensure!(
            measured == reported,
            "at {rate} Hz: reports {reported} samples of latency, the impulse peaks at {measured}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// VST3 only: the factory and the edit controller's own view of the parameters

/// The class id each plugin has promised to VST3 hosts (`tests/contracts/<crate>.vst3`, 32
/// hex digits): hosts identify the plugin in saved sessions by it, so it never changes.
fn promised_class_id(p: &PluginUnderTest) -> Result<[u8; 16]> {
    let path = crate::bundles::workspace_root()
        .join("tests/contracts")
        .join(format!("{}.vst3", p.expected.crate_name));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let hex: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<String>()
        .trim()
        .to_owned();
    ensure!(
        hex.len() == 32,
        "{}: expected 32 hex digits",
        path.display()
    );
    let mut id = [0u8; 16];
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // The contract holds the id as the SDK writes it (`FUID::toString`, the same on every
    // system); in memory Windows' SDK keeps a TUID as a COM GUID, whose first three fields
    // (4, 2 and 2 bytes) are little-endian.
    if cfg!(windows) {
        id[0..4].reverse();
        id[4..6].reverse();
        id[6..8].reverse();
    }
    Ok(id)
}

/// The VST3 instance of the plugin under test, its class found by name.
pub fn vst3_instance(p: &PluginUnderTest) -> Result<crate::vst3_host::Instance> {
    let module = crate::vst3_host::Module::load(&p.path)?;
    let class = module
        .classes()?
        .into_iter()
        .find(|c| c.name == p.expected.name)
        .ok_or("no class")?;
    module.instantiate(&class.cid)
}

/// Silent `len`-sample buffers for VST3 buses: every channel of the main bus (the first), and
/// of the others only if `aux` (else none, as a host hands over an inactive bus).
fn bus_buffers(buses: &[crate::vst3_host::Bus], len: usize, aux: bool) -> Vec<Vec<Vec<f32>>> {
    buses
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if i == 0 || aux {
                vec![vec![0.0; len]; b.channels as usize]
            } else {
                Vec::new()
            }
        })
        .collect()
}

pub fn vst3_factory(p: &PluginUnderTest) -> Result<()> {
    let module = crate::vst3_host::Module::load(&p.path)?;
    let info = module.factory_info()?;
    ensure!(info.vendor == VENDOR, "factory vendor {:?}", info.vendor);
    let classes = module.classes()?;
    let audio: Vec<_> = classes
        .iter()
        .filter(|c| c.category == "Audio Module Class")
        .collect();
    ensure!(
        audio.len() == 1,
        "{} audio module classes, expected exactly 1",
        audio.len()
    );
    let c = audio[0];
    let e = &p.expected;
    ensure!(c.name == e.name, "name {:?}, expected {:?}", c.name, e.name);
    ensure!(c.vendor == VENDOR, "class vendor {:?}", c.vendor);
    ensure!(
        c.version == env!("CARGO_PKG_VERSION"),
        "version {:?}, expected {}",
        c.version,
        env!("CARGO_PKG_VERSION")
    );
    ensure!(
        c.subcategories == e.vst3_subcategories,
        "subcategories {:?}, expected {:?}",
        c.subcategories,
        e.vst3_subcategories
    );
    ensure!(
        c.cid == promised_class_id(p)?,
        "class id {:02x?} is not the promised one in tests/contracts/{}.vst3",
        c.cid,
        e.crate_name
    );
    ensure!(
        module.create_unknown_fails(),
        "createInstance with an unknown class id did not fail"
    );
    module.instantiate(&c.cid)?;
    Ok(())
}

/// Every plugin's class id differs from every other's.
pub fn vst3_class_ids_are_unique(plugins: &[PluginUnderTest]) {
    let ids: Vec<[u8; 16]> = plugins
        .iter()
        .map(|p| promised_class_id(p).expect("contract"))
        .collect();
    let unique: HashSet<[u8; 16]> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "two plugins share a VST3 class id");
}

/// The edit controller's parameters agree with the CLAP side: the same ids, titles, step
/// counts, defaults and text; `normalizedParamToPlain`/`plainParamToNormalized` are inverse;
/// exactly one bypass parameter, flagged `kIsBypass`; every visible parameter automatable.
pub fn vst3_parameters(p: &PluginUnderTest) -> Result<()> {
    let inst = vst3_instance(p)?;
    // The program-change parameter of a plugin with factory presets is VST3's own (checked
    // in `presets::vst3_program_list`); CLAP has preset discovery instead.
    let vst: Vec<_> = inst
        .params()?
        .into_iter()
        .filter(|q| !q.is_program_change())
        .collect();
    let (_bundle, mut clap) = instantiate(p)?;
    let clap_params = clap.params()?;
    ensure!(
        vst.len() == clap_params.len(),
        "{} VST3 parameters, {} CLAP parameters",
        vst.len(),
        clap_params.len()
    );
    ensure!(
        vst.iter().filter(|q| q.is_bypass()).count() == 1,
        "expected exactly one kIsBypass parameter"
    );
    for (v, c) in vst.iter().zip(&clap_params) {
        let n = &c.name;
        ensure!(v.id == c.id, "{n}: VST3 id {} vs CLAP id {}", v.id, c.id);
        ensure!(&v.title == n, "VST3 title {:?} vs CLAP name {n:?}", v.title);
        ensure!(
            v.can_automate() || v.is_hidden(),
            "{n}: not automatable in VST3"
        );
        ensure!(v.is_bypass() == c.bypass, "{n}: bypass flags disagree");
        let steps = if c.stepped { c.max.round() as i32 } else { 0 };
        ensure!(
            v.step_count == steps,
            "{n}: stepCount {} vs CLAP's {steps} steps",
            v.step_count
        );
        ensure!(
            (0.0..=1.0).contains(&v.default_normalized),
            "{n}: default {} outside 0…1",
            v.default_normalized
        );
        ensure!(
            (v.default_normalized * c.max - c.default).abs() < 1e-6,
            "{n}: VST3 default {} vs CLAP default {}",
            v.default_normalized,
            c.default
        );
        ensure!(
            (inst.normalized(v.id) - v.default_normalized).abs() < 1e-9,
            "{n}: fresh value is not the default"
        );
        for i in 0..=8 {
            let norm = if steps > 0 {
                (i * steps / 8) as f64 / steps as f64
            } else {
                i as f64 / 8.0
            };
            // Plain values may snap to a step size, so the round trip is checked for being
            // stable (plain → normalised → plain lands on the same plain value) and close.
            let plain = inst.to_plain(v.id, norm);
            let back = inst.to_normalized(v.id, plain);
            let again = inst.to_plain(v.id, back);
            // nice-plug computes in f32: a few ulps of f32 are the honest tolerance.
            ensure!(
                (again - plain).abs() <= 1e-5 * plain.abs().max(1.0),
                "{n}: normalised {norm} → plain {plain} → {back} → plain {again}"
            );
            ensure!(
                (back - norm).abs() < 0.01,
                "{n}: normalised {norm} → plain {plain} → {back}"
            );
        }
        // The same text in both formats over the whole travel; that it reads back as itself
        // is checked in each format by `parameters` (`text_is_stable`).
        for value in text_sweep(c) {
            let norm = value / c.max;
            let text = inst.string_by_value(v.id, norm)?;
            let clap_text = clap.value_to_text(c.id, value)?;
            ensure!(
                text == clap_text,
                "{n}: VST3 shows {text:?}, CLAP shows {clap_text:?} for normalised {norm}"
            );
            let parsed = inst
                .value_by_string(v.id, &text)
                .ok_or_else(|| format!("{n}: its own text {text:?} does not parse"))?;
            ensure!(
                inst.string_by_value(v.id, parsed)? == text,
                "{n}: normalised {norm} → {text:?} → {parsed} does not read back"
            );
        }
        ensure!(
            inst.value_by_string(v.id, "banana").is_none(),
            "{n}: \"banana\" was accepted"
        );
    }
    Ok(())
}

/// Effects that ring on (reverb, delay, chorus and flanger: their delay lines) report a tail to VST3 hosts once they have processed
/// audio, so that hosts do not cut them off; everything else reports none.
pub fn vst3_tail(p: &PluginUnderTest) -> Result<()> {
    let mut inst = vst3_instance(p)?;
    inst.activate(48_000.0, 512)?;
    let (ins, outs) = inst.buses()?;
    let mut inputs = bus_buffers(&ins, 512, true);
    let mut outputs = bus_buffers(&outs, 512, true);
    let mut noise = Noise::new(8);
    for ch in inputs.iter_mut().take(1).flatten() {
        noise.fill(ch, 0.5);
    }
    inst.process(&mut inputs, &mut outputs, &[], None)?;
    let rings = p
        .expected
        .features
        .iter()
        .any(|f| matches!(*f, "reverb" | "delay" | "chorus" | "flanger"));
    let tail = inst.tail();
    if rings {
        ensure!(tail > 0, "reports no tail although it rings on");
    } else {
        ensure!(
            tail == 0,
            "reports a tail of {tail} samples although it has none"
        );
    }
    Ok(())
}

/// A host that leaves aux input ports out (passes only the main port) gets the same output as
/// one that passes them silent: unconnected means silent, never garbage or a crash.
pub fn missing_aux_ports(p: &PluginUnderTest) -> Result<()> {
    let mut inst = open(p)?;
    let layouts = inst.layouts()?;
    for layout in layouts.iter().filter(|l| l.inputs.len() > 1) {
        let mut outputs_with = Vec::new();
        for pass_aux in [true, false] {
            inst.select_layout(layout)?;
            inst.activate(48_000.0, 512)?;
            let mut b = Buffers::for_ports(inst.as_mut(), 512)?;
            let mut noise = Noise::new(21);
            let mut out = Vec::new();
            for _ in 0..8 {
                b.fill_main(|_, _| noise.next_f32() * 0.5);
                if pass_aux {
                    b.process(inst.as_mut(), &[])?;
                } else {
                    inst.process(&mut b.inputs[..1], &mut b.outputs, &[])?;
                }
                check_output(&b, &format!("{}: aux ports left out", layout.name))?;
                out.extend(b.main_output().iter().flatten().copied());
            }
            inst.deactivate();
            outputs_with.push(out);
        }
        ensure!(
            outputs_with[0] == outputs_with[1],
            "{}: leaving the aux ports out is not the same as passing silence",
            layout.name
        );
    }
    Ok(())
}

/// VST3: with the aux buses deactivated (nothing routed to a sidechain) and handed over with no
/// channels, the plugin runs exactly as with active, silent aux buses.
pub fn vst3_inactive_aux_buses(p: &PluginUnderTest) -> Result<()> {
    let mut inst = vst3_instance(p)?;
    let (ins, outs) = inst.buses()?;
    if ins.len() < 2 {
        return Ok(());
    }
    let mut results = Vec::new();
    for aux_active in [true, false] {
        inst.activate_buses(48_000.0, 512, aux_active)?;
        let mut inputs = bus_buffers(&ins, 512, aux_active);
        let mut outputs = bus_buffers(&outs, 512, aux_active);
        let mut noise = Noise::new(31);
        let mut out = Vec::new();
        for _ in 0..8 {
            for ch in inputs[0].iter_mut() {
                noise.fill(ch, 0.5);
            }
            inst.process(&mut inputs, &mut outputs, &[], None)?;
            ensure!(
                outputs[0].iter().flatten().all(|x| x.is_finite()),
                "non-finite output with aux buses {}",
                if aux_active { "active" } else { "inactive" }
            );
            out.extend(outputs[0].iter().flatten().copied());
        }
        inst.deactivate();
        results.push(out);
    }
    ensure!(
        results[0] == results[1],
        "inactive aux buses do not behave like silent ones"
    );
    Ok(())
}
