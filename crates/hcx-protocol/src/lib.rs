//! The HCX wire format: headers, actions, JWE seal/open, acks, errors and gateway validation.
//!
//! This crate is the ONLY place in the workspace that knows header names, status strings, API
//! paths, error codes and the JWE layout. Everything else calls it.
//!
//! It owns: protected-header maps and their builders ([`Headers`]), the API catalogue
//! ([`Action`], [`ApiVersion`], [`Role`]), compact JWE sealing and opening ([`jwe`]), HTTP body
//! shapes ([`body`], [`response`]), error codes ([`ErrorCode`]), timestamps ([`time`]), the
//! gateway's stateless validation rules ([`validate`]), a token inspector ([`inspect`]) and the
//! gateway's bearer JWT on dispatches, minted and verified ([`gateway_jwt`]), and the
//! workspace's one wrapper for secret text ([`Secret`]: redacted, zeroed on drop, not serialisable).
//!
//! It must NOT do I/O: no HTTP, no files, no database, no keychain, no clock other than
//! "now" for fresh timestamps (and [`validate::Policy`] takes "now" as a value). Private keys are
//! only held in [`jwe::PrivateKey`], which never prints or serialises its material.
//!
//! Where the published spec and the running platform disagree, this crate follows the platform
//! (see `shared/reference/hcx-wire-facts.md`).

mod b64;
pub mod body;
pub mod error_code;
pub mod gateway_jwt;
pub mod headers;
pub mod inspect;
pub mod jwe;
pub mod names;
pub mod response;
pub mod secret;
pub mod time;
pub mod types;
pub mod validate;

pub use body::{Body, BodyError, parse_body, payload_body};
pub use error_code::ErrorCode;
pub use headers::{HeaderError, Headers};
pub use jwe::{
    JweError, KeyAlg, Opened, PrivateKey, RecipientKey, open, open_with_any, peek_headers, seal,
};
pub use response::{Ack, ErrorBody, ErrorInfo, ProtocolResponse, StatusResult};
pub use secret::Secret;
pub use types::{Action, ApiVersion, DebugFlag, Details, Dialect, Role, Status, UnknownValue};
pub use validate::{
    Caller, ParticipantInfo, Policy, Registry, Violation, validate_incoming, validate_request,
};

/// Every error this crate returns, for callers that want one type (`?` into it).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Sealing or opening a JWE failed.
    #[error(transparent)]
    Jwe(#[from] JweError),
    /// An HTTP body was not one of the shapes the protocol uses.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// A header value was malformed or a header name broke the naming rules.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A wire string (status, role, flag, version…) is not one we know.
    #[error(transparent)]
    Unknown(#[from] UnknownValue),
    /// A timestamp could not be parsed.
    #[error(transparent)]
    Time(#[from] time::TimeError),
    /// A message broke a gateway rule.
    #[error(transparent)]
    Violation(#[from] Violation),
}
