//! HTTP handlers of the operator endpoints (table in `operator/mod.rs`). Thin: authenticate,
//! parse, call one operator method, answer.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use hcx_onboard::certification::{
    AttestRequestClaims, AttestationClaims, Direction, Refusal, attestation_expiry,
    scenarios_digest, sign_attestation, verify_signed_request,
};
use hcx_onboard::operator_api::{
    ApplicationState, AttestResponse, CompromiseRequest, DecisionRequest, OperatorErrorBody,
    OperatorErrorInfo, OtpRequest, SandboxDescriptor, SignedRequest, SubmitRequest, TriggerClaims,
    TriggerResponse, codes,
};
use hcx_onboard::registration::Finding;
use hcx_protocol::{Action, ApiVersion};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{ATTESTATION_VALIDITY_DAYS, Operator};
use crate::api::auth;
use crate::error::SandboxError;
use crate::scripted::DemoKind;
use crate::scripted::provider::SendRequest;
use crate::scripted::scenario::Scenario;
use crate::store::{audit, registry};

/// Largest application body (documents travel inside it as base64).
const BODY_LIMIT: usize = 48 * 1024 * 1024;

/// An operator refusal, answered as [`OperatorErrorBody`].
#[derive(Debug)]
pub struct OpError {
    status: StatusCode,
    code: &'static str,
    message: String,
    findings: Vec<Finding>,
    refusals: Vec<Refusal>,
}

impl OpError {
    /// Any status and code.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code,
            message: message.into(),
            findings: vec![],
            refusals: vec![],
        }
    }
    /// 400, form findings.
    pub fn invalid(findings: Vec<Finding>) -> Self {
        let mut e = Self::new(
            400,
            codes::INVALID_APPLICATION,
            format!("The application has {} problem(s); see findings", findings.len()),
        );
        e.findings = findings;
        e
    }
    /// 400, certificate refused.
    pub fn refused(refusals: Vec<Refusal>) -> Self {
        let msg = refusals.iter().map(Refusal::message).collect::<Vec<_>>().join(" ");
        let mut e = Self::new(400, codes::CERTIFICATE_REFUSED, msg);
        e.refusals = refusals;
        e
    }
    /// 400 with a message.
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(400, codes::BAD_REQUEST, m)
    }
    /// 404.
    pub fn not_found() -> Self {
        Self::new(404, codes::NOT_FOUND, "No such application (or the token does not match)")
    }
    /// 409: the action does not fit the state.
    pub fn wrong_state(state: &ApplicationState, why: &str) -> Self {
        Self::new(409, codes::WRONG_STATE, format!("{why} (the application is {})", state.name()))
    }
    /// 410: credentials already issued.
    pub fn gone() -> Self {
        Self::new(
            410,
            codes::ALREADY_ISSUED,
            "The production credentials were already issued; report a compromise to get new ones",
        )
    }
    /// 401.
    pub fn denied(m: impl Into<String>) -> Self {
        Self::new(401, codes::ACCESS_DENIED, m)
    }
}

impl From<SandboxError> for OpError {
    fn from(e: SandboxError) -> Self {
        tracing::error!(error = %e, "operator internal error");
        Self::new(500, "INTERNAL_SERVER_ERROR", e.to_string())
    }
}

impl From<crate::api::error::ApiError> for OpError {
    fn from(e: crate::api::error::ApiError) -> Self {
        Self { status: e.status, ..Self::denied(e.message) }
    }
}

impl IntoResponse for OpError {
    fn into_response(self) -> Response {
        let body = OperatorErrorBody {
            error: OperatorErrorInfo { code: Some(self.code.to_string()), message: self.message },
            findings: self.findings,
            certificate_refusals: self.refusals,
        };
        (self.status, Json(body)).into_response()
    }
}

type Op = State<Arc<Operator>>;
type Reply<T> = Result<Json<T>, OpError>;

fn version(v: &str) -> Result<(), OpError> {
    v.parse::<ApiVersion>()
        .map(|_| ())
        .map_err(|_| OpError::new(404, codes::NOT_FOUND, format!("unknown API version {v}")))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, OpError> {
    serde_json::from_slice(body).map_err(|e| OpError::bad_request(format!("unreadable body: {e}")))
}

fn bearer(headers: &HeaderMap) -> Result<String, OpError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OpError::denied("Authorization: Bearer <applicant token> is required"))
}

fn admin(op: &Operator, headers: &HeaderMap) -> Result<(), OpError> {
    let claims = auth::authenticate(&op.app, headers)?;
    if auth::is_admin(&claims) { Ok(()) } else { Err(OpError::denied("operator only")) }
}

fn participant(op: &Operator, headers: &HeaderMap) -> Result<String, OpError> {
    Ok(auth::authenticate(&op.app, headers)?.participant_code)
}

/// The router.
pub fn router(op: Arc<Operator>) -> Router {
    Router::new()
        .route("/api/{version}/onboard/sandbox", get(descriptor))
        .route("/api/{version}/onboard/certification/attest", post(attest))
        .route("/api/{version}/onboard/certification/trigger", post(trigger))
        .route("/api/{version}/onboard/applications", post(submit).get(queue))
        .route("/api/{version}/onboard/applications/{id}", get(status))
        .route("/api/{version}/onboard/applications/{id}/otp", post(otp))
        .route("/api/{version}/onboard/applications/{id}/otp/resend", post(otp_resend))
        .route("/api/{version}/onboard/applications/{id}/credentials", post(credentials))
        .route("/api/{version}/onboard/applications/{id}/decision", post(admin_decision))
        .route("/api/{version}/onboard/approvals", get(approvals))
        .route("/api/{version}/onboard/approvals/{id}", post(approve))
        .route("/api/{version}/onboard/compromise", post(compromise))
        .route("/api/{version}/onboard/outbox", get(outbox))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(op)
}

async fn descriptor(State(op): Op, Path(v): Path<String>) -> Reply<SandboxDescriptor> {
    version(&v)?;
    let c = op.conformance().await?;
    let inst = &op.app.config.instance_code;
    Ok(Json(SandboxDescriptor {
        hcx_code: op.app.hcx_code.clone(),
        base_url: format!("{}/api", op.app.origin),
        hcx_cert_pem: op.hcx_cert_pem.clone(),
        demo_payer: DemoKind::Payer.code(inst),
        demo_tpa: DemoKind::Tpa.code(inst),
        demo_provider: DemoKind::Provider.code(inst),
        conformance_payer: c.codes.payer.clone(),
        conformance_provider: c.codes.provider.clone(),
        inactive_participant: c.codes.inactive.clone(),
        certificate_validity_days: ATTESTATION_VALIDITY_DAYS,
    }))
}

/// The signer's registered certificate and roles, from an unverified peek at its claims.
async fn signer_of(op: &Operator, compact: &str) -> Result<(String, String, Vec<String>), OpError> {
    let seen = hcx_onboard::jws::peek(compact)
        .map_err(|e| OpError::refused(vec![Refusal::Malformed { detail: e.to_string() }]))?;
    let code = seen
        .payload
        .get("participant_code")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let c2 = code.clone();
    let found = op
        .app
        .store
        .run(move |c| Ok(registry::get(c, &c2)?.zip(registry::cert_pem(c, &c2)?)))
        .await?;
    let (p, pem) =
        found.ok_or_else(|| OpError::bad_request(format!("{code:?} is not registered here")))?;
    Ok((code, pem, p.roles))
}

async fn attest(
    State(op): Op,
    Path(v): Path<String>,
    body: axum::body::Bytes,
) -> Reply<AttestResponse> {
    version(&v)?;
    let req: SignedRequest = parse(&body)?;
    let (code, pem, roles) = signer_of(&op, &req.request).await?;
    let now = Utc::now();
    let (claims, fingerprint): (AttestRequestClaims, String) =
        verify_signed_request(&req.request, &pem, now).map_err(|r| OpError::refused(vec![r]))?;
    if claims.participant_code != code {
        return Err(OpError::bad_request("the request names another participant"));
    }
    if claims.sandbox_code != op.app.hcx_code {
        return Err(OpError::bad_request(format!(
            "this sandbox is {}, not {}",
            op.app.hcx_code, claims.sandbox_code
        )));
    }
    if !roles.iter().any(|r| r == claims.role.as_str()) {
        return Err(OpError::bad_request(format!(
            "{code} is registered here as {}, not {}",
            roles.join(", "),
            claims.role
        )));
    }
    let (c2, scenarios) = (code.clone(), claims.scenarios.clone());
    let audited = op
        .app
        .store
        .run(move |c| {
            let mut n: u32 = 0;
            for s in &scenarios {
                for step in s.steps.iter().filter(|st| st.accepted) {
                    let events = audit::by_correlation(c, &step.correlation_id)?;
                    let seen = events.iter().any(|e| {
                        e.api_call_id == step.api_call_id
                            && match step.direction {
                                Direction::Sent => e.sender_code == c2,
                                Direction::Received => e.recipient_code == c2,
                            }
                    });
                    if !seen {
                        return Ok(Err(format!(
                            "scenario {}: message {} ({}) is not in this sandbox's audit trail",
                            s.name, step.api_call_id, step.action
                        )));
                    }
                    n = n.saturating_add(1);
                }
            }
            Ok(Ok(n))
        })
        .await?
        .map_err(OpError::bad_request)?;
    let att = AttestationClaims {
        v: hcx_onboard::certification::certificate::FORMAT_VERSION,
        iss: op.app.hcx_code.clone(),
        base_url: format!("{}/api", op.app.origin),
        participant_code: code,
        role: claims.role,
        protocol_version: claims.protocol_version,
        participant_cert_sha256: fingerprint,
        scenarios_sha256: scenarios_digest(&claims.scenarios),
        audited_messages: audited,
        iat: now.timestamp(),
        exp: attestation_expiry(now, ATTESTATION_VALIDITY_DAYS),
    };
    let attestation = sign_attestation(&op.signer, &att)
        .map_err(|e| OpError::from(SandboxError::Invalid(e.to_string())))?;
    Ok(Json(AttestResponse { attestation }))
}

/// Roles that may ask for cycles sent to them (the payer suite).
const TRIGGER_ROLES: [&str; 3] = ["payor", "agency.tpa", "agency.sponsor"];

async fn trigger(
    State(op): Op,
    Path(v): Path<String>,
    body: axum::body::Bytes,
) -> Reply<TriggerResponse> {
    version(&v)?;
    let req: SignedRequest = parse(&body)?;
    let (code, pem, roles) = signer_of(&op, &req.request).await?;
    let (claims, _): (TriggerClaims, String) =
        verify_signed_request(&req.request, &pem, Utc::now())
            .map_err(|r| OpError::refused(vec![r]))?;
    if !roles.iter().any(|r| TRIGGER_ROLES.contains(&r.as_str())) {
        return Err(OpError::bad_request(
            "only payers, TPAs and sponsors receive scripted requests",
        ));
    }
    let action = claims
        .action
        .parse::<Action>()
        .ok()
        .filter(|a| {
            matches!(
                a,
                Action::CoverageEligibilityCheck
                    | Action::PredeterminationSubmit
                    | Action::PreauthSubmit
                    | Action::ClaimSubmit
            )
        })
        .ok_or_else(|| {
            OpError::bad_request("action must be a check, predetermination, preauth or claim")
        })?;
    if let Some(fault) = claims.fault {
        return Ok(Json(op.send_fault(&code, fault).await?));
    }
    let provider = op
        .app
        .demo_provider
        .get()
        .cloned()
        .ok_or_else(|| OpError::bad_request("scripted counterparties are disabled"))?;
    let scenario = Scenario::parse(&claims.scenario)
        .ok_or_else(|| OpError::bad_request(format!("unknown scenario {:?}", claims.scenario)))?;
    let sent = provider
        .send(SendRequest {
            action,
            to: code,
            scenario,
            amount: None,
            workflow_id: claims.workflow_id,
        })
        .await
        .map_err(|e| OpError::bad_request(e.to_string()))?;
    Ok(Json(TriggerResponse {
        correlation_id: sent.correlation_id,
        workflow_id: sent.workflow_id,
        api_call_id: sent.api_call_id,
    }))
}

async fn submit(
    State(op): Op,
    Path(v): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, OpError> {
    version(&v)?;
    let req: SubmitRequest = parse(&body)?;
    let answer = op.submit(req.application).await?;
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

#[derive(Deserialize)]
struct StateFilter {
    state: Option<String>,
}

async fn queue(
    State(op): Op,
    Path(v): Path<String>,
    headers: HeaderMap,
    Query(f): Query<StateFilter>,
) -> Reply<Vec<hcx_onboard::operator_api::ApplicationStatus>> {
    version(&v)?;
    admin(&op, &headers)?;
    Ok(Json(op.queue(f.state).await?))
}

async fn status(
    State(op): Op,
    Path((v, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Reply<hcx_onboard::operator_api::ApplicationStatus> {
    version(&v)?;
    Ok(Json(op.applicant_status(&id, &bearer(&headers)?).await?))
}

async fn otp(
    State(op): Op,
    Path((v, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Reply<hcx_onboard::operator_api::ApplicationStatus> {
    version(&v)?;
    let token = bearer(&headers)?;
    let req: OtpRequest = parse(&body)?;
    Ok(Json(op.check_otp(&id, &token, &req.otp).await?))
}

async fn otp_resend(
    State(op): Op,
    Path((v, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Reply<hcx_onboard::operator_api::ApplicationStatus> {
    version(&v)?;
    Ok(Json(op.resend_otp(&id, &bearer(&headers)?).await?))
}

async fn credentials(
    State(op): Op,
    Path((v, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Reply<hcx_onboard::operator_api::IssuedCredentials> {
    version(&v)?;
    Ok(Json(op.issue_credentials(&id, &bearer(&headers)?).await?))
}

async fn admin_decision(
    State(op): Op,
    Path((v, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Reply<hcx_onboard::operator_api::ApplicationStatus> {
    version(&v)?;
    admin(&op, &headers)?;
    let d: DecisionRequest = parse(&body)?;
    Ok(Json(op.admin_decide(&id, &d).await?))
}

async fn approvals(
    State(op): Op,
    Path(v): Path<String>,
    headers: HeaderMap,
) -> Reply<Vec<hcx_onboard::operator_api::ApprovalEntry>> {
    version(&v)?;
    let me = participant(&op, &headers)?;
    Ok(Json(op.payer_queue(&me).await?))
}

async fn approve(
    State(op): Op,
    Path((v, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Reply<hcx_onboard::operator_api::ApplicationStatus> {
    version(&v)?;
    let me = participant(&op, &headers)?;
    let d: DecisionRequest = parse(&body)?;
    Ok(Json(op.payer_decide(&me, &id, &d).await?))
}

async fn compromise(
    State(op): Op,
    Path(v): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Reply<hcx_onboard::operator_api::CompromiseResponse> {
    version(&v)?;
    let me = participant(&op, &headers)?;
    let req: CompromiseRequest = parse(&body)?;
    Ok(Json(op.compromise(&me, req).await?))
}

#[derive(Deserialize)]
struct OutboxFilter {
    application_id: Option<String>,
}

async fn outbox(
    State(op): Op,
    Path(v): Path<String>,
    headers: HeaderMap,
    Query(f): Query<OutboxFilter>,
) -> Reply<Vec<hcx_onboard::operator_api::OutboxMessage>> {
    version(&v)?;
    admin(&op, &headers)?;
    Ok(Json(op.outbox(f.application_id.as_deref())))
}
