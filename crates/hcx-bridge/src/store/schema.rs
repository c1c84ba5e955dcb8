//! Opening the database: durability pragmas and numbered, forward-only migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{BridgeError, Result};

/// Numbered migrations, applied in order, never edited once released.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("migrations/001_envelopes.sql"))];

/// File name inside the data directory.
pub(crate) const DB_FILE: &str = "bridge.sqlite3";

/// Open the writer connection: WAL + synchronous=FULL, then migrate.
///
/// WAL with `synchronous=FULL` fsyncs the WAL on every commit, so a committed transaction
/// survives power loss as well as a process kill. That is what lets a handler answer 202 right
/// after the writer reports "committed".
pub(crate) fn open_writer(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(BridgeError::Durability(format!(
            "journal_mode is {mode:?}, expected wal (is the data directory on a network share?)"
        )));
    }
    conn.execute_batch("PRAGMA synchronous=FULL;")?;
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    if sync != 2 {
        return Err(BridgeError::Durability(format!("synchronous is {sync}, expected 2 (FULL)")));
    }
    full_fsync(&conn)?;
    // Checkpoints run on their own thread (checkpoint.rs); cap the WAL file left behind.
    conn.execute_batch("PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;")?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Open the connection the checkpoint thread uses (FULL so checkpoints fsync the database).
pub(crate) fn open_checkpointer(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute_batch("PRAGMA synchronous=FULL;")?;
    full_fsync(&conn)?;
    Ok(conn)
}

/// On macOS `fsync` only reaches the drive's cache; `F_FULLFSYNC` (these pragmas) makes the
/// drive write it to the platter, which "202 sent" = "on disk" needs across power loss. Other
/// platforms ignore both pragmas, where plain fsync already suffices.
fn full_fsync(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA fullfsync = ON; PRAGMA checkpoint_fullfsync = ON;")?;
    Ok(())
}

/// Open a read-only connection for mailbox queries (WAL readers never block the writer).
pub(crate) fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute_batch("PRAGMA query_only=ON;")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let latest = MIGRATIONS.last().map_or(0, |m| m.0);
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest {
        return Err(BridgeError::SchemaTooNew { found: current, supported: latest });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.execute_batch(sql)?;
        // PRAGMA cannot take a bound parameter; `version` is our own constant.
        tx.execute_batch(&format!("PRAGMA user_version = {version};"))?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_full_and_migrates_idempotently() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        drop(open_writer(&path).unwrap());
        let conn = open_writer(&path).expect("re-opening an up-to-date database is a no-op");
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 1, "all migrations applied exactly once");
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal", "durability promise depends on WAL");
        let full: i64 = conn.query_row("PRAGMA fullfsync", [], |r| r.get(0)).unwrap();
        let ckpt: i64 = conn.query_row("PRAGMA checkpoint_fullfsync", [], |r| r.get(0)).unwrap();
        assert_eq!((full, ckpt), (1, 1), "F_FULLFSYNC is asked for (effective on macOS)");
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let conn = open_writer(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 99;").unwrap();
        drop(conn);
        assert!(
            matches!(open_writer(&path), Err(BridgeError::SchemaTooNew { found: 99, .. })),
            "an older bridge must not write into a newer schema"
        );
    }
}
