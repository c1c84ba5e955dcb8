//! Routing after acceptance: the persistent delivery queue's worker.

pub mod dispatcher;
