//! Registration to production (issue 8, seed steps 2–4): the form per registrant kind, its
//! draft (kept in SQLite across restarts), the submission to the operator, the operator's
//! answers (OTP, payer approval), the one-time production credentials and "report a
//! compromise"; and, on a payer's desk, the empanelment approvals addressed to it.
//!
//! Submitting creates the PRODUCTION profile at once (with a fresh key pair, whose certificate
//! the application carries) so that its applicant token has a keychain slot; its participant
//! code stays `pending-approval` until the operator issues one. The secret the operator issues
//! goes straight into the keychain and is never returned to a front end.

use chrono::{DateTime, Utc};
use hcx_keys::{Secret, SecretKind};
use hcx_onboard::client::OperatorClient;
use hcx_onboard::operator_api::{
    ApplicationState, ApplicationStatus, ApprovalEntry, CompromiseRequest, DecisionRequest,
};
use hcx_onboard::registration::{
    ActorKind, Application, Requirement, VerificationRoute, required_fields, validate,
};
use hcx_protocol::{ApiVersion, Role};
use hcx_store::{Environment, LoginKind, Onboarding, Profile};
use serde_json::Value;

use crate::console::{Console, audit};
use crate::dto::{
    ApplicationEvent, ApplicationView, ApprovalView, CompromiseView, FieldView, FindingView,
    OnboardingView, RegistrationDraftView, RegistrationKindView,
};
use crate::error::{ConsoleError, Result};
use crate::profiles::NewProfile;
use crate::views::utc;

/// Draft kind and key of the registration form in the drafts table.
const DRAFT_KIND: &str = "registration";
const DRAFT_KEY: &str = "production";
/// The participant code of a production profile until the operator issues one.
pub const PENDING_CODE: &str = "pending-approval";

/// Fields the console fills on submission; the form shows them read-only.
const AUTOMATIC: [&str; 3] =
    ["common.endpoint_url", "common.encryption_cert_pem", "common.sandbox_certificate"];

/// The wire / JSON name of a unit enum value (`abdm_provider`, `awaiting_otp`).
pub(crate) fn serde_name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn parse_kind(text: &str) -> Result<ActorKind> {
    serde_json::from_value(Value::from(text.trim().replace('-', "_"))).map_err(|_| {
        let all: Vec<String> = ActorKind::ALL.iter().map(|k| serde_name(*k)).collect();
        ConsoleError::input("kind", format!("{text:?} is not one of {}", all.join(", ")))
    })
}

fn parse_application(value: Value) -> Result<Application> {
    serde_json::from_value(value)
        .map_err(|e| ConsoleError::input("application", format!("the form could not be read: {e}")))
}

fn verification_sentence(route: VerificationRoute) -> &'static str {
    match route {
        VerificationRoute::DocumentsThenOtp => {
            "The operator checks your documents, then sends an OTP to the system administrator"
        }
        VerificationRoute::HfrLookupThenOtp => {
            "The operator looks your facility up in ABDM's HFR, then sends an OTP to the \
             facility manager's mobile as registered in HFR"
        }
        VerificationRoute::RohiniLookupThenOtp => {
            "The operator looks your ROHINI id up, then sends an OTP to the registered mobile"
        }
        VerificationRoute::OtpThenPayerApproval => {
            "An OTP goes to the facility manager; then the payer or scheme that empanelled you \
             approves the request in its own console"
        }
        VerificationRoute::ManualReview => "An operator reviews the request case by case",
    }
}

/// The forms of every registrant kind.
pub fn registration_kinds() -> Vec<RegistrationKindView> {
    ActorKind::ALL
        .iter()
        .map(|&kind| RegistrationKindView {
            kind: serde_name(kind),
            label: kind.label().to_owned(),
            roles: kind.roles().iter().map(|r| r.as_str().to_owned()).collect(),
            verification: verification_sentence(kind.verification()).to_owned(),
            fields: required_fields(kind)
                .into_iter()
                .map(|f| FieldView {
                    path: f.path.to_owned(),
                    label: f.label.to_owned(),
                    kind: serde_name(f.kind),
                    required: matches!(f.requirement, Requirement::Required),
                    required_for_role: match f.requirement {
                        Requirement::RequiredForRole { role } => Some(role.as_str().to_owned()),
                        _ => None,
                    },
                    help: f.help.to_owned(),
                    automatic: AUTOMATIC.contains(&f.path),
                })
                .collect(),
        })
        .collect()
}

/// Form findings, leaving out "missing" on the fields the console fills itself.
fn findings(app: &Application) -> Vec<FindingView> {
    validate(app, Utc::now().date_naive())
        .into_iter()
        .filter(|f| {
            !(AUTOMATIC.contains(&f.path.as_str())
                && f.code == hcx_onboard::registration::FindingCode::Missing)
        })
        .map(|f| FindingView {
            severity: "error".into(),
            rule: format!("registration.{}", serde_name(f.code)),
            path: f.path,
            message: f.message,
        })
        .collect()
}

/// The kind a profile most likely registers as, from its sandbox role.
fn default_kind(profile: &Profile) -> ActorKind {
    let role = profile.fields.roles.iter().find_map(|r| r.parse::<Role>().ok());
    match role {
        Some(Role::Payor) => ActorKind::Payer,
        Some(Role::AgencyTpa) => ActorKind::Tpa,
        Some(Role::AgencySponsor) => ActorKind::StateScheme,
        Some(Role::MemberIsnp) => ActorKind::Intermediary,
        Some(Role::AgencyRegulator) => ActorKind::Regulator,
        Some(Role::Bsp) => ActorKind::Bsp,
        _ => ActorKind::AbdmProvider,
    }
}

pub(crate) fn application_view(profile_id: &str, s: &ApplicationStatus) -> ApplicationView {
    let (awaiting_payer, participant_code, reasons) = match &s.state {
        ApplicationState::AwaitingPayerApproval { payer_code } => {
            (Some(payer_code.clone()), None, Vec::new())
        }
        ApplicationState::Approved { participant_code } => {
            (None, Some(participant_code.clone()), Vec::new())
        }
        ApplicationState::Rejected { reasons } => (None, None, reasons.clone()),
        _ => (None, None, Vec::new()),
    };
    ApplicationView {
        profile_id: profile_id.to_owned(),
        application_id: s.application_id.clone(),
        kind: serde_name(s.kind),
        participant_name: s.participant_name.clone(),
        state: s.state.name().to_owned(),
        awaiting_payer,
        participant_code,
        reasons,
        otp_sent_to: s.otp_sent_to.clone(),
        credentials: serde_name(s.credentials),
        history: s
            .history
            .iter()
            .map(|h| ApplicationEvent {
                at: utc(h.at),
                state: h.state.clone(),
                note: h.note.clone(),
            })
            .collect(),
        submitted_at: utc(s.submitted_at),
    }
}

fn approval_view(e: &ApprovalEntry) -> ApprovalView {
    let emp = serde_json::to_value(&e.empanelment).unwrap_or(Value::Null);
    let empanelment = emp
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
                .map(|(k, v)| format!("{}: {}", k.replace('_', " "), v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    ApprovalView {
        application_id: e.application_id.clone(),
        facility_name: e.facility_name.clone(),
        licence_number: e.licence_number.clone(),
        address: e.address.clone(),
        manager: e.manager.clone(),
        empanelment,
        proof: e.proof.as_ref().map(|d| {
            format!("{} ({}, {} bytes, SHA-256 {})", d.title, d.content_type, d.size, d.sha256)
        }),
        state: e.state.name().to_owned(),
        reasons: match &e.state {
            ApplicationState::Rejected { reasons } => reasons.clone(),
            _ => Vec::new(),
        },
        submitted_at: utc(e.submitted_at),
    }
}

impl Console {
    /// Where a sandbox profile stands: its certificate, its draft, the production profiles
    /// made from it.
    pub async fn onboarding(&self, profile_id: &str) -> Result<OnboardingView> {
        let profile = self.profile(profile_id)?;
        let certification = self.certification(&profile.id).await?;
        let draft = self.saved_draft(&profile)?;
        let made = self.read(|r| Ok(r.onboarding_from(&profile.id)?))?;
        let mut production = Vec::new();
        for row in made {
            production.push(self.go_live(&row.profile_id).await?);
        }
        Ok(OnboardingView { profile_id: profile.id, certification, draft, production })
    }

    fn saved_draft(&self, profile: &Profile) -> Result<Option<RegistrationDraftView>> {
        let Some(d) =
            self.read(|r| Ok(r.get_draft(Some(&profile.id), DRAFT_KIND, DRAFT_KEY)?))?
        else {
            return Ok(None);
        };
        let app = parse_application(d.data)?;
        Ok(Some(draft_view(&profile.id, &app, d.updated_at)))
    }

    /// The registration draft of a sandbox profile; a new one of `kind` (prefilled from the
    /// profile and its certificate) when none is saved or another kind is asked for.
    pub async fn registration_draft(
        &self,
        profile_id: &str,
        kind: Option<&str>,
    ) -> Result<RegistrationDraftView> {
        let profile = self.profile(profile_id)?;
        let kind = kind.map(parse_kind).transpose()?;
        if let Some(saved) = self.saved_draft(&profile)?
            && kind.is_none_or(|k| serde_name(k) == saved.kind)
        {
            return Ok(saved);
        }
        let kind = kind.unwrap_or_else(|| default_kind(&profile));
        let mut app = Application::new(kind);
        let certificate = self.onboarding_row(&profile.id)?.and_then(|o| o.sandbox_certificate);
        let common = app.common_mut();
        common.participant_name = profile.fields.name.clone();
        if let Some(email) = profile.fields.email.clone() {
            common.primary_email = email;
        }
        if let Some(role) = profile.fields.roles.iter().find_map(|r| r.parse::<Role>().ok())
            && kind.roles().contains(&role)
        {
            common.role = Some(role);
        }
        common.protocol_version = ApiVersion::default();
        common.sandbox_certificate = certificate.unwrap_or_default();
        self.save_registration_draft(&profile.id, serde_json::to_value(&app).unwrap_or_default())
            .await
    }

    /// Saves the draft (the whole form) and returns it with its findings.
    pub async fn save_registration_draft(
        &self,
        profile_id: &str,
        application: Value,
    ) -> Result<RegistrationDraftView> {
        let profile = self.profile(profile_id)?;
        let app = parse_application(application)?;
        let now = Utc::now();
        let data = serde_json::to_value(&app)
            .map_err(|e| ConsoleError::input("application", e.to_string()))?;
        self.write(|w| Ok(w.save_draft(Some(&profile.id), DRAFT_KIND, DRAFT_KEY, &data, now)?))?;
        Ok(draft_view(&profile.id, &app, now))
    }

    /// Submits the application to the operator (`operator_url`, or the profile's own exchange):
    /// creates the production profile and its key, fills the automatic fields, and keeps the
    /// applicant token in that profile's keychain slot. Nothing is created when the form has
    /// findings or the operator refuses it.
    pub async fn submit_registration(
        &self,
        profile_id: &str,
        application: Value,
        operator_url: Option<&str>,
    ) -> Result<ApplicationView> {
        let source = self.profile(profile_id)?;
        let draft = self.save_registration_draft(&source.id, application).await?;
        if let Some(first) = draft.findings.first() {
            return Err(ConsoleError::input(
                first.path.clone(),
                format!("{} ({} problem(s) in the form)", first.message, draft.findings.len()),
            ));
        }
        let mut app = parse_application(draft.application)?;
        let kind = app.kind();
        let certificate = self.onboarding_row(&source.id)?.and_then(|o| o.sandbox_certificate);
        if kind.needs_sandbox_certificate() && certificate.is_none() {
            return Err(ConsoleError::NotAllowed(
                "run the sandbox certification first: the application must carry its certificate"
                    .into(),
            ));
        }
        let operator_url = operator_url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .unwrap_or_else(|| source.fields.gateway_base_url.clone());
        let role = app.common().role.unwrap_or(kind.default_role());
        let production = self
            .add_profile(NewProfile {
                name: app.common().participant_name.trim().to_owned(),
                participant_code: PENDING_CODE.to_owned(),
                roles: vec![role.as_str().to_owned()],
                environment: Environment::Production,
                gateway_url: operator_url.clone(),
                dialect: source.fields.dialect,
                bridge_url: None,
                username: Some(app.common().primary_email.trim().to_lowercase()),
                email: Some(app.common().primary_email.trim().to_lowercase()),
                password: None,
                bridge_token: None,
                // Production: set with `hcx profile add --hcx-code`, or by the local exchange
                // when it serves this profile (`LocalExchange::attach_bridge`).
                hcx_code: None,
            })
            .await?;
        let submitted = async {
            let key = self.generate_key(&production.id).await?;
            let common = app.common_mut();
            common.encryption_cert_pem = key.certificate_pem.unwrap_or_default();
            if kind.needs_sandbox_certificate() {
                common.sandbox_certificate = certificate.clone().unwrap_or_default();
            }
            if common.endpoint_url.trim().is_empty() {
                // The code is not issued yet, so the real mailbox address cannot be known; the
                // registry gets it right after the credentials arrive (`connect_bridge`).
                let base = source.fields.bridge_url.clone().unwrap_or_else(|| operator_url.clone());
                common.endpoint_url = format!("{base}/p/{PENDING_CODE}");
            }
            let operator = OperatorClient::new(&operator_url, app.common().protocol_version)?;
            Ok::<_, ConsoleError>(operator.submit(&app).await?)
        }
        .await;
        let submitted = match submitted {
            Ok(s) => s,
            Err(e) => {
                // Nothing half-made: the production profile and its key go again.
                if let Err(cleanup) = self.delete_profile(&production.id).await {
                    tracing::warn!(error = %cleanup, "removing the unsubmitted production profile");
                }
                return Err(e);
            }
        };
        let profile = self.profile(&production.id)?;
        self.inner.secrets.set(
            &profile,
            SecretKind::ApplicantToken,
            &Secret::new(submitted.applicant_token.expose().to_owned()),
        )?;
        let now = Utc::now();
        let status = &submitted.status;
        self.write(|w| {
            let mut row = Onboarding::new(&profile.id, now);
            row.login_kind = LoginKind::ApiSecret;
            row.sandbox_certificate = certificate.clone();
            row.source_profile_id = Some(source.id.clone());
            row.operator_url = Some(operator_url.clone());
            row.application_id = Some(status.application_id.clone());
            row.application = serde_json::to_value(status).ok();
            w.put_onboarding(&row)?;
            w.delete_draft(Some(&source.id), DRAFT_KIND, DRAFT_KEY)?;
            w.append_audit(&audit(
                &profile.id,
                None,
                "operator",
                "onboarding.submitted",
                serde_json::json!({
                    "applicationId": status.application_id,
                    "kind": serde_name(kind),
                    "state": status.state.name(),
                }),
                now,
            ))?;
            Ok(())
        })?;
        Ok(application_view(&profile.id, status))
    }

    /// The application of a production profile, fresh from the operator.
    pub async fn application_status(&self, profile_id: &str) -> Result<ApplicationView> {
        let (profile, row, operator, token) = self.applicant(profile_id)?;
        let id = row.application_id.clone().unwrap_or_default();
        let status = operator.status(&id, &token).await?;
        self.record_status(&profile, row, &status)
    }

    /// Sends the OTP the registered contact received.
    pub async fn submit_otp(&self, profile_id: &str, otp: &str) -> Result<ApplicationView> {
        let (profile, row, operator, token) = self.applicant(profile_id)?;
        let id = row.application_id.clone().unwrap_or_default();
        let status = operator.submit_otp(&id, &token, otp.trim()).await?;
        self.record_status(&profile, row, &status)
    }

    /// Asks the operator to send the OTP again.
    pub async fn resend_otp(&self, profile_id: &str) -> Result<ApplicationView> {
        let (profile, row, operator, token) = self.applicant(profile_id)?;
        let id = row.application_id.clone().unwrap_or_default();
        let status = operator.resend_otp(&id, &token).await?;
        self.record_status(&profile, row, &status)
    }

    /// Fetches the production credentials (the operator gives them once) and stores the
    /// secret in the keychain at once; then the profile takes its participant code and, when
    /// it has a bridge, registers its mailbox address with the registry.
    pub async fn fetch_credentials(&self, profile_id: &str) -> Result<crate::dto::GoLiveView> {
        let (profile, mut row, operator, token) = self.applicant(profile_id)?;
        let id = row.application_id.clone().unwrap_or_default();
        let creds = operator.fetch_credentials(&id, &token).await?;
        // The secret exists nowhere else now: into the keychain before anything can fail.
        self.inner.secrets.set(
            &profile,
            SecretKind::GatewaySecret,
            &Secret::new(creds.secret.expose().to_owned()),
        )?;
        let mut fields = profile.fields.clone();
        fields.participant_code = creds.participant_code.clone();
        fields.username = Some(creds.username.clone());
        let now = Utc::now();
        row.login_kind = LoginKind::ApiSecret;
        row.live_since = Some(now);
        row.updated_at = now;
        self.write(|w| {
            w.update_profile(&profile.id, &fields, now)?;
            w.put_onboarding(&row)?;
            w.append_audit(&audit(
                &profile.id,
                None,
                "operator",
                "onboarding.credentials_stored",
                serde_json::json!({"participantCode": creds.participant_code}),
                now,
            ))?;
            Ok(())
        })?;
        self.forget_client(&profile.id);
        self.inner.secrets.delete(&profile, SecretKind::ApplicantToken)?;
        if self.profile(&profile.id)?.fields.bridge_url.is_some() {
            self.connect_bridge(&profile.id).await.map_err(|e| {
                ConsoleError::Onboarding(format!(
                    "the credentials are stored in the keychain, but the callback address could \
                     not be registered: {e}; try again from Go live"
                ))
            })?;
        }
        self.go_live(&profile.id).await
    }

    /// Registers the profile's bridge mailbox as its callback address (`endpoint_url`).
    pub async fn connect_bridge(&self, profile_id: &str) -> Result<String> {
        let profile = self.profile(profile_id)?;
        let endpoint = self.bridge_endpoint(&profile.id)?.ok_or_else(|| {
            ConsoleError::NotAllowed("the profile has no bridge; set one in Settings".into())
        })?;
        self.client(&profile)?.update_own_record(Some(&endpoint), None).await?;
        Ok(endpoint)
    }

    /// "Report a compromise": a new key pair and a new secret; the registry gets the new
    /// certificate and the old secret stops working. The new secret goes to the keychain only.
    pub async fn report_compromise(&self, profile_id: &str, note: &str) -> Result<CompromiseView> {
        let profile = self.profile(profile_id)?;
        let row = self.onboarding_row(&profile.id)?.filter(|o| o.live_since.is_some());
        let Some(row) = row else {
            return Err(ConsoleError::NotAllowed(
                "this profile has no production credentials to replace".into(),
            ));
        };
        let operator_url =
            row.operator_url.clone().unwrap_or_else(|| profile.fields.gateway_base_url.clone());
        let operator = OperatorClient::new(&operator_url, ApiVersion::default())?
            .with_credentials(self.gateway_credentials(&profile)?);
        // The old key stays as "previous" so answers already encrypted to it can be read.
        let report = self.rotate_key(&profile.id).await?;
        let request = CompromiseRequest {
            new_encryption_cert_pem: report.certificate_pem.clone(),
            note: note.trim().to_owned(),
        };
        let (creds, certificate_updated) = operator.report_compromise(&request).await?;
        self.inner.secrets.set(
            &profile,
            SecretKind::GatewaySecret,
            &Secret::new(creds.secret.expose().to_owned()),
        )?;
        self.forget_client(&profile.id);
        let now = Utc::now();
        self.record(
            &profile.id,
            "onboarding.compromise_reported",
            serde_json::json!({"certificateUpdated": certificate_updated}),
        )?;
        Ok(CompromiseView {
            profile_id: profile.id,
            key_rotated: true,
            certificate_updated,
            secret_rotated_at: utc(now),
            fingerprint: report.status.fingerprint.clone().unwrap_or_default(),
        })
    }

    /// Empanelment requests that name the active profile (a payer or scheme) as the one that
    /// empanelled the facility.
    pub async fn empanelment_requests(&self) -> Result<Vec<ApprovalView>> {
        let operator = self.participant_operator()?;
        Ok(operator.approvals().await?.iter().map(approval_view).collect())
    }

    /// Approves or refuses (with a reason, shown to the applicant) an empanelment request.
    pub async fn decide_empanelment(
        &self,
        application_id: &str,
        approve: bool,
        reason: &str,
    ) -> Result<ApprovalView> {
        if !approve && reason.trim().is_empty() {
            return Err(ConsoleError::input("reason", "say why the request is refused"));
        }
        let operator = self.participant_operator()?;
        let decision = DecisionRequest { approve, reason: reason.trim().to_owned() };
        operator.decide_approval(application_id, &decision).await?;
        self.record(
            &self.active()?.id,
            if approve { "empanelment.approved" } else { "empanelment.refused" },
            serde_json::json!({"applicationId": application_id}),
        )?;
        let list = operator.approvals().await?;
        list.iter().find(|e| e.application_id == application_id).map(approval_view).ok_or_else(
            || ConsoleError::Operator(format!("application {application_id} is not in the queue")),
        )
    }

    /// The operator client logged in as the active profile.
    fn participant_operator(&self) -> Result<OperatorClient> {
        let profile = self.active()?;
        Ok(OperatorClient::new(&profile.fields.gateway_base_url, ApiVersion::default())?
            .with_credentials(self.gateway_credentials(&profile)?))
    }

    /// A production profile with a pending application: its row, operator and token.
    fn applicant(
        &self,
        profile_id: &str,
    ) -> Result<(Profile, Onboarding, OperatorClient, hcx_onboard::Secret)> {
        let profile = self.profile(profile_id)?;
        let row = self
            .onboarding_row(&profile.id)?
            .filter(|o| o.application_id.is_some())
            .ok_or_else(|| {
                ConsoleError::NotAllowed(
                    "this profile has no application; submit one from its sandbox profile".into(),
                )
            })?;
        let token =
            self.inner.secrets.get(&profile, SecretKind::ApplicantToken)?.ok_or_else(|| {
                if row.live_since.is_some() {
                    ConsoleError::NotAllowed(
                        "the production credentials were already stored for this profile".into(),
                    )
                } else {
                    ConsoleError::MissingSecret {
                        profile: profile.id.clone(),
                        what: "applicant token",
                        hint: "the application must be submitted again from this computer",
                    }
                }
            })?;
        let url =
            row.operator_url.clone().unwrap_or_else(|| profile.fields.gateway_base_url.clone());
        let operator = OperatorClient::new(&url, ApiVersion::default())?;
        Ok((profile, row, operator, hcx_onboard::Secret::new(token.expose())))
    }

    fn record_status(
        &self,
        profile: &Profile,
        mut row: Onboarding,
        status: &ApplicationStatus,
    ) -> Result<ApplicationView> {
        let now = Utc::now();
        let changed = row
            .application
            .as_ref()
            .and_then(|a| a.pointer("/state/state"))
            .and_then(Value::as_str)
            != Some(status.state.name());
        row.application = serde_json::to_value(status).ok();
        row.updated_at = now;
        self.write(|w| {
            w.put_onboarding(&row)?;
            if changed {
                w.append_audit(&audit(
                    &profile.id,
                    None,
                    "operator",
                    "onboarding.state",
                    serde_json::json!({"state": status.state.name()}),
                    now,
                ))?;
            }
            Ok(())
        })?;
        Ok(application_view(&profile.id, status))
    }
}

fn draft_view(
    profile_id: &str,
    app: &Application,
    saved_at: DateTime<Utc>,
) -> RegistrationDraftView {
    RegistrationDraftView {
        profile_id: profile_id.to_owned(),
        kind: serde_name(app.kind()),
        application: serde_json::to_value(app).unwrap_or_default(),
        saved_at: utc(saved_at),
        findings: findings(app),
    }
}
