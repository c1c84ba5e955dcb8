//! The console's SQLite store: migrations, profiles, threads, messages, outbox, audit.
//!
//! Placeholder: filled in by its issue.
