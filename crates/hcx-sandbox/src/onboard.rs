//! Creating and updating registry records (what `/participant/create` and `/participant/update`
//! do, and how the sandbox seeds its own demo participants). Kept out of the HTTP handlers so
//! start-up seeding and the API share one code path.

use rusqlite::Connection;
use serde_json::{Map, Value};

use crate::error::Result;
use crate::keys;
use crate::password;
use crate::store::credentials::{self, CredentialKind};
use crate::store::registry::{self, Participant};
use hcx_protocol::Secret;

/// Roles the registry schema accepts (plus `bsp`, which the platform uses).
pub const KNOWN_ROLES: &[&str] = &[
    "provider",
    "payor",
    "agency.tpa",
    "agency.regulator",
    "research",
    "member.isnp",
    "agency.sponsor",
    "HIE/HIO.HCX",
    "provider.hospital",
    "provider.clinic",
    "provider.practitioner",
    "provider.diagnostics",
    "provider.pharmacy",
    "bsp",
];

/// Statuses a record may have.
pub const STATUSES: &[&str] = &["Created", "Active", "Inactive", "Blocked"];

/// Why a create/update was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OnboardError {
    /// A field is missing or invalid (`ERR_INVALID_PARTICIPANT_DETAILS`).
    #[error("{0}")]
    Details(String),
    /// The certificate is unusable (`ERR_INVALID_CERTIFICATE`).
    #[error("{0}")]
    Certificate(String),
    /// No such participant (`ERR_INVALID_PARTICIPANT_CODE`).
    #[error("{0}")]
    UnknownCode(String),
}

/// What a new participant needs.
#[derive(Debug, Clone)]
pub struct NewParticipant {
    /// Wanted code; generated the platform's way when `None`.
    pub participant_code: Option<String>,
    /// Display name.
    pub participant_name: String,
    /// Login e-mail.
    pub primary_email: String,
    /// Mobile.
    pub primary_mobile: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Callback base URL.
    pub endpoint_url: String,
    /// Inline PEM certificate.
    pub encryption_cert_pem: String,
    /// Required for payors.
    pub scheme_code: Option<String>,
    /// Initial status (default `Active` in the sandbox; the platform starts at `Created`).
    pub status: String,
    /// Password for the password login form.
    pub password: Secret,
    /// Optional api-access secret; creates user `primary_email` with user role `admin`.
    pub secret: Option<Secret>,
    /// Peer instance hosting this participant (relay design).
    pub relay_via: Option<String>,
    /// Other optional registry fields kept as given.
    pub extra: Map<String, Value>,
    /// Fixed `osOwner[0]` (demo identities keep theirs across restarts); random when `None`.
    pub os_owner: Option<String>,
}

/// Creates a participant and its credentials in one transaction. `cert_url` maps a code to the
/// URL the sandbox serves its certificate at.
pub fn create(
    conn: &mut Connection,
    n: NewParticipant,
    instance_code: &str,
    cert_url: &dyn Fn(&str) -> String,
) -> Result<std::result::Result<Participant, OnboardError>> {
    let details = |m: &str| Ok(Err(OnboardError::Details(m.to_string())));
    if n.participant_name.trim().is_empty() {
        return details("participant_name is required");
    }
    let email = n.primary_email.trim().to_lowercase();
    if !email.contains('@') {
        return details("primary_email is required and must be an e-mail address");
    }
    if let Err(e) = check_roles(&n.roles, n.scheme_code.as_deref()) {
        return Ok(Err(e));
    }
    if !STATUSES.contains(&n.status.as_str()) {
        return details("status must be one of Created, Active, Inactive, Blocked");
    }
    if n.password.expose().chars().count() < 8 {
        return details("password must have at least 8 characters");
    }
    let expiry = match keys::check_certificate(&n.encryption_cert_pem) {
        Ok(e) => e,
        Err(m) => return Ok(Err(OnboardError::Certificate(format!("encryption_cert: {m}")))),
    };
    let code = match n.participant_code.clone() {
        Some(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => generate_code(&n.roles, &n.participant_name, instance_code)?,
    };
    let tx = conn.transaction()?;
    if registry::get(&tx, &code)?.is_some() {
        return details(&format!("participant {code} already exists"));
    }
    if credentials::find(&tx, CredentialKind::Password, None, &email)?.is_some() {
        return details(&format!("primary_email {email} is already registered"));
    }
    let now = chrono::Utc::now();
    let p = Participant {
        participant_code: code.clone(),
        participant_name: n.participant_name.trim().to_string(),
        roles: n.roles.clone(),
        status: n.status.clone(),
        primary_email: email.clone(),
        primary_mobile: n.primary_mobile.clone(),
        endpoint_url: n.endpoint_url.trim_end_matches('/').to_string(),
        encryption_cert: cert_url(&code),
        encryption_cert_expiry: Some(expiry),
        scheme_code: n.scheme_code.clone(),
        osid: uuid::Uuid::new_v4().to_string(),
        os_owner: vec![n.os_owner.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string())],
        os_created_at: now.to_rfc3339(),
        os_updated_at: now.to_rfc3339(),
        relay_via: n.relay_via.clone(),
        extra: n.extra.clone(),
    };
    registry::insert(&tx, &p, &n.encryption_cert_pem, now.timestamp_millis())?;
    let h = password::hash(n.password.expose())?;
    credentials::upsert(&tx, CredentialKind::Password, &code, &email, &h, &[])?;
    if let Some(secret) = &n.secret {
        let h = password::hash(secret.expose())?;
        credentials::upsert(
            &tx,
            CredentialKind::Secret,
            &code,
            &email,
            &h,
            &["admin".to_string()],
        )?;
    }
    tx.commit()?;
    Ok(Ok(p))
}

/// Changes to an existing record. `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ParticipantUpdate {
    /// New display name.
    pub participant_name: Option<String>,
    /// New mobile.
    pub primary_mobile: Option<String>,
    /// New callback base.
    pub endpoint_url: Option<String>,
    /// New inline PEM certificate.
    pub encryption_cert_pem: Option<String>,
    /// New roles (admin only; checked by the caller).
    pub roles: Option<Vec<String>>,
    /// New status (admin only).
    pub status: Option<String>,
    /// New scheme code.
    pub scheme_code: Option<String>,
    /// New password.
    pub password: Option<Secret>,
    /// New relay peer.
    pub relay_via: Option<String>,
    /// Extra fields to set.
    pub extra: Map<String, Value>,
}

/// Applies an update in one transaction.
pub fn update(
    conn: &mut Connection,
    code: &str,
    u: ParticipantUpdate,
) -> Result<std::result::Result<Participant, OnboardError>> {
    let tx = conn.transaction()?;
    let Some(mut p) = registry::get(&tx, code)? else {
        return Ok(Err(OnboardError::UnknownCode(format!("participant {code} does not exist"))));
    };
    if let Some(v) = u.participant_name {
        p.participant_name = v;
    }
    if let Some(v) = u.primary_mobile {
        p.primary_mobile = v;
    }
    if let Some(v) = u.endpoint_url {
        p.endpoint_url = v.trim_end_matches('/').to_string();
    }
    if let Some(v) = u.roles {
        p.roles = v;
    }
    if let Some(v) = u.scheme_code {
        p.scheme_code = Some(v);
    }
    if let Err(e) = check_roles(&p.roles, p.scheme_code.as_deref()) {
        return Ok(Err(e));
    }
    if let Some(v) = u.status {
        if !STATUSES.contains(&v.as_str()) {
            return Ok(Err(OnboardError::Details(
                "status must be one of Created, Active, Inactive, Blocked".into(),
            )));
        }
        p.status = v;
    }
    if let Some(v) = u.relay_via {
        p.relay_via = Some(v).filter(|s| !s.is_empty());
    }
    for (k, v) in u.extra {
        p.extra.insert(k, v);
    }
    if let Some(pem) = &u.encryption_cert_pem {
        match keys::check_certificate(pem) {
            Ok(expiry) => p.encryption_cert_expiry = Some(expiry),
            Err(m) => return Ok(Err(OnboardError::Certificate(format!("encryption_cert: {m}")))),
        }
    }
    let now = chrono::Utc::now();
    p.os_updated_at = now.to_rfc3339();
    registry::update(&tx, &p, u.encryption_cert_pem.as_deref(), now.timestamp_millis())?;
    if let Some(pw) = u.password {
        if pw.expose().chars().count() < 8 {
            return Ok(Err(OnboardError::Details(
                "password must have at least 8 characters".into(),
            )));
        }
        let h = password::hash(pw.expose())?;
        credentials::upsert(&tx, CredentialKind::Password, code, &p.primary_email, &h, &[])?;
    }
    tx.commit()?;
    Ok(Ok(p))
}

fn check_roles(
    roles: &[String],
    scheme_code: Option<&str>,
) -> std::result::Result<(), OnboardError> {
    if roles.is_empty() {
        return Err(OnboardError::Details("roles must not be empty".into()));
    }
    if let Some(bad) = roles.iter().find(|r| !KNOWN_ROLES.contains(&r.as_str())) {
        return Err(OnboardError::Details(format!("unknown role {bad:?}")));
    }
    let payor = roles.iter().any(|r| r == "payor");
    match (payor, scheme_code) {
        (true, None) => Err(OnboardError::Details("scheme_code is required for role payor".into())),
        (false, Some(_)) => {
            Err(OnboardError::Details("Unknown property, 'scheme_code' is not allowed".into()))
        }
        _ => Ok(()),
    }
}

/// The platform's code scheme: `{role}_{first 6 chars of name}_{6 digits}@{instance}`.
fn generate_code(roles: &[String], name: &str, instance: &str) -> Result<String> {
    let first = roles.first().map(String::as_str).unwrap_or("provider");
    let appender = match first {
        "payor" => "payr".to_string(),
        "bsp" => "bsp".to_string(),
        "provider" => "hosp".to_string(),
        r if r.starts_with("provider.") => r.chars().skip(9).take(4).collect(),
        r => r.chars().filter(char::is_ascii_alphanumeric).take(4).collect(),
    };
    let short: String =
        name.chars().filter(|c| !c.is_whitespace() && c.is_ascii_alphanumeric()).take(6).collect();
    let mut b = [0u8; 4];
    openssl::rand::rand_bytes(&mut b)?;
    let digits = u32::from_le_bytes(b) % 900_000 + 100_000;
    Ok(format!("{appender}_{short}_{digits}@{instance}").to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payor_needs_scheme_code_and_others_must_not_have_one() {
        assert!(
            check_roles(&["payor".into()], None).is_err(),
            "payor without scheme_code is refused"
        );
        assert!(
            check_roles(&["payor".into()], Some("default")).is_ok(),
            "payor with scheme_code is fine"
        );
        assert!(
            check_roles(&["provider".into()], Some("x")).is_err(),
            "the platform refuses scheme_code on non-payors"
        );
        assert!(check_roles(&["wizard".into()], None).is_err(), "unknown roles are refused");
    }

    #[test]
    fn generated_codes_follow_the_platform_pattern() {
        let c = generate_code(&["provider.hospital".into()], "Apollo Hospitals", "sandbox")
            .expect("code");
        assert!(c.starts_with("hosp_apollo_"), "role appender and 6-char name slug: {c}");
        assert!(c.ends_with("@sandbox"), "instance suffix: {c}");
    }
}
