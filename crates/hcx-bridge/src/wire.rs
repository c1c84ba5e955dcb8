//! Local adapter over `hcx-protocol`: the only module of this crate that touches protocol
//! types (paths, body shapes, header validation, ack and error bodies). The bridge never parses
//! headers or JWEs itself.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hcx_protocol::{
    Ack, Action, Dialect, ErrorBody, ErrorCode, Headers, parse_body, validate_incoming,
};

/// The error codes the bridge itself raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    AccessDenied,
    InvalidPayload,
    InvalidRecipient,
    InvalidRequest,
    ServiceUnavailable,
}

impl Code {
    fn protocol(self) -> ErrorCode {
        match self {
            Code::AccessDenied => ErrorCode::ErrAccessDenied,
            Code::InvalidPayload => ErrorCode::ErrInvalidPayload,
            Code::InvalidRecipient => ErrorCode::ErrInvalidRecipient,
            Code::InvalidRequest => ErrorCode::ErrInvalidRequest,
            Code::ServiceUnavailable => ErrorCode::ErrServiceUnavailable,
        }
    }
}

/// A callback path taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// From a `/p/{participant}` prefix, percent-decoded.
    pub(crate) participant: Option<String>,
    pub(crate) action: Action,
    /// Canonical protocol path without version, e.g. `/preauth/on_submit`.
    pub(crate) action_path: String,
}

/// `[/p/{participant}][/{version}]/{entity}/{action}`; anything else is `None`.
pub(crate) fn parse_route(path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (participant, rest) = match segs.split_first() {
        Some((&"p", tail)) => {
            let (code, rest) = tail.split_first()?;
            (Some(percent_decode(code)?), rest)
        }
        _ => (None, segs.as_slice()),
    };
    if !(rest.len() == 2 || rest.len() == 3) {
        return None;
    }
    let (version, action) = Action::from_path(&rest.join("/"))?;
    if rest.len() == 3 && version.is_none() {
        return None;
    }
    Some(Route { participant, action, action_path: action.path().to_owned() })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|c| !c.is_empty())
}

/// A callback that passed the shape and header checks.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    headers: Headers,
    pub(crate) headers_json: String,
    pub(crate) sender: String,
    pub(crate) recipient: String,
    pub(crate) api_call_id: String,
}

impl Incoming {
    /// An error answer that echoes this message's ids, as the gateway does.
    pub(crate) fn reject(&self, status: StatusCode, code: Code, message: &str) -> Response {
        let body = ErrorBody::new(Utc::now(), Some(&self.headers), Some(&code.protocol()), message);
        json(status, body.to_json_string())
    }
}

/// A refused body: status plus the platform error body.
#[derive(Debug)]
pub(crate) struct Rejection {
    status: StatusCode,
    body: String,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        json(self.status, self.body)
    }
}

/// Classify and check a callback body with hcx-protocol's header-only validation (no key, no
/// registry). `expected_recipient` is the URL's participant; without one the body's own
/// recipient is used and the caller checks it is served.
pub(crate) fn classify(
    action: Action,
    bytes: &[u8],
    expected_recipient: Option<&str>,
) -> Result<Incoming, Rejection> {
    let now = Utc::now();
    let reject =
        |headers: Option<&Headers>, code: &ErrorCode, message: String, status: u16| Rejection {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            body: ErrorBody::new(now, headers, Some(code), message).to_json_string(),
        };
    let body = parse_body(bytes)
        .map_err(|e| reject(None, &ErrorCode::ErrInvalidPayload, e.to_string(), 400))?;
    let peeked = body.headers().ok();
    if !body.is_jwe() && !action.is_callback() {
        // The gateway only lets plain JSON travel on on_* paths (wire facts §4.1).
        return Err(reject(
            peeked.as_ref(),
            &ErrorCode::ErrInvalidPayload,
            "Request body should be a proper JWE object for action API calls".to_owned(),
            400,
        ));
    }
    let recipient = match expected_recipient {
        Some(r) => r.to_owned(),
        None => peeked.as_ref().and_then(Headers::recipient_code).unwrap_or_default().to_owned(),
    };
    let headers = validate_incoming(&body, &recipient, now)
        .map_err(|v| reject(peeked.as_ref(), &v.code, v.message.clone(), v.http_status()))?;
    // validate_incoming guarantees these are non-empty strings.
    let sender = headers.sender_code().unwrap_or_default().to_owned();
    let api_call_id = headers.api_call_id().unwrap_or_default().to_owned();
    Ok(Incoming { headers_json: headers.to_json_string(), sender, recipient, api_call_id, headers })
}

/// 202 with the acknowledgement body (NHCX's shape for NHCX participants).
pub(crate) fn accepted(incoming: &Incoming, dialect: Dialect) -> Response {
    let ack = Ack::for_headers(&incoming.headers, Utc::now());
    let body = match dialect {
        Dialect::Nhcx => ack.nhcx_body(&incoming.headers),
        _ => ack.to_json_string(),
    };
    json(StatusCode::ACCEPTED, body)
}

/// The platform error body with no message ids.
pub(crate) fn error_response(status: StatusCode, code: Code, message: &str) -> Response {
    json(status, ErrorBody::new(Utc::now(), None, Some(&code.protocol()), message).to_json_string())
}

/// 400 for a malformed mailbox request.
pub(crate) fn bad_request(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, Code::InvalidRequest, message)
}

/// 503 when storage failed (the caller should retry).
pub(crate) fn unavailable(message: &str) -> Response {
    error_response(StatusCode::SERVICE_UNAVAILABLE, Code::ServiceUnavailable, message)
}

/// Parse a dialect name from a config file.
pub(crate) fn parse_dialect(s: &str) -> Option<Dialect> {
    s.parse().ok()
}

/// The body shape for tests that need to tell a JWE from plain JSON.
#[cfg(test)]
pub(crate) fn is_jwe(bytes: &[u8]) -> bool {
    matches!(parse_body(bytes), Ok(hcx_protocol::Body::Jwe(_)))
}

fn json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_with_prefix_version_or_neither() {
        let r = parse_route("/p/1-abc/preauth/on_submit").expect("prefixed path");
        assert_eq!(r.participant.as_deref(), Some("1-abc"), "participant comes from /p/{{code}}");
        assert_eq!(r.action_path, "/preauth/on_submit", "the stored path has no prefix");
        let r = parse_route("/p/a%40b/v0.7/coverageeligibility/check").expect("prefix + version");
        assert_eq!(r.participant.as_deref(), Some("a@b"), "percent-encoding is decoded");
        assert_eq!(r.action_path, "/coverageeligibility/check", "version is dropped");
        let r = parse_route("/claim/on_submit").expect("bare path");
        assert_eq!(r.participant, None, "no prefix means single-tenant form");
        assert!(parse_route("/v0.8/hcx/on_status").is_some(), "version without prefix");
    }

    #[test]
    fn rejects_unknown_or_extra_segments() {
        assert_eq!(parse_route("/p/x/foo/bar"), None, "unknown action");
        assert_eq!(parse_route("/p/x/junk/claim/on_submit"), None, "a non-version extra segment");
        assert_eq!(parse_route("/p//claim/on_submit"), None, "empty participant is not a prefix");
        assert_eq!(parse_route("/p/%zz/claim/on_submit"), None, "bad percent-encoding");
        assert_eq!(parse_route("/"), None, "root");
    }

    #[test]
    fn plain_json_is_refused_on_action_paths() {
        let plain = br#"{"x-hcx-status":"response.error"}"#;
        assert!(!is_jwe(plain), "fixture is plain JSON");
        let e = classify(Action::ClaimSubmit, plain, Some("r")).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST, "plain JSON on an action path is a 400");
        assert!(e.body.contains("ERR_INVALID_PAYLOAD"), "with the platform's code: {}", e.body);
    }
}
