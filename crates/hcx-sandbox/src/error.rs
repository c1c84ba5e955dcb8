//! The sandbox's error type. API handlers never return it directly: they map rule failures to
//! the gateway's error bodies in `api::error`; this enum is for start-up, storage and plumbing.

use std::path::PathBuf;

/// Everything that can go wrong inside the sandbox outside a protocol rule.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A file in the data directory could not be read or written.
    #[error("file {path}: {source}")]
    File {
        /// The file concerned.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Binding the listener or another socket operation failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite refused an operation.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// A stored row could not be decoded (the database was edited by hand or is corrupt).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// OpenSSL failed (key generation, certificate, hashing).
    #[error("crypto: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
    /// Signing or verifying a JWT failed.
    #[error("jwt: {0}")]
    Jwt(#[from] josekit::JoseError),
    /// JSON (de)serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// An outgoing HTTP call failed (scripted participants, dispatch).
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    /// A scripted participant's call through hcx-client failed (token, registry, certificate,
    /// or the sandbox refused the message).
    #[error("client: {0}")]
    Client(#[from] hcx_client::ClientError),
    /// The wire library rejected something.
    #[error("protocol: {0}")]
    Protocol(#[from] hcx_protocol::Error),
    /// A background task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The configuration or a request made no sense.
    #[error("invalid: {0}")]
    Invalid(String),
}

/// Short alias used across the crate.
pub type Result<T, E = SandboxError> = std::result::Result<T, E>;
