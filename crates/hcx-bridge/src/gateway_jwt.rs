//! The gateway's bearer JWT on callbacks (wire facts §4.7): header `{typ: JWT}`, RS256 with the
//! HCX private key, claims `jti`, `iss` = `sub` = HCX code, `iat`, `exp`.
//!
//! The bridge checks it so that only the gateway can fill a participant's mailbox. We verify
//! RS256 with OpenSSL directly (the library the workspace already links) rather than pulling a
//! JOSE crate for ~40 lines. [`mint`] exists for tests, the bench and a local sandbox gateway.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose::URL_SAFE_NO_PAD};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Public};
use openssl::sign::{Signer, Verifier};
use openssl::x509::X509;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{BridgeError, Result};

/// Clock skew we tolerate on `exp`/`nbf`, in seconds.
const LEEWAY_SECS: i64 = 60;

/// base64url, padding optional (JWTs never pad, but be lenient like the gateway).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a bearer token was refused. Every variant becomes HTTP 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// No `Authorization: Bearer …` header.
    #[error("missing bearer token")]
    Missing,
    /// Not three base64url parts of JSON.
    #[error("malformed JWT: {0}")]
    Malformed(&'static str),
    /// `alg` is not RS256 (refuses `none`, HMAC and friends).
    #[error("JWT alg must be RS256, got {0:?}")]
    Algorithm(String),
    /// The signature does not verify with the configured gateway key.
    #[error("JWT signature does not verify against the gateway certificate")]
    Signature,
    /// `exp` is missing.
    #[error("JWT has no exp claim")]
    NoExpiry,
    /// `exp` is in the past.
    #[error("JWT expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("JWT not valid yet")]
    NotYetValid,
}

/// The claims we read. Unknown claims are ignored.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct GatewayClaims {
    /// Issuer (the HCX registry code).
    #[serde(default)]
    pub iss: Option<String>,
    /// Subject (the HCX registry code).
    #[serde(default)]
    pub sub: Option<String>,
    /// Expiry, seconds since the epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub exp: Option<i64>,
    /// Not-before, seconds since the epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub nbf: Option<i64>,
    /// Token id.
    #[serde(default)]
    pub jti: Option<String>,
}

/// RFC 7519 NumericDate: seconds since the epoch, which "can be non-integer" (josekit, and so
/// our sandbox, writes fractions). Fractions are dropped: a second's precision is all the expiry
/// check needs, and rounding down never extends a token's life.
fn numeric_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else { return Ok(None) };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    n.as_f64()
        .filter(|f| f.is_finite() && f.abs() < 1e15)
        .map(|f| Some(f.floor() as i64))
        .ok_or_else(|| serde::de::Error::custom("NumericDate out of range"))
}

#[derive(Deserialize)]
struct JoseHeader {
    alg: Option<String>,
}

/// Verifies gateway JWTs against one gateway public key.
///
/// Remembers tokens it has already verified (by SHA-256 of the whole token, signature
/// included) with their `exp`, so a gateway that reuses its JWT for many dispatches costs one
/// RSA verification, not one per callback. Expiry is still checked on every use.
#[derive(Clone)]
pub struct GatewayVerifier {
    key: PKey<Public>,
    verified: Arc<Mutex<HashMap<[u8; 32], GatewayClaims>>>,
}

/// Verified tokens remembered per verifier; the map is simply cleared when full.
const CACHE_MAX: usize = 1_024;

impl std::fmt::Debug for GatewayVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GatewayVerifier(RSA {} bits)", self.key.bits())
    }
}

impl GatewayVerifier {
    /// Load from a PEM X.509 certificate (what the registry publishes) or a PEM public key.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let bytes = pem.trim().as_bytes();
        let key = match X509::from_pem(bytes) {
            Ok(cert) => cert.public_key().map_err(|e| BridgeError::Certificate(e.to_string()))?,
            Err(_) => PKey::public_key_from_pem(bytes).map_err(|e| {
                BridgeError::Certificate(format!(
                    "neither a PEM certificate nor a PEM public key: {e}"
                ))
            })?,
        };
        if key.rsa().is_err() {
            return Err(BridgeError::Certificate("the gateway key must be RSA (RS256)".into()));
        }
        Ok(Self { key, verified: Arc::default() })
    }

    /// Verify `token` (without the `Bearer ` prefix) at time `now_secs` (seconds since epoch).
    pub fn verify(&self, token: &str, now_secs: i64) -> Result<GatewayClaims, JwtError> {
        let token = token.trim();
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = self.verified.lock().ok().and_then(|m| m.get(&digest).cloned());
        let claims = match cached {
            Some(c) => c,
            None => {
                let c = self.verify_signature(token)?;
                if let Ok(mut m) = self.verified.lock() {
                    if m.len() >= CACHE_MAX {
                        m.clear();
                    }
                    m.insert(digest, c.clone());
                }
                c
            }
        };
        check_times(&claims, now_secs)?;
        Ok(claims)
    }

    /// Structure, algorithm and signature; no time checks.
    fn verify_signature(&self, token: &str) -> Result<GatewayClaims, JwtError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("expected three dot-separated parts"));
        };
        let header_bytes = B64URL.decode(h).map_err(|_| JwtError::Malformed("header base64"))?;
        let header: JoseHeader = serde_json::from_slice(&header_bytes)
            .map_err(|_| JwtError::Malformed("header JSON"))?;
        match header.alg.as_deref() {
            Some("RS256") => {}
            other => return Err(JwtError::Algorithm(other.unwrap_or("").to_owned())),
        }
        let signature = B64URL.decode(s).map_err(|_| JwtError::Malformed("signature base64"))?;
        let signed_len = h.len() + 1 + p.len();
        let signed = token.get(..signed_len).ok_or(JwtError::Malformed("length"))?;
        let ok = Verifier::new(MessageDigest::sha256(), &self.key)
            .and_then(|mut v| {
                v.update(signed.as_bytes())?;
                v.verify(&signature)
            })
            .unwrap_or(false);
        if !ok {
            return Err(JwtError::Signature);
        }
        let payload = B64URL.decode(p).map_err(|_| JwtError::Malformed("payload base64"))?;
        serde_json::from_slice(&payload).map_err(|_| JwtError::Malformed("claims JSON"))
    }
}

fn check_times(claims: &GatewayClaims, now_secs: i64) -> Result<(), JwtError> {
    let exp = claims.exp.ok_or(JwtError::NoExpiry)?;
    if exp.saturating_add(LEEWAY_SECS) < now_secs {
        return Err(JwtError::Expired);
    }
    if let Some(nbf) = claims.nbf
        && nbf.saturating_sub(LEEWAY_SECS) > now_secs
    {
        return Err(JwtError::NotYetValid);
    }
    Ok(())
}

/// Take the token out of an `Authorization` header value (`Bearer <token>`, scheme
/// case-insensitive).
pub fn bearer(value: Option<&str>) -> Result<&str, JwtError> {
    let v = value.ok_or(JwtError::Missing)?.trim();
    let (scheme, rest) = v.split_once(' ').ok_or(JwtError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty() {
        return Err(JwtError::Missing);
    }
    Ok(rest.trim())
}

/// Mint a gateway-style JWT (RS256, `typ: JWT`, `iss` = `sub` = `issuer`, `iat`, `exp`, `jti`)
/// with the given PEM private key. For tests, the bench and a local sandbox gateway; the real
/// gateway mints its own.
pub fn mint(private_key_pem: &str, issuer: &str, iat_secs: i64, exp_secs: i64) -> Result<String> {
    let key = PKey::private_key_from_pem(private_key_pem.as_bytes())
        .map_err(|e| BridgeError::Certificate(format!("private key: {e}")))?;
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256"});
    let claims = serde_json::json!({
        "jti": uuid::Uuid::new_v4().to_string(),
        "iss": issuer, "sub": issuer, "iat": iat_secs, "exp": exp_secs,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = Signer::new(MessageDigest::sha256(), &key)
        .and_then(|mut s| {
            s.update(signing_input.as_bytes())?;
            s.sign_to_vec()
        })
        .map_err(|e| BridgeError::Certificate(format!("signing: {e}")))?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use openssl::rsa::Rsa;

    /// A fresh RSA key pair as (private PEM, public PEM).
    pub(crate) fn key_pair() -> (String, String) {
        let rsa = Rsa::generate(2048).unwrap();
        let key = PKey::from_rsa(rsa).unwrap();
        let private = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let public = String::from_utf8(key.public_key_to_pem().unwrap()).unwrap();
        (private, public)
    }

    #[test]
    fn accepts_a_valid_token_and_rejects_tampering() {
        let (private, public) = key_pair();
        let v = GatewayVerifier::from_pem(&public).unwrap();
        let jwt = mint(&private, "hcx-code", 1_000, 2_000).unwrap();
        let claims = v.verify(&jwt, 1_500).expect("a fresh token signed by the gateway key");
        assert_eq!(claims.iss.as_deref(), Some("hcx-code"), "iss is the HCX code");

        assert_eq!(
            v.verify(&jwt, 2_000 + LEEWAY_SECS + 1),
            Err(JwtError::Expired),
            "a token verified (and cached) earlier still expires"
        );
        let mut tampered = jwt.clone();
        tampered.push('A');
        assert!(v.verify(&tampered, 1_500).is_err(), "a changed signature must not verify");

        let (other_private, _) = key_pair();
        let forged = mint(&other_private, "hcx-code", 1_000, 2_000).unwrap();
        assert_eq!(v.verify(&forged, 1_500), Err(JwtError::Signature), "wrong signing key");
    }

    #[test]
    fn refuses_alg_none_and_garbage() {
        let (_, public) = key_pair();
        let v = GatewayVerifier::from_pem(&public).unwrap();
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"exp":99999999999}"#)
        );
        assert!(matches!(v.verify(&none, 0), Err(JwtError::Algorithm(_))), "alg none is refused");
        assert!(matches!(v.verify("a.b", 0), Err(JwtError::Malformed(_))), "two parts");
        assert!(matches!(v.verify("é.é.é", 0), Err(JwtError::Malformed(_))), "non-base64");
    }

    #[test]
    fn reads_fractional_numeric_dates() {
        // josekit (and so our sandbox before it rounded) writes `exp` with a fraction; RFC 7519
        // allows it, so a bridge that refused it would drop every callback of such a gateway.
        let claims: GatewayClaims =
            serde_json::from_str(r#"{"exp": 1795382608.009472, "nbf": 12.9}"#).unwrap();
        assert_eq!(claims.exp, Some(1_795_382_608), "the fraction is dropped, not rounded up");
        assert_eq!(claims.nbf, Some(12), "nbf follows the same rule");
        let huge: Result<GatewayClaims, _> = serde_json::from_str(r#"{"exp": 1e300}"#);
        assert!(huge.is_err(), "an absurd expiry is a malformed token, not a wrap-around");
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"), "standard form");
        assert_eq!(bearer(Some("bearer  abc ")), Ok("abc"), "scheme is case-insensitive");
        assert_eq!(bearer(Some("Basic abc")), Err(JwtError::Missing), "other schemes");
        assert_eq!(bearer(None), Err(JwtError::Missing), "no header");
        assert_eq!(bearer(Some("Bearer ")), Err(JwtError::Missing), "empty token");
    }
}
