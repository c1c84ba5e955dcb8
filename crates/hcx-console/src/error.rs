//! The crate's one error type, with a stable code per variant for front ends.
//!
//! No variant carries a secret: keychain, client and store errors are already reduced to
//! descriptions by their crates, and this crate never formats a [`hcx_keys::Secret`].

use crate::dto::ErrorView;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The local database failed or refused an operation.
    #[error(transparent)]
    Store(#[from] hcx_store::StoreError),
    /// The keychain or a key/certificate operation failed.
    #[error(transparent)]
    Keys(#[from] hcx_keys::KeysError),
    /// The gateway (or the way to it) failed.
    #[error(transparent)]
    Client(#[from] hcx_client::ClientError),
    /// The bridge mailbox failed.
    #[error(transparent)]
    Bridge(#[from] hcx_bridge::BridgeError),
    /// The embedded sandbox exchange failed.
    #[error(transparent)]
    Sandbox(#[from] hcx_sandbox::SandboxError),
    /// A message could not be sealed, opened or parsed.
    #[error(transparent)]
    Protocol(#[from] hcx_protocol::Error),
    /// A FHIR bundle could not be built from the form.
    #[error(transparent)]
    Fhir(#[from] hcx_fhir::Error),
    /// No profile is selected.
    #[error(
        "no profile is selected; add one with `hcx profile add` and select it with \
         `hcx profile use`"
    )]
    NoActiveProfile,
    /// The named profile does not exist.
    #[error("profile {0:?} not found")]
    ProfileNotFound(String),
    /// The named cycle does not exist for this profile.
    #[error("thread {0:?} not found")]
    ThreadNotFound(String),
    /// The operator asked for something the cycle's state does not allow.
    #[error("{0}")]
    NotAllowed(String),
    /// A form or command-line value is missing or unusable.
    #[error("{field}: {reason}")]
    Input {
        /// The field, as the form or the command line names it.
        field: String,
        /// Plain-language reason.
        reason: String,
    },
    /// A gateway or bridge URL would carry credentials and patient data in clear text.
    #[error(
        "{environment} profiles need https:// {what} URLs; http:// is allowed only for loopback \
         addresses on this machine (127.0.0.0/8, ::1, localhost: the embedded sandbox or a local \
         TLS-terminating proxy), not {url:?}"
    )]
    InsecureTransport {
        /// `sandbox`, `staging` or `production`.
        environment: &'static str,
        /// "gateway" or "bridge".
        what: &'static str,
        /// The refused URL.
        url: String,
    },
    /// A secret the profile needs is not in its secret store.
    #[error("profile {profile:?} has no {what} in the keychain; {hint}")]
    MissingSecret {
        /// The profile id.
        profile: String,
        /// What is missing ("gateway password", "bridge token").
        what: &'static str,
        /// How to add it.
        hint: &'static str,
    },
    /// The operator refused or failed an onboarding step (its message is for the applicant).
    #[error("{0}")]
    Operator(String),
    /// Pilot mode refused a send to a counterparty off the pilot list.
    #[error("{0}")]
    PilotBlocked(String),
    /// Onboarding on a sandbox exchange failed.
    #[error("sandbox onboarding failed: {0}")]
    Onboarding(String),
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for something (the demo's answer) took too long.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The decryption keys could not be read from the local key store (keychain locked,
    /// Secret Service gone, entry unreadable). Not the sender's fault: the envelope waits,
    /// unacknowledged, until the keys can be read again.
    #[error(
        "incoming messages are waiting: the decryption key could not be read from the keychain \
         ({reason}). Unlock your keychain (or log in to the desktop session again) and they are \
         read automatically"
    )]
    KeychainLocked {
        /// What the key store said (never a secret).
        reason: String,
    },
    /// Handling one incoming envelope panicked (a bug, caught so the mailbox goes on).
    #[error("handling the message crashed: {0}")]
    HandlerPanicked(String),
}

/// The crate's result type.
pub type Result<T, E = ConsoleError> = std::result::Result<T, E>;

impl ConsoleError {
    /// A form or argument error.
    pub fn input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConsoleError::Input { field: field.into(), reason: reason.into() }
    }

    /// A stable code the UI can branch on.
    pub fn code(&self) -> &'static str {
        match self {
            ConsoleError::Store(_) => "STORE",
            ConsoleError::Keys(hcx_keys::KeysError::KeychainUnavailable { .. }) => {
                "KEYCHAIN_UNAVAILABLE"
            }
            ConsoleError::Keys(_) => "KEYS",
            ConsoleError::Client(e) if e.retryable() => "GATEWAY_UNREACHABLE",
            ConsoleError::Client(_) => "GATEWAY",
            ConsoleError::Bridge(_) => "BRIDGE",
            ConsoleError::Sandbox(_) => "SANDBOX",
            ConsoleError::Protocol(_) => "PROTOCOL",
            ConsoleError::Fhir(_) | ConsoleError::Input { .. } => "INVALID_INPUT",
            ConsoleError::InsecureTransport { .. } => "INSECURE_TRANSPORT",
            ConsoleError::NoActiveProfile => "NO_PROFILE",
            ConsoleError::ProfileNotFound(_) | ConsoleError::ThreadNotFound(_) => "NOT_FOUND",
            ConsoleError::NotAllowed(_) => "NOT_ALLOWED",
            ConsoleError::MissingSecret { .. } => "MISSING_SECRET",
            ConsoleError::Onboarding(_) => "ONBOARDING",
            ConsoleError::Operator(_) => "GATEWAY_REJECTED",
            ConsoleError::PilotBlocked(_) => "PILOT_BLOCKED",
            ConsoleError::Io { .. } => "IO",
            ConsoleError::Timeout(_) => "TIMEOUT",
            ConsoleError::KeychainLocked { .. } => "KEYCHAIN_LOCKED",
            ConsoleError::HandlerPanicked(_) => "INTERNAL",
        }
    }

    /// The error as it crosses IPC. Gateway errors use the clerk wording from hcx-client.
    pub fn view(&self) -> ErrorView {
        let message = match self {
            ConsoleError::Client(e) => format!("{} ({e})", e.clerk_message()),
            other => other.to_string(),
        };
        ErrorView { code: self.code().to_owned(), message }
    }

    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ConsoleError {
        let what = what.into();
        move |source| ConsoleError::Io { what, source }
    }
}

impl From<hcx_onboard::OnboardError> for ConsoleError {
    fn from(e: hcx_onboard::OnboardError) -> Self {
        use hcx_onboard::OnboardError as E;
        match e {
            E::Client(c) => ConsoleError::Client(c),
            E::Bridge(b) => ConsoleError::Bridge(b),
            E::Http(h) if h.is_connect() || h.is_timeout() => {
                ConsoleError::Operator(format!("the operator is not reachable: {h}"))
            }
            E::Operator { status, message, findings, refusals } => {
                // The operator's own sentence first; then what it found, field by field.
                let mut text = message;
                for f in findings {
                    text.push_str(&format!("; {}: {}", f.path, f.message));
                }
                for r in refusals {
                    text.push_str(&format!("; {}", r.message()));
                }
                if status == 409 || status == 410 {
                    ConsoleError::NotAllowed(text)
                } else {
                    ConsoleError::Operator(text)
                }
            }
            E::AlreadyIssued => ConsoleError::NotAllowed(e.to_string()),
            other => ConsoleError::Operator(other.to_string()),
        }
    }
}
