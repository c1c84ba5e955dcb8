//! The one command surface every front end shares: the command table ([`table`], run with
//! [`dispatch`]), the state a front end keeps beside the console ([`Host`]: embedded sandbox,
//! background loops, events), the events ([`events`]), the error every command answers with
//! ([`CommandError`]) and the TypeScript wrappers generated from the table ([`typescript`]).
//!
//! Transports are thin: src-tauri registers ONE Tauri command (`call {command, args}`) that
//! calls [`dispatch`]; `hcx serve-ui` ([`crate::serve_ui`]) does the same for
//! `POST /api/<command>`.

mod error;
pub mod events;
mod host;
pub mod table;
pub mod typescript;

pub use error::{CommandError, ui_code};
pub use events::EventSink;
pub use host::Host;
pub use table::{NAMES, dispatch};
