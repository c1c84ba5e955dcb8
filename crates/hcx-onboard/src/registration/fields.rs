//! What each kind must provide: one [`FieldSpec`] per field, in form order. A form renders
//! exactly these (label, help, input kind) and [`super::validate`] checks exactly these, so the
//! form and the checks cannot drift apart.

use hcx_protocol::Role;
use serde::Serialize;

use super::ActorKind;

/// The kind of input, which also decides the format check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Free text (several lines).
    LongText,
    /// E-mail address.
    Email,
    /// Indian mobile number.
    Mobile,
    /// PIN code.
    Pincode,
    /// GSTN (with checksum).
    Gstn,
    /// HFR facility id.
    HfrFacilityId,
    /// HPR id.
    HprId,
    /// The HFR facility manager's id.
    ManagerId,
    /// ROHINI id.
    RohiniId,
    /// IRDAI registration / licence number of an insurer or TPA.
    IrdaRegistration,
    /// IRDAI licence number of an intermediary.
    IntermediaryLicence,
    /// IRDAI user id.
    IrdaUserId,
    /// A date (`YYYY-MM-DD`) that must not have passed.
    FutureDate,
    /// An attached file.
    Document,
    /// The HCX role, among the kind's roles.
    Role,
    /// Protocol version (`v0.7`, `v0.8`, `v0.9`).
    ProtocolVersion,
    /// The callback base URL.
    EndpointUrl,
    /// The encryption certificate, PEM.
    CertificatePem,
    /// The sandbox certificate (compact JWS).
    SandboxCertificate,
    /// A box that must be ticked.
    Acknowledgement,
    /// HFR verification status; must read `Verified`.
    HfrVerificationStatus,
    /// Stakeholder serviced; only `policyholder` for now.
    Stakeholder,
}

/// Whether a field must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "when")]
pub enum Requirement {
    /// Always.
    Required,
    /// Checked for format when filled, never required.
    Optional,
    /// Required when registering as `role`, optional otherwise.
    RequiredForRole {
        /// The role.
        role: Role,
    },
}

/// One field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldSpec {
    /// Dotted path into the application JSON (`details.system_admin.mobile`); findings use it.
    pub path: &'static str,
    /// Label, in the seed's words.
    pub label: &'static str,
    /// Input kind and format check.
    pub kind: FieldKind,
    /// Whether it must be filled.
    pub requirement: Requirement,
    /// One line of help.
    pub help: &'static str,
}

const fn f(
    path: &'static str,
    label: &'static str,
    kind: FieldKind,
    requirement: Requirement,
    help: &'static str,
) -> FieldSpec {
    FieldSpec { path, label, kind, requirement, help }
}

use FieldKind as K;
use Requirement::{Optional as Opt, Required as Req};

fn common(kind: ActorKind) -> Vec<FieldSpec> {
    let provider = matches!(
        kind,
        ActorKind::AbdmProvider | ActorKind::RohiniProvider | ActorKind::UnregisteredProvider
    );
    let org = matches!(
        kind,
        ActorKind::Payer
            | ActorKind::StateScheme
            | ActorKind::Corporate
            | ActorKind::Tpa
            | ActorKind::Intermediary
    );
    let name_label = match kind {
        _ if provider => "Facility name",
        ActorKind::StateScheme => "Scheme name",
        ActorKind::Regulator => "Organisation",
        ActorKind::Bsp => "Name",
        _ => "Company name",
    };
    let mut v = vec![
        f("common.participant_name", name_label, K::Text, Req, "As it should appear on HCX"),
        f(
            "common.role",
            if provider { "Facility type (HCX role)" } else { "HCX role" },
            K::Role,
            Req,
            "The role you certified in the sandbox",
        ),
        f(
            "common.protocol_version",
            "Protocol version",
            K::ProtocolVersion,
            Req,
            "The version your sandbox certificate was earned with",
        ),
        f(
            "common.primary_email",
            if org { "Registered e-mail id" } else { "E-mail" },
            K::Email,
            Req,
            "HCX sends notices about this registration here",
        ),
        f(
            "common.primary_mobile",
            "Mobile number",
            K::Mobile,
            Req,
            "10 digits, with or without +91",
        ),
        f(
            "common.endpoint_url",
            "Callback address (endpoint URL)",
            K::EndpointUrl,
            Req,
            "Where HCX delivers messages for you (your bridge's address)",
        ),
        f(
            "common.encryption_cert_pem",
            "Encryption certificate (PEM)",
            K::CertificatePem,
            Req,
            "Counterparties encrypt to this certificate",
        ),
    ];
    if kind == ActorKind::Payer {
        v.push(f(
            "common.scheme_code",
            "Scheme code",
            K::Text,
            Req,
            "HCX requires a scheme code for payers (\"default\" if you have none)",
        ));
    }
    if kind.needs_sandbox_certificate() {
        v.push(f(
            "common.sandbox_certificate",
            if kind == ActorKind::Bsp {
                "Compliance certification from the sandbox environment"
            } else {
                "Sandbox certificate"
            },
            K::SandboxCertificate,
            Req,
            "Earned by running the certification suite against the sandbox",
        ));
    }
    v
}

const SIGNATORY: FieldSpec = f(
    "details.signatory_letter",
    "Letter from the authorised signatory",
    K::Document,
    Req,
    "Signed letter of the company seeking participation (PDF or image)",
);

const ADMIN: [FieldSpec; 3] = [
    f("details.system_admin.name", "System admin: name", K::Text, Req, "Receives the OTP"),
    f("details.system_admin.email", "System admin: e-mail", K::Email, Req, "Receives the OTP"),
    f(
        "details.system_admin.mobile",
        "System admin: mobile",
        K::Mobile,
        Req,
        "The OTP is sent to this number",
    ),
];

const INSURER: [FieldSpec; 3] = [
    SIGNATORY,
    f(
        "details.irda_registration_number",
        "IRDAI registration / licence number",
        K::IrdaRegistration,
        Req,
        "The 3-digit number IRDAI issued, e.g. 108",
    ),
    f("details.irda_user_id", "IRDAI user id", K::IrdaUserId, Req, "Your IRDAI portal user id"),
];

fn details(kind: ActorKind) -> Vec<FieldSpec> {
    match kind {
        ActorKind::Payer | ActorKind::Tpa => INSURER.iter().chain(ADMIN.iter()).copied().collect(),
        ActorKind::StateScheme => {
            let mut v = vec![f(
                "details.government_approval_letter",
                "Government licence / approval letter",
                K::Document,
                Req,
                "The order or letter approving the scheme",
            )];
            v.push(SIGNATORY);
            v.extend(ADMIN);
            v
        }
        ActorKind::Corporate => {
            let mut v = vec![SIGNATORY];
            v.extend(ADMIN);
            v
        }
        ActorKind::Intermediary => {
            let mut v = vec![SIGNATORY];
            v.extend(ADMIN);
            v.push(f(
                "details.irda_registration_number",
                "IRDAI registration / licence number (if applicable)",
                K::IntermediaryLicence,
                Opt,
                "Only if IRDAI licenses you",
            ));
            v.push(f(
                "details.irda_user_id",
                "IRDAI user id (if applicable)",
                K::IrdaUserId,
                Opt,
                "Only if IRDAI licenses you",
            ));
            v
        }
        ActorKind::AbdmProvider => vec![
            f(
                "details.hfr_facility_id",
                "HFR facility id",
                K::HfrFacilityId,
                Req,
                "IN followed by 10 digits; HCX looks it up in the Health Facility Registry",
            ),
            f(
                "details.hfr_verification_status",
                "HFR verification status",
                K::HfrVerificationStatus,
                Req,
                "As shown in HFR; only Verified facilities can register",
            ),
            f(
                "details.manager.hfr_id",
                "Registered manager's HFR id",
                K::ManagerId,
                Req,
                "The facility manager's 14-digit id as shown in HFR",
            ),
            f(
                "details.manager.mobile",
                "Manager's mobile (as per HFR)",
                K::Mobile,
                Req,
                "The OTP goes to the number HFR has on record",
            ),
            f(
                "details.manager.email",
                "Manager's e-mail (as per HFR)",
                K::Email,
                Req,
                "HCX informs the manager of this onboarding attempt",
            ),
            f(
                "details.hpr_id",
                "HPR id",
                K::HprId,
                Requirement::RequiredForRole { role: Role::ProviderPractitioner },
                "Doctors and other health professionals: your Healthcare Professionals Registry id",
            ),
            f(
                "details.consent_to_hfr_fetch",
                "The facility manager consents to HCX fetching the facility's details from HFR",
                K::Acknowledgement,
                Req,
                "Needed for the automated HFR check",
            ),
        ],
        ActorKind::RohiniProvider => vec![
            f("details.licence_number", "Facility licence number", K::Text, Req, ""),
            f(
                "details.licence_valid_until",
                "Licence valid until",
                K::FutureDate,
                Req,
                "YYYY-MM-DD; an expired licence cannot be registered",
            ),
            f("details.gstn", "GSTN", K::Gstn, Req, "15 characters, as on the GST certificate"),
            f(
                "details.rohini_id",
                "ROHINI id",
                K::RohiniId,
                Req,
                "13 digits; HCX checks it against the ROHINI database",
            ),
        ],
        ActorKind::UnregisteredProvider => vec![
            f("details.licence_number", "Facility licence number", K::Text, Req, ""),
            f("details.manager.name", "Facility manager: name", K::Text, Req, ""),
            f(
                "details.manager.mobile",
                "Facility manager: mobile",
                K::Mobile,
                Req,
                "The OTP is sent to this number",
            ),
            f("details.manager.email", "Facility manager: e-mail", K::Email, Req, ""),
            f("details.address.line", "Address", K::Text, Req, "Building, street, locality"),
            f("details.address.district", "Town / district", K::Text, Req, ""),
            f("details.address.state", "State", K::Text, Req, ""),
            f("details.address.pincode", "PIN code", K::Pincode, Req, ""),
            f(
                "details.empanelled_by.payer_name",
                "Payer or scheme that empanelled you",
                K::Text,
                Req,
                "They will be asked to confirm the empanelment",
            ),
            f(
                "details.empanelled_by.payer_code",
                "Their HCX participant code (if you know it)",
                K::Text,
                Opt,
                "Speeds up routing the approval",
            ),
            f(
                "details.empanelled_by.scheme_name",
                "Name of the scheme (if a scheme empanelled you)",
                K::Text,
                Opt,
                "",
            ),
            f(
                "details.empanelment_proof",
                "Empanelment proof",
                K::Document,
                Req,
                "Empanelment id letter, signed contract, latest transaction with them, or their \
                 digitally signed proof",
            ),
        ],
        ActorKind::Regulator => vec![
            f(
                "details.request",
                "What you need from HCX",
                K::LongText,
                Req,
                "Regulators are onboarded case by case; an operator will contact you",
            ),
            f("details.contact.name", "Contact officer: name", K::Text, Req, ""),
            f("details.contact.email", "Contact officer: e-mail", K::Email, Req, ""),
            f("details.contact.mobile", "Contact officer: mobile", K::Mobile, Req, ""),
        ],
        ActorKind::Bsp => vec![
            f("details.gstn", "GSTN", K::Gstn, Req, "15 characters, as on the GST certificate"),
            f(
                "details.address_proof",
                "Registered address proof",
                K::Document,
                Req,
                "PDF or image",
            ),
            f(
                "details.stakeholder_serviced",
                "Stakeholder serviced",
                K::Stakeholder,
                Req,
                "Policyholders (the only stakeholder BSPs serve for now)",
            ),
            f(
                "details.consent_duties_acknowledged",
                "We act only with the beneficiary's explicit consent at every consent point \
                 of the protocol",
                K::Acknowledgement,
                Req,
                "Subscription to claim tracking, OPD and IPD reimbursement workflows",
            ),
        ],
    }
}

/// Every field a form for `kind` asks, in order: the registry details, then the seed's
/// verification details for that kind.
pub fn required_fields(kind: ActorKind) -> Vec<FieldSpec> {
    let mut v = common(kind);
    v.extend(details(kind));
    v
}
