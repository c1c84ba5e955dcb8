//! Migrations on an empty file, idempotent reopen, durability settings, version guard.

use hcx_store::{LATEST_VERSION, Store, StoreError};
use rusqlite::Connection;

use crate::support::{PROFILE, TestDb};

fn schema_dump(path: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt =
        conn.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name").unwrap();
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn migrations_apply_to_an_empty_file_and_reopen_is_idempotent() {
    let db = TestDb::new();
    let store = db.with_profile();
    assert_eq!(
        store.schema_version().unwrap(),
        LATEST_VERSION,
        "a fresh file is migrated to the newest schema"
    );
    drop(store);
    let first = schema_dump(&db.path());
    assert!(
        first.iter().any(|(kind, name, _)| kind == "table" && name == "threads"),
        "the migration created the tables"
    );

    let store = db.open();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION, "reopening keeps the version");
    assert!(
        store.read().get_profile(PROFILE).unwrap().is_some(),
        "reopening must not reset data: migrations that already ran are skipped"
    );
    drop(store);
    assert_eq!(schema_dump(&db.path()), first, "a second open changes nothing in the schema");
}

#[test]
fn open_sets_durability_settings() {
    let db = TestDb::new();
    let store = db.open();
    let diagnostics = store.diagnostics().unwrap();
    assert_eq!(diagnostics.journal_mode, "wal", "WAL lets the UI read while a worker writes");
    assert_eq!(
        diagnostics.synchronous, "full",
        "FULL flushes each commit, so an acknowledged message survives a power cut"
    );
    assert!(
        diagnostics.fullfsync,
        "fullfsync makes macOS commits reach the disk, not just the drive's cache"
    );
    assert!(
        diagnostics.checkpoint_fullfsync,
        "WAL checkpoints copy committed pages into the main file and must be as durable"
    );
    assert!(diagnostics.foreign_keys, "foreign keys must be enforced on every connection");
    assert!(diagnostics.busy_timeout_ms > 0, "a second writer waits instead of failing at once");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(db.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the file holds patient data, so only the user may read it");
    }
}

#[test]
fn a_file_from_a_newer_console_is_refused_untouched() {
    let db = TestDb::new();
    drop(db.open());
    {
        let conn = Connection::open(db.path()).unwrap();
        conn.pragma_update(None, "user_version", LATEST_VERSION + 7).unwrap();
    }
    let before = schema_dump(&db.path());
    match Store::open(db.path()) {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!(found, LATEST_VERSION + 7, "the error reports the file's version");
            assert_eq!(supported, LATEST_VERSION, "and the newest this build knows");
        }
        other => panic!("an older console must refuse a newer schema, got {other:?}"),
    }
    assert_eq!(schema_dump(&db.path()), before, "refusing must not modify the file");
}

#[test]
fn version_2_messages_survive_the_dedupe_rebuild() {
    let db = TestDb::new();
    {
        let conn = Connection::open(db.path()).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_initial.sql")).unwrap();
        conn.execute_batch(include_str!("../../migrations/0002_onboarding.sql")).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO profiles (id, name, participant_code, environment, gateway_base_url, \
             dialect, created_at, updated_at) \
             VALUES ('p1', 'Clinic', 'hosp_1@x', 'sandbox', 'http://127.0.0.1:1', 'swasth', 0, 0); \
             INSERT INTO messages (id, profile_id, api_call_id, direction, correlation_id, action, \
             sender_code, raw_body, created_at) \
             VALUES (7, 'p1', 'api-old', 'in', 'corr-old', '/claim/on_submit', 'payr_1@x', '{}', 0);",
        )
        .unwrap();
    }
    let store = db.open();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION, "the old file is migrated");
    let kept = store.read().get_message(7).unwrap();
    assert_eq!(
        kept.as_ref().map(|m| (m.api_call_id.as_str(), m.rejected_reason.clone())),
        Some(("api-old", None)),
        "the rebuild keeps every message with its id, and none is marked rejected"
    );
    let indexes: Vec<String> = schema_dump(&db.path())
        .into_iter()
        .filter(|(kind, _, sql)| {
            kind == "index" && sql.as_deref().is_some_and(|s| s.contains(" messages "))
        })
        .map(|(_, name, _)| name)
        .collect();
    assert!(
        indexes.contains(&"messages_by_thread".to_owned())
            && indexes.contains(&"messages_dedupe".to_owned()),
        "the timeline index is kept and the new dedupe key exists: {indexes:?}"
    );
}
