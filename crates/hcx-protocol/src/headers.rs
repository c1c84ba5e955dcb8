//! The protected-header map ([`Headers`]): typed accessors over an ordered JSON object that
//! keeps every key it was given (unknown and domain headers included), plus the builders for a
//! fresh action request and for the callback answering one.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::names;
use crate::time::now_timestamp;
use crate::types::{DebugFlag, Details, Dialect, Status, UnknownValue};

/// A header value that is present but malformed, or a header name that breaks the naming rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The header exists but has the wrong JSON type (e.g. a number where a string belongs).
    #[error("header {name} has the wrong type: expected {expected}")]
    WrongType {
        /// Header name.
        name: String,
        /// What was expected ("string", "object").
        expected: &'static str,
    },
    /// The string is not one of the allowed values.
    #[error(transparent)]
    Unknown(#[from] UnknownValue),
    /// `x-hcx-error_details` / `x-hcx-debug_details` is not `{code, message[, trace]}`.
    #[error("header {name} is not a {{code, message, trace}} object: {reason}")]
    BadDetails {
        /// Header name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A domain header's use-case or parameter name breaks the spec's length/charset rules.
    #[error("invalid domain header name part {part:?}: {reason}")]
    BadDomainName {
        /// The offending part.
        part: String,
        /// Why it is rejected.
        reason: &'static str,
    },
}

/// All protected headers of one message, in order. Wraps a `serde_json::Map` so unknown keys
/// (domain headers, NHCX extras, `alg`/`enc` after opening) survive a read/modify/write.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Headers(Map<String, Value>);

impl From<Map<String, Value>> for Headers {
    fn from(map: Map<String, Value>) -> Self {
        Headers(map)
    }
}

impl From<Headers> for Map<String, Value> {
    fn from(h: Headers) -> Self {
        h.0
    }
}

impl Headers {
    /// An empty map.
    pub fn new() -> Self {
        Headers(Map::new())
    }

    /// Wrap an existing JSON object.
    pub fn from_map(map: Map<String, Value>) -> Self {
        Headers(map)
    }

    /// Parse a JSON object (anything else is `None`).
    pub fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Headers(map)),
            _ => None,
        }
    }

    /// Headers for a new action request from `sender` to `recipient`.
    ///
    /// Sets a fresh UUID v4 `x-hcx-api_call_id`, the given correlation id, the workflow id if
    /// any, and a timestamp a little in the past ([`now_timestamp`]): the Swasth gateway rejects
    /// any future timestamp, so clock skew must fall on the safe side.
    /// Swasth omits `x-hcx-status` (the gateway sets `request.queued` itself); NHCX wants
    /// `request.initiated` and an `x-hcx-request_id`.
    pub fn action(
        sender: &str,
        recipient: &str,
        correlation_id: &str,
        workflow_id: Option<&str>,
        dialect: Dialect,
    ) -> Headers {
        let mut h = Headers::new();
        h.insert(names::SENDER_CODE, sender);
        h.insert(names::RECIPIENT_CODE, recipient);
        h.insert(names::API_CALL_ID, new_id());
        h.insert(names::CORRELATION_ID, correlation_id);
        if let Some(w) = workflow_id {
            h.insert(names::WORKFLOW_ID, w);
        }
        h.insert(names::TIMESTAMP, now_timestamp());
        if dialect == Dialect::Nhcx {
            h.insert(names::STATUS, Status::RequestInitiated.as_str());
            h.insert(names::REQUEST_ID, new_id());
        }
        h
    }

    /// Headers for the callback answering `request`: sender and recipient swapped (the Python
    /// SDK forgets to), correlation and workflow ids copied, fresh api_call_id and timestamp,
    /// and `status` set. If the request carried an NHCX `x-hcx-request_id`, the callback gets a
    /// fresh one (it is a per-call id, like the api_call_id that replaced it on Swasth).
    pub fn callback_to(request: &Headers, status: Status) -> Headers {
        let mut h = Headers::new();
        if let Some(v) = request.get(names::RECIPIENT_CODE) {
            h.insert(names::SENDER_CODE, v.clone());
        }
        if let Some(v) = request.get(names::SENDER_CODE) {
            h.insert(names::RECIPIENT_CODE, v.clone());
        }
        h.insert(names::API_CALL_ID, new_id());
        for key in [names::CORRELATION_ID, names::WORKFLOW_ID] {
            if let Some(v) = request.get(key) {
                h.insert(key, v.clone());
            }
        }
        if request.contains(names::REQUEST_ID) {
            h.insert(names::REQUEST_ID, new_id());
        }
        h.insert(names::TIMESTAMP, now_timestamp());
        h.set_status(status);
        h
    }

    /// The raw value of any header.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A header as a string; `None` when absent or not a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// Set any header, returning the previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.0.insert(key.into(), value.into())
    }

    /// Remove a header, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.0.shift_remove(key)
    }

    /// Whether the header is present (even as `null`).
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The underlying ordered map.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// Take the underlying map.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterate over `(name, value)` in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    /// The headers as compact JSON (the plain-JSON `ProtocolResponse` body shape).
    pub fn to_json_string(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }

    /// `x-hcx-sender_code`.
    pub fn sender_code(&self) -> Option<&str> {
        self.get_str(names::SENDER_CODE)
    }
    /// `x-hcx-recipient_code`.
    pub fn recipient_code(&self) -> Option<&str> {
        self.get_str(names::RECIPIENT_CODE)
    }
    /// `x-hcx-api_call_id`.
    pub fn api_call_id(&self) -> Option<&str> {
        self.get_str(names::API_CALL_ID)
    }
    /// `x-hcx-correlation_id`.
    pub fn correlation_id(&self) -> Option<&str> {
        self.get_str(names::CORRELATION_ID)
    }
    /// `x-hcx-workflow_id`.
    pub fn workflow_id(&self) -> Option<&str> {
        self.get_str(names::WORKFLOW_ID)
    }
    /// `x-hcx-timestamp`, raw (parse with [`crate::time::parse_timestamp`]).
    pub fn timestamp(&self) -> Option<&str> {
        self.get_str(names::TIMESTAMP)
    }
    /// `x-hcx-redirect_to`.
    pub fn redirect_to(&self) -> Option<&str> {
        self.get_str(names::REDIRECT_TO)
    }
    /// `x-hcx-request_id` (NHCX).
    pub fn request_id(&self) -> Option<&str> {
        self.get_str(names::REQUEST_ID)
    }
    /// `alg` (present on opened/peeked JWE headers).
    pub fn alg(&self) -> Option<&str> {
        self.get_str(names::ALG)
    }
    /// `enc` (present on opened/peeked JWE headers).
    pub fn enc(&self) -> Option<&str> {
        self.get_str(names::ENC)
    }

    /// `x-hcx-status`: `None` when absent, `Err` when present but not a known status string.
    pub fn status(&self) -> Option<Result<Status, HeaderError>> {
        self.get(names::STATUS).map(|v| parse_str_enum(names::STATUS, v))
    }

    /// `x-hcx-debug_flag`: `None` when absent, `Err` when not `Error|Info|Debug`.
    pub fn debug_flag(&self) -> Option<Result<DebugFlag, HeaderError>> {
        self.get(names::DEBUG_FLAG).map(|v| parse_str_enum(names::DEBUG_FLAG, v))
    }

    /// `x-hcx-error_details`: `None` when absent, `Err` when not `{code, message[, trace]}`.
    pub fn error_details(&self) -> Option<Result<Details, HeaderError>> {
        self.get(names::ERROR_DETAILS).map(|v| parse_details(names::ERROR_DETAILS, v))
    }

    /// `x-hcx-debug_details`: as [`Headers::error_details`].
    pub fn debug_details(&self) -> Option<Result<Details, HeaderError>> {
        self.get(names::DEBUG_DETAILS).map(|v| parse_details(names::DEBUG_DETAILS, v))
    }

    /// Set `x-hcx-status`.
    pub fn set_status(&mut self, status: Status) {
        self.insert(names::STATUS, status.as_str());
    }
    /// Set `x-hcx-error_details`.
    pub fn set_error_details(&mut self, details: &Details) {
        self.insert(names::ERROR_DETAILS, details.to_value());
    }
    /// Set `x-hcx-debug_details`.
    pub fn set_debug_details(&mut self, details: &Details) {
        self.insert(names::DEBUG_DETAILS, details.to_value());
    }
    /// Set `x-hcx-redirect_to`.
    pub fn set_redirect_to(&mut self, participant_code: &str) {
        self.insert(names::REDIRECT_TO, participant_code);
    }
    /// Set `x-hcx-debug_flag`.
    pub fn set_debug_flag(&mut self, flag: DebugFlag) {
        self.insert(names::DEBUG_FLAG, flag.as_str());
    }
    /// Set `x-hcx-workflow_id`.
    pub fn set_workflow_id(&mut self, workflow_id: &str) {
        self.insert(names::WORKFLOW_ID, workflow_id);
    }
    /// Set `x-hcx-timestamp` to a raw string (normally [`now_timestamp`]).
    pub fn set_timestamp(&mut self, timestamp: &str) {
        self.insert(names::TIMESTAMP, timestamp);
    }
    /// Replace `x-hcx-api_call_id` with a fresh UUID (every HTTP call, retries included, needs
    /// its own) and return it.
    pub fn renew_api_call_id(&mut self) -> String {
        let id = new_id();
        self.insert(names::API_CALL_ID, id.clone());
        id
    }

    /// Set a domain header `x-hcx-<use_case>-<param>`. The spec asks for a use-case name under
    /// 16 characters and a parameter name under 32; both must be non-empty, lower-case ASCII
    /// letters, digits or `_` (the use case may not contain `-`, which separates the parts).
    pub fn set_domain_header(
        &mut self,
        use_case: &str,
        param: &str,
        value: impl Into<Value>,
    ) -> Result<String, HeaderError> {
        check_domain_part(use_case, 16)?;
        check_domain_part(param, 32)?;
        let name = format!("{}{use_case}-{param}", names::PREFIX);
        self.insert(name.clone(), value);
        Ok(name)
    }

    /// The protocol (`x-hcx-*`) headers only, in order.
    pub fn protocol_headers(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().filter(|(k, _)| k.starts_with(names::PREFIX))
    }
}

fn check_domain_part(part: &str, limit: usize) -> Result<(), HeaderError> {
    let bad = |reason| Err(HeaderError::BadDomainName { part: part.to_owned(), reason });
    if part.is_empty() {
        return bad("must not be empty");
    }
    if part.len() >= limit {
        return bad(if limit == 16 {
            "use-case name must be shorter than 16 characters"
        } else {
            "parameter name must be shorter than 32 characters"
        });
    }
    if !part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return bad("only lower-case ASCII letters, digits and '_' are allowed");
    }
    Ok(())
}

fn parse_str_enum<T: std::str::FromStr<Err = UnknownValue>>(
    name: &str,
    v: &Value,
) -> Result<T, HeaderError> {
    match v.as_str() {
        Some(s) => s.parse().map_err(HeaderError::from),
        None => Err(HeaderError::WrongType { name: name.to_owned(), expected: "string" }),
    }
}

/// Strict parse of a details object with the gateway's rules: an object, `code` and `message`
/// present as strings, `trace` a string or null if present, and no other keys.
pub(crate) fn parse_details(name: &str, v: &Value) -> Result<Details, HeaderError> {
    let bad =
        |reason: &str| HeaderError::BadDetails { name: name.to_owned(), reason: reason.to_owned() };
    let obj = v.as_object().ok_or_else(|| bad("not a JSON object"))?;
    if let Some(k) = obj.keys().find(|k| !names::DETAILS_KEYS.contains(&k.as_str())) {
        return Err(bad(&format!("unexpected key {k:?}")));
    }
    let code = obj
        .get("code")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("code missing or not a string"))?;
    let message = obj
        .get("message")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("message missing or not a string"))?;
    let trace = match obj.get("trace") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("trace is not a string")),
    };
    Ok(Details { code: code.to_owned(), message: message.to_owned(), trace })
}

/// A fresh UUID v4 as a lower-case hyphenated string (NHCX insists on real 36-char UUIDs).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_swaps_parties_and_copies_cycle_ids() {
        let req = Headers::action("prov@x", "payr@x", "corr-1", Some("wf-1"), Dialect::Swasth);
        let cb = Headers::callback_to(&req, Status::ResponseComplete);
        assert_eq!(cb.sender_code(), Some("payr@x"), "the callback comes from the recipient");
        assert_eq!(cb.recipient_code(), Some("prov@x"), "the callback goes back to the sender");
        assert_eq!(cb.correlation_id(), Some("corr-1"), "same cycle");
        assert_eq!(cb.workflow_id(), Some("wf-1"), "the gateway rejects a different workflow id");
        assert_ne!(
            cb.api_call_id(),
            req.api_call_id(),
            "every HTTP call needs its own api_call_id"
        );
        assert_eq!(cb.status(), Some(Ok(Status::ResponseComplete)), "status set as asked");
    }

    #[test]
    fn swasth_action_omits_status_nhcx_adds_request_id() {
        let s = Headers::action("a", "b", "c", None, Dialect::Swasth);
        assert!(
            s.status().is_none(),
            "Swasth rejects request.initiated; the gateway sets the status"
        );
        assert!(s.workflow_id().is_none(), "no workflow id unless given (unlike the JS SDK)");
        let n = Headers::action("a", "b", "c", None, Dialect::Nhcx);
        assert_eq!(n.status(), Some(Ok(Status::RequestInitiated)), "NHCX wants request.initiated");
        assert_eq!(n.request_id().map(str::len), Some(36), "NHCX requires a UUID x-hcx-request_id");
        let cb = Headers::callback_to(&n, Status::ResponseComplete);
        assert!(
            cb.request_id().is_some() && cb.request_id() != n.request_id(),
            "an NHCX callback carries its own request id"
        );
    }

    #[test]
    fn domain_header_length_rules() {
        let mut h = Headers::new();
        assert_eq!(
            h.set_domain_header("claim", "total_amount", "100.00").as_deref(),
            Ok("x-hcx-claim-total_amount"),
            "a well-formed domain header gets the x-hcx-<use_case>-<param> name"
        );
        assert!(
            h.set_domain_header("abcdefghijklmnop", "p", 1).is_err(),
            "16-character use-case names are too long (spec: <16)"
        );
        assert!(h.set_domain_header("ok", &"p".repeat(32), 1).is_err(), "param must be <32 chars");
        assert!(h.set_domain_header("has-dash", "p", 1).is_err(), "'-' separates the parts");
    }
}
