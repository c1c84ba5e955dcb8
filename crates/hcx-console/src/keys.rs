//! Key use cases: generate, import, show and rotate a profile's RSA key. The private key goes to
//! the profile's secret store only; the (public) certificate is kept on the profile row so it
//! can be registered, exported and compared.

use chrono::Utc;
use hcx_keys::{
    Certificate, CertificateParams, RsaKeySize, Secret, SecretKind, generate_for_profile,
    import_for_profile, issue_for, rotate_with_new_key,
};
use hcx_store::Profile;

use crate::console::{Console, audit};
use crate::dto::KeyStatus;
use crate::error::Result;

/// A key status plus the public certificate, for `hcx keys show` and the registration form.
#[derive(Debug, Clone)]
pub struct KeyReport {
    /// Public facts.
    pub status: KeyStatus,
    /// The certificate to register as `encryption_cert` (PEM), if any.
    pub certificate_pem: Option<String>,
}

impl Console {
    /// Generates the profile's first key and a self-signed certificate.
    pub async fn generate_key(&self, profile_id: &str) -> Result<KeyReport> {
        let profile = self.profile(profile_id)?;
        let store = self.inner.secrets.store_for(&profile)?;
        let params = CertificateParams::new(&profile.fields.participant_code, Utc::now());
        let issued = generate_for_profile(store, &profile.id, RsaKeySize::Bits2048, &params)?;
        self.save_certificate(&profile, &issued.certificate, "key.generated")?;
        self.key_report(profile_id).await
    }

    /// Imports an existing private key (PEM) and issues a certificate for it.
    pub async fn import_key(&self, profile_id: &str, pem: &Secret) -> Result<KeyReport> {
        let profile = self.profile(profile_id)?;
        let store = self.inner.secrets.store_for(&profile)?;
        import_for_profile(store, &profile.id, pem)?;
        let key = hcx_keys::current_private_key(store, &profile.id)?;
        let params = CertificateParams::new(&profile.fields.participant_code, Utc::now());
        let issued = issue_for(&key, &params)?;
        self.save_certificate(&profile, &issued.certificate, "key.imported")?;
        self.key_report(profile_id).await
    }

    /// Rotates to a new key, keeping the old one for decryption until the registry has the new
    /// certificate. Register the returned certificate with the exchange.
    pub async fn rotate_key(&self, profile_id: &str) -> Result<KeyReport> {
        let profile = self.profile(profile_id)?;
        let store = self.inner.secrets.store_for(&profile)?;
        let params = CertificateParams::new(&profile.fields.participant_code, Utc::now());
        let issued = rotate_with_new_key(store, &profile.id, RsaKeySize::Bits2048, &params)?;
        self.save_certificate(&profile, &issued.certificate, "key.rotated")?;
        self.key_report(profile_id).await
    }

    /// Public key facts of a profile.
    pub async fn key_status(&self, profile_id: &str) -> Result<KeyStatus> {
        Ok(self.key_report(profile_id).await?.status)
    }

    /// Public key facts and the certificate PEM.
    pub async fn key_report(&self, profile_id: &str) -> Result<KeyReport> {
        let profile = self.profile(profile_id)?;
        let backend = self.inner.secrets.backend_for(&profile);
        let (has_private_key, has_previous_key) = match self.inner.secrets.store_for(&profile) {
            Ok(store) => (
                store.get(&profile.id, SecretKind::PrivateKey)?.is_some(),
                store.get(&profile.id, SecretKind::PreviousPrivateKey)?.is_some(),
            ),
            Err(_) => (false, false),
        };
        let cert = profile.certificate_pem.as_deref().and_then(|p| Certificate::from_pem(p).ok());
        let info = cert.as_ref().and_then(|c| c.info().ok());
        Ok(KeyReport {
            status: KeyStatus {
                backend,
                has_private_key,
                fingerprint: info.as_ref().map(|i| i.fingerprint_sha256.clone()),
                certificate_expires_at: info.as_ref().map(|i| crate::views::utc(i.not_after)),
                has_previous_key,
            },
            certificate_pem: profile.certificate_pem.clone(),
        })
    }

    fn save_certificate(&self, profile: &Profile, cert: &Certificate, event: &str) -> Result<()> {
        let pem = cert.to_pem()?;
        let fingerprint = cert.fingerprint_sha256()?;
        let now = Utc::now();
        self.write(|w| {
            w.set_profile_certificate(&profile.id, Some(&pem), now)?;
            w.append_audit(&audit(
                &profile.id,
                None,
                "operator",
                event,
                serde_json::json!({ "fingerprint": fingerprint }),
                now,
            ))?;
            Ok(())
        })
    }
}
