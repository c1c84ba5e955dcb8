//! A string that must never reach a log, a file or a Debug dump.
//!
//! Local on purpose: the brief forbids a dependency on hcx-keys (which has its own wrapper);
//! the lead unifies the two later. No `Display`, no `Serialize`: the only way out is
//! [`Secret::expose`], which makes every use site greppable.

use std::fmt;

/// A password, API secret or bearer token. `Debug` prints `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that has to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string (a configuration mistake, not a secret).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2");
        let shown = format!("{s:?} {:?}", Some(&s));
        assert!(!shown.contains("hunter2"), "Debug output is what ends up in logs: {shown}");
        assert_eq!(
            format!("{s:?}"),
            "<redacted>",
            "the redaction marker is what reviewers grep for"
        );
        assert_eq!(s.expose(), "hunter2", "expose is the one way to read the value back");
    }
}
