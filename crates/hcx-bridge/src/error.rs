//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while configuring, running or talking to a bridge.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// The configuration (file or struct) is unusable; the message says which field and why.
    #[error("bridge configuration: {0}")]
    Config(String),
    /// The config file could not be read or parsed.
    #[error("config file {path}: {message}")]
    ConfigFile {
        /// Which file.
        path: PathBuf,
        /// What was wrong with it.
        message: String,
    },
    /// A gateway certificate or public key PEM could not be loaded.
    #[error("gateway certificate: {0}")]
    Certificate(String),
    /// TLS set-up failed (certificate/key files).
    #[error("TLS: {0}")]
    Tls(String),
    /// The operating system refused something (bind, files).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// SQLite failed.
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// SQLite is not in the durability mode we promise ("202 sent" = "on disk").
    #[error("storage durability: {0}")]
    Durability(String),
    /// The database was written by a newer bridge (its schema version is ahead of ours).
    #[error("database schema version {found} is newer than this bridge understands ({supported})")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// The single writer task has stopped (bridge shutting down).
    #[error("storage writer has stopped")]
    StoreClosed,
    /// A participant code is not served by this bridge.
    #[error("unknown participant {0:?}")]
    UnknownParticipant(String),
    /// Randomness for a token could not be obtained.
    #[error("random token: {0}")]
    Random(String),
    /// The mailbox refused our token (client side).
    #[error("mailbox refused the token (401)")]
    Unauthorized,
    /// The mailbox answered with an unexpected status (client side).
    #[error("mailbox answered HTTP {status}: {body}")]
    HttpStatus {
        /// HTTP status code.
        status: u16,
        /// First part of the answer body.
        body: String,
    },
    /// HTTP transport failed (client side: connection refused, timeout, bad TLS…).
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// An answer body was not the JSON we expect.
    #[error("decoding answer: {0}")]
    Decode(String),
}

impl From<hcx_protocol::gateway_jwt::KeyError> for BridgeError {
    fn from(e: hcx_protocol::gateway_jwt::KeyError) -> Self {
        BridgeError::Certificate(e.to_string())
    }
}

/// Result alias for this crate.
pub type Result<T, E = BridgeError> = std::result::Result<T, E>;
