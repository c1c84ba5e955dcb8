//! Audit chain: append-only triggers, keyed tamper detection on the file, the unkeyed prefix of
//! older files, and no key bytes in the file.

use hcx_store::{
    AUDIT_KEY_LEN, AuditFilter, AuditKey, AuditScheme, AuditVerdict, ChainBreak, GENESIS_HASH,
    NewAuditEntry, Store,
};
use rusqlite::Connection;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::{PROFILE, TestDb, at, profile_fields, t0};

const KEY_HEX: &str = "7f3a9c1e5b2d4f6081a3c5e7092b4d6f8a1c3e5f7092b4d6f8a1c3e5f7092b4d";

fn key() -> AuditKey {
    AuditKey::from_hex(KEY_HEX).unwrap()
}

/// Opens the file and hands over the profile's key, as the console does.
fn open_keyed(db: &TestDb) -> Store {
    let mut store = db.open();
    store.set_audit_key(Some(PROFILE), key());
    store
}

fn entry(n: i64) -> NewAuditEntry {
    NewAuditEntry {
        at: at(n),
        profile_id: Some(PROFILE.to_owned()),
        correlation_id: Some(if n % 2 == 0 { "corr-even" } else { "corr-odd" }.to_owned()),
        actor: "operator".to_owned(),
        event: "claim.submitted".to_owned(),
        details: json!({"n": n, "amount": "1500.00"}),
    }
}

/// A file with profile p1 and five keyed entries (ids 1 to 5).
fn five_entries() -> TestDb {
    let db = TestDb::new();
    let mut store = open_keyed(&db);
    store.write(|w| w.insert_profile(PROFILE, &profile_fields(), t0())).unwrap();
    for n in 0..5 {
        store.write(|w| w.append_audit(&entry(n))).unwrap();
    }
    db
}

fn verdict(db: &TestDb) -> AuditVerdict {
    open_keyed(db).verify_audit_chain(Some(PROFILE)).unwrap()
}

fn tamper(db: &TestDb, sql: &str) {
    let conn = Connection::open(db.path()).unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; {sql}"
    ))
    .unwrap();
}

fn broken_at(verdict: &AuditVerdict) -> Option<i64> {
    match verdict {
        AuditVerdict::Broken { entry_id, .. } => Some(*entry_id),
        AuditVerdict::Intact { .. } => None,
    }
}

/// What an attacker without the key does: a plain SHA-256 over exactly what the keyed hash
/// covers (`prefix`, the previous hash, the canonical row); the format is public.
fn plain_hash_with(prefix: &[u8], prev: &str, row: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prefix);
    hasher.update(prev.as_bytes());
    hasher.update(b"\n");
    hasher.update(row.to_string().as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The unkeyed scheme of older files.
fn plain_hash(prev: &str, row: &serde_json::Value) -> String {
    plain_hash_with(b"", prev, row)
}

/// id, at, profile_id, correlation_id, actor, event, details_json, scheme.
type StoredRow = (i64, i64, Option<String>, Option<String>, String, String, String, String);

/// Rewrites every row's `prev_hash`/`hash` as a consistent plain SHA-256 chain, optionally
/// also relabelling every row as unkeyed (a downgrade).
fn recompute_plain_chain(db: &TestDb, relabel_unkeyed: bool) {
    tamper(db, "");
    let conn = Connection::open(db.path()).unwrap();
    let rows: Vec<StoredRow> = {
        let mut stmt = conn
            .prepare(
                "SELECT id, at, profile_id, correlation_id, actor, event, details_json, scheme \
                 FROM audit_log ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let mut prev = GENESIS_HASH.to_owned();
    for (id, at_ms, profile, corr, actor, event, details, scheme) in rows {
        let scheme = if relabel_unkeyed { "sha256".to_owned() } else { scheme };
        let mut fields = vec![
            json!(id),
            json!(at_ms),
            json!(profile),
            json!(corr),
            json!(actor),
            json!(event),
            json!(details),
        ];
        let prefix: &[u8] = if relabel_unkeyed { b"" } else { b"hcx-audit-v2\n" };
        if !relabel_unkeyed {
            fields.push(json!(scheme));
        }
        let hash = plain_hash_with(prefix, &prev, &serde_json::Value::Array(fields));
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?1, hash = ?2, scheme = ?3 WHERE id = ?4",
            rusqlite::params![prev, hash, scheme, id],
        )
        .unwrap();
        prev = hash;
    }
}

#[test]
fn an_untouched_chain_verifies_after_reopen() {
    let db = five_entries();
    let head = open_keyed(&db)
        .read()
        .list_audit(&AuditFilter::default())
        .unwrap()
        .last()
        .unwrap()
        .hash
        .clone();
    assert_eq!(
        verdict(&db),
        AuditVerdict::Intact { entries: 5, head_hash: head },
        "five appended entries verify, and the head hash is the newest entry's"
    );
    let even = open_keyed(&db)
        .read()
        .list_audit(&AuditFilter {
            correlation_id: Some("corr-even".to_owned()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(even.len(), 3, "entries can be exported per cycle");
    assert!(
        even.iter().all(|e| e.scheme == AuditScheme::HmacSha256),
        "every entry of a new file is keyed"
    );
}

#[test]
fn verifying_without_the_key_is_refused_not_guessed() {
    let db = five_entries();
    let store = db.open();
    assert!(
        store.verify_audit_chain(Some(PROFILE)).is_err(),
        "without the key the store cannot say the chain is intact"
    );
}

#[test]
fn triggers_forbid_update_and_delete() {
    let db = five_entries();
    let conn = Connection::open(db.path()).unwrap();
    let update = conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 2", []);
    assert!(
        update.is_err_and(|e| e.to_string().contains("append-only")),
        "an UPDATE on the audit log must be refused by the trigger"
    );
    let delete = conn.execute("DELETE FROM audit_log WHERE id = 5", []);
    assert!(delete.is_err(), "a DELETE on the audit log must be refused by the trigger");
    let legacy = conn.execute("UPDATE audit_legacy SET last_id = 99", []);
    assert!(legacy.is_err(), "the unkeyed prefix's boundary is written once");
}

#[test]
fn editing_any_stored_field_is_detected() {
    let edits = [
        ("at", "UPDATE audit_log SET at = at + 1 WHERE id = 3"),
        ("profile_id", "UPDATE audit_log SET profile_id = 'p2' WHERE id = 3"),
        ("correlation_id", "UPDATE audit_log SET correlation_id = 'other' WHERE id = 3"),
        ("actor", "UPDATE audit_log SET actor = 'mallory' WHERE id = 3"),
        ("event", "UPDATE audit_log SET event = 'claim.withdrawn' WHERE id = 3"),
        (
            "details_json",
            "UPDATE audit_log SET details_json = '{\"amount\":\"9999.00\",\"n\":2}' WHERE id = 3",
        ),
        ("scheme", "UPDATE audit_log SET scheme = 'sha256' WHERE id = 3"),
        ("prev_hash", "UPDATE audit_log SET prev_hash = hash WHERE id = 3"),
        ("hash", "UPDATE audit_log SET hash = 'forged' WHERE id = 3"),
        ("id", "UPDATE audit_log SET id = 30 WHERE id = 3"),
    ];
    for (field, sql) in edits {
        let db = five_entries();
        tamper(&db, sql);
        let found = broken_at(&verdict(&db));
        assert!(
            matches!(found, Some(3 | 4 | 30)),
            "editing {field} of entry 3 must break the chain at that entry or the next one, \
             got {found:?}"
        );
    }
}

#[test]
fn deleting_a_middle_entry_is_detected() {
    let db = five_entries();
    tamper(&db, "DELETE FROM audit_log WHERE id = 2;");
    match verdict(&db) {
        AuditVerdict::Broken { entry_id, at: when, event, reason: ChainBreak::Link { .. } } => {
            assert_eq!(entry_id, 3, "the entry after the gap no longer links to its predecessor");
            assert_eq!(when, Some(at(2)), "the report names the entry's time");
            assert_eq!(event, "claim.submitted", "the report names the entry's event");
        }
        other => panic!("deleting an entry must break the chain, got {other:?}"),
    }
}

#[test]
fn a_plain_sha256_chain_recomputed_over_edited_rows_is_detected() {
    let db = five_entries();
    tamper(
        &db,
        "UPDATE audit_log SET details_json = '{\"amount\":\"1.00\",\"n\":1}' WHERE id = 2;",
    );
    recompute_plain_chain(&db, false);
    match verdict(&db) {
        AuditVerdict::Broken { entry_id, reason: ChainBreak::Content { .. }, .. } => {
            assert_eq!(entry_id, 1, "no entry hashed without the key passes as keyed");
        }
        other => panic!("a chain recomputed without the key must not verify, got {other:?}"),
    }
}

#[test]
fn relabelling_keyed_entries_as_unkeyed_is_detected() {
    let db = five_entries();
    tamper(&db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2;");
    recompute_plain_chain(&db, true);
    match verdict(&db) {
        AuditVerdict::Broken {
            entry_id,
            reason: ChainBreak::Scheme { legacy_last_id, .. },
            ..
        } => {
            assert_eq!(entry_id, 1, "the first relabelled entry is reported");
            assert_eq!(legacy_last_id, 0, "a file keyed from the start has no unkeyed prefix");
        }
        other => panic!("an unkeyed entry after the prefix is a downgrade, got {other:?}"),
    }
}

#[test]
fn the_key_never_reaches_the_database_files() {
    let db = five_entries();
    let key_bytes: Vec<u8> = (0..AUDIT_KEY_LEN)
        .map(|i| u8::from_str_radix(&KEY_HEX[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    let needles: [(&str, Vec<u8>); 3] = [
        ("raw bytes", key_bytes),
        ("hex", KEY_HEX.as_bytes().to_vec()),
        ("upper-case hex", KEY_HEX.to_ascii_uppercase().into_bytes()),
    ];
    let mut scanned = 0;
    for entry in std::fs::read_dir(db.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        scanned += bytes.len();
        for (what, needle) in &needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "the audit key ({what}) must never be written to {}",
                path.display()
            );
        }
    }
    assert!(scanned > 4096, "the scan must see the database and its WAL, saw {scanned} bytes");
}

/// A database as the previous release left it: schema version 2 with an unkeyed chain.
fn legacy_file(db: &TestDb) -> Vec<String> {
    let conn = Connection::open(db.path()).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(include_str!("../../migrations/0001_initial.sql")).unwrap();
    conn.execute_batch(include_str!("../../migrations/0002_onboarding.sql")).unwrap();
    conn.pragma_update(None, "user_version", 2).unwrap();
    let mut prev = GENESIS_HASH.to_owned();
    let mut hashes = Vec::new();
    for id in 1..=3_i64 {
        let at_ms = t0().timestamp_millis() + id;
        let row = json!([id, at_ms, PROFILE, null, "operator", "profile.added", "{}"]);
        let hash = plain_hash(&prev, &row);
        conn.execute(
            "INSERT INTO audit_log (id, at, profile_id, correlation_id, actor, event, \
             details_json, prev_hash, hash) VALUES (?1, ?2, ?3, NULL, 'operator', \
             'profile.added', '{}', ?4, ?5)",
            rusqlite::params![id, at_ms, PROFILE, prev, hash],
        )
        .unwrap();
        hashes.push(hash.clone());
        prev = hash;
    }
    hashes
}

#[test]
fn an_older_files_unkeyed_entries_stay_verifiable_as_a_prefix() {
    let db = TestDb::new();
    let legacy = legacy_file(&db);
    let mut store = open_keyed(&db);
    assert_eq!(store.read().audit_legacy_last_id().unwrap(), 3, "the migration marked the prefix");
    let first_keyed = store.write(|w| w.append_audit(&entry(10))).unwrap();
    assert_eq!(
        first_keyed.prev_hash, legacy[2],
        "the first keyed entry links to the old head, putting the prefix under the key"
    );
    let old = store.read().list_audit(&AuditFilter::default()).unwrap();
    assert_eq!(old[0].scheme, AuditScheme::Sha256, "old entries keep their scheme");
    assert_eq!(
        store.verify_audit_chain(Some(PROFILE)).unwrap(),
        AuditVerdict::Intact { entries: 4, head_hash: first_keyed.hash.clone() },
        "three unkeyed entries and one keyed verify together"
    );
    drop(store);

    // Rewriting an old entry and recomputing the whole unkeyed prefix is caught by the keyed
    // entry that pinned the old head.
    tamper(&db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2;");
    {
        let conn = Connection::open(db.path()).unwrap();
        let mut prev = GENESIS_HASH.to_owned();
        for id in 1..=3_i64 {
            let (at_ms, actor): (i64, String) = conn
                .query_row("SELECT at, actor FROM audit_log WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            let row = json!([id, at_ms, PROFILE, null, actor, "profile.added", "{}"]);
            let hash = plain_hash(&prev, &row);
            conn.execute(
                "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE id = ?3",
                rusqlite::params![prev, hash, id],
            )
            .unwrap();
            prev = hash;
        }
    }
    match verdict(&db) {
        AuditVerdict::Broken { entry_id, reason: ChainBreak::Link { .. }, .. } => {
            assert_eq!(entry_id, 4, "the first keyed entry no longer links to the prefix");
        }
        other => panic!("a rewritten unkeyed prefix must be detected, got {other:?}"),
    }
}

#[test]
fn an_exported_log_verifies_after_a_json_round_trip_and_edits_in_it_are_caught() {
    let db = five_entries();
    let store = open_keyed(&db);
    let entries = store.read().list_audit(&AuditFilter::default()).unwrap();
    let legacy_last_id = store.read().audit_legacy_last_id().unwrap();
    let exported = serde_json::to_string(&entries).unwrap();
    let mut imported: Vec<hcx_store::AuditEntry> = serde_json::from_str(&exported).unwrap();
    assert_eq!(
        hcx_store::verify_entries(&imported, Some(PROFILE), legacy_last_id, &key()).unwrap(),
        store.verify_audit_chain(Some(PROFILE)).unwrap(),
        "an export read back verifies exactly like the file it came from"
    );
    imported[1].details["amount"] = json!("1.00");
    assert_eq!(
        broken_at(
            &hcx_store::verify_entries(&imported, Some(PROFILE), legacy_last_id, &key()).unwrap()
        ),
        Some(2),
        "an edit made in the exported file is caught at that entry"
    );
}
