//! Thread state transitions, exact amounts and ledgers, filters and search, the TPA inbox, the
//! timeline and a workflow's cycles.

use chrono::TimeDelta;
use hcx_store::{
    AmountField, AmountRange, AmountUpdate, Delivery, MessageDirection, NewOutboxItem,
    RegistryEntry, Store, StoreError, ThreadDirection, ThreadFilter, ThreadState, UseCase,
};
use rusqlite::Connection;

use crate::support::{PROFILE, TestDb, at, dec, message, t0, thread};

fn state_of(store: &Store, correlation_id: &str) -> ThreadState {
    store.read().get_thread(PROFILE, correlation_id).unwrap().unwrap().state
}

#[test]
fn transitions_are_checked_and_closing_is_recorded() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let new = thread("c1", UseCase::Claim, ThreadState::Queued);
    assert!(store.write(|w| w.insert_thread(&new)).unwrap(), "the first insert creates it");
    let mut again = new.clone();
    again.state = ThreadState::Received;
    assert!(!store.write(|w| w.insert_thread(&again)).unwrap(), "a second insert is a no-op");
    assert_eq!(state_of(&store, "c1"), ThreadState::Queued, "and does not overwrite the state");

    let previous =
        store.write(|w| w.set_thread_state(PROFILE, "c1", ThreadState::Sent, at(1))).unwrap();
    assert_eq!(previous, ThreadState::Queued, "the previous state is returned");
    store.write(|w| w.set_thread_state(PROFILE, "c1", ThreadState::Complete, at(2))).unwrap();
    let closed = store.read().get_thread(PROFILE, "c1").unwrap().unwrap();
    assert_eq!(closed.closed_at, Some(at(2)), "entering a closed state records when");

    let late_ack =
        store.write(|w| w.set_thread_state(PROFILE, "c1", ThreadState::Acknowledged, at(3)));
    match late_ack {
        Err(StoreError::InvalidTransition { from, to, .. }) => {
            assert_eq!(
                (from, to),
                (ThreadState::Complete, ThreadState::Acknowledged),
                "both ends named"
            );
        }
        other => panic!("a late 202 must not reopen a completed cycle, got {other:?}"),
    }
    assert_eq!(
        state_of(&store, "c1"),
        ThreadState::Complete,
        "a refused transition changes nothing"
    );

    store.write(|w| w.set_thread_state(PROFILE, "c1", ThreadState::Paid, at(4))).unwrap();
    let paid = store.read().get_thread(PROFILE, "c1").unwrap().unwrap();
    assert_eq!(paid.closed_at, Some(at(2)), "the cycle stays closed since its first close");
    assert_eq!(paid.updated_at, at(4), "but the change is visible in updated_at");

    store.write(|w| w.insert_thread(&thread("c2", UseCase::Preauth, ThreadState::Sent))).unwrap();
    store.write(|w| w.set_thread_state(PROFILE, "c2", ThreadState::Error, at(1))).unwrap();
    store.write(|w| w.set_thread_state(PROFILE, "c2", ThreadState::Queued, at(2))).unwrap();
    assert_eq!(
        store.read().get_thread(PROFILE, "c2").unwrap().unwrap().closed_at,
        None,
        "an error can be re-queued, and the thread is open"
    );

    let missing = store.write(|w| w.set_thread_state(PROFILE, "nope", ThreadState::Sent, at(1)));
    assert!(
        matches!(missing, Err(StoreError::NotFound { what: "thread", .. })),
        "an unknown thread is a typed error, got {missing:?}"
    );
}

#[test]
fn amounts_are_exact_decimals_and_the_ledger_adds_exactly() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let mut preauth = thread("pre", UseCase::Preauth, ThreadState::Complete);
    preauth.workflow_id = Some("wf-1".to_owned());
    preauth.requested_amount = Some(dec("50000.00"));
    let mut claim_a = thread("claim-a", UseCase::Claim, ThreadState::Complete);
    claim_a.workflow_id = Some("wf-1".to_owned());
    claim_a.opened_at = at(60);
    let mut claim_b = claim_a.clone();
    claim_b.correlation_id = "claim-b".to_owned();
    claim_b.opened_at = at(120);
    store
        .write(|w| {
            w.insert_thread(&preauth)?;
            w.insert_thread(&claim_a)?;
            w.insert_thread(&claim_b)?;
            w.set_thread_amounts(
                PROFILE,
                "pre",
                &AmountUpdate { approved: Some(dec("45000")), ..Default::default() },
                at(1),
            )?;
            w.set_thread_amounts(
                PROFILE,
                "claim-a",
                &AmountUpdate {
                    requested: Some(dec("0.1")),
                    approved: Some(dec("0.1")),
                    settled: Some(dec("0.1")),
                    excess: None,
                },
                at(2),
            )?;
            w.set_thread_amounts(
                PROFILE,
                "claim-b",
                &AmountUpdate {
                    requested: Some(dec("0.2")),
                    approved: Some(dec("0.2")),
                    settled: None,
                    excess: None,
                },
                at(3),
            )
        })
        .unwrap();

    let cycles = store.read().workflow_cycles(PROFILE, "wf-1").unwrap().unwrap();
    let order: Vec<&str> = cycles.threads.iter().map(|t| t.correlation_id.as_str()).collect();
    assert_eq!(order, ["pre", "claim-a", "claim-b"], "cycles are listed in the order they opened");
    assert_eq!(cycles.ledgers.len(), 1, "one currency, one ledger");
    let ledger = &cycles.ledgers[0];
    assert_eq!(
        ledger.billed,
        dec("0.3"),
        "0.1 + 0.2 is exactly 0.3 in decimal (floats give 0.30000000000000004)"
    );
    assert_eq!(ledger.approved, dec("0.3"), "approved claim amounts add exactly");
    assert_eq!(ledger.settled, dec("0.1"), "only the settled claim counts as settled");
    assert_eq!(
        ledger.preauth_requested,
        dec("50000.00"),
        "preauth money is kept apart from claims"
    );
    assert_eq!(ledger.preauth_approved, dec("45000"), "preauth approval is reported separately");
    assert_eq!(ledger.currency, "INR", "the ledger names its currency");

    // Values beyond f64's 15-16 significant digits survive unchanged, and the column is TEXT.
    let big = dec("12345678901234567.89");
    store
        .write(|w| {
            w.set_thread_amounts(
                PROFILE,
                "claim-b",
                &AmountUpdate { settled: Some(big), ..Default::default() },
                at(4),
            )
        })
        .unwrap();
    let read = store.read().get_thread(PROFILE, "claim-b").unwrap().unwrap();
    assert_eq!(read.settled_amount, Some(big), "a large amount reads back to the last paisa");
    assert_eq!(read.approved_amount, Some(dec("0.2")), "fields not in the update are untouched");
    drop(store);
    let conn = Connection::open(db.path()).unwrap();
    let (kind, text): (String, String) = conn
        .query_row(
            "SELECT typeof(settled_amount), settled_amount FROM threads WHERE correlation_id = 'claim-b'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("text", "12345678901234567.89"),
        "money is stored as decimal text"
    );

    let mut store = db.open();
    let negative = store.write(|w| {
        w.set_thread_amounts(
            PROFILE,
            "claim-a",
            &AmountUpdate { approved: Some(dec("-1")), ..Default::default() },
            at(5),
        )
    });
    assert!(
        matches!(negative, Err(StoreError::InvalidInput { .. })),
        "a negative amount is refused, got {negative:?}"
    );
}

/// Six threads with different states, use cases, counterparties, dates, amounts and labels.
fn seed_for_filters(store: &mut Store) {
    let rows = [
        (
            "corr-aaa",
            UseCase::Claim,
            ThreadState::Complete,
            "payer-1",
            0,
            Some("9.75"),
            Some("Ramesh Kumar"),
        ),
        (
            "corr-bbb",
            UseCase::Claim,
            ThreadState::Query,
            "payer-2",
            1,
            Some("10.5"),
            Some("Sita Devi"),
        ),
        (
            "corr-ccc",
            UseCase::Preauth,
            ThreadState::Acknowledged,
            "payer-1",
            2,
            Some("100"),
            Some("Ramesh K. (bed 50%)"),
        ),
        ("corr-ddd", UseCase::CoverageEligibility, ThreadState::Complete, "payer-3", 3, None, None),
        (
            "corr-eee",
            UseCase::Claim,
            ThreadState::Rejected,
            "payer-2",
            4,
            Some("2000.00"),
            Some("Anil"),
        ),
        (
            "corr-fff",
            UseCase::Preauth,
            ThreadState::Drafted,
            "payer-1",
            5,
            Some("0"),
            Some("Meera"),
        ),
    ];
    store
        .write(|w| {
            for (corr, use_case, state, payer, day, amount, label) in rows {
                let mut t = thread(corr, use_case, ThreadState::Drafted);
                t.counterparty_code = payer.to_owned();
                t.opened_at = t0() + TimeDelta::days(day);
                t.requested_amount = amount.map(dec);
                t.patient_label = label.map(str::to_owned);
                t.state = state;
                w.insert_thread(&t)?;
            }
            w.upsert_registry_entry(&RegistryEntry {
                profile_id: PROFILE.to_owned(),
                participant_code: "payer-2".to_owned(),
                participant_name: Some("Star Health Insurance".to_owned()),
                record: serde_json::json!({"participant_code": "payer-2"}),
                certificate_pem: None,
                fetched_at: t0(),
            })
        })
        .unwrap();
}

fn ids(store: &Store, filter: &ThreadFilter) -> Vec<String> {
    let mut found: Vec<String> =
        store.read().list_threads(filter).unwrap().into_iter().map(|t| t.correlation_id).collect();
    let count = store.read().count_threads(filter).unwrap();
    assert_eq!(
        count as usize,
        found.len(),
        "count_threads agrees with list_threads for {filter:?}"
    );
    found.sort();
    found
}

fn base() -> ThreadFilter {
    ThreadFilter { profile_id: PROFILE.to_owned(), ..ThreadFilter::default() }
}

#[test]
fn filters_and_search_select_the_right_threads() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    seed_for_filters(&mut store);

    assert_eq!(ids(&store, &base()).len(), 6, "no filter lists every thread of the profile");
    assert_eq!(
        ids(
            &store,
            &ThreadFilter { states: vec![ThreadState::Complete, ThreadState::Query], ..base() }
        ),
        ["corr-aaa", "corr-bbb", "corr-ddd"],
        "a state filter matches any of the listed states"
    );
    assert_eq!(
        ids(&store, &ThreadFilter { use_cases: vec![UseCase::Preauth], ..base() }),
        ["corr-ccc", "corr-fff"],
        "the use-case filter"
    );
    assert_eq!(
        ids(&store, &ThreadFilter { counterparty_code: Some("payer-2".to_owned()), ..base() }),
        ["corr-bbb", "corr-eee"],
        "the counterparty filter"
    );
    assert_eq!(
        ids(
            &store,
            &ThreadFilter {
                opened_from: Some(t0() + TimeDelta::days(1)),
                opened_before: Some(t0() + TimeDelta::days(3)),
                ..base()
            }
        ),
        ["corr-bbb", "corr-ccc"],
        "the date range includes its start and excludes its end"
    );
    assert_eq!(
        ids(
            &store,
            &ThreadFilter {
                amount: Some(AmountRange {
                    field: AmountField::Requested,
                    min: Some(dec("10")),
                    max: Some(dec("100"))
                }),
                ..base()
            }
        ),
        ["corr-bbb", "corr-ccc"],
        "amounts compare as decimals: 10.5 and 100 are in [10, 100], 9.75 is not (as text it would be)"
    );
    assert_eq!(
        ids(
            &store,
            &ThreadFilter {
                amount: Some(AmountRange {
                    field: AmountField::Requested,
                    min: None,
                    max: Some(dec("9.75"))
                }),
                ..base()
            }
        ),
        ["corr-aaa", "corr-fff"],
        "the upper bound is inclusive and threads without an amount are excluded"
    );
    let text = |t: &str| ids(&store, &ThreadFilter { text: Some(t.to_owned()), ..base() });
    assert_eq!(
        text("ramesh"),
        ["corr-aaa", "corr-ccc"],
        "text search matches patient labels, case-insensitively"
    );
    assert_eq!(text("bbb"), ["corr-bbb"], "text search matches part of the correlation id");
    assert_eq!(
        text("star health"),
        ["corr-bbb", "corr-eee"],
        "text search matches the counterparty's registry name"
    );
    assert_eq!(text("50%"), ["corr-ccc"], "a typed % is matched literally");
    assert_eq!(
        ids(
            &store,
            &ThreadFilter {
                text: Some("ramesh".to_owned()),
                states: vec![ThreadState::Complete],
                ..base()
            }
        ),
        ["corr-aaa"],
        "filters combine with AND"
    );

    let page =
        store.read().list_threads(&ThreadFilter { limit: Some(2), offset: 1, ..base() }).unwrap();
    assert_eq!(page.len(), 2, "paging returns at most the limit");
    let named = store.read().get_thread(PROFILE, "corr-bbb").unwrap().unwrap();
    assert_eq!(
        named.counterparty_name.as_deref(),
        Some("Star Health Insurance"),
        "threads carry the counterparty's name from the registry cache"
    );
    let other_profile =
        ThreadFilter { profile_id: "someone-else".to_owned(), ..ThreadFilter::default() };
    assert!(ids(&store, &other_profile).is_empty(), "profiles never see each other's threads");
}

#[test]
fn tpa_inbox_lists_incoming_requests_waiting_for_us_oldest_first() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let rows = [
        ("in-new", ThreadDirection::Incoming, ThreadState::Received, 3),
        ("in-old", ThreadDirection::Incoming, ThreadState::Received, 1),
        ("in-partial", ThreadDirection::Incoming, ThreadState::Partial, 2),
        ("in-answered", ThreadDirection::Incoming, ThreadState::Answered, 4),
        ("in-query-open", ThreadDirection::Incoming, ThreadState::Query, 0),
        ("in-done", ThreadDirection::Incoming, ThreadState::Complete, 0),
        ("out-query", ThreadDirection::Outgoing, ThreadState::Query, 0),
    ];
    store
        .write(|w| {
            for (corr, direction, state, minutes) in rows {
                let mut t = thread(corr, UseCase::Claim, state);
                t.direction = direction;
                t.opened_at = t0() + TimeDelta::minutes(minutes);
                w.insert_thread(&t)?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let inbox: Vec<String> =
        store.read().tpa_inbox(PROFILE).unwrap().into_iter().map(|t| t.correlation_id).collect();
    assert_eq!(
        inbox,
        ["in-old", "in-partial", "in-new", "in-answered"],
        "new requests, our partial answers and answered queries wait for us, oldest first; \
         open queries wait for the provider, and outgoing threads are not the desk's inbox"
    );
}

#[test]
fn timeline_shows_messages_in_wire_order_with_delivery_state() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    store
        .write(|w| {
            w.insert_thread(&thread("corr-t", UseCase::CoverageEligibility, ThreadState::Queued))
        })
        .unwrap();

    let mut request = message("api-req", MessageDirection::Out, "corr-t");
    request.created_at = at(0);
    let mut retry = message("api-req-2", MessageDirection::Out, "corr-t");
    retry.created_at = at(1);
    let mut answer = message("api-resp", MessageDirection::In, "corr-t");
    answer.action = "/coverageeligibility/on_check".to_owned();
    answer.protocol_status = Some("response.complete".to_owned());
    answer.created_at = at(30);
    answer.received_at = Some(at(30));
    store
        .write(|w| {
            let req = w.insert_message(&request)?.id();
            w.insert_message(&retry)?;
            w.enqueue_outbox(&NewOutboxItem {
                profile_id: PROFILE.to_owned(),
                api_call_id: "api-req-2".to_owned(),
                correlation_id: Some("corr-t".to_owned()),
                action: "/coverageeligibility/check".to_owned(),
                recipient_code: "payer".to_owned(),
                body: "{}".to_owned(),
                next_try_at: at(60),
                created_at: at(1),
            })?;
            w.mark_message_sent(req, at(10))?;
            w.record_gateway_response(req, &serde_json::json!({"status": 202}), None, at(11))?;
            w.insert_message(&answer)
        })
        .unwrap();

    let timeline = store.read().thread_timeline(PROFILE, "corr-t").unwrap().unwrap();
    let order: Vec<(&str, Delivery)> =
        timeline.entries.iter().map(|e| (e.message.api_call_id.as_str(), e.delivery)).collect();
    assert_eq!(
        order,
        [
            ("api-req-2", Delivery::Queued),
            ("api-req", Delivery::Acknowledged),
            ("api-resp", Delivery::Received)
        ],
        "entries follow wire time (queued at 1 s, sent at 10 s, received at 30 s), each with its delivery state"
    );
    let outbox =
        timeline.entries[0].outbox.as_ref().expect("the queued message shows its outbox row");
    assert_eq!(outbox.next_try_at, at(60), "the timeline tells when the next attempt is");
    assert!(
        timeline.entries[1].outbox.is_none(),
        "a message sent without the outbox has no outbox row"
    );
    assert!(
        store.read().thread_timeline(PROFILE, "nope").unwrap().is_none(),
        "an unknown thread has no timeline"
    );
}
