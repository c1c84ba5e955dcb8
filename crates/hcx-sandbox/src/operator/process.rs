//! The application state machine: verification per kind (HFR / HPR / ROHINI lookups, payer
//! resolution), OTPs, payer and operator decisions, approval (registry record Active),
//! credentials issued once, compromise reports.

use chrono::Utc;
use hcx_onboard::certification::{Expectation, verify_certificate};
use hcx_onboard::operator_api::{
    ApplicationState, ApplicationStatus, ApprovalEntry, CompromiseRequest, CompromiseResponse,
    CredentialsState, DecisionRequest, DocumentInfo, IssuedCredentials, SubmitResponse, codes,
};
use hcx_onboard::registration::formats::normalise_mobile;
use hcx_onboard::registration::{Application, Finding, FindingCode, VerificationRoute, validate};
use hcx_protocol::Role;
use rusqlite::Connection;
use serde_json::json;

use super::http::OpError;
use super::outbox::mask_mobile;
use super::registers::{HfrFacility, Registers};
use super::store::{self, Row};
use super::{OTP_MAX_ATTEMPTS, OTP_TTL_MS, Operator};
use crate::error::Result;
use crate::keys;
use crate::onboard::{self, NewParticipant, ParticipantUpdate};
use crate::password;
use crate::state::SharedState;
use crate::store::credentials::{self, CredentialKind};
use crate::store::{now_ms, registry};
use hcx_protocol::Secret;

/// What verification decided.
enum Route {
    /// Send an OTP to `mobile` (and tell `email`), then go on.
    Otp { mobile: String, email: Option<String>, note: String, payer: Option<String> },
    /// Refuse with these reasons.
    Reject(Vec<String>),
    /// An operator decides.
    Manual,
}

fn sha256_hex(s: &str) -> String {
    openssl::sha::sha256(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn same_token(row: &Row, token: &str) -> bool {
    let presented = sha256_hex(token);
    presented.len() == row.token_sha256.len()
        && openssl::memcmp::eq(presented.as_bytes(), row.token_sha256.as_bytes())
}

fn six_digits() -> Result<String> {
    let mut b = [0u8; 4];
    openssl::rand::rand_bytes(&mut b)?;
    Ok(format!("{:06}", u32::from_le_bytes(b) % 1_000_000))
}

fn provider_type(role: Role) -> Option<&'static str> {
    match role {
        Role::ProviderHospital => Some("hospital"),
        Role::ProviderClinic => Some("clinic"),
        Role::ProviderPractitioner => Some("practitioner"),
        Role::ProviderDiagnostics => Some("diagnostics"),
        Role::ProviderPharmacy => Some("pharmacy"),
        _ => None,
    }
}

impl Operator {
    /// Submission: form checks, certificate checks, store, verify.
    pub(super) async fn submit(&self, app: Application) -> Result<SubmitResponse, OpError> {
        let now = Utc::now();
        let findings = validate(&app, now.date_naive());
        if !findings.is_empty() {
            return Err(OpError::invalid(findings));
        }
        let common = app.common().clone();
        let role = common.role.ok_or_else(|| OpError::bad_request("common.role is required"))?;
        let mut jti = None;
        if app.kind().needs_sandbox_certificate() {
            let registered = self.registered_cert_of(&common.sandbox_certificate).await?;
            let expect = Expectation {
                role,
                protocol_version: common.protocol_version,
                now,
                registered_cert_pem: registered,
            };
            match verify_certificate(&common.sandbox_certificate, &self.trusted(), &expect) {
                Ok(v) => jti = Some(v.claims.jti),
                Err(reasons) => return Err(OpError::refused(reasons)),
            }
        }
        let email = common.primary_email.trim().to_lowercase();
        let taken = self
            .app
            .store
            .run(move |c| {
                Ok(credentials::find(c, CredentialKind::Password, None, &email)?.is_some())
            })
            .await?;
        if taken {
            return Err(OpError::invalid(vec![Finding {
                path: "common.primary_email".into(),
                message: "This e-mail is already registered on HCX; use another one, or report a \
                          compromise if you lost the credentials"
                    .into(),
                code: FindingCode::NotAllowed,
            }]));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let token = keys::random_token(32)?;
        let (id2, token_sha, app2) = (id.clone(), sha256_hex(&token), app.clone());
        self.app
            .store
            .run(move |c| store::insert(c, &id2, &app2, &token_sha, jti.as_deref(), now_ms()))
            .await?;
        self.verify(&id, &app).await?;
        let status = self.status_of(&id).await?;
        Ok(SubmitResponse { status, applicant_token: token })
    }

    /// The registered certificate of a certificate's signer, when this sandbox issued it.
    async fn registered_cert_of(&self, certificate: &str) -> Result<Option<String>, OpError> {
        let Ok(seen) = hcx_onboard::jws::peek(certificate) else {
            return Ok(None);
        };
        let issuer = seen.payload.pointer("/sandbox/code").and_then(|v| v.as_str()).unwrap_or("");
        if issuer != self.app.hcx_code {
            return Ok(None);
        }
        let code =
            seen.payload.get("participant_code").and_then(|v| v.as_str()).unwrap_or("").to_string();
        Ok(self.app.store.run(move |c| registry::cert_pem(c, &code)).await?)
    }

    async fn status_of(&self, id: &str) -> Result<ApplicationStatus, OpError> {
        let id = id.to_string();
        self.app
            .store
            .run(move |c| match store::get(c, &id)? {
                Some(row) => Ok(Some(store::status(c, &row)?)),
                None => Ok(None),
            })
            .await?
            .ok_or_else(OpError::not_found)
    }

    async fn set_state(
        &self,
        id: &str,
        state: ApplicationState,
        note: String,
    ) -> Result<(), OpError> {
        let id = id.to_string();
        self.app.store.run(move |c| store::set_state(c, &id, &state, &note, now_ms())).await?;
        Ok(())
    }

    /// Runs the kind's verification and moves the application on.
    async fn verify(&self, id: &str, app: &Application) -> Result<(), OpError> {
        self.set_state(id, ApplicationState::Verifying, "checking the details".into()).await?;
        let (regs, app2) = (self.registers.clone(), app.clone());
        let route = self.app.store.run(move |c| route(c, &regs, &app2)).await?;
        match route {
            Route::Reject(reasons) => {
                let note = format!("verification failed: {}", reasons.join("; "));
                self.set_state(id, ApplicationState::Rejected { reasons }, note).await
            }
            Route::Manual => {
                self.set_state(
                    id,
                    ApplicationState::ManualReview,
                    "regulators are onboarded case by case; an operator will review the request"
                        .into(),
                )
                .await
            }
            Route::Otp { mobile, email, note, payer } => {
                if let Some(p) = payer {
                    let id2 = id.to_string();
                    self.app.store.run(move |c| store::set_payer(c, &id2, &p)).await?;
                }
                let masked = self.send_otp(id, &mobile, email.as_deref()).await?;
                self.set_state(
                    id,
                    ApplicationState::AwaitingOtp,
                    format!("{note}; OTP sent to {masked}"),
                )
                .await
            }
        }
    }

    /// Generates an OTP, stores its hash and "sends" it (outbox + log). Returns the masked number.
    async fn send_otp(
        &self,
        id: &str,
        mobile: &str,
        email: Option<&str>,
    ) -> Result<String, OpError> {
        let national = normalise_mobile(mobile).unwrap_or_else(|| mobile.to_string());
        let masked = mask_mobile(&national);
        let otp = six_digits()?;
        let (id2, otp2, masked2) = (id.to_string(), otp.clone(), masked.clone());
        self.app
            .store
            .run(move |c| {
                let h = password::hash(&otp2)?;
                store::set_otp(c, &id2, &h, now_ms() + OTP_TTL_MS, &masked2)
            })
            .await?;
        self.outbox.push(
            id,
            "sms",
            &format!("+91{national}"),
            format!(
                "HCX onboarding: your one-time code is {otp}. It expires in 10 minutes. Do not \
                 share it."
            ),
        );
        if let Some(e) = email {
            self.outbox.push(
                id,
                "email",
                e,
                format!(
                    "An HCX onboarding was started for your facility (application {id}). The \
                     one-time code went to {masked}. If this was not you, tell the HCX operator."
                ),
            );
        }
        Ok(masked)
    }

    async fn row_for(&self, id: &str, token: &str) -> Result<Row, OpError> {
        let id2 = id.to_string();
        let row = self.app.store.run(move |c| store::get(c, &id2)).await?;
        match row {
            Some(r) if same_token(&r, token) => Ok(r),
            // Same answer for an unknown id and a wrong token: nothing leaks.
            _ => Err(OpError::not_found()),
        }
    }

    /// Status for the applicant.
    pub(super) async fn applicant_status(
        &self,
        id: &str,
        token: &str,
    ) -> Result<ApplicationStatus, OpError> {
        self.row_for(id, token).await?;
        self.status_of(id).await
    }

    /// Checks an OTP and moves on.
    pub(super) async fn check_otp(
        &self,
        id: &str,
        token: &str,
        otp: &str,
    ) -> Result<ApplicationStatus, OpError> {
        let row = self.row_for(id, token).await?;
        if row.state != ApplicationState::AwaitingOtp {
            return Err(OpError::wrong_state(&row.state, "no OTP is awaited"));
        }
        let pending = row.otp.clone().ok_or_else(|| {
            OpError::new(400, codes::INVALID_OTP, "No OTP is pending; ask for a new one")
        })?;
        if pending.attempts >= OTP_MAX_ATTEMPTS {
            return Err(OpError::new(
                400,
                codes::INVALID_OTP,
                "Too many wrong codes; ask for a new OTP",
            ));
        }
        if now_ms() > pending.expires_ms {
            return Err(OpError::new(
                400,
                codes::INVALID_OTP,
                "The code has expired; ask for a new OTP",
            ));
        }
        let (otp2, hash) = (otp.trim().to_string(), pending.hash.clone());
        let ok = self.app.store.run(move |_| password::verify(&otp2, &hash)).await?;
        let id2 = id.to_string();
        if !ok {
            self.app.store.run(move |c| store::otp_failed(c, &id2)).await?;
            let left = OTP_MAX_ATTEMPTS - pending.attempts - 1;
            return Err(OpError::new(
                400,
                codes::INVALID_OTP,
                format!("That code is not right; {left} tries left"),
            ));
        }
        self.app.store.run(move |c| store::clear_otp(c, &id2)).await?;
        match &row.payer_code {
            Some(payer) => {
                let payer_email = {
                    let p = payer.clone();
                    self.app
                        .store
                        .run(move |c| registry::get(c, &p))
                        .await?
                        .map(|p| p.primary_email)
                };
                if let Some(e) = payer_email {
                    self.outbox.push(
                        id,
                        "email",
                        &e,
                        format!(
                            "{} says you empanelled it and asks to join HCX (application {id}). \
                             Approve or refuse it in your onboarding approvals.",
                            row.application.common().participant_name
                        ),
                    );
                }
                self.set_state(
                    id,
                    ApplicationState::AwaitingPayerApproval { payer_code: payer.clone() },
                    format!("contact confirmed; approval requested from {payer}"),
                )
                .await?;
            }
            None => self.approve(id, "contact confirmed by OTP".into()).await?,
        }
        self.status_of(id).await
    }

    /// Sends a new OTP.
    pub(super) async fn resend_otp(
        &self,
        id: &str,
        token: &str,
    ) -> Result<ApplicationStatus, OpError> {
        let row = self.row_for(id, token).await?;
        if row.state != ApplicationState::AwaitingOtp {
            return Err(OpError::wrong_state(&row.state, "no OTP is awaited"));
        }
        let (regs, app) = (self.registers.clone(), row.application.clone());
        let route = self.app.store.run(move |c| route(c, &regs, &app)).await?;
        let Route::Otp { mobile, email, .. } = route else {
            return Err(OpError::wrong_state(&row.state, "this application no longer verifies"));
        };
        let masked = self.send_otp(id, &mobile, email.as_deref()).await?;
        self.set_state(id, ApplicationState::AwaitingOtp, format!("new OTP sent to {masked}"))
            .await?;
        self.status_of(id).await
    }

    /// Approval: the registry record is created Active and the credentials become fetchable.
    async fn approve(&self, id: &str, note: String) -> Result<(), OpError> {
        let (st, id2) = (self.app.clone(), id.to_string());
        let created = self.app.store.run(move |c| create_record(c, &st, &id2)).await?;
        match created {
            Ok(code) => {
                let (id2, code2) = (id.to_string(), code.clone());
                self.app
                    .store
                    .run(move |c| {
                        store::set_participant(c, &id2, &code2)?;
                        store::move_credentials(
                            c,
                            &id2,
                            CredentialsState::NotYet,
                            CredentialsState::Ready,
                        )?;
                        Ok(())
                    })
                    .await?;
                self.set_state(
                    id,
                    ApplicationState::Approved { participant_code: code.clone() },
                    format!("{note}; participant {code} is Active"),
                )
                .await
            }
            Err(reason) => {
                self.set_state(
                    id,
                    ApplicationState::Rejected { reasons: vec![reason.clone()] },
                    format!("the registry refused the record: {reason}"),
                )
                .await
            }
        }
    }

    /// The production credentials, once.
    pub(super) async fn issue_credentials(
        &self,
        id: &str,
        token: &str,
    ) -> Result<IssuedCredentials, OpError> {
        let row = self.row_for(id, token).await?;
        let ApplicationState::Approved { participant_code } = row.state.clone() else {
            return Err(OpError::wrong_state(&row.state, "the application is not approved"));
        };
        match row.credentials {
            CredentialsState::Issued => return Err(OpError::gone()),
            CredentialsState::NotYet => {
                return Err(OpError::wrong_state(&row.state, "the credentials are not ready"));
            }
            CredentialsState::Ready => {}
        }
        let username = row.application.common().primary_email.trim().to_lowercase();
        let (id2, code2, user2) = (id.to_string(), participant_code.clone(), username.clone());
        // Generated at the first fetch and stored only as a hash: the clear secret exists only
        // in this answer.
        let secret = self
            .app
            .store
            .run(move |c| {
                let secret = keys::random_token(32)?;
                let h = password::hash(&secret)?;
                let tx = c.transaction()?;
                if !store::move_credentials(
                    &tx,
                    &id2,
                    CredentialsState::Ready,
                    CredentialsState::Issued,
                )? {
                    return Ok(None);
                }
                credentials::upsert(
                    &tx,
                    CredentialKind::Secret,
                    &code2,
                    &user2,
                    &h,
                    &["admin".to_string()],
                )?;
                tx.commit()?;
                Ok(Some(secret))
            })
            .await?
            .ok_or_else(OpError::gone)?;
        self.set_state(
            id,
            row.state.clone(),
            "production credentials issued (a second request is refused)".into(),
        )
        .await?;
        Ok(IssuedCredentials { participant_code, username, secret })
    }

    /// Applications routed to `payer_code` for approval.
    pub(super) async fn payer_queue(
        &self,
        payer_code: &str,
    ) -> Result<Vec<ApprovalEntry>, OpError> {
        let p = payer_code.to_string();
        let rows = self.app.store.run(move |c| store::list(c, None, Some(&p))).await?;
        Ok(rows.iter().filter_map(approval_entry).collect())
    }

    /// A payer's decision.
    pub(super) async fn payer_decide(
        &self,
        payer_code: &str,
        id: &str,
        d: &DecisionRequest,
    ) -> Result<ApplicationStatus, OpError> {
        let id2 = id.to_string();
        let row = self.app.store.run(move |c| store::get(c, &id2)).await?;
        let Some(row) = row.filter(|r| r.payer_code.as_deref() == Some(payer_code)) else {
            return Err(OpError::not_found());
        };
        if !matches!(row.state, ApplicationState::AwaitingPayerApproval { .. }) {
            return Err(OpError::wrong_state(&row.state, "no approval is awaited from you"));
        }
        self.decide(id, payer_code, d, "the empanelment").await
    }

    /// An operator's decision on an application in manual review.
    pub(super) async fn admin_decide(
        &self,
        id: &str,
        d: &DecisionRequest,
    ) -> Result<ApplicationStatus, OpError> {
        let id2 = id.to_string();
        let row = self
            .app
            .store
            .run(move |c| store::get(c, &id2))
            .await?
            .ok_or_else(OpError::not_found)?;
        if row.state != ApplicationState::ManualReview {
            return Err(OpError::wrong_state(
                &row.state,
                "only applications in manual review are decided by hand",
            ));
        }
        let who = self.app.hcx_code.clone();
        self.decide(id, &who, d, "the request").await
    }

    async fn decide(
        &self,
        id: &str,
        who: &str,
        d: &DecisionRequest,
        what: &str,
    ) -> Result<ApplicationStatus, OpError> {
        if d.approve {
            self.approve(id, format!("{who} approved {what}")).await?;
        } else {
            let reason = d.reason.trim();
            if reason.is_empty() {
                return Err(OpError::bad_request("Give the applicant a reason for refusing"));
            }
            let msg = format!("{who} refused {what}: {reason}");
            self.set_state(id, ApplicationState::Rejected { reasons: vec![msg.clone()] }, msg)
                .await?;
        }
        self.status_of(id).await
    }

    /// The operator's queue.
    pub(super) async fn queue(
        &self,
        state: Option<String>,
    ) -> Result<Vec<ApplicationStatus>, OpError> {
        Ok(self
            .app
            .store
            .run(move |c| {
                let rows = store::list(c, state.as_deref(), None)?;
                rows.iter().map(|r| store::status(c, r)).collect::<Result<Vec<_>>>()
            })
            .await?)
    }

    /// A compromise report: new secret (and password), optionally a new certificate.
    pub(super) async fn compromise(
        &self,
        participant_code: &str,
        req: CompromiseRequest,
    ) -> Result<CompromiseResponse, OpError> {
        let code = participant_code.to_string();
        let outcome = self
            .app
            .store
            .run(move |c| {
                let Some(p) = registry::get(c, &code)? else {
                    return Ok(Err(format!("participant {code} does not exist")));
                };
                let replaced = req.new_encryption_cert_pem.is_some();
                if let Some(pem) = req.new_encryption_cert_pem.clone() {
                    let u = ParticipantUpdate {
                        encryption_cert_pem: Some(pem),
                        ..ParticipantUpdate::default()
                    };
                    if let Err(e) = onboard::update(c, &code, u)? {
                        return Ok(Err(e.to_string()));
                    }
                }
                let secret = keys::random_token(32)?;
                let secret_hash = password::hash(&secret)?;
                // The password login is closed too: it gets a new value nobody is told.
                let password_hash = password::hash(&keys::random_token(32)?)?;
                let tx = c.transaction()?;
                credentials::upsert(
                    &tx,
                    CredentialKind::Secret,
                    &code,
                    &p.primary_email,
                    &secret_hash,
                    &["admin".to_string()],
                )?;
                credentials::upsert(
                    &tx,
                    CredentialKind::Password,
                    &code,
                    &p.primary_email,
                    &password_hash,
                    &[],
                )?;
                store::log_compromise(&tx, &code, &req.note, replaced, now_ms())?;
                tx.commit()?;
                Ok(Ok((
                    IssuedCredentials { participant_code: code, username: p.primary_email, secret },
                    replaced,
                )))
            })
            .await?;
        match outcome {
            Ok((credentials, replaced)) => {
                tracing::warn!(participant = %participant_code, certificate_replaced = replaced, "compromise reported; secret rotated");
                Ok(CompromiseResponse { credentials, encryption_cert_updated: replaced })
            }
            Err(m) => Err(OpError::bad_request(m)),
        }
    }
}

/// Creates (or finds, after a crash) the registry record of an approved application.
fn create_record(
    c: &mut Connection,
    st: &SharedState,
    id: &str,
) -> Result<std::result::Result<String, String>> {
    let Some(row) = store::get(c, id)? else {
        return Ok(Err("the application disappeared".into()));
    };
    if let Some(code) = registry::all(c)?
        .into_iter()
        .find(|p| {
            p.extra.get("onboarding").and_then(|o| o.get("application_id")).and_then(|v| v.as_str())
                == Some(id)
        })
        .map(|p| p.participant_code)
    {
        return Ok(Ok(code));
    }
    let app = &row.application;
    let common = app.common();
    let Some(role) = common.role else {
        return Ok(Err("the application names no role".into()));
    };
    let mut extra = serde_json::Map::new();
    extra.insert("onboarding".into(), json!({"application_id": id, "kind": app.kind()}));
    let linked: Vec<String> = match app {
        Application::AbdmProvider { details, .. } => {
            vec![details.hfr_facility_id.trim().to_uppercase()]
        }
        Application::RohiniProvider { details, .. } => vec![details.rohini_id.trim().to_string()],
        _ => vec![],
    };
    if !linked.is_empty() {
        extra.insert("linked_registry_codes".into(), json!(linked));
    }
    let n = NewParticipant {
        participant_code: None,
        participant_name: common.participant_name.trim().to_string(),
        primary_email: common.primary_email.trim().to_lowercase(),
        primary_mobile: normalise_mobile(&common.primary_mobile).unwrap_or_default(),
        roles: vec![role.as_str().to_string()],
        endpoint_url: common.endpoint_url.trim().to_string(),
        encryption_cert_pem: common.encryption_cert_pem.trim().to_string(),
        scheme_code: (role == Role::Payor).then(|| common.scheme_code.trim().to_string()),
        status: "Active".into(),
        // The password login exists (the registry requires one) but nobody is told it: the
        // production credentials are the api-access secret, issued once.
        password: Secret::new(keys::random_token(32)?),
        secret: None,
        relay_via: None,
        extra,
        os_owner: None,
    };
    Ok(onboard::create(c, n, &st.config.instance_code, &|code| st.cert_url(code))?
        .map(|p| p.participant_code)
        .map_err(|e| e.to_string()))
}

fn hfr_checks(f: &HfrFacility, role: Role, manager_id: &str) -> Vec<String> {
    let mut r = Vec::new();
    if !f.status.eq_ignore_ascii_case("active") {
        r.push(format!(
            "{} ({}) is {} in HFR; only active facilities can register",
            f.name, f.hfr_id, f.status
        ));
    }
    if !f.verification_status.eq_ignore_ascii_case("verified") {
        r.push(format!(
            "{} is not verified in HFR yet (status {}); finish the HFR verification first",
            f.name, f.verification_status
        ));
    }
    if let Some(t) = provider_type(role)
        && !f.facility_type.eq_ignore_ascii_case(t)
    {
        r.push(format!("HFR lists {} as a {}, not a {t}", f.name, f.facility_type));
    }
    if !Registers::same_abdm_number(&f.manager.hfr_id, manager_id) {
        r.push("The manager's HFR id does not match the manager HFR has on record".into());
    }
    r
}

/// The verification route of an application (lookups and payer resolution).
fn route(c: &mut Connection, regs: &Registers, app: &Application) -> Result<Route> {
    let common = app.common();
    let role = common.role.unwrap_or(Role::Provider);
    let route = match (app.kind().verification(), app) {
        (VerificationRoute::ManualReview, _) => Route::Manual,
        (VerificationRoute::HfrLookupThenOtp, Application::AbdmProvider { details, .. }) => {
            let Some(f) = regs.hfr(&details.hfr_facility_id) else {
                return Ok(Route::Reject(vec![format!(
                    "HFR has no facility with id {}",
                    details.hfr_facility_id.trim()
                )]));
            };
            let mut reasons = hfr_checks(f, role, &details.manager.hfr_id);
            if role == Role::ProviderPractitioner {
                match regs.hpr(&details.hpr_id) {
                    None => reasons
                        .push(format!("HPR has no professional with id {}", details.hpr_id.trim())),
                    Some(p) if !p.status.eq_ignore_ascii_case("active") => {
                        reasons.push(format!("{} is {} in HPR", p.name, p.status))
                    }
                    Some(_) => {}
                }
            }
            if !reasons.is_empty() {
                return Ok(Route::Reject(reasons));
            }
            let given = normalise_mobile(&details.manager.mobile);
            let on_record = normalise_mobile(&f.manager.mobile);
            let note = if given == on_record {
                format!("HFR lookup ok: {} ({}), {}", f.name, f.hfr_id, f.address)
            } else {
                format!(
                    "HFR lookup ok: {} ({}); the OTP goes to the number HFR has on record, not \
                     the one typed",
                    f.name, f.hfr_id
                )
            };
            Route::Otp {
                mobile: f.manager.mobile.clone(),
                email: Some(f.manager.email.clone()),
                note,
                payer: None,
            }
        }
        (VerificationRoute::RohiniLookupThenOtp, Application::RohiniProvider { details, .. }) => {
            let Some(r) = regs.rohini(&details.rohini_id) else {
                return Ok(Route::Reject(vec![format!(
                    "ROHINI has no facility with id {}",
                    details.rohini_id.trim()
                )]));
            };
            let mut reasons = Vec::new();
            if !r.status.eq_ignore_ascii_case("active") {
                reasons.push(format!("{} ({}) is {} in ROHINI", r.name, r.rohini_id, r.status));
            }
            if !r.gstn.eq_ignore_ascii_case(details.gstn.trim()) {
                reasons.push("The GSTN differs from the one ROHINI has on record".into());
            }
            if !r.name.trim().eq_ignore_ascii_case(common.participant_name.trim()) {
                reasons.push(format!(
                    "ROHINI lists this id as {:?}, not {:?}",
                    r.name,
                    common.participant_name.trim()
                ));
            }
            if !reasons.is_empty() {
                return Ok(Route::Reject(reasons));
            }
            Route::Otp {
                mobile: common.primary_mobile.clone(),
                email: None,
                note: format!("ROHINI lookup ok: {} ({}), {}", r.name, r.rohini_id, r.address),
                payer: None,
            }
        }
        (
            VerificationRoute::OtpThenPayerApproval,
            Application::UnregisteredProvider { details, .. },
        ) => {
            match resolve_payer(
                c,
                &details.empanelled_by.payer_code,
                &details.empanelled_by.payer_name,
            )? {
                Err(reason) => Route::Reject(vec![reason]),
                Ok(payer) => Route::Otp {
                    mobile: details.manager.mobile.clone(),
                    email: Some(details.manager.email.clone()),
                    note: format!(
                        "documents received; {payer} will be asked to confirm the empanelment"
                    ),
                    payer: Some(payer),
                },
            }
        }
        (_, other) => Route::Otp {
            mobile: other.otp_mobile().unwrap_or_default().to_string(),
            email: None,
            note: "details and documents received".into(),
            payer: None,
        },
    };
    Ok(route)
}

/// Roles that empanel providers.
const EMPANELLING_ROLES: [&str; 3] = ["payor", "agency.sponsor", "agency.tpa"];

/// The payer or scheme an unregistered provider names: by code, else by exact name.
fn resolve_payer(
    c: &Connection,
    code: &str,
    name: &str,
) -> Result<std::result::Result<String, String>> {
    let usable =
        |p: &registry::Participant| p.status == "Active" && p.has_any_role(&EMPANELLING_ROLES);
    if !code.trim().is_empty() {
        return Ok(match registry::get(c, code.trim())? {
            Some(p) if usable(&p) => Ok(p.participant_code),
            Some(p) => Err(format!(
                "{} ({}) cannot approve empanelments: it is not an active payer, scheme or TPA on HCX",
                p.participant_name, p.participant_code
            )),
            None => Err(format!("No participant with code {} is registered on HCX", code.trim())),
        });
    }
    let matches: Vec<String> = registry::all(c)?
        .into_iter()
        .filter(|p| usable(p) && p.participant_name.trim().eq_ignore_ascii_case(name.trim()))
        .map(|p| p.participant_code)
        .collect();
    Ok(match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "No payer or scheme called {:?} is on HCX yet, so nobody can confirm the \
             empanelment; check the name or give their participant code",
            name.trim()
        )),
        _ => Err(format!(
            "Several payers are called {:?}; give the participant code of the one that \
             empanelled you",
            name.trim()
        )),
    })
}

fn approval_entry(row: &Row) -> Option<ApprovalEntry> {
    let Application::UnregisteredProvider { common, details } = &row.application else {
        return None;
    };
    let a = &details.address;
    let m = &details.manager;
    Some(ApprovalEntry {
        application_id: row.id.clone(),
        facility_name: common.participant_name.clone(),
        licence_number: details.licence_number.clone(),
        address: format!("{}, {}, {} {}", a.line, a.district, a.state, a.pincode),
        manager: format!("{}, {}, {}", m.name, m.mobile, m.email),
        empanelment: details.empanelled_by.clone(),
        proof: details.empanelment_proof.as_ref().map(|d| DocumentInfo {
            field: "details.empanelment_proof".into(),
            title: d.title.clone(),
            content_type: d.content_type.clone(),
            size: d.size,
            sha256: d.sha256.clone(),
        }),
        state: row.state.clone(),
        submitted_at: chrono::DateTime::from_timestamp_millis(row.created_ms).unwrap_or_default(),
    })
}
