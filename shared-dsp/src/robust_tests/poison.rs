//! Non-finite and absurd input must not poison state: after bursts of NaN, ±inf, 1e30 and
//! subnormals, one second of clean input brings every processor back to a finite, bounded
//! output, and (default parameters) to what a fresh instance gives for the same clean
//! second. Subnormal input must not leave long runs of subnormals in the output either (the
//! tests run without FTZ/DAZ, unlike the plugins).

use super::{Processor, all};
use crate::test_support::XorShift;

const FS: f32 = 48_000.0;
const BLOCK: usize = 256;

/// What a burst is made of.
const POISON: [f32; 6] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    1e30,
    -1e30,
    1e-41, // subnormal
];

fn run(p: &mut dyn Processor, l: &mut [f32], r: &mut [f32]) {
    for (a, b) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
        p.process(a, b);
    }
}

/// Noise at −12 dBFS with a burst of each kind of poison (on one channel, then on both)
/// every 2000 samples, half a second long.
fn poisoned(rng: &mut XorShift) -> (Vec<f32>, Vec<f32>) {
    let n = FS as usize / 2;
    let mut l: Vec<f32> = (0..n).map(|_| 0.25 * rng.uniform()).collect();
    let mut r: Vec<f32> = (0..n).map(|_| 0.25 * rng.uniform()).collect();
    for (k, start) in (500..n - 200).step_by(2000).enumerate() {
        let v = POISON[k % POISON.len()];
        let len = 1 + (rng.next_u64() % 150) as usize;
        l[start..start + len].fill(v);
        if k % 2 == 1 {
            r[start..start + len].fill(v);
        }
    }
    (l, r)
}

fn clean(seed: u64, n: usize) -> (Vec<f32>, Vec<f32>) {
    let mut rng = XorShift::new(seed);
    let l = (0..n).map(|_| 0.25 * rng.uniform()).collect();
    let r = (0..n).map(|_| 0.25 * rng.uniform()).collect();
    (l, r)
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Processors whose output depends on more than the last second (reverb and delay tails,
/// the console's returns) or that modulate: compared by level, not sample by sample.
const BY_LEVEL: &[&str] = &["reverb", "delay", "console", "chorus"];

#[test]
fn poisoned_input_leaves_no_trace_after_one_second_of_clean_input() {
    let mut failures = Vec::new();
    for (name, make) in all() {
        let mut p = make(FS, BLOCK);
        let mut rng = XorShift::new(99);
        let (mut l, mut r) = poisoned(&mut rng);
        run(&mut *p, &mut l, &mut r);
        // One second of clean input, then the measured quarter second.
        let n = FS as usize * 5 / 4;
        let (mut l, mut r) = clean(5, n);
        run(&mut *p, &mut l, &mut r);
        let mut fresh = make(FS, BLOCK);
        let (mut fl, mut fr) = clean(5, n);
        run(&mut *fresh, &mut fl, &mut fr);

        let tail = FS as usize;
        let out = [&l[tail..], &r[tail..]];
        let want = [&fl[tail..], &fr[tail..]];
        let peak = out
            .iter()
            .flat_map(|c| c.iter())
            .fold(0.0f32, |m, x| m.max(x.abs()));
        if !(peak.is_finite() && peak < 8.0) {
            failures.push(format!("{name}: output peak {peak} after a clean second"));
            continue;
        }
        for (c, (o, w)) in out.iter().zip(&want).enumerate() {
            let level_db = 20.0 * (rms(o) / rms(w)).log10();
            if BY_LEVEL.contains(&name) {
                if level_db.abs() > 1.0 {
                    failures.push(format!(
                        "{name} channel {c}: {level_db:.2} dB from a fresh instance's level"
                    ));
                }
            } else {
                let diff: Vec<f32> = o.iter().zip(*w).map(|(a, b)| a - b).collect();
                let err_db = 20.0 * (rms(&diff) / rms(w)).log10();
                if err_db > -60.0 {
                    failures.push(format!(
                        "{name} channel {c}: differs from a fresh instance by {err_db:.1} dB \
                         (level {level_db:.2} dB)"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Subnormal input, then silence (where states decay towards subnormals), leaves no
/// subnormals in the states: they would show in the output during the silence (a processor
/// that passes its input through may pass a subnormal input through, which is not state).
/// Without FTZ each subnormal operation costs 10–100× a normal one.
#[test]
fn no_runs_of_subnormals_from_subnormal_input_or_decaying_states() {
    let mut failures = Vec::new();
    for (name, make) in all() {
        let mut p = make(FS, BLOCK);
        let (mut l, mut r) = clean(3, FS as usize / 4);
        run(&mut *p, &mut l, &mut r);
        // One second of subnormal input, alternating in sign, then ten of silence.
        let n = FS as usize;
        let mut l: Vec<f32> = (0..n)
            .map(|i| if i % 2 == 0 { 1e-41 } else { -3e-39 })
            .collect();
        let mut r = l.clone();
        run(&mut *p, &mut l, &mut r);
        let mut l = vec![0.0; n * 10];
        let mut r = l.clone();
        run(&mut *p, &mut l, &mut r);
        let subnormal = l.iter().chain(&r).filter(|x| x.is_subnormal()).count();
        if subnormal > 2 * BLOCK {
            failures.push(format!("{name}: {subnormal} subnormal output samples"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
