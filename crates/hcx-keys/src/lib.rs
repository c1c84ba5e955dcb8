//! Keychain-held participant secrets, RSA key generation and certificates.
//!
//! **Owns:** where a profile's secrets live (the OS keychain through [`KeychainStore`]: the RSA
//! private key, the key kept during a rotation overlap, the gateway password or secret, the
//! bridge mailbox token, the audit chain's HMAC key), RSA key generation and import,
//! self-signed X.509 certificates, CSRs, fingerprints, expiry, key↔certificate matching and
//! rotation. Secrets travel in [`Secret`], re-exported from hcx-protocol (the lowest crate, so
//! every crate shares one zeroizing type; nothing else of the wire is used here).
//!
//! **Must not:** write a secret anywhere but the keychain (no files, no SQLite, no logs, no
//! IPC: [`Secret`] has no `Serialize` and prints `<redacted>`), know the HCX wire format (that
//! is `hcx-protocol`; JWE encryption with these keys happens there), or prompt on a terminal.
//!
//! Certificates are public and may be stored anywhere; they are plain PEM strings or
//! [`Certificate`] values.
#![deny(missing_docs)]

mod audit_key;
mod certificate;
mod error;
mod key;
pub mod keychain;
mod profile_keys;
mod store;

pub use audit_key::{AUDIT_KEY_BYTES, generate_audit_key};
pub use certificate::{
    Certificate, CertificateInfo, CertificateParams, DEFAULT_VALIDITY_DAYS, MAX_VALIDITY_DAYS,
    certificate_signing_request, self_signed_certificate,
};
pub use error::{KeysError, Result};
pub use hcx_protocol::Secret;
pub use key::{MIN_RSA_BITS, RsaKeySize, generate_private_key, import_private_key};
pub use keychain::KeychainStore;
pub use profile_keys::{
    GeneratedKey, IssuedCertificate, certificate_matches_profile_key, current_private_key,
    delete_profile_secrets, drop_previous_key, generate_for_profile, generate_key,
    import_for_profile, issue_for, private_keys_for_decrypt, rotate_to, rotate_with_new_key,
};
#[cfg(any(test, feature = "memory-store"))]
pub use store::MemoryStore;
pub use store::{SecretKind, SecretStore, validate_profile_id};

/// The keychain service name the console uses for real user data.
pub const APP_ID: &str = "in.hcx.console";
/// The keychain service name for tests, so they can never touch or delete real keys.
pub const TEST_APP_ID: &str = "in.hcx.console.test";
