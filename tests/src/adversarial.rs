//! The hostile host: what a real DAW, a validator or an offline render does to a plugin that
//! the cooperative battery does not. Every case is driven by one seed, so a failure found in
//! a long `cargo xtask fuzz` run is replayed exactly with `--seed`.
//!
//! - [`automation`]: every parameter (one, several, all at once, and every sample) jumped to
//!   random values, the ends of each range included, at random sample offsets, in random
//!   block sizes from 1 to the maximum, at a random rate from 22.05 to 384 kHz, on random
//!   input levels; the output must stay finite.
//! - [`poison`]: bursts of NaN, ±inf, 1e30 and subnormals in the input under random
//!   automation; then every parameter back at its default and clean input: the output is
//!   finite and bounded, and matches a fresh instance fed the same.
//! - [`states`]: random, truncated and bit-flipped state blobs, and states saved during
//!   automation, loaded while processing is stopped and then used.
//! - [`lifecycle`]: activate/deactivate cycles at changing rates, maximum block sizes and
//!   layouts, with processing in between.
//!
//! A crash (abort, segfault, allocation in the alloc-check builds) ends the test process;
//! the fuzz binary prints each case's seed before running it, so the last line names it.

use crate::bundles::PluginUnderTest;
use crate::host::{ParamChange, ParamDesc, Result};
use crate::hosted::{Hosted, open};

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !$cond {
            return Err(format!($($fmt)+).into());
        }
    };
}

/// Rates a host may run at, the odd and the extreme included.
pub const RATES: [f64; 8] = [
    22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 176_400.0, 192_000.0, 384_000.0,
];
/// Maximum block sizes a host may announce at activation.
const MAX_BLOCKS: [u32; 6] = [1, 32, 333, 512, 4096, 8192];

/// How much audio each case renders: `Short` keeps `cargo xtask test` quick, `Long` is for
/// `cargo xtask fuzz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Short,
    Long,
}

impl Budget {
    /// Seconds of audio of the random-automation phase.
    fn seconds(self) -> f64 {
        match self {
            Budget::Short => 0.25,
            Budget::Long => 2.0,
        }
    }
}

/// SplitMix64: a small, well-mixed generator, so that one `u64` seed reproduces a case.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// White noise in [-amplitude, amplitude).
    pub fn noise(&mut self, amplitude: f32) -> f32 {
        ((self.unit() * 2.0 - 1.0) as f32) * amplitude
    }
}

/// A random value of `q` in the host's units: the range ends a third of the time (that is
/// where designs break), anywhere in between otherwise; whole steps for stepped parameters.
pub fn random_value(q: &ParamDesc, rng: &mut Rng) -> f64 {
    let u = match rng.below(6) {
        0 => 0.0,
        1 => 1.0,
        _ => rng.unit(),
    };
    let v = q.min + (q.max - q.min) * u;
    if q.stepped { v.round() } else { v }
}

/// A block size for a host whose maximum is `max`: one sample, a few, odd, the maximum, or
/// anything up to it.
fn block_len(rng: &mut Rng, max: u32) -> usize {
    let max = max as usize;
    match rng.below(6) {
        0 => 1,
        1 => 1 + rng.below(max.min(16)),
        2 => max,
        3 => (max / 2).max(1) | 1,
        _ => 1 + rng.below(max),
    }
}

/// The parameter events of one block of `len` samples, one of five patterns: none, a few
/// parameters at random offsets, all parameters at random offsets, a few parameters at every
/// sample, and (in short blocks) all parameters at every sample.
fn block_events(params: &[ParamDesc], len: usize, rng: &mut Rng) -> Vec<ParamChange> {
    let mut events = Vec::new();
    let offset = |rng: &mut Rng| rng.below(len) as u32;
    match rng.below(10) {
        0 | 1 => {}
        2..=5 => {
            for _ in 0..1 + rng.below(4) {
                let q = &params[rng.below(params.len())];
                events.push(ParamChange {
                    offset: offset(rng),
                    id: q.id,
                    value: random_value(q, rng),
                });
            }
        }
        6 | 7 => {
            for q in params {
                events.push(ParamChange {
                    offset: offset(rng),
                    id: q.id,
                    value: random_value(q, rng),
                });
            }
        }
        8 => {
            for _ in 0..1 + rng.below(3) {
                let q = &params[rng.below(params.len())];
                for i in 0..len as u32 {
                    events.push(ParamChange {
                        offset: i,
                        id: q.id,
                        value: random_value(q, rng),
                    });
                }
            }
        }
        _ => {
            for i in 0..len.min(32) as u32 {
                for q in params {
                    events.push(ParamChange {
                        offset: i,
                        id: q.id,
                        value: random_value(q, rng),
                    });
                }
            }
        }
    }
    events.sort_by_key(|c| c.offset);
    events
}

/// What fills the inputs of one block.
#[derive(Debug, Clone, Copy)]
enum Input {
    Silence,
    Noise(f32),
    /// Noise with bursts of NaN, ±inf, 1e30 and subnormals.
    Poisoned,
}

/// Audio buffers for every port of the active layout, at the maximum block size.
struct Ports {
    inputs: Vec<Vec<Vec<f32>>>,
    outputs: Vec<Vec<Vec<f32>>>,
}

impl Ports {
    fn new(inst: &mut dyn Hosted) -> Result<Self> {
        let p = inst.ports()?;
        let make = |counts: &[u32]| -> Vec<Vec<Vec<f32>>> {
            counts
                .iter()
                .map(|&c| vec![Vec::new(); c as usize])
                .collect()
        };
        Ok(Self {
            inputs: make(&p.inputs),
            outputs: make(&p.outputs),
        })
    }

    fn fill(&mut self, len: usize, input: Input, rng: &mut Rng) {
        for ch in self.outputs.iter_mut().flatten() {
            ch.clear();
            ch.resize(len, 0.0);
        }
        for ch in self.inputs.iter_mut().flatten() {
            ch.clear();
            ch.extend((0..len).map(|_| match input {
                Input::Silence => 0.0,
                Input::Noise(a) => rng.noise(a),
                Input::Poisoned => match rng.below(12) {
                    0 => f32::NAN,
                    1 => f32::INFINITY,
                    2 => f32::NEG_INFINITY,
                    3 => 1e30 * if rng.chance(0.5) { 1.0 } else { -1.0 },
                    4 => f32::MIN_POSITIVE * rng.unit() as f32,
                    5 => f32::MAX,
                    _ => rng.noise(1.0),
                },
            }));
        }
    }

    /// One process call whose output is not judged (the input is poisoned, or was a moment
    /// ago).
    fn process_unjudged(&mut self, inst: &mut dyn Hosted, events: &[ParamChange]) -> Result<()> {
        inst.process(&mut self.inputs, &mut self.outputs, events)
    }

    /// One process call; the main output's peak, or an error naming the first non-finite
    /// output sample.
    fn process(
        &mut self,
        inst: &mut dyn Hosted,
        events: &[ParamChange],
        what: &dyn Fn() -> String,
    ) -> Result<f32> {
        inst.process(&mut self.inputs, &mut self.outputs, events)?;
        let mut peak = 0.0f32;
        for (port, chans) in self.outputs.iter().enumerate() {
            for (c, ch) in chans.iter().enumerate() {
                if let Some(i) = ch.iter().position(|x| !x.is_finite()) {
                    return Err(format!(
                        "{}: output port {port} channel {c} sample {i} is {}",
                        what(),
                        ch[i]
                    )
                    .into());
                }
                if port == 0 {
                    peak = ch.iter().fold(peak, |m, x| m.max(x.abs()));
                }
            }
        }
        Ok(peak)
    }

    fn main_output(&self) -> &[Vec<f32>] {
        &self.outputs[0]
    }
}

/// Opens a fresh instance in a random declared layout.
fn open_in_layout(p: &PluginUnderTest, rng: &mut Rng) -> Result<(Box<dyn Hosted>, String)> {
    let mut inst = open(p)?;
    let layouts = inst.layouts()?;
    ensure!(!layouts.is_empty(), "declares no layout");
    let layout = &layouts[rng.below(layouts.len())];
    inst.select_layout(layout)?;
    Ok((inst, layout.name.clone()))
}

/// Random automation of every kind under random input levels at a random rate and maximum
/// block size; every output sample must be finite.
pub fn automation(p: &PluginUnderTest, seed: u64, budget: Budget) -> Result<()> {
    let mut rng = Rng::new(seed);
    let (mut inst, layout) = open_in_layout(p, &mut rng)?;
    let params = inst.params()?;
    let rate = rng.pick(&RATES);
    let max = rng.pick(&MAX_BLOCKS);
    inst.activate(rate, max)?;
    let mut ports = Ports::new(inst.as_mut())?;
    let total = (budget.seconds() * rate) as usize;
    let mut done = 0;
    let mut block = 0;
    while done < total {
        let len = block_len(&mut rng, max);
        let input = match rng.below(8) {
            0 => Input::Silence,
            1 => Input::Noise(4.0),
            2 => Input::Noise(1e-4),
            _ => Input::Noise(0.5),
        };
        ports.fill(len, input, &mut rng);
        let events = block_events(&params, len, &mut rng);
        let what = || {
            format!(
                "seed {seed}, {layout} at {rate} Hz (max block {max}), block {block} ({len} samples, {} events)",
                events.len()
            )
        };
        ports.process(inst.as_mut(), &events, &what)?;
        done += len;
        block += 1;
    }
    inst.deactivate();
    Ok(())
}

/// Output level that default settings never exceed on clean input at −6 dBFS (the loudest
/// default path, the delay's echoes over the dry signal, stays below +6 dBFS).
const DEFAULT_PEAK_BOUND: f32 = 4.0;

/// Plugins whose output at default settings moves on its own (LFO-modulated reverb lines,
/// the chorus's LFO),
/// so that after the poison they are compared with a fresh instance by level, not sample.
fn time_varying(p: &PluginUnderTest) -> bool {
    matches!(
        p.expected.crate_name,
        "reverb" | "channel-strip" | "delay" | "chorus"
    )
}

/// Every parameter to its default, at the start of a block.
fn defaults(params: &[ParamDesc]) -> Vec<ParamChange> {
    params
        .iter()
        .map(|q| ParamChange {
            offset: 0,
            id: q.id,
            value: q.default,
        })
        .collect()
}

/// Renders `seconds` of `input` in `block`-sample blocks (events in the first block only) and
/// returns the main output.
#[allow(clippy::too_many_arguments)]
fn render(
    inst: &mut dyn Hosted,
    ports: &mut Ports,
    rate: f64,
    seconds: f64,
    block: usize,
    input: Input,
    first_events: &[ParamChange],
    rng: &mut Rng,
    what: &str,
) -> Result<Vec<Vec<f32>>> {
    let total = (seconds * rate) as usize;
    let mut out = vec![Vec::with_capacity(total); ports.main_output().len()];
    let mut done = 0;
    while done < total {
        let len = block.min(total - done);
        ports.fill(len, input, rng);
        let events = if done == 0 { first_events } else { &[] };
        ports.process(inst, events, &|| format!("{what}, at sample {done}"))?;
        for (o, ch) in out.iter_mut().zip(ports.main_output()) {
            o.extend_from_slice(ch);
        }
        done += len;
    }
    Ok(out)
}

fn rms_db(x: &[Vec<f32>]) -> f64 {
    let n: usize = x.iter().map(Vec::len).sum();
    let sum: f64 = x.iter().flatten().map(|&v| v as f64 * v as f64).sum();
    10.0 * (sum / n.max(1) as f64 + 1e-30).log10()
}

/// Seconds of silence after the poison, with default settings, before the comparison: long
/// enough for the longest default tail (the reverb's) to fall far below the noise.
const SETTLE_SECONDS: f64 = 8.0;

/// Poisoned input under random automation, then defaults and clean input: finite, bounded,
/// and the same as a fresh instance (sample for sample within −80 dBFS, or for time-varying
/// plugins the same level within 0.5 dB).
pub fn poison(p: &PluginUnderTest, seed: u64, budget: Budget) -> Result<()> {
    let mut rng = Rng::new(seed);
    let (mut inst, layout) = open_in_layout(p, &mut rng)?;
    let params = inst.params()?;
    let rate = rng.pick(&RATES);
    let max = rng.pick(&[64u32, 512, 8192]);
    inst.activate(rate, max)?;
    let mut ports = Ports::new(inst.as_mut())?;
    let what = format!("seed {seed}, {layout} at {rate} Hz");
    // Poison under automation: bursts between clean blocks.
    let total = (budget.seconds() * rate) as usize;
    let mut done = 0;
    while done < total {
        let len = block_len(&mut rng, max);
        let input = if rng.chance(0.5) {
            Input::Poisoned
        } else {
            Input::Noise(0.5)
        };
        ports.fill(len, input, &mut rng);
        let events = block_events(&params, len, &mut rng);
        ports.process_unjudged(inst.as_mut(), &events)?;
        done += len;
    }
    // 1 s of clean input, parameters still where the automation left them (what comes out
    // while the poison passes through is not judged)…
    let block = max as usize;
    let mut clean = 0;
    while clean < rate as usize {
        let len = block.min(rate as usize - clean);
        ports.fill(len, Input::Noise(0.5), &mut rng);
        ports.process_unjudged(inst.as_mut(), &[])?;
        clean += len;
    }
    // …after which the output is finite, still with those parameters…
    render(
        inst.as_mut(),
        &mut ports,
        rate,
        0.25,
        block,
        Input::Noise(0.5),
        &[],
        &mut rng,
        &format!("{what}, after 1 s of clean input following the poison"),
    )?;
    // …and at the defaults: silence to let tails die, then the same noise into this and a
    // fresh instance.
    let (silence, after) = settle_then_probe(
        inst.as_mut(),
        &mut ports,
        rate,
        block,
        &defaults(&params),
        seed,
        &format!("{what}, defaults after the poison"),
    )?;
    inst.deactivate();
    let tail_db = rms_db(
        &silence
            .iter()
            .map(|c| c[c.len() * 3 / 4..].to_vec())
            .collect::<Vec<_>>(),
    );
    let peak = after.iter().flatten().fold(0.0f32, |m, x| m.max(x.abs()));
    ensure!(
        peak <= DEFAULT_PEAK_BOUND,
        "{what}: at default settings after the poison the output peaks at {peak} (bound {DEFAULT_PEAK_BOUND})"
    );

    let mut fresh = open(p)?;
    let layouts = fresh.layouts()?;
    let same = layouts
        .iter()
        .find(|l| l.name == layout)
        .ok_or("layout vanished")?;
    fresh.select_layout(same)?;
    fresh.activate(rate, max)?;
    let mut fresh_ports = Ports::new(fresh.as_mut())?;
    let (_, reference) = settle_then_probe(
        fresh.as_mut(),
        &mut fresh_ports,
        rate,
        block,
        &[],
        seed,
        &format!("{what}, fresh instance"),
    )?;
    fresh.deactivate();
    // Compare the second half (the first carries whatever the fresh instance's own start
    // does, such as a limiter's release from silence).
    let half =
        |x: &[Vec<f32>]| -> Vec<Vec<f32>> { x.iter().map(|c| c[c.len() / 2..].to_vec()).collect() };
    let (a, b) = (half(&after), half(&reference));
    if time_varying(p) {
        let (la, lb) = (rms_db(&a), rms_db(&b));
        ensure!(
            (la - lb).abs() <= 0.5,
            "{what}: at defaults after the poison the level is {la:.2} dB, a fresh instance gives {lb:.2} dB (tail before: {tail_db:.1} dB)"
        );
    } else {
        let worst = a
            .iter()
            .flatten()
            .zip(b.iter().flatten())
            .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
        ensure!(
            worst <= 1e-4,
            "{what}: at defaults after the poison the output differs from a fresh instance's by up to {worst:e} ({:.1} dBFS; tail before: {tail_db:.1} dB)",
            20.0 * worst.max(1e-30).log10()
        );
    }
    Ok(())
}

/// Stereo (or any channel count) audio: one signal per channel.
type Channels = Vec<Vec<f32>>;

/// [`SETTLE_SECONDS`] of silence (with `events` at its start), then 1 s of the probe noise
/// of `seed`: the same probe for the instance under test and a fresh one.
fn settle_then_probe(
    inst: &mut dyn Hosted,
    ports: &mut Ports,
    rate: f64,
    block: usize,
    events: &[ParamChange],
    seed: u64,
    what: &str,
) -> Result<(Channels, Channels)> {
    let mut rng = Rng::new(seed ^ 0xfeed);
    let silence = render(
        inst,
        ports,
        rate,
        SETTLE_SECONDS,
        block,
        Input::Silence,
        events,
        &mut rng,
        &format!("{what}, settling"),
    )?;
    let probe = render(
        inst,
        ports,
        rate,
        1.0,
        block,
        Input::Noise(0.5),
        &[],
        &mut rng,
        &format!("{what}, probe"),
    )?;
    Ok((silence, probe))
}

/// Every parameter's text, as the user would compare two instances.
fn texts(inst: &mut dyn Hosted, params: &[ParamDesc]) -> Result<Vec<String>> {
    params
        .iter()
        .map(|q| {
            let v = inst.value(q.id)?;
            inst.value_to_text(q.id, v)
        })
        .collect()
}

/// The first parameter whose text differs between `a` and `b` (from [`texts`]): its name and
/// both texts.
fn first_difference<'a>(
    params: &'a [ParamDesc],
    a: &'a [String],
    b: &'a [String],
) -> Option<(&'a str, &'a str, &'a str)> {
    params
        .iter()
        .zip(a.iter().zip(b))
        .find(|(_, (a, b))| a != b)
        .map(|(q, (a, b))| (q.name.as_str(), a.as_str(), b.as_str()))
}

/// Processes 0.1 s of noise in random blocks after activation at `rate`: finite.
fn use_it(inst: &mut dyn Hosted, rate: f64, rng: &mut Rng, what: &str) -> Result<()> {
    let max = 512;
    inst.activate(rate, max)?;
    let mut ports = Ports::new(inst)?;
    let mut done = 0;
    while done < (0.1 * rate) as usize {
        let len = block_len(rng, max);
        ports.fill(len, Input::Noise(0.5), rng);
        ports.process(inst, &[], &|| format!("{what}, at sample {done}"))?;
        done += len;
    }
    inst.deactivate();
    Ok(())
}

/// Damaged states are refused without changing anything, or (a mutation that is still a
/// valid state) accepted and usable; a state saved during automation restores the same
/// values in a fresh instance, which then processes.
pub fn states(p: &PluginUnderTest, seed: u64, budget: Budget) -> Result<()> {
    let mut rng = Rng::new(seed);
    let (mut inst, layout) = open_in_layout(p, &mut rng)?;
    let params = inst.params()?;
    let rate = rng.pick(&RATES);
    let what = format!("seed {seed}, {layout} at {rate} Hz");
    // Save mid-automation (the instance active and processing).
    inst.activate(rate, 512)?;
    let mut ports = Ports::new(inst.as_mut())?;
    for _ in 0..8 {
        let len = block_len(&mut rng, 512);
        ports.fill(len, Input::Noise(0.5), &mut rng);
        let events = block_events(&params, len, &mut rng);
        ports.process(inst.as_mut(), &events, &|| format!("{what}, automation"))?;
    }
    let saved = inst.save_state()?;
    let saved_texts = texts(inst.as_mut(), &params)?;
    inst.deactivate();

    let mut fresh = open(p)?;
    fresh.load_state(&saved)?;
    let loaded = texts(fresh.as_mut(), &params)?;
    if let Some((name, a, b)) = first_difference(&params, &saved_texts, &loaded) {
        return Err(format!(
            "{what}: state saved during automation has {name} = {a:?}, a fresh instance loaded {b:?}"
        )
        .into());
    }
    use_it(
        fresh.as_mut(),
        rate,
        &mut rng,
        &format!("{what}, after loading"),
    )?;

    // Damaged blobs, loaded while stopped.
    let tries = match budget {
        Budget::Short => 6,
        Budget::Long => 40,
    };
    for t in 0..tries {
        let blob: Vec<u8> = match rng.below(4) {
            0 => (0..rng.below(4096)).map(|_| rng.next_u64() as u8).collect(),
            1 => saved[..rng.below(saved.len().max(1))].to_vec(),
            2 => {
                let mut b = saved.clone();
                for _ in 0..1 + rng.below(8) {
                    let i = rng.below(b.len().max(1));
                    if let Some(x) = b.get_mut(i) {
                        *x ^= 1 << rng.below(8);
                    }
                }
                b
            }
            _ => {
                // Valid text shape, wrong content: a digit changed somewhere.
                let mut b = saved.clone();
                let digits: Vec<usize> = (0..b.len()).filter(|&i| b[i].is_ascii_digit()).collect();
                if !digits.is_empty() {
                    let i = digits[rng.below(digits.len())];
                    b[i] = b'0' + rng.below(10) as u8;
                }
                b
            }
        };
        let before = texts(fresh.as_mut(), &params)?;
        let label = format!("{what}, damaged state {t} ({} bytes)", blob.len());
        if fresh.load_state(&blob).is_err() {
            let after = texts(fresh.as_mut(), &params)?;
            if let Some((name, a, b)) = first_difference(&params, &before, &after) {
                return Err(
                    format!("{label}: refused, yet {name} changed from {a:?} to {b:?}").into(),
                );
            }
        }
        use_it(fresh.as_mut(), rate, &mut rng, &label)?;
    }
    Ok(())
}

/// Activation cycles at changing rates, maximum block sizes and layouts, with processing (and
/// automation) in between, and a state round trip while inactive.
pub fn lifecycle(p: &PluginUnderTest, seed: u64, budget: Budget) -> Result<()> {
    let mut rng = Rng::new(seed);
    let mut inst = open(p)?;
    let params = inst.params()?;
    let layouts = inst.layouts()?;
    let cycles = match budget {
        Budget::Short => 4,
        Budget::Long => 16,
    };
    for cycle in 0..cycles {
        if rng.chance(0.3) {
            let l = &layouts[rng.below(layouts.len())];
            inst.select_layout(l)?;
        }
        if rng.chance(0.3) {
            let s = inst.save_state()?;
            inst.load_state(&s)?;
        }
        let rate = rng.pick(&RATES);
        let max = rng.pick(&MAX_BLOCKS);
        inst.activate(rate, max)?;
        let mut ports = Ports::new(inst.as_mut())?;
        for block in 0..1 + rng.below(6) {
            let len = block_len(&mut rng, max);
            ports.fill(len, Input::Noise(0.5), &mut rng);
            let events = block_events(&params, len, &mut rng);
            ports.process(inst.as_mut(), &events, &|| {
                format!("seed {seed}, cycle {cycle} at {rate} Hz (max {max}), block {block}")
            })?;
        }
        inst.deactivate();
    }
    Ok(())
}

/// Every case once with `seed`.
pub fn all_cases(p: &PluginUnderTest, seed: u64, budget: Budget) -> Result<()> {
    automation(p, seed, budget)?;
    poison(p, seed, budget)?;
    states(p, seed, budget)?;
    lifecycle(p, seed, budget)
}
