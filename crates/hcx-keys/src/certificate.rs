//! X.509 certificates (public; they may be stored on disk and in SQLite) and PKCS#10 requests.

use chrono::{DateTime, TimeDelta, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Name, X509NameRef, X509ReqBuilder};

use crate::error::crypto;
use crate::key::{describe_parse_error, load_private_key};
use crate::{KeysError, Result, Secret};

/// The default validity of a generated self-signed certificate.
pub const DEFAULT_VALIDITY_DAYS: u32 = 365;
/// The longest validity we issue. Peers were criticised for a certificate valid until 9999;
/// ten years is already generous for a key that can be rotated.
pub const MAX_VALIDITY_DAYS: u32 = 3650;
/// X.520 upper bound for a common name.
const MAX_COMMON_NAME_LEN: usize = 64;
/// `not_before` is set this far in the past so a verifier whose clock is a little behind ours
/// does not see a "not yet valid" certificate.
const CLOCK_SKEW_ALLOWANCE: TimeDelta = TimeDelta::minutes(5);

/// What goes into a self-signed certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateParams {
    /// The participant code, used as the subject common name.
    pub participant_code: String,
    /// How many days from `issued_at` the certificate stays valid.
    pub validity_days: u32,
    /// The issuing time (passed in, not read from the clock, so tests are deterministic).
    pub issued_at: DateTime<Utc>,
}

impl CertificateParams {
    /// Parameters with the default one-year validity.
    pub fn new(participant_code: impl Into<String>, issued_at: DateTime<Utc>) -> Self {
        Self {
            participant_code: participant_code.into(),
            validity_days: DEFAULT_VALIDITY_DAYS,
            issued_at,
        }
    }

    /// The same parameters with another validity.
    pub fn with_validity_days(mut self, days: u32) -> Self {
        self.validity_days = days;
        self
    }
}

/// A parsed X.509 certificate.
#[derive(Clone)]
pub struct Certificate {
    x509: X509,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_common_name())
            .field("fingerprint_sha256", &self.fingerprint_sha256().ok())
            .finish()
    }
}

/// A certificate's facts for display, preflight and expiry countdowns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateInfo {
    /// The subject CN (the participant code for certificates we generate).
    pub subject_common_name: Option<String>,
    /// The issuer CN; equal to the subject for self-signed certificates.
    pub issuer_common_name: Option<String>,
    /// The serial number in upper-case hex.
    pub serial_hex: String,
    /// SHA-256 of the DER encoding, upper-case hex pairs joined by `:`.
    pub fingerprint_sha256: String,
    /// Start of validity, UTC.
    pub not_before: DateTime<Utc>,
    /// End of validity (expiry), UTC.
    pub not_after: DateTime<Utc>,
    /// The public key size in bits.
    pub key_bits: u32,
}

impl CertificateInfo {
    /// Whole days left until expiry at `now`; negative once expired.
    pub fn days_until_expiry(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }

    /// True when `now` is past `not_after`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now > self.not_after
    }
}

impl Certificate {
    /// Parses a PEM certificate (the first one, if the text holds a chain).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let x509 = X509::from_pem(pem.as_bytes()).map_err(|err| KeysError::InvalidPem {
            what: "certificate",
            reason: describe_parse_error(&err),
        })?;
        Ok(Self { x509 })
    }

    /// The certificate as PEM, for export, the registry and storage.
    pub fn to_pem(&self) -> Result<String> {
        let pem = self.x509.to_pem().map_err(crypto("encoding the certificate"))?;
        String::from_utf8(pem).map_err(|_| KeysError::InvalidPem {
            what: "certificate",
            reason: "OpenSSL produced non-UTF-8 PEM".to_owned(),
        })
    }

    /// The certificate as DER.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        self.x509.to_der().map_err(crypto("encoding the certificate"))
    }

    /// SHA-256 of the DER encoding as `AB:CD:...`, the form `openssl x509 -fingerprint
    /// -sha256` prints, so users can compare it with what the registry shows.
    pub fn fingerprint_sha256(&self) -> Result<String> {
        let digest =
            self.x509.digest(MessageDigest::sha256()).map_err(crypto("hashing the certificate"))?;
        let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
        Ok(hex.join(":"))
    }

    /// The subject common name, if present and valid UTF-8.
    pub fn subject_common_name(&self) -> Option<String> {
        common_name(self.x509.subject_name())
    }

    /// Expiry (`not_after`) as UTC.
    pub fn not_after(&self) -> Result<DateTime<Utc>> {
        asn1_to_utc(self.x509.not_after())
    }

    /// All displayable facts at once.
    pub fn info(&self) -> Result<CertificateInfo> {
        let serial = self
            .x509
            .serial_number()
            .to_bn()
            .and_then(|bn| bn.to_hex_str().map(|s| s.to_string()))
            .map_err(crypto("reading the serial number"))?;
        let public = self.x509.public_key().map_err(crypto("reading the public key"))?;
        Ok(CertificateInfo {
            subject_common_name: self.subject_common_name(),
            issuer_common_name: common_name(self.x509.issuer_name()),
            serial_hex: serial,
            fingerprint_sha256: self.fingerprint_sha256()?,
            not_before: asn1_to_utc(self.x509.not_before())?,
            not_after: self.not_after()?,
            key_bits: public.bits(),
        })
    }

    /// True when this certificate carries the public half of `private_key` (the preflight check
    /// that the registered certificate and the keychain key belong together).
    pub fn matches_private_key(&self, private_key: &Secret) -> Result<bool> {
        let key = load_private_key(private_key)?;
        let public = self.x509.public_key().map_err(crypto("reading the public key"))?;
        Ok(public.public_eq(&key))
    }
}

/// Issues a self-signed certificate for `private_key`: CN = participant code, random 128-bit
/// serial, sha256WithRSAEncryption, key usage for encryption and signing.
pub fn self_signed_certificate(
    private_key: &Secret,
    params: &CertificateParams,
) -> Result<Certificate> {
    if params.validity_days == 0 || params.validity_days > MAX_VALIDITY_DAYS {
        return Err(KeysError::InvalidValidity {
            days: params.validity_days,
            max: MAX_VALIDITY_DAYS,
        });
    }
    let key = load_private_key(private_key)?;
    let name = subject_name(&params.participant_code)?;
    let not_before = utc_to_asn1(params.issued_at - CLOCK_SKEW_ALLOWANCE)?;
    let not_after =
        utc_to_asn1(params.issued_at + TimeDelta::days(i64::from(params.validity_days)))?;

    let build = || -> Result<X509, openssl::error::ErrorStack> {
        let mut builder = X509::builder()?;
        // Version 3 is encoded as 2.
        builder.set_version(2)?;
        let mut serial = BigNum::new()?;
        // A set top bit gives a full 128-bit positive serial (RFC 5280 allows up to 20 octets).
        serial.rand(128, MsbOption::ONE, false)?;
        builder.set_serial_number(serial.to_asn1_integer()?.as_ref())?;
        builder.set_subject_name(&name)?;
        builder.set_issuer_name(&name)?;
        builder.set_not_before(&not_before)?;
        builder.set_not_after(&not_after)?;
        builder.set_pubkey(&key)?;
        builder.append_extension(BasicConstraints::new().critical().build()?)?;
        // Encryption (RSA-OAEP key transport) and signing (notification JWS) use the same pair.
        builder.append_extension(
            KeyUsage::new().critical().digital_signature().key_encipherment().build()?,
        )?;
        let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
        builder.append_extension(ski)?;
        builder.sign(&key, MessageDigest::sha256())?;
        Ok(builder.build())
    };
    let x509 = build().map_err(crypto("building the certificate"))?;
    Ok(Certificate { x509 })
}

/// A PKCS#10 certificate signing request (PEM) with CN = participant code, for registries or
/// CAs that issue the certificate themselves.
pub fn certificate_signing_request(private_key: &Secret, participant_code: &str) -> Result<String> {
    let key = load_private_key(private_key)?;
    let name = subject_name(participant_code)?;
    let build = || -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut builder = X509ReqBuilder::new()?;
        builder.set_version(0)?;
        builder.set_subject_name(&name)?;
        builder.set_pubkey(&key)?;
        builder.sign(&key, MessageDigest::sha256())?;
        builder.build().to_pem()
    };
    let pem = build().map_err(crypto("building the certificate request"))?;
    String::from_utf8(pem).map_err(|_| KeysError::InvalidPem {
        what: "certificate request",
        reason: "OpenSSL produced non-UTF-8 PEM".to_owned(),
    })
}

fn subject_name(participant_code: &str) -> Result<X509Name> {
    let reason = if participant_code.trim().is_empty() {
        Some("it is empty")
    } else if participant_code.len() > MAX_COMMON_NAME_LEN {
        Some("a certificate common name is limited to 64 characters")
    } else if participant_code.chars().any(char::is_control) {
        Some("it contains control characters")
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(KeysError::InvalidParticipantCode {
            code: participant_code.to_owned(),
            reason,
        });
    }
    let build = || -> Result<X509Name, openssl::error::ErrorStack> {
        let mut name = X509Name::builder()?;
        name.append_entry_by_nid(Nid::COMMONNAME, participant_code)?;
        Ok(name.build())
    };
    build().map_err(crypto("building the subject name"))
}

fn common_name(name: &X509NameRef) -> Option<String> {
    name.entries_by_nid(Nid::COMMONNAME).next().and_then(|entry| entry.data().to_string().ok())
}

fn utc_to_asn1(at: DateTime<Utc>) -> Result<Asn1Time> {
    Asn1Time::from_unix(at.timestamp()).map_err(crypto("encoding a certificate time"))
}

/// ASN.1 time → UTC, by measuring the distance from the Unix epoch (OpenSSL offers no direct
/// conversion).
fn asn1_to_utc(time: &Asn1TimeRef) -> Result<DateTime<Utc>> {
    let epoch = Asn1Time::from_unix(0).map_err(crypto("encoding the epoch"))?;
    let diff = epoch.diff(time).map_err(crypto("reading a certificate time"))?;
    let seconds = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    DateTime::from_timestamp(seconds, 0).ok_or(KeysError::InvalidPem {
        what: "certificate",
        reason: "a validity date is out of range".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{RsaKeySize, generate_private_key};
    use chrono::TimeZone;
    use openssl::x509::X509Req;

    fn issued() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap()
    }

    #[test]
    fn self_signed_certificate_has_the_requested_fields() {
        let key = generate_private_key(RsaKeySize::Bits2048).unwrap();
        let params = CertificateParams::new("1000003463@hcx", issued()).with_validity_days(30);
        let cert = self_signed_certificate(&key, &params).unwrap();
        let info = cert.info().unwrap();
        assert_eq!(
            info.subject_common_name.as_deref(),
            Some("1000003463@hcx"),
            "CN is the participant code"
        );
        assert_eq!(info.issuer_common_name, info.subject_common_name, "it is self-signed");
        assert_eq!(
            info.not_after,
            Utc.with_ymd_and_hms(2026, 12, 21, 10, 0, 0).unwrap(),
            "expiry is issued_at + validity, read back exactly as UTC"
        );
        assert_eq!(
            info.not_before,
            issued() - CLOCK_SKEW_ALLOWANCE,
            "not_before is backdated a little for clock skew"
        );
        assert_eq!(info.key_bits, 2048, "the public key is the 2048-bit one we generated");
        assert_eq!(info.days_until_expiry(issued()), 30, "the countdown starts at the validity");
        assert!(!info.is_expired(issued()), "a fresh certificate is not expired");
        assert!(
            info.is_expired(Utc.with_ymd_and_hms(2026, 12, 22, 0, 0, 0).unwrap()),
            "after not_after the certificate is expired"
        );
        assert_eq!(
            cert.x509.signature_algorithm().object().nid(),
            Nid::SHA256WITHRSAENCRYPTION,
            "the certificate is signed sha256WithRSAEncryption"
        );
        assert!(cert.matches_private_key(&key).unwrap(), "the certificate matches its own key");
        let public = cert.x509.public_key().unwrap();
        assert!(cert.x509.verify(&public).unwrap(), "the self-signature verifies");
    }

    #[test]
    fn serials_are_random() {
        let key = generate_private_key(RsaKeySize::Bits2048).unwrap();
        let params = CertificateParams::new("code", issued());
        let a = self_signed_certificate(&key, &params).unwrap().info().unwrap();
        let b = self_signed_certificate(&key, &params).unwrap().info().unwrap();
        assert_ne!(a.serial_hex, b.serial_hex, "two certificates must not share a serial");
        assert!(a.serial_hex.len() >= 30, "the serial carries about 128 random bits");
    }

    #[test]
    fn pem_round_trip_keeps_the_fingerprint() {
        let key = generate_private_key(RsaKeySize::Bits2048).unwrap();
        let cert = self_signed_certificate(&key, &CertificateParams::new("c", issued())).unwrap();
        let pem = cert.to_pem().unwrap();
        let again = Certificate::from_pem(&pem).unwrap();
        let fingerprint = again.fingerprint_sha256().unwrap();
        assert_eq!(
            fingerprint,
            cert.fingerprint_sha256().unwrap(),
            "exporting and re-reading a certificate must not change it"
        );
        assert_eq!(fingerprint.len(), 32 * 3 - 1, "32 bytes as colon-separated hex pairs");
        let expected: Vec<String> = openssl::sha::sha256(&cert.to_der().unwrap())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(fingerprint, expected.join(":"), "the fingerprint is SHA-256 over the DER");
    }

    #[test]
    fn certificate_does_not_match_another_key() {
        let key = generate_private_key(RsaKeySize::Bits2048).unwrap();
        let other = generate_private_key(RsaKeySize::Bits2048).unwrap();
        let cert = self_signed_certificate(&key, &CertificateParams::new("c", issued())).unwrap();
        assert!(
            !cert.matches_private_key(&other).unwrap(),
            "preflight must notice a certificate registered for a different key"
        );
    }

    #[test]
    fn csr_carries_the_code_and_verifies() {
        let key = generate_private_key(RsaKeySize::Bits2048).unwrap();
        let pem = certificate_signing_request(&key, "hosp_apollo_123456@swasth-hcx").unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"), "PKCS#10 PEM");
        let req = X509Req::from_pem(pem.as_bytes()).unwrap();
        let public = req.public_key().unwrap();
        assert!(req.verify(&public).unwrap(), "the request is signed by its own key");
        assert_eq!(
            common_name(req.subject_name()).as_deref(),
            Some("hosp_apollo_123456@swasth-hcx"),
            "the request names the participant"
        );
    }

    #[test]
    fn bad_parameters_are_typed_errors() {
        let key = generate_private_key(RsaKeySize::Bits2048).unwrap();
        let zero = CertificateParams::new("c", issued()).with_validity_days(0);
        assert!(
            matches!(self_signed_certificate(&key, &zero), Err(KeysError::InvalidValidity { .. })),
            "a zero-day certificate would be expired on arrival"
        );
        let long = CertificateParams::new("x".repeat(65), issued());
        assert!(
            matches!(
                self_signed_certificate(&key, &long),
                Err(KeysError::InvalidParticipantCode { .. })
            ),
            "a CN over 64 characters is invalid X.509"
        );
        assert!(
            matches!(
                Certificate::from_pem("-----BEGIN CERTIFICATE-----\nxx\n"),
                Err(KeysError::InvalidPem { what: "certificate", .. })
            ),
            "garbage certificate PEM is a typed error"
        );
    }
}
