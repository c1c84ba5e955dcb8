//! HTTP client for an HCX gateway: token, registry, certificates, send, retry.
//!
//! Owns: the gateway configuration ([`GatewayConfig`]), access tokens and their cache
//! ([`TokenSource`]; Swasth form login and the NHCX/ABDM session flow), registry search
//! ([`ParticipantRecord`]), recipient certificates with a TTL cache, sending sealed, plain and
//! stored messages ([`HcxClient::send`], [`HcxClient::send_plain`], [`HcxClient::send_raw`]),
//! back-off on connection errors / 5xx / 429, `/hcx/status`, preflight probes, and the clerk
//! wording of every gateway error code ([`clerk`]).
//!
//! Must NOT: spell header names, build JWEs or parse protocol bodies itself (that is
//! hcx-protocol's job); store anything on disk (the outbox above owns durability); log or
//! serialise secrets or tokens; send a bearer token to any host but the gateway and registry.
//!
//! Retries re-send the exact same bytes (same `x-hcx-api_call_id`); a later
//! `ERR_INVALID_API_CALL_ID` "Request exist with same api call id" is read as "already
//! accepted". The reasoning is in this crate's README.

mod backoff;
mod certs;
pub mod clerk;
mod client;
mod config;
mod error;
mod http;
mod preflight;
mod registry;
mod token;

pub use backoff::RetryPolicy;
pub use certs::{CertSource, Certificate};
pub use clerk::{Advice, ErrorCategory, clerk_message};
pub use client::{Answer, HcxClient, Prepared, SendOutcome, StatusReport};
pub use config::{Credentials, GatewayConfig, NhcxAuth};
pub use error::{ClientError, GatewayError, Result};
pub use preflight::{CertificateMatch, EndpointProbe, OwnRecord, TokenCheck, TokenClaims};
pub use registry::{
    Address, FilterOp, ParticipantRecord, ParticipantStatus, SearchQuery, SearchResult,
    SkippedRecord,
};
pub use token::{TokenGrant, TokenSource};

/// Re-exported so callers name the same types this crate uses.
pub use hcx_protocol::{
    Ack, Action, ApiVersion, Dialect, ErrorCode, Headers, Role, Secret, StatusResult,
};
