//! HTTP client for an HCX gateway: token, registry, certificates, send, retry.
//!
//! Placeholder: filled in by its issue.
