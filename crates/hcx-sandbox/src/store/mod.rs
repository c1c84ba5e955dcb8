//! The sandbox's SQLite file: registry, credentials, audit trail and delivery queue.
//!
//! WAL journal with `synchronous=FULL`, so a message is on disk before the 202 that
//! acknowledges it. One connection behind a mutex: the sandbox is a test exchange and a single
//! writer also makes "check the rules, then insert" atomic. Every call runs on the blocking
//! pool via [`Store::run`] so SQLite's fsyncs never stall the async workers.

pub mod audit;
pub mod credentials;
pub mod queue;
pub mod registry;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::error::{Result, SandboxError};

/// Numbered, forward-only migrations. Never edit a shipped entry; append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: registry, credentials, audit, delivery queue.
    r#"
    CREATE TABLE participants (
        participant_code TEXT PRIMARY KEY,
        os_owner TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        record TEXT NOT NULL,
        cert_pem TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
    );
    CREATE TABLE credentials (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        participant_code TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('password', 'secret')),
        username TEXT NOT NULL,
        salt BLOB NOT NULL,
        hash BLOB NOT NULL,
        iterations INTEGER NOT NULL,
        user_roles TEXT NOT NULL DEFAULT '[]'
    );
    CREATE UNIQUE INDEX credentials_password ON credentials(username) WHERE kind = 'password';
    CREATE UNIQUE INDEX credentials_secret ON credentials(participant_code, username)
        WHERE kind = 'secret';
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mid TEXT NOT NULL UNIQUE,
        action TEXT NOT NULL,
        api_call_id TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        workflow_id TEXT,
        sender_code TEXT NOT NULL,
        recipient_code TEXT NOT NULL,
        sender_role TEXT NOT NULL,
        recipient_role TEXT NOT NULL,
        status TEXT NOT NULL,
        headers TEXT NOT NULL,
        payload_size INTEGER NOT NULL,
        request_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        error_details TEXT
    );
    CREATE INDEX audit_correlation ON audit(correlation_id);
    CREATE UNIQUE INDEX audit_api_call ON audit(sender_code, api_call_id);
    CREATE TABLE deliveries (
        mid TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        target_code TEXT NOT NULL,
        path TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
        last_error TEXT
    );
    CREATE INDEX deliveries_due ON deliveries(state, next_attempt_ms);
    "#,
    // 2: scripted counterparties' pending work (queries and delayed answers survive restarts).
    r#"
    CREATE TABLE scripted_tasks (
        id TEXT PRIMARY KEY,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        due_ms INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX scripted_tasks_due ON scripted_tasks(actor, due_ms);
    "#,
    // 3: the operator's onboarding applications (src/operator/003_onboarding.sql).
    include_str!("../operator/003_onboarding.sql"),
    // Relays between instances: the instances a message passed before this one (JSON array),
    // and the peer this instance forwarded it to. Both empty for a message that stayed here.
    r#"
    ALTER TABLE audit ADD COLUMN relay_path TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE audit ADD COLUMN relayed_to TEXT;
    ALTER TABLE deliveries ADD COLUMN relay_path TEXT NOT NULL DEFAULT '[]';
    "#,
];

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        // First, so a restart waits for a previous instance's last write instead of failing.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with exclusive access to the connection on the blocking thread pool.
    pub async fn run<F, R>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself is still usable
            // (SQLite rolls back the open transaction), so take it back.
            let mut guard = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut guard)
        })
        .await?
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if current > known {
        return Err(SandboxError::Corrupt(format!(
            "database schema version {current} is newer than this sandbox ({known})"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(current).unwrap_or(0)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i64::try_from(i + 1).unwrap_or(i64::MAX))?;
        tx.commit()?;
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_apply_once_and_reopen_cleanly() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("s.db");
        let s = Store::open(&path).expect("first open migrates");
        let v: i64 = s
            .run(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .await
            .expect("query");
        assert_eq!(v, MIGRATIONS.len() as i64, "all migrations are recorded in user_version");
        drop(s);
        Store::open(&path).expect("reopening an up-to-date file must not re-run migrations");
    }
}
