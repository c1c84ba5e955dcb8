//! Password hashing for the sandbox's credential table: PBKDF2-HMAC-SHA256 with a per-user
//! random salt (OpenSSL). Only the salt, iteration count and derived hash are stored.

use openssl::hash::MessageDigest;
use openssl::pkcs5::pbkdf2_hmac;

use crate::error::Result;

/// Iterations for new hashes. Stored per row, so it can be raised later without breaking logins.
pub const ITERATIONS: u32 = 60_000;
const HASH_LEN: usize = 32;

/// A stored password hash.
#[derive(Debug, Clone)]
pub struct PasswordHash {
    /// Random 16-byte salt.
    pub salt: Vec<u8>,
    /// PBKDF2 output.
    pub hash: Vec<u8>,
    /// PBKDF2 iteration count.
    pub iterations: u32,
}

/// Hashes a new password with a fresh salt.
pub fn hash(password: &str) -> Result<PasswordHash> {
    let mut salt = vec![0u8; 16];
    openssl::rand::rand_bytes(&mut salt)?;
    let hash = derive(password, &salt, ITERATIONS)?;
    Ok(PasswordHash { salt, hash, iterations: ITERATIONS })
}

/// True when `password` matches `stored`. Compares in constant time.
pub fn verify(password: &str, stored: &PasswordHash) -> Result<bool> {
    let candidate = derive(password, &stored.salt, stored.iterations)?;
    Ok(candidate.len() == stored.hash.len() && openssl::memcmp::eq(&candidate, &stored.hash))
}

fn derive(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>> {
    let mut out = vec![0u8; HASH_LEN];
    pbkdf2_hmac(password.as_bytes(), salt, iterations as usize, MessageDigest::sha256(), &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_password_verifies_and_wrong_one_does_not() {
        let h = hash("correct horse").expect("hashing works");
        assert!(verify("correct horse", &h).expect("verify runs"), "the same password must match");
        assert!(
            !verify("correct horsE", &h).expect("verify runs"),
            "a different password must not"
        );
        assert_ne!(h.hash, b"correct horse".to_vec(), "the stored value is not the password");
    }

    #[test]
    fn salts_differ_between_users() {
        let a = hash("same").expect("hash");
        let b = hash("same").expect("hash");
        assert_ne!(a.salt, b.salt, "each user gets a fresh salt");
        assert_ne!(a.hash, b.hash, "so equal passwords give different hashes");
    }
}
