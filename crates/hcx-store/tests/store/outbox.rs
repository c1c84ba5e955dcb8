//! Outbox: due-order claims, backoff, permanent failure, kill -9 recovery, two workers.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chrono::TimeDelta;
use hcx_store::{MessageDirection, NewOutboxItem, OutboxState, RetryPolicy, Store, StoreError};

use crate::support::{PROFILE, TestDb, at, message, t0};

fn item(api_call_id: &str, due_seconds: i64) -> NewOutboxItem {
    NewOutboxItem {
        profile_id: PROFILE.to_owned(),
        api_call_id: api_call_id.to_owned(),
        correlation_id: Some("corr-1".to_owned()),
        action: "/coverageeligibility/check".to_owned(),
        recipient_code: "payr_star_654321@swasth-hcx-dev".to_owned(),
        body: r#"{"payload":"jwe"}"#.to_owned(),
        next_try_at: at(due_seconds),
        created_at: t0(),
    }
}

fn claim(store: &mut Store, now_seconds: i64) -> Option<String> {
    store.write(|w| w.claim_next_outbox(at(now_seconds))).unwrap().map(|i| i.api_call_id)
}

#[test]
fn claims_take_the_most_overdue_row_and_skip_rows_not_yet_due() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    store
        .write(|w| {
            w.enqueue_outbox(&item("late", 10))?;
            w.enqueue_outbox(&item("now", 0))?;
            w.enqueue_outbox(&item("soon", 5))
        })
        .unwrap();
    assert_eq!(claim(&mut store, 0).as_deref(), Some("now"), "the due row is claimed first");
    assert_eq!(claim(&mut store, 0), None, "rows due later are not claimed early");
    assert_eq!(claim(&mut store, 20).as_deref(), Some("soon"), "then the most overdue row");
    assert_eq!(claim(&mut store, 20).as_deref(), Some("late"), "then the next");
    assert_eq!(claim(&mut store, 20), None, "a claimed row is never handed out twice");
    assert_eq!(store.read().next_outbox_due().unwrap(), None, "nothing is queued any more");
}

#[test]
fn retryable_failures_back_off_and_finally_fail() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let id = store.write(|w| w.enqueue_outbox(&item("a", 0))).unwrap();
    let policy = RetryPolicy {
        base_delay: TimeDelta::seconds(5),
        max_delay: TimeDelta::minutes(1),
        max_attempts: 3,
    };

    assert_eq!(claim(&mut store, 0).as_deref(), Some("a"), "attempt 1");
    let state = store.write(|w| w.record_outbox_failure(id, "timeout", at(0), &policy)).unwrap();
    assert_eq!(state, OutboxState::Queued, "a retryable failure puts the row back in the queue");
    let row = store.read().get_outbox_item(id).unwrap().unwrap();
    assert_eq!(row.next_try_at, at(5), "the first retry waits the base delay");
    assert_eq!(row.last_error.as_deref(), Some("timeout"), "the failure is kept for the UI");
    assert_eq!(claim(&mut store, 4), None, "not retried before its backoff ends");

    assert_eq!(claim(&mut store, 5).as_deref(), Some("a"), "attempt 2 after 5 s");
    store.write(|w| w.record_outbox_failure(id, "502", at(5), &policy)).unwrap();
    assert_eq!(
        store.read().get_outbox_item(id).unwrap().unwrap().next_try_at,
        at(15),
        "the second retry waits twice as long"
    );

    assert_eq!(claim(&mut store, 15).as_deref(), Some("a"), "attempt 3");
    let state = store.write(|w| w.record_outbox_failure(id, "502", at(15), &policy)).unwrap();
    assert_eq!(state, OutboxState::Failed, "after max_attempts the row waits for the operator");
    assert_eq!(claim(&mut store, 10_000), None, "a failed row is not retried automatically");
    let failed = store.read().list_outbox(PROFILE, Some(OutboxState::Failed)).unwrap();
    assert_eq!(failed.len(), 1, "the failed row is listed for the operator");
    assert_eq!(failed[0].attempts, 3, "each claim counted as an attempt");

    store.write(|w| w.retry_failed_outbox(id, at(100))).unwrap();
    assert_eq!(claim(&mut store, 100).as_deref(), Some("a"), "the operator's retry re-queues it");
    store.write(|w| w.mark_outbox_sent(id, at(101))).unwrap();
    assert_eq!(
        store.read().get_outbox_item(id).unwrap().unwrap().state,
        OutboxState::Sent,
        "a successful send is final"
    );
}

#[test]
fn only_claimed_rows_can_be_completed() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let id = store.write(|w| w.enqueue_outbox(&item("a", 0))).unwrap();
    let result = store.write(|w| w.mark_outbox_sent(id, at(1)));
    assert!(
        matches!(result, Err(StoreError::OutboxState { expected: "sending", .. })),
        "marking an unclaimed row sent would hide that it was never sent, got {result:?}"
    );
    let missing = store.write(|w| w.fail_outbox(4242, "x", at(1)));
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "an unknown row is a typed error, got {missing:?}"
    );
}

const CRASH_CHILD: &str = "HCX_STORE_CRASH_CHILD_DB";
const CLAIMED_MARKER: &str = "HCX-CRASH-CHILD-CLAIMED";

/// The child half runs in a separate process that the parent kills with SIGKILL while it
/// holds a claimed row, exactly like `kill -9` on the console.
#[test]
fn a_claim_interrupted_by_kill_9_is_recovered_after_reopen() {
    if let Ok(path) = std::env::var(CRASH_CHILD) {
        let mut store = Store::open(&path).unwrap();
        let claimed = store.write(|w| w.claim_next_outbox(at(0))).unwrap();
        assert!(claimed.is_some(), "the child must claim the queued row");
        let msg = message("api-before-kill", MessageDirection::In, "corr-k");
        store.write(|w| w.insert_message(&msg)).unwrap();
        println!("{CLAIMED_MARKER}");
        std::thread::sleep(std::time::Duration::from_secs(120));
        panic!("the parent should have killed this process");
    }

    let db = TestDb::new();
    let mut store = db.with_profile();
    let id = store.write(|w| w.enqueue_outbox(&item("a", 0))).unwrap();
    drop(store);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "outbox::a_claim_interrupted_by_kill_9_is_recovered_after_reopen"])
        .args(["--nocapture", "--test-threads=1"])
        .env(CRASH_CHILD, db.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // libtest prints "test <name> ... " without a newline before running it, so the marker
    // may share a line with that prefix.
    let claimed =
        BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.ends_with(CLAIMED_MARKER));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(claimed, "the child must report its claim before being killed");
    assert!(!status.success(), "the child was killed, not allowed to finish");

    let mut store = db.open();
    assert!(
        store
            .read()
            .find_message(
                PROFILE,
                MessageDirection::In,
                message("api-before-kill", MessageDirection::In, "corr-k").sender_code.as_deref(),
                "api-before-kill"
            )
            .unwrap()
            .is_some(),
        "a message committed before the kill is in the file afterwards"
    );
    let row = store.read().get_outbox_item(id).unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Sending, "the killed worker's claim is still recorded");
    assert_eq!(claim(&mut store, 0), None, "a row in 'sending' is not claimed again on its own");
    let recovered = store.write(|w| w.recover_interrupted_outbox(at(1))).unwrap();
    assert_eq!(recovered, 1, "startup recovery re-queues the interrupted row");
    let again = store.write(|w| w.claim_next_outbox(at(1))).unwrap().unwrap();
    assert_eq!(again.id, id, "the interrupted call is retried, not lost");
    assert_eq!(again.attempts, 2, "the interrupted attempt still counts");
    assert_eq!(
        again.last_error.as_deref(),
        Some("interrupted while sending"),
        "the UI can tell why it was retried"
    );
}

#[test]
fn two_workers_on_two_connections_never_claim_the_same_row() {
    const ROWS: usize = 200;
    let db = TestDb::new();
    let mut store = db.with_profile();
    store
        .write(|w| {
            for n in 0..ROWS {
                w.enqueue_outbox(&item(&format!("call-{n}"), 0))?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    drop(store);

    let workers: Vec<_> = (0..2)
        .map(|_| {
            let path = db.path();
            std::thread::spawn(move || {
                let mut store = Store::open(path).unwrap();
                let mut claimed = Vec::new();
                while let Some(row) = store.write(|w| w.claim_next_outbox(at(0))).unwrap() {
                    store.write(|w| w.mark_outbox_sent(row.id, at(1))).unwrap();
                    claimed.push(row.id);
                }
                claimed
            })
        })
        .collect();
    let results: Vec<Vec<i64>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let total: usize = results.iter().map(Vec::len).sum();
    let unique: HashSet<i64> = results.iter().flatten().copied().collect();
    assert_eq!(total, ROWS, "every row is claimed exactly once in total, got {total} claims");
    assert_eq!(unique.len(), ROWS, "no row was claimed by both workers");
}
