//! Human/debug view of a message: decode the protected header, optionally decrypt, and list
//! what a gateway or recipient would object to. Used by `hcx inspect` and the console UI.

use serde::Serialize;
use serde_json::Value;

use crate::body::{Body, BodyError, parse_body};
use crate::jwe::{self, PrivateKey};
use crate::names;

/// The report printed by `hcx inspect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    /// The protected header (or the plain-JSON headers), every key.
    pub protected: Value,
    /// The decrypted payload as JSON; `null` without a key, on failure, or for plain JSON.
    pub payload: Value,
    /// `alg` of the token (`null` for plain JSON or when absent).
    pub alg: Value,
    /// Problems found (decryption failures, missing mandatory headers, base64 alphabet…).
    pub errors: Vec<String>,
}

impl Inspection {
    /// One-line JSON.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Input that cannot be inspected at all (no readable header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// The input is neither a token nor a protocol body.
    #[error("input is not a JWE or an HCX body: {0}")]
    NotAMessage(String),
    /// A token whose header cannot be read.
    #[error(transparent)]
    Jwe(#[from] jwe::JweError),
}

impl From<BodyError> for InspectError {
    fn from(e: BodyError) -> Self {
        InspectError::NotAMessage(e.to_string())
    }
}

/// Inspect a compact JWE, a `{"payload": …}` body, a flattened JWE JSON or a plain-JSON
/// protocol message. With `key`, the payload is decrypted.
pub fn inspect(input: &[u8], key: Option<&PrivateKey>) -> Result<Inspection, InspectError> {
    let text = std::str::from_utf8(input)
        .map_err(|_| InspectError::NotAMessage("input is not UTF-8 text".into()))?
        .trim();
    if text.is_empty() {
        return Err(InspectError::NotAMessage("input is empty".into()));
    }
    let body = if text.starts_with('{') {
        parse_body(text.as_bytes())?
    } else {
        Body::Jwe(text.to_owned())
    };
    let mut errors = Vec::new();
    match body {
        Body::Plain(headers) => {
            // The gateway's own error callback legitimately has no timestamp (wire facts §4.8).
            let gateway_error = headers.get_str(names::STATUS) == Some("response.error")
                && !headers.contains(names::TIMESTAMP);
            let mandatory: Vec<&str> = names::MANDATORY_PROTOCOL
                .into_iter()
                .filter(|k| !(gateway_error && *k == names::TIMESTAMP))
                .collect();
            check_mandatory(&headers, &mandatory, &mut errors);
            Ok(Inspection {
                protected: Value::Object(headers.into_map()),
                payload: Value::Null,
                alg: Value::Null,
                errors,
            })
        }
        Body::Jwe(compact) => {
            let headers = jwe::peek_headers(&compact)?;
            if compact.split('.').next().is_some_and(|p| p.contains(['-', '_'])) {
                errors.push(
                    "protected header contains base64url characters ('-' or '_'); the Swasth \
                     gateway decodes it with the standard alphabet and rejects it"
                        .into(),
                );
            }
            check_mandatory(&headers, &names::MANDATORY_JWE, &mut errors);
            let alg = headers.get(names::ALG).cloned().unwrap_or(Value::Null);
            let payload = match key {
                None => Value::Null,
                Some(k) => match jwe::open(&compact, k).and_then(|o| o.payload_json()) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(e.to_string());
                        Value::Null
                    }
                },
            };
            Ok(Inspection { protected: Value::Object(headers.into_map()), payload, alg, errors })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::ProtocolResponse;
    use crate::types::Details;

    #[test]
    fn gateway_error_callback_is_not_flagged_for_its_missing_timestamp() {
        let req = crate::Headers::action("p", "q", "c", None, Default::default());
        let gw = ProtocolResponse::gateway_error("hcx", &req, &Details::new("E", "m"));
        let report = inspect(gw.to_json_string().as_bytes(), None).expect("plain JSON inspects");
        assert_eq!(
            report.errors,
            Vec::<String>::new(),
            "the platform sends it without a timestamp"
        );
        let mut broken = gw.clone();
        broken.remove(names::CORRELATION_ID);
        let report = inspect(broken.to_json_string().as_bytes(), None).expect("inspects");
        assert_eq!(
            report.errors,
            vec!["mandatory headers missing: [x-hcx-correlation_id]".to_owned()],
            "other missing headers are still reported"
        );
    }
}

fn check_mandatory(headers: &crate::Headers, mandatory: &[&str], errors: &mut Vec<String>) {
    let missing: Vec<&str> = mandatory.iter().copied().filter(|k| !headers.contains(k)).collect();
    if !missing.is_empty() {
        errors.push(format!("mandatory headers missing: [{}]", missing.join(", ")));
    }
}

/// Why `hcx seal` input could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealInputError {
    /// The headers file is not a JSON object.
    #[error("headers must be a JSON object: {0}")]
    BadHeaders(String),
    /// The payload is not JSON.
    #[error("payload is not JSON: {0}")]
    BadPayload(String),
    /// Key or sealing failure.
    #[error(transparent)]
    Jwe(#[from] jwe::JweError),
}

/// The `hcx seal` operation: headers JSON object + payload JSON + recipient certificate or
/// public-key PEM → the `{"payload": "<compact>"}` body.
pub fn seal_body(
    headers_json: &[u8],
    payload_json: &[u8],
    recipient_pem: &[u8],
    alg: jwe::KeyAlg,
) -> Result<String, SealInputError> {
    let headers = match serde_json::from_slice::<Value>(headers_json) {
        Ok(v) => crate::Headers::from_value(v)
            .ok_or_else(|| SealInputError::BadHeaders("not an object".into()))?,
        Err(e) => return Err(SealInputError::BadHeaders(e.to_string())),
    };
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(payload_json) {
        return Err(SealInputError::BadPayload(e.to_string()));
    }
    let key = jwe::RecipientKey::from_pem(recipient_pem)?;
    let compact = jwe::seal_with(&headers, payload_json, &key, alg)?;
    Ok(crate::body::payload_body(&compact))
}
