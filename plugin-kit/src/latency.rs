//! Latency reporting: the host is told the plugin's latency at activation and again only
//! when it changes (a lookahead or a phase mode switched). nice-plug passes a change on as
//! CLAP 1.2 and VST3 require: `latency.changed()` inside activation, otherwise a restart
//! request, after which the host reactivates and asks again.

use nice_plug::prelude::{ActivateContext, Plugin, ProcessContext};

/// The latency last told to the host, in samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportedLatency {
    /// `None` before the first report of an activation, so that one is always made.
    reported: Option<u32>,
}

impl ReportedLatency {
    /// At activation: reports `latency` whatever was reported before (the host may have
    /// forgotten it across a deactivation or a sample-rate change).
    pub fn activate<P: Plugin>(&mut self, latency: u32, context: &mut impl ActivateContext<P>) {
        self.restart(latency, |l| context.set_latency_samples(l));
    }

    /// While processing: reports `latency` if it differs from the last report; returns
    /// whether it did (so the caller can also show the new figure in its editor).
    pub fn update<P: Plugin>(
        &mut self,
        latency: u32,
        context: &mut impl ProcessContext<P>,
    ) -> bool {
        self.report(latency, |l| context.set_latency_samples(l))
    }

    fn restart(&mut self, latency: u32, set: impl FnOnce(u32)) {
        self.reported = None;
        self.report(latency, set);
    }

    fn report(&mut self, latency: u32, set: impl FnOnce(u32)) -> bool {
        if self.reported == Some(latency) {
            return false;
        }
        self.reported = Some(latency);
        set(latency);
        true
    }

    /// The last reported latency (0 before any report).
    pub fn samples(&self) -> u32 {
        self.reported.unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_at_activation_and_on_change_only() {
        let mut seen = Vec::new();
        let mut r = ReportedLatency::default();
        r.restart(0, |l| seen.push(l));
        assert!(!r.report(0, |l| seen.push(l)));
        assert!(r.report(240, |l| seen.push(l)));
        assert!(!r.report(240, |l| seen.push(l)));
        r.restart(240, |l| seen.push(l));
        assert_eq!(seen, [0, 240, 240]);
        assert_eq!(r.samples(), 240);
    }
}
