//! The HCX wire format: headers, actions, JWE seal/open, acks, errors and gateway validation.
//!
//! Placeholder: filled in by its issue.
