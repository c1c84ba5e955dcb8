//! Callback mailbox server and long-poll client.
//!
//! Placeholder: filled in by its issue.
