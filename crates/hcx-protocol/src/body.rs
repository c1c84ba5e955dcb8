//! HTTP request bodies of protocol APIs: `{"payload": "<compact JWE>"}`, a flattened JWE JSON
//! object, or a plain-JSON `ProtocolResponse` (a flat object of `x-hcx-*` headers).

use serde_json::{Map, Value};

use crate::headers::Headers;
use crate::jwe::{self, JweError};
use crate::names;
use crate::types::Dialect;

/// Why a body is not one of the protocol's shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The body is empty.
    #[error("request body is empty")]
    Empty,
    /// Not JSON at all.
    #[error("request body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("request body is not a JSON object")]
    NotObject,
    /// `payload` present but not a string (or a JWE object).
    #[error("\"payload\" must be a string holding a compact JWE")]
    PayloadNotString,
    /// A JWE JSON serialisation that cannot become compact.
    #[error(transparent)]
    Jwe(#[from] JweError),
}

/// A classified protocol body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// An encrypted message, always held in compact form.
    Jwe(String),
    /// A plain-JSON `ProtocolResponse` (error or redirect); all keys kept.
    Plain(Headers),
}

impl Body {
    /// The protocol headers, for either kind (a JWE's protected header is read without a key).
    pub fn headers(&self) -> Result<Headers, JweError> {
        match self {
            Body::Jwe(compact) => jwe::peek_headers(compact),
            Body::Plain(h) => Ok(h.clone()),
        }
    }

    /// True for [`Body::Jwe`].
    pub fn is_jwe(&self) -> bool {
        matches!(self, Body::Jwe(_))
    }

    /// The body as it should be sent on (JWE re-wrapped in `{"payload": …}`).
    pub fn to_json_string(&self) -> String {
        match self {
            Body::Jwe(compact) => payload_body(compact),
            Body::Plain(h) => h.to_json_string(),
        }
    }
}

fn looks_like_jwe_json(obj: &Map<String, Value>) -> bool {
    obj.contains_key("protected") && obj.contains_key("ciphertext")
}

/// Classify a request body the way the gateway does (a `payload` key means JWE), also
/// accepting a flattened JWE object (converted to compact). NHCX's extra `"type"` member is
/// tolerated on both shapes (and kept in a plain body's headers).
pub fn parse_body(bytes: &[u8]) -> Result<Body, BodyError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Empty);
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| BodyError::NotJson(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(BodyError::NotObject);
    };
    match obj.get(names::PAYLOAD) {
        Some(Value::String(compact)) => Ok(Body::Jwe(compact.trim().to_owned())),
        Some(Value::Object(inner)) if looks_like_jwe_json(inner) => {
            Ok(Body::Jwe(jwe::to_compact(&Value::Object(inner.clone()).to_string())?))
        }
        Some(_) => Err(BodyError::PayloadNotString),
        None if looks_like_jwe_json(&obj) => {
            Ok(Body::Jwe(jwe::to_compact(&Value::Object(obj).to_string())?))
        }
        None => Ok(Body::Plain(Headers::from_map(obj))),
    }
}

/// The JSON body carrying a compact JWE: `{"payload":"…"}`.
pub fn payload_body(compact: &str) -> String {
    let mut map = Map::with_capacity(1);
    map.insert(names::PAYLOAD.into(), Value::from(compact));
    Value::Object(map).to_string()
}

/// [`payload_body`] for a dialect: NHCX bodies also carry `"type": "JWEPayload"`.
pub fn payload_body_for(compact: &str, dialect: Dialect) -> String {
    let mut map = Map::with_capacity(2);
    if dialect == Dialect::Nhcx {
        map.insert(names::BODY_TYPE.into(), Value::from("JWEPayload"));
    }
    map.insert(names::PAYLOAD.into(), Value::from(compact));
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_three_shapes() {
        let compact = "a.b.c.d.e";
        assert_eq!(
            parse_body(payload_body(compact).as_bytes()),
            Ok(Body::Jwe(compact.into())),
            "{{payload}} is a JWE"
        );
        let flat = br#"{"protected":"a","encrypted_key":"b","iv":"c","ciphertext":"d","tag":"e"}"#;
        assert_eq!(
            parse_body(flat),
            Ok(Body::Jwe(compact.into())),
            "flattened JSON becomes compact"
        );
        let plain = br#"{"x-hcx-status":"response.error"}"#;
        assert!(matches!(parse_body(plain), Ok(Body::Plain(_))), "anything else is plain JSON");
        assert_eq!(parse_body(b"[1]"), Err(BodyError::NotObject), "arrays are not bodies");
        assert_eq!(parse_body(b"  "), Err(BodyError::Empty), "empty body has its own error");
        assert_eq!(
            parse_body(br#"{"payload":5}"#),
            Err(BodyError::PayloadNotString),
            "a non-string payload is not a JWE"
        );
    }
}
