//! Header and body key names exactly as they travel. Nothing outside this crate should spell
//! `x-hcx-…` itself.

/// JOSE `alg` (key management algorithm).
pub const ALG: &str = "alg";
/// JOSE `enc` (content encryption algorithm).
pub const ENC: &str = "enc";

/// Prefix shared by every protocol and domain header.
pub const PREFIX: &str = "x-hcx-";

/// Registry code of the sender.
pub const SENDER_CODE: &str = "x-hcx-sender_code";
/// Registry code of the recipient.
pub const RECIPIENT_CODE: &str = "x-hcx-recipient_code";
/// Sender-generated id, unique per HTTP call.
pub const API_CALL_ID: &str = "x-hcx-api_call_id";
/// Id shared by every message of one cycle (check, preauth, claim…).
pub const CORRELATION_ID: &str = "x-hcx-correlation_id";
/// Optional id tying the cycles of one admission together.
pub const WORKFLOW_ID: &str = "x-hcx-workflow_id";
/// ISO-8601 time the message was sent (the spec's "Unix timestamp" is not what anyone sends).
pub const TIMESTAMP: &str = "x-hcx-timestamp";
/// `Error` | `Info` | `Debug`.
pub const DEBUG_FLAG: &str = "x-hcx-debug_flag";
/// Operational status (`request.queued`, `response.complete`, …).
pub const STATUS: &str = "x-hcx-status";
/// Registry code to redirect to, with `response.redirect`.
pub const REDIRECT_TO: &str = "x-hcx-redirect_to";
/// `{code, message, trace}` object describing an error.
pub const ERROR_DETAILS: &str = "x-hcx-error_details";
/// `{code, message, trace}` object with debug information.
pub const DEBUG_DETAILS: &str = "x-hcx-debug_details";
/// NHCX (and pre-v0.7) request id; NHCX still requires it next to `x-hcx-api_call_id`.
pub const REQUEST_ID: &str = "x-hcx-request_id";
/// NHCX beneficiary ABHA id (`XX-XXXX-XXXX-XXXX`).
pub const BEN_ABHA_ID: &str = "x-hcx-ben-abha-id";
/// Notification JWS header object.
pub const NOTIFICATION_HEADERS: &str = "x-hcx-notification_headers";
/// Domain header returned on a successful coverage `on_check` (as the platform spells it).
pub const INSURANCE_PLAN_URL: &str = "x-hcx-insurance_plan_url";

/// The key of the HTTP body that carries a compact JWE.
pub const PAYLOAD: &str = "payload";
/// NHCX body discriminator (`JWEPayload` / `ProtocolResponse`).
pub const BODY_TYPE: &str = "type";

/// Protocol headers every JWE message must carry (gateway `protocol.headers.mandatory`).
pub const MANDATORY_PROTOCOL: [&str; 5] =
    [SENDER_CODE, RECIPIENT_CODE, API_CALL_ID, TIMESTAMP, CORRELATION_ID];

/// What the gateway checks for presence on a JWE, in its configured order
/// (`protocol.headers.mandatory` + `headers.jose`).
pub const MANDATORY_JWE: [&str; 7] =
    [SENDER_CODE, RECIPIENT_CODE, API_CALL_ID, TIMESTAMP, CORRELATION_ID, ALG, ENC];

/// Mandatory keys of a plain-JSON error `ProtocolResponse` (`plainrequest.headers.mandatory`).
pub const MANDATORY_PLAIN_ERROR: [&str; 7] =
    [STATUS, SENDER_CODE, RECIPIENT_CODE, ERROR_DETAILS, CORRELATION_ID, API_CALL_ID, TIMESTAMP];

/// Mandatory keys of a plain-JSON redirect `ProtocolResponse`.
pub const MANDATORY_PLAIN_REDIRECT: [&str; 7] =
    [STATUS, SENDER_CODE, RECIPIENT_CODE, REDIRECT_TO, CORRELATION_ID, API_CALL_ID, TIMESTAMP];

/// Keys allowed inside `x-hcx-error_details` / `x-hcx-debug_details`.
pub const DETAILS_KEYS: [&str; 3] = ["code", "message", "trace"];
