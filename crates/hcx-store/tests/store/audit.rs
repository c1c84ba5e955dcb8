//! Audit chain: append-only triggers and tamper detection on the file.

use hcx_store::{AuditFilter, AuditVerdict, ChainBreak, NewAuditEntry, Store};
use rusqlite::Connection;
use serde_json::json;

use crate::support::{PROFILE, TestDb, at};

fn append_five(store: &mut Store) {
    for n in 0..5 {
        let entry = NewAuditEntry {
            at: at(n),
            profile_id: Some(PROFILE.to_owned()),
            correlation_id: Some(if n % 2 == 0 { "corr-even" } else { "corr-odd" }.to_owned()),
            actor: "operator".to_owned(),
            event: "claim.submitted".to_owned(),
            details: json!({"n": n, "amount": "1500.00"}),
        };
        store.write(|w| w.append_audit(&entry)).unwrap();
    }
}

fn verdict(db: &TestDb) -> AuditVerdict {
    db.open().read().verify_audit_chain().unwrap()
}

#[test]
fn an_untouched_chain_verifies_after_reopen() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    append_five(&mut store);
    let head =
        store.read().list_audit(&AuditFilter::default()).unwrap().last().unwrap().hash.clone();
    drop(store);
    assert_eq!(
        verdict(&db),
        AuditVerdict::Intact { entries: 5, head_hash: head },
        "five appended entries verify, and the head hash is the newest entry's"
    );
    let store = db.open();
    let even = store
        .read()
        .list_audit(&AuditFilter {
            correlation_id: Some("corr-even".to_owned()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(even.len(), 3, "entries can be exported per cycle");
}

#[test]
fn triggers_forbid_update_and_delete() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    append_five(&mut store);
    drop(store);
    let conn = Connection::open(db.path()).unwrap();
    let update = conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 2", []);
    assert!(
        update.is_err_and(|e| e.to_string().contains("append-only")),
        "an UPDATE on the audit log must be refused by the trigger"
    );
    let delete = conn.execute("DELETE FROM audit_log WHERE id = 5", []);
    assert!(delete.is_err(), "a DELETE on the audit log must be refused by the trigger");
}

#[test]
fn editing_an_entry_is_detected() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    append_five(&mut store);
    drop(store);
    {
        let conn = Connection::open(db.path()).unwrap();
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update; \
             UPDATE audit_log SET details_json = '{\"amount\":\"9999.00\",\"n\":2}' WHERE id = 3;",
        )
        .unwrap();
    }
    match verdict(&db) {
        AuditVerdict::Broken { entry_id, reason: ChainBreak::Content { .. } } => {
            assert_eq!(entry_id, 3, "the edited entry is the one reported");
        }
        other => panic!("changing an entry's details must break its hash, got {other:?}"),
    }
}

#[test]
fn removing_an_entry_is_detected() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    append_five(&mut store);
    drop(store);
    {
        let conn = Connection::open(db.path()).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 2;")
            .unwrap();
    }
    match verdict(&db) {
        AuditVerdict::Broken { entry_id, reason: ChainBreak::Link { .. } } => {
            assert_eq!(entry_id, 3, "the entry after the gap no longer links to its predecessor");
        }
        other => panic!("deleting an entry must break the chain, got {other:?}"),
    }
}

#[test]
fn rewriting_an_entry_with_a_recomputed_hash_is_detected_at_the_next_link() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    append_five(&mut store);
    drop(store);
    {
        // A careful forger changes entry 2 and stores a fresh hash for it; entry 3 still
        // points at the old hash.
        let conn = Connection::open(db.path()).unwrap();
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update; \
             UPDATE audit_log SET actor = 'mallory', hash = 'forged' WHERE id = 2;",
        )
        .unwrap();
    }
    match verdict(&db) {
        AuditVerdict::Broken { entry_id, .. } => {
            assert_eq!(entry_id, 2, "the rewritten entry fails first");
        }
        other => panic!("a rewritten entry must be detected, got {other:?}"),
    }
}
