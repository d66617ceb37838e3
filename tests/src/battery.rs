//! The checks every plugin goes through, written once and run on every bundle (and on the
//! allocation-checking builds). Each returns `Err` with a message naming the plugin and the
//! case, so one failing plugin does not hide the others.

use std::collections::HashSet;

use crate::bundles::{PluginUnderTest, VENDOR};
use crate::host::{Bundle, Instance, ParamChange, ParamDesc, Result};
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

pub fn instantiate(p: &PluginUnderTest) -> Result<(Bundle, Instance)> {
    let bundle = Bundle::load(&p.path)?;
    let instance = bundle.instantiate(p.expected.clap_id)?;
    Ok((bundle, instance))
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

pub fn factory(p: &PluginUnderTest) -> Result<()> {
    let bundle = Bundle::load(&p.path)?;
    let descriptors = bundle.descriptors();
    ensure!(descriptors.len() == 1, "factory lists {} plugins, expected exactly 1", descriptors.len());
    let d = &descriptors[0];
    let e = &p.expected;
    ensure!(d.id == e.clap_id, "id {:?}, expected {:?}", d.id, e.clap_id);
    ensure!(d.name == e.name, "name {:?}, expected {:?}", d.name, e.name);
    ensure!(d.vendor == VENDOR, "vendor {:?}, expected {VENDOR:?}", d.vendor);
    ensure!(d.version == env!("CARGO_PKG_VERSION"), "version {:?}, expected the workspace's {}", d.version, env!("CARGO_PKG_VERSION"));
    let got: HashSet<&str> = d.features.iter().map(String::as_str).collect();
    let want: HashSet<&str> = e.features.iter().copied().collect();
    ensure!(got == want, "features {:?}, expected {:?}", d.features, e.features);
    ensure!(bundle.instantiate("org.mixwerk.does-not-exist").is_err(), "creating an unknown id did not fail");
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
    let path = crate::bundles::workspace_root().join("tests/contracts").join(format!("{}.params", p.expected.crate_name));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, name) = l.split_once(' ').ok_or_else(|| format!("bad contract line {l:?}"))?;
            Ok((id.parse::<u32>().map_err(|e| format!("bad id in {l:?}: {e}"))?, name.trim().to_owned()))
        })
        .collect()
}

pub fn parameters(p: &PluginUnderTest) -> Result<()> {
    let (_bundle, mut inst) = instantiate(p)?;
    let params = inst.params()?;
    ensure!(!params.is_empty(), "no parameters");
    let ids: HashSet<u32> = params.iter().map(|q| q.id).collect();
    ensure!(ids.len() == params.len(), "parameter ids are not unique");
    ensure!(params.iter().filter(|q| q.bypass).count() == 1, "expected exactly one bypass parameter");

    // Stable: every promised id is still there under the same name, and nothing is unpromised.
    let promised = contract(p)?;
    for (id, name) in &promised {
        let found = params.iter().find(|q| q.id == *id);
        ensure!(found.is_some_and(|q| &q.name == name), "promised parameter {id} {name:?} is missing or renamed");
    }
    for q in &params {
        ensure!(promised.iter().any(|(id, _)| *id == q.id), "parameter {} {:?} is not in tests/contracts/{}.params", q.id, q.name, p.expected.crate_name);
    }
    // The same ids in a second instance.
    let (_b2, mut second) = instantiate(p)?;
    let again: Vec<u32> = second.params()?.iter().map(|q| q.id).collect();
    ensure!(again == params.iter().map(|q| q.id).collect::<Vec<_>>(), "a second instance reports other ids");

    for q in &params {
        check_param(&mut inst, q)?;
    }
    Ok(())
}

fn check_param(inst: &mut Instance, q: &ParamDesc) -> Result<()> {
    let n = &q.name;
    ensure!(!n.trim().is_empty(), "parameter {} has no name", q.id);
    ensure!(q.min.is_finite() && q.max.is_finite() && q.min < q.max, "{n}: bad range {}..{}", q.min, q.max);
    ensure!((q.min..=q.max).contains(&q.default), "{n}: default {} outside {}..{}", q.default, q.min, q.max);
    ensure!(q.automatable || q.hidden, "{n}: not automatable");
    let current = inst.value(q.id)?;
    ensure!((current - q.default).abs() < 1e-9, "{n}: fresh value {current} is not the default {}", q.default);

    // value → text → value, over the range.
    for i in 0..=10 {
        let mut v = q.min + (q.max - q.min) * i as f64 / 10.0;
        if q.stepped {
            v = v.round();
        }
        let text = inst.value_to_text(q.id, v)?;
        ensure!(!text.trim().is_empty(), "{n}: empty text for {v}");
        let back = inst.text_to_value(q.id, &text).ok_or_else(|| format!("{n}: its own text {text:?} does not parse"))?;
        // The text rounds; it must read back as the same text.
        let again = inst.value_to_text(q.id, back)?;
        ensure!(again == text, "{n}: {v} → {text:?} → {back} → {again:?}");
        let tolerance = if q.stepped { 0.0 } else { (q.max - q.min) * 0.01 };
        ensure!((back - v).abs() <= tolerance + 1e-9 || q.stepped && again == text, "{n}: {v} → {text:?} → {back}");
    }

    // What people type, judged by the unit the parameter displays.
    let shown = inst.value_to_text(q.id, q.default)?;
    let typed: &[(&str, f64)] = if shown.ends_with("dB") {
        &[("-3", -3.0), ("-3 dB", -3.0), ("-3dB", -3.0)]
    } else if shown.ends_with("Hz") {
        &[("1k", 1000.0), ("1 kHz", 1000.0), ("1000", 1000.0)]
    } else if shown.ends_with(" ms") || shown.ends_with(" s") {
        &[("250 ms", 250.0), ("0.25 s", 250.0), ("250", 250.0)]
    } else if shown.ends_with('%') {
        &[("50", 50.0), ("50%", 50.0), ("50 %", 50.0)]
    } else if shown == "On" || shown == "Off" {
        &[("on", 1.0), ("off", 0.0)]
    } else {
        &[]
    };
    for (text, want) in typed {
        if (q.min..=q.max).contains(want) {
            let got = inst.text_to_value(q.id, text);
            ensure!(got.is_some_and(|g| (g - want).abs() < 1e-6), "{n}: typed {text:?} gave {got:?}, expected {want}");
        }
    }
    // Nonsense is refused, and an out-of-range number never lands outside the range.
    ensure!(inst.text_to_value(q.id, "banana").is_none(), "{n}: \"banana\" was accepted");
    for wild in ["1e9", "-1e9"] {
        if let Some(v) = inst.text_to_value(q.id, wild) {
            ensure!((q.min..=q.max).contains(&v), "{n}: typed {wild:?} gave {v}, outside the range");
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
    pub fn for_ports(inst: &mut Instance, len: usize) -> Result<Self> {
        let ports = inst.ports()?;
        Ok(Self {
            inputs: ports.inputs.iter().map(|&c| vec![vec![0.0; len]; c as usize]).collect(),
            outputs: ports.outputs.iter().map(|&c| vec![vec![0.0; len]; c as usize]).collect(),
        })
    }

    pub fn set_len(&mut self, len: usize) {
        for ch in self.inputs.iter_mut().chain(self.outputs.iter_mut()).flatten() {
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
}

/// Every output sample is finite and not subnormal.
fn check_output(b: &Buffers, what: &str) -> Result<()> {
    for (c, ch) in b.main_output().iter().enumerate() {
        for (i, &x) in ch.iter().enumerate() {
            ensure!(x.is_finite(), "{what}: non-finite output {x} at channel {c} sample {i}");
            ensure!(x == 0.0 || x.abs() >= f32::MIN_POSITIVE, "{what}: subnormal output {x:e} at channel {c} sample {i}");
        }
    }
    Ok(())
}

fn peak(b: &Buffers) -> f32 {
    b.main_output().iter().flatten().fold(0.0, |m, x| m.max(x.abs()))
}

/// Activation at every rate, every block size and a varying sequence, on silence, noise, an
/// impulse and NaN followed by noise, in every layout the plugin offers.
pub fn processing(p: &PluginUnderTest) -> Result<()> {
    let (_bundle, mut inst) = instantiate(p)?;
    let mut layouts = inst.layouts()?;
    if layouts.is_empty() {
        layouts.push(crate::host::Layout { id: u32::MAX, name: "default".into(), main_in: 2, main_out: 2 });
    }
    for layout in &layouts {
        if layout.id != u32::MAX {
            inst.select_layout(layout.id)?;
        }
        let ports = inst.ports()?;
        ensure!(ports.inputs.first() == Some(&layout.main_in) && ports.outputs.first() == Some(&layout.main_out),
            "layout {:?} reports ports {ports:?}", layout.name);
        for &rate in &SAMPLE_RATES {
            inst.activate(rate, MAX_BLOCK)?;
            let what = format!("{} at {rate} Hz", layout.name);
            let mut buffers = Buffers::for_ports(&mut inst, MAX_BLOCK as usize)?;
            let sizes: Vec<usize> = BLOCK_SIZES.iter().chain(VARYING_BLOCKS.iter()).copied().collect();
            run_signals(&mut inst, &mut buffers, &sizes, rate, &what)?;
            inst.deactivate();
        }
    }
    Ok(())
}

fn run_signals(inst: &mut Instance, b: &mut Buffers, sizes: &[usize], rate: f64, what: &str) -> Result<()> {
    // Silence in, silence out (a fresh plugin has nothing to ring out).
    for &n in sizes {
        b.set_len(n);
        b.fill_main(|_, _| 0.0);
        inst.process(&mut b.inputs, &mut b.outputs, &[])?;
        check_output(b, &format!("{what}, silence, block {n}"))?;
        ensure!(peak(b) < 1e-6, "{what}: silence in gave {} out (block {n})", peak(b));
    }
    // White noise, every block size.
    let mut noise = Noise::new(7);
    for &n in sizes {
        b.set_len(n);
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        inst.process(&mut b.inputs, &mut b.outputs, &[])?;
        check_output(b, &format!("{what}, noise, block {n}"))?;
    }
    // An impulse after a second of silence (so everything has settled), in 64-sample blocks.
    b.set_len(64);
    for _ in 0..(rate as usize / 64) {
        b.fill_main(|_, _| 0.0);
        inst.process(&mut b.inputs, &mut b.outputs, &[])?;
    }
    for k in 0..32 {
        b.fill_main(|_, i| if k == 0 && i == 0 { 1.0 } else { 0.0 });
        inst.process(&mut b.inputs, &mut b.outputs, &[])?;
        check_output(b, &format!("{what}, impulse"))?;
    }
    // A block of NaN (and infinities) followed by noise: finite again within one block.
    for &n in &[1usize, 64, 512] {
        b.set_len(n);
        b.fill_main(|c, i| [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][(c + i) % 3]);
        inst.process(&mut b.inputs, &mut b.outputs, &[])?;
        b.set_len(512);
        for k in 0..4 {
            b.fill_main(|_, _| noise.next_f32() * 0.5);
            inst.process(&mut b.inputs, &mut b.outputs, &[])?;
            if k >= 1 {
                check_output(b, &format!("{what}, noise {k} blocks after a {n}-sample NaN block"))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Automation inside a block

/// A normalised position's plain value, snapped for stepped parameters.
fn plain_at(q: &ParamDesc, normalised: f64) -> f64 {
    let v = q.min + (q.max - q.min) * normalised;
    if q.stepped { v.round() } else { v }
}

/// The value of `q` most different from its default.
fn far_value(q: &ParamDesc) -> f64 {
    let lo = plain_at(q, 0.1);
    let hi = plain_at(q, 0.9);
    if (hi - q.default).abs() >= (lo - q.default).abs() { hi } else { lo }
}

/// Renders `blocks` blocks of noise through a fresh, active instance, with `changes` in the
/// block `at_block`.
fn render(p: &PluginUnderTest, rate: f64, block: usize, blocks: usize, at_block: usize, changes: &[ParamChange]) -> Result<Vec<Vec<f32>>> {
    let (_bundle, mut inst) = instantiate(p)?;
    inst.activate(rate, MAX_BLOCK)?;
    let mut b = Buffers::for_ports(&mut inst, block)?;
    let channels = b.main_output().len();
    let mut out = vec![Vec::with_capacity(block * blocks); channels];
    let mut noise = Noise::new(99);
    for k in 0..blocks {
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        let events = if k == at_block { changes } else { &[] };
        inst.process(&mut b.inputs, &mut b.outputs, events)?;
        for (o, ch) in out.iter_mut().zip(b.main_output()) {
            o.extend_from_slice(ch);
        }
    }
    Ok(out)
}

fn first_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> Option<usize> {
    let len = a[0].len();
    (0..len).find(|&i| a.iter().zip(b).any(|(x, y)| x[i].to_bits() != y[i].to_bits()))
}

/// Parameter events at several offsets inside a block act at that offset, not at the block
/// start: the output is bit-identical to an unautomated run up to the offset and differs
/// from there on.
pub fn automation_offsets(p: &PluginUnderTest) -> Result<()> {
    let (_bundle, mut inst) = instantiate(p)?;
    let params = inst.params()?;
    drop(inst);
    let (rate, block) = (48_000.0, 512);
    let reference = render(p, rate, block, 4, 2, &[])?;
    let start = 2 * block;
    let mut audible = 0;
    for q in params.iter().filter(|q| q.automatable && !q.bypass) {
        for offset in [0u32, 137, 511] {
            let change = ParamChange { offset, id: q.id, value: far_value(q) };
            let out = render(p, rate, block, 4, 2, &[change])?;
            match first_difference(&reference, &out) {
                None => break, // This parameter does not change noise at the default settings.
                Some(i) => {
                    ensure!(i >= start + offset as usize, "{}: event at offset {offset} changed the output at block offset {}", q.name, i as i64 - start as i64);
                    ensure!(i <= start + offset as usize + 64, "{}: event at offset {offset} took effect only at {}", q.name, i - start);
                    audible += 1;
                }
            }
        }
    }
    ensure!(audible > 0, "no parameter audibly changed the output, so offsets could not be checked");

    // Several events for one parameter inside one block: each acts at its own offset.
    for q in params.iter().filter(|q| q.automatable && !q.bypass) {
        let one = [ParamChange { offset: 100, id: q.id, value: far_value(q) }];
        let single = render(p, rate, block, 4, 2, &one)?;
        if first_difference(&reference, &single).is_none() {
            continue;
        }
        let two = [one[0], ParamChange { offset: 300, id: q.id, value: q.default }];
        let double = render(p, rate, block, 4, 2, &two)?;
        let i = first_difference(&single, &double).ok_or_else(|| format!("{}: a second event at offset 300 changed nothing", q.name))?;
        ensure!(i >= start + 300 && i <= start + 364, "{}: the second event (offset 300) acted at {}", q.name, i as i64 - start as i64);
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
        .map(|q| {
            let mut v = plain_at(q, (noise.next_f32() as f64 + 1.0) / 2.0);
            if (v - q.default).abs() < 1e-9 {
                v = far_value(q);
            }
            ParamChange { offset: 0, id: q.id, value: v }
        })
        .collect()
}

fn render_active(inst: &mut Instance, rate: f64, blocks: usize) -> Result<Vec<Vec<f32>>> {
    inst.activate(rate, MAX_BLOCK)?;
    let mut b = Buffers::for_ports(inst, 512)?;
    let mut out = vec![Vec::new(); b.main_output().len()];
    let mut noise = Noise::new(1234);
    for _ in 0..blocks {
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        inst.process(&mut b.inputs, &mut b.outputs, &[])?;
        for (o, ch) in out.iter_mut().zip(b.main_output()) {
            o.extend_from_slice(ch);
        }
    }
    inst.deactivate();
    Ok(out)
}

/// Save, change every parameter, load: values and the next 10 blocks equal a fresh instance
/// loaded with the same state. Garbage and truncated states are refused and change nothing.
pub fn state(p: &PluginUnderTest) -> Result<()> {
    let rate = 48_000.0;
    let (_bundle, mut a) = instantiate(p)?;
    let params = a.params()?;
    let first = scrambled(&params, 11);
    a.flush(&first)?;
    // Process a little so the state is saved from a plugin that has run.
    render_active(&mut a, rate, 2)?;
    let saved = a.save_state()?;
    ensure!(!saved.is_empty(), "empty state");
    let values: Vec<f64> = params.iter().map(|q| a.value(q.id)).collect::<Result<_>>()?;
    for (q, c) in params.iter().zip(&first) {
        // Parameters may snap to their own step size, which a host cannot know: compare as
        // the user would, by the text.
        let v = a.value(q.id)?;
        let (set, read) = (a.value_to_text(q.id, c.value)?, a.value_to_text(q.id, v)?);
        ensure!(set == read, "{}: set {} ({set}) but reads {v} ({read})", q.name, c.value);
    }
    a.flush(&scrambled(&params, 22))?;
    a.load_state(&saved)?;
    for (q, want) in params.iter().zip(&values) {
        let got = a.value(q.id)?;
        ensure!((got - want).abs() < 1e-9, "{} after load: {got}, saved {want}", q.name);
    }
    let out_a = render_active(&mut a, rate, 10)?;

    let (_b2, mut fresh) = instantiate(p)?;
    fresh.load_state(&saved)?;
    let out_b = render_active(&mut fresh, rate, 10)?;
    ensure!(first_difference(&out_a, &out_b).is_none(), "output after loading differs from a fresh instance loaded with the same state (first at sample {:?})", first_difference(&out_a, &out_b));

    // Garbage: refused, and the instance keeps its parameters and output.
    let mut noise = Noise::new(5);
    let garbage: Vec<u8> = (0..4096).map(|_| (noise.next_f32() * 127.0 + 128.0) as u8).collect();
    let truncated = &saved[..saved.len() / 2];
    let mut corrupted = saved.clone();
    for byte in corrupted.iter_mut().skip(12).step_by(7) {
        *byte ^= 0x5a;
    }
    for (label, bytes) in [("random bytes", &garbage[..]), ("a truncated state", truncated), ("a corrupted state", &corrupted[..]), ("an empty state", &[][..])] {
        ensure!(fresh.load_state(bytes).is_err(), "{label} was accepted");
        for (q, want) in params.iter().zip(&values) {
            let got = fresh.value(q.id)?;
            ensure!((got - want).abs() < 1e-9, "{}: {label} changed it to {got}", q.name);
        }
    }
    let out_c = render_active(&mut fresh, rate, 10)?;
    ensure!(first_difference(&out_b, &out_c).is_none(), "output changed after refused garbage states");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Latency

/// The reported latency equals where an impulse's peak comes out, at every rate.
pub fn latency(p: &PluginUnderTest) -> Result<()> {
    for &rate in &SAMPLE_RATES {
        let (_bundle, mut inst) = instantiate(p)?;
        inst.activate(rate, MAX_BLOCK)?;
        let reported = inst.latency()? as usize;
        let len = 512;
        let blocks = reported / len + 4;
        let mut b = Buffers::for_ports(&mut inst, len)?;
        let mut out = Vec::new();
        for k in 0..blocks {
            b.fill_main(|_, i| if k == 0 && i == 0 { 1.0 } else { 0.0 });
            inst.process(&mut b.inputs, &mut b.outputs, &[])?;
            let o = b.main_output();
            out.extend((0..len).map(|i| o.iter().map(|ch| ch[i].abs()).fold(0.0f32, f32::max)));
        }
        let measured = out.iter().enumerate().fold((0, 0.0f32), |m, (i, &x)| if x > m.1 { (i, x) } else { m }).0;
        ensure!(measured == reported, "at {rate} Hz: reports {reported} samples of latency, the impulse peaks at {measured}");
    }
    Ok(())
}
