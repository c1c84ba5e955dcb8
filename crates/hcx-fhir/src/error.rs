//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate. Messages never include payload contents (a bundle
/// can carry a patient's documents), only what went wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A form value a builder needs is missing or unusable.
    #[error("invalid input for {field}: {reason}")]
    InvalidInput {
        /// The input field, as the form names it (`items[2].quantity`).
        field: String,
        /// Plain-language reason.
        reason: String,
    },
    /// JSON that does not fit the typed model (a typed read of a resource, or serialisation).
    #[error("JSON does not fit the FHIR model: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading an attachment or a file failed.
    #[error("could not read {what}: {source}")]
    Io {
        /// What we were reading (a path or "attachment").
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file given to the CLI is not JSON at all.
    #[error("{path} is not valid JSON: {reason}")]
    NotJson {
        /// The file.
        path: PathBuf,
        /// Parser message (line and column).
        reason: String,
    },
    /// A payload's content cannot be read into a summary (overflowing, negative or absurd
    /// amounts, deep nesting, wrong types).
    #[error("cannot summarise this content: {0}")]
    Unreadable(#[from] crate::summary::Unreadable),
    /// An attachment is larger than we can encode on this platform.
    #[error("attachment is too large ({size} bytes)")]
    TooLarge {
        /// The size we were asked to encode.
        size: u64,
    },
}

impl Error {
    pub(crate) fn input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput { field: field.into(), reason: reason.into() }
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
