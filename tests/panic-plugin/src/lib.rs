//! A plugin that panics on demand, so that `tests/tests/panic_safety.rs` can show that a panic
//! in plugin code never reaches the host (nice-plug's `PanicGuard`, see
//! `vendor/nice-plug/MIXWERK.md`), and that shows the floating point mode its `process` runs
//! in (`tests/tests/denormals.rs`). Not a Mixwerk product: it lives outside `plugins/`, so
//! `cargo xtask` never bundles it; `cargo xtask test` builds it as a plain library.
//!
//! It passes its stereo input through unchanged until its "Panic" parameter is on; from then
//! on every `process` call panics. Its "Trap" parameter's text conversion panics above 0.9.
//! Its persisted field "fuse" panics when a state sets it to 666 (after the parameters were
//! loaded from that state). With "Probe" on, it multiplies the left input by 1 and the right input by 1e-10: a
//! subnormal left input comes out as zero only if denormals-are-zero is on, and a right input
//! whose product is subnormal comes out as zero only if flush-to-zero is on.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;

#[derive(Params)]
struct PanicParams {
    /// On: `process` panics.
    #[id = "panic"]
    panic: BoolParam,
    /// On: the float mode probe described above.
    #[id = "probe"]
    probe: BoolParam,
    /// Its value-to-text and text-to-value conversions panic for values above 0.9.
    #[id = "trap"]
    trap: FloatParam,
    /// Restoring it from a state panics for 666.
    #[persist = "fuse"]
    fuse: Fuse,
}

/// A persisted number whose restore panics on 666.
#[derive(Default)]
struct Fuse(AtomicU32);

impl PersistentField<'_, u32> for Fuse {
    fn set(&self, value: u32) {
        assert!(value != 666, "injected panic in state load");
        self.0.store(value, Ordering::Relaxed);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&u32) -> R,
    {
        f(&self.0.load(Ordering::Relaxed))
    }
}

impl Default for PanicParams {
    fn default() -> Self {
        Self {
            panic: BoolParam::new("Panic", false),
            probe: BoolParam::new("Probe", false),
            trap: FloatParam::new("Trap", 0.0, FloatRange::Linear { min: 0.0, max: 1.0 })
                .with_value_to_string(Arc::new(|v| {
                    assert!(v <= 0.9, "injected panic in value to text");
                    format!("{v:.3}")
                }))
                .with_string_to_value(Arc::new(|s| {
                    let v: f32 = s.trim().parse().ok()?;
                    assert!(v <= 0.9, "injected panic in text to value");
                    Some(v)
                })),
            fuse: Fuse::default(),
        }
    }
}

#[derive(Default)]
pub struct PanicPlugin {
    params: Arc<PanicParams>,
}

impl Plugin for PanicPlugin {
    const NAME: &'static str = "Panic Test";
    const VENDOR: &'static str = "Mixwerk Tests";
    const URL: &'static str = "https://mixwerk.org";
    const EMAIL: &'static str = "info@mixwerk.org";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    }];
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = ();
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // The wrapper copied the input to the output: passing through is doing nothing.
        if self.params.panic.value() {
            panic!("injected panic in process");
        }
        if self.params.probe.value()
            && let [left, right, ..] = buffer.as_slice()
        {
            // `black_box`: the factors must be multiplied at run time, in the CPU's float mode.
            let (one, tiny) = (std::hint::black_box(1.0f32), std::hint::black_box(1e-10f32));
            left.iter_mut().for_each(|x| *x *= one);
            right.iter_mut().for_each(|x| *x *= tiny);
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for PanicPlugin {
    const CLAP_ID: &'static str = "org.mixwerk.test.panic";
    const CLAP_DESCRIPTION: Option<&'static str> = Some("Panics on demand (tests only)");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[ClapFeature::AudioEffect];
}

impl Vst3Plugin for PanicPlugin {
    const VST3_CLASS_ID: [u8; 16] = *b"MixwerkPanicTest";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[Vst3SubCategory::Fx];
}

nice_export_clap!(PanicPlugin);
nice_export_vst3!(PanicPlugin);
