//! RSA key pairs and self-signed certificates for the sandbox's own demo identities.
//!
//! The sandbox is a test exchange: its JWT signing key and the key pairs of the scripted
//! counterparties are *demo identities*, generated with OpenSSL at first start and kept in the
//! sandbox's own data directory (`<data>/identities/`, files mode 0600) so that a restart keeps
//! the same participants. They are never user secrets; real participants bring their own
//! certificate and keep their key elsewhere.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

use crate::error::{Result, SandboxError};
use hcx_protocol::Secret;

/// A demo identity: private key (PEM, PKCS#8) and its self-signed certificate (PEM).
#[derive(Debug, Clone)]
pub struct DemoKeyPair {
    /// PKCS#8 PEM private key.
    pub private_pem: Secret,
    /// X.509 certificate PEM carrying the public key.
    pub cert_pem: String,
}

/// Generates a 2048-bit RSA key and a self-signed certificate valid for ten years.
pub fn generate(common_name: &str) -> Result<DemoKeyPair> {
    let rsa = Rsa::generate(2048)?;
    let pkey = PKey::from_rsa(rsa)?;
    let cert = self_signed(&pkey, common_name)?;
    let private_pem = String::from_utf8(pkey.private_key_to_pem_pkcs8()?)
        .map_err(|e| SandboxError::Invalid(format!("private key PEM is not UTF-8: {e}")))?;
    let cert_pem = String::from_utf8(cert.to_pem()?)
        .map_err(|e| SandboxError::Invalid(format!("certificate PEM is not UTF-8: {e}")))?;
    Ok(DemoKeyPair { private_pem: Secret::new(private_pem), cert_pem })
}

fn self_signed(pkey: &PKey<Private>, common_name: &str) -> Result<X509> {
    let mut name = X509NameBuilder::new()?;
    // X.509 CN is limited to 64 bytes; participant codes can be longer.
    let cn: String = common_name.chars().take(64).collect();
    name.append_entry_by_text("CN", &cn)?;
    name.append_entry_by_text("O", "HCX Sandbox demo identity")?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let mut b = X509::builder()?;
    b.set_version(2)?;
    b.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(pkey)?;
    b.set_not_before(Asn1Time::days_from_now(0)?.as_ref())?;
    b.set_not_after(Asn1Time::days_from_now(3650)?.as_ref())?;
    b.sign(pkey, MessageDigest::sha256())?;
    Ok(b.build())
}

/// Checks that `pem` is an X.509 certificate with an RSA key of 2048 or 4096 bits (the
/// platform's `certificate.key-size`) and returns its expiry as epoch milliseconds.
pub fn check_certificate(pem: &str) -> std::result::Result<i64, String> {
    let cert =
        X509::from_pem(pem.as_bytes()).map_err(|_| "not a PEM X.509 certificate".to_string())?;
    let key = cert.public_key().map_err(|_| "certificate has no usable public key".to_string())?;
    let rsa = key.rsa().map_err(|_| "certificate key is not RSA".to_string())?;
    let bits = rsa.size() * 8;
    if bits != 2048 && bits != 4096 {
        return Err(format!("RSA key size must be 2048 or 4096 bits, got {bits}"));
    }
    let epoch = Asn1Time::from_unix(0).map_err(|e| e.to_string())?;
    let diff = epoch.diff(cert.not_after()).map_err(|e| e.to_string())?;
    Ok((i64::from(diff.days) * 86_400 + i64::from(diff.secs)) * 1000)
}

/// Random URL-safe secret of `bytes` random bytes (base64url, no padding).
pub fn random_token(bytes: usize) -> Result<String> {
    use base64::Engine as _;
    let mut buf = vec![0u8; bytes];
    openssl::rand::rand_bytes(&mut buf)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// Directory of one demo identity's files.
pub fn identity_dir(data_dir: &Path, slug: &str) -> PathBuf {
    data_dir.join("identities").join(slug)
}

/// Loads the identity in `dir`, or generates and saves it the first time.
pub fn load_or_create_keys(dir: &Path, common_name: &str) -> Result<DemoKeyPair> {
    let key_path = dir.join("key.pem");
    let cert_path = dir.join("cert.pem");
    if key_path.exists() && cert_path.exists() {
        let private_pem = read(&key_path)?;
        let cert_pem = read(&cert_path)?;
        return Ok(DemoKeyPair { private_pem: Secret::new(private_pem), cert_pem });
    }
    let pair = generate(common_name)?;
    write_private(&key_path, pair.private_pem.expose())?;
    write_private(&cert_path, &pair.cert_pem)?;
    Ok(pair)
}

/// Loads a stored demo secret (password, API secret) or creates a random one.
pub fn load_or_create_secret(path: &Path) -> Result<Secret> {
    if path.exists() {
        return Ok(Secret::new(read(path)?.trim().to_string()));
    }
    let value = random_token(18)?;
    write_private(path, &value)?;
    Ok(Secret::new(value))
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path)
        .map_err(|source| SandboxError::File { path: path.to_path_buf(), source })
}

/// Writes a file readable by the owner only, creating parent directories. Written to a temp file
/// and renamed so a crash never leaves half a key behind.
fn write_private(path: &Path, contents: &str) -> Result<()> {
    let file_err = |source| SandboxError::File { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(file_err)?;
    }
    let tmp = path.with_extension("tmp");
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(file_err)?;
    f.write_all(contents.as_bytes()).map_err(file_err)?;
    f.sync_all().map_err(file_err)?;
    fs::rename(&tmp, path).map_err(file_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificate_passes_the_registry_check() {
        let pair = generate("demo@sandbox").expect("key generation works with system OpenSSL");
        let expiry = check_certificate(&pair.cert_pem).expect("a fresh 2048-bit cert is valid");
        let now_ms = chrono::Utc::now().timestamp_millis();
        assert!(expiry > now_ms + 3000 * 86_400_000, "the demo cert lasts about ten years");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(check_certificate("hello").is_err(), "non-PEM input must be refused");
    }

    #[test]
    fn identities_survive_a_reload() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = load_or_create_keys(dir.path(), "x").expect("first create");
        let b = load_or_create_keys(dir.path(), "x").expect("reload");
        assert_eq!(a.cert_pem, b.cert_pem, "a restart must keep the same demo certificate");
        let s1 = load_or_create_secret(&dir.path().join("pw")).expect("secret");
        let s2 = load_or_create_secret(&dir.path().join("pw")).expect("secret again");
        assert_eq!(s1, s2, "a restart must keep the same demo password");
    }
}
