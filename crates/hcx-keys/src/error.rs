//! The crate's one error type.
//!
//! No variant ever carries secret material: keychain errors that could echo a stored value
//! (`keyring::Error::BadEncoding` holds the raw bytes) are reduced to a fixed sentence, and
//! OpenSSL errors only describe what failed, never the key.

/// Errors from the keychain and from key or certificate handling.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// No OS keychain could be reached (no Secret Service daemon, a locked store that cannot
    /// prompt, no session bus). The message tells the user how to fix it.
    #[error(
        "the {backend} keychain is not available: {reason}. On a Linux desktop install and \
         unlock a Secret Service provider (GNOME Keyring, KWallet or KeePassXC). On a headless \
         server run the program under a session bus with an unlocked keyring: \
         dbus-run-session -- sh -c 'echo <password> | gnome-keyring-daemon --unlock \
         --components=secrets; <command>'"
    )]
    KeychainUnavailable {
        /// The backend that was tried, as [`crate::keychain::backend_name`] reports it.
        backend: &'static str,
        /// What the platform said; it never contains the secret.
        reason: String,
    },

    /// The keychain answered but the operation failed for another reason.
    #[error("the {backend} keychain refused the operation: {reason}")]
    Keychain {
        /// The backend that was used.
        backend: &'static str,
        /// A description that never contains the secret.
        reason: String,
    },

    /// A profile id cannot be used to name keychain entries.
    #[error("invalid profile id {profile:?}: {reason}")]
    InvalidProfileId {
        /// The rejected profile id.
        profile: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// A participant code cannot be used as a certificate common name.
    #[error("invalid participant code {code:?} for a certificate: {reason}")]
    InvalidParticipantCode {
        /// The rejected code.
        code: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// Certificate validity must be at least one day.
    #[error("certificate validity must be between 1 and {max} days, got {days}")]
    InvalidValidity {
        /// The requested validity.
        days: u32,
        /// The largest accepted validity.
        max: u32,
    },

    /// The PEM text could not be parsed as a private key or certificate.
    #[error("not a valid PEM {what}: {reason}")]
    InvalidPem {
        /// What was expected ("private key", "certificate").
        what: &'static str,
        /// The parser's complaint (never the PEM itself).
        reason: String,
    },

    /// The private key is password-protected; the console only imports unencrypted keys because
    /// the keychain is what protects them at rest.
    #[error(
        "the private key is encrypted with a passphrase; decrypt it first (for example \
         `openssl pkey -in key.pem -out plain.pem`) and import the plain PEM"
    )]
    EncryptedKey,

    /// The key is not an RSA key; HCX encrypts with RSA-OAEP only.
    #[error("the key is {found}, but HCX needs an RSA key")]
    NotRsa {
        /// The algorithm that was found.
        found: String,
    },

    /// The RSA key is shorter than the 2048 bits the gateway accepts.
    #[error("the RSA key has {bits} bits; HCX needs at least 2048")]
    KeyTooSmall {
        /// The key's modulus size.
        bits: u32,
    },

    /// A key operation was asked for a profile that has no private key in the keychain.
    #[error("profile {profile:?} has no private key in the keychain")]
    NoPrivateKey {
        /// The profile id.
        profile: String,
    },

    /// Installing a key would overwrite the profile's current key; rotate instead so the old
    /// key keeps decrypting in-flight answers.
    #[error(
        "profile {profile:?} already has a private key; rotate it instead of overwriting so \
         answers encrypted to the old certificate can still be read"
    )]
    KeyAlreadyPresent {
        /// The profile id.
        profile: String,
    },

    /// OpenSSL failed while building or reading a key or certificate.
    #[error("cryptographic operation failed while {context}: {source}")]
    Crypto {
        /// What was being done.
        context: &'static str,
        /// OpenSSL's error stack (describes the failure, never the key).
        #[source]
        source: openssl::error::ErrorStack,
    },
}

/// The crate's result type.
pub type Result<T, E = KeysError> = std::result::Result<T, E>;

/// Attaches a context sentence to an OpenSSL error.
pub(crate) fn crypto(
    context: &'static str,
) -> impl FnOnce(openssl::error::ErrorStack) -> KeysError {
    move |source| KeysError::Crypto { context, source }
}
