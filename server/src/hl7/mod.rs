//! The HL7 v2 door (a thin adapter beside `dimse/`): MLLP listeners (plain and TLS), one task
//! per connection with idle and frame deadlines, and the durable intake that stores each message
//! with its ACK before answering. The message rules are in `domain::hl7`; what a message does
//! to the registry is in `apply` (patients) and `order_lines` (orders), through the workflow's repositories.

pub mod apply;
pub mod intake;
pub mod listener;
mod order_lines;
pub mod service;
pub mod session;

pub use listener::start;
