//! The audit chain's HMAC key: made here, kept in the keychain (`SecretKind::AuditKey`), handed
//! to hcx-store in memory by the console.

use zeroize::Zeroizing;

use crate::Secret;

/// Length in bytes of an audit-chain key made by [`generate_audit_key`].
pub const AUDIT_KEY_BYTES: usize = 32;

/// A fresh random audit-chain HMAC key, as hex text (how the keychain stores it), from
/// OpenSSL's CSPRNG. The raw bytes are zeroed once encoded.
pub fn generate_audit_key() -> crate::Result<Secret> {
    let mut bytes = Zeroizing::new([0_u8; AUDIT_KEY_BYTES]);
    openssl::rand::rand_bytes(bytes.as_mut())
        .map_err(crate::error::crypto("generating an audit key"))?;
    let mut text = Zeroizing::new(String::with_capacity(AUDIT_KEY_BYTES * 2));
    for byte in bytes.iter() {
        for nibble in [byte >> 4, byte & 0x0f] {
            text.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    Ok(Secret::new(std::mem::take(&mut *text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_keys_are_random_hex_of_the_full_length() {
        let a = generate_audit_key().unwrap();
        let b = generate_audit_key().unwrap();
        assert_eq!(a.expose().len(), AUDIT_KEY_BYTES * 2, "32 bytes as hex");
        assert!(a.expose().chars().all(|c| c.is_ascii_hexdigit()), "the keychain holds hex");
        assert_ne!(a.expose(), b.expose(), "two keys from a CSPRNG never repeat");
    }
}
