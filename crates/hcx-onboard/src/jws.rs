//! Compact RS256 JWS for onboarding artefacts (sandbox certificates, sandbox attestations and
//! the signed requests a participant sends to the sandbox's certification endpoints).
//!
//! The signer's certificate travels in the protected header as `x5c` (RFC 7515 §4.1.6,
//! standard base64 DER), so a verifier can check the signature without a registry lookup and
//! then compare the certificate with what a registry or a sandbox attestation vouches for.
//! Only RS256 is produced or accepted (the alg HCX uses for its own JWS, wire facts §7.2);
//! `none` and HMAC are refused before any key is touched.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use josekit::jws::alg::rsassa::RsassaJwsSigner;
use josekit::jws::{JwsHeader, RS256};
use openssl::hash::MessageDigest;
use openssl::x509::X509;
use serde::Serialize;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// The only signature algorithm used.
pub const ALG: &str = "RS256";

/// Why a JWS could not be made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// Not a compact JWS, or its header/payload is not JSON.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// `alg` is not RS256.
    #[error("algorithm {0:?} is not accepted (RS256 only)")]
    Algorithm(String),
    /// The signature does not verify with the given certificate.
    #[error("the signature does not match the certificate")]
    BadSignature,
    /// The private key is unusable.
    #[error("signing key: {0}")]
    Key(String),
    /// A certificate is unusable.
    #[error("certificate: {0}")]
    Certificate(String),
}

/// A private key able to sign, with the certificate to announce in `x5c`. Debug is redacted.
pub struct SigningKey {
    signer: RsassaJwsSigner,
    cert_der: Option<Vec<u8>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    /// From the participant's key (the one it decrypts with) and its certificate PEM.
    pub fn from_private_key(
        key: &hcx_protocol::PrivateKey,
        cert_pem: Option<&str>,
    ) -> Result<Self, JwsError> {
        // DER lives only for the call and is zeroed afterwards.
        let der = Zeroizing::new(
            key.as_openssl().private_key_to_der().map_err(|e| JwsError::Key(e.to_string()))?,
        );
        let signer =
            RS256.signer_from_der(der.as_slice()).map_err(|e| JwsError::Key(e.to_string()))?;
        Self::with_cert(signer, cert_pem)
    }

    /// From a PEM private key (PKCS#8 or PKCS#1), e.g. the sandbox's own identity key.
    pub fn from_pem(private_pem: &[u8], cert_pem: Option<&str>) -> Result<Self, JwsError> {
        let signer =
            RS256.signer_from_pem(private_pem).map_err(|e| JwsError::Key(e.to_string()))?;
        Self::with_cert(signer, cert_pem)
    }

    fn with_cert(signer: RsassaJwsSigner, cert_pem: Option<&str>) -> Result<Self, JwsError> {
        let cert_der = match cert_pem {
            Some(pem) => Some(
                cert_from_pem(pem)?.to_der().map_err(|e| JwsError::Certificate(e.to_string()))?,
            ),
            None => None,
        };
        Ok(Self { signer, cert_der })
    }

    /// Signs `payload` (serialised as JSON) with header `{alg: RS256, typ, x5c?}`.
    pub fn sign<T: Serialize>(&self, typ: &str, payload: &T) -> Result<String, JwsError> {
        let bytes = serde_json::to_vec(payload).map_err(|e| JwsError::Malformed(e.to_string()))?;
        let mut h = JwsHeader::new();
        h.set_token_type(typ);
        if let Some(der) = &self.cert_der {
            h.set_x509_certificate_chain(&vec![der.clone()]);
        }
        josekit::jws::serialize_compact(&bytes, &h, &self.signer)
            .map_err(|e| JwsError::Key(e.to_string()))
    }
}

/// Header and payload of a compact JWS, read WITHOUT checking the signature (to find out who
/// claims to have signed it). Never trust these values before [`verify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    /// Protected header.
    pub header: Map<String, Value>,
    /// Payload JSON.
    pub payload: Value,
}

impl Unverified {
    /// `typ` of the header.
    pub fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// The first `x5c` certificate, if the header carries one.
    pub fn certificate(&self) -> Result<Option<X509>, JwsError> {
        let Some(first) = self.header.get("x5c").and_then(Value::as_array).and_then(|a| a.first())
        else {
            return Ok(None);
        };
        let b64 = first
            .as_str()
            .ok_or_else(|| JwsError::Malformed("x5c entries must be strings".into()))?;
        let der = STANDARD
            .decode(b64)
            .map_err(|e| JwsError::Malformed(format!("x5c is not base64: {e}")))?;
        X509::from_der(&der).map(Some).map_err(|e| JwsError::Certificate(e.to_string()))
    }
}

/// Splits and decodes a compact JWS without verifying it.
pub fn peek(compact: &str) -> Result<Unverified, JwsError> {
    let mut parts = compact.trim().split('.');
    let (Some(h), Some(p), Some(_s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed("a compact JWS has three dot-separated parts".into()));
    };
    let decode = |seg: &str, what: &str| -> Result<Value, JwsError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(seg)
            .map_err(|e| JwsError::Malformed(format!("{what} is not base64url: {e}")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| JwsError::Malformed(format!("{what} is not JSON: {e}")))
    };
    let header = match decode(h, "header")? {
        Value::Object(m) => m,
        _ => return Err(JwsError::Malformed("header is not a JSON object".into())),
    };
    Ok(Unverified { header, payload: decode(p, "payload")? })
}

/// Verifies an RS256 compact JWS against `cert` and returns the payload JSON.
pub fn verify(compact: &str, cert: &X509) -> Result<Value, JwsError> {
    let seen = peek(compact)?;
    let alg = seen.header.get("alg").and_then(Value::as_str).unwrap_or_default();
    if alg != ALG {
        return Err(JwsError::Algorithm(alg.to_string()));
    }
    let spki = cert
        .public_key()
        .and_then(|k| k.public_key_to_der())
        .map_err(|e| JwsError::Certificate(e.to_string()))?;
    let verifier =
        RS256.verifier_from_der(&spki).map_err(|e| JwsError::Certificate(e.to_string()))?;
    let (payload, _) =
        josekit::jws::deserialize_compact(compact.trim(), &verifier).map_err(|e| match e {
            josekit::JoseError::InvalidSignature(_) => JwsError::BadSignature,
            other => JwsError::Malformed(other.to_string()),
        })?;
    serde_json::from_slice(&payload).map_err(|e| JwsError::Malformed(e.to_string()))
}

/// Parses a PEM certificate.
pub fn cert_from_pem(pem: &str) -> Result<X509, JwsError> {
    X509::from_pem(pem.as_bytes())
        .map_err(|_| JwsError::Certificate("not a PEM X.509 certificate".into()))
}

/// Lower-case hex SHA-256 of the certificate's DER (what attestations vouch for).
pub fn fingerprint_sha256(cert: &X509) -> Result<String, JwsError> {
    let d =
        cert.digest(MessageDigest::sha256()).map_err(|e| JwsError::Certificate(e.to_string()))?;
    Ok(d.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::pkey::{PKey, Private};
    use openssl::x509::X509NameBuilder;
    use serde_json::json;

    /// A fresh RSA key and a self-signed certificate for tests.
    pub fn key_and_cert(cn: &str) -> (hcx_protocol::PrivateKey, String) {
        let key = hcx_protocol::PrivateKey::generate_rsa(2048).expect("key");
        let cert = self_signed(key.as_openssl(), cn);
        (key, cert)
    }

    pub fn self_signed(pkey: &PKey<Private>, cn: &str) -> String {
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_text("CN", cn).expect("cn");
        let name = name.build();
        let mut b = X509::builder().expect("builder");
        b.set_version(2).expect("v3");
        b.set_subject_name(&name).expect("subject");
        b.set_issuer_name(&name).expect("issuer");
        b.set_pubkey(pkey).expect("pubkey");
        b.set_not_before(Asn1Time::days_from_now(0).expect("t").as_ref()).expect("nb");
        b.set_not_after(Asn1Time::days_from_now(365).expect("t").as_ref()).expect("na");
        b.sign(pkey, MessageDigest::sha256()).expect("sign");
        String::from_utf8(b.build().to_pem().expect("pem")).expect("utf8")
    }

    #[test]
    fn sign_then_verify_with_the_announced_certificate() {
        let (key, cert_pem) = key_and_cert("p@x");
        let signer = SigningKey::from_private_key(&key, Some(&cert_pem)).expect("signer");
        let token = signer.sign("test+jwt", &json!({"a": 1})).expect("sign");
        let seen = peek(&token).expect("peek");
        assert_eq!(seen.typ(), Some("test+jwt"), "typ is what the signer asked for");
        let cert = seen.certificate().expect("x5c parses").expect("x5c present");
        assert_eq!(
            fingerprint_sha256(&cert).expect("fp"),
            fingerprint_sha256(&cert_from_pem(&cert_pem).expect("pem")).expect("fp"),
            "x5c carries exactly the signer's certificate"
        );
        assert_eq!(
            verify(&token, &cert).expect("verifies"),
            json!({"a": 1}),
            "payload round-trips"
        );
    }

    #[test]
    fn a_changed_payload_or_another_key_fails() {
        let (key, cert_pem) = key_and_cert("p@x");
        let (_, other_cert) = key_and_cert("q@x");
        let token = SigningKey::from_private_key(&key, Some(&cert_pem))
            .expect("signer")
            .sign("t", &json!({"amount": "100"}))
            .expect("sign");
        let cert = cert_from_pem(&cert_pem).expect("cert");
        let other = cert_from_pem(&other_cert).expect("cert");
        assert_eq!(
            verify(&token, &other),
            Err(JwsError::BadSignature),
            "another key must not verify"
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"amount":"900"}"#);
        parts[1] = &forged;
        assert_eq!(
            verify(&parts.join("."), &cert),
            Err(JwsError::BadSignature),
            "a payload edited after signing must not verify"
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"a":1}"#)
        );
        assert!(
            matches!(verify(&none, &cert), Err(JwsError::Algorithm(_))),
            "alg none is refused before anything else"
        );
    }
}
