//! Relays between two sandbox instances in one process (seed "Relays"): a provider on A and a
//! payer on B exchange through both, every hop acknowledged and audited on each side with the
//! same ids, the JWE bytes unchanged; a peer that is down ends in the gateway error callback
//! after the retries; forged instance-to-instance calls and relay loops are refused.

mod common;

use std::time::Duration;

use common::*;
use hcx_protocol::gateway_jwt::GatewaySigner;
use hcx_protocol::{Action, Headers, RecipientKey, Status};
use hcx_sandbox::keys;
use hcx_sandbox::relay::RELAY_PATH_HEADER;
use hcx_sandbox::{PeerInstance, SandboxConfig};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);
const A: &str = "hcx@a";
const B: &str = "hcx@b";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The HCX identity of an instance, created before the instance starts so each peer can be
/// configured with the other's certificate.
fn hcx_keys(dir: &std::path::Path, instance: &str) -> keys::DemoKeyPair {
    keys::load_or_create_keys(&keys::identity_dir(dir, "hcx"), &format!("hcx@{instance}"))
        .expect("HCX identity")
}

struct Instance {
    dir: std::path::PathBuf,
    code: &'static str,
    port: u16,
}

impl Instance {
    fn new(root: &std::path::Path, code: &'static str) -> Instance {
        Instance { dir: root.join(code), code, port: free_port() }
    }

    fn peer(&self) -> PeerInstance {
        PeerInstance {
            code: format!("hcx@{}", self.code),
            base_url: format!("http://127.0.0.1:{}/api", self.port),
            cert_pem: hcx_keys(&self.dir, self.code).cert_pem,
        }
    }

    fn config(&self, peer: &Instance) -> SandboxConfig {
        let mut c = config(&self.dir);
        c.instance_code = self.code.into();
        c.bind = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        c.scripted.enabled = false;
        c.peers = vec![peer.peer()];
        c
    }
}

async fn pair(root: &std::path::Path) -> (Harness, Harness, Instance, Instance) {
    let (ia, ib) = (Instance::new(root, "a"), Instance::new(root, "b"));
    let a = Harness::start_with(ia.config(&ib)).await;
    let b = Harness::start_with(ib.config(&ia)).await;
    (a, b, ia, ib)
}

/// Looks `code` up in `hx`'s registry as `token`'s owner would, and fetches its certificate
/// from the URL in the record.
async fn look_up(hx: &Harness, token: &str, code: &str) -> (Value, String) {
    let (st, v) = hx
        .post_json(
            "/participant/search",
            token,
            &json!({"filters": {"participant_code": {"eq": code}}}),
        )
        .await;
    assert_eq!(st, 200, "registry search answers: {v}");
    let record = v["participants"][0].clone();
    let url = record["encryption_cert"].as_str().expect("the record names its certificate URL");
    let pem = hx.http.get(url).send().await.expect("certificate URL reachable");
    assert_eq!(pem.status().as_u16(), 200, "the certificate is served at {url}");
    (record, pem.text().await.expect("certificate text"))
}

fn seal(h: &Headers, cert_pem: &str) -> String {
    let key = RecipientKey::from_certificate_pem(cert_pem.as_bytes()).expect("certificate");
    let compact = hcx_protocol::seal(h, bundle().to_string().as_bytes(), &key).expect("seal");
    hcx_protocol::payload_body(&compact)
}

fn relay_token(dir: &std::path::Path, instance: &str, audience: &str) -> String {
    let pair = hcx_keys(dir, instance);
    GatewaySigner::from_pem(pair.private_pem.expose())
        .and_then(|s| {
            s.mint_for_audience(
                &format!("hcx@{instance}"),
                audience,
                chrono::Utc::now().timestamp(),
                Duration::from_secs(60),
            )
        })
        .expect("relay token")
}

async fn hop_call(
    hx: &Harness,
    path: &str,
    token: &str,
    relay_path: &str,
    body: String,
) -> (u16, Value) {
    let resp = hx
        .http
        .post(format!("{}/v0.8/relay{path}", hx.sandbox.base_url()))
        .bearer_auth(token)
        .header(RELAY_PATH_HEADER, relay_path)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("instance reachable");
    let st = resp.status().as_u16();
    (st, resp.json().await.unwrap_or(Value::Null))
}

fn event<'a>(
    events: &'a [hcx_sandbox::store::audit::AuditEvent],
    action: &str,
    api_call_id: &str,
) -> &'a hcx_sandbox::store::audit::AuditEvent {
    events
        .iter()
        .find(|e| e.action == action && e.api_call_id == api_call_id)
        .unwrap_or_else(|| panic!("{action} with api_call_id {api_call_id} is audited"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_and_its_answer_cross_both_instances_unchanged_and_audited_per_hop() {
    let root = tempfile::tempdir().expect("temp dir");
    let (a, b, _, _) = pair(root.path()).await;
    let prov = a.participant("relay-prov", "provider.hospital").await;
    let payer = b.participant("relay-payer", "payor").await;
    let tp = a.token_of(&prov).await;

    let (record, pem) = look_up(&a, &tp, &payer.code).await;
    assert_eq!(record["relay_via"], json!(B), "A's registry names the instance hosting the payer");
    assert_eq!(pem, payer.cert_pem, "the payer's certificate comes from its own instance");

    let corr = new_id();
    let h = action_headers(&prov.code, &payer.code, &corr, Some(&new_id()));
    let body = seal(&h, &pem);
    let (st, v) = a.post_raw(Action::PreauthSubmit.path(), Some(&tp), body.clone()).await;
    assert_eq!(st, 202, "A accepts a request for a participant on its peer: {v}");
    let got = payer.receiver.expect("/preauth/submit", WAIT).await;
    assert_eq!(got.body, body.as_bytes(), "the payer receives the provider's bytes unchanged");

    // The payer answers through B; B found the provider through A when the hop arrived.
    let opened = payer.open(&got);
    let tq = b.token_of(&payer).await;
    let (_, prov_pem) = look_up(&b, &tq, &prov.code).await;
    assert_eq!(prov_pem, prov.cert_pem, "B serves the provider's record with A's certificate URL");
    let answer_h = Headers::callback_to(&opened.headers, Status::ResponseComplete);
    let answer = seal(&answer_h, &prov_pem);
    let (st, v) = b.post_raw(Action::PreauthOnSubmit.path(), Some(&tq), answer.clone()).await;
    assert_eq!(st, 202, "B accepts the payer's answer to a relayed request: {v}");
    let back = prov.receiver.expect("/preauth/on_submit", WAIT).await;
    assert_eq!(back.body, answer.as_bytes(), "the answer reaches the provider unchanged");

    let request_id = h.api_call_id().expect("api_call_id").to_string();
    let answer_id = answer_h.api_call_id().expect("api_call_id").to_string();
    let (ea, eb) = (
        a.sandbox.audit_events().await.expect("A's audit"),
        b.sandbox.audit_events().await.expect("B's audit"),
    );
    let (req_a, req_b) =
        (event(&ea, "/preauth/submit", &request_id), event(&eb, "/preauth/submit", &request_id));
    assert_eq!(req_a.relayed_to.as_deref(), Some(B), "A's audit shows the hop to B");
    assert!(req_a.relay_path.is_empty(), "the provider sent it to A directly");
    assert_eq!(req_b.relay_path, vec![A.to_string()], "B's audit shows it came from A");
    assert_eq!(req_b.relayed_to, None, "B delivered it to the payer itself");
    assert_eq!(req_a.correlation_id, corr, "A audits the cycle's correlation id");
    assert_eq!(req_b.correlation_id, corr, "B audits the same correlation id");
    let (ans_a, ans_b) = (
        event(&ea, "/preauth/on_submit", &answer_id),
        event(&eb, "/preauth/on_submit", &answer_id),
    );
    assert_eq!(ans_b.relayed_to.as_deref(), Some(A), "B's audit shows the answer's hop to A");
    assert_eq!(ans_a.relay_path, vec![B.to_string()], "A's audit shows the answer came from B");
    assert_eq!((&ans_a.correlation_id, &ans_b.correlation_id), (&corr, &corr), "one cycle");
    assert_eq!(
        req_a.status,
        Status::RequestDispatched.as_str(),
        "the answer flipped A's request to dispatched"
    );

    // The provider's own audit search reports the hop.
    let (st, v) = a.post_json("/audit/search", &tp, &json!({"filters": {}})).await;
    assert_eq!(st, 200, "audit search answers: {v}");
    let mine = v
        .as_array()
        .and_then(|l| l.iter().find(|e| e["x-hcx-api_call_id"] == json!(request_id)))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(mine["relayed_to"], json!(B), "audit search reports the relay hop: {mine}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_is_down_ends_in_the_error_callback_after_the_retries_then_a_resend_passes() {
    let root = tempfile::tempdir().expect("temp dir");
    let (a, b, ia, ib) = pair(root.path()).await;
    let prov = a.participant("down-prov", "provider.hospital").await;
    let payer = b.participant("down-payer", "payor").await;
    let tp = a.token_of(&prov).await;
    let (_, pem) = look_up(&a, &tp, &payer.code).await;
    b.sandbox.shutdown().await;

    let wf = new_id();
    let h = action_headers(&prov.code, &payer.code, &new_id(), Some(&wf));
    let (st, v) = a.post_raw(Action::PreauthSubmit.path(), Some(&tp), seal(&h, &pem)).await;
    assert_eq!(st, 202, "A accepts while B is down (the cached record names B): {v}");
    let cb = prov.receiver.expect("/preauth/on_submit", WAIT).await;
    let cb: Value = serde_json::from_slice(&cb.body).expect("error callback is plain JSON");
    assert_eq!(cb["x-hcx-status"], json!("response.error"), "the gateway reports it: {cb}");
    assert_eq!(cb["x-hcx-sender_code"], json!(A), "sent by A itself");
    assert_eq!(
        cb["x-hcx-error_details"]["code"],
        json!("ERR_RECIPIENT_NOT_AVAILABLE"),
        "the error a missing recipient gets: {cb}"
    );
    let id = h.api_call_id().expect("api_call_id").to_string();
    let mid =
        event(&a.sandbox.audit_events().await.expect("audit"), "/preauth/submit", &id).mid.clone();
    let (state, attempts) =
        a.sandbox.delivery(&mid).await.expect("queue").expect("the hop was queued");
    assert_eq!(state, "failed", "the hop failed for good");
    assert_eq!(attempts, 4, "the first attempt plus the platform's 3 retries");

    // B returns; the clerk sends again (a new cycle in the same workflow).
    let _b = Harness::start_with(ib.config(&ia)).await;
    let h = action_headers(&prov.code, &payer.code, &new_id(), Some(&wf));
    let body = seal(&h, &pem);
    let (st, v) = a.post_raw(Action::PreauthSubmit.path(), Some(&tp), body.clone()).await;
    assert_eq!(st, 202, "the resend is accepted: {v}");
    let got = payer.receiver.expect("/preauth/submit", WAIT).await;
    assert_eq!(got.body, body.as_bytes(), "the resend reaches the payer through B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_instance_calls_and_relay_loops_are_refused() {
    let root = tempfile::tempdir().expect("temp dir");
    let (a, b, ia, _ib) = pair(root.path()).await;
    let prov = a.participant("loop-prov", "provider.hospital").await;
    let payer = b.participant("loop-payer", "payor").await;
    let tp = a.token_of(&prov).await;
    let (_, pem) = look_up(&a, &tp, &payer.code).await;
    // B knows the provider once it looked it up through A.
    let tq = b.token_of(&payer).await;
    look_up(&b, &tq, &prov.code).await;
    let body = || seal(&action_headers(&prov.code, &payer.code, &new_id(), None), &pem);

    // A wrong certificate: a token signed by a key that is not A's.
    let stranger = keys::generate("hcx@a").expect("key");
    let forged = GatewaySigner::from_pem(stranger.private_pem.expose())
        .and_then(|s| s.mint_for_audience(A, B, chrono::Utc::now().timestamp(), WAIT))
        .expect("forged token");
    let (st, v) = hop_call(&b, "/preauth/submit", &forged, A, body()).await;
    assert_eq!(st, 401, "a token A's certificate does not verify is refused: {v}");
    // A's dispatch token (what participants receive) is not a relay token.
    let dispatch = a.sandbox.dispatch_token().expect("dispatch token");
    let (st, v) = hop_call(&b, "/preauth/submit", dispatch.expose(), A, body()).await;
    assert_eq!(st, 401, "a dispatch token a participant could replay is refused: {v}");
    // A genuine token for another instance.
    let (st, v) =
        hop_call(&b, "/preauth/submit", &relay_token(&ia.dir, "a", "hcx@c"), A, body()).await;
    assert_eq!(st, 401, "a relay token addressed to another instance is refused: {v}");
    // A genuine token, but the sender is B's own participant, not one hosted on A.
    let reverse = seal(&action_headers(&payer.code, &prov.code, &new_id(), None), &prov.cert_pem);
    let (st, v) =
        hop_call(&b, "/coverageeligibility/check", &relay_token(&ia.dir, "a", B), A, reverse).await;
    assert_eq!(st, 400, "only a participant hosted on the calling instance may send: {v}");
    assert_eq!(error_code(&v), Some("ERR_INVALID_SENDER"), "named as a sender error: {v}");
    // A genuine token whose path already passed B: a loop.
    let looped = format!("{B},{A}");
    let (st, v) =
        hop_call(&b, "/preauth/submit", &relay_token(&ia.dir, "a", B), &looped, body()).await;
    assert_eq!(st, 400, "a message that already passed B is refused by B: {v}");
    assert_eq!(error_code(&v), Some("ERR_INVALID_FORWARD_REQ"), "named as a loop: {v}");
    assert!(
        payer.receiver.next(Duration::from_millis(300)).await.is_none(),
        "nothing refused reached the payer"
    );
    // The same genuine call without the loop passes: the refusals above were about what they
    // changed, not about the call itself.
    let (st, v) = hop_call(&b, "/preauth/submit", &relay_token(&ia.dir, "a", B), A, body()).await;
    assert_eq!(st, 202, "a genuine hop from A is accepted: {v}");
    payer.receiver.expect("/preauth/submit", WAIT).await;

    // A registry loop: A says X is on B, B says X is on A. B never forwards it back to A.
    let x_on_a = a.participant("loop-x", "payor").await;
    let x_pem = x_on_a.cert_pem.clone();
    for (hx, via) in [(&a, B), (&b, A)] {
        let (st, v) = hx
            .post_json(
                "/participant/update",
                &hx.admin_token,
                &json!({"participant_code": x_on_a.code, "relay_via": via}),
            )
            .await;
        if st != 200 {
            // B does not have X yet: register it there, pointing at A.
            let (st, v2) = hx
                .post_json(
                    "/participant/create",
                    &hx.admin_token,
                    &json!({
                        "participant_code": x_on_a.code, "participant_name": "X",
                        "primary_email": "loop-x-b@example.org", "roles": ["payor"],
                        "scheme_code": "default", "endpoint_url": x_on_a.receiver.url,
                        "encryption_cert": x_pem, "password": "pw-loop-x-12345",
                        "relay_via": via,
                    }),
                )
                .await;
            assert_eq!(
                st,
                200,
                "X registered on {} with relay_via {via}: {v} / {v2}",
                hx.sandbox.hcx_code()
            );
        }
    }
    let h = action_headers(&prov.code, &x_on_a.code, &new_id(), None);
    let (st, v) = a.post_raw(Action::PreauthSubmit.path(), Some(&tp), seal(&h, &x_pem)).await;
    assert_eq!(st, 202, "A accepts and forwards to B: {v}");
    let cb = prov.receiver.expect("/preauth/on_submit", WAIT).await;
    let cb: Value = serde_json::from_slice(&cb.body).expect("error callback is plain JSON");
    assert_eq!(cb["x-hcx-sender_code"], json!(B), "B reports the refusal, relayed back by A: {cb}");
    assert_eq!(
        cb["x-hcx-error_details"]["code"],
        json!("ERR_INVALID_FORWARD_REQ"),
        "the loop is named: {cb}"
    );
    let message = cb["x-hcx-error_details"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("hcx@b does not forward it there"),
        "B refused before forwarding back to A (A's own refusal words it differently): {message}"
    );
    assert!(
        x_on_a.receiver.next(Duration::from_millis(300)).await.is_none(),
        "a looping message is delivered nowhere"
    );
}
