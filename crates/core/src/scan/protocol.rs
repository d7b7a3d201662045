//! The worker's answer under the path the keyframe sampler imports it from;
//! the protocol itself is [`crate::pool::protocol`].

pub use crate::pool::protocol::{Answer, empty_doc};
