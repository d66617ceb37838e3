//! The shape every processor promises (`crate::processor`), checked on all of them:
//!
//! - a block longer than the `max_block_len` given to `new` is processed whole, in pieces,
//!   and comes out as the same signal cut into blocks of at most that length would (a host
//!   that sends more than it announced gets audio, not silence or a truncated block);
//! - the mono path is the stereo response to the same signal on both sides.

use super::all;
use crate::test_support::XorShift;

const FS: f32 = 48_000.0;
/// The announced maximum, and a block much longer and not a multiple of it.
const MAX_BLOCK: usize = 64;
const LONG: usize = 1_000;

/// −12 dBFS noise with a few loud hits, so dynamics processors work too.
fn signal(seed: u64, n: usize) -> Vec<f32> {
    let mut rng = XorShift::new(seed);
    (0..n)
        .map(|i| {
            let hit = if i % 300 < 20 { 3.0 } else { 1.0 };
            0.25 * hit * rng.uniform()
        })
        .collect()
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn blocks_longer_than_the_maximum_are_processed_whole() {
    for (name, make) in all() {
        let (l0, r0) = (signal(1, 4 * LONG), signal(2, 4 * LONG));

        let mut whole = make(FS, MAX_BLOCK);
        let (mut wl, mut wr) = (l0.clone(), r0.clone());
        for (l, r) in wl.chunks_mut(LONG).zip(wr.chunks_mut(LONG)) {
            whole.process(l, r);
        }

        let mut pieces = make(FS, MAX_BLOCK);
        let (mut pl, mut pr) = (l0.clone(), r0.clone());
        for (l, r) in pl.chunks_mut(MAX_BLOCK).zip(pr.chunks_mut(MAX_BLOCK)) {
            pieces.process(l, r);
        }

        // The output is not the input (each processor is active in `all`), except for the
        // meter, whose output is its input by design.
        let changed = max_difference(&pl, &l0).max(max_difference(&pr, &r0));
        assert!(
            changed > 1e-3 || name == "loudness meter",
            "{name} left the signal as it was: the comparison would prove nothing"
        );
        let diff = max_difference(&wl, &pl).max(max_difference(&wr, &pr));
        println!(
            "{name}: blocks of {LONG} vs {MAX_BLOCK} (announced maximum): largest difference \
             {diff:.2e}; the processing changes the signal by up to {changed:.2e}"
        );
        assert!(
            wl.iter().chain(&wr).all(|x| x.is_finite()),
            "{name}: non-finite output"
        );
        assert!(
            diff <= 1e-5,
            "{name}: a block of {LONG} with a maximum of {MAX_BLOCK} differs by {diff:.2e}"
        );
    }
}

#[test]
fn mono_is_the_stereo_response_to_the_same_signal_on_both_sides() {
    for (name, make) in all() {
        let x = signal(3, 3_000);
        let mut mono = make(FS, 512);
        let mut m = x.clone();
        for piece in m.chunks_mut(333) {
            mono.process_mono(piece);
        }
        let mut stereo = make(FS, 512);
        let (mut l, mut r) = (x.clone(), x.clone());
        for (a, b) in l.chunks_mut(333).zip(r.chunks_mut(333)) {
            stereo.process(a, b);
        }
        let diff = max_difference(&m, &l);
        println!("{name}: mono vs left of stereo with equal sides: {diff:.2e}");
        assert!(diff <= 1e-5, "{name}: mono path differs by {diff:.2e}");
    }
}
