//! The registry under churn and solo in place. The registry is process-wide, so these tests
//! take one lock and each checks only the members it made.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use super::*;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A strip known by its label.
struct Tagged {
    tag: u32,
    strip: ChannelParams,
    law: EnumParam<LawParam>,
    mode: EnumParam<PanModeParam>,
}

impl Channel for Tagged {
    fn strip(&self) -> &ChannelParams {
        &self.strip
    }
    fn pan_law(&self) -> &EnumParam<LawParam> {
        &self.law
    }
    fn pan_mode(&self) -> &EnumParam<PanModeParam> {
        &self.mode
    }
    fn label(&self) -> Option<String> {
        Some(self.tag.to_string())
    }
}

/// A member, whatever `MIXWERK_LINK` says (cargo runs tests with it off).
fn join(tag: u32) -> Link {
    let params = Tagged {
        tag,
        strip: ChannelParams::new(str::to_owned),
        law: EnumParam::new("Pan Law", LawParam::ZeroDb),
        mode: EnumParam::new("Pan Mode", PanModeParam::Balance),
    };
    Link::register(Arc::new(params), Arc::new(Shared::default()))
}

/// A small deterministic generator (xorshift), so a failing order can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn solo_in_place_mutes_exactly_the_strips_not_soloed() {
    let _s = serial();
    let mut links: Vec<Link> = (0..4).map(join).collect();
    // Nobody soloed: nobody muted.
    for l in links.iter_mut() {
        assert!(!l.solo(false));
    }
    // Strip 1 soloed: the other three muted, strip 1 not.
    assert!(!links[1].solo(true));
    for i in [0, 2, 3] {
        assert!(links[i].solo(false), "strip {i} should be muted");
    }
    // Strips 1 and 3 soloed: 0 and 2 muted.
    assert!(!links[3].solo(true));
    assert!(!links[1].solo(true));
    assert!(links[0].solo(false) && links[2].solo(false));
    // The soloed strip 1 leaves (track deleted while soloed): 3 still holds the others.
    let one = links.remove(1);
    drop(one);
    assert!(links[0].solo(false));
    // Strip 3 unsoloed: nobody muted, and the count is back where it started.
    assert!(!links[2].solo(false));
    for l in links.iter_mut() {
        assert!(!l.solo(false));
    }
    assert_eq!(soloed_count(), 0);
}

#[test]
fn members_carry_their_params_and_leave_on_drop() {
    let _s = serial();
    let a = join(7);
    let b = join(9);
    let snapshot = members();
    let find = |id| snapshot.iter().find(|m| m.id == id).expect("member");
    assert_eq!(find(a.id()).channel().label().as_deref(), Some("7"));
    assert_eq!(find(b.id()).channel().label().as_deref(), Some("9"));
    assert!(Arc::ptr_eq(&find(a.id()).shared, a.shared()));
    let g = generation();
    let id = a.id();
    drop(a);
    assert_ne!(generation(), g);
    assert!(members().iter().all(|m| m.id != id));
    assert!(members().iter().any(|m| m.id == b.id()));
}

#[test]
fn meters_are_written_only_while_a_view_watches() {
    let _s = serial();
    assert!(!metering());
    let w1 = Watch::new();
    let w2 = Watch::new();
    assert!(metering());
    drop(w1);
    assert!(metering());
    drop(w2);
    assert!(!metering());
}

/// Instances join and leave on eight threads in random orders while each "processes" (solo
/// on and off) and a ninth thread takes snapshots: every snapshot holds unique ids, every
/// member a thread holds is in the snapshots taken while it is held, and at the end the
/// registry holds none of them and the solo count is back to zero.
#[test]
fn registry_stays_consistent_under_churn() {
    let _s = serial();
    const THREADS: usize = 8;
    const ROUNDS: usize = 400;
    let before: HashSet<u64> = members().iter().map(|m| m.id).collect();
    let start = Arc::new(Barrier::new(THREADS + 1));
    let done = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let start = start.clone();
            thread::spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
                let mut held: Vec<Link> = Vec::new();
                start.wait();
                for _ in 0..ROUNDS {
                    match rng.next() % 4 {
                        0 | 1 if held.len() < 6 => held.push(join(t as u32)),
                        2 if !held.is_empty() => {
                            let i = (rng.next() as usize) % held.len();
                            drop(held.swap_remove(i));
                        }
                        _ => {
                            for l in held.iter_mut() {
                                let soloed = rng.next().is_multiple_of(5);
                                let muted = l.solo(soloed);
                                assert!(!(soloed && muted), "a soloed strip is never muted");
                            }
                        }
                    }
                    // Every member this thread holds is registered.
                    if rng.next().is_multiple_of(16) {
                        let ids: HashSet<u64> = members().iter().map(|m| m.id).collect();
                        assert!(held.iter().all(|l| ids.contains(&l.id())));
                    }
                }
                // Half leave soloed, half unsoloed.
                for (i, l) in held.iter_mut().enumerate() {
                    l.solo(i % 2 == 0);
                }
            })
        })
        .collect();
    let observer = {
        let (start, done) = (start.clone(), done.clone());
        thread::spawn(move || {
            start.wait();
            let mut snapshots = 0;
            while !done.load(Ordering::Acquire) {
                let snap = members();
                let ids: HashSet<u64> = snap.iter().map(|m| m.id).collect();
                assert_eq!(ids.len(), snap.len(), "ids are unique");
                snapshots += 1;
            }
            snapshots
        })
    };
    for w in workers {
        w.join().expect("worker");
    }
    done.store(true, Ordering::Release);
    let snapshots = observer.join().expect("observer");
    assert!(snapshots > 0);
    let after: HashSet<u64> = members().iter().map(|m| m.id).collect();
    assert_eq!(after, before, "every member left");
    assert_eq!(
        soloed_count(),
        0,
        "every solo was taken back when its strip left"
    );
}
