//! The limiter and the loudness meter allocate nothing once built: every block size, setting
//! change, lookahead switch, reset and meter publication runs under a global allocator that
//! counts this thread's allocations. (The plugin is checked the same way end to end by the
//! harness's `assert_process_allocs` builds.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use shared_dsp::dynamics::dither::DitherDepth;
use shared_dsp::dynamics::limiter::{Limiter, PeakMode, Settings};
use shared_dsp::meter::LoudnessMeter;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// Runs `block` on `blocks` blocks of noise, of the sizes in `lens` in turn (the right
/// channel the inverted left, but NaN in every block `k` with `k % nan_every == 3`), and
/// asserts that nothing allocated while they ran. `block` gets the block's number and its
/// channels.
fn assert_blocks_allocate_nothing(
    fs: f32,
    lens: &[usize],
    blocks: usize,
    (seed, nan_every): (u32, usize),
    mut block: impl FnMut(usize, &mut [f32], &mut [f32]),
) {
    let mut left = vec![0.0f32; 8_192];
    let mut right = vec![0.0f32; 8_192];
    let mut state = seed;
    let before = allocations();
    for (k, &len) in lens.iter().cycle().take(blocks).enumerate() {
        for (l, r) in left[..len].iter_mut().zip(&mut right[..len]) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *l = state as f32 / u32::MAX as f32 - 0.5;
            *r = if k % nan_every == 3 { f32::NAN } else { -*l };
        }
        block(k, &mut left[..len], &mut right[..len]);
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "{} allocations while processing at {fs} Hz",
        after - before
    );
}

#[test]
fn processing_allocates_nothing() {
    for fs in [44_100.0f32, 192_000.0] {
        let mut limiter = Limiter::new(fs, 8_192);
        let mut meter = LoudnessMeter::new(fs, 2);
        let mut mono_meter = LoudnessMeter::new(fs, 1);
        let readings = meter.readings();
        let mut settings = Settings {
            drive_db: 20.0,
            ..Settings::default()
        };
        let lens = [1usize, 7, 64, 512, 8_192, 333, 4_096, 2, 8_192, 8_192];
        assert_blocks_allocate_nothing(fs, &lens, 200, (1, 17), |k, left, right| {
            settings.lookahead_ms = [1.5, 10.0, 0.5][k / 30 % 3];
            settings.auto_release = k % 3 == 0;
            settings.dither = if k % 5 == 0 {
                DitherDepth::Bits24
            } else {
                DitherDepth::Off
            };
            settings.peak_mode = if k % 7 == 0 {
                PeakMode::SamplePeak
            } else {
                PeakMode::TruePeak
            };
            settings.bypass = k % 50 > 45;
            limiter.update(&settings);
            if k == 100 {
                limiter.reset();
                readings.request_reset();
            }
            limiter.process(left, right);
            meter.process(left, right);
            mono_meter.process_mono(left);
            let _ = (
                readings.integrated.load(),
                limiter.gain_reduction_db(),
                limiter.latency_samples(),
            );
        });
        assert!(readings.short_term.load().is_finite() && readings.range.load().is_finite());
    }
}

/// The oversampled limiter: factor switches (every way, mid-stream), lookahead changes while
/// oversampling, bypass, mono and reset allocate nothing: every core and filter is built in
/// `new`.
#[test]
fn oversampled_limiter_allocates_nothing() {
    use shared_dsp::dynamics::oversampled_limiter::{
        OversampledLimiter, Settings as OversampledSettings,
    };
    use shared_dsp::dynamics::oversampling::Oversampling;
    for fs in [44_100.0f32, 192_000.0] {
        let mut limiter = OversampledLimiter::new(fs, 8_192);
        let lens = [1usize, 7, 64, 512, 8_192, 333, 4_096, 2];
        assert_blocks_allocate_nothing(fs, &lens, 160, (7, 13), |k, left, right| {
            let settings = OversampledSettings {
                limiter: Settings {
                    drive_db: 20.0,
                    lookahead_ms: [1.5, 10.0, 0.5][k / 25 % 3],
                    bypass: k % 40 > 35,
                    ..Settings::default()
                },
                oversampling: Oversampling::ALL[k / 9 % 4],
            };
            limiter.update(&settings);
            if k == 100 {
                limiter.reset();
            }
            if k % 5 == 0 {
                limiter.process_mono(left);
            } else {
                limiter.process(left, right);
            }
            let _ = (limiter.gain_reduction_db(), limiter.latency_samples());
        });
    }
}

/// The chorus: every mode, topology fades, glides, tempo, phase and reset, under the
/// counting allocator.
#[test]
fn chorus_allocates_nothing() {
    use shared_dsp::chorus::{Chorus, Mode, Rate, Settings};
    for fs in [44_100.0f32, 384_000.0] {
        let mut c = Chorus::new(fs, 512);
        let modes = [Mode::Chorus, Mode::Ensemble, Mode::Flanger, Mode::Vibrato];
        assert_blocks_allocate_nothing(fs, &[512, 1, 333, 8_192], 64, (5, 7), |k, l, r| {
            c.set_tempo(90.0 + k as f64);
            if k % 9 == 0 {
                c.set_phase(k as f64 * 0.37);
            }
            if k % 17 == 16 {
                c.reset();
            }
            c.update(&Settings {
                mode: modes[(k / 4) % 4],
                voices: 1 + (k % 4) as u32,
                through_zero: k % 3 == 0,
                analog: k % 5 < 2,
                feedback: if k % 2 == 0 { 0.8 } else { -0.8 },
                low_cut_hz: 200.0,
                rate: Rate::Note(shared_dsp::delay::NoteValue::QUARTER),
                ..Settings::default()
            });
            c.process(l, r);
        });
    }
}
