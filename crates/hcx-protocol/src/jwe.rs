//! HCX JWE: compact serialisation, `RSA-OAEP-256` (or `RSA-OAEP` on read) key wrapping and
//! `A256GCM` content encryption, built directly on OpenSSL.
//!
//! Why not josekit's serialiser: we must control the exact protected-header bytes. The gateway
//! decodes that segment with Java's STANDARD base64 alphabet (wire facts §5.4), so the JSON is
//! written ASCII-only with `>`, `?`, `~` escaped, which makes its base64url identical to its
//! standard base64. josekit is used in the tests as an independent second implementation.
//!
//! Needs OpenSSL 3 (algorithms are fetched once with `EVP_*_fetch`, see `KeyAlg::digest`).

use std::borrow::Cow;
use std::fmt;

use std::sync::OnceLock;

use openssl::cipher::Cipher;
use openssl::cipher_ctx::CipherCtx;
use openssl::md::{Md, MdRef};
use openssl::pkey::{HasPrivate, HasPublic, Id, PKey, PKeyRef, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use serde_json::{Map, Value};

use crate::b64;
use crate::headers::Headers;
use crate::names;

/// `enc` value: the only content encryption HCX uses.
pub const ENC_A256GCM: &str = "A256GCM";
const CEK_LEN: usize = 32;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Smallest RSA modulus accepted (the registry allows 2048 and 4096).
pub const MIN_RSA_BITS: u32 = 2048;

/// Why sealing or opening failed. Each variant is a distinct, user-explainable cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    /// Wrong number of parts, an empty part, or a JSON serialisation missing members.
    #[error("malformed JWE: {0}")]
    Malformed(String),
    /// A segment is not base64 (url or standard, padded or not).
    #[error("JWE {part} is not valid base64")]
    BadBase64 {
        /// Which segment ("protected header", "encrypted key", "iv", "ciphertext", "tag").
        part: &'static str,
    },
    /// The protected header does not decode to a JSON object.
    #[error("JWE protected header is not a JSON object: {0}")]
    BadHeaderJson(String),
    /// `alg` or `enc` missing from the header.
    #[error("JWE header lacks {0:?}")]
    MissingHeader(&'static str),
    /// `alg` other than RSA-OAEP / RSA-OAEP-256.
    #[error("unsupported key management algorithm {0:?} (expected RSA-OAEP-256 or RSA-OAEP)")]
    UnsupportedAlg(String),
    /// `enc` other than A256GCM.
    #[error("unsupported content encryption {0:?} (expected A256GCM)")]
    UnsupportedEnc(String),
    /// A JOSE feature HCX does not use and we cannot honour (`zip`, `crit`).
    #[error("unsupported JWE header parameter {0:?}")]
    UnsupportedHeader(String),
    /// Sealing: a header that is neither `alg`/`enc` nor `x-hcx-*` (HCX allows nothing else).
    #[error("header {0:?} is not allowed in an HCX protected header (only x-hcx-* headers)")]
    HeaderNotAllowed(String),
    /// The content key could not be unwrapped: the token was sealed for another key.
    #[error("the token was not encrypted for this private key (key unwrap failed)")]
    WrongKey,
    /// Authentication tag check failed: header, iv, ciphertext or tag was altered.
    #[error("the token was tampered with or corrupted (authentication tag mismatch)")]
    TagMismatch,
    /// Decryption worked but the plaintext is not JSON.
    #[error("decrypted payload is not JSON: {0}")]
    PayloadNotJson(String),
    /// A key or certificate could not be used.
    #[error("unusable key: {0}")]
    BadKey(String),
    /// OpenSSL failed for a reason unrelated to the input (should not happen).
    #[error("cryptographic library failure: {0}")]
    Crypto(String),
}

fn crypto(e: openssl::error::ErrorStack) -> JweError {
    JweError::Crypto(e.to_string())
}

/// Key management algorithm of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum KeyAlg {
    /// `RSA-OAEP` (SHA-1): Python and JS SDKs.
    #[serde(rename = "RSA-OAEP")]
    RsaOaep,
    /// `RSA-OAEP-256`: Java and .NET SDKs, NHCX; what we send.
    #[serde(rename = "RSA-OAEP-256")]
    RsaOaep256,
}

impl KeyAlg {
    /// Wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyAlg::RsaOaep => "RSA-OAEP",
            KeyAlg::RsaOaep256 => "RSA-OAEP-256",
        }
    }

    /// Parse a wire string.
    pub fn parse(s: &str) -> Result<KeyAlg, JweError> {
        match s {
            "RSA-OAEP" => Ok(KeyAlg::RsaOaep),
            "RSA-OAEP-256" => Ok(KeyAlg::RsaOaep256),
            other => Err(JweError::UnsupportedAlg(other.to_owned())),
        }
    }

    /// The OAEP and MGF1 digest, fetched once: with OpenSSL 3 an implicit fetch on every
    /// operation (lock + name lookup) is a measurable share of sealing a small message.
    fn digest(self) -> Result<&'static MdRef, JweError> {
        static SHA1: OnceLock<Option<Md>> = OnceLock::new();
        static SHA256: OnceLock<Option<Md>> = OnceLock::new();
        let (cell, name) = match self {
            KeyAlg::RsaOaep => (&SHA1, "SHA1"),
            KeyAlg::RsaOaep256 => (&SHA256, "SHA256"),
        };
        cell.get_or_init(|| Md::fetch(None, name, None).ok())
            .as_deref()
            .ok_or_else(|| JweError::Crypto(format!("OpenSSL has no {name}")))
    }
}

impl fmt::Display for KeyAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A participant's public encryption key (what we seal to).
#[derive(Clone)]
pub struct RecipientKey {
    pkey: PKey<Public>,
}

impl fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecipientKey(RSA-{})", self.pkey.bits())
    }
}

fn check_rsa<T: openssl::pkey::HasPublic>(pkey: &PKey<T>) -> Result<(), JweError> {
    if pkey.id() != Id::RSA {
        return Err(JweError::BadKey("not an RSA key".into()));
    }
    if pkey.bits() < MIN_RSA_BITS {
        return Err(JweError::BadKey(format!(
            "RSA key of {} bits is too small (minimum {MIN_RSA_BITS})",
            pkey.bits()
        )));
    }
    Ok(())
}

impl RecipientKey {
    /// From a PEM X.509 certificate (what the registry's `encryption_cert` points to).
    /// Expiry is not checked here: that is a registry/trust decision, not a wire one.
    pub fn from_certificate_pem(pem: &[u8]) -> Result<Self, JweError> {
        let cert = openssl::x509::X509::from_pem(pem)
            .map_err(|e| JweError::BadKey(format!("not a PEM certificate: {e}")))?;
        let pkey = cert.public_key().map_err(|e| JweError::BadKey(e.to_string()))?;
        check_rsa(&pkey)?;
        Ok(RecipientKey { pkey })
    }

    /// From a PEM public key (`PUBLIC KEY` SPKI or `RSA PUBLIC KEY` PKCS#1).
    pub fn from_public_key_pem(pem: &[u8]) -> Result<Self, JweError> {
        let pkey = PKey::public_key_from_pem(pem)
            .or_else(|_| Rsa::public_key_from_pem_pkcs1(pem).and_then(PKey::from_rsa))
            .map_err(|e| JweError::BadKey(format!("not a PEM public key: {e}")))?;
        check_rsa(&pkey)?;
        Ok(RecipientKey { pkey })
    }

    /// From either a certificate or a public key PEM (registries hold both kinds).
    pub fn from_pem(pem: &[u8]) -> Result<Self, JweError> {
        if contains(pem, b"-----BEGIN CERTIFICATE-----") {
            Self::from_certificate_pem(pem)
        } else {
            Self::from_public_key_pem(pem)
        }
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.pkey.bits()
    }

    /// SPKI PEM of the key (public, safe to show).
    pub fn to_public_key_pem(&self) -> Result<String, JweError> {
        let pem = self.pkey.public_key_to_pem().map_err(crypto)?;
        String::from_utf8(pem).map_err(|e| JweError::Crypto(e.to_string()))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A private decryption key. Never printed, never serialised.
pub struct PrivateKey {
    pkey: PKey<Private>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PrivateKey {
    /// From PEM: PKCS#8 (`PRIVATE KEY`, what the SDKs use) or PKCS#1 (`RSA PRIVATE KEY`).
    /// Encrypted PEMs are rejected (no passphrase prompt here).
    pub fn from_pem(pem: &[u8]) -> Result<Self, JweError> {
        if contains(pem, b"ENCRYPTED") {
            return Err(JweError::BadKey("encrypted private key PEMs are not supported".into()));
        }
        let pkey = PKey::private_key_from_pem(pem)
            .map_err(|_| JweError::BadKey("not a PEM RSA private key (PKCS#8 or PKCS#1)".into()))?;
        check_rsa(&pkey)?;
        Ok(PrivateKey { pkey })
    }

    /// Generate a new RSA key (2048 or 4096 bits are what registries accept).
    pub fn generate_rsa(bits: u32) -> Result<Self, JweError> {
        if bits < MIN_RSA_BITS {
            return Err(JweError::BadKey(format!("refusing to generate a {bits}-bit key")));
        }
        let rsa = Rsa::generate(bits).map_err(crypto)?;
        Ok(PrivateKey { pkey: PKey::from_rsa(rsa).map_err(crypto)? })
    }

    /// The matching public key.
    pub fn public_key(&self) -> Result<RecipientKey, JweError> {
        let der = self.pkey.public_key_to_der().map_err(crypto)?;
        Ok(RecipientKey { pkey: PKey::public_key_from_der(&der).map_err(crypto)? })
    }

    /// PKCS#8 PEM of the key, for handing to a secret store. The caller must not log it or
    /// write it to disk.
    pub fn to_pkcs8_pem(&self) -> Result<Vec<u8>, JweError> {
        self.pkey.private_key_to_pem_pkcs8().map_err(crypto)
    }

    /// Access to the OpenSSL key for sibling operations (e.g. building a self-signed
    /// certificate in a key-management crate).
    pub fn as_openssl(&self) -> &PKey<Private> {
        &self.pkey
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.pkey.bits()
    }
}

/// The result of opening a token.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// Every protected header, `alg` and `enc` included, in the sender's order.
    pub headers: Headers,
    /// The decrypted payload bytes (valid JSON).
    pub payload: Vec<u8>,
    /// Which key management algorithm the sender used.
    pub alg: KeyAlg,
}

impl Opened {
    /// The payload parsed as JSON.
    pub fn payload_json(&self) -> Result<Value, JweError> {
        serde_json::from_slice(&self.payload).map_err(|e| JweError::PayloadNotJson(e.to_string()))
    }
}

/// The protected-header JSON we emit: `alg`, `enc`, then every `x-hcx-*` header in order,
/// written ASCII-only (see the module doc). `alg`/`enc` already in `headers` are replaced.
pub fn protected_header_json(headers: &Headers, alg: KeyAlg) -> Result<String, JweError> {
    let mut map = Map::with_capacity(headers.len() + 2);
    map.insert(names::ALG.into(), Value::from(alg.as_str()));
    map.insert(names::ENC.into(), Value::from(ENC_A256GCM));
    for (k, v) in headers.iter() {
        if k == names::ALG || k == names::ENC {
            continue;
        }
        if !k.starts_with(names::PREFIX) {
            return Err(JweError::HeaderNotAllowed(k.clone()));
        }
        map.insert(k.clone(), v.clone());
    }
    Ok(b64::ascii_json(&Value::Object(map).to_string()))
}

/// Seal `payload` for `key` with `RSA-OAEP-256` + `A256GCM`; returns the compact token.
/// The protected header is exactly `alg`, `enc` and the `x-hcx-*` headers (no typ/kid/cty/zip;
/// NHCX validates against a schema that forbids them).
pub fn seal(headers: &Headers, payload: &[u8], key: &RecipientKey) -> Result<String, JweError> {
    seal_with(headers, payload, key, KeyAlg::RsaOaep256)
}

/// [`seal`] with a chosen key management algorithm (`RSA-OAEP` only to imitate old SDKs).
pub fn seal_with(
    headers: &Headers,
    payload: &[u8],
    key: &RecipientKey,
    alg: KeyAlg,
) -> Result<String, JweError> {
    let header_json = protected_header_json(headers, alg)?;
    let protected = b64::encode_url(header_json.as_bytes());

    let mut cek = [0u8; CEK_LEN];
    let mut iv = [0u8; IV_LEN];
    openssl::rand::rand_bytes(&mut cek).map_err(crypto)?;
    openssl::rand::rand_bytes(&mut iv).map_err(crypto)?;

    let encrypted_key = rsa_wrap(&key.pkey, alg, &cek)?;
    let mut tag = [0u8; TAG_LEN];
    let ciphertext = aes_gcm_encrypt(&cek, &iv, protected.as_bytes(), payload, &mut tag);
    cek.fill(0);
    let ciphertext = ciphertext?;

    // Build the token as bytes in one buffer (no intermediate Strings for the big ciphertext).
    let mut out = Vec::with_capacity(
        protected.len()
            + 4
            + b64::encoded_len(encrypted_key.len())
            + b64::encoded_len(IV_LEN)
            + b64::encoded_len(ciphertext.len())
            + b64::encoded_len(TAG_LEN),
    );
    out.extend_from_slice(protected.as_bytes());
    out.push(b'.');
    b64::encode_url_into(&encrypted_key, &mut out);
    out.push(b'.');
    b64::encode_url_into(&iv, &mut out);
    out.push(b'.');
    b64::encode_url_into(&ciphertext, &mut out);
    out.push(b'.');
    b64::encode_url_into(&tag, &mut out);
    String::from_utf8(out).map_err(|e| JweError::Crypto(e.to_string()))
}

fn aes_256_gcm() -> Result<&'static Cipher, JweError> {
    static GCM: OnceLock<Option<Cipher>> = OnceLock::new();
    GCM.get_or_init(|| Cipher::fetch(None, "AES-256-GCM", None).ok())
        .as_ref()
        .ok_or_else(|| JweError::Crypto("OpenSSL has no AES-256-GCM".into()))
}

fn aes_gcm_encrypt(
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    tag: &mut [u8],
) -> Result<Vec<u8>, JweError> {
    let mut ctx = CipherCtx::new().map_err(crypto)?;
    ctx.encrypt_init(Some(aes_256_gcm()?), Some(cek), Some(iv)).map_err(crypto)?;
    ctx.cipher_update(aad, None).map_err(crypto)?;
    let mut out = Vec::with_capacity(plaintext.len() + 16);
    ctx.cipher_update_vec(plaintext, &mut out).map_err(crypto)?;
    ctx.cipher_final_vec(&mut out).map_err(crypto)?;
    ctx.tag(tag).map_err(crypto)?;
    Ok(out)
}

fn aes_gcm_decrypt(
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, JweError> {
    let mut ctx = CipherCtx::new().map_err(crypto)?;
    ctx.decrypt_init(Some(aes_256_gcm()?), Some(cek), Some(iv)).map_err(crypto)?;
    ctx.set_tag(tag).map_err(crypto)?;
    ctx.cipher_update(aad, None).map_err(|_| JweError::TagMismatch)?;
    let mut out = Vec::with_capacity(ciphertext.len() + 16);
    ctx.cipher_update_vec(ciphertext, &mut out).map_err(|_| JweError::TagMismatch)?;
    ctx.cipher_final_vec(&mut out).map_err(|_| JweError::TagMismatch)?;
    Ok(out)
}

fn rsa_wrap<T: HasPublic>(key: &PKeyRef<T>, alg: KeyAlg, cek: &[u8]) -> Result<Vec<u8>, JweError> {
    let md = alg.digest()?;
    let mut ctx = PkeyCtx::new(key).map_err(crypto)?;
    ctx.encrypt_init().map_err(crypto)?;
    ctx.set_rsa_padding(Padding::PKCS1_OAEP).map_err(crypto)?;
    ctx.set_rsa_oaep_md(md).map_err(crypto)?;
    ctx.set_rsa_mgf1_md(md).map_err(crypto)?;
    let mut out = Vec::new();
    ctx.encrypt_to_vec(cek, &mut out).map_err(crypto)?;
    Ok(out)
}

fn rsa_unwrap<T: HasPrivate>(
    key: &PKeyRef<T>,
    alg: KeyAlg,
    wrapped: &[u8],
) -> Result<Vec<u8>, JweError> {
    let md = alg.digest()?;
    let mut ctx = PkeyCtx::new(key).map_err(crypto)?;
    ctx.decrypt_init().map_err(crypto)?;
    ctx.set_rsa_padding(Padding::PKCS1_OAEP).map_err(crypto)?;
    ctx.set_rsa_oaep_md(md).map_err(crypto)?;
    ctx.set_rsa_mgf1_md(md).map_err(crypto)?;
    let mut out = Vec::new();
    ctx.decrypt_to_vec(wrapped, &mut out).map_err(|_| JweError::WrongKey)?;
    if out.len() != CEK_LEN {
        out.fill(0);
        return Err(JweError::WrongKey);
    }
    Ok(out)
}

/// The five members of a JWE, borrowed from a compact token or owned from a JSON one.
struct Parts<'a> {
    protected: Cow<'a, str>,
    encrypted_key: Cow<'a, str>,
    iv: Cow<'a, str>,
    ciphertext: Cow<'a, str>,
    tag: Cow<'a, str>,
    /// JSON serialisation's `aad` member (AAD becomes `protected + "." + aad`).
    aad: Option<String>,
    /// Unprotected JOSE parameters (shared `unprotected` + per-recipient `header`).
    unprotected: Map<String, Value>,
}

const PART_NAMES: [&str; 5] = ["protected header", "encrypted key", "iv", "ciphertext", "tag"];

fn split_token(token: &str) -> Result<Parts<'_>, JweError> {
    let token = token.trim();
    if token.starts_with('{') {
        return parse_json_serialisation(token);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 5 {
        return Err(JweError::Malformed(format!(
            "expected 5 dot-separated parts, found {}",
            parts.len()
        )));
    }
    if let Some(i) = parts.iter().position(|p| p.is_empty()) {
        return Err(JweError::Malformed(format!("the {} part is empty", PART_NAMES[i])));
    }
    Ok(Parts {
        protected: Cow::Borrowed(parts[0]),
        encrypted_key: Cow::Borrowed(parts[1]),
        iv: Cow::Borrowed(parts[2]),
        ciphertext: Cow::Borrowed(parts[3]),
        tag: Cow::Borrowed(parts[4]),
        aad: None,
        unprotected: Map::new(),
    })
}

fn parse_json_serialisation(text: &str) -> Result<Parts<'static>, JweError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| JweError::Malformed(format!("JSON serialisation is not valid JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| JweError::Malformed("JSON serialisation is not an object".into()))?;
    let member = |o: &Map<String, Value>, name: &'static str| -> Result<String, JweError> {
        match o.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(Value::String(_)) => Err(JweError::Malformed(format!("\"{name}\" is empty"))),
            Some(_) => Err(JweError::Malformed(format!("\"{name}\" is not a string"))),
            None => Err(JweError::Malformed(format!("\"{name}\" member missing"))),
        }
    };
    let mut unprotected = Map::new();
    if let Some(Value::Object(u)) = obj.get("unprotected") {
        unprotected.extend(u.clone());
    }
    // General serialisation: use the first recipient (HCX messages have exactly one).
    let encrypted_key = match obj.get("recipients") {
        Some(Value::Array(recipients)) => {
            let first = recipients
                .first()
                .and_then(Value::as_object)
                .ok_or_else(|| JweError::Malformed("\"recipients\" is empty".into()))?;
            if let Some(Value::Object(h)) = first.get("header") {
                unprotected.extend(h.clone());
            }
            member(first, "encrypted_key")?
        }
        _ => {
            if let Some(Value::Object(h)) = obj.get("header") {
                unprotected.extend(h.clone());
            }
            member(obj, "encrypted_key")?
        }
    };
    let aad = match obj.get("aad") {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(_) => return Err(JweError::Malformed("\"aad\" is not a string".into())),
    };
    Ok(Parts {
        protected: Cow::Owned(member(obj, "protected")?),
        encrypted_key: Cow::Owned(encrypted_key),
        iv: Cow::Owned(member(obj, "iv")?),
        ciphertext: Cow::Owned(member(obj, "ciphertext")?),
        tag: Cow::Owned(member(obj, "tag")?),
        aad,
        unprotected,
    })
}

fn decode(text: &str, part: &'static str) -> Result<Vec<u8>, JweError> {
    b64::decode_lenient(text).ok_or(JweError::BadBase64 { part })
}

fn decode_header(protected: &str) -> Result<Headers, JweError> {
    let bytes = decode(protected, PART_NAMES[0])?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(Headers::from_map(map)),
        Ok(_) => Err(JweError::BadHeaderJson("not an object".into())),
        Err(e) => Err(JweError::BadHeaderJson(e.to_string())),
    }
}

/// Read the protected headers without any key (compact or JSON serialisation). Checks the
/// structure (5 non-empty parts) first, as the gateway does.
pub fn peek_headers(token: &str) -> Result<Headers, JweError> {
    let parts = split_token(token)?;
    decode_header(&parts.protected)
}

/// A parsed token whose algorithms are acceptable, ready to be decrypted with some key.
struct Prepared<'a> {
    parts: Parts<'a>,
    headers: Headers,
    alg: KeyAlg,
    wrapped: Vec<u8>,
}

fn prepare(token: &str) -> Result<Prepared<'_>, JweError> {
    let parts = split_token(token)?;
    let headers = decode_header(&parts.protected)?;
    let param = |name: &'static str| {
        headers.get(name).or_else(|| parts.unprotected.get(name)).and_then(Value::as_str)
    };
    let alg = KeyAlg::parse(param(names::ALG).ok_or(JweError::MissingHeader(names::ALG))?)?;
    let enc = param(names::ENC).ok_or(JweError::MissingHeader(names::ENC))?;
    if enc != ENC_A256GCM {
        return Err(JweError::UnsupportedEnc(enc.to_owned()));
    }
    for unsupported in ["zip", "crit"] {
        if headers.contains(unsupported) || parts.unprotected.contains_key(unsupported) {
            return Err(JweError::UnsupportedHeader(unsupported.to_owned()));
        }
    }
    let wrapped = decode(&parts.encrypted_key, PART_NAMES[1])?;
    Ok(Prepared { parts, headers, alg, wrapped })
}

fn finish(prepared: Prepared<'_>, cek: &[u8]) -> Result<Opened, JweError> {
    let Prepared { parts, headers, alg, .. } = prepared;
    let iv = decode(&parts.iv, PART_NAMES[2])?;
    let ciphertext = decode(&parts.ciphertext, PART_NAMES[3])?;
    let tag = decode(&parts.tag, PART_NAMES[4])?;
    if iv.len() != IV_LEN {
        return Err(JweError::Malformed(format!("iv is {} bytes, A256GCM needs 12", iv.len())));
    }
    if tag.len() != TAG_LEN {
        return Err(JweError::TagMismatch);
    }
    // AAD is the protected segment exactly as transmitted (RFC 7516 §5.2 step 14).
    let aad: Cow<'_, [u8]> = match &parts.aad {
        None => Cow::Borrowed(parts.protected.as_bytes()),
        Some(extra) => Cow::Owned(format!("{}.{extra}", parts.protected).into_bytes()),
    };
    let payload = aes_gcm_decrypt(cek, &iv, &aad, &ciphertext, &tag)?;
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
        return Err(JweError::PayloadNotJson(e.to_string()));
    }
    Ok(Opened { headers, payload, alg })
}

/// Open a token (compact, or flattened/general JSON serialisation) with `key`.
/// Accepts `RSA-OAEP` and `RSA-OAEP-256`, only `A256GCM`, and lenient base64 on every segment.
pub fn open(token: &str, key: &PrivateKey) -> Result<Opened, JweError> {
    let prepared = prepare(token)?;
    let mut cek = rsa_unwrap(&key.pkey, prepared.alg, &prepared.wrapped)?;
    let result = finish(prepared, &cek);
    cek.fill(0);
    result
}

/// Open with the first key that fits (key rotation: pass the current key, then previous
/// ones). Returns the opened token and the index of the key that worked. Only a key mismatch
/// moves on to the next key; any other error is returned at once.
pub fn open_with_any(token: &str, keys: &[&PrivateKey]) -> Result<(Opened, usize), JweError> {
    let prepared = prepare(token)?;
    for (i, key) in keys.iter().enumerate() {
        match rsa_unwrap(&key.pkey, prepared.alg, &prepared.wrapped) {
            Ok(mut cek) => {
                let result = finish(prepared, &cek);
                cek.fill(0);
                return result.map(|o| (o, i));
            }
            Err(JweError::WrongKey) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(JweError::WrongKey)
}

/// Convert a flattened/general JSON serialisation to compact form. Fails when the token
/// carries things compact form cannot express (`aad`, unprotected headers).
pub fn to_compact(token: &str) -> Result<String, JweError> {
    let parts = split_token(token)?;
    if parts.aad.is_some() {
        return Err(JweError::Malformed(
            "an \"aad\" member cannot be expressed in compact form".into(),
        ));
    }
    if !parts.unprotected.is_empty() {
        return Err(JweError::Malformed(
            "unprotected header parameters cannot be expressed in compact form".into(),
        ));
    }
    Ok(format!(
        "{}.{}.{}.{}.{}",
        parts.protected, parts.encrypted_key, parts.iv, parts.ciphertext, parts.tag
    ))
}
