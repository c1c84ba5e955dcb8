//! Relays between HCX instances (seed "Relays" and Appendix A): the peers this instance knows,
//! how one instance proves itself to another, the registry look-up that follows the peers, and
//! the gateway error callbacks a peer relays back.
//!
//! - A hop is `POST <peer base_url>/v0.8/relay/<entity>/<action>` with the sender's body byte
//!   for byte, `Authorization: Bearer <relay token>` and [`RELAY_PATH_HEADER`] listing the HCX
//!   codes the message passed, the caller last. The path lives outside the JWE (whose protected
//!   header is AEAD-bound and must reach the recipient unchanged).
//! - The relay token is an `hcx_protocol::gateway_jwt` token (`iss` = `sub` = the sender HCX)
//!   with `aud` = the receiving HCX, signed by the sender HCX's own key and verified with the
//!   certificate configured for that peer. A dispatch token a participant received has no
//!   `aud`, so it never passes as one.
//! - Which instance hosts a participant is the registry's answer (`relay_via`), never a parse of
//!   its code. A look-up that misses locally asks every peer's own participants and caches the
//!   answers with `relay_via` = that peer.
//! - Loops: an instance refuses a hop whose path already names it, and never forwards to a peer
//!   the path names.

use std::time::Duration;

use axum::http::HeaderMap;
use hcx_protocol::gateway_jwt::{GatewayPolicy, GatewayVerifier};
use hcx_protocol::{Ack, Headers, Status};
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use crate::config::PeerInstance;
use crate::error::{Result, SandboxError};
use crate::state::SharedState;
use crate::store::audit::{self, AuditEvent};
use crate::store::now_ms;
use crate::store::queue::{self, Delivery};
use crate::store::registry::{self, Participant};

/// HTTP header of a hop call: the HCX codes the message passed, comma-separated, in order, the
/// calling instance last.
pub const RELAY_PATH_HEADER: &str = "hcx-relay-path";
/// The API version hop calls use (every version behaves the same on the sandbox).
pub const RELAY_VERSION: &str = "v0.8";
/// Longest relay path accepted: a message that passed more instances is refused.
pub const MAX_HOPS: usize = 8;
/// Longest HCX code accepted in a relay path.
const MAX_CODE_LEN: usize = 128;
/// Lifetime of a relay token (one per hop call, like dispatch tokens).
pub const RELAY_TOKEN_LIFETIME: Duration = Duration::from_secs(120);
/// Most records taken from one peer's registry answer.
const MAX_PEER_RECORDS: usize = 500;
/// Largest registry answer read from a peer.
const MAX_PEER_ANSWER: usize = 4 * 1024 * 1024;
/// Timeout of one registry call to a peer.
const PEER_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// The HCX role: peers never hand out their own HCX record.
const HCX_ROLE: &str = "HIE/HIO.HCX";

struct Peer {
    config: PeerInstance,
    verifier: GatewayVerifier,
}

/// The configured peer instances and their token verifiers.
pub struct Peers {
    list: Vec<Peer>,
}

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes: Vec<&str> = self.list.iter().map(|p| p.config.code.as_str()).collect();
        f.debug_struct("Peers").field("codes", &codes).finish()
    }
}

/// Why a hop call was refused before any protocol rule ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopRefusal {
    /// No usable relay token or path, an unknown peer, or a token that does not verify.
    Unauthenticated(String),
    /// The path already names this instance.
    Loop(String),
}

impl Peers {
    /// Checks the configuration: a peer is not this instance, codes are unique and fit in a
    /// relay path, and every certificate loads.
    pub fn new(own_code: &str, peers: &[PeerInstance]) -> Result<Self> {
        let mut list: Vec<Peer> = Vec::new();
        for p in peers {
            if p.code == own_code {
                return Err(SandboxError::Invalid(format!("peer {} is this instance", p.code)));
            }
            if !valid_code(&p.code) {
                return Err(SandboxError::Invalid(format!("peer code {:?} is not usable", p.code)));
            }
            if list.iter().any(|q| q.config.code == p.code) {
                return Err(SandboxError::Invalid(format!("peer {} is listed twice", p.code)));
            }
            let verifier = GatewayVerifier::for_hcx(&p.cert_pem, &p.code)
                .map_err(|e| SandboxError::Invalid(format!("peer {} certificate: {e}", p.code)))?;
            list.push(Peer { config: p.clone(), verifier });
        }
        Ok(Self { list })
    }

    /// True when no peer is configured (nothing is ever relayed).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// A peer by HCX code.
    pub fn get(&self, code: &str) -> Option<&PeerInstance> {
        self.list.iter().find(|p| p.config.code == code).map(|p| &p.config)
    }

    /// Every peer.
    pub fn all(&self) -> impl Iterator<Item = &PeerInstance> {
        self.list.iter().map(|p| &p.config)
    }

    /// Authenticates a call from a peer: the relay path's last entry names the caller, whose
    /// configured certificate must verify the bearer token, issued for `own_code`. Answers the
    /// path. Loops are checked after authentication, so an outsider learns nothing.
    pub fn authenticate(
        &self,
        own_code: &str,
        headers: &HeaderMap,
    ) -> std::result::Result<Vec<String>, HopRefusal> {
        let denied = |m: &str| HopRefusal::Unauthenticated(m.to_string());
        let path = parse_path(headers.get(RELAY_PATH_HEADER).and_then(|v| v.to_str().ok()))
            .ok_or_else(|| denied("relay path header is missing or malformed"))?;
        let caller = path.last().ok_or_else(|| denied("relay path is empty"))?;
        let peer = self
            .list
            .iter()
            .find(|p| &p.config.code == caller)
            .ok_or_else(|| denied("the calling instance is not a peer of this one"))?;
        let auth = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = hcx_protocol::gateway_jwt::bearer(auth).map_err(|e| denied(&e.to_string()))?;
        let verifier = peer.verifier.with_policy(GatewayPolicy::for_hcx(caller));
        let claims = verifier
            .verify(token, chrono::Utc::now().timestamp())
            .map_err(|e| denied(&format!("relay token refused: {e}")))?;
        if claims.aud.as_deref() != Some(own_code) {
            return Err(denied("relay token is not addressed to this instance"));
        }
        if path.iter().any(|c| c == own_code) {
            return Err(HopRefusal::Loop(format!(
                "Relay loop refused: the message already passed {own_code}"
            )));
        }
        Ok(path)
    }
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && !code.contains(',')
        && code.chars().all(|c| c.is_ascii_graphic())
}

/// Parses a relay path header; `None` when missing, empty, too long or holding a bad code.
pub fn parse_path(value: Option<&str>) -> Option<Vec<String>> {
    let codes: Vec<String> = value?.split(',').map(|c| c.trim().to_string()).collect();
    let ok = !codes.is_empty() && codes.len() <= MAX_HOPS && codes.iter().all(|c| valid_code(c));
    ok.then_some(codes)
}

/// The URL of a hop call to `peer` for a message on `path` (without version).
pub fn hop_url(peer: &PeerInstance, path: &str) -> String {
    format!("{}/{RELAY_VERSION}/relay{path}", peer.base_url.trim_end_matches('/'))
}

fn registry_url(peer: &PeerInstance) -> String {
    format!("{}/{RELAY_VERSION}/relay/participant/search", peer.base_url.trim_end_matches('/'))
}

/// One participant: the local registry (own records and those cached from peers), else the
/// first peer that hosts it (then cached).
pub async fn resolve(state: &SharedState, code: &str) -> Result<Option<Participant>> {
    let c = code.to_string();
    if let Some(p) = state.store.run(move |conn| registry::get(conn, &c)).await? {
        return Ok(Some(p));
    }
    let mut filters = Map::new();
    filters.insert("participant_code".into(), json!({ "eq": code }));
    refresh_from_peers(state, &filters).await;
    let c = code.to_string();
    state.store.run(move |conn| registry::get(conn, &c)).await
}

/// Runs a registry search on every peer and caches what they answer. A peer that is down or
/// answers nonsense is skipped (its cached records stay), so a search never fails for it.
pub async fn refresh_from_peers(state: &SharedState, filters: &Map<String, Value>) {
    for peer in state.peers.all() {
        match peer_search(state, peer, filters).await {
            Ok(records) => {
                let code = peer.code.clone();
                let cached = state.store.run(move |c| cache(c, &code, records)).await;
                if let Err(e) = cached {
                    tracing::error!(peer = %peer.code, error = %e, "could not cache peer records");
                }
            }
            Err(e) => tracing::info!(peer = %peer.code, error = %e, "peer registry look-up failed"),
        }
    }
}

async fn peer_search(
    state: &SharedState,
    peer: &PeerInstance,
    filters: &Map<String, Value>,
) -> std::result::Result<Vec<Participant>, String> {
    let token = state.tokens.relay_token(&state.hcx_code, &peer.code).map_err(|e| e.to_string())?;
    let resp = state
        .http
        .post(registry_url(peer))
        .bearer_auth(token.expose())
        .header(RELAY_PATH_HEADER, &state.hcx_code)
        .timeout(PEER_LOOKUP_TIMEOUT)
        .json(&json!({ "filters": filters }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    if resp.content_length().is_some_and(|l| l > MAX_PEER_ANSWER as u64) {
        return Err("answer too large".into());
    }
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    if bytes.len() > MAX_PEER_ANSWER {
        return Err("answer too large".into());
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let list = v.get("participants").and_then(Value::as_array).ok_or("no participants list")?;
    // A record that does not parse is skipped, not fatal: the others are still usable.
    Ok(list
        .iter()
        .take(MAX_PEER_RECORDS)
        .filter_map(|r| serde_json::from_value::<Participant>(r.clone()).ok())
        .collect())
}

/// Stores records a peer answered for its own participants, with `relay_via` = that peer.
/// A local record, or one cached from another peer, is never replaced.
fn cache(conn: &mut Connection, peer: &str, records: Vec<Participant>) -> Result<()> {
    let tx = conn.transaction()?;
    let now = now_ms();
    for mut p in records {
        if p.relay_via.is_some() || p.has_any_role(&[HCX_ROLE]) || !valid_code(&p.participant_code)
        {
            continue;
        }
        p.relay_via = Some(peer.to_string());
        match registry::get(&tx, &p.participant_code)? {
            None => {
                // The certificate stays with its own instance: the record's URL points there.
                if let Err(e) = registry::insert(&tx, &p, "", now) {
                    tracing::info!(code = %p.participant_code, error = %e, "peer record not cached");
                }
            }
            Some(existing) if existing.relay_via.as_deref() == Some(peer) => {
                registry::update(&tx, &p, None, now)?;
            }
            Some(_) => {}
        }
    }
    tx.commit()?;
    Ok(())
}

/// What a peer's registry look-up sees: this instance's own participants (never records it
/// cached from others, never the HCX itself), matching `filters`.
pub fn own_participants(
    conn: &Connection,
    filters: &Map<String, Value>,
) -> std::result::Result<Vec<Participant>, String> {
    let mut found = registry::search(conn, filters, None, 0)?;
    found.retain(|p| p.relay_via.is_none() && !p.has_any_role(&[HCX_ROLE]));
    found.truncate(MAX_PEER_RECORDS);
    Ok(found)
}

/// A gateway error callback the calling peer generated itself (its delivery to the end
/// recipient failed): no participant sent it, so the participant rules do not apply; the
/// authenticated peer vouches for it. Audited and queued to the recipient like any message.
pub fn accept_gateway_callback(
    conn: &mut Connection,
    action_path: &str,
    h: &Headers,
    raw: Vec<u8>,
    relay_path: Vec<String>,
) -> Result<std::result::Result<Ack, String>> {
    let sender = h.sender_code().unwrap_or_default().to_string();
    let recipient_code = h.recipient_code().unwrap_or_default().to_string();
    let api_call_id = h.api_call_id().unwrap_or_default().to_string();
    let correlation_id = h.correlation_id().unwrap_or_default().to_string();
    if api_call_id.is_empty() || correlation_id.is_empty() {
        return Ok(Err("error callback without api_call_id or correlation_id".into()));
    }
    let tx = conn.transaction()?;
    let Some(recipient) = registry::get(&tx, &recipient_code)? else {
        return Ok(Err(format!("recipient {recipient_code} is not registered here")));
    };
    if audit::api_call_used(&tx, &sender, &api_call_id)? {
        return Ok(Err("Request exist with same api call id".into()));
    }
    let now = now_ms();
    let mid = uuid::Uuid::new_v4().to_string();
    let event = AuditEvent {
        mid: mid.clone(),
        action: action_path.to_string(),
        api_call_id,
        correlation_id,
        workflow_id: h.workflow_id().map(str::to_string),
        sender_code: sender,
        recipient_code: recipient_code.clone(),
        sender_role: vec![HCX_ROLE.to_string()],
        recipient_role: recipient.roles.clone(),
        status: Status::ResponseError.as_str().to_string(),
        headers: h.as_map().clone(),
        payload_size: i64::try_from(raw.len()).unwrap_or(i64::MAX),
        request_ms: now,
        updated_ms: now,
        error_details: h.get(hcx_protocol::names::ERROR_DETAILS).cloned(),
        relay_path: relay_path.clone(),
        relayed_to: None,
    };
    audit::insert(&tx, &event)?;
    queue::enqueue(
        &tx,
        &Delivery {
            mid,
            body: raw,
            target_code: recipient_code,
            path: action_path.to_string(),
            attempts: 0,
            next_attempt_ms: now,
            relay_path,
        },
    )?;
    tx.commit()?;
    Ok(Ok(Ack::for_headers(h, chrono::Utc::now())))
}
