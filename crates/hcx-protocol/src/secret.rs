//! [`Secret`]: the one wrapper every crate uses for secret text (passwords, api-access secrets,
//! bearer tokens, PEM private keys on their way to OpenSSL).
//!
//! It lives here because this is the lowest crate everyone depends on; it does no I/O, like the
//! rest of the crate. It cannot be printed, logged or serialised by accident (no `Serialize`;
//! `Debug` and `Display` print `<redacted>`), its bytes are overwritten when it is dropped, and
//! reading it takes an explicit [`Secret::expose`], which keeps every use site greppable.

use std::fmt;

use zeroize::Zeroizing;

/// Secret text. `Debug` and `Display` print `<redacted>`; the buffer is zeroed on drop; there is
/// deliberately no `Serialize`, so a `Secret` cannot reach an IPC payload, a JSON file or SQLite.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value. A `String` is moved, not copied, so no unzeroed copy is left behind.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// Wraps bytes expected to be UTF-8 (PEM output from OpenSSL). The buffer is moved into the
    /// secret on success and zeroed on failure.
    pub fn from_utf8(bytes: Vec<u8>) -> Option<Self> {
        match String::from_utf8(bytes) {
            Ok(text) => Some(Self::new(text)),
            Err(err) => {
                // Dropping through Zeroizing wipes the rejected bytes too.
                drop(Zeroizing::new(err.into_bytes()));
                None
            }
        }
    }

    /// The secret value. Call it only at the point of use (the request that carries it, the
    /// keychain write, the PEM handed to OpenSSL), never to log or store it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// True when the secret is the empty string (a configuration mistake, not a secret).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for Secret {
    /// Constant time in the length of the values, so a comparison cannot be timed to guess a
    /// secret byte by byte.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        // `memcmp::eq` requires equal lengths; a length difference is not secret.
        a.len() == b.len() && openssl::memcmp::eq(a, b)
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
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
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-very-secret");
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
    fn equality_compares_values() {
        assert_eq!(Secret::new("abc"), Secret::from("abc"), "same text, same secret");
        assert_ne!(Secret::new("abc"), Secret::new("abd"), "one byte differs");
        assert_ne!(Secret::new("abc"), Secret::new("abcd"), "different lengths never match");
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

    /// The plaintext must not outlive the wrapper. Reading freed memory back would need unsafe
    /// code (the workspace forbids it), so this pins the storage type instead: if the field ever
    /// became a plain `String`, this test would stop compiling.
    #[test]
    fn the_value_is_held_in_a_zeroizing_buffer() {
        fn wiped_on_drop(buffer: &Zeroizing<String>) -> &str {
            buffer.as_str()
        }
        let s = Secret::new("hunter2");
        assert_eq!(wiped_on_drop(&s.0), "hunter2", "the value lives in a Zeroizing buffer");
    }
}
