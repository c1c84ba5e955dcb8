//! The crate's one error type.

use crate::ThreadState;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (I/O, constraint, busy beyond the timeout, corrupt value).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// The database was written by a newer console; opening it with this one could damage it.
    #[error(
        "the database has schema version {found}, newer than this console supports \
         ({supported}); update the console"
    )]
    SchemaTooNew {
        /// `PRAGMA user_version` of the file.
        found: u32,
        /// The newest migration this build knows.
        supported: u32,
    },

    /// A migration failed; the transaction was rolled back and the file is unchanged.
    #[error("migration {name} failed: {source}")]
    Migration {
        /// The migration's file name.
        name: &'static str,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },

    /// SQLite did not switch to WAL (for example on a network file system).
    #[error("the database could not switch to WAL journaling (got {0:?})")]
    NoWal(String),

    /// A row that the operation needs does not exist.
    #[error("{what} {key:?} not found")]
    NotFound {
        /// The kind of row ("profile", "thread", ...).
        what: &'static str,
        /// Its key.
        key: String,
    },

    /// A thread cannot move from its current state to the requested one.
    #[error("thread {correlation_id:?} cannot go from {from} to {to}")]
    InvalidTransition {
        /// The thread's correlation id.
        correlation_id: String,
        /// The state it is in.
        from: ThreadState,
        /// The state that was asked for.
        to: ThreadState,
    },

    /// An outbox row is not in the state the operation requires (for example marking a row
    /// sent that no worker claimed).
    #[error("outbox item {id} is {state}, not {expected}")]
    OutboxState {
        /// The row id.
        id: i64,
        /// Its actual state.
        state: String,
        /// The state the operation needs.
        expected: &'static str,
    },

    /// A value handed to the store is unusable.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field at fault.
        field: &'static str,
        /// Why.
        reason: String,
    },

    /// A JSON value could not be encoded.
    #[error("JSON encoding failed: {0}")]
    Json(#[from] serde_json::Error),

    /// An audit entry was to be written to (or a chain verified for) a chain whose key the
    /// console has not handed over: the keychain was unreachable when the profile was opened.
    #[error(
        "the audit key of {} is not loaded (the keychain was unreachable when the console \
         opened it); unlock the keychain and try again",
        match chain { Some(p) => format!("profile {p:?}"), None => "the console".to_owned() }
    )]
    AuditKeyMissing {
        /// The chain: a profile id, or `None` for the console-wide chain.
        chain: Option<String>,
    },

    /// The HMAC computation failed inside OpenSSL.
    #[error("audit hash computation failed: {0}")]
    Crypto(String),

    /// The database file's permissions could not be restricted.
    #[error("could not restrict permissions of {path}: {source}")]
    Permissions {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub(crate) fn crypto(err: openssl::error::ErrorStack) -> Self {
        StoreError::Crypto(err.to_string())
    }
}

/// The crate's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
