//! `clap_render`: renders a stereo WAV through a CLAP bundle with our own host
//! (`host_tests::host`), as the independent reference for `cargo xtask daw-test`'s
//! comparison of Ardour's VST3 exports (xtask/src/daw/reference.rs).
//!
//! Settings are given in the terms Ardour 7.3 uses for the VST3 of the same plugin
//! (tests/daw/lib.lua, `set_params`), so one list of settings drives both renders: the
//! parameter's name and its *plain* value as the VST3 controller defines it (Ardour shows a
//! VST3 parameter's range as `normalizedParamToPlain(0) .. normalizedParamToPlain(1)` and
//! hands the plugin `plainParamToNormalized(value)`; for nice-plug that is the parameter's
//! own unit: dB, %, an enum's or a bool's index). The plain value is converted exactly as
//! there, by the VST3 controller of the same build (`--vst3`, by default the `.vst3` beside
//! the `.clap`; only its parameter mapping is used, no audio goes through it), to the
//! normalised value, which goes to the CLAP as nice-plug's CLAP wrapper expects it: the
//! normalised value for a continuous parameter, normalised × steps for a stepped one (the
//! wrapper divides by the steps; both wrappers take the normalised value as `f32`, and a
//! stepped parameter rounds to its step). Each value is read back from the CLAP after it is
//! set, mapped back to plain the same way and printed, for the caller to compare with what
//! Ardour reads back from the VST3; it must show as the value asked for (a parameter with a
//! step size snaps to it, in either format).
//!
//! The input is rendered whole, followed by `latency` samples of silence so that the output
//! minus the first `latency` samples (the plugin's reported delay) is as long as the input;
//! the output WAV is written whole, the latency is printed ("LATENCY <samples>") and the
//! caller removes it. Blocks are `--block` samples (default 1024, the block of Ardour's
//! Dummy backend), all full except the last; the transport is playing at `--tempo` BPM
//! (Ardour's default 120) for tempo-synced plugins. By default the plugin is activated for
//! an offline render (`clap.render` offline), as Ardour's export runs its engine
//! freewheeling; `--realtime` renders in real-time mode instead.
//!
//! By default the settings are flushed before activation, as when a session loads. With
//! `--live --preroll N` they go in as events of the first block of N samples of silence on
//! the running plugin, as a DAW sets them (render.lua does); if that changes the plugin's
//! latency, the plugin is deactivated and activated again, which is how a CLAP host answers
//! the restart the plugin asks for. The pre-roll's output is dropped.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use host_tests::cli::Args;
use host_tests::host::{self, Bundle, ParamChange, ParamDesc};
use host_tests::vst3_host;

const USAGE: &str = "\
Usage: clap_render <bundle.clap> <input.wav> <output.wav> [options] [<name>=<value>...]
  <name>=<value>  a parameter by its name and its plain value as the VST3 defines it
                  (Ardour's units: dB, %, an enum's index…)
  --vst3 BUNDLE   the .vst3 whose controller maps plain values (default: beside the .clap)
  --block N       samples per process call (default 1024: Ardour's Dummy backend)
  --preroll N     process N samples of silence first and drop their output
  --live          set the parameters as events in the pre-roll's first block, on the
                  running plugin as a DAW does, instead of before activation
  --tempo BPM     the transport's tempo (default 120: Ardour's default)
  --realtime      activate in real-time mode instead of for an offline render
  --plugin ID     the CLAP id, when the bundle has more than one plugin
  --list          print the parameters (name, plain range, steps, default) and exit";

struct Options {
    bundle: PathBuf,
    input: PathBuf,
    output: PathBuf,
    block: u32,
    preroll: usize,
    tempo: f64,
    realtime: bool,
    live: bool,
    plugin: Option<String>,
    vst3: Option<PathBuf>,
    list: bool,
    settings: Vec<(String, String)>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut positional = Vec::new();
    let mut o = Options {
        bundle: PathBuf::new(),
        input: PathBuf::new(),
        output: PathBuf::new(),
        block: 1024,
        preroll: 0,
        tempo: 120.0,
        realtime: false,
        live: false,
        plugin: None,
        vst3: None,
        list: false,
        settings: Vec::new(),
    };
    let mut args = Args::new(args);
    while let Some(arg) = args.next_arg() {
        match arg {
            "--block" => o.block = args.number("--block", "a positive whole number", |&b| b > 0)?,
            "--preroll" => o.preroll = args.number("--preroll", "a whole number", |_| true)?,
            "--tempo" => {
                o.tempo = args.number("--tempo", "a positive number", |t: &f64| {
                    t.is_finite() && *t > 0.0
                })?
            }
            "--realtime" => o.realtime = true,
            "--live" => o.live = true,
            "--plugin" => o.plugin = Some(args.value("--plugin")?),
            "--vst3" => o.vst3 = Some(PathBuf::from(args.value("--vst3")?)),
            "--list" => o.list = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            a if a.starts_with("--") => return Err(format!("unknown option '{a}'\n\n{USAGE}")),
            a => match a.split_once('=') {
                Some((name, v)) if positional.len() >= 3 => {
                    o.settings.push((name.to_owned(), v.to_owned()))
                }
                _ => positional.push(PathBuf::from(a)),
            },
        }
    }
    if o.live && (o.preroll as u64) < u64::from(o.block) {
        return Err(
            "--live needs a --preroll of at least one block (the settings go in its first)"
                .to_owned(),
        );
    }
    match (positional.len(), o.list) {
        (1, true) | (3, _) => {}
        _ => return Err(USAGE.to_owned()),
    }
    let mut positional = positional.into_iter();
    o.bundle = positional.next().unwrap_or_default();
    o.input = positional.next().unwrap_or_default();
    o.output = positional.next().unwrap_or_default();
    Ok(o)
}

/// Steps of a stepped parameter (its CLAP maximum: nice-plug's CLAP wrapper shows a stepped
/// parameter as its step index), `None` for a continuous one.
fn steps(p: &ParamDesc) -> Option<u32> {
    p.stepped.then_some(p.max.round() as u32)
}

/// The plain ↔ normalised mapping of the VST3 controller of the same plugin: what Ardour
/// uses to turn its values into what the plugin gets.
struct PlainMapping {
    inst: vst3_host::Instance,
    params: Vec<vst3_host::Vst3Param>,
}

impl PlainMapping {
    fn open(bundle: &Path, name: &str) -> host::Result<Self> {
        let module = vst3_host::Module::load(&vst3_host::library_path(bundle))?;
        let class = module
            .classes()?
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("{} has no VST3 class {name:?}", bundle.display()))?;
        let inst = module.instantiate(&class.cid)?;
        let params = inst.params()?;
        Ok(Self { inst, params })
    }

    fn id(&self, name: &str) -> host::Result<u32> {
        match self
            .params
            .iter()
            .filter(|p| p.title == name)
            .collect::<Vec<_>>()[..]
        {
            [p] => Ok(p.id),
            [] => Err(format!("the VST3 has no parameter named {name:?}").into()),
            _ => Err(format!("the VST3 has more than one parameter named {name:?}").into()),
        }
    }

    /// The CLAP value for a plain value given as text, or why it is wrong.
    fn clap_value(&self, p: &ParamDesc, text: &str) -> host::Result<f64> {
        let name = &p.name;
        let id = self.id(name)?;
        // As f32: Ardour keeps control values as floats.
        let plain: f32 = text
            .parse()
            .ok()
            .filter(|v: &f32| v.is_finite())
            .ok_or_else(|| format!("{name}: '{text}' is not a number"))?;
        let (lo, hi) = (self.inst.to_plain(id, 0.0), self.inst.to_plain(id, 1.0));
        if !(lo.min(hi)..=lo.max(hi)).contains(&f64::from(plain)) {
            return Err(format!("{name} = {plain} is outside {lo} .. {hi}").into());
        }
        let normalised = self.inst.to_normalized(id, f64::from(plain));
        Ok(normalised * steps(p).map_or(1.0, f64::from))
    }

    /// A CLAP value as the plain value the VST3 controller shows for it.
    fn plain(&self, p: &ParamDesc, clap: f64) -> host::Result<f64> {
        Ok(self
            .inst
            .to_plain(self.id(&p.name)?, clap / steps(p).map_or(1.0, f64::from)))
    }
}

fn read_wav(path: &std::path::Path) -> Result<(u32, [Vec<f32>; 2]), String> {
    let mut r =
        hound::WavReader::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spec = r.spec();
    if spec.channels != 2
        || spec.sample_format != hound::SampleFormat::Float
        || spec.bits_per_sample != 32
    {
        return Err(format!(
            "{}: expected stereo 32-bit float, got {spec:?}",
            path.display()
        ));
    }
    let mut out = [Vec::new(), Vec::new()];
    for (i, s) in r.samples::<f32>().enumerate() {
        out[i % 2].push(s.map_err(|e| format!("{}: {e}", path.display()))?);
    }
    Ok((spec.sample_rate, out))
}

fn write_wav(path: &std::path::Path, rate: u32, signal: &[Vec<f32>; 2]) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let err = |e: hound::Error| format!("cannot write {}: {e}", path.display());
    let mut w = hound::WavWriter::create(path, spec).map_err(err)?;
    for (&l, &r) in signal[0].iter().zip(&signal[1]) {
        w.write_sample(l).map_err(err)?;
        w.write_sample(r).map_err(err)?;
    }
    w.finalize().map_err(err)
}

fn run(o: &Options) -> host::Result<()> {
    let bundle = Bundle::load(&o.bundle)?;
    let descriptors = bundle.descriptors();
    let id = match &o.plugin {
        Some(id) => id.clone(),
        None => match descriptors.as_slice() {
            [only] => only.id.clone(),
            _ => {
                return Err(format!(
                    "{} has {} plugins; choose one with --plugin",
                    o.bundle.display(),
                    descriptors.len()
                )
                .into());
            }
        },
    };
    let mut inst = bundle.instantiate(&id)?;
    let name = descriptors
        .iter()
        .find(|d| d.id == id)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let vst3 = o
        .vst3
        .clone()
        .unwrap_or_else(|| o.bundle.with_extension("vst3"));
    let mapping = PlainMapping::open(&vst3, &name)?;
    let params = inst.params()?;
    if o.list {
        for p in &params {
            let default = inst.value_to_text(p.id, p.default)?;
            let (lo, hi) = (mapping.plain(p, p.min)?, mapping.plain(p, p.max)?);
            let kind = steps(p).map_or("continuous".to_owned(), |s| format!("{s} steps"));
            println!("{:?}: {lo} .. {hi}, {kind}, default {default}", p.name);
        }
        return Ok(());
    }

    let mut changes = Vec::new();
    for (name, text) in &o.settings {
        let matching: Vec<&ParamDesc> = params.iter().filter(|p| &p.name == name).collect();
        let p = match matching.as_slice() {
            [p] => *p,
            [] => return Err(format!("the plugin has no parameter named {name:?}").into()),
            _ => return Err(format!("more than one parameter is named {name:?}").into()),
        };
        changes.push((p, text, mapping.clap_value(p, text)?));
    }
    let flush: Vec<ParamChange> = changes
        .iter()
        .map(|&(p, _, value)| ParamChange {
            offset: 0,
            id: p.id,
            value,
        })
        .collect();
    if !o.live {
        inst.flush(&flush)?;
        read_back(&mut inst, &mapping, &changes)?;
    }

    let (rate, input) = read_wav(&o.input)?;
    let activate = |inst: &mut host::Instance| {
        if o.realtime {
            inst.activate(f64::from(rate), o.block)
        } else {
            inst.activate_offline(f64::from(rate), o.block)
        }
    };
    activate(&mut inst)?;
    let ports = inst.ports()?;
    if ports.inputs.first() != Some(&2) || ports.outputs.first() != Some(&2) {
        return Err(format!("expected a stereo main bus, the plugin has {ports:?}").into());
    }
    let mut blocks = Blocks::new(&ports, o.block as usize, o.tempo);

    // The pre-roll: silence, its output dropped; with `--live` the settings go in as events
    // of its first block, as a DAW sets parameters on a running plugin.
    let mut done = 0;
    while done < o.preroll {
        let n = blocks.block.min(o.preroll - done);
        let events: &[ParamChange] = if o.live && done == 0 { &flush } else { &[] };
        let latency_before = inst.latency()?;
        blocks.process(&mut inst, None, n, events)?;
        if inst.latency()? != latency_before {
            // A setting changed the latency (the EQ's linear phase): the plugin asked for a
            // restart, which a host does by deactivating and activating it again.
            inst.deactivate();
            activate(&mut inst)?;
        }
        done += n;
    }
    if o.live {
        read_back(&mut inst, &mapping, &changes)?;
    }

    let latency = inst.latency()? as usize;
    println!("LATENCY {latency}");
    // The input, then `latency` samples of silence to flush the plugin's delay.
    let len = input[0].len() + latency;
    let mut out = [Vec::with_capacity(len), Vec::with_capacity(len)];
    let mut start = 0;
    while start < len {
        let n = blocks.block.min(len - start);
        let output = blocks.process(&mut inst, Some((&input, start)), n, &[])?;
        for c in 0..2 {
            out[c].extend_from_slice(&output[c]);
        }
        start += n;
    }
    if inst.logged_errors() > 0 {
        return Err(format!("the plugin logged {} errors", inst.logged_errors()).into());
    }
    write_wav(&o.output, rate, &out)?;
    println!("RENDERED {} ({len} samples)", o.output.display());
    Ok(())
}

/// Reads each setting back from the CLAP and prints it as a plain value (`SET` lines).
fn read_back(
    inst: &mut host::Instance,
    mapping: &PlainMapping,
    changes: &[(&ParamDesc, &String, f64)],
) -> host::Result<()> {
    for &(p, text, value) in changes {
        // A parameter with a step size (a ratio in 0.1 steps) snaps to it, in either format
        // alike: what is read back must be near what was set (on the normalised scale).
        let got = inst.value(p.id)?;
        let scale = steps(p).map_or(1.0, f64::from);
        if (got - value).abs() / scale > 1e-2 {
            return Err(format!("{} reads back {got}, not the {value} set", p.name).into());
        }
        // The xtask compares the value read back with Ardour's (render.lua's SET lines).
        println!(
            "SET {} = {text} reads back {} ({})",
            p.name,
            mapping.plain(p, got)?,
            inst.value_to_text(p.id, got)?
        );
    }
    Ok(())
}

/// The buffers of one `process` call: the main input (from the signal, or silence), silence
/// on any auxiliary input (a sidechain left unconnected, as on Ardour's stereo track), and
/// the transport playing at the tempo.
struct Blocks {
    block: usize,
    inputs: Vec<Vec<Vec<f32>>>,
    outputs: Vec<Vec<Vec<f32>>>,
    transport: host::TransportEvent,
}

impl Blocks {
    fn new(ports: &host::Ports, block: usize, tempo: f64) -> Self {
        let buffers = |counts: &[u32]| {
            counts
                .iter()
                .map(|&c| vec![vec![0.0; block]; c as usize])
                .collect()
        };
        Self {
            block,
            inputs: buffers(&ports.inputs),
            outputs: buffers(&ports.outputs),
            transport: host::transport(tempo),
        }
    }

    /// Processes `n` samples of `signal` from `start` (past its end: silence); returns the
    /// main output.
    fn process(
        &mut self,
        inst: &mut host::Instance,
        signal: Option<(&[Vec<f32>; 2], usize)>,
        n: usize,
        events: &[ParamChange],
    ) -> host::Result<&[Vec<f32>]> {
        for port in self.inputs.iter_mut().chain(self.outputs.iter_mut()) {
            for channel in port.iter_mut() {
                channel.resize(n, 0.0);
                channel.fill(0.0);
            }
        }
        if let Some((signal, start)) = signal {
            for (c, channel) in self.inputs[0].iter_mut().enumerate() {
                let end = signal[c].len().min(start + n);
                if start < end {
                    channel[..end - start].copy_from_slice(&signal[c][start..end]);
                }
            }
        }
        inst.process_with_transport(
            &mut self.inputs,
            &mut self.outputs,
            events,
            Some(&self.transport),
        )?;
        Ok(&self.outputs[0])
    }
}

fn main() -> ExitCode {
    let Some(o) = host_tests::cli::from_env(parse, "") else {
        return ExitCode::FAILURE;
    };
    match run(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clap_render: {e}");
            ExitCode::FAILURE
        }
    }
}
