//! The real desktop window, end to end: tauri-driver + WebKitWebDriver drive `hcx-console-app`
//! on a fresh data directory, under an X server. The app starts its embedded sandbox exchange,
//! whose demo payer answers over real loopback HTTP with real JWE, through the real bridge.
//!
//! These tests are `#[ignore]`d so the plain `cargo test --workspace` (which has no display)
//! does not run them; scripts/test runs them under Xvfb with `-- --ignored`. Without DISPLAY or
//! tauri-driver they FAIL with the command to run, they never skip.

use std::time::Duration;

use hcx_window_tests::{Launch, Page, UI_WAIT, Window};

/// A cold first start generates the demo identities' RSA keys and onboards the clinic.
const FIRST_START: Duration = Duration::from_secs(90);
/// The demo payer's answers (approval, query, decision) arrive within seconds; the payment
/// notice about 10 s after the claim's approval.
const PAYER: Duration = Duration::from_secs(60);
/// The demo payer's participant code on the embedded sandbox.
const PAYER_CODE: &str = "demo-payer@sandbox";

async fn open(launch: Launch) -> Window {
    Window::open(launch).await.unwrap_or_else(|e| panic!("could not open the app window: {e}"))
}

/// Waits until the embedded sandbox is up: the banner says SANDBOX and names the clinic's
/// profile.
async fn wait_for_sandbox(p: &Page<'_>) {
    let banner = p.wait_text("[data-testid=env-banner]", "SANDBOX", FIRST_START).await;
    assert_eq!(
        banner.attr("data-env").await.ok().flatten().as_deref(),
        Some("sandbox"),
        "a first start with no profile runs on the embedded sandbox, and the banner says so"
    );
    p.wait_text("[data-testid=env-banner]", "Demo Clinic", FIRST_START).await;
}

/// Fills and sends the compose form of `use_case`; returns the new cycle's correlation id.
async fn compose(
    p: &Page<'_>,
    use_case: &str,
    patient: &str,
    items: &[(&str, &str, &str, &str)],
) -> String {
    p.go(&format!("#/compose/{use_case}")).await;
    p.wait("[data-testid=compose]", UI_WAIT).await;
    // The counterparties load from the sandbox registry; wait for the payer to be offered.
    p.wait(&format!("[data-testid=recipient] option[value='{PAYER_CODE}']"), UI_WAIT).await;
    p.select("[data-testid=recipient]", PAYER_CODE).await;
    p.fill("input[name=policyNumber]", "DPG-440011").await;
    p.fill("input[name=patientName]", patient).await;
    p.select("select[name=patientGender]", "female").await;
    // The real checker wants a patient identifier (ABHA, PMJAY id or MRN).
    p.fill("input[name=patientAbha]", "91-1234-5678-9012").await;
    p.fill("[aria-label='Diagnosis 1']", "K35.80").await;
    for (i, (code, description, quantity, price)) in items.iter().enumerate() {
        let n = i + 1;
        if n > 1 {
            p.click("[data-testid=add-item]").await;
        }
        p.fill(&format!("[aria-label='Item {n} code']"), code).await;
        p.fill(&format!("[aria-label='Item {n} description']"), description).await;
        p.fill(&format!("[aria-label='Item {n} quantity']"), quantity).await;
        p.fill(&format!("[aria-label='Item {n} unit price']"), price).await;
    }
    // Leaving a field runs the checker; Send stays disabled while it reports an error.
    p.click("input[name=patientName]").await;
    p.wait_js(
        "the Send button to be enabled after the checker ran",
        "document.querySelector('[data-testid=send]') && !document.querySelector('[data-testid=send]').disabled",
        UI_WAIT,
    )
    .await;
    p.click("[data-testid=send]").await;
    let hash = p
        .wait_js(
            "the app to open the new cycle",
            "location.hash.startsWith('#/thread/') && location.hash",
            UI_WAIT,
        )
        .await;
    let id = hash.as_str().unwrap_or_default().trim_start_matches("#/thread/").to_owned();
    assert!(!id.is_empty(), "sending opens the new cycle's timeline at #/thread/<correlation id>");
    id
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb and tauri-driver: run via scripts/test"]
async fn clerk_follows_preauth_query_and_payment_in_the_real_window() {
    let w = open(Launch::Binary).await;
    let p = Page::new(&w);
    wait_for_sandbox(&p).await;

    // 1. A preauth, approved by the demo payer, on the timeline.
    let preauth = compose(
        &p,
        "preauth",
        "Asha Kulkarni",
        &[
            ("SU016A", "Laparoscopic appendicectomy", "1", "45000.00"),
            ("RM01", "Semi-private ward (per day)", "3", "2500.50"),
        ],
    )
    .await;
    let approved =
        p.wait_text("[data-testid=timeline] li[data-kind=complete]", "Approved", PAYER).await;
    let headline = approved.text().await.unwrap_or_default();
    assert!(
        headline.contains("52,501.50"),
        "the approval node carries the exact approved total 45,000.00 + 3 × 2,500.50: {headline:?}"
    );
    let kinds = p
        .js("return [...document.querySelectorAll('[data-testid=timeline] li')].map(li => li.dataset.kind);", vec![])
        .await;
    let kinds: Vec<&str> =
        kinds.as_array().map(|a| a.iter().filter_map(|k| k.as_str()).collect()).unwrap_or_default();
    assert!(
        kinds.iter().any(|k| *k == "acknowledged" || *k == "sent"),
        "the timeline shows the clerk's own request as the gateway took it, before the answer: {kinds:?}"
    );
    p.wait_text("[data-testid=next-actions]", "Submit claim", UI_WAIT).await;
    quiet(&p).await;
    w.screenshot("app-timeline", Some("app-timeline.png"))
        .await
        .unwrap_or_else(|e| panic!("screenshot: {e}"));

    // The queue lists the finished preauth.
    p.go("#/queue").await;
    let row = p
        .wait_text(&format!("tr[data-correlation-id='{preauth}']"), "Asha Kulkarni", UI_WAIT)
        .await;
    assert!(
        row.text().await.unwrap_or_default().contains("52,501.50"),
        "the queue row shows the requested amount of the preauth"
    );

    // 2. A claim the payer queries ("[query]" in an item's text is the demo payer's trigger),
    //    answered with a document, then decided.
    let claim = compose(
        &p,
        "claim",
        "Ravi Kumar",
        &[("SU021B", "Open cholecystectomy [query]", "1", "62000.00")],
    )
    .await;
    p.wait("[data-testid=next-actions] [data-action=answerQuery]", PAYER).await;
    p.click("[data-testid=next-actions] [data-action=answerQuery]").await;
    p.wait("[data-testid=answer]", UI_WAIT).await;
    p.fill("[aria-label=Answer]", "Ultrasound report and surgeon's notes attached.").await;
    attach_pdf(&p, "ultrasound.pdf", 300 * 1024).await;
    // The UI read the file (FileReader) and lists it with its size.
    p.wait_js(
        "the attached document to be listed with its size",
        "[...document.querySelectorAll('.attach-list li')].some(li => \
         li.innerText.includes('ultrasound.pdf') && li.innerText.includes('300 KB'))",
        UI_WAIT,
    )
    .await;
    p.click("[data-testid=send-answer]").await;
    p.wait_js(
        "the answer to return to the claim's timeline",
        &format!("location.hash === '#/thread/{claim}' || location.hash === '#/thread/' + encodeURIComponent('{claim}')"),
        UI_WAIT,
    )
    .await;
    p.wait("[data-testid=timeline] li[data-kind=answer]", UI_WAIT).await;
    p.wait("[data-testid=timeline] li[data-kind=complete]", PAYER).await;
    quiet(&p).await;
    w.screenshot("app-query-answered", Some("app-query-answered.png"))
        .await
        .unwrap_or_else(|e| panic!("screenshot: {e}"));

    // 3. The payment notice arrives as its own incoming cycle in the claim's admission.
    p.go("#/queue").await;
    p.wait_text("[data-testid=queue]", "Payment notice", PAYER).await;
    p.go(&format!("#/thread/{claim}")).await;
    p.click("[data-testid=thread] a[href^='#/workflow/']").await;
    // Settled equals the approved claim: the payment notice's amount reached the ledger.
    p.wait_js(
        "the ledger to show the settled amount of the payment notice",
        "/Settled\\s+₹62,000\\.00/i.test(document.querySelector('[data-testid=ledger]')?.innerText ?? '')",
        PAYER,
    )
    .await;
    quiet(&p).await;
    w.screenshot("app-ledger", Some("app-ledger.png"))
        .await
        .unwrap_or_else(|e| panic!("screenshot: {e}"));

    w.close().await.unwrap_or_else(|e| panic!("the window test left processes behind: {e}"));
}

/// Waits until no toast covers the window, for a clean screenshot (toasts last 4 s).
async fn quiet(p: &Page<'_>) {
    p.wait_js("the toasts to fade", "document.querySelectorAll('.toast').length === 0", UI_WAIT)
        .await;
}

/// Puts a generated PDF of `size` bytes into the answer form's file input. WebDriver cannot
/// open the OS file dialog, so the file goes in through a DataTransfer, which fires the same
/// `change` event a user's pick does.
async fn attach_pdf(p: &Page<'_>, name: &str, size: usize) {
    let script = r#"
        const [name, size] = arguments;
        const bytes = new Uint8Array(size);
        bytes.set(new TextEncoder().encode('%PDF-1.4\n'));
        const file = new File([bytes], name, { type: 'application/pdf' });
        const input = document.querySelector('[data-testid=file-input]');
        const dt = new DataTransfer();
        dt.items.add(file);
        input.files = dt.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
    "#;
    p.js(script, vec![serde_json::json!(name), serde_json::json!(size)]).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb and tauri-driver: run via scripts/test"]
async fn readme_run_command_opens_the_console_on_a_fresh_data_dir() {
    let w = open(Launch::RunScript).await;
    let p = Page::new(&w);
    wait_for_sandbox(&p).await;
    p.go("#/queue").await;
    p.wait("[data-testid=queue]", UI_WAIT).await;
    p.wait_text("[data-testid=statusbar]", "Mailbox connected", FIRST_START).await;
    let db = w.data_dir.join("console.sqlite3");
    assert!(
        db.is_file(),
        "scripts/run honours HCX_DATA: the console's database is in the fresh data dir ({})",
        db.display()
    );
    w.screenshot("app-first-start", None).await.unwrap_or_else(|e| panic!("screenshot: {e}"));

    // What a newcomer sees after the README's run command: a demo preauth sent from the form
    // and its finished timeline (the screenshot the issue asks for).
    compose(
        &p,
        "preauth",
        "Ravi Kumar",
        &[("SU016A", "Laparoscopic appendicectomy", "1", "39500.00")],
    )
    .await;
    let approved =
        p.wait_text("[data-testid=timeline] li[data-kind=complete]", "Approved", PAYER).await;
    let headline = approved.text().await.unwrap_or_default();
    assert!(
        headline.contains("39,500.00"),
        "the app opened by scripts/run finishes a preauth on its embedded sandbox: {headline:?}"
    );
    quiet(&p).await;
    w.screenshot("app-run-command-timeline", None)
        .await
        .unwrap_or_else(|e| panic!("screenshot: {e}"));
    w.close().await.unwrap_or_else(|e| panic!("the run-command test left processes behind: {e}"));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb and tauri-driver: run via scripts/test"]
async fn a_restart_keeps_the_history_and_the_embedded_sandbox_answers_again() {
    let w = open(Launch::Binary).await;
    let p = Page::new(&w);
    wait_for_sandbox(&p).await;
    let before =
        compose(&p, "preauth", "Meera Iyer", &[("SU016A", "Appendicectomy", "1", "41000.00")])
            .await;
    p.wait_text("[data-testid=timeline] li[data-kind=complete]", "Approved", PAYER).await;

    let w = w
        .restart(Launch::Binary)
        .await
        .unwrap_or_else(|e| panic!("could not restart the app: {e}"));
    let p = Page::new(&w);
    wait_for_sandbox(&p).await;
    p.go("#/queue").await;
    let row =
        p.wait_text(&format!("tr[data-correlation-id='{before}']"), "Meera Iyer", UI_WAIT).await;
    assert!(
        row.text().await.unwrap_or_default().contains("41,000.00"),
        "the cycle decided before the restart is still in the queue with its amount"
    );
    compose(&p, "preauth", "Kiran Rao", &[("RM01", "Ward (per day)", "2", "2750.25")]).await;
    let approved =
        p.wait_text("[data-testid=timeline] li[data-kind=complete]", "Approved", PAYER).await;
    assert!(
        approved.text().await.unwrap_or_default().contains("5,500.50"),
        "after a restart the resumed embedded sandbox still answers: 2 × 2,750.25 approved"
    );
    w.close().await.unwrap_or_else(|e| panic!("the restart test left processes behind: {e}"));
}
