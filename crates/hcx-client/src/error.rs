//! The crate's error type. Every variant can say, in a clerk's words, what happened
//! ([`ClientError::clerk_message`]) and whether sending again unchanged may help
//! ([`ClientError::retryable`]).

use std::time::Duration;

use hcx_protocol::response::{SyncOutcome, parse_sync_response};
use hcx_protocol::{Action, ApiVersion, ErrorCode, Role};

use crate::clerk;
use crate::http::Reply;

/// A refusal the gateway (or the token/registry service behind it) sent back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayError {
    /// HTTP status of the last try.
    pub http_status: u16,
    /// `error.code`; `None` when the body had none (it may be `null`) or was not JSON.
    pub code: Option<ErrorCode>,
    /// `error.message`, or the start of a non-JSON body.
    pub message: String,
    /// Echoed correlation id, when the gateway knew it.
    pub correlation_id: Option<String>,
    /// Echoed api_call_id, when the gateway knew it.
    pub api_call_id: Option<String>,
    /// Tries made before this answer.
    pub attempts: u32,
}

impl GatewayError {
    /// Reads a 4xx/5xx reply (error body with a code that may be null, or anything else).
    pub(crate) fn from_reply(reply: &Reply) -> Self {
        let status = reply.status.as_u16();
        // parse_sync_response treats 200/202 as acks; an error reply here is never one.
        match parse_sync_response(status, &reply.body) {
            SyncOutcome::Rejected { body, .. } => Self {
                http_status: status,
                code: body.error.error_code().filter(|c| !c.as_str().is_empty()),
                message: body.error.message,
                correlation_id: body.correlation_id,
                api_call_id: body.api_call_id,
                attempts: reply.attempts,
            },
            SyncOutcome::Accepted(ack) => Self {
                http_status: status,
                code: None,
                message: format!("unexpected acknowledgement {}", ack.to_json_string()),
                correlation_id: Some(ack.correlation_id).filter(|s| !s.is_empty()),
                api_call_id: Some(ack.api_call_id).filter(|s| !s.is_empty()),
                attempts: reply.attempts,
            },
        }
    }

    /// Clerk wording: by code when there is one, else by HTTP status.
    pub fn clerk_message(&self) -> &'static str {
        match &self.code {
            Some(c) => clerk::clerk_message(c),
            None => clerk::clerk_message_for_status(self.http_status),
        }
    }

    /// Whether the same message may succeed later unchanged.
    pub fn retryable(&self) -> bool {
        match &self.code {
            Some(c) => clerk::retryable(c),
            None => clerk::retryable_status(self.http_status),
        }
    }
}

impl std::fmt::Display for GatewayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.code.as_ref().map(ErrorCode::as_str).unwrap_or("no code");
        write!(f, "HTTP {} {}: {}", self.http_status, code, self.message)
    }
}

/// Everything that can go wrong talking to a gateway.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The configuration cannot work (bad URL, missing credentials …).
    #[error("configuration: {0}")]
    Config(String),

    /// None of our roles may call this API; refused before the gateway's 401.
    #[error("roles {roles:?} may not call {action} under {version}")]
    RoleNotAllowed {
        /// The API.
        action: Action,
        /// The version whose role table was used.
        version: ApiVersion,
        /// Our roles.
        roles: Vec<Role>,
    },

    /// The message names a sender other than us; the gateway would refuse it
    /// ("Caller id and sender code is not matched").
    #[error("message sender {found:?} is not this participant ({ours:?})")]
    WrongSender {
        /// Sender in the headers (`None` when absent).
        found: Option<String>,
        /// Our participant code.
        ours: String,
    },

    /// The message has no recipient code, so there is no key to seal to.
    #[error("message has no recipient code")]
    NoRecipient,

    /// A plain-JSON protocol response was aimed at a request API; the gateway accepts plain
    /// JSON only on `on_*` paths.
    #[error("plain JSON may only be sent to on_* APIs, not {0}")]
    PlainNotAllowed(Action),

    /// The token service refused our credentials.
    #[error("login refused: {0}")]
    CredentialsRejected(GatewayError),

    /// The gateway refused the call.
    #[error("gateway refused: {0}")]
    Gateway(GatewayError),

    /// Still 429 after the allowed tries, or told to wait longer than we block for.
    #[error("rate limited after {attempts} tries (retry after {retry_after:?})")]
    RateLimited {
        /// Tries made.
        attempts: u32,
        /// The server's `Retry-After`, for rescheduling.
        retry_after: Option<Duration>,
    },

    /// No try got an HTTP answer.
    #[error("could not reach {url} after {attempts} tries: {source}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// Tries made.
        attempts: u32,
        /// The last transport error.
        #[source]
        source: reqwest::Error,
    },

    /// An answer that is not any documented shape (e.g. a 200 without a token).
    #[error("unexpected answer from {url} (HTTP {http_status}): {reason}")]
    UnexpectedResponse {
        /// The URL called.
        url: String,
        /// Its HTTP status.
        http_status: u16,
        /// What was wrong.
        reason: String,
    },

    /// The registry has no participant with this code.
    #[error("participant {0:?} is not in the registry")]
    ParticipantNotFound(String),

    /// A participant's certificate could not be obtained or used.
    #[error("certificate of {participant_code:?}: {reason}")]
    Certificate {
        /// Whose certificate.
        participant_code: String,
        /// What went wrong.
        reason: String,
    },

    /// hcx-protocol refused to build or seal the message.
    #[error(transparent)]
    Protocol(#[from] hcx_protocol::Error),
}

impl From<hcx_protocol::JweError> for ClientError {
    fn from(e: hcx_protocol::JweError) -> Self {
        Self::Protocol(e.into())
    }
}

impl ClientError {
    /// The gateway's error code, when the failure came with one.
    pub fn error_code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Gateway(g) | Self::CredentialsRejected(g) => g.code.as_ref(),
            _ => None,
        }
    }

    /// What to tell a billing clerk.
    pub fn clerk_message(&self) -> &'static str {
        match self {
            Self::Config(_) => {
                "The exchange connection is not set up correctly. Ask your administrator to check \
                 the exchange settings."
            }
            Self::RoleNotAllowed { .. } => {
                "Your organisation's role on the exchange does not allow this kind of request. \
                 Check that you chose the right action, or ask your administrator."
            }
            Self::WrongSender { .. } => {
                "This message was prepared for a different organisation than the one this \
                 console is logged in as. Open it from the right account."
            }
            Self::NoRecipient => {
                "The message has no recipient. Choose who it is for and send again."
            }
            Self::PlainNotAllowed(_) => {
                "This kind of reply can only answer an insurer's message. This is a software \
                 problem: contact support."
            }
            Self::CredentialsRejected(_) => {
                "The exchange did not accept this console's login. Ask your administrator to \
                 check the exchange username and password in Settings."
            }
            Self::Gateway(g) => g.clerk_message(),
            Self::RateLimited { .. } => clerk::clerk_message_for_status(429),
            Self::Unreachable { .. } => {
                "The exchange could not be reached. Check the internet connection; the message \
                 will be sent again automatically."
            }
            Self::UnexpectedResponse { .. } => {
                "The exchange answered in a way this console does not understand. Contact \
                 support if it keeps happening."
            }
            Self::ParticipantNotFound(_) => {
                "That organisation is not registered on the exchange. Check the organisation \
                 code."
            }
            Self::Certificate { .. } => {
                "The recipient's security certificate could not be loaded, so the message was \
                 not sent. Try again later, or contact the recipient."
            }
            Self::Protocol(_) => {
                "The message could not be prepared for sending. This is a software problem: \
                 contact support with the message reference."
            }
        }
    }

    /// Whether the same call (the same stored message) may succeed later unchanged.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Gateway(g) => g.retryable(),
            Self::RateLimited { .. } | Self::Unreachable { .. } => true,
            // A certificate URL that did not answer may answer later.
            Self::Certificate { .. } => true,
            Self::Config(_)
            | Self::RoleNotAllowed { .. }
            | Self::WrongSender { .. }
            | Self::NoRecipient
            | Self::PlainNotAllowed(_)
            | Self::CredentialsRejected(_)
            | Self::UnexpectedResponse { .. }
            | Self::ParticipantNotFound(_)
            | Self::Protocol(_) => false,
        }
    }
}

/// Shorthand.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
