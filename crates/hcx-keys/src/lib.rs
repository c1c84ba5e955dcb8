//! Keychain-held participant secrets, RSA key generation, certificates.
//!
//! Placeholder: filled in by its issue.
