//! hcx-bridge: the polling bridge that receives gateway callbacks for participants without a
//! public server (peer survey §11 item 2), and the console-side client that drains it.
//!
//! It owns: the callback endpoint (`POST [/p/{participant}][/{version}]/{entity}/{action}`),
//! who may post to it (per participant: the HCX's JWT, checked with `hcx_protocol::gateway_jwt`
//! before the body is read, and an optional source allow-list), the load limits in front of
//! storage (requests in flight, body read timeout, per-mailbox quota), durable storage of each callback before the
//! 202 (SQLite WAL, `synchronous=FULL`, group commit, dedupe by sender + `x-hcx-api_call_id`),
//! the per-participant mailbox API (`GET /mailbox/{participant}` long-poll,
//! `POST /mailbox/{participant}/ack`) guarded by hashed bearer tokens, and the long-poll client
//! ([`client`]).
//!
//! It must NOT: decrypt or inspect JWE payloads (they are end-to-end encrypted to the
//! participant; the bridge never holds a participant key), spell wire names itself (all header,
//! path and body knowledge comes from `hcx-protocol` through the private `wire` module), store a mailbox token in
//! clear, or answer 202 before the callback is on disk.

pub mod cli;
pub mod client;
pub mod config;
pub mod envelope;
pub mod error;
pub mod gateway_jwt;
pub mod ratelimit;
pub mod server;
pub mod store;
pub mod token;

mod callback;
mod mailbox;
mod state;
mod wire;

/// Internals the fuzz targets (`fuzz/`) drive directly; not an API.
#[doc(hidden)]
pub mod fuzzing {
    /// The callback route parser: the `/p/{participant}` code (percent-decoded) and the
    /// canonical action path, or `None` for a path the bridge does not serve.
    pub fn parse_route(path: &str) -> Option<(Option<String>, String)> {
        crate::wire::parse_route(path).map(|r| (r.participant, r.action_path))
    }
}

pub use cli::serve_cli;
pub use client::{MailboxClient, PollerHandle, PollerOptions, PollerState, spawn_poller};
pub use config::{
    BridgeConfig, DEFAULT_BODY_LIMIT, FileConfig, GatewayTrust, MailboxQuota, ParticipantConfig,
    TlsConfig,
};
pub use envelope::{AckRequest, AckResponse, Envelope, MailboxPage};
pub use error::{BridgeError, Result};
pub use ratelimit::RateLimitConfig;
pub use server::{Bridge, BridgeHandle, endpoint_url};
pub use token::{MailboxToken, TokenHash, generate_token, hash_token};
