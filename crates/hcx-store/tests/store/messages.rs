//! Ingest dedupe by api_call_id, surviving reopen; message updates.

use hcx_store::{InsertOutcome, MessageDirection, StoreError};
use serde_json::json;

use crate::support::{PROFILE, TestDb, at, message, profile_fields, t0};

#[test]
fn insert_is_idempotent_on_api_call_id_across_reopen() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let first = message("api-1", MessageDirection::In, "corr-1");
    let outcome = store.write(|w| w.insert_message(&first)).unwrap();
    let InsertOutcome::New(id) = outcome else {
        panic!("the first delivery of api-1 must be stored as new, got {outcome:?}");
    };

    let mut redelivery = first.clone();
    redelivery.raw_body = r#"{"payload":"something else"}"#.to_owned();
    assert_eq!(
        store.write(|w| w.insert_message(&redelivery)).unwrap(),
        InsertOutcome::Duplicate(id),
        "a redelivery with the same api_call_id is recognised and points at the stored row"
    );
    drop(store);

    // A restart (new process, same file) must still recognise the duplicate.
    let mut store = db.open();
    assert_eq!(
        store.write(|w| w.insert_message(&first)).unwrap(),
        InsertOutcome::Duplicate(id),
        "dedupe survives a restart because it is a UNIQUE constraint in the file"
    );
    let stored = store.read().get_message(id).unwrap().unwrap();
    assert_eq!(
        stored.raw_body, first.raw_body,
        "the first body is kept byte for byte; a duplicate never overwrites it"
    );
    assert_eq!(
        store
            .read()
            .find_message(PROFILE, MessageDirection::In, first.sender_code.as_deref(), "api-1")
            .unwrap()
            .map(|m| m.id),
        Some(id),
        "the message is found by its dedupe key"
    );
}

#[test]
fn same_api_call_id_in_another_direction_or_profile_is_a_different_message() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    store.write(|w| w.insert_profile("p2", &profile_fields(), t0())).unwrap();
    let out = message("api-x", MessageDirection::Out, "corr-1");
    assert!(store.write(|w| w.insert_message(&out)).unwrap().is_new(), "first copy is new");

    let looped_back = message("api-x", MessageDirection::In, "corr-1");
    assert!(
        store.write(|w| w.insert_message(&looped_back)).unwrap().is_new(),
        "our own outgoing api_call_id seen incoming (a loopback) is a separate message"
    );
    let mut other_profile = message("api-x", MessageDirection::In, "corr-1");
    other_profile.profile_id = "p2".to_owned();
    assert!(
        store.write(|w| w.insert_message(&other_profile)).unwrap().is_new(),
        "when two local profiles talk to each other, each stores its own copy"
    );
}

#[test]
fn same_api_call_id_from_another_sender_is_a_different_message() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let genuine = message("api-shared", MessageDirection::In, "corr-1");
    let genuine_id = store.write(|w| w.insert_message(&genuine)).unwrap().id();
    let mut other = genuine.clone();
    other.sender_code = Some("payr_other_999@swasth-hcx-dev".to_owned());
    let outcome = store.write(|w| w.insert_message(&other)).unwrap();
    assert!(
        outcome.is_new() && outcome.id() != genuine_id,
        "another sender reusing an api_call_id must not pass as a redelivery of the first: {outcome:?}"
    );

    let mut anonymous = genuine.clone();
    anonymous.sender_code = None;
    let first = store.write(|w| w.insert_message(&anonymous)).unwrap();
    assert!(first.is_new(), "a message without a sender is stored once");
    assert_eq!(
        store.write(|w| w.insert_message(&anonymous)).unwrap(),
        InsertOutcome::Duplicate(first.id()),
        "messages without a sender still dedupe among themselves (NULL senders are one key)"
    );
}

#[test]
fn rejected_messages_form_the_suspicious_list() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let mut forged = message("api-forged", MessageDirection::In, "corr-1");
    forged.received_at = Some(at(5));
    let id = store.write(|w| w.insert_message(&forged)).unwrap().id();
    store
        .write(|w| w.insert_message(&message("api-fine", MessageDirection::In, "corr-1")))
        .unwrap();
    store.write(|w| w.reject_message(id, "sent by someone else")).unwrap();

    let listed = store.read().list_rejected_messages(PROFILE, 50).unwrap();
    assert_eq!(
        listed.iter().map(|m| (m.id, m.rejected_reason.as_deref())).collect::<Vec<_>>(),
        vec![(id, Some("sent by someone else"))],
        "only the rejected message is on the list, with its reason"
    );
    assert_eq!(store.read().count_rejected_messages(PROFILE).unwrap(), 1, "the count agrees");
    assert_eq!(
        store.read().get_message(id).unwrap().unwrap().raw_body,
        forged.raw_body,
        "a rejected message is kept exactly as received"
    );
}

#[test]
fn a_message_without_a_thread_is_still_stored() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let orphan = message("api-orphan", MessageDirection::In, "no-such-thread");
    assert!(
        store.write(|w| w.insert_message(&orphan)).unwrap().is_new(),
        "ingest stores before it decides anything, so an unknown correlation id is fine"
    );
}

#[test]
fn gateway_response_and_processing_updates_are_recorded() {
    let db = TestDb::new();
    let mut store = db.with_profile();
    let id = store
        .write(|w| w.insert_message(&message("api-2", MessageDirection::Out, "corr-2")))
        .unwrap()
        .id();
    store
        .write(|w| {
            w.mark_message_sent(id, at(1))?;
            w.record_gateway_response(id, &json!({"api_call_id": "api-2"}), None, at(2))?;
            w.set_decrypted_payload(id, &json!({"resourceType": "Bundle"}))
        })
        .unwrap();
    let stored = store.read().get_message(id).unwrap().unwrap();
    assert_eq!(stored.sent_at, Some(at(1)), "the send time is kept");
    assert_eq!(stored.acked_at, Some(at(2)), "an error-free gateway answer is an acknowledgement");
    assert_eq!(stored.error_code, None, "no error was recorded");
    assert_eq!(
        stored.decrypted_payload,
        Some(json!({"resourceType": "Bundle"})),
        "the decrypted payload is kept next to the raw body"
    );

    let missing = store.write(|w| w.mark_message_sent(9999, at(3)));
    assert!(
        matches!(missing, Err(StoreError::NotFound { what: "message", .. })),
        "updating a message that does not exist is a typed error, got {missing:?}"
    );
}
