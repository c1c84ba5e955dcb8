//! Checks an application against its kind's [`FieldSpec`]s: presence, then the format of each
//! filled field. Findings carry the field path and a sentence for the person filling the form.

use chrono::NaiveDate;
use hcx_protocol::{ApiVersion, Role};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{FieldKind, FieldSpec, Requirement, required_fields};
use super::formats;
use super::{ActorKind, Application, Document, STAKEHOLDER_POLICYHOLDER};
use crate::certification::CERTIFICATE_TYPE;
use crate::jws;

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// A required field is empty.
    Missing,
    /// A filled field has the wrong format (including a failed checksum).
    Format,
    /// A date or certificate has passed.
    Expired,
    /// A value this kind may not use (a role, a status, a stakeholder).
    NotAllowed,
    /// An attachment is unreadable, too large, of the wrong type or damaged.
    Document,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Dotted path of the field (`details.gstn`), as in [`FieldSpec::path`].
    pub path: String,
    /// What to do about it, in plain words.
    pub message: String,
    /// Kind of problem.
    pub code: FindingCode,
}

/// Every finding for `app`; empty means the form is complete and well-formed. `today` decides
/// whether licences and certificates have expired.
pub fn validate(app: &Application, today: NaiveDate) -> Vec<Finding> {
    let json = serde_json::to_value(app).unwrap_or(Value::Null);
    let role = app.common().role;
    let mut out = Vec::new();
    for spec in required_fields(app.kind()) {
        let required = match spec.requirement {
            Requirement::Required => true,
            Requirement::Optional => false,
            Requirement::RequiredForRole { role: r } => role == Some(r),
        };
        let value = lookup(&json, spec.path);
        if is_empty(value, spec.kind) {
            if required {
                out.push(missing(&spec));
            }
            continue;
        }
        if let Err((code, message)) = check(&spec, value, app.kind(), today) {
            out.push(Finding { path: spec.path.to_string(), message, code });
        }
    }
    out
}

fn missing(spec: &FieldSpec) -> Finding {
    let message = match spec.kind {
        FieldKind::Acknowledgement => format!("Tick \"{}\" to continue", spec.label),
        FieldKind::Document => format!("Attach the {}", spec.label.to_lowercase()),
        _ => format!("{} is required", spec.label),
    };
    Finding { path: spec.path.to_string(), message, code: FindingCode::Missing }
}

fn lookup<'a>(json: &'a Value, path: &str) -> &'a Value {
    path.split('.').try_fold(json, |v, k| v.get(k)).unwrap_or(&Value::Null)
}

fn is_empty(v: &Value, kind: FieldKind) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Bool(b) => kind == FieldKind::Acknowledgement && !b,
        _ => false,
    }
}

fn check(
    spec: &FieldSpec,
    value: &Value,
    kind: ActorKind,
    today: NaiveDate,
) -> Result<(), (FindingCode, String)> {
    let format = |r: formats::Check| r.map_err(|m| (FindingCode::Format, m));
    let text = value.as_str().unwrap_or_default();
    match spec.kind {
        FieldKind::Text => {
            if text.chars().count() > 200 || text.chars().any(char::is_control) {
                return Err((
                    FindingCode::Format,
                    format!("{} must be one line of at most 200 characters", spec.label),
                ));
            }
            Ok(())
        }
        FieldKind::LongText => {
            if text.chars().count() > 4000 {
                return Err((FindingCode::Format, "Keep this under 4000 characters".into()));
            }
            Ok(())
        }
        FieldKind::Email => format(formats::check_email(text)),
        FieldKind::Mobile => format(formats::check_mobile(text)),
        FieldKind::Pincode => format(formats::check_pincode(text)),
        FieldKind::Gstn => format(formats::check_gstn(text)),
        FieldKind::HfrFacilityId => format(formats::check_hfr_facility_id(text)),
        FieldKind::HprId => format(formats::check_hpr_id(text)),
        FieldKind::ManagerId => format(formats::check_manager_id(text)),
        FieldKind::RohiniId => format(formats::check_rohini_id(text)),
        FieldKind::IrdaRegistration => format(formats::check_irda_registration(text)),
        FieldKind::IntermediaryLicence => format(formats::check_intermediary_licence(text)),
        FieldKind::IrdaUserId => format(formats::check_irda_user_id(text)),
        FieldKind::EndpointUrl => format(formats::check_endpoint_url(text)),
        FieldKind::FutureDate => {
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                (FindingCode::Format, "Enter the date as YYYY-MM-DD, e.g. 2027-03-31".to_string())
            })?;
            if date < today {
                return Err((
                    FindingCode::Expired,
                    format!("{} is in the past ({date}); renew it before registering", spec.label),
                ));
            }
            Ok(())
        }
        FieldKind::Document => {
            let doc: Document = serde_json::from_value(value.clone()).map_err(|_| {
                (
                    FindingCode::Document,
                    "The attachment is incomplete; attach the file again".into(),
                )
            })?;
            match doc.problems().into_iter().next() {
                Some(p) => Err((FindingCode::Document, p)),
                None => Ok(()),
            }
        }
        FieldKind::Role => {
            let role: Role = text
                .parse()
                .map_err(|_| (FindingCode::Format, format!("{text:?} is not an HCX role")))?;
            if kind.roles().contains(&role) {
                Ok(())
            } else {
                let allowed: Vec<&str> = kind.roles().iter().map(|r| r.as_str()).collect();
                Err((
                    FindingCode::NotAllowed,
                    format!(
                        "{} can register as {} only, not {role}",
                        kind.label(),
                        allowed.join(" or ")
                    ),
                ))
            }
        }
        FieldKind::ProtocolVersion => text.parse::<ApiVersion>().map(|_| ()).map_err(|_| {
            (FindingCode::Format, "Choose the protocol version: v0.7, v0.8 or v0.9".into())
        }),
        FieldKind::CertificatePem => check_certificate(text, today),
        FieldKind::SandboxCertificate => match jws::peek(text) {
            Ok(u) if u.typ() == Some(CERTIFICATE_TYPE) => Ok(()),
            _ => Err((
                FindingCode::Format,
                "This is not a sandbox certificate; paste the certificate the certification \
                 suite produced"
                    .into(),
            )),
        },
        FieldKind::Acknowledgement => Ok(()),
        FieldKind::HfrVerificationStatus => {
            if text.trim().eq_ignore_ascii_case("verified") {
                Ok(())
            } else {
                Err((
                    FindingCode::NotAllowed,
                    "Only facilities verified in HFR can register this way; finish the HFR \
                     verification first"
                        .into(),
                ))
            }
        }
        FieldKind::Stakeholder => {
            if text.trim().eq_ignore_ascii_case(STAKEHOLDER_POLICYHOLDER) {
                Ok(())
            } else {
                Err((FindingCode::NotAllowed, "BSPs serve policyholders only for now".into()))
            }
        }
    }
}

fn check_certificate(pem: &str, today: NaiveDate) -> Result<(), (FindingCode, String)> {
    let bad = |m: &str| Err((FindingCode::Format, m.to_string()));
    let Ok(cert) = openssl::x509::X509::from_pem(pem.trim().as_bytes()) else {
        return bad("Paste the certificate as PEM (it starts with -----BEGIN CERTIFICATE-----)");
    };
    let bits = cert.public_key().ok().and_then(|k| k.rsa().ok()).map(|r| r.size() * 8);
    match bits {
        Some(2048 | 4096) => {}
        Some(b) => return bad(&format!("HCX accepts RSA keys of 2048 or 4096 bits, not {b}")),
        None => return bad("The certificate must carry an RSA key"),
    }
    let expired = openssl::asn1::Asn1Time::from_unix(
        today.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or_default(),
    )
    .ok()
    .and_then(|now| cert.not_after().compare(&now).ok())
    .is_some_and(|o| o == std::cmp::Ordering::Less);
    if expired {
        return Err((
            FindingCode::Expired,
            "The certificate has expired; generate a new key and certificate".into(),
        ));
    }
    Ok(())
}
