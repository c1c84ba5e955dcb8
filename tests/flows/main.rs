//! Cross-crate end-to-end flows: the embedded sandbox exchange, an embedded bridge and the
//! console, over real loopback HTTP, real SQLite files, real JWE and the real keychain.

mod onboarding;
mod provider;
mod tpa;
mod trust;
