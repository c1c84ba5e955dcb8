//! Synchronous response bodies (the 202 ack and the error body) and the plain-JSON
//! `ProtocolResponse` messages (error, redirect, and the gateway's own error callback).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error_code::ErrorCode;
use crate::headers::{Headers, new_id};
use crate::names;
use crate::time::IST;
use crate::types::{Details, Status};

/// `result` of a `/hcx/status` ack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResult {
    /// Entity of the original request (`coverageeligibility`, `claim`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    /// Original sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_code: Option<String>,
    /// Original recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_code: Option<String>,
    /// `request.queued` or `request.dispatched` (kept as a string: NHCX may add others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_status: Option<String>,
}

/// The 202 acknowledgement: `{"timestamp": <epoch ms>, "correlation_id", "api_call_id"[, "result"]}`.
/// Reading also accepts NHCX's string timestamp (`DD/MM/YYYY hh:mm:ss:sss`, IST) and numeric
/// strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// Epoch milliseconds (a number on the wire; the spec's "string" is wrong).
    #[serde(deserialize_with = "de_epoch_millis")]
    pub timestamp: i64,
    /// Correlation id echoed (empty when the server left it out).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub correlation_id: String,
    /// Api call id echoed (empty when the server left it out, e.g. notify).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_call_id: String,
    /// Only on `/hcx/status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<StatusResult>,
}

impl Ack {
    /// The ack a participant returns for a message it has stored.
    pub fn for_headers(headers: &Headers, now: DateTime<Utc>) -> Ack {
        Ack {
            timestamp: now.timestamp_millis(),
            correlation_id: headers.correlation_id().unwrap_or_default().to_owned(),
            api_call_id: headers.api_call_id().unwrap_or_default().to_owned(),
            result: None,
        }
    }

    /// JSON text.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The NHCX acceptance body a recipient returns within 30 s (wire facts §10).
    pub fn nhcx_body(&self, headers: &Headers) -> String {
        let ts = DateTime::<Utc>::from_timestamp_millis(self.timestamp)
            .unwrap_or_default()
            .with_timezone(&IST)
            .format("%d/%m/%Y %H:%M:%S:%3f")
            .to_string();
        let entity = headers.get_str("x-hcx-entity-type").unwrap_or_default();
        serde_json::json!({
            "timestamp": ts,
            "api_call_id": self.api_call_id,
            "correlation_id": self.correlation_id,
            "result": {
                "sender_code": headers.sender_code().unwrap_or_default(),
                "recipient_code": headers.recipient_code().unwrap_or_default(),
                "entity_type": entity,
                "protocol_status": Status::RequestQueued.as_str(),
            },
            "error": {"code": "", "message": ""},
        })
        .to_string()
    }
}

/// `error` member of an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Error code; can be null (hcx-apis `ClientException(String)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// Java cause; usually null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl ErrorInfo {
    /// The code parsed (unknown codes kept as `Other`).
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().map(ErrorCode::parse)
    }
}

/// The 4xx/5xx body: `{"timestamp", "correlation_id"?, "api_call_id"?, "error": {…}}`.
/// Reading tolerates the Java SDK's bug of sending `error` as a JSON *string*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Epoch milliseconds.
    #[serde(default, deserialize_with = "de_epoch_millis")]
    pub timestamp: i64,
    /// Omitted when unknown (e.g. auth failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Omitted when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_call_id: Option<String>,
    /// What went wrong.
    #[serde(deserialize_with = "de_error_info")]
    pub error: ErrorInfo,
}

impl ErrorBody {
    /// An error body for a gateway-style rejection.
    pub fn new(
        now: DateTime<Utc>,
        headers: Option<&Headers>,
        code: Option<&ErrorCode>,
        message: impl Into<String>,
    ) -> ErrorBody {
        ErrorBody {
            timestamp: now.timestamp_millis(),
            correlation_id: headers.and_then(Headers::correlation_id).map(str::to_owned),
            api_call_id: headers.and_then(Headers::api_call_id).map(str::to_owned),
            error: ErrorInfo {
                code: code.map(|c| c.as_str().to_owned()),
                message: message.into(),
                trace: None,
            },
        }
    }

    /// JSON text.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What a synchronous protocol call answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// 200/202 with an ack.
    Accepted(Ack),
    /// 4xx/5xx with the error body (or a synthesised one when the body was not JSON).
    Rejected {
        /// HTTP status.
        http_status: u16,
        /// The parsed error.
        body: ErrorBody,
    },
}

/// Interpret a synchronous response. 200 and 202 are success (as the Java SDK does). A body
/// that does not parse keeps its text as the error message, so nothing is lost.
pub fn parse_sync_response(http_status: u16, body: &[u8]) -> SyncOutcome {
    let text = || String::from_utf8_lossy(body).chars().take(500).collect::<String>();
    if http_status == 200 || http_status == 202 {
        if let Ok(ack) = serde_json::from_slice::<Ack>(body) {
            return SyncOutcome::Accepted(ack);
        }
        return SyncOutcome::Rejected {
            http_status,
            body: ErrorBody {
                timestamp: 0,
                correlation_id: None,
                api_call_id: None,
                error: ErrorInfo {
                    code: None,
                    message: format!("unparsable ack: {}", text()),
                    trace: None,
                },
            },
        };
    }
    let body = serde_json::from_slice::<ErrorBody>(body).unwrap_or_else(|_| ErrorBody {
        timestamp: 0,
        correlation_id: None,
        api_call_id: None,
        error: ErrorInfo { code: None, message: text(), trace: None },
    });
    SyncOutcome::Rejected { http_status, body }
}

fn de_epoch_millis<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| D::Error::custom("timestamp out of range")),
        Value::String(s) => {
            if let Ok(n) = s.trim().parse::<i64>() {
                return Ok(n);
            }
            // NHCX: "DD/MM/YYYY hh:mm:ss:sss" in IST.
            NaiveDateTime::parse_from_str(s.trim(), "%d/%m/%Y %H:%M:%S:%3f")
                .or_else(|_| NaiveDateTime::parse_from_str(s.trim(), "%d/%m/%Y %H:%M:%S"))
                .ok()
                .and_then(|n| n.and_local_timezone(IST).single())
                .map(|t| t.timestamp_millis())
                .or_else(|| crate::time::parse_timestamp(&s).ok().map(|t| t.timestamp_millis()))
                .ok_or_else(|| D::Error::custom(format!("unrecognised timestamp {s:?}")))
        }
        Value::Null => Ok(0),
        other => Err(D::Error::custom(format!("timestamp is not a number: {other}"))),
    }
}

fn de_error_info<'de, D: Deserializer<'de>>(d: D) -> Result<ErrorInfo, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::String(s) => match serde_json::from_str::<ErrorInfo>(&s) {
            Ok(info) => Ok(info),
            Err(_) => Ok(ErrorInfo { code: None, message: s, trace: None }),
        },
        other => serde_json::from_value(other).map_err(D::Error::custom),
    }
}

/// Builders for plain-JSON `ProtocolResponse` messages (sent unencrypted to `on_*` paths).
pub struct ProtocolResponse;

impl ProtocolResponse {
    /// The error form answering `request`: status `response.error`, parties swapped, cycle ids
    /// copied, fresh api_call_id and timestamp, `x-hcx-error_details` = `details`.
    /// Participants must use a whitelisted code (§3.4) or the gateway rejects it.
    pub fn error(request: &Headers, details: &Details) -> Headers {
        let mut h = Headers::callback_to(request, Status::ResponseError);
        h.set_error_details(details);
        h
    }

    /// The redirect form answering `request`: status `response.redirect` and `redirect_to`.
    /// Only valid on coverageeligibility/on_check, preauth/on_submit and claim/on_submit.
    pub fn redirect(request: &Headers, redirect_to: &str) -> Headers {
        let mut h = Headers::callback_to(request, Status::ResponseRedirect);
        h.set_redirect_to(redirect_to);
        h
    }

    /// The gateway's own asynchronous error callback (wire facts §4.8): sender = the HCX code,
    /// recipient = the original sender, same correlation (and workflow) id, a new api_call_id,
    /// `response.error`, and NO timestamp.
    pub fn gateway_error(hcx_code: &str, original: &Headers, details: &Details) -> Headers {
        let mut h = Headers::new();
        h.insert(names::SENDER_CODE, hcx_code);
        if let Some(s) = original.sender_code() {
            h.insert(names::RECIPIENT_CODE, s);
        }
        if let Some(c) = original.get(names::CORRELATION_ID) {
            h.insert(names::CORRELATION_ID, c.clone());
        }
        h.insert(names::API_CALL_ID, new_id());
        if let Some(w) = original.get(names::WORKFLOW_ID) {
            h.insert(names::WORKFLOW_ID, w.clone());
        }
        h.set_error_details(details);
        h.set_status(Status::ResponseError);
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_recorded_staging_ack() {
        let body = br#"{"timestamp": 1692278029019, "correlation_id": "277fb6d0", "api_call_id": "5cbe7122"}"#;
        let ack: Ack = serde_json::from_slice(body).unwrap();
        assert_eq!(ack.timestamp, 1692278029019, "epoch ms is a number on the wire");
        assert_eq!(
            ack.to_json_string(),
            String::from_utf8_lossy(body).replace(": ", ":").replace(", ", ","),
            "writing it back gives the same shape (result omitted)"
        );
    }

    #[test]
    fn error_body_tolerates_null_code_and_string_error() {
        let b: ErrorBody = serde_json::from_slice(
            br#"{"timestamp":1,"error":{"code":null,"message":"Invalid correlation id, details do not exist","trace":null}}"#,
        )
        .unwrap();
        assert_eq!(b.error.code, None, "hcx-apis sends code null for ClientException(String)");
        let sdk: ErrorBody = serde_json::from_slice(
            br#"{"timestamp":1,"error":"{\"code\":\"ERR_INVALID_PAYLOAD\",\"message\":\"m\"}"}"#,
        )
        .unwrap();
        assert_eq!(
            sdk.error.error_code(),
            Some(ErrorCode::ErrInvalidPayload),
            "Java SDK bug: error as a string"
        );
    }

    #[test]
    fn nhcx_string_timestamp_is_read() {
        let ack: Ack = serde_json::from_str(
            r#"{"timestamp":"21/11/2026 20:30:05:123","api_call_id":"a","correlation_id":"c"}"#,
        )
        .unwrap();
        assert_eq!(ack.timestamp, 1_795_273_205_123, "NHCX writes IST wall time as a string");
    }

    #[test]
    fn gateway_error_has_no_timestamp_and_hcx_sender() {
        let req = Headers::action("prov", "payr", "corr", Some("wf"), Default::default());
        let h = ProtocolResponse::gateway_error(
            "hcx@swasth",
            &req,
            &Details::new("ERR_RECIPIENT_NOT_AVAILABLE", "Please provide correct recipient code"),
        );
        assert!(h.timestamp().is_none(), "the platform's dispatcher omits x-hcx-timestamp");
        assert_eq!(h.sender_code(), Some("hcx@swasth"), "the HCX itself is the sender");
        assert_eq!(h.recipient_code(), Some("prov"), "sent back to the original sender");
        assert_eq!(h.workflow_id(), Some("wf"), "workflow id kept when present");
    }
}
