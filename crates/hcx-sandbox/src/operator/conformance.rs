//! Counterparties for the certification scenarios the demo participants cannot produce,
//! registered on first use (the first `GET /onboard/sandbox`), so a sandbox that never
//! certifies anyone has exactly the README's demo participants:
//!
//! - `conformance-payer@<instance>` (`payor`): the demo payer's behaviour behind a strict
//!   check of the domain payload. A request whose focal resource is not what the API carries
//!   (a CoverageEligibilityRequest for `/coverageeligibility/check`, a Claim for preauth /
//!   claim / predetermination) is answered with a plain `response.error`
//!   `ERR_WRONG_DOMAIN_PAYLOAD`; one it cannot decrypt with `ERR_INVALID_ENCRYPTION`.
//! - `conformance-provider@<instance>` (`provider.hospital`): sends payers, on request, a claim
//!   sealed to a key they do not have, or an eligibility request posted as a claim.
//! - `conformance-inactive@<instance>` (`payor`, status `Inactive`): a registered participant
//!   nobody may send to.

use std::sync::Arc;

use hcx_onboard::operator_api::{Fault, TriggerResponse};
use hcx_protocol::{
    Action, Body, Details, Dialect, ErrorCode, Headers, PrivateKey, ProtocolResponse, parse_body,
};
use rusqlite::Connection;
use serde_json::Value;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::Operator;
use crate::error::{Result, SandboxError};
use crate::keys::{self, DemoKeyPair};
use crate::onboard::{self, NewParticipant, ParticipantUpdate};
use crate::password;
use crate::scripted::client::ParticipantClient;
use crate::scripted::fhir::{self, ClaimUse, ItemLine, Party, Request};
use crate::scripted::payer::PayerActor;
use crate::state::{Inbound, SharedState};
use crate::store::credentials::{self, CredentialKind};
use crate::store::registry;
use hcx_protocol::Secret;

/// The conformance participants' codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceCodes {
    /// Strict payer.
    pub payer: String,
    /// Faulty provider.
    pub provider: String,
    /// Inactive participant.
    pub inactive: String,
}

/// Running conformance participants.
pub(super) struct Conformance {
    pub codes: ConformanceCodes,
    provider: ParticipantClient,
}

/// A conformance identity (kept like the demo identities, under `<data>/identities/<slug>`).
struct Peer {
    slug: &'static str,
    name: &'static str,
    role: &'static str,
    status: &'static str,
    code: String,
    email: String,
    password: Secret,
    keys: DemoKeyPair,
}

impl Peer {
    fn load(
        data_dir: &std::path::Path,
        instance: &str,
        slug: &'static str,
        name: &'static str,
        role: &'static str,
        status: &'static str,
    ) -> Result<Peer> {
        let dir = keys::identity_dir(data_dir, slug);
        let code = format!("{slug}@{instance}");
        let keys = keys::load_or_create_keys(&dir, &code)?;
        let password = keys::load_or_create_secret(&dir.join("password"))?;
        Ok(Peer { slug, name, role, status, email: code.to_lowercase(), code, password, keys })
    }

    /// Registers the peer, or refreshes its endpoint, certificate, status and password hash.
    fn register(&self, conn: &mut Connection, st: &SharedState) -> Result<()> {
        let endpoint = st.hosted_endpoint(self.slug);
        let scheme = (self.role == "payor").then(|| "conformance".to_string());
        if registry::get(conn, &self.code)?.is_some() {
            let u = ParticipantUpdate {
                endpoint_url: Some(endpoint),
                encryption_cert_pem: Some(self.keys.cert_pem.clone()),
                status: Some(self.status.into()),
                ..ParticipantUpdate::default()
            };
            onboard::update(conn, &self.code, u)?
                .map_err(|e| SandboxError::Invalid(e.to_string()))?;
            let h = password::hash(self.password.expose())?;
            credentials::upsert(conn, CredentialKind::Password, &self.code, &self.email, &h, &[])?;
            return Ok(());
        }
        let n = NewParticipant {
            participant_code: Some(self.code.clone()),
            participant_name: self.name.into(),
            primary_email: self.email.clone(),
            primary_mobile: "9999999999".into(),
            roles: vec![self.role.into()],
            endpoint_url: endpoint,
            encryption_cert_pem: self.keys.cert_pem.clone(),
            scheme_code: scheme,
            status: self.status.into(),
            password: self.password.clone(),
            secret: None,
            relay_via: None,
            extra: serde_json::Map::new(),
            os_owner: None,
        };
        onboard::create(conn, n, &st.config.instance_code, &|c| st.cert_url(c))?
            .map_err(|e| SandboxError::Invalid(e.to_string()))?;
        Ok(())
    }

    fn client(&self, st: &SharedState, http: &reqwest::Client) -> Result<ParticipantClient> {
        let key = PrivateKey::from_pem(self.keys.private_pem.expose().as_bytes())
            .map_err(hcx_protocol::Error::from)?;
        ParticipantClient::new(
            &st.origin,
            self.code.clone(),
            self.email.clone(),
            self.password.clone(),
            key,
            http.clone(),
        )
    }

    fn host(&self, st: &SharedState) -> UnboundedReceiver<Inbound> {
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut hosted) = st.hosted.write() {
            hosted.insert(self.slug.to_string(), tx);
        }
        rx
    }
}

impl Operator {
    /// The conformance participants, registered and started on first use.
    pub(super) async fn conformance(&self) -> Result<&Conformance> {
        self.conformance.get_or_try_init(|| self.start_conformance()).await
    }

    async fn start_conformance(&self) -> Result<Conformance> {
        let st = self.app.clone();
        let (dir, inst) = (st.config.data_dir.clone(), st.config.instance_code.clone());
        let peers = tokio::task::spawn_blocking(move || -> Result<Vec<Peer>> {
            Ok(vec![
                Peer::load(
                    &dir,
                    &inst,
                    "conformance-payer",
                    "Conformance Payer",
                    "payor",
                    "Active",
                )?,
                Peer::load(
                    &dir,
                    &inst,
                    "conformance-provider",
                    "Conformance Provider",
                    "provider.hospital",
                    "Active",
                )?,
                Peer::load(
                    &dir,
                    &inst,
                    "conformance-inactive",
                    "Inactive Payer",
                    "payor",
                    "Inactive",
                )?,
            ])
        })
        .await??;
        let [payer, provider, inactive] = <[Peer; 3]>::try_from(peers)
            .map_err(|_| SandboxError::Invalid("conformance identities".into()))?;
        let codes = ConformanceCodes {
            payer: payer.code.clone(),
            provider: provider.code.clone(),
            inactive: inactive.code.clone(),
        };
        let peers = [payer, provider, inactive];
        let reg = Arc::new(peers);
        let (st2, reg2) = (st.clone(), Arc::clone(&reg));
        self.app
            .store
            .run(move |c| {
                for p in reg2.iter() {
                    p.register(c, &st2)?;
                }
                Ok(())
            })
            .await?;
        let [payer, provider, _] = &*reg;

        // The strict payer: checks first, then hands valid messages to a scripted payer.
        let (fwd_tx, fwd_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(PayerActor::new(
            payer.client(&st, &self.http)?,
            payer.name.to_string(),
            None,
            st.store.clone(),
            st.config.scripted.clone(),
        ));
        tokio::spawn(inner.run(fwd_rx, self.cancel.child_token()));
        let inbox = payer.host(&st);
        tokio::spawn(strict_payer(
            payer.client(&st, &self.http)?,
            inbox,
            fwd_tx,
            self.cancel.child_token(),
        ));

        // The faulty provider only needs to accept what comes back.
        let inbox = provider.host(&st);
        tokio::spawn(drain(provider.code.clone(), inbox, self.cancel.child_token()));
        tracing::info!(?codes, "conformance participants registered");
        Ok(Conformance { provider: provider.client(&st, &self.http)?, codes })
    }

    /// The conformance provider sends `to` a claim with `fault`.
    pub(super) async fn send_fault(&self, to: &str, fault: Fault) -> Result<TriggerResponse> {
        let c = self.conformance().await?;
        let (corr, wf) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::new_v4().to_string());
        let h = Headers::action(&c.codes.provider, to, &corr, Some(&wf), Dialect::Swasth);
        let api_call_id = h.api_call_id().unwrap_or_default().to_string();
        let me = Party { code: c.codes.provider.clone(), name: "Conformance Provider".into() };
        let payer = Party { code: to.to_string(), name: to.to_string() };
        match fault {
            Fault::WrongPayload => {
                let wrong =
                    fhir::eligibility_request_bundle(&me, &payer, "Asha Verma", "Inpatient cover")?;
                c.provider.send_jwe(Action::ClaimSubmit, &h, &wrong).await?;
            }
            Fault::Undecryptable => {
                let item = ItemLine {
                    sequence: 1,
                    text: "Room rent".into(),
                    net: rust_decimal::Decimal::new(450_000, 2),
                };
                let claim =
                    fhir::claim_bundle(ClaimUse::Claim, &me, &payer, "Asha Verma", &[item])?;
                let stranger = PrivateKey::generate_rsa(2048)
                    .and_then(|k| k.public_key())
                    .map_err(hcx_protocol::Error::from)?;
                let compact = hcx_protocol::seal(&h, claim.to_string().as_bytes(), &stranger)
                    .map_err(hcx_protocol::Error::from)?;
                // Posted as stored bytes: a `{"payload": <JWE>}` body sealed to a key the payer
                // lacks (the client can read its headers without decrypting it).
                let body = hcx_protocol::payload_body(&compact);
                c.provider.send_raw(Action::ClaimSubmit, body.as_bytes()).await?;
            }
        }
        Ok(TriggerResponse { correlation_id: corr, workflow_id: wf, api_call_id })
    }
}

/// What the focal resource of a request on `action` must be (`None`: not checked).
fn expected_focal(action: Action) -> Option<&'static str> {
    match action {
        Action::CoverageEligibilityCheck => Some("CoverageEligibilityRequest"),
        Action::PreauthSubmit | Action::ClaimSubmit | Action::PredeterminationSubmit => {
            Some("Claim")
        }
        _ => None,
    }
}

async fn strict_payer(
    client: ParticipantClient,
    mut inbox: UnboundedReceiver<Inbound>,
    forward: UnboundedSender<Inbound>,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            m = inbox.recv() => match m {
                None => break,
                Some(m) => {
                    if let Err(e) = check(&client, m, &forward).await {
                        tracing::warn!(error = %e, "conformance payer could not answer");
                    }
                }
            }
        }
    }
}

async fn check(
    client: &ParticipantClient,
    m: Inbound,
    forward: &UnboundedSender<Inbound>,
) -> Result<()> {
    let action = Action::from_path(&m.path).map(|(_, a)| a);
    let (Some(action), Some(expected)) = (action, action.and_then(expected_focal)) else {
        let _ = forward.send(m);
        return Ok(());
    };
    let Body::Jwe(compact) = parse_body(&m.body).map_err(hcx_protocol::Error::from)? else {
        let _ = forward.send(m);
        return Ok(());
    };
    let refusal = match client.open(&compact) {
        Err(e) => Some((ErrorCode::ErrInvalidEncryption, format!("cannot decrypt: {e}"))),
        Ok(opened) => {
            let payload = opened.payload_json().unwrap_or(Value::Null);
            let correlation = opened.headers.correlation_id().unwrap_or_default();
            let found = Request::read(&payload, correlation).focal_type().to_owned();
            (found != expected).then(|| {
                (
                    ErrorCode::ErrWrongDomainPayload,
                    format!(
                        "{} carries a {expected} bundle; this one carries a {found}",
                        action.path()
                    ),
                )
            })
        }
    };
    match refusal {
        None => {
            let _ = forward.send(m);
        }
        Some((code, message)) => {
            let h = hcx_protocol::peek_headers(&compact).map_err(hcx_protocol::Error::from)?;
            let details = Details::new(code.as_str(), message);
            client.send_plain(action.callback(), &ProtocolResponse::error(&h, &details)).await?;
        }
    }
    Ok(())
}

async fn drain(code: String, mut inbox: UnboundedReceiver<Inbound>, cancel: CancellationToken) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            m = inbox.recv() => match m {
                None => break,
                Some(m) => tracing::info!(participant = %code, path = %m.path, "conformance provider received"),
            }
        }
    }
}
