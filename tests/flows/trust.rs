//! Trust boundaries of a clinic's cycles (issue 12 §2): only a cycle's counterparty moves it.
//! A forged answer put straight into the clinic's bridge mailbox, a payment notice from a payer
//! the claim is not with, a second copy of a genuine notice, a forged redirect followed by the
//! clerk's retry, and a query from a stranger answered by the clerk. Everything over real
//! loopback HTTP (sandbox gateway, bridge), real JWE and the real keychain.

use std::time::Duration;

use hcx_bridge::BridgeHandle;
use hcx_console::demo::{LocalExchange, demo_preauth, wait_for_state};
use hcx_console::dto::{QueryAnswerForm, ThreadDetail};
use hcx_console::{BridgePoller, Console, OutboxWorker};
use hcx_protocol::{Action, Dialect, Headers, ProtocolResponse, RecipientKey, Status};
use hcx_sandbox::DemoKind;
use hcx_sandbox::scripted::client::ParticipantClient;
use hcx_sandbox::scripted::fhir::{Party, Request, payment_notice_bundle};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(60);
const CLINIC: &str = "trust-clinic@sandbox";

struct Setup {
    _dir: tempfile::TempDir,
    exchange: LocalExchange,
    console: Console,
    profile: String,
    payer: String,
    worker: OutboxWorker,
    poller: BridgePoller,
}

impl Setup {
    async fn start() -> Self {
        let app_id = hcx_tests::test_app_id();
        hcx_tests::require_keychain(&app_id);
        let dir = tempfile::tempdir().expect("temp dir");
        let exchange = LocalExchange::start(dir.path(), true).await.expect("sandbox and bridge");
        let console = hcx_tests::console(&dir.path().join("console"), &app_id);
        let profile = exchange
            .onboard(&console, "Trust Clinic", CLINIC, &["provider.hospital"])
            .await
            .expect("the clinic is onboarded");
        let payer = exchange.code(DemoKind::Payer).expect("demo payer");
        let (worker, poller) = hcx_tests::start_loops(&console, &profile.id);
        Setup { _dir: dir, exchange, console, profile: profile.id, payer, worker, poller }
    }

    async fn stop(self) {
        self.poller.stop().await;
        self.worker.stop().await;
        self.exchange.shutdown().await;
    }

    /// Sends a cycle of `use_case` to the demo payer; `keyword` picks the payer's scenario.
    async fn send(&self, use_case: &str, keyword: &str, workflow: &str) -> String {
        let mut form = demo_preauth(&self.payer, Some(workflow.to_owned()));
        form.use_case = use_case.into();
        form.items[1].description = format!("Laparoscopic appendectomy {keyword}");
        self.console.send_compose(form).await.expect("queued").correlation_id
    }

    async fn suspicious_count(&self, at_least: u64) -> hcx_console::dto::SuspiciousList {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let list = self.console.list_suspicious().await.expect("suspicious list");
            if list.total >= at_least {
                return list;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{at_least} message(s) should reach the suspicious list, got {}",
                list.total
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Seals `payload` with `headers` to the clinic's certificate and POSTs it into the
    /// clinic's bridge mailbox with a dispatch token minted by the sandbox, the way an attacker
    /// who obtained such a token (or the bridge hole of issue 12 §1) would.
    async fn post_to_mailbox(&self, action: Action, headers: &Headers, payload: Option<&Value>) {
        let body = match payload {
            Some(p) => {
                let pem = self
                    .console
                    .key_report(&self.profile)
                    .await
                    .expect("report")
                    .certificate_pem
                    .expect("the clinic has a certificate");
                let key = RecipientKey::from_certificate_pem(pem.as_bytes()).expect("cert");
                let compact =
                    hcx_protocol::seal(headers, p.to_string().as_bytes(), &key).expect("seal");
                hcx_protocol::payload_body(&compact)
            }
            None => headers.to_json_string(),
        };
        let token = self.exchange.sandbox.dispatch_token().expect("dispatch token");
        let url = format!("{}{}", mailbox(&self.exchange.bridge), action.path());
        let resp = reqwest::Client::new()
            .post(url)
            .bearer_auth(token.expose())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the bridge answers");
        assert_eq!(resp.status().as_u16(), 202, "the bridge stores the forged callback");
    }

    fn participant(&self, kind: DemoKind) -> ParticipantClient {
        let p = self.exchange.sandbox.participant(kind).expect("demo participant");
        ParticipantClient::new(
            self.exchange.sandbox.origin(),
            p.participant_code.clone(),
            p.username.clone(),
            p.password.clone(),
            hcx_protocol::PrivateKey::from_pem(p.private_key_pem.expose().as_bytes())
                .expect("demo key"),
            reqwest::Client::new(),
        )
        .expect("a client for the demo participant")
    }
}

fn mailbox(bridge: &BridgeHandle) -> String {
    bridge.endpoint_url(CLINIC)
}

/// Waits until a cycle the desk did not start shows up on it.
async fn wait_for_thread(console: &Console, correlation_id: &str) -> ThreadDetail {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(d) = console.get_thread(correlation_id).await {
            return d;
        }
        assert!(tokio::time::Instant::now() < deadline, "{correlation_id} reaches the desk");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

fn kinds(d: &ThreadDetail) -> Vec<&str> {
    d.timeline.iter().map(|n| n.kind.as_str()).collect()
}

/// Headers of an answer on the clinic's cycle, claiming to come from `sender`.
fn answer_from(sender: &str, correlation_id: &str, status: Status) -> Headers {
    let mut request = Headers::action(CLINIC, sender, correlation_id, None, Dialect::Swasth);
    request.insert("x-hcx-recipient_code", sender);
    Headers::callback_to(&request, status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_answer_in_the_mailbox_moves_nothing_and_is_listed_as_suspicious() {
    let s = Setup::start().await;
    let forger = s.exchange.code(DemoKind::Tpa).expect("a second participant");
    let workflow = uuid::Uuid::new_v4().to_string();
    let preauth = s.send("preauth", "[query]", &workflow).await;
    let before = wait_for_state(&s.console, &preauth, &["query"], WAIT)
        .await
        .expect("the payer queries the preauth, which stays open for our answer");

    let headers = answer_from(&forger, &preauth, Status::ResponseComplete);
    let approval = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:cr", "resource": {"resourceType": "ClaimResponse", "id": "cr",
         "status": "active", "use": "preauthorization", "outcome": "complete",
         "total": [{"category": {"coding": [{"code": "benefit"}]},
                    "amount": {"value": 999999, "currency": "INR"}}]}}
    ]});
    s.post_to_mailbox(Action::PreauthOnSubmit, &headers, Some(&approval)).await;

    let list = s.suspicious_count(1).await;
    let row = &list.messages[0];
    assert_eq!(
        (row.sender.as_str(), row.correlation_id.as_str(), row.action.as_str()),
        (forger.as_str(), preauth.as_str(), "/preauth/on_submit"),
        "the forged answer is on the suspicious list as received"
    );
    assert!(
        row.reason.contains(&forger) && row.reason.contains(&s.payer),
        "the reason names the sender and the real counterparty: {}",
        row.reason
    );
    let after = s.console.get_thread(&preauth).await.expect("thread");
    assert_eq!(after.thread.state, "query", "the forged approval did not move the preauth");
    assert_eq!(after.thread.approved, before.thread.approved, "and recorded no approved amount");
    let node = after.timeline.iter().find(|n| n.sender == forger).expect("on the timeline");
    assert_eq!(node.kind, "rejected", "the timeline marks it as not applied");
    assert!(node.headline.starts_with("Not applied: "), "and says why: {}", node.headline);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_from_a_stranger_is_never_the_one_answered() {
    let s = Setup::start().await;
    let forger = s.exchange.code(DemoKind::Tpa).expect("a second participant");
    let workflow = uuid::Uuid::new_v4().to_string();
    let claim = s.send("claim", "[query]", &workflow).await;
    wait_for_state(&s.console, &claim, &["query"], WAIT).await.expect("the payer queries");

    // A later query on the same cycle, from someone the claim is not with.
    let headers = Headers::action(&forger, CLINIC, &claim, Some(&workflow), Dialect::Swasth);
    let question = hcx_sandbox::scripted::fhir::communication_request_bundle(
        "Send every document you have to us",
        &Request {
            summary: hcx_fhir::Summary::default(),
            number: claim.clone(),
            claim_number: claim.clone(),
        },
        &Party { code: forger.clone(), name: forger.clone() },
        &Party { code: CLINIC.into(), name: "Trust Clinic".into() },
    )
    .expect("the forger's query bundle");
    s.post_to_mailbox(Action::CommunicationRequest, &headers, Some(&question)).await;
    s.suspicious_count(1).await;

    s.console
        .answer_query(QueryAnswerForm {
            correlation_id: claim.clone(),
            text: "Discharge summary attached".into(),
            attachments: vec![],
        })
        .await
        .expect("answer queued");
    let detail = wait_for_state(&s.console, &claim, &["complete"], WAIT)
        .await
        .expect("the genuine payer gets the answer and decides");
    let answers: Vec<&str> = detail
        .timeline
        .iter()
        .filter(|n| n.direction == "out" && n.action == "/communication/on_request")
        .map(|n| n.recipient.as_str())
        .collect();
    assert_eq!(answers, [s.payer.as_str()], "the clerk's answer went to the payer only");
    let audit = s.exchange.sandbox.audit_events().await.expect("sandbox audit");
    assert!(
        !audit.iter().any(|e| e.sender_code == CLINIC && e.recipient_code == forger),
        "the exchange never saw the clinic send anything to the stranger"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_redirect_then_retry_sends_nothing_to_the_forger() {
    let s = Setup::start().await;
    let forger = s
        .exchange
        .add_desk(&s.console, "Forger TPA", "agency.tpa")
        .await
        .expect("a second TPA with its own mailbox")
        .participant_code;
    let tpa = s.exchange.code(DemoKind::Tpa).expect("demo TPA");
    let workflow = uuid::Uuid::new_v4().to_string();
    let preauth = s.send("preauth", "[redirect]", &workflow).await;
    wait_for_state(&s.console, &preauth, &["redirected"], WAIT)
        .await
        .expect("the payer redirects the preauth to its TPA");

    // The forger, later, claims the preauth should go to it instead.
    let request = Headers::action(CLINIC, &s.payer, &preauth, Some(&workflow), Dialect::Swasth);
    let mut forged = ProtocolResponse::redirect(&request, &forger);
    forged.insert("x-hcx-sender_code", forger.as_str());
    s.post_to_mailbox(Action::PreauthOnSubmit, &forged, None).await;
    s.suspicious_count(1).await;

    let receipt = s.console.retry(&preauth).await.expect("the clerk retries the redirect");
    let resent = wait_for_state(&s.console, &receipt.correlation_id, &["complete"], WAIT)
        .await
        .expect("the genuine target answers the re-sent preauth");
    assert_eq!(resent.thread.counterparty, tpa, "the retry went where the payer redirected");
    let audit = s.exchange.sandbox.audit_events().await.expect("sandbox audit");
    assert!(
        audit.iter().any(|e| e.sender_code == CLINIC && e.recipient_code == tpa),
        "the exchange saw the re-sent preauth reach the genuine target"
    );
    assert!(
        !audit.iter().any(|e| e.recipient_code == forger),
        "the exchange never carried anything to the forger: {:?}",
        audit.iter().map(|e| (&e.action, &e.recipient_code)).collect::<Vec<_>>()
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_notices_settle_only_the_senders_claims_and_only_once() {
    let s = Setup::start().await;
    let workflow = uuid::Uuid::new_v4().to_string();
    let claim = s.send("claim", "", &workflow).await;
    let settled = wait_for_state(&s.console, &claim, &["paid"], WAIT)
        .await
        .expect("the payer approves and its payment notice settles the claim");
    assert_eq!(
        settled.thread.settled.as_deref().map(dec),
        Some(dec("39500")),
        "the genuine notice settles the approved amount"
    );
    let ledger = |w: hcx_console::dto::WorkflowView| {
        (dec(&w.ledger.billed), dec(&w.ledger.approved), dec(&w.ledger.settled))
    };
    let first = ledger(s.console.get_workflow(&workflow).await.expect("workflow"));
    assert_eq!(
        first,
        (dec("39500.00"), dec("39500.00"), dec("39500.00")),
        "billed, approved and settled after the genuine notice"
    );

    // A payer the claim is not with, through the gateway (which delivers a new request).
    let tpa = s.participant(DemoKind::Tpa);
    let notice = |sender: &str| {
        payment_notice_bundle(
            dec("39500"),
            &claim,
            &Party { code: sender.to_owned(), name: sender.to_owned() },
            &Party { code: CLINIC.into(), name: "Trust Clinic".into() },
        )
        .expect("a payment notice bundle")
    };
    let fake_corr = uuid::Uuid::new_v4().to_string();
    let h = Headers::action(&tpa.code, CLINIC, &fake_corr, Some(&workflow), Dialect::Swasth);
    tpa.send_jwe(Action::PaymentNoticeRequest, &h, &notice(&tpa.code))
        .await
        .expect("the gateway accepts the stranger's notice");
    let list = s.suspicious_count(1).await;
    assert_eq!(list.messages[0].sender, tpa.code, "the stranger's notice is suspicious");
    assert_eq!(
        ledger(s.console.get_workflow(&workflow).await.expect("workflow")),
        first,
        "the stranger's notice settled nothing"
    );
    assert!(
        s.console.get_thread(&fake_corr).await.is_err(),
        "and opened no payment cycle on the desk"
    );

    // A second copy from the genuine payer: new cycle, same workflow and amount.
    let payer = s.participant(DemoKind::Payer);
    let copy_corr = uuid::Uuid::new_v4().to_string();
    let h = Headers::action(&payer.code, CLINIC, &copy_corr, Some(&workflow), Dialect::Swasth);
    payer
        .send_jwe(Action::PaymentNoticeRequest, &h, &notice(&payer.code))
        .await
        .expect("the gateway accepts the second copy");
    let copy = wait_for_thread(&s.console, &copy_corr).await;
    assert_eq!(kinds(&copy), ["payment"], "it is a readable payment notice");
    assert_eq!(
        ledger(s.console.get_workflow(&workflow).await.expect("workflow")),
        first,
        "a second notice does not raise settled beyond approved"
    );
    let claim_after = s.console.get_thread(&claim).await.expect("claim");
    assert_eq!(
        claim_after.thread.settled.as_deref().map(dec),
        Some(dec("39500")),
        "the claim is settled exactly once"
    );
    let store = hcx_store::Store::open(s.console.database_path()).expect("store");
    let stored = store.read().get_thread(&s.profile, &copy_corr).expect("read").expect("notice");
    assert_eq!(
        (stored.settled_amount, stored.excess_amount),
        (None, Some(dec("39500"))),
        "the over-payment stays on the notice as excess, never as settled"
    );
    s.stop().await;
}
