//! The console's SQLite store: migrations, profiles, registry cache, workflows, threads,
//! messages, outbox, bridge cursor, dead letters, audit log, drafts and onboarding.
//!
//! **Owns:** every SQL statement of the console (none may live elsewhere), the schema and its
//! numbered forward-only migrations, durability settings (WAL, `synchronous=FULL`, `fullfsync`), ingest
//! dedupe by `api_call_id`, the outbox's atomic claim, and the keyed audit chain.
//!
//! **Must not:** hold secrets (private keys, passwords and tokens live in the OS keychain via
//! `hcx-keys`; a test fails if a secret-looking column appears), know the HCX wire format
//! (protocol values are stored as the strings and JSON seen on the wire; `hcx-protocol`
//! interprets them), read the keychain (the audit log's HMAC keys are handed in by the console
//! with [`Store::set_audit_key`] and held in memory only, in zeroizing [`AuditKey`]s), read the
//! clock (every write takes its time as an argument), or store
//! money as floating point (amounts are exact `rust_decimal` text).
//!
//! Access pattern: reads go through [`Store::read`] (`&self`); writes go through
//! [`Store::write`], which runs a closure in one `BEGIN IMMEDIATE` transaction, so several
//! typed operations (store a message, update its thread, append to the audit log) commit or
//! roll back together. One module per table adds its methods to [`Reader`] and [`Writer`].

mod audit;
mod bridge_cursor;
mod dead_letters;
mod drafts;
mod error;
mod messages;
mod migrate;
mod onboarding;
mod outbox;
mod profiles;
mod registry_cache;
mod threads;
mod values;
mod workflows;

use std::ops::Deref;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use audit::{
    AUDIT_KEY_LEN, AuditEntry, AuditFilter, AuditKey, AuditScheme, AuditVerdict, ChainBreak,
    GENESIS_HASH, NewAuditEntry, verify_entries,
};
pub use dead_letters::{AttemptState, DeadBody, DeadLetter, EnvelopeAttempt};
pub use drafts::Draft;
pub use error::{Result, StoreError};
pub use messages::{Delivery, InsertOutcome, Message, NewMessage, TimelineEntry, TimelineOutbox};
pub use migrate::LATEST_VERSION;
pub use onboarding::{LoginKind, Onboarding};
pub use outbox::{NewOutboxItem, OutboxItem, RetryPolicy};
pub use profiles::{Profile, ProfileFields};
pub use registry_cache::RegistryEntry;
pub use threads::{
    AmountField, AmountRange, AmountUpdate, NewThread, Thread, ThreadFilter, ThreadTimeline,
};
pub use values::{
    Dialect, Environment, MessageDirection, OutboxState, ThreadDirection, ThreadState, UseCase,
};
pub use workflows::{Ledger, Workflow, WorkflowCycles};

/// How long a connection waits for another connection's write lock before failing with
/// "database is locked". Writes are short, so this is only reached when something is stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection to the console's database.
///
/// A `Store` is `Send` but not `Sync`: give each worker its own `Store` on the same file (WAL
/// lets readers and one writer proceed together) or share one behind a mutex.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The audit chains' keys, handed over by the console; memory only (see `audit`).
    audit_keys: audit::AuditKeys,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    ///
    /// Settings: WAL journaling, `synchronous=FULL` (a message we acknowledged survives a power
    /// cut, not just a crash), `fullfsync` for commits and checkpoints (the same on macOS), foreign keys on, a busy timeout, and on Unix file mode 0600
    /// because the file holds patient data.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal(mode));
        }
        restrict_permissions(path)?;
        Self::configure(conn)
    }

    /// A private in-memory database with the full schema, for unit tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(mut conn: Connection) -> Result<Self> {
        // On macOS fsync() only hands the data to the drive, whose cache may still lose it on
        // power loss; fullfsync makes SQLite use F_FULLFSYNC for commits and WAL checkpoints, so
        // `synchronous=FULL` means on the platter there too. Other platforms accept and ignore
        // both settings.
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA fullfsync = ON; \
             PRAGMA checkpoint_fullfsync = ON; PRAGMA foreign_keys = ON;",
        )?;
        values::register_functions(&conn)?;
        migrate::migrate(&mut conn)?;
        Ok(Self { conn, audit_keys: audit::AuditKeys::default() })
    }

    /// The schema version (`PRAGMA user_version`) of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        migrate::user_version(&self.conn)
    }

    /// The connection's durability and schema settings, for the diagnostics screen and for
    /// tests that check `open` set them.
    pub fn diagnostics(&self) -> Result<StoreDiagnostics> {
        let pragma_text = |name: &str| -> Result<String> {
            Ok(self.conn.query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))?)
        };
        let pragma_int = |name: &str| -> Result<i64> {
            Ok(self.conn.query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))?)
        };
        let synchronous = match pragma_int("synchronous")? {
            0 => "off",
            1 => "normal",
            2 => "full",
            3 => "extra",
            _ => "unknown",
        };
        Ok(StoreDiagnostics {
            journal_mode: pragma_text("journal_mode")?.to_ascii_lowercase(),
            synchronous: synchronous.to_owned(),
            fullfsync: pragma_int("fullfsync")? == 1,
            checkpoint_fullfsync: pragma_int("checkpoint_fullfsync")? == 1,
            foreign_keys: pragma_int("foreign_keys")? == 1,
            busy_timeout_ms: pragma_int("busy_timeout")?,
            schema_version: self.schema_version()?,
        })
    }

    /// Read access.
    pub fn read(&self) -> Reader<'_> {
        Reader { conn: &self.conn }
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: it commits when `f` returns `Ok` and
    /// rolls back otherwise. IMMEDIATE takes the write lock up front, so a read followed by a
    /// write inside `f` (claim the next outbox row, chain the next audit entry) cannot race
    /// another connection.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(&Writer { reader: Reader { conn: &tx }, audit_keys: &self.audit_keys })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }
}

/// What [`Store::diagnostics`] reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreDiagnostics {
    /// `wal` for a file database, `memory` in memory.
    pub journal_mode: String,
    /// `full` when every commit is flushed to disk.
    pub synchronous: String,
    /// Whether commits use `F_FULLFSYNC` (effective on macOS).
    pub fullfsync: bool,
    /// Whether WAL checkpoints use `F_FULLFSYNC` (effective on macOS).
    pub checkpoint_fullfsync: bool,
    /// Whether foreign keys are enforced.
    pub foreign_keys: bool,
    /// How long a writer waits for the lock.
    pub busy_timeout_ms: i64,
    /// `PRAGMA user_version`.
    pub schema_version: u32,
}

/// Read-only operations; every table module adds its queries here.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'c> {
    conn: &'c Connection,
}

/// Operations inside a write transaction; every table module adds its writes here. It also
/// dereferences to [`Reader`], so a transaction can read what it is about to change.
#[derive(Debug)]
pub struct Writer<'c> {
    reader: Reader<'c>,
    audit_keys: &'c audit::AuditKeys,
}

impl<'c> Deref for Writer<'c> {
    type Target = Reader<'c>;

    fn deref(&self) -> &Reader<'c> {
        &self.reader
    }
}

impl<'c> Writer<'c> {
    fn conn(&self) -> &'c Connection {
        self.reader.conn
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|source| StoreError::Permissions { path: path.display().to_string(), source })
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> Result<()> {
    // On Windows the per-user profile directory's ACL already keeps other users out.
    Ok(())
}
