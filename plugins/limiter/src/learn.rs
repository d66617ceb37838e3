//! Learn between the editor and the audio thread: the editor asks for a pass to start or
//! stop; the audio thread runs `shared_dsp::dynamics::learn::DriveLearner` on the input
//! meanwhile and publishes what it found; the editor then sets Drive and Ceiling through the
//! host (as a user's edit: automation and the host's undo see it). Everything is atomics:
//! the audio thread never waits.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};

use shared_dsp::dynamics::learn::Learned;

const NONE: u8 = 0;
const START: u8 = 1;
const STOP: u8 = 2;

/// What the editor asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    Start,
    Stop,
}

/// A pass's outcome as the editor reads it: what was learned, against which ceiling, and a
/// number that grows with each new outcome (so the editor applies each one once).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    pub learned: Learned,
    pub ceiling_dbtp: f32,
    pub generation: u32,
}

#[derive(Debug, Default)]
pub struct LearnShared {
    request: AtomicU8,
    learning: AtomicBool,
    generation: AtomicU32,
    kind: AtomicU8,
    value: AtomicU32,
    ceiling: AtomicU32,
}

impl LearnShared {
    /// Editor: start or stop a pass (the audio thread takes it at its next block).
    pub fn request(&self, r: Request) {
        let v = match r {
            Request::Start => START,
            Request::Stop => STOP,
        };
        self.request.store(v, Ordering::Release);
    }

    /// Audio thread: the request waiting, if any.
    pub fn take_request(&self) -> Option<Request> {
        match self.request.swap(NONE, Ordering::Acquire) {
            START => Some(Request::Start),
            STOP => Some(Request::Stop),
            _ => None,
        }
    }

    /// Audio thread: whether a pass is running (the editor's button shows it).
    pub fn set_learning(&self, on: bool) {
        self.learning.store(on, Ordering::Release);
    }

    pub fn is_learning(&self) -> bool {
        self.learning.load(Ordering::Acquire)
    }

    /// Audio thread: a pass's outcome.
    pub fn publish(&self, learned: Learned, ceiling_dbtp: f32) {
        let (kind, value) = match learned {
            Learned::Nothing => (0, 0.0),
            Learned::Drive(d) => (1, d),
            Learned::TooLoud(x) => (2, x),
            Learned::TooQuiet(x) => (3, x),
        };
        self.kind.store(kind, Ordering::Relaxed);
        self.value.store(value.to_bits(), Ordering::Relaxed);
        self.ceiling
            .store(ceiling_dbtp.to_bits(), Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Editor: the last outcome (generation 0: none yet). A torn read across a publication is
    /// possible in theory and harmless: the next frame reads the settled values, and the
    /// generation only moves once they are stored.
    pub fn outcome(&self) -> Outcome {
        let generation = self.generation.load(Ordering::Acquire);
        let value = f32::from_bits(self.value.load(Ordering::Relaxed));
        let learned = match self.kind.load(Ordering::Relaxed) {
            1 => Learned::Drive(value),
            2 => Learned::TooLoud(value),
            3 => Learned::TooQuiet(value),
            _ => Learned::Nothing,
        };
        Outcome {
            learned,
            ceiling_dbtp: f32::from_bits(self.ceiling.load(Ordering::Relaxed)),
            generation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_taken_once_and_outcomes_count_up() {
        let s = LearnShared::default();
        assert_eq!(s.take_request(), None);
        s.request(Request::Start);
        assert_eq!(s.take_request(), Some(Request::Start));
        assert_eq!(s.take_request(), None);
        assert_eq!(s.outcome().generation, 0);
        s.publish(Learned::Drive(5.25), -1.0);
        let o = s.outcome();
        assert_eq!(
            (o.learned, o.ceiling_dbtp, o.generation),
            (Learned::Drive(5.25), -1.0, 1)
        );
        s.publish(Learned::TooQuiet(2.0), -2.0);
        assert_eq!(s.outcome().learned, Learned::TooQuiet(2.0));
        assert_eq!(s.outcome().generation, 2);
    }
}
