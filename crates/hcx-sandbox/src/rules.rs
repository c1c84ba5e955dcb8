//! Accepting a protocol message: the gateway's checks in its order, then storage.
//!
//! 1. Body classification and the stateless rules (§4.2 steps 1–12, §4.5) come from
//!    `hcx_protocol::validate_request`, run against the sandbox registry.
//! 2. The audit-backed rules (§4.3–§4.5) are implemented here against the audit table, in the
//!    order of the platform's `HCXValidationFilter.validateUsingAuditData`: api_call_id reuse,
//!    closed cycle, duplicate action correlation id, `on_*` must match an action (+ workflow
//!    id), forward rules, "payer to provider only to forward", redirect history.
//! 3. Then what `hcx-apis` checks: communication/request needs an existing correlation id,
//!    `/hcx/status` answers synchronously.
//! 4. Finally the audit event and the delivery row are written in the same transaction as the
//!    checks, before the 202, so an acknowledged message is never lost and two concurrent
//!    requests cannot both pass a uniqueness rule.

use chrono::Utc;
use hcx_protocol::validate::{check_forward_direction, is_forward};
use hcx_protocol::{
    Ack, Action, Body, Caller, ErrorCode, Headers, ParticipantInfo, Policy, Registry, Role, Status,
    StatusResult, Violation, names, parse_body, validate_request,
};
use rusqlite::Connection;
use serde_json::Value;

use crate::error::Result;
use crate::store::audit::{self, AuditEvent};
use crate::store::queue::{self, Delivery};
use crate::store::{now_ms, registry};

/// `incoming-request.expiry-days` (90).
const NINETY_DAYS_MS: i64 = 90 * 86_400_000;
/// `correlation-id.reuse-after-days` (30).
const THIRTY_DAYS_MS: i64 = 30 * 86_400_000;
/// Entities whose messages never close a cycle and may repeat on one correlation id.
const OPERATIONAL_ENTITIES: &[&str] = &["notification", "communication", "status", "search"];
/// Entities `/hcx/status` may ask about (`allowedEntitiesForStatusSearch`).
const STATUS_ENTITIES: &[&str] = &["coverageeligibility", "preauth", "claim", "predetermination"];

/// Deployment settings the rules need.
#[derive(Debug, Clone)]
pub struct RuleContext {
    /// The HCX's own code.
    pub hcx_code: String,
    /// `timestamp.range` in hours.
    pub timestamp_range_hours: i64,
}

/// A refused message: status, code and message, plus the ids to echo.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// HTTP status.
    pub http_status: u16,
    /// `error.code` (`None` = JSON null, as hcx-apis sends for some failures).
    pub code: Option<ErrorCode>,
    /// `error.message`.
    pub message: String,
    /// Echoed correlation id.
    pub correlation_id: Option<String>,
    /// Echoed api_call_id.
    pub api_call_id: Option<String>,
}

/// An accepted message.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The 202 body.
    pub ack: Ack,
    /// Message id in the audit table.
    pub mid: String,
    /// Whether a delivery was queued (the dispatcher should wake up).
    pub queued: bool,
}

/// The registry seen through the validation trait.
struct ConnRegistry<'a>(&'a Connection);

fn roles_of(strings: &[String]) -> Vec<Role> {
    strings.iter().filter_map(|r| r.parse().ok()).collect()
}

impl Registry for ConnRegistry<'_> {
    fn participant(&self, code: &str) -> Option<ParticipantInfo> {
        // A database error here reads as "not registered": the caller gets a clear 400 and the
        // error is logged; nothing is stored.
        match registry::get(self.0, code) {
            Ok(p) => p.map(|p| ParticipantInfo {
                code: p.participant_code.clone(),
                status: p.status.clone(),
                roles: roles_of(&p.roles),
                os_owner: p.os_owner.first().cloned(),
            }),
            Err(e) => {
                tracing::error!(error = %e, "registry lookup failed");
                None
            }
        }
    }
}

struct Ids {
    correlation_id: Option<String>,
    api_call_id: Option<String>,
}

impl Ids {
    fn reject(&self, v: Violation) -> Rejection {
        Rejection {
            http_status: v.http_status(),
            code: Some(v.code),
            message: v.message,
            correlation_id: self.correlation_id.clone(),
            api_call_id: self.api_call_id.clone(),
        }
    }

    fn client(&self, code: ErrorCode, message: &str) -> Rejection {
        self.reject(Violation::new(code, message))
    }
}

/// Checks and stores one message. The outer `Result` is infrastructure failure (→ 500); the
/// inner one is the gateway's verdict. `relay_path` lists the HCX instances the message passed
/// before this one (empty when its sender called this instance), kept with the audit event and
/// the delivery.
pub fn accept(
    conn: &mut Connection,
    ctx: &RuleContext,
    action: Action,
    caller: &Caller,
    raw: Vec<u8>,
    relay_path: Vec<String>,
) -> Result<std::result::Result<Accepted, Rejection>> {
    let no_ids = Ids { correlation_id: None, api_call_id: None };
    let body = match parse_body(&raw) {
        Ok(b) => b,
        Err(e) => return Ok(Err(no_ids.client(ErrorCode::ErrInvalidPayload, &e.to_string()))),
    };
    // The platform echoes the ids as soon as it could read the headers.
    let peeked = body.headers().ok();
    let ids = Ids {
        correlation_id: peeked.as_ref().and_then(|h| h.correlation_id()).map(str::to_string),
        api_call_id: peeked.as_ref().and_then(|h| h.api_call_id()).map(str::to_string),
    };
    let policy = Policy {
        hcx_code: ctx.hcx_code.clone(),
        timestamp_range_hours: ctx.timestamp_range_hours,
        now: Utc::now(),
    };
    let headers = match validate_request(action, &body, caller, &ConnRegistry(conn), &policy) {
        Ok(h) => h,
        Err(v) => return Ok(Err(ids.reject(v))),
    };
    let tx = conn.transaction()?;
    let outcome = history_rules(&tx, action, &body, &headers, &ids)?;
    let verdict = match outcome {
        Err(r) => Err(r),
        Ok(plan) => Ok(store(&tx, action, &headers, raw, plan, relay_path)?),
    };
    if verdict.is_ok() {
        tx.commit()?;
    }
    Ok(verdict)
}

/// What to store once every rule passed.
struct Plan {
    sender_roles: Vec<String>,
    recipient_roles: Vec<String>,
    /// Original action flipped to request.dispatched by this `on_*`.
    flip: Option<String>,
    /// `/hcx/status` result, and whether to forward the status request.
    status: Option<(StatusResult, bool)>,
}

fn history_rules(
    conn: &Connection,
    action: Action,
    body: &Body,
    h: &Headers,
    ids: &Ids,
) -> Result<std::result::Result<Plan, Rejection>> {
    let sender = h.sender_code().unwrap_or_default().to_string();
    let recipient = h.recipient_code().unwrap_or_default().to_string();
    let correlation = h.correlation_id().unwrap_or_default().to_string();
    let api_call_id = h.api_call_id().unwrap_or_default().to_string();
    let workflow = h.workflow_id().map(str::to_string);
    let now = now_ms();
    let (Some(sender_p), Some(recipient_p)) =
        (registry::get(conn, &sender)?, registry::get(conn, &recipient)?)
    else {
        // validate_request already proved both exist; a concurrent delete is the only way here.
        return Ok(Err(
            ids.client(ErrorCode::ErrInvalidSender, "sender does not exist in registry")
        ));
    };
    let (sender_roles, recipient_roles) = (roles_of(&sender_p.roles), roles_of(&recipient_p.roles));
    let reject = |code: ErrorCode, msg: &str| Ok(Err(ids.client(code, msg)));

    // api_call_id unique per sender (90 days).
    // (The platform forgets ids after 90 days; the sandbox's unique index never does.)
    if audit::api_call_used(conn, &sender, &api_call_id)? {
        return reject(ErrorCode::ErrInvalidApiCallId, "Request exist with same api call id");
    }

    let history: Vec<AuditEvent> = audit::by_correlation(conn, &correlation)?
        .into_iter()
        .filter(|e| now - e.request_ms <= NINETY_DAYS_MS)
        .collect();

    // Cycle closed: a response.complete on_* (not operational) delivered to a provider.
    let closed = history.iter().any(|e| {
        e.is_on_action()
            && !OPERATIONAL_ENTITIES.contains(&e.entity())
            && roles_of(&e.recipient_role).iter().any(|r| r.is_provider())
            && e.status == Status::ResponseComplete.as_str()
    });
    if closed {
        return reject(
            ErrorCode::ErrInvalidCorrelationId,
            "Invalid request, cycle is closed for correlation id",
        );
    }

    // The same sender may not start a second action on one correlation id (30 days).
    if !action.is_callback() && !OPERATIONAL_ENTITIES.contains(&action.entity()) {
        let duplicate = history.iter().any(|e| {
            e.sender_code == sender && !e.is_on_action() && now - e.request_ms <= THIRTY_DAYS_MS
        });
        if duplicate {
            return reject(
                ErrorCode::ErrInvalidCorrelationId,
                "Request Exist with same correlation id",
            );
        }
    }

    // on_*: the counterpart must have sent us something on this correlation id.
    let mut flip = None;
    if action.is_callback() {
        let original = history.iter().find(|e| {
            e.sender_code == recipient
                && e.recipient_code == sender
                && now - e.request_ms <= THIRTY_DAYS_MS
        });
        let Some(original) = original else {
            return reject(
                ErrorCode::ErrInvalidCorrelationId,
                "Invalid on_action request, corresponding action request does not exist",
            );
        };
        if !workflow_matches(original, workflow.as_deref()) {
            return reject(
                ErrorCode::ErrInvalidWorkflowId,
                "The request contains invalid workflow id",
            );
        }
        if !original.is_on_action() && original.status == Status::RequestQueued.as_str() {
            flip = Some(original.mid.clone());
        }
    }

    // Forwards (payor/TPA → payor/TPA), else "payer to provider only to forward".
    if is_forward(&sender_roles, &recipient_roles) {
        let Some(first) = history.first() else {
            return reject(
                ErrorCode::ErrInvalidForwardReq,
                "The request contains invalid correlation id",
            );
        };
        if !action.forward_allowed() {
            return reject(ErrorCode::ErrInvalidForwardReq, "Entity is not allowed for forwarding");
        }
        if !workflow_matches(first, workflow.as_deref()) {
            return reject(
                ErrorCode::ErrInvalidWorkflowId,
                "The request contains invalid workflow id",
            );
        }
        if !action.is_callback() && history.iter().any(|e| e.sender_code == recipient) {
            return reject(
                ErrorCode::ErrInvalidForwardReq,
                "Request cannot be forwarded to the forward initiators",
            );
        }
    } else if let Err(v) = check_forward_direction(action, &sender_roles, &recipient_roles) {
        return Ok(Err(ids.reject(v)));
    }

    // Redirect history parts (JSONRequest.validateRedirect).
    if let Body::Plain(_) = body
        && h.get_str(names::STATUS) == Some(Status::ResponseRedirect.as_str())
    {
        let target = h.redirect_to().unwrap_or_default();
        if history.iter().any(|e| !e.is_on_action() && e.sender_code == target) {
            return reject(
                ErrorCode::ErrInvalidRedirectTo,
                "Request cannot be redirected to the initiators",
            );
        }
        if history.iter().any(|e| e.is_on_action() && e.status == Status::ResponseComplete.as_str())
        {
            return reject(
                ErrorCode::ErrInvalidRedirectTo,
                "Redirect is not allowed, the cycle is complete",
            );
        }
    }

    // hcx-apis CommunicationController: the cycle must exist and the workflow id match it.
    if action == Action::CommunicationRequest {
        let Some(first) = history.first() else {
            return reject(ErrorCode::ErrInvalidCorrelationId, "Invalid Correlation Id");
        };
        if !workflow_matches(first, workflow.as_deref()) {
            return reject(
                ErrorCode::ErrInvalidWorkflowId,
                "The request contains invalid workflow id",
            );
        }
    }

    // hcx-apis StatusController: look up the caller's original request synchronously.
    let mut status = None;
    if action == Action::HcxStatus {
        let original = history.iter().find(|e| {
            e.sender_code == sender && !e.is_on_action() && STATUS_ENTITIES.contains(&e.entity())
        });
        let Some(original) = original else {
            return Ok(Err(Rejection {
                http_status: 400,
                code: None,
                message: "Invalid correlation id, details do not exist".into(),
                correlation_id: ids.correlation_id.clone(),
                api_call_id: ids.api_call_id.clone(),
            }));
        };
        let reportable = [Status::RequestQueued.as_str(), Status::RequestDispatched.as_str()]
            .contains(&original.status.as_str());
        let result = StatusResult {
            entity_type: Some(original.entity().to_string()),
            sender_code: Some(original.sender_code.clone()),
            recipient_code: Some(original.recipient_code.clone()),
            protocol_status: reportable.then(|| original.status.clone()),
        };
        let forward = original.status == Status::RequestDispatched.as_str();
        status = Some((result, forward));
    }

    Ok(Ok(Plan { sender_roles: sender_p.roles, recipient_roles: recipient_p.roles, flip, status }))
}

/// The gateway's `validateWorkflowId`: if the earlier event had a workflow id, this message
/// must carry the same one.
fn workflow_matches(earlier: &AuditEvent, workflow: Option<&str>) -> bool {
    match &earlier.workflow_id {
        Some(w) => workflow == Some(w.as_str()),
        None => true,
    }
}

fn store(
    conn: &Connection,
    action: Action,
    h: &Headers,
    raw: Vec<u8>,
    plan: Plan,
    relay_path: Vec<String>,
) -> Result<Accepted> {
    let now = now_ms();
    let mid = uuid::Uuid::new_v4().to_string();
    let status = if action.is_callback() {
        h.get_str(names::STATUS).unwrap_or(Status::ResponseComplete.as_str()).to_string()
    } else {
        Status::RequestQueued.as_str().to_string()
    };
    let recipient = h.recipient_code().unwrap_or_default().to_string();
    let event = AuditEvent {
        mid: mid.clone(),
        action: action.path().to_string(),
        api_call_id: h.api_call_id().unwrap_or_default().to_string(),
        correlation_id: h.correlation_id().unwrap_or_default().to_string(),
        workflow_id: h.workflow_id().map(str::to_string),
        sender_code: h.sender_code().unwrap_or_default().to_string(),
        recipient_code: recipient.clone(),
        sender_role: plan.sender_roles,
        recipient_role: plan.recipient_roles,
        status,
        headers: h.as_map().clone(),
        payload_size: i64::try_from(raw.len()).unwrap_or(i64::MAX),
        request_ms: now,
        updated_ms: now,
        error_details: h.get(names::ERROR_DETAILS).cloned().filter(|v| !v.is_null()),
        relay_path: relay_path.clone(),
        relayed_to: None,
    };
    audit::insert(conn, &event)?;
    if let Some(original) = &plan.flip {
        audit::set_status(conn, original, Status::RequestDispatched.as_str(), None, now)?;
    }
    let forward = plan.status.as_ref().is_none_or(|(_, f)| *f);
    if forward {
        queue::enqueue(
            conn,
            &Delivery {
                mid: mid.clone(),
                body: raw,
                target_code: recipient,
                path: action.path().to_string(),
                attempts: 0,
                next_attempt_ms: now,
                relay_path,
            },
        )?;
    }
    let mut ack = Ack::for_headers(h, Utc::now());
    ack.result = plan.status.map(|(r, _)| r);
    Ok(Accepted { ack, mid, queued: forward })
}

/// True when a body's headers name `x-hcx-status` = `response.error` (used by hosted
/// participants to spot gateway error callbacks).
pub fn is_error_status(h: &Headers) -> bool {
    h.get(names::STATUS).and_then(Value::as_str) == Some(Status::ResponseError.as_str())
}
