//! The generic discrete-event engine: simulated time, the event queue and keyed random
//! streams. Nothing here knows about tasks, nodes or strategies.

pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use rng::{Key, KeyedRng, Purpose};
pub use time::{NEVER, SECOND, Time};
