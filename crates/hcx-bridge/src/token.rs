//! Mailbox bearer tokens: generated with a CSPRNG, stored only as a SHA-256 hash, compared in
//! constant time.
//!
//! Why SHA-256 and not a password hash: the token is 256 bits from a CSPRNG, so there is nothing
//! to brute-force that a slow hash would protect; a fast hash keeps long-poll auth cheap.

use std::fmt;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{BridgeError, Result};

/// A mailbox token in clear. Only the participant's console and the operator ever see it; the
/// bridge keeps [`TokenHash`] instead. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct MailboxToken(String);

impl MailboxToken {
    /// Wrap a token string obtained elsewhere (config, keychain).
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The clear token, for an `Authorization: Bearer` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its hash, as stored by the bridge.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for MailboxToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailboxToken(<redacted>)")
    }
}

/// Make a fresh token: 32 bytes from OpenSSL's CSPRNG, base64url without padding (43 chars).
pub fn generate_token() -> Result<MailboxToken> {
    let mut bytes = [0u8; 32];
    openssl::rand::rand_bytes(&mut bytes).map_err(|e| BridgeError::Random(e.to_string()))?;
    Ok(MailboxToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

/// The hex SHA-256 of a token: what goes into the bridge config file (`token_sha256`).
pub fn hash_token(token: &str) -> String {
    TokenHash::of(token).to_hex()
}

/// SHA-256 of a mailbox token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Hash a clear token.
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// Parse the 64-hex-digit form used in config files.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let hex = hex.trim();
        if hex.len() != 64 {
            return Err(BridgeError::Config(format!(
                "token hash must be 64 hex digits (sha256), got {} characters",
                hex.len()
            )));
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let hi = hex_val(pair[0]);
            let lo = hex_val(pair[1]);
            match (hi, lo, out.get_mut(i)) {
                (Some(h), Some(l), Some(slot)) => *slot = (h << 4) | l,
                _ => {
                    return Err(BridgeError::Config(
                        "token hash contains a non-hex character".to_owned(),
                    ));
                }
            }
        }
        Ok(Self(out))
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        s
    }

    /// Does `presented` hash to this value? Constant time in the hash comparison, so response
    /// timing does not reveal how many leading bytes matched.
    pub fn matches(&self, presented: &str) -> bool {
        let candidate = Self::of(presented);
        self.0.ct_eq(&candidate.0).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash is not secret, but it is not useful in logs either; show a prefix only.
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_distinct_and_hash_round_trips() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_ne!(a, b, "two CSPRNG tokens must differ");
        assert_eq!(a.expose().len(), 43, "32 bytes base64url without padding is 43 characters");
        let hex = hash_token(a.expose());
        let parsed = TokenHash::from_hex(&hex).unwrap();
        assert!(parsed.matches(a.expose()), "the token must match its own stored hash");
        assert!(!parsed.matches(b.expose()), "another token must not match");
        assert_eq!(parsed.to_hex(), hex, "hex form must round-trip");
    }

    #[test]
    fn bad_hex_is_a_config_error_not_a_panic() {
        assert!(TokenHash::from_hex("zz").is_err(), "short hash must be rejected");
        let non_hex = "g".repeat(64);
        assert!(TokenHash::from_hex(&non_hex).is_err(), "non-hex digits must be rejected");
        let multibyte = "é".repeat(32);
        assert!(TokenHash::from_hex(&multibyte).is_err(), "multi-byte text must be rejected");
    }

    #[test]
    fn debug_never_prints_the_token() {
        let t = MailboxToken::new("super-secret");
        assert!(!format!("{t:?}").contains("super-secret"), "Debug must redact the token");
    }
}
