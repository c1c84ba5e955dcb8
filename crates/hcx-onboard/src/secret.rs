//! A credential that must not leak: production secrets the operator issues once.

use std::fmt;

use zeroize::Zeroizing;

/// A secret string (the production api-access secret). `Debug`/`Display` print `<redacted>`,
/// there is no `Serialize`, and the memory is zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The value; call sites are where it can escape, keep them few (keychain writes).
    pub fn expose(&self) -> &str {
        &self.0
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
    fn never_printed() {
        let s = Secret::new("s3cret-value");
        assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>", "secrets must not print");
        assert_eq!(s.expose(), "s3cret-value", "expose is the only way to read it");
    }
}
