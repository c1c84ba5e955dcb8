//! Scripted counterparties: real participants with their own RSA key pairs and credentials,
//! hosted on the sandbox's listener (`/participants/<slug>/…` is their `endpoint_url`), that
//! answer through the sandbox's public HTTP API like any other participant.
//!
//! Their keys and passwords are demo identities kept in `<data>/identities/<slug>/` so that a
//! restart keeps the same participants (see `keys`).

pub mod client;
pub mod fhir;
pub mod payer;
pub mod provider;
pub mod scenario;
pub mod tasks;

use std::path::Path;

use rusqlite::Connection;

use crate::error::{Result, SandboxError};
use crate::keys::{self, DemoKeyPair};
use crate::onboard::{self, NewParticipant, ParticipantUpdate};
use crate::password;
use crate::store::credentials::{self, CredentialKind};
use crate::store::registry::{self, Participant};
use hcx_protocol::Secret;

/// Which demo participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoKind {
    /// The HCX itself (the admin credential).
    Hcx,
    /// Demo payer (`payor`).
    Payer,
    /// Demo TPA (`agency.tpa`).
    Tpa,
    /// Demo provider (`provider.hospital`).
    Provider,
}

impl DemoKind {
    /// URL slug and directory name.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Hcx => "hcx",
            Self::Payer => "demo-payer",
            Self::Tpa => "demo-tpa",
            Self::Provider => "demo-provider",
        }
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hcx => "HCX Sandbox",
            Self::Payer => "Demo Payer Insurance",
            Self::Tpa => "Demo TPA Services",
            Self::Provider => "Demo City Hospital",
        }
    }

    /// Registry roles.
    pub fn roles(self) -> Vec<String> {
        let r = match self {
            Self::Hcx => "HIE/HIO.HCX",
            Self::Payer => "payor",
            Self::Tpa => "agency.tpa",
            Self::Provider => "provider.hospital",
        };
        vec![r.to_string()]
    }

    /// Participant code on `instance`.
    pub fn code(self, instance: &str) -> String {
        match self {
            Self::Hcx => format!("hcx@{instance}"),
            other => format!("{}@{instance}", other.slug()),
        }
    }
}

/// A demo identity with its secrets.
#[derive(Debug, Clone)]
pub struct DemoIdentity {
    /// Which one.
    pub kind: DemoKind,
    /// Participant code.
    pub code: String,
    /// Login e-mail (password-form username; also the api-access username).
    pub email: String,
    /// Password.
    pub password: Secret,
    /// api-access secret.
    pub secret: Secret,
    /// Key pair.
    pub keys: DemoKeyPair,
}

/// Loads (or creates on first start) the identity files of `kind`.
pub fn load_identity(data_dir: &Path, instance: &str, kind: DemoKind) -> Result<DemoIdentity> {
    let dir = keys::identity_dir(data_dir, kind.slug());
    let code = kind.code(instance);
    let keys = keys::load_or_create_keys(&dir, &code)?;
    let password = keys::load_or_create_secret(&dir.join("password"))?;
    let secret = keys::load_or_create_secret(&dir.join("secret"))?;
    let email = match kind {
        DemoKind::Hcx => format!("admin@{instance}"),
        other => format!("{}@{instance}", other.slug()),
    }
    .to_lowercase();
    Ok(DemoIdentity { kind, code, email, password, secret, keys })
}

/// Registers the identity, or refreshes its endpoint, certificate, status and credential hashes
/// (the port may change between runs; the identity files are the source of truth).
pub fn register(
    conn: &mut Connection,
    id: &DemoIdentity,
    endpoint_url: &str,
    instance: &str,
    cert_url: &dyn Fn(&str) -> String,
) -> Result<Participant> {
    if registry::get(conn, &id.code)?.is_some() {
        let u = ParticipantUpdate {
            endpoint_url: Some(endpoint_url.to_string()),
            encryption_cert_pem: Some(id.keys.cert_pem.clone()),
            status: Some("Active".into()),
            ..ParticipantUpdate::default()
        };
        let p = onboard::update(conn, &id.code, u)?
            .map_err(|e| SandboxError::Invalid(e.to_string()))?;
        let h = password::hash(id.password.expose())?;
        credentials::upsert(conn, CredentialKind::Password, &id.code, &id.email, &h, &[])?;
        let h = password::hash(id.secret.expose())?;
        credentials::upsert(
            conn,
            CredentialKind::Secret,
            &id.code,
            &id.email,
            &h,
            &["admin".to_string()],
        )?;
        return Ok(p);
    }
    let n = NewParticipant {
        participant_code: Some(id.code.clone()),
        participant_name: id.kind.name().to_string(),
        primary_email: id.email.clone(),
        primary_mobile: "9999999999".into(),
        roles: id.kind.roles(),
        endpoint_url: endpoint_url.to_string(),
        encryption_cert_pem: id.keys.cert_pem.clone(),
        scheme_code: (id.kind == DemoKind::Payer).then(|| "default".to_string()),
        status: "Active".into(),
        password: id.password.clone(),
        secret: Some(id.secret.clone()),
        relay_via: None,
        extra: serde_json::Map::new(),
        os_owner: None,
    };
    onboard::create(conn, n, instance, cert_url)?.map_err(|e| SandboxError::Invalid(e.to_string()))
}
