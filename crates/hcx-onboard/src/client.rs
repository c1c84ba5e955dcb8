//! [`OperatorClient`]: the console's side of the operator's onboarding API
//! ([`crate::operator_api`]). One method per endpoint, so each `hcx onboard …` command and each
//! onboarding screen is a single call.
//!
//! Applicant endpoints are authorised by the application's own token (returned once by
//! [`OperatorClient::submit`]); participant endpoints (payer approvals, compromise reports) by
//! the participant's access token; operator endpoints (outbox, queue, manual review) by the
//! operator's credentials. Both logged-in kinds go through hcx-client's authenticated call
//! ([`HcxClient::call`]): its token cache, and one fresh-token retry when the gateway answers 401.

use std::time::Duration;

use hcx_client::{Credentials, GatewayConfig, HcxClient, RetryPolicy};
use hcx_protocol::ApiVersion;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{OnboardError, Result};
use crate::operator_api::{
    ApplicationStatus, ApprovalEntry, AttestResponse, CompromiseRequest, CompromiseResponse,
    DecisionRequest, IssuedCredentials, OperatorErrorBody, OtpRequest, OutboxMessage,
    SandboxDescriptor, SignedRequest, SubmitRequest, SubmitResponse, TriggerResponse, paths,
};
use crate::registration::Application;
use hcx_protocol::Secret;

/// Per-request timeout.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Production credentials as the console receives them (the secret goes to the keychain).
#[derive(Debug, Clone)]
pub struct ProductionCredentials {
    /// Production participant code.
    pub participant_code: String,
    /// api-access username.
    pub username: String,
    /// The secret.
    pub secret: Secret,
}

impl From<IssuedCredentials> for ProductionCredentials {
    fn from(c: IssuedCredentials) -> Self {
        Self {
            participant_code: c.participant_code,
            username: c.username,
            secret: Secret::new(c.secret),
        }
    }
}

/// A submitted application and the token that follows it.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// Status after the operator's synchronous checks.
    pub status: ApplicationStatus,
    /// The application's bearer token (keep it in the keychain until the credentials are in).
    pub applicant_token: Secret,
}

/// Client of one operator (or sandbox) at one API version.
pub struct OperatorClient {
    http: reqwest::Client,
    base_url: String,
    version: ApiVersion,
    api: String,
    /// The logged-in client, or why the credentials cannot make one (reported on first use).
    login: Option<std::result::Result<HcxClient, String>>,
}

impl std::fmt::Debug for OperatorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorClient").field("api", &self.api).finish_non_exhaustive()
    }
}

enum Auth<'a> {
    None,
    Bearer(&'a Secret),
    Login,
}

impl OperatorClient {
    /// `base_url` is the API base (`https://hcx.example/api`, the sandbox's `base_url()`).
    pub fn new(base_url: &str, version: ApiVersion) -> Result<Self> {
        let http = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        Ok(Self {
            http,
            base_url: base_url.to_owned(),
            version,
            api: format!("{}/{}", base_url.trim_end_matches('/'), version.prefix()),
            login: None,
        })
    }

    /// Logs in with these credentials for participant and operator endpoints.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        // The operator's API sends no protocol message, so the client's own-code checks never
        // run; the api-access form names the participant, the password form only the user.
        let code = match &credentials {
            Credentials::ApiSecret { participant_code, .. } => participant_code.clone(),
            Credentials::Password { username, .. } => username.clone(),
        };
        let mut config = GatewayConfig::new(self.base_url.clone(), code, credentials);
        config.version = self.version;
        config.request_timeout = TIMEOUT;
        // Approvals, decisions and compromise reports change state: never send one twice.
        config.retry = RetryPolicy::no_retry();
        self.login = Some(HcxClient::new(config).map_err(|e| e.to_string()));
        self
    }

    // ------------------------------------------------------------ certification

    /// What the sandbox offers for certification.
    pub async fn sandbox(&self) -> Result<SandboxDescriptor> {
        self.call(Method::GET, paths::SANDBOX, Auth::None, None::<&()>).await
    }

    /// Sends a signed attest request; returns the sandbox's attestation.
    pub async fn attest(&self, signed_request: &str) -> Result<String> {
        let body = SignedRequest { request: signed_request.to_string() };
        let r: AttestResponse =
            self.call(Method::POST, paths::ATTEST, Auth::None, Some(&body)).await?;
        Ok(r.attestation)
    }

    /// Asks the sandbox to start a cycle towards the caller (signed trigger claims).
    pub async fn trigger(&self, signed_request: &str) -> Result<TriggerResponse> {
        let body = SignedRequest { request: signed_request.to_string() };
        self.call(Method::POST, paths::TRIGGER, Auth::None, Some(&body)).await
    }

    // --------------------------------------------------------------- applicant

    /// Submits an application. Findings and certificate refusals come back in
    /// [`OnboardError::Operator`].
    pub async fn submit(&self, application: &Application) -> Result<Submitted> {
        let body = SubmitRequest { application: application.clone() };
        let r: SubmitResponse =
            self.call(Method::POST, paths::APPLICATIONS, Auth::None, Some(&body)).await?;
        Ok(Submitted { status: r.status, applicant_token: Secret::new(r.applicant_token) })
    }

    /// Status of an application.
    pub async fn status(&self, id: &str, applicant_token: &Secret) -> Result<ApplicationStatus> {
        let p = paths::application(id);
        self.call(Method::GET, &p, Auth::Bearer(applicant_token), None::<&()>).await
    }

    /// Sends the OTP the registered contact received.
    pub async fn submit_otp(
        &self,
        id: &str,
        applicant_token: &Secret,
        otp: &str,
    ) -> Result<ApplicationStatus> {
        let body = OtpRequest { otp: otp.trim().to_string() };
        let p = paths::otp(id);
        self.call(Method::POST, &p, Auth::Bearer(applicant_token), Some(&body)).await
    }

    /// Asks for a new OTP.
    pub async fn resend_otp(
        &self,
        id: &str,
        applicant_token: &Secret,
    ) -> Result<ApplicationStatus> {
        let p = paths::otp_resend(id);
        self.call(Method::POST, &p, Auth::Bearer(applicant_token), None::<&()>).await
    }

    /// The production credentials, once; a second call is [`OnboardError::AlreadyIssued`].
    pub async fn fetch_credentials(
        &self,
        id: &str,
        applicant_token: &Secret,
    ) -> Result<ProductionCredentials> {
        let p = paths::credentials(id);
        let c: IssuedCredentials =
            self.call(Method::POST, &p, Auth::Bearer(applicant_token), None::<&()>).await?;
        Ok(c.into())
    }

    // ------------------------------------------------------------- participant

    /// Applications that name the logged-in participant as their empanelling payer.
    pub async fn approvals(&self) -> Result<Vec<ApprovalEntry>> {
        self.call(Method::GET, paths::APPROVALS, Auth::Login, None::<&()>).await
    }

    /// Approves or refuses (with a reason) an empanelment.
    pub async fn decide_approval(
        &self,
        id: &str,
        decision: &DecisionRequest,
    ) -> Result<ApplicationStatus> {
        let p = paths::approval(id);
        self.call(Method::POST, &p, Auth::Login, Some(decision)).await
    }

    /// Reports compromised credentials: the secret is rotated (and the certificate replaced
    /// when a new one is given). Returns the new secret, once.
    pub async fn report_compromise(
        &self,
        request: &CompromiseRequest,
    ) -> Result<(ProductionCredentials, bool)> {
        let r: CompromiseResponse =
            self.call(Method::POST, paths::COMPROMISE, Auth::Login, Some(request)).await?;
        Ok((r.credentials.into(), r.encryption_cert_updated))
    }

    // ---------------------------------------------------------------- operator

    /// The simulated SMS / e-mail outbox (operator credentials).
    pub async fn outbox(&self, application_id: Option<&str>) -> Result<Vec<OutboxMessage>> {
        let p = match application_id {
            Some(id) => format!("{}?application_id={id}", paths::OUTBOX),
            None => paths::OUTBOX.to_string(),
        };
        self.call(Method::GET, &p, Auth::Login, None::<&()>).await
    }

    /// The application queue (operator credentials), optionally one state only.
    pub async fn queue(&self, state: Option<&str>) -> Result<Vec<ApplicationStatus>> {
        let p = match state {
            Some(s) => format!("{}?state={s}", paths::APPLICATIONS),
            None => paths::APPLICATIONS.to_string(),
        };
        self.call(Method::GET, &p, Auth::Login, None::<&()>).await
    }

    /// Decides an application in manual review (operator credentials).
    pub async fn decide_review(
        &self,
        id: &str,
        decision: &DecisionRequest,
    ) -> Result<ApplicationStatus> {
        let p = paths::decision(id);
        self.call(Method::POST, &p, Auth::Login, Some(decision)).await
    }

    // ----------------------------------------------------------------- plumbing

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&B>,
    ) -> Result<T> {
        let json = body.map(serde_json::to_vec).transpose()?;
        let (status, bytes) = match auth {
            Auth::Login => {
                let login = match &self.login {
                    Some(Ok(client)) => client,
                    Some(Err(why)) => return Err(OnboardError::Setup(why.clone())),
                    None => return Err(OnboardError::Setup("this call needs credentials".into())),
                };
                let answer = login.call(method, path, json).await?;
                (
                    StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY),
                    answer.body,
                )
            }
            Auth::None | Auth::Bearer(_) => {
                let mut req = self.http.request(method, format!("{}{path}", self.api));
                if let Auth::Bearer(t) = auth {
                    req = req.bearer_auth(t.expose());
                }
                if let Some(b) = json {
                    req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(b);
                }
                let resp = req.send().await?;
                let status = resp.status();
                (status, resp.bytes().await?.to_vec())
            }
        };
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(OnboardError::from);
        }
        if status == StatusCode::GONE {
            return Err(OnboardError::AlreadyIssued);
        }
        Err(match serde_json::from_slice::<OperatorErrorBody>(&bytes) {
            Ok(e) => OnboardError::Operator {
                status: status.as_u16(),
                message: e.error.message,
                findings: e.findings,
                refusals: e.certificate_refusals,
            },
            Err(_) => OnboardError::Operator {
                status: status.as_u16(),
                message: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
                findings: vec![],
                refusals: vec![],
            },
        })
    }
}
