//! Use cases shared by every front end, and the hcx command-line tool.
//!
//! The crate owns the use cases (send through the outbox, ingest from the bridge, respond,
//! preflight) and the view types every front end receives. It must not depend on tauri: the
//! desktop app in `src-tauri/` is a thin shell over it.

pub mod dto;
