//! One face for both plugin formats, so that the battery is written once and runs on every
//! CLAP and every VST3 bundle alike.
//!
//! Units: parameters are seen as nice-plug's CLAP wrapper shows them, `0…1` for continuous
//! parameters and `0…steps` for stepped ones (CLAP "plain" values); the VST3 adapter converts
//! to and from VST3's normalised `0…1`. Real units only ever appear in the text, which is what
//! a user sees in either host.

use crate::bundles::{Format, PluginUnderTest};
use crate::host::{self, Layout, ParamChange, ParamDesc, Ports, Result};
use crate::vst3_host::{self, Transport};

pub trait Hosted {
    fn params(&mut self) -> Result<Vec<ParamDesc>>;
    fn value(&mut self, id: u32) -> Result<f64>;
    fn value_to_text(&mut self, id: u32, value: f64) -> Result<String>;
    fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64>;
    /// The audio layouts the plugin declares (main and aux channel counts per port).
    fn layouts(&mut self) -> Result<Vec<Layout>>;
    fn select_layout(&mut self, layout: &Layout) -> Result<()>;
    fn ports(&mut self) -> Result<Ports>;
    fn activate(&mut self, sample_rate: f64, max_block: u32) -> Result<()>;
    /// Activates for an offline render (CLAP `clap.render` offline, VST3 `kOffline`): the host
    /// renders faster than real time and the result must not depend on how fast.
    fn activate_offline(&mut self, _sample_rate: f64, _max_block: u32) -> Result<()> {
        Err("this host cannot render offline".into())
    }
    fn deactivate(&mut self);
    fn process(
        &mut self,
        inputs: &mut [Vec<Vec<f32>>],
        outputs: &mut [Vec<Vec<f32>>],
        changes: &[ParamChange],
    ) -> Result<()>;
    fn latency(&mut self) -> Result<u32>;
    fn save_state(&mut self) -> Result<Vec<u8>>;
    fn load_state(&mut self, bytes: &[u8]) -> Result<()>;
}

/// Creates a fresh instance of the plugin under test in its own format.
pub fn open(p: &PluginUnderTest) -> Result<Box<dyn Hosted>> {
    match p.format {
        Format::Clap => {
            let bundle = host::Bundle::load(&p.path)?;
            Ok(Box::new(bundle.instantiate(p.expected.clap_id)?))
        }
        Format::Vst3 => Ok(Box::new(open_vst3(p)?)),
    }
}

/// A fresh VST3 instance of the plugin under test (a `.vst3` library).
pub fn open_vst3(p: &PluginUnderTest) -> Result<Vst3Hosted> {
    let module = vst3_host::Module::load(&p.path)?;
    let classes = module.classes()?;
    let class = classes
        .iter()
        .find(|c| c.name == p.expected.name)
        .ok_or_else(|| format!("no VST3 class named {:?}", p.expected.name))?;
    let layouts = clap_layouts(p)?;
    let params = clap_params(p)?;
    Ok(Vst3Hosted {
        inst: module.instantiate(&class.cid)?,
        layouts,
        params,
        transport: Transport::default(),
    })
}

/// The layouts and parameter ranges the same plugin declares through CLAP. VST3 has no way
/// to enumerate layouts, and its parameters carry step counts but no ranges; taking both
/// from the CLAP side also checks that the two wrappers agree.
fn clap_layouts(p: &PluginUnderTest) -> Result<Vec<Layout>> {
    clap_twin(p)?.layouts()
}

fn clap_params(p: &PluginUnderTest) -> Result<Vec<ParamDesc>> {
    clap_twin(p)?.params()
}

fn clap_twin(p: &PluginUnderTest) -> Result<host::Instance> {
    let clap = match p.format {
        Format::Clap => p.clone(),
        Format::Vst3 => p.clap_twin(),
    };
    host::Bundle::load(&clap.path)?.instantiate(clap.expected.clap_id)
}

impl Hosted for host::Instance {
    fn params(&mut self) -> Result<Vec<ParamDesc>> {
        host::Instance::params(self)
    }
    fn value(&mut self, id: u32) -> Result<f64> {
        host::Instance::value(self, id)
    }
    fn value_to_text(&mut self, id: u32, value: f64) -> Result<String> {
        host::Instance::value_to_text(self, id, value)
    }
    fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        host::Instance::text_to_value(self, id, text)
    }
    fn layouts(&mut self) -> Result<Vec<Layout>> {
        host::Instance::layouts(self)
    }
    fn select_layout(&mut self, layout: &Layout) -> Result<()> {
        host::Instance::select_layout(self, layout.id)
    }
    fn ports(&mut self) -> Result<Ports> {
        host::Instance::ports(self)
    }
    fn activate(&mut self, sample_rate: f64, max_block: u32) -> Result<()> {
        host::Instance::activate(self, sample_rate, max_block)
    }
    fn activate_offline(&mut self, sample_rate: f64, max_block: u32) -> Result<()> {
        host::Instance::activate_offline(self, sample_rate, max_block)
    }
    fn deactivate(&mut self) {
        host::Instance::deactivate(self)
    }
    fn process(
        &mut self,
        inputs: &mut [Vec<Vec<f32>>],
        outputs: &mut [Vec<Vec<f32>>],
        changes: &[ParamChange],
    ) -> Result<()> {
        host::Instance::process(self, inputs, outputs, changes).map(|_| ())
    }
    fn latency(&mut self) -> Result<u32> {
        host::Instance::latency(self)
    }
    fn save_state(&mut self) -> Result<Vec<u8>> {
        host::Instance::save_state(self)
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        host::Instance::load_state(self, bytes)
    }
}

/// A VST3 instance seen through the same face; `params` and `layouts` come from the CLAP twin
/// (checked against the VST3 controller's own view in the VST3-only battery).
pub struct Vst3Hosted {
    pub inst: vst3_host::Instance,
    layouts: Vec<Layout>,
    params: Vec<ParamDesc>,
    pub transport: Transport,
}

impl Vst3Hosted {
    /// `0…steps` (or `0…1`) → VST3 normalised.
    fn normalise(&self, id: u32, value: f64) -> f64 {
        let max = self
            .params
            .iter()
            .find(|q| q.id == id)
            .map_or(1.0, |q| q.max);
        value / max
    }

    fn denormalise(&self, id: u32, normalised: f64) -> f64 {
        let max = self
            .params
            .iter()
            .find(|q| q.id == id)
            .map_or(1.0, |q| q.max);
        normalised * max
    }
}

/// VST3 speaker arrangement for a channel count: the standard ones where they exist.
pub fn arrangement(channels: u32) -> u64 {
    match channels {
        1 => 1 << 19, // kSpeakerM
        2 => 0b11,    // kSpeakerL | kSpeakerR
        n => (1u64 << n) - 1,
    }
}

impl Hosted for Vst3Hosted {
    fn params(&mut self) -> Result<Vec<ParamDesc>> {
        Ok(self.params.clone())
    }
    fn value(&mut self, id: u32) -> Result<f64> {
        Ok(self.denormalise(id, self.inst.normalized(id)))
    }
    fn value_to_text(&mut self, id: u32, value: f64) -> Result<String> {
        self.inst.string_by_value(id, self.normalise(id, value))
    }
    fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        self.inst
            .value_by_string(id, text)
            .map(|n| self.denormalise(id, n))
    }
    fn layouts(&mut self) -> Result<Vec<Layout>> {
        Ok(self.layouts.clone())
    }
    fn select_layout(&mut self, layout: &Layout) -> Result<()> {
        let ins: Vec<u64> = layout.inputs.iter().map(|&c| arrangement(c)).collect();
        let outs: Vec<u64> = layout.outputs.iter().map(|&c| arrangement(c)).collect();
        if self.inst.set_arrangement(&ins, &outs) {
            Ok(())
        } else {
            Err(format!(
                "setBusArrangements refused the declared layout {:?} ({:?} → {:?})",
                layout.name, layout.inputs, layout.outputs
            )
            .into())
        }
    }
    fn ports(&mut self) -> Result<Ports> {
        let (ins, outs) = self.inst.buses()?;
        Ok(Ports {
            inputs: ins.iter().map(|b| b.channels).collect(),
            outputs: outs.iter().map(|b| b.channels).collect(),
        })
    }
    fn activate(&mut self, sample_rate: f64, max_block: u32) -> Result<()> {
        self.inst.activate(sample_rate, max_block as i32)
    }
    fn activate_offline(&mut self, sample_rate: f64, max_block: u32) -> Result<()> {
        self.inst.activate_offline(sample_rate, max_block as i32)
    }
    fn deactivate(&mut self) {
        self.inst.deactivate()
    }
    fn process(
        &mut self,
        inputs: &mut [Vec<Vec<f32>>],
        outputs: &mut [Vec<Vec<f32>>],
        changes: &[ParamChange],
    ) -> Result<()> {
        let normalised: Vec<ParamChange> = changes
            .iter()
            .map(|c| ParamChange {
                value: self.normalise(c.id, c.value),
                ..*c
            })
            .collect();
        // The controller follows what the host automates, as in a DAW.
        for c in &normalised {
            self.inst.set_normalized(c.id, c.value)?;
        }
        let len = outputs.first().and_then(|p| p.first()).map_or(0, Vec::len);
        self.inst
            .process(inputs, outputs, &normalised, Some(self.transport))?;
        self.transport.position_samples += len as i64;
        Ok(())
    }
    fn latency(&mut self) -> Result<u32> {
        Ok(self.inst.latency())
    }
    fn save_state(&mut self) -> Result<Vec<u8>> {
        self.inst.get_state()
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        self.inst.set_state(bytes)
    }
}
