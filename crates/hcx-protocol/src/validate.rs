//! The Swasth gateway's stateless request rules (wire facts §4.2 and §4.5), in the gateway's
//! order, with its codes and message texts, plus a light check for inbound callbacks.
//!
//! Audit-backed rules (api_call_id reuse, correlation/workflow history, forwards, §4.3–§4.4)
//! need a message store and live in the sandbox; the pure pieces they need are here
//! ([`is_forward`], [`check_forward_direction`]).
//!
//! Message texts come from the platform's `BaseRequest`/`JSONRequest`; where the wire-facts
//! notes quote a newer text, that text is used. Texts marked "(ours)" have no platform source.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::body::Body;
use crate::error_code::ErrorCode;
use crate::headers::Headers;
use crate::jwe;
use crate::names;
use crate::time::{parse_timestamp, timestamp_in_range};
use crate::types::{Action, ApiVersion, DebugFlag, Role, Status};

/// A registry record, as far as validation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantInfo {
    /// `participant_code`.
    pub code: String,
    /// `Created`, `Active`, `Inactive`, `Blocked`.
    pub status: String,
    /// Known roles (unknown role strings are dropped by the registry adapter).
    pub roles: Vec<Role>,
    /// `osOwner[0]`: the auth subject allowed to send as this participant.
    pub os_owner: Option<String>,
}

impl ParticipantInfo {
    /// Whether the registry lets this participant send or receive (`allowedParticipantStatus`).
    pub fn is_active(&self) -> bool {
        self.status == "Active"
    }
}

/// Participant lookup by code.
pub trait Registry {
    /// The record for `code`, if registered.
    fn participant(&self, code: &str) -> Option<ParticipantInfo>;
}

/// The authenticated caller (from the bearer token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// JWT `sub`.
    pub sub: String,
    /// Participant roles in the token.
    pub roles: Vec<Role>,
}

/// Deployment settings the rules depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The HCX instance's own registry code (never a valid sender or recipient).
    pub hcx_code: String,
    /// `timestamp.range` in hours (platform default 10000).
    pub timestamp_range_hours: i64,
    /// The gateway's "now".
    pub now: DateTime<Utc>,
}

impl Policy {
    /// Platform defaults with the current time.
    pub fn new(hcx_code: impl Into<String>) -> Self {
        Policy { hcx_code: hcx_code.into(), timestamp_range_hours: 10_000, now: Utc::now() }
    }
}

/// The first rule a message breaks: code and the gateway's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Violation {
    /// Error code as the gateway emits it.
    pub code: ErrorCode,
    /// Message text.
    pub message: String,
}

impl Violation {
    /// Build one.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Violation { code, message: message.into() }
    }

    /// HTTP status the gateway answers with: every rule here is a `ClientException` (400),
    /// except an RBAC refusal from [`authorize`] (401).
    pub fn http_status(&self) -> u16 {
        if self.code == ErrorCode::ErrAccessDenied && self.message == RBAC_DENIED {
            401
        } else {
            400
        }
    }
}

const RBAC_DENIED: &str = "Does not have access to the called API";

fn fail<T>(code: ErrorCode, message: impl Into<String>) -> Result<T, Violation> {
    Err(Violation::new(code, message))
}

/// The JWT filter's RBAC check (runs before everything in [`validate_request`]): 401
/// `ERR_ACCESS_DENIED` when none of the caller's roles may call `action` under `version`.
pub fn authorize(action: Action, version: ApiVersion, caller: &Caller) -> Result<(), Violation> {
    if action.allows_any(version, &caller.roles) {
        Ok(())
    } else {
        fail(ErrorCode::ErrAccessDenied, RBAC_DENIED)
    }
}

/// Validate a protocol request as the Swasth gateway does before touching its audit store.
/// Returns the protocol headers on success, or the FIRST violated rule.
pub fn validate_request(
    action: Action,
    body: &Body,
    caller: &Caller,
    registry: &dyn Registry,
    policy: &Policy,
) -> Result<Headers, Violation> {
    match body {
        Body::Jwe(compact) => {
            let headers = jwe_headers(compact)?;
            common_rules(action, &headers, &names::MANDATORY_JWE, caller, registry, policy)?;
            Ok(headers)
        }
        Body::Plain(headers) => {
            if !action.is_callback() {
                return fail(
                    ErrorCode::ErrInvalidPayload,
                    "Request body should be a proper JWE object for action API calls",
                );
            }
            let is_error = headers.get_str(names::STATUS) == Some(Status::ResponseError.as_str());
            if is_error {
                common_rules(
                    action,
                    headers,
                    &names::MANDATORY_PLAIN_ERROR,
                    caller,
                    registry,
                    policy,
                )?;
            } else {
                common_rules(
                    action,
                    headers,
                    &names::MANDATORY_PLAIN_REDIRECT,
                    caller,
                    registry,
                    policy,
                )?;
                redirect_rules(action, headers, registry, policy)?;
            }
            Ok(headers.clone())
        }
    }
}

/// Steps 1–2: five non-empty parts, then a standard-alphabet base64 JSON header.
fn jwe_headers(compact: &str) -> Result<Headers, Violation> {
    let parts: Vec<&str> = compact.split('.').collect();
    if parts.len() != 5 || parts.iter().any(|p| p.is_empty()) {
        return fail(ErrorCode::ErrInvalidPayload, "Invalid payload");
    }
    // The gateway uses Java's Base64.getDecoder(): standard alphabet, padding optional.
    // A base64url '-' or '_' is an "Illegal base64 character" there.
    let segment = parts[0];
    if segment.contains(['-', '_']) {
        return fail(ErrorCode::ErrInvalidPayload, "Error while parsing the payload");
    }
    match jwe::peek_headers(compact) {
        Ok(h) => Ok(h),
        Err(jwe::JweError::BadBase64 { .. }) => {
            fail(ErrorCode::ErrInvalidPayload, "Error while parsing the payload")
        }
        Err(_) => fail(ErrorCode::ErrInvalidPayload, "Error while parsing protected headers"),
    }
}

/// A header that must be a non-empty string.
fn non_empty_str<'h>(h: &'h Headers, key: &str) -> Option<&'h str> {
    h.get_str(key).filter(|s| !s.is_empty())
}

fn require_string(h: &Headers, key: &str, code: ErrorCode, message: &str) -> Result<(), Violation> {
    if non_empty_str(h, key).is_some() { Ok(()) } else { fail(code, message) }
}

/// Steps 3–12, shared by JWE and plain-JSON bodies.
fn common_rules(
    action: Action,
    h: &Headers,
    mandatory: &[&str],
    caller: &Caller,
    registry: &dyn Registry,
    policy: &Policy,
) -> Result<(), Violation> {
    // 3. Ids first (HashMap order in the platform: correlation id, then api call id).
    require_string(
        h,
        names::CORRELATION_ID,
        ErrorCode::ErrInvalidCorrelationId,
        "Correlation id cannot be null, empty and other than 'String'",
    )?;
    require_string(
        h,
        names::API_CALL_ID,
        ErrorCode::ErrInvalidApiCallId,
        "Api call id cannot be null, empty and other than 'String'",
    )?;

    // 4. Presence of every mandatory header (values of alg/enc are not checked).
    let missing: Vec<&str> = mandatory.iter().copied().filter(|k| !h.contains(k)).collect();
    if !missing.is_empty() {
        return fail(
            ErrorCode::ErrMandatoryHeaderfieldMissing,
            format!("Mandatory headers are missing: [{}]", missing.join(", ")),
        );
    }

    // 5. String-typed headers (platform HashMap order: recipient, timestamp, sender, workflow).
    require_string(
        h,
        names::RECIPIENT_CODE,
        ErrorCode::ErrInvalidRecipient,
        "Recipient code cannot be null, empty and other than 'String'",
    )?;
    if h.contains(names::TIMESTAMP) || mandatory.contains(&names::TIMESTAMP) {
        require_string(h, names::TIMESTAMP, ErrorCode::ErrInvalidTimestamp, "Invalid timestamp")?;
    }
    require_string(
        h,
        names::SENDER_CODE,
        ErrorCode::ErrInvalidSender,
        "Sender code cannot be null, empty and other than 'String'",
    )?;
    if h.contains(names::WORKFLOW_ID) {
        require_string(
            h,
            names::WORKFLOW_ID,
            ErrorCode::ErrInvalidWorkflowId,
            "Workflow id cannot be null, empty and other than 'String'",
        )?;
    }

    // 6. Timestamp: ISO-8601, not in the future, not older than the range.
    if let Some(ts) = h.timestamp() {
        let ok = parse_timestamp(ts)
            .map(|t| timestamp_in_range(t, policy.now, policy.timestamp_range_hours))
            .unwrap_or(false);
        if !ok {
            return fail(
                ErrorCode::ErrInvalidTimestamp,
                format!(
                    "Timestamp cannot be in future or cross more than {} hours in past",
                    policy.timestamp_range_hours
                ),
            );
        }
    }

    // 7. Sender ≠ recipient.
    let sender = h.sender_code().unwrap_or_default();
    let recipient = h.recipient_code().unwrap_or_default();
    if sender == recipient {
        return fail(
            ErrorCode::ErrInvalidSenderAndRecipient,
            "sender and recipient code cannot be the same",
        );
    }

    // 8. Recipient, then sender, in the registry.
    check_participant(registry, recipient, "recipient", ErrorCode::ErrInvalidRecipient, policy)?;
    let sender_info =
        check_participant(registry, sender, "sender", ErrorCode::ErrInvalidSender, policy)?;

    // 9. The token's subject must own the sender record.
    if sender_info.os_owner.as_deref() != Some(caller.sub.as_str()) {
        return fail(ErrorCode::ErrAccessDenied, "Caller id and sender code is not matched");
    }

    // 10. Debug flag.
    if let Some(v) = h.get(names::DEBUG_FLAG) {
        match v.as_str().filter(|s| !s.is_empty()) {
            None => {
                return fail(
                    ErrorCode::ErrInvalidDebugFlag,
                    "Debug flag cannot be null, empty and other than 'String'",
                );
            }
            Some(s) if s.parse::<DebugFlag>().is_err() => {
                return fail(
                    ErrorCode::ErrInvalidDebugFlag,
                    "Debug flag cannot be other than Error, Info or Debug",
                );
            }
            Some(_) => {}
        }
    }

    // 11. Status: mandatory and response.* on on_*; optional and request.* on actions.
    let status_value = h.get(names::STATUS);
    let (allowed, range_msg): (&[Status], &str) = if action.is_callback() {
        if status_value.is_none() {
            return fail(
                ErrorCode::ErrMandatoryHeaderfieldMissing,
                format!("Mandatory headers are missing: {}", names::STATUS),
            );
        }
        (&Status::RESPONSE_VALUES, "Status value for on_* API calls can be only: ")
    } else {
        (&Status::REQUEST_VALUES, "Status value for *action API calls can be only: ")
    };
    if let Some(v) = status_value {
        match v.as_str().filter(|s| !s.is_empty()) {
            None => {
                return fail(
                    ErrorCode::ErrInvalidStatus,
                    "Status cannot be null, empty and other than 'String'",
                );
            }
            Some(s) if !allowed.iter().any(|a| a.as_str() == s) => {
                let list: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                return fail(
                    ErrorCode::ErrInvalidStatus,
                    format!("{range_msg}[{}]", list.join(", ")),
                );
            }
            Some(_) => {}
        }
    }

    // 12. Error and debug details.
    if let Some(v) = h.get(names::ERROR_DETAILS) {
        check_details(v, ErrorCode::ErrInvalidErrorDetails, "Error")?;
        let code = v.get("code").and_then(Value::as_str).unwrap_or_default();
        if !ErrorCode::parse(code).is_recipient_whitelisted() {
            return fail(ErrorCode::ErrInvalidErrorDetails, "Invalid Error Code");
        }
    }
    if let Some(v) = h.get(names::DEBUG_DETAILS) {
        check_details(v, ErrorCode::ErrInvalidDebugDetails, "Debug")?;
    }
    Ok(())
}

fn check_participant(
    registry: &dyn Registry,
    code: &str,
    who: &str,
    error: ErrorCode,
    policy: &Policy,
) -> Result<ParticipantInfo, Violation> {
    let Some(info) = registry.participant(code) else {
        return fail(error, format!("{who} does not exist in registry"));
    };
    if !info.is_active() {
        return fail(
            error,
            format!(
                "Participant with status: [Active] only can make an API call. Current status: {}",
                info.status
            ),
        );
    }
    if code == policy.hcx_code || info.roles.contains(&Role::HieHioHcx) {
        // (ours) The platform refuses the HCX as a party; its exact text was not recorded.
        return fail(error, format!("{who} cannot be the HCX instance"));
    }
    Ok(info)
}

fn check_details(v: &Value, code: ErrorCode, which: &str) -> Result<(), Violation> {
    let obj = match v.as_object() {
        Some(o) if !o.is_empty() => o,
        _ => {
            return fail(
                code,
                format!("{which} details cannot be null, empty and other than 'JSON Object'"),
            );
        }
    };
    if !obj.contains_key("code") || !obj.contains_key("message") {
        return fail(code, "Mandatory fields code or message is missing");
    }
    if obj.keys().any(|k| !names::DETAILS_KEYS.contains(&k.as_str())) {
        return fail(
            code,
            format!("{which} details should contain only: [{}]", names::DETAILS_KEYS.join(", ")),
        );
    }
    Ok(())
}

/// The stateless part of the redirect rules (`JSONRequest.validateRedirect`). Audit-backed
/// parts (api_call_id reuse, correlation exists, cycle not complete, not an earlier initiator)
/// are the sandbox's.
fn redirect_rules(
    action: Action,
    h: &Headers,
    registry: &dyn Registry,
    _policy: &Policy,
) -> Result<(), Violation> {
    if h.get_str(names::STATUS) != Some(Status::ResponseRedirect.as_str()) {
        // (ours) Plain JSON that is neither an error nor a redirect.
        return fail(
            ErrorCode::ErrInvalidRedirectTo,
            "Invalid redirect request, x-hcx-status should be response.redirect",
        );
    }
    if !action.redirect_allowed() {
        return fail(
            ErrorCode::ErrInvalidRedirectTo,
            format!("{} is not configured for redirect calls", action.path()),
        );
    }
    let Some(target) = non_empty_str(h, names::REDIRECT_TO) else {
        // (ours) present (mandatory check passed) but not a usable string.
        return fail(
            ErrorCode::ErrInvalidRedirectTo,
            "Redirect to cannot be null, empty and other than 'String'",
        );
    };
    if h.sender_code().is_some_and(|s| s.eq_ignore_ascii_case(target)) {
        return fail(ErrorCode::ErrInvalidRedirectTo, "Sender can not redirect request to self");
    }
    let Some(info) = registry.participant(target) else {
        return fail(ErrorCode::ErrInvalidRedirectTo, "Redirected does not exist in registry");
    };
    if !info.is_active() {
        return fail(
            ErrorCode::ErrInvalidRedirectTo,
            format!(
                "Participant with status: [Active] only can make an API call. Current status: {}",
                info.status
            ),
        );
    }
    if !info.roles.iter().any(|r| r.is_payer_or_tpa()) {
        return fail(
            ErrorCode::ErrInvalidRedirectTo,
            "Redirected participant do not have access to send across on_* API calls",
        );
    }
    Ok(())
}

/// A forward is payor/TPA → payor/TPA (`allowedRolesForForward`; the platform then requires
/// the correlation id to exist already).
pub fn is_forward(sender_roles: &[Role], recipient_roles: &[Role]) -> bool {
    sender_roles.iter().any(|r| r.is_payer_or_tpa())
        && recipient_roles.iter().any(|r| r.is_payer_or_tpa())
}

/// The rule run after the audit checks when a message is NOT a forward: a payor/TPA may send
/// a non-`on_*` request to a provider only for communication, paymentnotice (and
/// notification/status); otherwise `ERR_ACCESS_DENIED`.
pub fn check_forward_direction(
    action: Action,
    sender_roles: &[Role],
    recipient_roles: &[Role],
) -> Result<(), Violation> {
    let excluded =
        matches!(action.entity(), "communication" | "paymentnotice" | "notification" | "status");
    if !excluded
        && !action.is_callback()
        && sender_roles.iter().any(|r| r.is_payer_or_tpa())
        && recipient_roles.iter().any(|r| r.is_provider())
    {
        return fail(ErrorCode::ErrAccessDenied, "API should be used only to forward the request");
    }
    Ok(())
}

/// Light validation for a participant or bridge receiving a message from the gateway: shape
/// and mandatory headers, addressed to `expected_recipient`. Accepts the gateway's own error
/// callback (plain `response.error`, sender = the HCX, no timestamp). Does not consult a
/// registry or an audit store.
pub fn validate_incoming(
    body: &Body,
    expected_recipient: &str,
    now: DateTime<Utc>,
) -> Result<Headers, Violation> {
    let headers = match body {
        Body::Jwe(compact) => jwe::peek_headers(compact).map_err(|e| {
            Violation::new(ErrorCode::ErrInvalidPayload, format!("Invalid payload: {e}"))
        })?,
        Body::Plain(h) => h.clone(),
    };
    require_string(
        &headers,
        names::CORRELATION_ID,
        ErrorCode::ErrInvalidCorrelationId,
        "Correlation id cannot be null, empty and other than 'String'",
    )?;
    require_string(
        &headers,
        names::API_CALL_ID,
        ErrorCode::ErrInvalidApiCallId,
        "Api call id cannot be null, empty and other than 'String'",
    )?;
    require_string(
        &headers,
        names::SENDER_CODE,
        ErrorCode::ErrInvalidSender,
        "Sender code cannot be null, empty and other than 'String'",
    )?;
    require_string(
        &headers,
        names::RECIPIENT_CODE,
        ErrorCode::ErrInvalidRecipient,
        "Recipient code cannot be null, empty and other than 'String'",
    )?;
    if headers.recipient_code() != Some(expected_recipient) {
        return fail(
            ErrorCode::ErrInvalidRecipient,
            format!(
                "message is addressed to {:?}, not to us",
                headers.recipient_code().unwrap_or("")
            ),
        );
    }
    let status = match headers.status() {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => {
            return fail(ErrorCode::ErrInvalidStatus, "Status value is not a known x-hcx-status");
        }
    };
    let gateway_error = !body.is_jwe() && status == Some(Status::ResponseError);
    match headers.get(names::TIMESTAMP) {
        None if gateway_error => {}
        None => {
            return fail(
                ErrorCode::ErrMandatoryHeaderMissing,
                format!("Mandatory headers are missing: [{}]", names::TIMESTAMP),
            );
        }
        Some(v) => {
            let parsed = v.as_str().map(parse_timestamp);
            match parsed {
                Some(Ok(t)) if t.with_timezone(&Utc) <= now + Duration::hours(24) => {}
                Some(Ok(_)) => {
                    return fail(
                        ErrorCode::ErrInvalidTimestamp,
                        "Timestamp is more than 24 hours in the future",
                    );
                }
                _ => return fail(ErrorCode::ErrInvalidTimestamp, "Invalid timestamp"),
            }
        }
    }
    if !body.is_jwe() {
        match status {
            Some(Status::ResponseError) => {
                if !matches!(headers.error_details(), Some(Ok(_))) {
                    return fail(
                        ErrorCode::ErrInvalidErrorDetails,
                        "Error details cannot be null, empty and other than 'JSON Object'",
                    );
                }
            }
            Some(Status::ResponseRedirect) => {
                require_string(
                    &headers,
                    names::REDIRECT_TO,
                    ErrorCode::ErrInvalidRedirectTo,
                    "Redirect to cannot be null, empty and other than 'String'",
                )?;
            }
            _ => {
                return fail(
                    ErrorCode::ErrInvalidPayload,
                    "A plain-JSON message must be a response.error or response.redirect",
                );
            }
        }
    }
    Ok(headers)
}
