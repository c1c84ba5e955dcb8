//! The crate's error type. Refusals that are part of the domain (a form finding, a certificate
//! refusal) are values, not errors: see `registration::Finding` and `certification::Refusal`.

/// Everything that can fail outside the domain rules.
#[derive(Debug, thiserror::Error)]
pub enum OnboardError {
    /// Signing or parsing a JWS failed (bad key, malformed token).
    #[error("jws: {0}")]
    Jws(#[from] crate::jws::JwsError),
    /// A JSON value could not be (de)serialised.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A draft could not be restored.
    #[error("draft: {0}")]
    Draft(String),
    /// The participant's role has no conformance suite (regulators, research).
    #[error("role {0} has no sandbox certification; regulators are onboarded by manual review")]
    RoleNotCertifiable(String),
    /// The sandbox or operator answered something unexpected.
    #[error("operator answered HTTP {status}: {message}")]
    Operator {
        /// HTTP status.
        status: u16,
        /// `error.message` of the answer (never contains secrets).
        message: String,
        /// Form findings the operator returned, if any.
        findings: Vec<crate::registration::Finding>,
        /// Certificate refusals the operator returned, if any.
        refusals: Vec<crate::certification::Refusal>,
    },
    /// Credentials were already fetched once (HTTP 410 Gone).
    #[error(
        "the production credentials were already issued once; report a compromise to get new ones"
    )]
    AlreadyIssued,
    /// An HTTP call failed before an answer came back.
    #[cfg(feature = "runner")]
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    /// The gateway client failed.
    #[cfg(feature = "runner")]
    #[error("gateway: {0}")]
    Client(#[from] hcx_client::ClientError),
    /// The callback mailbox failed.
    #[cfg(feature = "runner")]
    #[error("mailbox: {0}")]
    Bridge(#[from] hcx_bridge::BridgeError),
    /// Building a FHIR payload failed.
    #[cfg(feature = "runner")]
    #[error("fhir: {0}")]
    Fhir(#[from] hcx_fhir::Error),
    /// The wire library refused something.
    #[error("protocol: {0}")]
    Protocol(#[from] hcx_protocol::Error),
    /// The suite could not be set up (sandbox without certification support, wrong receiver).
    #[error("setup: {0}")]
    Setup(String),
}

impl From<hcx_protocol::JweError> for OnboardError {
    fn from(e: hcx_protocol::JweError) -> Self {
        Self::Protocol(e.into())
    }
}

/// Short alias.
pub type Result<T, E = OnboardError> = std::result::Result<T, E>;
