//! Login credentials. Only PBKDF2 hashes are stored (see `password`).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::password::{self, PasswordHash};

/// The two login forms of wire facts §2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// `username` (the participant's primary e-mail) + `password`.
    Password,
    /// `participant_code` + `username` + `secret` (api-access realm).
    Secret,
}

impl CredentialKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Secret => "secret",
        }
    }
}

/// A stored credential, minus the hash.
#[derive(Debug, Clone)]
pub struct CredentialRow {
    /// Participant the credential logs in as.
    pub participant_code: String,
    /// Login name.
    pub username: String,
    /// `user_roles` for api-access users.
    pub user_roles: Vec<String>,
    hash: PasswordHash,
}

impl CredentialRow {
    /// True when `password` is right.
    pub fn verify(&self, password: &str) -> Result<bool> {
        password::verify(password, &self.hash)
    }
}

/// Creates or replaces a credential.
pub fn upsert(
    conn: &Connection,
    kind: CredentialKind,
    participant_code: &str,
    username: &str,
    hash: &PasswordHash,
    user_roles: &[String],
) -> Result<()> {
    let roles = serde_json::to_string(user_roles)?;
    let existing: Option<i64> = match kind {
        CredentialKind::Password => conn
            .query_row(
                "SELECT id FROM credentials WHERE kind = 'password' AND username = ?1",
                params![username],
                |r| r.get(0),
            )
            .optional()?,
        CredentialKind::Secret => conn
            .query_row(
                "SELECT id FROM credentials WHERE kind = 'secret' AND participant_code = ?1 AND username = ?2",
                params![participant_code, username],
                |r| r.get(0),
            )
            .optional()?,
    };
    match existing {
        Some(id) => conn.execute(
            "UPDATE credentials SET participant_code = ?2, salt = ?3, hash = ?4, iterations = ?5, user_roles = ?6
             WHERE id = ?1",
            params![id, participant_code, hash.salt, hash.hash, hash.iterations, roles],
        )?,
        None => conn.execute(
            "INSERT INTO credentials (participant_code, kind, username, salt, hash, iterations, user_roles)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![participant_code, kind.as_str(), username, hash.salt, hash.hash, hash.iterations, roles],
        )?,
    };
    Ok(())
}

/// (participant, username, salt, hash, iterations, user_roles JSON) as stored.
type RawCredential = (String, String, Vec<u8>, Vec<u8>, u32, String);

/// Finds a credential: by username for passwords, by (participant, username) for secrets.
pub fn find(
    conn: &Connection,
    kind: CredentialKind,
    participant_code: Option<&str>,
    username: &str,
) -> Result<Option<CredentialRow>> {
    let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<RawCredential> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    };
    let row = match kind {
        CredentialKind::Password => conn
            .query_row(
                "SELECT participant_code, username, salt, hash, iterations, user_roles FROM credentials
                 WHERE kind = 'password' AND username = ?1",
                params![username],
                map,
            )
            .optional()?,
        CredentialKind::Secret => conn
            .query_row(
                "SELECT participant_code, username, salt, hash, iterations, user_roles FROM credentials
                 WHERE kind = 'secret' AND participant_code = ?1 AND username = ?2",
                params![participant_code.unwrap_or_default(), username],
                map,
            )
            .optional()?,
    };
    Ok(row.map(|(participant_code, username, salt, hash, iterations, roles)| CredentialRow {
        participant_code,
        username,
        user_roles: serde_json::from_str(&roles).unwrap_or_default(),
        hash: PasswordHash { salt, hash, iterations },
    }))
}
