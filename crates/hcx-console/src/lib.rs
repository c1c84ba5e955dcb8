//! Use cases shared by every front end, and the hcx command-line tool.
//!
//! The crate owns the use cases (send through the durable outbox, ingest from the bridge,
//! respond as payer or TPA, preflight, profiles and keys), the pure thread state machine, the
//! background loops, and the view types every front end receives ([`dto`]). Front ends hold a
//! [`Console`] and call one async method per command; each returns `dto` types.
//!
//! It must not depend on tauri (the desktop app in `src-tauri/` is a thin shell over it), spell
//! wire names itself (hcx-protocol does), hold SQL (hcx-store does), or keep a secret anywhere
//! but the profile's secret store (the OS keychain; process memory only for sandbox profiles
//! when no keychain exists, see [`secrets`]).

mod apply;
mod audit;
mod background;
mod certify;
mod compose;
mod console;
mod dead_letters;
pub mod demo;
pub mod dto;
pub mod embedded;
mod error;
mod golive;
mod ingest;
mod inspector;
mod keys;
mod onboarding;
mod outbox;
mod payload;
mod preflight;
mod profiles;
mod respond;
pub mod secrets;
pub mod serve_ui;
mod settle;
pub mod surface;
pub mod text;
pub mod thread_state;
mod trust;
mod views;

pub use apply::{PENDING_CODE, registration_kinds};
pub use audit::{AuditCheck, AuditOutcome};
pub use background::{Background, BridgePoller, OutboxWorker};
pub use console::{Console, ConsoleOptions, DATABASE_FILE};
pub use error::{ConsoleError, Result};
pub use ingest::IngestOutcome;
pub use keys::KeyReport;
pub use onboarding::SandboxAdmin;
pub use profiles::NewProfile;
pub use views::format_amount;

/// Re-exported so front ends name the same types the use cases take.
pub use hcx_bridge::PollerOptions;
pub use hcx_keys::Secret;
pub use hcx_protocol::Action;
pub use hcx_store::{Dialect, Environment, RetryPolicy};
