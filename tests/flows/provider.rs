//! The console as a provider through one admission: eligibility → preauth approved → claim
//! with a query answered with a document → approved → payment notice acknowledged. Then the
//! store, the timelines and a secret scan are checked.

use std::time::Duration;

use base64::Engine as _;
use hcx_console::Console;
use hcx_console::demo::{LocalExchange, demo_preauth, wait_for_state};
use hcx_console::dto::{AttachmentForm, ThreadDetail, ThreadFilter};
use hcx_sandbox::DemoKind;
use rust_decimal::Decimal;

const WAIT: Duration = Duration::from_secs(60);

fn kinds(d: &ThreadDetail) -> Vec<&str> {
    d.timeline.iter().map(|n| n.kind.as_str()).collect()
}

fn dec(s: Option<&str>) -> Option<Decimal> {
    s.and_then(|s| s.parse().ok())
}

async fn wait_for_payment_notice(console: &Console, workflow: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = console
            .list_threads(ThreadFilter {
                use_case: Some("paymentnotice".into()),
                ..ThreadFilter::default()
            })
            .await
            .expect("threads list");
        if let Some(t) = rows.iter().find(|t| t.workflow_id.as_deref() == Some(workflow)) {
            return t.correlation_id.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the demo payer sends a payment notice after approving the claim"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_admission_end_to_end() {
    let logs = hcx_tests::capture_logs();
    let app_id = hcx_tests::test_app_id();
    hcx_tests::require_keychain(&app_id);
    let dir = tempfile::tempdir().expect("temp dir");
    let exchange = LocalExchange::start(dir.path(), true).await.expect("sandbox and bridge start");
    let console_dir = dir.path().join("console");
    let console = hcx_tests::console(&console_dir, &app_id);
    let profile = exchange
        .onboard(&console, "City Clinic", "city-clinic@sandbox", &["provider.hospital"])
        .await
        .expect("the clinic is onboarded on the sandbox and the bridge");
    let payer = exchange.code(DemoKind::Payer).expect("demo payer");
    let (worker, poller) = hcx_tests::start_loops(&console, &profile.id);

    let checks = console.run_preflight().await.expect("preflight runs");
    for c in &checks {
        assert!(c.ok, "preflight {} passes on a freshly onboarded profile: {}", c.name, c.detail);
    }

    let workflow = uuid::Uuid::new_v4().to_string();

    // 1. Eligibility.
    let mut form = demo_preauth(&payer, Some(workflow.clone()));
    form.use_case = "coverageeligibility".into();
    let elig = console.send_compose(form).await.expect("eligibility queued");
    let elig_detail = wait_for_state(&console, &elig.correlation_id, &["complete"], WAIT)
        .await
        .expect("the payer answers the eligibility check");
    assert_eq!(kinds(&elig_detail), ["acknowledged", "complete"], "request, then the answer");
    assert_eq!(
        elig_detail.timeline[1].headline, "Policy in force",
        "the demo payer says the policy is in force"
    );

    // 2. Preauth, approved in full.
    let pre = console
        .send_compose(demo_preauth(&payer, Some(workflow.clone())))
        .await
        .expect("preauth queued");
    let pre_detail = wait_for_state(&console, &pre.correlation_id, &["complete"], WAIT)
        .await
        .expect("the payer approves the preauth");
    assert_eq!(kinds(&pre_detail), ["acknowledged", "complete"], "request, then the approval");
    assert_eq!(
        dec(pre_detail.thread.approved.as_deref()),
        Some(Decimal::new(39_500, 0)),
        "the whole 39,500.00 is approved"
    );
    assert_eq!(
        pre_detail.next_actions,
        ["submitClaim", "enhance"],
        "an approved preauth leads to the claim"
    );

    // 3. Claim, which the payer queries; we answer with a document.
    let mut claim_form = demo_preauth(&payer, Some(workflow.clone()));
    claim_form.use_case = "claim".into();
    claim_form.related_correlation_id = Some(pre.correlation_id.clone());
    claim_form.items[1].description = "Laparoscopic appendectomy [query]".into();
    let claim = console.send_compose(claim_form).await.expect("claim queued");
    let queried = wait_for_state(&console, &claim.correlation_id, &["query"], WAIT)
        .await
        .expect("the payer asks for documents");
    assert_eq!(queried.next_actions, ["answerQuery"], "an open query asks for an answer");
    let pdf = b"%PDF-1.4\n% discharge summary of Asha Verma\n%%EOF\n";
    console
        .answer_query(hcx_console::dto::QueryAnswerForm {
            correlation_id: claim.correlation_id.clone(),
            text: "Discharge summary attached".into(),
            attachments: vec![AttachmentForm {
                title: "Discharge summary".into(),
                content_type: "application/pdf".into(),
                data_base64: base64::engine::general_purpose::STANDARD.encode(pdf),
            }],
        })
        .await
        .expect("answer queued");
    let claim_detail = wait_for_state(&console, &claim.correlation_id, &["complete", "paid"], WAIT)
        .await
        .expect("the payer approves the claim after the answer");
    assert_eq!(
        dec(claim_detail.thread.approved.as_deref()),
        Some(Decimal::new(39_500, 0)),
        "the claim is approved in full"
    );

    // 4. Payment notice, acknowledged.
    let payment = wait_for_payment_notice(&console, &workflow).await;
    let notice = wait_for_state(&console, &payment, &["received"], WAIT).await.expect("notice");
    assert_eq!(
        notice.next_actions,
        ["acknowledgePayment"],
        "a notice waits for our acknowledgement"
    );
    console.acknowledge_payment(&payment).await.expect("acknowledgement queued");
    let deadline = tokio::time::Instant::now() + WAIT;
    let payment_detail = loop {
        let d = console.get_thread(&payment).await.expect("payment thread");
        if kinds(&d) == ["payment", "answer"] {
            break d;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the acknowledgement is accepted: {:?}",
            kinds(&d)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(payment_detail.thread.state, "complete", "an acknowledged notice is closed");
    assert_eq!(
        dec(payment_detail.timeline[0].amount.as_deref()),
        Some(Decimal::new(39_500, 0)),
        "the notice pays the approved amount"
    );

    // The claim is settled by the notice; its timeline reads as the story happened.
    let claim_detail = console.get_thread(&claim.correlation_id).await.expect("claim");
    assert_eq!(claim_detail.thread.state, "paid", "the payment notice settles the claim");
    assert_eq!(
        kinds(&claim_detail),
        ["acknowledged", "query", "answer", "complete"],
        "claim, the payer's query, our answer, the decision"
    );
    assert_eq!(
        dec(claim_detail.timeline[0].amount.as_deref()),
        Some(Decimal::new(39_500, 0)),
        "the claim asked for 39,500.00"
    );
    assert_eq!(
        claim_detail.timeline[3].headline, "Approved 39,500.00 of 39,500.00",
        "the decision headline names both amounts"
    );
    assert_eq!(claim_detail.timeline[1].direction, "in", "the query came from the payer");
    assert_eq!(claim_detail.timeline[2].direction, "out", "the answer went from us");
    for d in [&elig_detail, &pre_detail, &claim_detail, &payment_detail] {
        let times: Vec<&str> = d.timeline.iter().map(|n| n.at.as_str()).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "messages of {} are in time order", d.thread.use_case);
    }

    // One workflow, its four cycles in order, and the money ledger.
    let wf = console.get_workflow(&workflow).await.expect("workflow");
    let cases: Vec<&str> = wf.cycles.iter().map(|c| c.use_case.as_str()).collect();
    assert_eq!(
        cases,
        ["coverageeligibility", "preauth", "claim", "paymentnotice"],
        "the admission's four cycles, oldest first"
    );
    assert_eq!(dec(Some(&wf.ledger.billed)), Some(Decimal::new(39_500, 0)), "billed = the claim");
    assert_eq!(dec(Some(&wf.ledger.approved)), Some(Decimal::new(39_500, 0)), "approved");
    assert_eq!(dec(Some(&wf.ledger.settled)), Some(Decimal::new(39_500, 0)), "settled once");
    assert_eq!(wf.patient.as_deref(), Some("Asha Verma"), "the workflow knows its patient");

    // The store on disk, read by a second connection.
    let secrets = hcx_tests::read_secrets(&app_id, &profile.id);
    {
        let store = hcx_store::Store::open(console.database_path()).expect("store");
        let r = store.read();
        let workflows = r.list_workflows(&profile.id).expect("workflows");
        assert_eq!(workflows.len(), 1, "one admission, one workflow");
        let mut messages = 0;
        for c in &wf.cycles {
            let t = r
                .thread_timeline(&profile.id, &c.correlation_id)
                .expect("timeline")
                .expect("thread exists");
            messages += t.entries.len();
        }
        assert_eq!(messages, 10, "2 + 2 + 4 + 2 messages stored, each exactly once");
    }
    let audit = console.verify_audit(Some(&profile.id)).expect("the audit chain can be checked");
    assert!(
        matches!(
            audit.as_slice(),
            [hcx_console::AuditCheck {
                outcome: hcx_console::AuditOutcome::Verified(hcx_store::AuditVerdict::Intact {
                    entries: 1..,
                    ..
                }),
                ..
            }]
        ),
        "the profile's keyed audit chain holds the admission's entries and is intact: {audit:?}"
    );

    poller.stop().await;
    worker.stop().await;

    // Secret scan while every row is still there: the console's and the bridge's SQLite files
    // hold no key material at all, no SQLite file (the exchange's included) holds the profile's
    // own secrets, and neither does anything logged.
    let needles = hcx_tests::secret_needles(&secrets);
    let files = hcx_tests::sqlite_files(dir.path());
    assert!(
        files.iter().any(|f| f.starts_with(&console_dir)),
        "the console's database is among the scanned files: {files:?}"
    );
    for f in &files {
        let bytes = std::fs::read(f).expect("read db file");
        let ours = f.starts_with(&console_dir) || f.starts_with(dir.path().join("bridge"));
        hcx_tests::assert_no_secrets(&f.display().to_string(), &bytes, &needles, ours);
    }
    let logged = logs.text();
    assert!(
        logged.contains("city-clinic@sandbox"),
        "the log capture saw this flow, so scanning it means something"
    );
    hcx_tests::assert_no_secrets("the log output", logged.as_bytes(), &needles, true);
    assert!(!logged.contains("Bearer "), "no bearer token is logged");

    console.delete_profile(&profile.id).await.expect("profile removed");
    assert!(
        !hcx_tests::keychain_has_any(&app_id, &profile.id),
        "removing the profile removes its keychain entries"
    );
    exchange.shutdown().await;
}
