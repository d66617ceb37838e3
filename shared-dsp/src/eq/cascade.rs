//! stub
use super::matched::SvfCoefs;
use crate::lane::Lane;

/// One SVF section's two integrator states.
#[derive(Clone, Copy, Debug, Default)]
pub struct SvfState<L: Lane> {
    pub ic1: L,
    pub ic2: L,
}

impl<L: Lane> SvfState<L> {
    #[inline(always)]
    pub fn tick(&mut self, c: &SvfCoefs, x: L) -> L {
        let v3 = x - self.ic2;
        let v1 = self.ic1 * c.a1 + v3 * c.a2;
        let v2 = self.ic2 + self.ic1 * c.a2 + v3 * c.a3;
        self.ic1 = v1 * 2.0 - self.ic1;
        self.ic2 = v2 * 2.0 - self.ic2;
        x * c.m0 + v1 * c.m1 + v2 * c.m2
    }
}
