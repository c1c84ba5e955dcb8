//! A profile's key lifecycle on top of a [`SecretStore`]: generate or import the first key,
//! rotate with an overlap window, hand out keys for decryption, remove everything.

use crate::certificate::{CertificateParams, certificate_signing_request, self_signed_certificate};
use crate::key::{RsaKeySize, generate_private_key, import_private_key};
use crate::{Certificate, KeysError, Result, Secret, SecretKind, SecretStore};

/// A freshly generated key pair: the private key (secret) plus the public artefacts.
#[derive(Debug)]
pub struct GeneratedKey {
    /// PKCS#8 PEM; belongs in the keychain only.
    pub private_key: Secret,
    /// The public part of a freshly issued key: what the user registers or exports.
    pub issued: IssuedCertificate,
}

/// The public results of issuing a key: safe to store on disk or in SQLite.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// The self-signed certificate for the registry's `encryption_cert`.
    pub certificate: Certificate,
    /// A PKCS#10 request (PEM) for registries or CAs that issue certificates themselves.
    pub csr_pem: String,
}

/// Generates an RSA key with a self-signed certificate and a CSR, without storing anything.
pub fn generate_key(size: RsaKeySize, params: &CertificateParams) -> Result<GeneratedKey> {
    let private_key = generate_private_key(size)?;
    let issued = issue_for(&private_key, params)?;
    Ok(GeneratedKey { private_key, issued })
}

/// Issues a self-signed certificate and a CSR for an existing (for example imported) key.
pub fn issue_for(private_key: &Secret, params: &CertificateParams) -> Result<IssuedCertificate> {
    let certificate = self_signed_certificate(private_key, params)?;
    let csr_pem = certificate_signing_request(private_key, &params.participant_code)?;
    Ok(IssuedCertificate { certificate, csr_pem })
}

/// Generates a key for a profile that has none and stores it in the keychain. Returns the
/// public artefacts; the private key never leaves the store.
pub fn generate_for_profile(
    store: &dyn SecretStore,
    profile: &str,
    size: RsaKeySize,
    params: &CertificateParams,
) -> Result<IssuedCertificate> {
    ensure_no_current_key(store, profile)?;
    let generated = generate_key(size, params)?;
    store.set(profile, SecretKind::PrivateKey, &generated.private_key)?;
    Ok(generated.issued)
}

/// Validates an existing key (PKCS#8 or PKCS#1 PEM, RSA ≥ 2048 bits) and stores it as the
/// profile's key. Refuses to overwrite a current key ([`KeysError::KeyAlreadyPresent`]).
pub fn import_for_profile(store: &dyn SecretStore, profile: &str, pem: &Secret) -> Result<()> {
    let key = import_private_key(pem)?;
    ensure_no_current_key(store, profile)?;
    store.set(profile, SecretKind::PrivateKey, &key)
}

/// Replaces the profile's key with `new_key`, keeping the old one as
/// [`SecretKind::PreviousPrivateKey`] so answers encrypted to the old certificate still
/// decrypt until [`drop_previous_key`] ends the overlap. An older previous key is replaced:
/// there is one overlap window at a time.
pub fn rotate_to(store: &dyn SecretStore, profile: &str, new_key: &Secret) -> Result<()> {
    let new_key = import_private_key(new_key)?;
    let current = current_private_key(store, profile)?;
    // Order matters for a crash between the two writes: saving the old key as previous first
    // means the worst case is "previous == current", never a lost key.
    store.set(profile, SecretKind::PreviousPrivateKey, &current)?;
    store.set(profile, SecretKind::PrivateKey, &new_key)
}

/// Generates a new key, rotates to it ([`rotate_to`]) and returns the new public artefacts.
pub fn rotate_with_new_key(
    store: &dyn SecretStore,
    profile: &str,
    size: RsaKeySize,
    params: &CertificateParams,
) -> Result<IssuedCertificate> {
    let generated = generate_key(size, params)?;
    rotate_to(store, profile, &generated.private_key)?;
    Ok(generated.issued)
}

/// Ends the rotation overlap: the previous key is removed from the keychain.
pub fn drop_previous_key(store: &dyn SecretStore, profile: &str) -> Result<()> {
    store.delete(profile, SecretKind::PreviousPrivateKey)
}

/// The profile's current private key, or [`KeysError::NoPrivateKey`].
pub fn current_private_key(store: &dyn SecretStore, profile: &str) -> Result<Secret> {
    store
        .get(profile, SecretKind::PrivateKey)?
        .ok_or_else(|| KeysError::NoPrivateKey { profile: profile.to_owned() })
}

/// The keys to try when decrypting an incoming message: the current key first, then the
/// previous one during a rotation overlap. Errors with [`KeysError::NoPrivateKey`] when the
/// profile has neither.
pub fn private_keys_for_decrypt(store: &dyn SecretStore, profile: &str) -> Result<Vec<Secret>> {
    let mut keys = Vec::with_capacity(2);
    for kind in [SecretKind::PrivateKey, SecretKind::PreviousPrivateKey] {
        if let Some(key) = store.get(profile, kind)? {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err(KeysError::NoPrivateKey { profile: profile.to_owned() });
    }
    Ok(keys)
}

/// Preflight: does `certificate` (for example the one in the registry) belong to the
/// profile's current key?
pub fn certificate_matches_profile_key(
    store: &dyn SecretStore,
    profile: &str,
    certificate: &Certificate,
) -> Result<bool> {
    let key = current_private_key(store, profile)?;
    certificate.matches_private_key(&key)
}

/// Removes every secret of a profile (when the profile is deleted).
pub fn delete_profile_secrets(store: &dyn SecretStore, profile: &str) -> Result<()> {
    for kind in SecretKind::ALL {
        store.delete(profile, kind)?;
    }
    Ok(())
}

fn ensure_no_current_key(store: &dyn SecretStore, profile: &str) -> Result<()> {
    match store.get(profile, SecretKind::PrivateKey)? {
        Some(_) => Err(KeysError::KeyAlreadyPresent { profile: profile.to_owned() }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use chrono::{TimeZone, Utc};

    fn params() -> CertificateParams {
        CertificateParams::new("1000003463@hcx", Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    }

    #[test]
    fn generate_stores_the_key_and_returns_a_matching_certificate() {
        let store = MemoryStore::new();
        let issued = generate_for_profile(&store, "p", RsaKeySize::Bits2048, &params()).unwrap();
        assert!(
            certificate_matches_profile_key(&store, "p", &issued.certificate).unwrap(),
            "the returned certificate belongs to the key now in the keychain"
        );
        assert!(issued.csr_pem.contains("CERTIFICATE REQUEST"), "a CSR is issued alongside");
        assert!(
            matches!(
                generate_for_profile(&store, "p", RsaKeySize::Bits2048, &params()),
                Err(KeysError::KeyAlreadyPresent { .. })
            ),
            "a second generate must not silently overwrite the key in-flight answers need"
        );
    }

    #[test]
    fn rotation_keeps_the_previous_key_for_decryption() {
        let store = MemoryStore::new();
        let old = generate_for_profile(&store, "p", RsaKeySize::Bits2048, &params()).unwrap();
        let old_key = current_private_key(&store, "p").unwrap();
        let new = rotate_with_new_key(&store, "p", RsaKeySize::Bits2048, &params()).unwrap();

        let keys = private_keys_for_decrypt(&store, "p").unwrap();
        assert_eq!(keys.len(), 2, "during the overlap both keys are offered");
        assert!(
            new.certificate.matches_private_key(&keys[0]).unwrap(),
            "the new key comes first: most messages are encrypted to the new certificate"
        );
        assert!(
            old.certificate.matches_private_key(&keys[1]).unwrap(),
            "the old key comes second, for answers encrypted before the registry updated"
        );
        assert_eq!(keys[1].expose(), old_key.expose(), "the previous key is the old key itself");

        drop_previous_key(&store, "p").unwrap();
        let keys = private_keys_for_decrypt(&store, "p").unwrap();
        assert_eq!(keys.len(), 1, "after the overlap only the current key remains");
    }

    #[test]
    fn rotation_needs_a_current_key_and_a_valid_new_one() {
        let store = MemoryStore::new();
        let fresh = generate_key(RsaKeySize::Bits2048, &params()).unwrap();
        assert!(
            matches!(
                rotate_to(&store, "p", &fresh.private_key),
                Err(KeysError::NoPrivateKey { .. })
            ),
            "rotating with nothing to rotate from is a typed error; use generate or import"
        );
        import_for_profile(&store, "p", &fresh.private_key).unwrap();
        let bad = Secret::new("not a key".to_owned());
        assert!(
            matches!(rotate_to(&store, "p", &bad), Err(KeysError::InvalidPem { .. })),
            "a bad new key is refused before anything is changed"
        );
        assert!(
            store.get("p", SecretKind::PreviousPrivateKey).unwrap().is_none(),
            "a refused rotation leaves the keychain untouched"
        );
    }

    #[test]
    fn decrypt_keys_for_unknown_profile_is_a_typed_error() {
        let store = MemoryStore::new();
        assert!(
            matches!(
                private_keys_for_decrypt(&store, "nobody"),
                Err(KeysError::NoPrivateKey { .. })
            ),
            "a profile without keys cannot decrypt and must say so"
        );
    }

    #[test]
    fn delete_profile_secrets_removes_every_kind() {
        let store = MemoryStore::new();
        generate_for_profile(&store, "p", RsaKeySize::Bits2048, &params()).unwrap();
        rotate_with_new_key(&store, "p", RsaKeySize::Bits2048, &params()).unwrap();
        store.set("p", SecretKind::GatewaySecret, &Secret::from("pw".to_owned())).unwrap();
        store.set("p", SecretKind::BridgeToken, &Secret::from("tok".to_owned())).unwrap();
        assert_eq!(store.len(), 4, "the profile holds all four kinds before deletion");
        delete_profile_secrets(&store, "p").unwrap();
        assert!(store.is_empty(), "deleting a profile leaves no secret behind");
    }
}
