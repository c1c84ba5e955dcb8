//! A string that must not leak into logs, Debug output or serialised payloads by accident.

use std::fmt;

/// A password, client secret or PEM private key. `Debug` and `Display` print `<redacted>`;
/// it deliberately does not implement `Serialize`, so printing it takes an explicit
/// [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value. Call sites are the only places where it can escape; keep them few.
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
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>", "Debug must not print the secret");
        assert_eq!(format!("{s}"), "<redacted>", "Display must not print the secret");
        assert_eq!(s.expose(), "hunter2", "expose is the one way to read the value");
    }
}
