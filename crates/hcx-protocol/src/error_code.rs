//! Error codes seen on the wire: the gateway's own (as it really emits them), hcx-apis codes,
//! the recipient codes participants may put in `x-hcx-error_details`, and NHCX codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ( $( $(#[$m:meta])* $variant:ident => $wire:literal ),+ $(,)? ) => {
        /// An error code. Unknown strings are kept verbatim in [`ErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$m])* $variant, )+
            /// A code not in this list, kept as received.
            Other(String),
        }

        impl ErrorCode {
            /// Every known code (not `Other`).
            pub const KNOWN: &'static [ErrorCode] = &[ $( ErrorCode::$variant ),+ ];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $wire, )+
                    ErrorCode::Other(s) => s,
                }
            }
        }

        impl FromStr for ErrorCode {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $wire => ErrorCode::$variant, )+
                    other => ErrorCode::Other(other.to_owned()),
                })
            }
        }
    };
}

error_codes! {
    // Gateway (api-gateway ErrorCodes.java), as emitted.
    /// A mandatory header is missing. ⚠ What the gateway emits; the spec says `ERR_MANDATORY_HEADER_MISSING`.
    ErrMandatoryHeaderfieldMissing => "ERR_MANDATORY_HEADERFIELD_MISSING",
    /// The spec's name for a missing header; participants may use it in error_details.
    ErrMandatoryHeaderMissing => "ERR_MANDATORY_HEADER_MISSING",
    /// Timestamp unparsable, in the future or too old.
    ErrInvalidTimestamp => "ERR_INVALID_TIMESTAMP",
    /// Workflow id empty, not a string, or not the cycle's.
    ErrInvalidWorkflowId => "ERR_INVALID_WORKFLOW_ID",
    /// Debug flag not Error|Info|Debug.
    ErrInvalidDebugFlag => "ERR_INVALID_DEBUG_FLAG",
    /// Status not allowed for this API.
    ErrInvalidStatus => "ERR_INVALID_STATUS",
    /// error_details malformed or code not whitelisted.
    ErrInvalidErrorDetails => "ERR_INVALID_ERROR_DETAILS",
    /// debug_details malformed.
    ErrInvalidDebugDetails => "ERR_INVALID_DEBUG_DETAILS",
    /// Body/JWE shape wrong.
    ErrInvalidPayload => "ERR_INVALID_PAYLOAD",
    /// api_call_id missing, empty or reused.
    ErrInvalidApiCallId => "ERR_INVALID_API_CALL_ID",
    /// correlation_id missing, empty, reused, unknown or closed.
    ErrInvalidCorrelationId => "ERR_INVALID_CORRELATION_ID",
    /// Sender unknown, not Active, or the HCX.
    ErrInvalidSender => "ERR_INVALID_SENDER",
    /// Recipient unknown, not Active, or the HCX.
    ErrInvalidRecipient => "ERR_INVALID_RECIPIENT",
    /// Sender equals recipient.
    ErrInvalidSenderAndRecipient => "ERR_INVALID_SENDER_AND_RECIPIENT",
    /// Authentication/authorisation failure.
    ErrAccessDenied => "ERR_ACCESS_DENIED",
    /// Forwarding rule broken.
    ErrInvalidForwardReq => "ERR_INVALID_FORWARD_REQ",
    /// Redirect rule broken.
    ErrInvalidRedirectTo => "ERR_INVALID_REDIRECT_TO",
    /// Notification topic unknown/inactive.
    ErrInvalidNotificationTopicCode => "ERR_INVALID_NOTIFICATION_TOPIC_CODE",
    /// Notification request malformed.
    ErrInvalidNotificationReq => "ERR_INVALID_NOTIFICATION_REQ",
    /// Notification headers malformed.
    ErrInvalidNotificationHeaders => "ERR_INVALID_NOTIFICATION_HEADERS",
    /// Notification recipient_type invalid.
    ErrInvalidNotificationRecipientType => "ERR_INVALID_NOTIFICATION_RECIPIENT_TYPE",
    /// Notification timestamp invalid.
    ErrInvalidNotificationTimestamp => "ERR_INVALID_NOTIFICATION_TIMESTAMP",
    /// Notification expired.
    ErrInvalidNotificationExpiry => "ERR_INVALID_NOTIFICATION_EXPIRY",
    /// Notification message invalid.
    ErrInvalidNotificationMessage => "ERR_INVALID_NOTIFICATION_MESSAGE",
    /// Notification recipients invalid.
    ErrInvalidNotificationRecipients => "ERR_INVALID_NOTIFICATION_RECIPIENTS",
    /// Notification JWS signature invalid.
    ErrInvalidSignature => "ERR_INVALID_SIGNATURE",
    /// Notification JWS alg not RS256.
    ErrInvalidAlgorithm => "ERR_INVALID_ALGORITHM",
    /// Unexpected server failure.
    InternalServerError => "INTERNAL_SERVER_ERROR",
    /// A backing service (audit, registry) is down.
    ServiceUnavailable => "SERVICE_UNAVAILABLE",
    /// Generic invalid request.
    ErrInvalidRequest => "ERR_INVALID_REQUEST",
    /// Gateway async error: recipient unknown or has no endpoint.
    ErrRecipientNotAvailable => "ERR_RECIPIENT_NOT_AVAILABLE",

    // hcx-apis (hcx-common ErrorCodes.java).
    /// Participant code invalid.
    ErrInvalidParticipantCode => "ERR_INVALID_PARTICIPANT_CODE",
    /// Participant details invalid.
    ErrInvalidParticipantDetails => "ERR_INVALID_PARTICIPANT_DETAILS",
    /// Service unavailable (hcx-apis and recipient spelling).
    ErrServiceUnavailable => "ERR_SERVICE_UNAVAILABLE",
    /// Upstream timeout.
    ServerErrGatewayTimeout => "SERVER_ERR_GATEWAY_TIMEOUT",
    /// Search request invalid.
    ErrInvalidSearch => "ERR_INVALID_SEARCH",
    /// Subscription id invalid.
    ErrInvalidSubscriptionId => "ERR_INVALID_SUBSCRIPTION_ID",
    /// JWT invalid.
    ErrInvalidJwt => "ERR_INVALID_JWT",
    /// Identity invalid.
    ErrInvalidIdentity => "ERR_INVALID_IDENTITY",
    /// Payer system error.
    ErrPayorSystem => "ERR_PAYOR_SYSTEM",
    /// Onboarding link invalid.
    ErrInvalidLink => "ERR_INVALID_LINK",
    /// Participant update failed.
    ErrUpdateParticipantDetails => "ERR_UPDATE_PARTICIPANT_DETAILS",
    /// Onboarding status invalid.
    ErrInvalidOnboardStatus => "ERR_INVALID_ONBOARD_STATUS",
    /// Too many link regenerations.
    ErrMaximumLinkRegenerate => "ERR_MAXIMUM_LINK_REGENERATE",
    /// Certificate rejected.
    ErrInvalidCertificate => "ERR_INVALID_CERTIFICATE",
    /// User id invalid.
    ErrInvalidUserId => "ERR_INVALID_USER_ID",
    /// User details invalid.
    ErrInvalidUserDetails => "ERR_INVALID_USER_DETAILS",

    // Recipient scenarios (spec error-descriptions).
    /// Recipient could not decrypt.
    ErrInvalidEncryption => "ERR_INVALID_ENCRYPTION",
    /// Payload is for another domain.
    ErrWrongDomainPayload => "ERR_WRONG_DOMAIN_PAYLOAD",
    /// Domain payload invalid.
    ErrInvalidDomainPayload => "ERR_INVALID_DOMAIN_PAYLOAD",
    /// Recipient does not deal with this sender.
    ErrSenderNotSupported => "ERR_SENDER_NOT_SUPPORTED",
    /// Recipient failed while processing.
    ErrDomainProcessing => "ERR_DOMAIN_PROCESSING",

    // NHCX dialect.
    /// NHCX: bad or mismatched session token.
    Nhcx401 => "NHCX-401",
    /// NHCX: receiver unreachable.
    Nhcx1001 => "NHCX-1001",
    /// NHCX: header missing or malformed.
    Nhcx1005 => "NHCX-1005",
    /// NHCX: correlation id reused.
    Nhcx1006 => "NHCX-1006",
    /// NHCX: bad status.
    Nhcx1011 => "NHCX-1011",
    /// NHCX: invalid receiver response.
    Nhcx1015 => "NHCX-1015",
    /// NHCX: invalid receiver response.
    Nhcx1017 => "NHCX-1017",
    /// NHCX: ABHA id format.
    Nhcx1018 => "NHCX-1018",
    /// NHCX payer: cannot decrypt.
    Payr1001 => "PAYR-1001",
}

impl ErrorCode {
    /// Codes a participant may put in `x-hcx-error_details.code` (`RECIPIENT_ERROR_VALUES`).
    pub const RECIPIENT_WHITELIST: [ErrorCode; 17] = [
        ErrorCode::ErrInvalidEncryption,
        ErrorCode::ErrInvalidPayload,
        ErrorCode::ErrWrongDomainPayload,
        ErrorCode::ErrInvalidDomainPayload,
        ErrorCode::ErrSenderNotSupported,
        ErrorCode::ErrServiceUnavailable,
        ErrorCode::ErrDomainProcessing,
        ErrorCode::ErrMandatoryHeaderMissing,
        ErrorCode::ErrInvalidApiCallId,
        ErrorCode::ErrInvalidCorrelationId,
        ErrorCode::ErrInvalidTimestamp,
        ErrorCode::ErrInvalidRedirectTo,
        ErrorCode::ErrInvalidStatus,
        ErrorCode::ErrInvalidDebugFlag,
        ErrorCode::ErrInvalidErrorDetails,
        ErrorCode::ErrInvalidDebugDetails,
        ErrorCode::ErrInvalidWorkflowId,
    ];

    /// Parse any string (never fails; unknown codes become [`ErrorCode::Other`]).
    pub fn parse(s: &str) -> ErrorCode {
        match s.parse() {
            Ok(c) => c,
            Err(never) => match never {},
        }
    }

    /// Whether the gateway lets a participant send this code in `x-hcx-error_details` (§3.4).
    pub fn is_recipient_whitelisted(&self) -> bool {
        Self::RECIPIENT_WHITELIST.contains(self)
    }

    /// True for the NHCX dialect group (`NHCX-*`, `PAYR-*`, including unknown ones).
    pub fn is_nhcx(&self) -> bool {
        let s = self.as_str();
        s.starts_with("NHCX-") || s.starts_with("PAYR-")
    }

    /// HTTP status the Swasth gateway answers with when IT raises this code synchronously:
    /// 401 for authentication (`ERR_ACCESS_DENIED` from the JWT filter), 500 for server
    /// failures, 400 for every validation (`ClientException`). `None` for codes the gateway
    /// never raises itself (recipient, NHCX and unknown codes). 429 (rate limit) has no code in
    /// the body; see [`RATE_LIMITED_STATUS`].
    ///
    /// Note: the gateway also raises `ERR_ACCESS_DENIED` as a ClientException (400) for
    /// "Caller id and sender code is not matched"; a [`crate::Violation`] carries its own status.
    pub fn http_status(&self) -> Option<u16> {
        use ErrorCode::*;
        match self {
            ErrAccessDenied => Some(401),
            InternalServerError | ServiceUnavailable | ServerErrGatewayTimeout => Some(500),
            ErrServiceUnavailable => Some(503),
            ErrMandatoryHeaderfieldMissing
            | ErrInvalidTimestamp
            | ErrInvalidWorkflowId
            | ErrInvalidDebugFlag
            | ErrInvalidStatus
            | ErrInvalidErrorDetails
            | ErrInvalidDebugDetails
            | ErrInvalidPayload
            | ErrInvalidApiCallId
            | ErrInvalidCorrelationId
            | ErrInvalidSender
            | ErrInvalidRecipient
            | ErrInvalidSenderAndRecipient
            | ErrInvalidForwardReq
            | ErrInvalidRedirectTo
            | ErrInvalidNotificationTopicCode
            | ErrInvalidNotificationReq
            | ErrInvalidNotificationHeaders
            | ErrInvalidNotificationRecipientType
            | ErrInvalidNotificationTimestamp
            | ErrInvalidNotificationExpiry
            | ErrInvalidNotificationMessage
            | ErrInvalidNotificationRecipients
            | ErrInvalidSignature
            | ErrInvalidAlgorithm
            | ErrInvalidRequest
            | ErrInvalidParticipantCode
            | ErrInvalidParticipantDetails
            | ErrInvalidSearch
            | ErrInvalidSubscriptionId
            | ErrInvalidCertificate => Some(400),
            _ => None,
        }
    }
}

/// HTTP status of the gateway's rate limiter (Spring default; the body carries no code).
pub const RATE_LIMITED_STATUS: u16 = 429;

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        ErrorCode::parse(s)
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(ErrorCode::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips() {
        for code in ErrorCode::KNOWN {
            assert_eq!(&ErrorCode::parse(code.as_str()), code, "wire string must map back");
        }
        assert_eq!(
            ErrorCode::parse("ERR_SOMETHING_NEW"),
            ErrorCode::Other("ERR_SOMETHING_NEW".into()),
            "unknown codes are kept verbatim, never lost"
        );
    }

    #[test]
    fn whitelist_matches_wire_facts() {
        assert!(ErrorCode::ErrInvalidPayload.is_recipient_whitelisted(), "§3.4 lists it");
        assert!(
            !ErrorCode::ErrMandatoryHeaderfieldMissing.is_recipient_whitelisted(),
            "only the spec spelling ERR_MANDATORY_HEADER_MISSING is whitelisted"
        );
        assert!(!ErrorCode::ErrAccessDenied.is_recipient_whitelisted(), "gateway-only code");
        assert!(ErrorCode::Payr1001.is_nhcx(), "PAYR codes are the NHCX payer group");
    }
}
