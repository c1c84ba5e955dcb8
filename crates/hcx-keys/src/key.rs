//! RSA private keys: generation and import, always handed out as PKCS#8 PEM inside a
//! [`Secret`].

use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;

use crate::error::crypto;
use crate::{KeysError, Result, Secret};

/// The RSA sizes the HCX registry accepts (`certificate.key-size: 2048,4096`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RsaKeySize {
    /// 2048-bit modulus: the common choice, about 250 ms to generate.
    #[default]
    Bits2048,
    /// 4096-bit modulus: slower to generate and to decrypt with.
    Bits4096,
}

impl RsaKeySize {
    /// The modulus size in bits.
    pub fn bits(self) -> u32 {
        match self {
            RsaKeySize::Bits2048 => 2048,
            RsaKeySize::Bits4096 => 4096,
        }
    }
}

/// The smallest RSA key the gateway accepts.
pub const MIN_RSA_BITS: u32 = 2048;

/// Generates a fresh RSA private key, returned as PKCS#8 PEM.
pub fn generate_private_key(size: RsaKeySize) -> Result<Secret> {
    let rsa = Rsa::generate(size.bits()).map_err(crypto("generating an RSA key"))?;
    let key = PKey::from_rsa(rsa).map_err(crypto("wrapping the RSA key"))?;
    to_pkcs8_pem(&key)
}

/// Validates an existing private key PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`)
/// and returns it normalised to PKCS#8 PEM.
///
/// Refused with a typed error: passphrase-protected keys ([`KeysError::EncryptedKey`]), non-RSA
/// keys ([`KeysError::NotRsa`]), keys under 2048 bits ([`KeysError::KeyTooSmall`]) and RSA keys
/// that fail OpenSSL's consistency check.
pub fn import_private_key(pem: &Secret) -> Result<Secret> {
    let key = load_private_key(pem)?;
    to_pkcs8_pem(&key)
}

/// Parses and validates a private key PEM for use with OpenSSL.
pub(crate) fn load_private_key(pem: &Secret) -> Result<PKey<Private>> {
    let text = pem.expose();
    // Both "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8) and "Proc-Type: 4,ENCRYPTED" (legacy PKCS#1)
    // would otherwise make OpenSSL ask for a passphrase.
    if text.contains("ENCRYPTED") {
        return Err(KeysError::EncryptedKey);
    }
    // The callback refuses to supply a passphrase: without it OpenSSL's default callback would
    // prompt on the terminal, which a desktop app must never do.
    let key =
        PKey::private_key_from_pem_callback(text.as_bytes(), |_buf| Ok(0)).map_err(|err| {
            KeysError::InvalidPem { what: "private key", reason: describe_parse_error(&err) }
        })?;
    if key.id() != Id::RSA {
        return Err(KeysError::NotRsa { found: algorithm_name(key.id()) });
    }
    let bits = key.bits();
    if bits < MIN_RSA_BITS {
        return Err(KeysError::KeyTooSmall { bits });
    }
    let rsa = key.rsa().map_err(crypto("reading the RSA key"))?;
    match rsa.check_key() {
        Ok(true) => Ok(key),
        Ok(false) | Err(_) => Err(KeysError::InvalidPem {
            what: "private key",
            reason: "the RSA key fails its consistency check".to_owned(),
        }),
    }
}

fn to_pkcs8_pem(key: &PKey<Private>) -> Result<Secret> {
    let pem = key.private_key_to_pem_pkcs8().map_err(crypto("encoding the private key"))?;
    Secret::from_utf8(pem).ok_or(KeysError::InvalidPem {
        what: "private key",
        reason: "OpenSSL produced non-UTF-8 PEM".to_owned(),
    })
}

fn algorithm_name(id: Id) -> String {
    match id {
        Id::EC => "an EC key".to_owned(),
        Id::DSA => "a DSA key".to_owned(),
        Id::DH => "a DH key".to_owned(),
        Id::ED25519 => "an Ed25519 key".to_owned(),
        Id::ED448 => "an Ed448 key".to_owned(),
        Id::RSA_PSS => "an RSA-PSS-only key".to_owned(),
        other => format!("a key of OpenSSL type {}", other.as_raw()),
    }
}

/// OpenSSL's first error reason, which names the problem ("no start line", "bad base64
/// decode") without quoting the input.
pub(crate) fn describe_parse_error(err: &openssl::error::ErrorStack) -> String {
    err.errors()
        .first()
        .and_then(|e| e.reason().map(str::to_owned))
        .unwrap_or_else(|| "unrecognised PEM".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;

    fn pem_string(bytes: Vec<u8>) -> Secret {
        Secret::new(String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn generated_key_is_pkcs8_rsa_of_the_requested_size() {
        let pem = generate_private_key(RsaKeySize::Bits2048).unwrap();
        assert!(
            pem.expose().starts_with("-----BEGIN PRIVATE KEY-----"),
            "josekit and the SDKs read PKCS#8, so generated keys use it"
        );
        let key = load_private_key(&pem).unwrap();
        assert_eq!(key.bits(), 2048, "the key has the size that was asked for");
    }

    #[test]
    fn pkcs1_import_is_normalised_to_pkcs8_with_the_same_key() {
        let rsa = Rsa::generate(2048).unwrap();
        let pkcs1 = pem_string(rsa.private_key_to_pem().unwrap());
        assert!(
            pkcs1.expose().starts_with("-----BEGIN RSA PRIVATE KEY-----"),
            "test input is PKCS#1"
        );
        let imported = import_private_key(&pkcs1).unwrap();
        assert!(
            imported.expose().starts_with("-----BEGIN PRIVATE KEY-----"),
            "imports are stored as PKCS#8 whatever the input form"
        );
        let back = load_private_key(&imported).unwrap();
        let original = PKey::from_rsa(rsa).unwrap();
        assert!(back.public_eq(&original), "normalising must not change the key itself");
    }

    #[test]
    fn small_rsa_keys_are_refused() {
        let rsa = Rsa::generate(1024).unwrap();
        let pem = pem_string(PKey::from_rsa(rsa).unwrap().private_key_to_pem_pkcs8().unwrap());
        assert!(
            matches!(import_private_key(&pem), Err(KeysError::KeyTooSmall { bits: 1024 })),
            "the registry refuses keys under 2048 bits, so import must refuse them first"
        );
    }

    #[test]
    fn non_rsa_keys_are_refused() {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let ec = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let pem = pem_string(ec.private_key_to_pem_pkcs8().unwrap());
        match import_private_key(&pem) {
            Err(KeysError::NotRsa { found }) => {
                assert!(found.contains("EC"), "the error names the algorithm found: {found}")
            }
            other => panic!("an EC key cannot do RSA-OAEP and must be refused, got {other:?}"),
        }
    }

    #[test]
    fn encrypted_keys_are_refused_without_prompting() {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let pem = pem_string(
            key.private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw")
                .unwrap(),
        );
        assert!(
            matches!(import_private_key(&pem), Err(KeysError::EncryptedKey)),
            "a passphrase-protected key gets a typed error, not a terminal prompt"
        );
    }

    #[test]
    fn garbage_is_a_typed_error_that_does_not_echo_input() {
        let pem = Secret::new("-----BEGIN PRIVATE KEY-----\nnot base64 at all!!\n".to_owned());
        let err = import_private_key(&pem).unwrap_err();
        assert!(
            matches!(err, KeysError::InvalidPem { what: "private key", .. }),
            "unparseable input is InvalidPem, got {err:?}"
        );
        assert!(!err.to_string().contains("not base64"), "the error must not quote the input");
    }
}
