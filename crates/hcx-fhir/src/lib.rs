//! FHIR R4 payloads for HCX / NHCX: types, NRCeS bundle builders, a rule checker and summaries.
//!
//! Owns: the FHIR content that travels inside the JWE of every HCX call — serde types for the
//! ~20 resources the claim cycles use ([`types`]), builders that turn form input into NRCeS
//! `collection` bundles ([`build`]), a checker that explains problems in billing-clerk language
//! ([`check()`]), summaries of any bundle for the UI and CLI ([`summarize()`]), streaming base64
//! attachments ([`attachment`]) and the file-level entry points the CLI calls ([`cli`]).
//!
//! Must not: know the wire (headers, JWE, API paths: that is `hcx-protocol`), touch the network,
//! the store or the keychain, or do I/O outside [`cli`] and [`attachment::AttachmentBuilder`].
//! Money is `rust_decimal::Decimal`, never a float; times are UTC inside and written as IST
//! instants (`+05:30`) in payloads, as NHCX expects.

pub mod attachment;
pub mod build;
pub mod check;
pub mod cli;
mod error;
mod json;
pub mod profiles;
pub mod summary;
pub mod time;
pub mod types;

pub use attachment::{AttachmentBuilder, BuiltAttachment};
pub use check::{Finding, Severity, check};
pub use error::{Error, Result};
pub use summary::{Summary, Unreadable, summarize, summarize_checked};
