//! Pilot mode and the go-live checklist.

use chrono::{Duration, Utc};
use hcx_onboard::golive::{
    CertificateState, ChecklistItemId, ItemStatus, PilotPolicy, ReadinessInput, RegistrationState,
    TrainingTick, checklist,
};

fn pilot(allowed: &[&str]) -> PilotPolicy {
    PilotPolicy { enabled: true, allowed: allowed.iter().map(|s| s.to_string()).collect() }
}

#[test]
fn pilot_off_sends_anywhere() {
    let p = PilotPolicy { enabled: false, allowed: vec!["payr_a@hcx".into()] };
    assert_eq!(p.check("payr_z@hcx"), Ok(()), "with pilot mode off the list does not matter");
}

#[test]
fn pilot_on_allows_only_the_list() {
    let p = pilot(&["payr_star@hcx", "tpa_medi@hcx"]);
    assert_eq!(p.check("tpa_medi@hcx"), Ok(()), "a listed recipient may be sent to");
    assert_eq!(p.check(" payr_star@hcx "), Ok(()), "surrounding spaces from a form do not matter");
    let refusal = p.check("payr_other@hcx").expect_err("an unlisted recipient is refused");
    assert_eq!(refusal.recipient, "payr_other@hcx", "the refusal names the recipient");
    assert_eq!(
        refusal.to_string(),
        "Pilot mode: this desk may only send to payr_star@hcx, tpa_medi@hcx; turn pilot mode off on \
         the Go live screen to send to payr_other@hcx",
        "the message tells a clerk who is allowed and how to change it"
    );
    assert!(p.check("PAYR_STAR@HCX").is_err(), "codes are opaque: compared exactly");
}

#[test]
fn pilot_on_with_an_empty_list_explains_itself() {
    let refusal = pilot(&[]).check("payr_a@hcx").expect_err("nobody is allowed yet");
    assert!(
        refusal.message.contains("nobody is on this desk's pilot list yet")
            && refusal.message.contains("turn pilot mode off on the Go live screen"),
        "the clerk learns the list is empty and where to fix it: {}",
        refusal.message
    );
}

fn ready_input() -> ReadinessInput {
    ReadinessInput {
        certificate: CertificateState::Valid { expires_at: Utc::now() + Duration::days(30) },
        registration: RegistrationState::Approved,
        preflight_failures: vec![],
        preflight_ran: true,
        staff_trained: Some(TrainingTick { by: "Meera (desk lead)".into(), at: Utc::now() }),
        pilot: pilot(&["payr_star@hcx"]),
    }
}

#[test]
fn checklist_is_ready_only_when_everything_is_done() {
    let now = Utc::now();
    let all = checklist(&ready_input(), now);
    assert!(all.ready, "every item done = ready: {all:?}");
    assert_eq!(
        all.items.len(),
        5,
        "five items: certificate, registration, preflight, training, pilot"
    );

    let status = |input: &ReadinessInput, id: ChecklistItemId| {
        let c = checklist(input, now);
        assert!(!c.ready, "one open item means not ready ({id:?})");
        c.items.into_iter().find(|i| i.id == id).map(|i| i.status).expect("item present")
    };
    let mut i = ready_input();
    i.certificate = CertificateState::Valid { expires_at: now - Duration::days(1) };
    assert_eq!(
        status(&i, ChecklistItemId::CertificateValid),
        ItemStatus::Blocked,
        "expired certificate blocks"
    );
    let mut i = ready_input();
    i.registration = RegistrationState::InProgress { operator_state: "awaiting_otp".into() };
    assert_eq!(
        status(&i, ChecklistItemId::RegistrationApproved),
        ItemStatus::Pending,
        "in progress is pending"
    );
    let mut i = ready_input();
    i.preflight_failures = vec!["endpoint reachable".into()];
    assert_eq!(
        status(&i, ChecklistItemId::PreflightGreen),
        ItemStatus::Blocked,
        "a red preflight blocks"
    );
    let mut i = ready_input();
    i.staff_trained = None;
    assert_eq!(
        status(&i, ChecklistItemId::StaffTrained),
        ItemStatus::Pending,
        "training needs the manual tick"
    );
    let mut i = ready_input();
    i.pilot = PilotPolicy::default();
    assert_eq!(status(&i, ChecklistItemId::PilotListSet), ItemStatus::Pending, "no pilot list yet");
}
