//! Delivers queued messages to recipients (wire facts §4.7) and reports final failures to the
//! sender with the gateway's own plain-JSON error callback (§4.8).
//!
//! - URL: recipient `endpoint_url` + path without version; body: the sender's bytes, unchanged;
//!   `Authorization: Bearer <JWT signed by the sandbox, iss = sub = HCX code>`.
//! - 200/202 = delivered. 400/401/403/404 = hard failure. Anything else, connection errors and
//!   timeouts are retried for coverageeligibility, preauth and claim, up to `max_retries` times
//!   `delay` apart; other entities fail at once.
//! - The loop stops when its cancellation token fires; an attempt cut short stays queued and is
//!   made again after a restart (recipients dedupe on `x-hcx-api_call_id`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hcx_protocol::{Action, Details, ErrorCode, Headers, ProtocolResponse, Status};
use serde_json::Value;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::state::SharedState;
use crate::store::audit::{self, AuditEvent};
use crate::store::queue::{self, Delivery};
use crate::store::{now_ms, registry};

/// Longest idle wait between queue scans (a safety net; enqueues also wake the loop).
const IDLE_WAIT: Duration = Duration::from_millis(500);
/// Rows fetched per scan.
const BATCH: usize = 64;

/// Runs until `cancel` fires.
pub async fn run(state: SharedState, http: reqwest::Client, cancel: CancellationToken) {
    let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut tasks = JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        let now = now_ms();
        match state.store.run(move |c| queue::due(c, now, BATCH)).await {
            Ok(due) => {
                for d in due {
                    let fresh =
                        in_flight.lock().map(|mut s| s.insert(d.mid.clone())).unwrap_or(false);
                    if !fresh {
                        continue;
                    }
                    let (st, http, set) = (state.clone(), http.clone(), Arc::clone(&in_flight));
                    tasks.spawn(async move {
                        let mid = d.mid.clone();
                        if let Err(e) = deliver(&st, &http, d).await {
                            tracing::error!(%mid, error = %e, "delivery bookkeeping failed");
                        }
                        if let Ok(mut s) = set.lock() {
                            s.remove(&mid);
                        }
                        // Finished work may have queued more (an error callback): rescan.
                        st.dispatch_wakeup.notify_one();
                    });
                }
            }
            Err(e) => tracing::error!(error = %e, "could not read the delivery queue"),
        }
        let wait = match state.store.run(|c| queue::next_due(c)).await {
            Ok(Some(next)) => Duration::from_millis(u64::try_from(next - now_ms()).unwrap_or(0))
                .clamp(Duration::from_millis(5), IDLE_WAIT),
            _ => IDLE_WAIT,
        };
        tokio::select! {
            () = cancel.cancelled() => break,
            () = state.dispatch_wakeup.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
    // Dropping the JoinSet aborts attempts in flight; their rows stay pending.
    tasks.abort_all();
}

/// How one attempt ended.
enum Attempt {
    /// Acknowledged by the recipient, or by the peer instance named (a relay hop).
    Delivered(Option<String>),
    /// Worth retrying (5xx, other statuses, connection error, timeout).
    Transient(String, Details),
    /// 400/401/403/404 or no usable endpoint: no retry.
    Permanent(String, Details),
}

async fn deliver(state: &SharedState, http: &reqwest::Client, d: Delivery) -> Result<()> {
    let target = d.target_code.clone();
    let participant = state.store.run(move |c| registry::get(c, &target)).await?;
    let attempt = match participant {
        None => Attempt::Permanent(
            "recipient unknown".into(),
            Details::new(
                ErrorCode::ErrRecipientNotAvailable.as_str(),
                "Please provide correct recipient code",
            ),
        ),
        Some(p) if p.relay_via.is_some() => {
            forward(state, http, p.relay_via.as_deref().unwrap_or_default(), &d).await
        }
        Some(p) if p.endpoint_url.trim().is_empty() => Attempt::Permanent(
            "recipient has no endpoint_url".into(),
            Details::new(
                ErrorCode::ErrRecipientNotAvailable.as_str(),
                "Please provide correct recipient code",
            ),
        ),
        Some(p) => {
            let url = format!("{}{}", p.endpoint_url.trim_end_matches('/'), d.path);
            match state.tokens.dispatch_token(&state.hcx_code) {
                Ok(token) => post(state, http, &url, &token, None, &d).await,
                Err(e) => unsigned(&e),
            }
        }
    };
    let attempts = d.attempts + 1;
    let mid = d.mid.clone();
    let retryable = Action::from_path(&d.path).is_some_and(|(_, a)| a.retried_on_dispatch());
    match attempt {
        Attempt::Delivered(relayed_to) => {
            state
                .store
                .run(move |c| {
                    let tx = c.transaction()?;
                    queue::mark_done(&tx, &mid, attempts)?;
                    if let Some(peer) = &relayed_to {
                        audit::set_relayed_to(&tx, &mid, peer, now_ms())?;
                    }
                    if let Some(e) = audit::get(&tx, &mid)?
                        && !e.is_on_action()
                        && e.status == Status::RequestQueued.as_str()
                    {
                        audit::set_status(
                            &tx,
                            &mid,
                            Status::RequestDispatched.as_str(),
                            None,
                            now_ms(),
                        )?;
                    }
                    tx.commit()?;
                    Ok(())
                })
                .await
        }
        Attempt::Transient(why, _) if retryable && d.attempts < state.config.retry.max_retries => {
            let delay = i64::try_from(state.config.retry.delay.as_millis()).unwrap_or(i64::MAX);
            let next = now_ms().saturating_add(delay);
            tracing::info!(%mid, attempts, %why, "delivery failed, will retry");
            state.store.run(move |c| queue::reschedule(c, &mid, attempts, next, &why)).await
        }
        Attempt::Transient(why, details) | Attempt::Permanent(why, details) => {
            tracing::info!(%mid, attempts, %why, "delivery failed for good");
            fail(state, d, attempts, why, details).await
        }
    }
}

fn unsigned(e: &crate::error::SandboxError) -> Attempt {
    Attempt::Transient(
        format!("could not sign dispatch token: {e}"),
        Details::new(ErrorCode::InternalServerError.as_str(), "gateway could not sign its token"),
    )
}

/// Relays `d` to the peer instance that hosts its recipient (`crate::relay`). Refused here,
/// without a call, when the peer is unknown or the message already passed it (a loop).
async fn forward(
    state: &SharedState,
    http: &reqwest::Client,
    peer_code: &str,
    d: &Delivery,
) -> Attempt {
    if peer_code == state.hcx_code || d.relay_path.iter().any(|c| c == peer_code) {
        return Attempt::Permanent(
            format!("relay loop: {peer_code} already passed"),
            Details::new(
                ErrorCode::ErrInvalidForwardReq.as_str(),
                format!(
                    "Relay loop refused: the message already passed {peer_code}, so {} does not forward it there",
                    state.hcx_code
                ),
            ),
        );
    }
    let Some(peer) = state.peers.get(peer_code) else {
        return Attempt::Permanent(
            format!("{peer_code} is not a peer"),
            Details::new(
                ErrorCode::ErrRecipientNotAvailable.as_str(),
                format!(
                    "Recipient is registered on HCX {peer_code}, which is not a peer of this instance"
                ),
            ),
        );
    };
    let mut path = d.relay_path.clone();
    path.push(state.hcx_code.clone());
    if path.len() > crate::relay::MAX_HOPS {
        return Attempt::Permanent(
            "relay path too long".into(),
            Details::new(
                ErrorCode::ErrRecipientNotAvailable.as_str(),
                "Recipient is too many relays away",
            ),
        );
    }
    let token = match state.tokens.relay_token(&state.hcx_code, &peer.code) {
        Ok(t) => t,
        Err(e) => return unsigned(&e),
    };
    let url = crate::relay::hop_url(peer, &d.path);
    match post(state, http, &url, &token, Some(path.join(",")), d).await {
        Attempt::Delivered(_) => Attempt::Delivered(Some(peer.code.clone())),
        other => other,
    }
}

/// One POST of the stored body. `relay_path` is sent as the hop header on a relay.
async fn post(
    state: &SharedState,
    http: &reqwest::Client,
    url: &str,
    token: &hcx_protocol::Secret,
    relay_path: Option<String>,
    d: &Delivery,
) -> Attempt {
    let mut req = http.post(url);
    if let Some(p) = relay_path {
        req = req.header(crate::relay::RELAY_PATH_HEADER, p);
    }
    let sent = req
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .bearer_auth(token.expose())
        .timeout(state.config.dispatch_timeout)
        .body(d.body.clone())
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            return Attempt::Transient(
                format!("POST {url}: {e}"),
                Details::new(
                    ErrorCode::ErrRecipientNotAvailable.as_str(),
                    format!("Recipient not reachable: {e}"),
                ),
            );
        }
    };
    let status = resp.status().as_u16();
    if status == 200 || status == 202 {
        return Attempt::Delivered(None);
    }
    // The error callback carries the recipient's own error.code/message (§4.8), possibly empty.
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let err = body.get("error");
    let code = err.and_then(|e| e.get("code")).and_then(Value::as_str).unwrap_or_default();
    let message = err
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("Recipient answered HTTP {status}"), str::to_string);
    let details = Details::new(code, message);
    let why = format!("POST {url}: HTTP {status}");
    if matches!(status, 400 | 401 | 403 | 404) {
        Attempt::Permanent(why, details)
    } else {
        Attempt::Transient(why, details)
    }
}

/// Records the failure and, for messages participants sent, queues the gateway's error callback
/// to the sender's `on_*` path.
async fn fail(
    state: &SharedState,
    d: Delivery,
    attempts: u32,
    why: String,
    details: Details,
) -> Result<()> {
    let hcx = state.hcx_code.clone();
    let queued = state
        .store
        .run(move |c| {
            let tx = c.transaction()?;
            queue::mark_failed(&tx, &d.mid, attempts, &why)?;
            let original = audit::get(&tx, &d.mid)?;
            let mut queued = false;
            if let Some(orig) = original {
                let now = now_ms();
                audit::set_status(
                    &tx,
                    &d.mid,
                    Status::ResponseError.as_str(),
                    Some(&details.to_value()),
                    now,
                )?;
                // Never answer an error callback with another one (it would loop).
                if orig.sender_code != hcx
                    && let Some(sender) = registry::get(&tx, &orig.sender_code)?
                {
                    let headers = Headers::from_map(orig.headers.clone());
                    let cb = ProtocolResponse::gateway_error(&hcx, &headers, &details);
                    let path = Action::from_path(&orig.action).map_or_else(
                        || orig.action.clone(),
                        |(_, a)| a.callback().path().to_string(),
                    );
                    let body = cb.to_json_string().into_bytes();
                    let mid = uuid::Uuid::new_v4().to_string();
                    let event = AuditEvent {
                        mid: mid.clone(),
                        action: path.clone(),
                        api_call_id: cb.api_call_id().unwrap_or_default().to_string(),
                        correlation_id: orig.correlation_id.clone(),
                        workflow_id: orig.workflow_id.clone(),
                        sender_code: hcx.clone(),
                        recipient_code: orig.sender_code.clone(),
                        sender_role: vec![crate::api::auth::HCX_ROLE.to_string()],
                        recipient_role: sender.roles.clone(),
                        status: Status::ResponseError.as_str().to_string(),
                        headers: cb.into_map(),
                        payload_size: i64::try_from(body.len()).unwrap_or(i64::MAX),
                        request_ms: now,
                        updated_ms: now,
                        error_details: Some(details.to_value()),
                        relay_path: Vec::new(),
                        relayed_to: None,
                    };
                    audit::insert(&tx, &event)?;
                    queue::enqueue(
                        &tx,
                        &Delivery {
                            mid,
                            body,
                            target_code: orig.sender_code.clone(),
                            path,
                            attempts: 0,
                            next_attempt_ms: now,
                            relay_path: Vec::new(),
                        },
                    )?;
                    queued = true;
                }
            }
            tx.commit()?;
            Ok(queued)
        })
        .await?;
    if queued {
        state.dispatch_wakeup.notify_one();
    }
    Ok(())
}
