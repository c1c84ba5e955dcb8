//! The gateway's bearer JWT on dispatches (wire facts §4.7): header `{typ: JWT}`, RS256 with
//! the HCX private key, claims `jti`, `iss` = `sub` = HCX code, `iat`, `exp`.
//!
//! It owns minting ([`GatewaySigner`], [`mint`]) and verifying ([`GatewayVerifier`]) that token,
//! for every party that needs it: the bridge checks callbacks with it, the embedded sandbox
//! signs its dispatches and checks the ones its hosted counterparties receive.
//!
//! A token passes only if ALL of these hold ([`GatewayPolicy`]): RS256; the signature verifies
//! with the configured HCX key; `iss` and `sub` both equal the expected HCX code; `iat` and `exp`
//! are present; `exp - iat` is within the configured lifetime (plus skew); it has not expired;
//! `iat` is not in the future (beyond skew); `now - iat` is within the optional age limit; and
//! it carries no participant claim. The last rule matters because a platform (and our sandbox)
//! signs participant login tokens with the same HCX key: without it, any participant could fill
//! another participant's mailbox with its own login token.
//!
//! No I/O: "now" is always a parameter. RS256 is done with OpenSSL directly (the library the
//! crate already links for JWE) rather than a JOSE crate, because the checks are ~40 lines.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use openssl::x509::X509;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::b64;

/// The dispatcher's lifetime limit unless configured otherwise: a few minutes, because a
/// dispatch token is minted per dispatch and a stolen one should be useless soon after.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(300);

/// Clock skew tolerated on `exp`, `iat`, `nbf` and the lifetime, in seconds.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

/// Verified tokens remembered per key; the map is simply cleared when full.
const CACHE_MAX: usize = 1_024;

/// Claims a platform puts in participant or user tokens (Keycloak access tokens re-signed by
/// the HCX, wire facts §2) and never in its dispatch token. One of them present means "this is
/// a participant token", which must never open a mailbox.
const PARTICIPANT_CLAIMS: &[&str] = &[
    "participant_code",
    "entity",
    "realm_access",
    "resource_access",
    "preferred_username",
    "email",
    "email_verified",
    "user_id",
    "azp",
    "session_state",
    "sid",
    "scope",
    // Keycloak writes `typ` = "Bearer" / "ID" / "Refresh" as a claim; the dispatcher's JWTUtil
    // puts `typ` only in the header.
    "typ",
];

/// Why a bearer token was refused. Every variant means HTTP 401 to a caller.
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
    /// The verifier was built without an expected HCX code, so nothing can pass.
    #[error("no expected HCX code is configured for this gateway key")]
    NoExpectedIssuer,
    /// `iss` is not the expected HCX code.
    #[error("JWT issuer {found:?} is not the HCX {expected:?}")]
    Issuer {
        /// What the token says (empty when absent).
        found: String,
        /// The configured HCX code.
        expected: String,
    },
    /// `sub` is not the expected HCX code.
    #[error("JWT subject {found:?} is not the HCX {expected:?}")]
    Subject {
        /// What the token says (empty when absent).
        found: String,
        /// The configured HCX code.
        expected: String,
    },
    /// A claim only participant or user tokens carry: a login token, not a dispatch token.
    #[error("a participant token (claim {0:?}) is not a gateway dispatch token")]
    ParticipantToken(String),
    /// `exp` is missing.
    #[error("JWT has no exp claim")]
    NoExpiry,
    /// `iat` is missing.
    #[error("JWT has no iat claim")]
    NoIssuedAt,
    /// `exp - iat` is longer than allowed.
    #[error("JWT lifetime {lifetime_secs} s is over the limit of {max_secs} s")]
    LifetimeTooLong {
        /// `exp - iat` in seconds.
        lifetime_secs: i64,
        /// The configured limit in seconds.
        max_secs: u64,
    },
    /// `now - iat` is over the configured age limit.
    #[error("JWT issued {age_secs} s ago, over the limit of {max_secs} s")]
    TooOld {
        /// `now - iat` in seconds.
        age_secs: i64,
        /// The configured limit in seconds.
        max_secs: u64,
    },
    /// `exp` is in the past.
    #[error("JWT expired")]
    Expired,
    /// `iat` is in the future.
    #[error("JWT issued in the future")]
    IssuedInFuture,
    /// `nbf` is in the future.
    #[error("JWT not valid yet")]
    NotYetValid,
}

/// A gateway key or signing key could not be loaded, or signing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Neither a PEM certificate nor a PEM public key.
    #[error("neither a PEM certificate nor a PEM public key: {0}")]
    Public(String),
    /// Not a PEM private key.
    #[error("private key: {0}")]
    Private(String),
    /// RS256 needs an RSA key.
    #[error("the gateway key must be RSA (RS256)")]
    NotRsa,
    /// OpenSSL failed while signing.
    #[error("signing: {0}")]
    Signing(String),
}

/// The claims a verifier reads. Other claims are ignored, except participant claims, which are
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GatewayClaims {
    /// Issuer (the HCX registry code).
    pub iss: Option<String>,
    /// Subject (the HCX registry code).
    pub sub: Option<String>,
    /// Issued at, seconds since the epoch.
    pub iat: Option<i64>,
    /// Expiry, seconds since the epoch.
    pub exp: Option<i64>,
    /// Not-before, seconds since the epoch.
    pub nbf: Option<i64>,
    /// Token id.
    pub jti: Option<String>,
    /// Audience, when the token names one (the dispatcher's tokens do not; an HCX-to-HCX relay
    /// token names the receiving instance, so a dispatch token a participant received can never
    /// pass as one).
    pub aud: Option<String>,
    /// The first participant claim found, if any (such a token never verifies).
    pub participant_claim: Option<String>,
}

impl GatewayClaims {
    fn from_json(bytes: &[u8]) -> Result<Self, JwtError> {
        let map: Map<String, Value> =
            serde_json::from_slice(bytes).map_err(|_| JwtError::Malformed("claims JSON"))?;
        let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
        let date = |k: &str| match map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => numeric_date(v).map(Some),
        };
        Ok(Self {
            iss: text("iss"),
            sub: text("sub"),
            iat: date("iat")?,
            exp: date("exp")?,
            nbf: date("nbf")?,
            jti: text("jti"),
            aud: text("aud"),
            participant_claim: PARTICIPANT_CLAIMS
                .iter()
                .find(|c| map.contains_key(**c))
                .map(|c| (*c).to_owned()),
        })
    }
}

/// RFC 7519 NumericDate: seconds since the epoch, which "can be non-integer" (josekit writes
/// fractions). Fractions are dropped: a second's precision is all the checks need, and
/// rounding down never extends a token's life.
fn numeric_date(v: &Value) -> Result<i64, JwtError> {
    let n = v.as_number().ok_or(JwtError::Malformed("NumericDate is not a number"))?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    n.as_f64()
        .filter(|f| f.is_finite() && f.abs() < 1e15)
        .map(|f| f.floor() as i64)
        .ok_or(JwtError::Malformed("NumericDate out of range"))
}

/// What a token must satisfy besides its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayPolicy {
    /// The HCX's registry code, required as both `iss` and `sub`. `None` refuses every token.
    pub hcx_code: Option<String>,
    /// Longest accepted `exp - iat` (plus [`Self::skew`]).
    pub max_lifetime: Duration,
    /// Longest accepted `now - iat` (plus skew); `None` for no limit beyond `exp`. Useful when
    /// the lifetime limit must be long (the Swasth dispatcher's 24 h tokens) but a token should
    /// not be honoured long after it was minted.
    pub max_age: Option<Duration>,
    /// Clock skew tolerated on every time check.
    pub skew: Duration,
}

impl GatewayPolicy {
    /// The default rules for tokens from `hcx_code`.
    pub fn for_hcx(hcx_code: &str) -> Self {
        Self { hcx_code: Some(hcx_code.to_owned()), ..Self::default() }
    }

    /// Check everything but the signature.
    pub fn check(&self, c: &GatewayClaims, now_secs: i64) -> Result<(), JwtError> {
        let expected = self.hcx_code.as_deref().ok_or(JwtError::NoExpectedIssuer)?;
        let iss = c.iss.as_deref().unwrap_or_default();
        if iss != expected {
            return Err(JwtError::Issuer { found: iss.to_owned(), expected: expected.to_owned() });
        }
        let sub = c.sub.as_deref().unwrap_or_default();
        if sub != expected {
            return Err(JwtError::Subject { found: sub.to_owned(), expected: expected.to_owned() });
        }
        if let Some(claim) = &c.participant_claim {
            return Err(JwtError::ParticipantToken(claim.clone()));
        }
        let skew = secs(self.skew);
        let iat = c.iat.ok_or(JwtError::NoIssuedAt)?;
        let exp = c.exp.ok_or(JwtError::NoExpiry)?;
        let lifetime = exp.saturating_sub(iat);
        if lifetime > secs(self.max_lifetime).saturating_add(skew) {
            return Err(JwtError::LifetimeTooLong {
                lifetime_secs: lifetime,
                max_secs: self.max_lifetime.as_secs(),
            });
        }
        if exp.saturating_add(skew) < now_secs {
            return Err(JwtError::Expired);
        }
        if iat.saturating_sub(skew) > now_secs {
            return Err(JwtError::IssuedInFuture);
        }
        if let Some(nbf) = c.nbf
            && nbf.saturating_sub(skew) > now_secs
        {
            return Err(JwtError::NotYetValid);
        }
        if let Some(max_age) = self.max_age {
            let age = now_secs.saturating_sub(iat);
            if age > secs(max_age).saturating_add(skew) {
                return Err(JwtError::TooOld { age_secs: age, max_secs: max_age.as_secs() });
            }
        }
        Ok(())
    }
}

impl Default for GatewayPolicy {
    /// No expected HCX code (every token refused until one is set), default lifetime and skew.
    fn default() -> Self {
        Self {
            hcx_code: None,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            max_age: None,
            skew: DEFAULT_SKEW,
        }
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[derive(Deserialize)]
struct JoseHeader {
    alg: Option<String>,
}

/// The key and the signature cache, shared by every verifier made from one certificate.
struct KeyState {
    key: PKey<Public>,
    /// SHA-256 of a whole token (signature included) → its claims, once its signature
    /// verified. A gateway that reuses its JWT for many dispatches costs one RSA verification.
    verified: Mutex<HashMap<[u8; 32], GatewayClaims>>,
}

/// Verifies gateway JWTs against one HCX public key and a [`GatewayPolicy`].
///
/// Clones (and [`Self::with_policy`]) share the signature cache; the policy is checked on
/// every use, cached or not, so a cached token still expires, still needs the right issuer and
/// still fails the lifetime rule of a stricter policy.
#[derive(Clone)]
pub struct GatewayVerifier {
    state: Arc<KeyState>,
    policy: GatewayPolicy,
}

impl std::fmt::Debug for GatewayVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayVerifier")
            .field("rsa_bits", &self.state.key.bits())
            .field("policy", &self.policy)
            .finish()
    }
}

impl GatewayVerifier {
    /// Load from a PEM X.509 certificate (what the registry publishes) or a PEM public key,
    /// with [`GatewayPolicy::default`]: no HCX code is expected yet, so every token is refused
    /// ([`JwtError::NoExpectedIssuer`]) until [`Self::with_policy`] names one.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let bytes = pem.trim().as_bytes();
        let key = match X509::from_pem(bytes) {
            Ok(cert) => cert.public_key().map_err(|e| KeyError::Public(e.to_string()))?,
            Err(_) => {
                PKey::public_key_from_pem(bytes).map_err(|e| KeyError::Public(e.to_string()))?
            }
        };
        if key.rsa().is_err() {
            return Err(KeyError::NotRsa);
        }
        Ok(Self {
            state: Arc::new(KeyState { key, verified: Mutex::default() }),
            policy: GatewayPolicy::default(),
        })
    }

    /// Load `pem` and expect tokens from `hcx_code` with the default limits.
    pub fn for_hcx(pem: &str, hcx_code: &str) -> Result<Self, KeyError> {
        Ok(Self::from_pem(pem)?.with_policy(GatewayPolicy::for_hcx(hcx_code)))
    }

    /// The same key (and signature cache) with other rules.
    #[must_use]
    pub fn with_policy(&self, policy: GatewayPolicy) -> Self {
        Self { state: Arc::clone(&self.state), policy }
    }

    /// The rules this verifier applies.
    pub fn policy(&self) -> &GatewayPolicy {
        &self.policy
    }

    /// Verify `token` (without the `Bearer ` prefix) at `now_secs` (seconds since the epoch).
    pub fn verify(&self, token: &str, now_secs: i64) -> Result<GatewayClaims, JwtError> {
        let claims = self.verified_claims(token.trim())?;
        self.policy.check(&claims, now_secs)?;
        Ok(claims)
    }

    /// Signature (from the cache when this token verified before), no policy.
    fn verified_claims(&self, token: &str) -> Result<GatewayClaims, JwtError> {
        let digest = openssl::sha::sha256(token.as_bytes());
        if let Some(c) = self.state.verified.lock().ok().and_then(|m| m.get(&digest).cloned()) {
            return Ok(c);
        }
        let c = self.verify_signature(token)?;
        if let Ok(mut m) = self.state.verified.lock() {
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert(digest, c.clone());
        }
        Ok(c)
    }

    /// Structure, algorithm and signature; no claim checks.
    fn verify_signature(&self, token: &str) -> Result<GatewayClaims, JwtError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("expected three dot-separated parts"));
        };
        let header_bytes = b64::decode_lenient(h).ok_or(JwtError::Malformed("header base64"))?;
        let header: JoseHeader = serde_json::from_slice(&header_bytes)
            .map_err(|_| JwtError::Malformed("header JSON"))?;
        match header.alg.as_deref() {
            Some("RS256") => {}
            other => return Err(JwtError::Algorithm(other.unwrap_or("").to_owned())),
        }
        let signature = b64::decode_lenient(s).ok_or(JwtError::Malformed("signature base64"))?;
        let signed_len = h.len() + 1 + p.len();
        let signed = token.get(..signed_len).ok_or(JwtError::Malformed("length"))?;
        let ok = Verifier::new(MessageDigest::sha256(), &self.state.key)
            .and_then(|mut v| {
                v.update(signed.as_bytes())?;
                v.verify(&signature)
            })
            .unwrap_or(false);
        if !ok {
            return Err(JwtError::Signature);
        }
        let payload = b64::decode_lenient(p).ok_or(JwtError::Malformed("payload base64"))?;
        GatewayClaims::from_json(&payload)
    }
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

/// Mints gateway dispatch tokens with the HCX private key.
pub struct GatewaySigner {
    key: PKey<Private>,
}

impl std::fmt::Debug for GatewaySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GatewaySigner(RSA {} bits)", self.key.bits())
    }
}

impl GatewaySigner {
    /// Load a PEM private key (PKCS#8 or PKCS#1). The key stays in OpenSSL memory only.
    pub fn from_pem(private_key_pem: &str) -> Result<Self, KeyError> {
        let key = PKey::private_key_from_pem(private_key_pem.as_bytes())
            .map_err(|e| KeyError::Private(e.to_string()))?;
        if key.rsa().is_err() {
            return Err(KeyError::NotRsa);
        }
        Ok(Self { key })
    }

    /// A dispatch token as the platform's JWTUtil writes it (RS256, header `typ: JWT`, claims
    /// `jti`, `iss` = `sub` = `hcx_code`, `iat`, `exp`) and nothing else.
    pub fn mint(&self, hcx_code: &str, iat_secs: i64, exp_secs: i64) -> Result<String, KeyError> {
        self.sign_claims(&serde_json::json!({
            "jti": uuid::Uuid::new_v4().to_string(),
            "iss": hcx_code, "sub": hcx_code, "iat": iat_secs, "exp": exp_secs,
        }))
    }

    /// Sign any claims with RS256 under header `{typ: JWT}`. [`Self::mint`] is the dispatch
    /// token; this is for tokens the gateway would never mint (tests of the refusals).
    pub fn sign_claims(&self, claims: &Value) -> Result<String, KeyError> {
        let signing_input = format!(
            "{}.{}",
            b64::encode_url(br#"{"typ":"JWT","alg":"RS256"}"#),
            b64::encode_url(claims.to_string().as_bytes())
        );
        let sig = Signer::new(MessageDigest::sha256(), &self.key)
            .and_then(|mut s| {
                s.update(signing_input.as_bytes())?;
                s.sign_to_vec()
            })
            .map_err(|e| KeyError::Signing(e.to_string()))?;
        Ok(format!("{signing_input}.{}", b64::encode_url(&sig)))
    }

    /// A token valid from `now_secs` for `lifetime`.
    pub fn mint_for(
        &self,
        hcx_code: &str,
        now_secs: i64,
        lifetime: Duration,
    ) -> Result<String, KeyError> {
        self.mint(hcx_code, now_secs, now_secs.saturating_add(secs(lifetime)))
    }

    /// A token like [`Self::mint_for`] that also names its `aud`ience: what one HCX instance
    /// sends another on a relay hop. The receiving instance requires `aud` = its own code.
    pub fn mint_for_audience(
        &self,
        hcx_code: &str,
        audience: &str,
        now_secs: i64,
        lifetime: Duration,
    ) -> Result<String, KeyError> {
        self.sign_claims(&serde_json::json!({
            "jti": uuid::Uuid::new_v4().to_string(),
            "iss": hcx_code, "sub": hcx_code, "aud": audience,
            "iat": now_secs, "exp": now_secs.saturating_add(secs(lifetime)),
        }))
    }
}

/// One-shot [`GatewaySigner::mint`] from a PEM private key (tests, the bench).
pub fn mint(
    private_key_pem: &str,
    hcx_code: &str,
    iat_secs: i64,
    exp_secs: i64,
) -> Result<String, KeyError> {
    GatewaySigner::from_pem(private_key_pem)?.mint(hcx_code, iat_secs, exp_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::rsa::Rsa;

    const HCX: &str = "hcx-code";

    /// A fresh RSA key pair as (private PEM, public PEM).
    fn key_pair() -> (String, String) {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let private = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let public = String::from_utf8(key.public_key_to_pem().unwrap()).unwrap();
        (private, public)
    }

    #[test]
    fn accepts_a_fresh_dispatch_token_and_rejects_tampering() {
        let (private, public) = key_pair();
        let v = GatewayVerifier::for_hcx(&public, HCX).unwrap();
        let jwt = mint(&private, HCX, 1_000, 1_120).unwrap();
        let claims = v.verify(&jwt, 1_050).expect("a fresh token signed by the gateway key");
        assert_eq!(claims.iss.as_deref(), Some(HCX), "iss is the HCX code");
        assert_eq!(
            v.verify(&jwt, 1_120 + 61),
            Err(JwtError::Expired),
            "a token verified (and cached) earlier still expires"
        );
        let mut tampered = jwt.clone();
        tampered.push('A');
        assert!(v.verify(&tampered, 1_050).is_err(), "a changed signature must not verify");
        let (other_private, _) = key_pair();
        let forged = mint(&other_private, HCX, 1_000, 1_120).unwrap();
        assert_eq!(v.verify(&forged, 1_050), Err(JwtError::Signature), "wrong signing key");
    }

    #[test]
    fn every_claim_rule_has_its_own_refusal() {
        let (private, public) = key_pair();
        let v = GatewayVerifier::for_hcx(&public, HCX).unwrap();
        let now = 10_000;
        let signer = GatewaySigner::from_pem(&private).unwrap();
        let signed = |claims: Value| signer.sign_claims(&claims).unwrap();
        let base = || serde_json::json!({"jti": "j", "iss": HCX, "sub": HCX, "iat": now, "exp": now + 120});
        let with = |k: &str, val: Value| {
            let mut c = base();
            c[k] = val;
            signed(c)
        };
        let without = |k: &str| {
            let mut c = base();
            c.as_object_mut().unwrap().remove(k);
            signed(c)
        };
        assert!(v.verify(&signed(base()), now).is_ok(), "the base token passes");
        type Case = (String, fn(&JwtError) -> bool, &'static str);
        let cases: Vec<Case> = vec![
            (with("iss", "other".into()), |e| matches!(e, JwtError::Issuer { .. }), "foreign iss"),
            (with("sub", "1-provider".into()), |e| matches!(e, JwtError::Subject { .. }), "sub"),
            (without("iss"), |e| matches!(e, JwtError::Issuer { .. }), "no iss"),
            (without("iat"), |e| *e == JwtError::NoIssuedAt, "no iat"),
            (without("exp"), |e| *e == JwtError::NoExpiry, "no exp"),
            (
                with("exp", (now + 86_400).into()),
                |e| matches!(e, JwtError::LifetimeTooLong { .. }),
                "24 h lifetime",
            ),
            (
                with("iat", (now + 600).into()),
                |e| matches!(e, JwtError::IssuedInFuture),
                "iat in the future",
            ),
            (
                with("participant_code", "1-provider".into()),
                |e| matches!(e, JwtError::ParticipantToken(_)),
                "participant_code claim",
            ),
            (
                with("typ", "Bearer".into()),
                |e| matches!(e, JwtError::ParticipantToken(_)),
                "Keycloak typ claim",
            ),
            (
                with("realm_access", serde_json::json!({"roles": ["provider"]})),
                |e| matches!(e, JwtError::ParticipantToken(_)),
                "realm_access",
            ),
        ];
        for (token, expected, why) in cases {
            let got = v.verify(&token, now);
            assert!(
                got.as_ref().is_err_and(expected),
                "{why} must be refused with its own error: {got:?}"
            );
        }
        let no_code = GatewayVerifier::from_pem(&public).unwrap();
        assert_eq!(
            no_code.verify(&signed(base()), now),
            Err(JwtError::NoExpectedIssuer),
            "a verifier that names no HCX accepts nothing"
        );
    }

    #[test]
    fn lifetime_and_age_are_configurable() {
        let (private, public) = key_pair();
        let now = 50_000;
        let day = mint(&private, HCX, now, now + 86_400).unwrap();
        let strict = GatewayVerifier::for_hcx(&public, HCX).unwrap();
        assert!(
            matches!(strict.verify(&day, now), Err(JwtError::LifetimeTooLong { .. })),
            "the default limit refuses the Swasth dispatcher's 24 h token"
        );
        let mut policy = GatewayPolicy::for_hcx(HCX);
        policy.max_lifetime = Duration::from_secs(86_400);
        let platform = strict.with_policy(policy.clone());
        assert!(platform.verify(&day, now + 3_600).is_ok(), "a raised limit admits it");
        assert!(strict.verify(&day, now).is_err(), "the cache does not leak the lenient verdict");
        policy.max_age = Some(Duration::from_secs(600));
        let aged = strict.with_policy(policy);
        assert!(aged.verify(&day, now + 300).is_ok(), "young enough");
        assert!(
            matches!(aged.verify(&day, now + 3_600), Err(JwtError::TooOld { .. })),
            "max_age refuses a replay an hour after minting although exp is far"
        );
    }

    #[test]
    fn refuses_alg_none_and_garbage() {
        let (_, public) = key_pair();
        let v = GatewayVerifier::for_hcx(&public, HCX).unwrap();
        let none = format!(
            "{}.{}.",
            b64::encode_url(br#"{"alg":"none"}"#),
            b64::encode_url(br#"{"exp":99999999999}"#)
        );
        assert!(matches!(v.verify(&none, 0), Err(JwtError::Algorithm(_))), "alg none is refused");
        assert!(matches!(v.verify("a.b", 0), Err(JwtError::Malformed(_))), "two parts");
        assert!(matches!(v.verify("é.é.é", 0), Err(JwtError::Malformed(_))), "non-base64");
    }

    #[test]
    fn reads_fractional_numeric_dates() {
        // josekit writes `exp` with a fraction; RFC 7519 allows it, so a verifier that refused
        // it would drop every callback of such a gateway.
        let claims =
            GatewayClaims::from_json(br#"{"exp": 1795382608.009472, "nbf": 12.9}"#).unwrap();
        assert_eq!(claims.exp, Some(1_795_382_608), "the fraction is dropped, not rounded up");
        assert_eq!(claims.nbf, Some(12), "nbf follows the same rule");
        assert!(
            GatewayClaims::from_json(br#"{"exp": 1e300}"#).is_err(),
            "an absurd expiry is a malformed token, not a wrap-around"
        );
        assert!(GatewayClaims::from_json(br#"{"exp": "soon"}"#).is_err(), "a string date");
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
