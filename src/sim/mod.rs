//! The generic discrete-event engine: simulated time, the event queue, the work budget and
//! the loop ([`engine`]), and keyed random streams. Nothing here knows about tasks, nodes or strategies.

pub mod deferred;
pub mod engine;
pub mod prefetch;
pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use rng::{Key, KeyedRng, Purpose};
pub use time::{NEVER, SECOND, Time};
