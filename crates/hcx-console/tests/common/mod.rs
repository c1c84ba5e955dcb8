//! A clinic desk and a payer desk on the embedded sandbox and bridge, over loopback HTTP with
//! the real keychain. The payer desk's mailbox is never polled: the test speaks for the payer,
//! sealing its answers with the clinic's certificate and posting them through the sandbox
//! gateway (which cannot read the payload, so it routes poison as it would routes anything).

#![allow(dead_code)]

use std::time::Duration;

use hcx_client::{Credentials, GatewayConfig, HcxClient, SendOutcome};
use hcx_console::demo::{LocalExchange, demo_preauth, wait_for_state};
use hcx_console::dto::{ThreadDetail, TimelineNode};
use hcx_console::{BridgePoller, Console, ConsoleOptions, OutboxWorker, PollerOptions};
use hcx_keys::{KeychainStore, SecretKind, SecretStore};
use hcx_protocol::{Action, Headers, RecipientKey, Status, payload_body, seal};
use serde_json::{Value, json};

/// Bound for every wait (nothing here is timed; this only stops a hung test).
pub const WAIT: Duration = Duration::from_secs(60);

pub struct World {
    pub dir: tempfile::TempDir,
    pub app_id: String,
    pub exchange: LocalExchange,
    pub console: Console,
    pub clinic: String,
    pub payer: String,
    pub payer_client: HcxClient,
    pub clinic_key: RecipientKey,
    pub worker: Option<OutboxWorker>,
    pub poller: Option<BridgePoller>,
}

pub fn fast_poll() -> PollerOptions {
    PollerOptions {
        wait: Duration::from_secs(2),
        limit: 100,
        backoff_initial: Duration::from_millis(100),
        backoff_max: Duration::from_millis(500),
    }
}

/// Sets up both desks; `tune` adjusts the console's options.
pub async fn world(tune: impl FnOnce(&mut ConsoleOptions)) -> World {
    let app_id = format!("{}-{}", hcx_keys::TEST_APP_ID, uuid::Uuid::new_v4().simple());
    if let Err(e) = KeychainStore::new(&app_id).probe() {
        panic!("the OS keychain is not reachable ({e}); run the tests with scripts/test");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let exchange = LocalExchange::start(dir.path(), true).await.expect("sandbox and bridge start");
    let mut options = ConsoleOptions::new(dir.path().join("console"));
    options.app_id = app_id.clone();
    options.memory_secrets_for_sandbox = false;
    options.outbox_retry.base_delay = chrono::TimeDelta::milliseconds(200);
    options.outbox_retry.max_delay = chrono::TimeDelta::seconds(1);
    options.outbox_poll = Duration::from_millis(200);
    tune(&mut options);
    let console = Console::open(options).expect("console opens");
    let clinic = exchange
        .onboard(&console, "Poison Clinic", "poison-clinic@sandbox", &["provider.hospital"])
        .await
        .expect("the clinic is onboarded");
    let payer = exchange.add_desk(&console, "Poison Payer", "payor").await.expect("payer desk");
    console.use_profile(&clinic.id).await.expect("the clinic is the active desk");

    let stored = hcx_store::Store::open(console.database_path())
        .expect("second connection")
        .read()
        .get_profile(&payer.id)
        .expect("read")
        .expect("the payer desk's profile");
    let password = KeychainStore::new(&app_id)
        .get(&payer.id, SecretKind::GatewaySecret)
        .expect("keychain answers")
        .expect("the payer desk's password");
    let mut config = GatewayConfig::new(
        &stored.fields.gateway_base_url,
        &payer.participant_code,
        Credentials::Password {
            username: stored.fields.username.clone().expect("username"),
            password: hcx_client::Secret::new(password.expose()),
        },
    );
    config.roles = vec!["payor".parse().expect("payor role")];
    let payer_client = HcxClient::new(config).expect("payer client");

    let pem = console
        .key_report(&clinic.id)
        .await
        .expect("key report")
        .certificate_pem
        .expect("the clinic has a certificate");
    let clinic_key = RecipientKey::from_certificate_pem(pem.as_bytes()).expect("certificate");

    console.recover_outbox().expect("recover");
    let worker = Some(console.start_outbox_worker());
    let poller = Some(
        console
            .start_bridge_poller_with(&clinic.id, fast_poll())
            .expect("poller")
            .expect("the clinic has a bridge"),
    );
    World {
        dir,
        app_id,
        exchange,
        console,
        clinic: clinic.id,
        payer: payer.participant_code,
        payer_client,
        clinic_key,
        worker,
        poller,
    }
}

impl World {
    /// The clinic sends a preauth to the payer desk; returns its correlation id once the
    /// gateway took it.
    pub async fn open_preauth(&self) -> String {
        let sent = self
            .console
            .send_compose(demo_preauth(&self.payer, None))
            .await
            .expect("preauth queued");
        wait_for_state(&self.console, &sent.correlation_id, &["acknowledged", "dispatched"], WAIT)
            .await
            .expect("the gateway accepts the clinic's preauth");
        sent.correlation_id
    }

    /// The clinic's request headers of a cycle (what the payer desk received).
    pub async fn request_headers(&self, correlation_id: &str) -> Headers {
        let detail = self.console.get_thread(correlation_id).await.expect("thread");
        let first = detail.timeline.first().expect("the request is on the timeline");
        Headers::from_value(first.headers.clone()).expect("request headers")
    }

    /// The payer desk answers `correlation_id` with a final answer carrying `payload`, sealed
    /// to the clinic, through the sandbox gateway. Returns the callback's api_call_id.
    pub async fn answer(&self, correlation_id: &str, payload: &[u8]) -> String {
        self.answer_with(correlation_id, Status::ResponseComplete, payload).await
    }

    /// Same with any status (`response.partial` keeps the gateway's cycle open).
    pub async fn answer_with(
        &self,
        correlation_id: &str,
        status: Status,
        payload: &[u8],
    ) -> String {
        let request = self.request_headers(correlation_id).await;
        let headers = Headers::callback_to(&request, status);
        let api_call_id = headers.api_call_id().expect("api call id").to_owned();
        let body = payload_body(&seal(&headers, payload, &self.clinic_key).expect("seal"));
        let out = self
            .payer_client
            .send_raw(Action::PreauthOnSubmit, body.as_bytes())
            .await
            .expect("the gateway takes the payer's callback");
        assert!(
            matches!(out, SendOutcome::Accepted { .. } | SendOutcome::AcceptedWithoutAck { .. }),
            "the sandbox accepts the sealed callback (it cannot read the payload): {out:?}"
        );
        api_call_id
    }

    /// Waits until the clinic's cycle shows a node for `api_call_id`.
    pub async fn wait_for_node(&self, correlation_id: &str, api_call_id: &str) -> TimelineNode {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let detail = self.console.get_thread(correlation_id).await.expect("thread");
            if let Some(n) = detail.timeline.iter().find(|n| n.api_call_id == api_call_id) {
                return n.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the callback {api_call_id} reaches the clinic's timeline (state {}, bridge {:?})",
                detail.thread.state,
                self.poller.as_ref().map(BridgePoller::status)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn thread(&self, correlation_id: &str) -> ThreadDetail {
        self.console.get_thread(correlation_id).await.expect("thread")
    }

    pub async fn clinic_pending(&self) -> u64 {
        self.exchange.bridge.pending("poison-clinic@sandbox").await.expect("bridge store")
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Leave nothing in the keychain, also when an assertion failed.
        let console = self.console.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().map(|rt| {
                rt.block_on(async {
                    for p in console.list_profiles().await.unwrap_or_default() {
                        let _ = console.delete_profile(&p.id).await;
                    }
                })
            })
        })
        .join();
    }
}

/// A ClaimResponse bundle approving `amount` in full.
pub fn approval(amount: &str) -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:cr", "resource": {"resourceType": "ClaimResponse", "id": "cr",
         "status": "active", "outcome": "complete",
         "total": [{"category": {"coding": [{"code": "benefit"}]},
                    "amount": {"value": amount.parse::<f64>().unwrap_or(0.0), "currency": "INR"}}]}}
    ]})
}
