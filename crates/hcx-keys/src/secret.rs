//! [`Secret`]: the only way secret text travels through the console.
//!
//! Modelled on GitButler's `Sensitive<T>`: it cannot be printed, logged or serialised by
//! accident, and its bytes are overwritten when it is dropped. Reading it needs an explicit
//! [`Secret::expose`], which is easy to spot in review.

use std::fmt;

use zeroize::Zeroizing;

/// Secret text (a private key PEM, a gateway password, a bridge token).
///
/// * `Debug` and `Display` print `<redacted>`, so `tracing`, `{:?}` and error chains never leak
///   the value.
/// * There is deliberately no `Serialize`, so a `Secret` cannot end up in an IPC payload, a JSON
///   file or SQLite.
/// * The backing buffer is zeroed on drop.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value. The `String` is moved, not copied, so no unzeroed copy is left behind.
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// Wraps bytes that are expected to be UTF-8 (PEM output from OpenSSL). The buffer is moved
    /// into the secret on success and zeroed on failure.
    pub(crate) fn from_utf8(bytes: Vec<u8>) -> Option<Self> {
        match String::from_utf8(bytes) {
            Ok(text) => Some(Self::new(text)),
            Err(err) => {
                // Dropping through Zeroizing wipes the rejected bytes too.
                drop(Zeroizing::new(err.into_bytes()));
                None
            }
        }
    }

    /// The secret value. Call it only at the point of use (handing the PEM to OpenSSL or
    /// josekit, putting the password in a request), never to log or store it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Length in bytes of an audit-chain key made by [`generate_audit_key`].
pub const AUDIT_KEY_BYTES: usize = 32;

/// A fresh random audit-chain HMAC key, as hex text (how the keychain stores it), from
/// OpenSSL's CSPRNG. The raw bytes are zeroed once encoded.
pub fn generate_audit_key() -> crate::Result<Secret> {
    let mut bytes = Zeroizing::new([0_u8; AUDIT_KEY_BYTES]);
    openssl::rand::rand_bytes(bytes.as_mut())
        .map_err(crate::error::crypto("generating an audit key"))?;
    let mut text = Zeroizing::new(String::with_capacity(AUDIT_KEY_BYTES * 2));
    for byte in bytes.iter() {
        for nibble in [byte >> 4, byte & 0x0f] {
            text.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    Ok(Secret::new(std::mem::take(&mut *text)))
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_keys_are_random_hex_of_the_full_length() {
        let a = generate_audit_key().unwrap();
        let b = generate_audit_key().unwrap();
        assert_eq!(a.expose().len(), AUDIT_KEY_BYTES * 2, "32 bytes as hex");
        assert!(a.expose().chars().all(|c| c.is_ascii_hexdigit()), "the keychain holds hex");
        assert_ne!(a.expose(), b.expose(), "two keys from a CSPRNG never repeat");
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-very-secret".to_owned());
        let printed = format!("{secret:?} {secret} {:?}", Some(&secret));
        assert!(
            !printed.contains("hunter2"),
            "formatting a Secret must not reveal its value, got {printed}"
        );
        assert_eq!(
            format!("{secret:?}"),
            "<redacted>",
            "Debug prints the fixed placeholder so logs show that a secret was there"
        );
        assert_eq!(format!("{secret}"), "<redacted>", "Display prints the same placeholder");
    }

    #[test]
    fn expose_returns_the_exact_value() {
        let secret = Secret::from("p@ss wörd".to_owned());
        assert_eq!(secret.expose(), "p@ss wörd", "expose gives back the value unchanged");
        assert!(!secret.is_empty(), "a non-empty secret is not empty");
        assert!(Secret::new(String::new()).is_empty(), "an empty string is an empty secret");
    }

    #[test]
    fn from_utf8_rejects_invalid_bytes() {
        assert!(
            Secret::from_utf8(vec![0xff, 0xfe]).is_none(),
            "OpenSSL PEM output is ASCII, so non-UTF-8 bytes signal a bug and must be refused"
        );
        assert_eq!(
            Secret::from_utf8(b"-----BEGIN".to_vec()).map(|s| s.expose().to_owned()),
            Some("-----BEGIN".to_owned()),
            "valid UTF-8 is wrapped as is"
        );
    }
}
