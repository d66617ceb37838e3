//! Offline rendering of the linear-phase mode ([`Eq::process_offline`]): a change takes
//! effect at its sample, the new kernel is exact from there (primed with the input history,
//! not warming up), and the output does not depend on how the host cuts its blocks.

use super::*;
use crate::test_support::XorShift;

const FS: f64 = 48_000.0;

/// Designs on the calling thread (a test may allocate; the plugin's designer waits for its
/// background thread instead) and posts to the mailbox, as the real one does.
struct Immediate<'a> {
    mailbox: &'a KernelMailbox,
    designs: usize,
}

impl OfflineDesigner for Immediate<'_> {
    fn design_and_wait(&mut self, request: DesignRequest) -> bool {
        self.mailbox.post(Box::new(request.design()));
        self.designs += 1;
        true
    }
    fn collect(&mut self) {
        self.mailbox.collect();
    }
}

fn bell(freq: f64, gain_db: f64) -> BandSettings {
    BandSettings {
        enabled: true,
        kind: BandType::Bell,
        freq,
        gain_db,
        q: 1.0,
        ..BandSettings::default()
    }
}

fn linear(bands: &[BandSettings]) -> Settings {
    let mut s = Settings {
        mode: Mode::LinearPhase,
        ..Settings::default()
    };
    s.bands[..bands.len()].copy_from_slice(bands);
    s
}

/// An offline EQ activated with `start` (its kernel installed at once, as the plugin does).
fn offline_eq(start: &Settings) -> Eq {
    let mut eq = Eq::new(FS as f32, 512);
    eq.set_offline(true);
    eq.update_immediately(start);
    if let Some(request) = eq.take_design_request() {
        drop(eq.install_kernel(Box::new(request.design())));
    }
    eq
}

/// Renders `input` (the same on both channels) offline in blocks of `blocks` (cycled), with
/// `changes` (sample, settings) applied at their samples. Returns the left output and the
/// number of designs.
fn render(
    start: &Settings,
    changes: &[(usize, Settings)],
    input: &[f32],
    blocks: &[usize],
) -> (Vec<f32>, usize) {
    let mailbox = KernelMailbox::new();
    let mut designer = Immediate {
        mailbox: &mailbox,
        designs: 0,
    };
    let mut eq = offline_eq(start);
    let (mut l, mut r) = (input.to_vec(), input.to_vec());
    let (mut pos, mut k) = (0, 0);
    while pos < l.len() {
        // A block ends where a change is, as nice-plug's sample-accurate automation splits it.
        let mut len = blocks[k % blocks.len()].min(l.len() - pos);
        if let Some(&(at, _)) = changes.iter().find(|c| c.0 > pos && c.0 < pos + len) {
            len = at - pos;
        }
        for (at, s) in changes {
            if *at == pos {
                eq.update(s);
            }
        }
        eq.process_offline(
            &mut l[pos..pos + len],
            &mut r[pos..pos + len],
            None,
            &mailbox,
            &mut designer,
        );
        pos += len;
        k += 1;
    }
    (l, designer.designs)
}

fn noise(n: usize) -> Vec<f32> {
    let mut x = XorShift::new(7);
    (0..n).map(|_| 0.5 * x.uniform()).collect()
}

fn first_difference(a: &[f32], b: &[f32]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
}

#[test]
fn a_change_takes_effect_at_its_sample_and_is_exact_after_the_crossfade() {
    let input = noise(60_000);
    let start = linear(&[bell(1_000.0, 12.0)]);
    let changed = linear(&[bell(1_000.0, -6.0)]);
    let at = 20_011;
    let (with, designs) = render(&start, &[(at, changed)], &input, &[512]);
    let (without, _) = render(&start, &[], &input, &[512]);
    assert_eq!(designs, 1);
    assert_eq!(
        first_difference(&with, &without),
        Some(at),
        "the change takes effect at its sample"
    );
    // After the 40 ms crossfade, the output is that of an EQ that had the new bands all
    // along (within FFT rounding: the kernels' partitions started at different samples).
    // A kernel that only warmed up during the crossfade would miss most of its taps' input.
    let (reference, _) = render(&changed, &[], &input, &[512]);
    let fade = (linear::CROSSFADE_MS * 1e-3 * FS) as usize;
    let from = at + fade;
    let worst = (from..from + 8_192)
        .map(|i| (with[i] - reference[i]).abs())
        .fold(0.0f32, f32::max);
    println!(
        "offline change at {at}: output first differs at {:?}; {fade} samples later the largest difference from an EQ with the new bands all along is {worst:e}",
        first_difference(&with, &without)
    );
    assert!(worst < 1e-5, "{worst:e}");
}

#[test]
fn offline_output_does_not_depend_on_the_block_sizes() {
    let input = noise(80_000);
    let start = linear(&[bell(1_000.0, 12.0)]);
    // Changes closer together than a crossfade: the later ones wait for its end.
    let changes = [
        (5_000, linear(&[bell(1_000.0, 6.0)])),
        (5_300, linear(&[bell(1_000.0, 6.0), bell(300.0, -9.0)])),
        (6_000, linear(&[bell(2_000.0, 6.0), bell(300.0, -9.0)])),
        (30_000, Settings::default()),
        (40_000, linear(&[bell(4_000.0, 3.0)])),
    ];
    let (a, designs) = render(&start, &changes, &input, &[512]);
    let (b, _) = render(&start, &changes, &input, &[1, 100, 511, 7, 64, 333]);
    let (c, _) = render(&start, &changes, &input, &[512]);
    println!(
        "offline session: {designs} designs for 5 changes; block sizes 512 vs irregular: first difference {:?}; repeated: {:?}",
        first_difference(&a, &b),
        first_difference(&a, &c)
    );
    // 5 000; 5 300 and 6 000 coalesced at the end of the first crossfade; 40 000 (the
    // switch to zero latency asks for nothing).
    assert_eq!(designs, 3);
    assert_eq!(first_difference(&a, &b), None);
    assert_eq!(first_difference(&a, &c), None);
}
