//! Numbered, forward-only migrations embedded at compile time; the applied version is
//! `PRAGMA user_version`.
//!
//! To change the schema add `migrations/NNNN_name.sql` and one line to [`MIGRATIONS`]; never
//! edit a released file. `include_str!` makes cargo rebuild when a listed file changes, and a
//! test fails if a file in `migrations/` is missing from the list (so no build script is
//! needed).

use rusqlite::{Connection, TransactionBehavior};

use crate::{Result, StoreError};

/// One migration.
pub(crate) struct Migration {
    /// The version the database has after this migration (1-based, contiguous).
    pub(crate) version: u32,
    /// The file name, for errors and the completeness test.
    pub(crate) name: &'static str,
    /// The SQL.
    pub(crate) sql: &'static str,
}

/// Every migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial.sql",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_onboarding.sql",
        sql: include_str!("../migrations/0002_onboarding.sql"),
    },
    Migration {
        version: 3,
        name: "0003_suspicious.sql",
        sql: include_str!("../migrations/0003_suspicious.sql"),
    },
    Migration {
        version: 4,
        name: "0004_dead_letters.sql",
        sql: include_str!("../migrations/0004_dead_letters.sql"),
    },
    Migration {
        version: 5,
        name: "0005_audit_keyed.sql",
        sql: include_str!("../migrations/0005_audit_keyed.sql"),
    },
];

/// The schema version this build creates and understands.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn user_version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Applies the missing migrations, each in its own IMMEDIATE transaction together with the
/// `user_version` bump, so a crash leaves the file at a whole version. The version is re-read
/// inside the transaction because another process may have migrated meanwhile.
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32> {
    for migration in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = user_version(&tx)?;
        if current > LATEST_VERSION {
            return Err(StoreError::SchemaTooNew { found: current, supported: LATEST_VERSION });
        }
        if current >= migration.version {
            continue;
        }
        tx.execute_batch(migration.sql)
            .and_then(|()| tx.pragma_update(None, "user_version", migration.version))
            .map_err(|source| StoreError::Migration { name: migration.name, source })?;
        tx.commit()?;
    }
    let version = user_version(conn)?;
    if version > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew { found: version, supported: LATEST_VERSION });
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_contiguous_and_match_file_names() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            let expected = u32::try_from(index + 1).unwrap();
            assert_eq!(migration.version, expected, "versions must be 1, 2, 3... with no gap");
            assert!(
                migration.name.starts_with(&format!("{expected:04}_")),
                "{} must carry its version as its NNNN_ prefix",
                migration.name
            );
        }
    }

    #[test]
    fn every_file_in_the_migrations_directory_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, listed, "a migration file that is not in MIGRATIONS would never run");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1).unwrap();
        assert!(
            matches!(migrate(&mut conn), Err(StoreError::SchemaTooNew { .. })),
            "an older console must not write into a schema it does not know"
        );
    }
}
