//! Registration on HCX by actor kind (seed step 2 and step 3): the form model, what each kind
//! must provide ([`required_fields`]), the checks ([`validate`]), attachments ([`Document`]) and
//! drafts ([`Draft`]).
//!
//! The form model is deliberately lenient to deserialise (every field has a default) so a
//! half-filled form can be saved and restored; [`validate`] is where completeness and formats
//! are judged. The list of fields per kind is the seed's table, nothing more: the registry
//! record's own details (name, contacts, callback URL, encryption certificate, protocol
//! version) live in [`CommonDetails`], and where the table names one of them ("registered
//! e-mail id", a BSP's name / e-mail / mobile, its sandbox compliance certificate) the field
//! list points at the common field with the table's wording, so nothing is typed twice.

mod document;
mod draft;
mod fields;
pub mod formats;
mod validate;

use hcx_protocol::{ApiVersion, Role};
use serde::{Deserialize, Serialize};

pub use document::{Document, MAX_DOCUMENT_BYTES};
pub use draft::{DRAFT_SCHEMA_VERSION, Draft};
pub use fields::{FieldKind, FieldSpec, Requirement, required_fields};
pub use validate::{Finding, FindingCode, validate};

/// Who is registering: the rows of the seed's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// Insurer (`payor`).
    Payer,
    /// State health scheme (`agency.sponsor`).
    StateScheme,
    /// Corporate paying for its employees (`agency.sponsor`).
    Corporate,
    /// Third-party administrator (`agency.tpa`).
    Tpa,
    /// HIUs such as TSPs and ISNPs, and other user intermediaries (`member.isnp`).
    Intermediary,
    /// Provider enrolled in ABDM's Health Facility Registry (`provider.*`).
    AbdmProvider,
    /// Provider not in HFR but with a ROHINI id (`provider.*`).
    RohiniProvider,
    /// Provider in neither HFR nor ROHINI, empanelled with a payer or scheme (`provider.*`).
    UnregisteredProvider,
    /// Regulator such as IRDAI, NHA, IIB or a state regulator (`agency.regulator`).
    Regulator,
    /// Beneficiary-facing platform (`bsp`).
    Bsp,
}

/// The provider roles a facility may register as.
const PROVIDER_ROLES: &[Role] = &[
    Role::ProviderHospital,
    Role::ProviderClinic,
    Role::ProviderPractitioner,
    Role::ProviderDiagnostics,
    Role::ProviderPharmacy,
    Role::Provider,
];

/// How the operator verifies an application of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationRoute {
    /// Documents and details on file, then an OTP to the system admin / registered contact.
    DocumentsThenOtp,
    /// HFR lookup (and HPR for practitioners), then an OTP to the manager's mobile as per HFR.
    HfrLookupThenOtp,
    /// ROHINI lookup, then an OTP to the registered mobile.
    RohiniLookupThenOtp,
    /// OTP to the facility manager, then approval by the payer / scheme that empanelled it.
    OtpThenPayerApproval,
    /// Case by case: an operator decides.
    ManualReview,
}

impl ActorKind {
    /// Every kind, in the seed's order.
    pub const ALL: [ActorKind; 10] = [
        ActorKind::Payer,
        ActorKind::StateScheme,
        ActorKind::Corporate,
        ActorKind::Tpa,
        ActorKind::Intermediary,
        ActorKind::AbdmProvider,
        ActorKind::RohiniProvider,
        ActorKind::UnregisteredProvider,
        ActorKind::Regulator,
        ActorKind::Bsp,
    ];

    /// What a person picks from ("I am registering a …").
    pub fn label(self) -> &'static str {
        match self {
            Self::Payer => "Insurance company (payer)",
            Self::StateScheme => "State health scheme",
            Self::Corporate => "Corporate paying for its employees",
            Self::Tpa => "Third-party administrator (TPA)",
            Self::Intermediary => "Intermediary (ISNP, TSP, HIU or other)",
            Self::AbdmProvider => {
                "Hospital or clinic registered in ABDM's Health Facility Registry"
            }
            Self::RohiniProvider => "Hospital or clinic with a ROHINI id (not in HFR)",
            Self::UnregisteredProvider => {
                "Hospital or clinic empanelled with a payer or scheme (no HFR, no ROHINI id)"
            }
            Self::Regulator => "Regulator (IRDAI, NHA, IIB, state regulator)",
            Self::Bsp => "Beneficiary-facing platform (BSP)",
        }
    }

    /// HCX roles this kind may register as.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Payer => &[Role::Payor],
            Self::StateScheme | Self::Corporate => &[Role::AgencySponsor],
            Self::Tpa => &[Role::AgencyTpa],
            Self::Intermediary => &[Role::MemberIsnp],
            Self::AbdmProvider | Self::RohiniProvider | Self::UnregisteredProvider => {
                PROVIDER_ROLES
            }
            Self::Regulator => &[Role::AgencyRegulator],
            Self::Bsp => &[Role::Bsp],
        }
    }

    /// The role preselected on a new form (the only one, or `provider.hospital`).
    pub fn default_role(self) -> Role {
        self.roles().first().copied().unwrap_or(Role::ProviderHospital)
    }

    /// Whether the submission must carry a sandbox certificate (seed step 1). Regulators are
    /// worked case by case and need none.
    pub fn needs_sandbox_certificate(self) -> bool {
        self != Self::Regulator
    }

    /// How the operator verifies this kind.
    pub fn verification(self) -> VerificationRoute {
        match self {
            Self::Payer | Self::StateScheme | Self::Corporate | Self::Tpa | Self::Intermediary => {
                VerificationRoute::DocumentsThenOtp
            }
            Self::AbdmProvider => VerificationRoute::HfrLookupThenOtp,
            Self::RohiniProvider => VerificationRoute::RohiniLookupThenOtp,
            Self::UnregisteredProvider => VerificationRoute::OtpThenPayerApproval,
            Self::Regulator => VerificationRoute::ManualReview,
            Self::Bsp => VerificationRoute::DocumentsThenOtp,
        }
    }
}

/// Registry-record details every kind gives (seed step 3), plus the sandbox certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommonDetails {
    /// Organisation / facility / platform name (`participant_name`).
    pub participant_name: String,
    /// HCX role to register as (for providers: the facility type).
    pub role: Option<Role>,
    /// Protocol version the participant certified and will use.
    pub protocol_version: ApiVersion,
    /// `primary_email`; the seed's "registered e-mail id".
    pub primary_email: String,
    /// `primary_mobile`.
    pub primary_mobile: String,
    /// Callback base URL (`endpoint_url`).
    pub endpoint_url: String,
    /// Encryption certificate, PEM (`encryption_cert`).
    pub encryption_cert_pem: String,
    /// Payer scheme code (payers only; the registry requires it for `payor`).
    pub scheme_code: String,
    /// The sandbox certificate (compact JWS) earned with `certification` (seed step 1).
    pub sandbox_certificate: String,
}

/// The system administrator who receives the OTP (payers, schemes, corporates, TPAs,
/// intermediaries).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SystemAdmin {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Mobile (receives the OTP).
    pub mobile: String,
}

/// A contact person (a facility manager outside HFR, a regulator's officer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactPerson {
    /// Name.
    pub name: String,
    /// Mobile.
    pub mobile: String,
    /// E-mail.
    pub email: String,
}

/// The facility manager as registered in HFR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HfrManager {
    /// The manager's ABDM id as shown in HFR.
    pub hfr_id: String,
    /// Mobile as per HFR (receives the OTP).
    pub mobile: String,
    /// E-mail as per HFR (receives the intimation).
    pub email: String,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    /// Building, street, locality.
    pub line: String,
    /// Town or district.
    pub district: String,
    /// State.
    pub state: String,
    /// PIN code.
    pub pincode: String,
}

/// Who empanelled a facility that is in neither HFR nor ROHINI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Empanelment {
    /// The payer's or scheme's HCX participant code, when known (routes the approval directly).
    pub payer_code: String,
    /// The payer's or scheme's name (used when no code is given).
    pub payer_name: String,
    /// Name of the scheme, if a scheme empanelled the facility.
    pub scheme_name: String,
}

/// Payers and TPAs (same details in the seed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InsurerDetails {
    /// Letter from the authorised signatory.
    pub signatory_letter: Option<Document>,
    /// IRDAI registration / licence number.
    pub irda_registration_number: String,
    /// IRDAI user id.
    pub irda_user_id: String,
    /// System admin for OTP authentication.
    pub system_admin: SystemAdmin,
}

/// State schemes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StateSchemeDetails {
    /// Government licence / approval letter.
    pub government_approval_letter: Option<Document>,
    /// Letter from the authorised signatory.
    pub signatory_letter: Option<Document>,
    /// System admin for OTP authentication.
    pub system_admin: SystemAdmin,
}

/// Corporates paying for their employees.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CorporateDetails {
    /// Letter from the authorised signatory.
    pub signatory_letter: Option<Document>,
    /// System admin for OTP authentication.
    pub system_admin: SystemAdmin,
}

/// ISNPs, TSPs, HIUs and other intermediaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntermediaryDetails {
    /// Letter from the authorised signatory.
    pub signatory_letter: Option<Document>,
    /// System admin for OTP authentication.
    pub system_admin: SystemAdmin,
    /// IRDAI licence number, if applicable.
    pub irda_registration_number: String,
    /// IRDAI user id, if applicable.
    pub irda_user_id: String,
}

/// Providers enrolled in HFR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AbdmProviderDetails {
    /// HFR facility id.
    pub hfr_facility_id: String,
    /// HFR verification status as shown in HFR (`Verified`).
    pub hfr_verification_status: String,
    /// The registered facility manager.
    pub manager: HfrManager,
    /// HPR id (practitioners).
    pub hpr_id: String,
    /// The manager consents to the operator fetching the facility's details from HFR.
    pub consent_to_hfr_fetch: bool,
}

/// Providers with a ROHINI id (not in HFR).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RohiniProviderDetails {
    /// Facility licence number.
    pub licence_number: String,
    /// Licence valid until (`YYYY-MM-DD`).
    pub licence_valid_until: String,
    /// GSTN.
    pub gstn: String,
    /// ROHINI id.
    pub rohini_id: String,
}

/// Providers in neither HFR nor ROHINI, empanelled with a payer or scheme.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnregisteredProviderDetails {
    /// Facility licence number.
    pub licence_number: String,
    /// Facility manager.
    pub manager: ContactPerson,
    /// Location address.
    pub address: Address,
    /// Who empanelled the facility (they will be asked to approve).
    pub empanelled_by: Empanelment,
    /// Empanelment proof: empanelment id letter, signed contract, latest transaction, or a
    /// digitally signed proof from the payer / scheme.
    pub empanelment_proof: Option<Document>,
}

/// Regulators: case by case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegulatorDetails {
    /// What the regulator needs from HCX, in its own words.
    pub request: String,
    /// The officer to contact.
    pub contact: ContactPerson,
}

/// Stakeholder a BSP serves.
pub const STAKEHOLDER_POLICYHOLDER: &str = "policyholder";

/// Beneficiary-facing platforms (name, e-mail, mobile and the sandbox certificate are in
/// [`CommonDetails`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BspDetails {
    /// GSTN.
    pub gstn: String,
    /// Registered address proof.
    pub address_proof: Option<Document>,
    /// Stakeholder serviced (only `policyholder` for now).
    pub stakeholder_serviced: String,
    /// Acknowledges the consent duties of the seed's note: a BSP acts only with the
    /// beneficiary's explicit consent, at the subscription (claim tracking) and the OPD / IPD
    /// reimbursement consent points.
    pub consent_duties_acknowledged: bool,
}

/// The wording of the BSP consent acknowledgement (seed, "Addressing data privacy and security
/// on BSP platforms").
pub const BSP_CONSENT_DUTIES: &str = "We will act as a BSP only with the explicit consent of \
    the beneficiary, and seek it at every point the protocol defines: before subscribing to \
    claim-status notifications for them, and in the OPD and IPD reimbursement workflows.";

/// One application: common details plus the details of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum Application {
    /// Insurer.
    Payer {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: InsurerDetails,
    },
    /// State scheme.
    StateScheme {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: StateSchemeDetails,
    },
    /// Corporate.
    Corporate {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: CorporateDetails,
    },
    /// TPA.
    Tpa {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: InsurerDetails,
    },
    /// Intermediary.
    Intermediary {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: IntermediaryDetails,
    },
    /// Provider in HFR.
    AbdmProvider {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: AbdmProviderDetails,
    },
    /// Provider with a ROHINI id.
    RohiniProvider {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: RohiniProviderDetails,
    },
    /// Provider empanelled with a payer or scheme.
    UnregisteredProvider {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: UnregisteredProviderDetails,
    },
    /// Regulator.
    Regulator {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// The request.
        #[serde(default)]
        details: RegulatorDetails,
    },
    /// Beneficiary-facing platform.
    Bsp {
        /// Registry details.
        #[serde(default)]
        common: CommonDetails,
        /// Verification details.
        #[serde(default)]
        details: BspDetails,
    },
}

impl Application {
    /// An empty form of `kind` with its default role preselected.
    pub fn new(kind: ActorKind) -> Self {
        let common = CommonDetails { role: Some(kind.default_role()), ..CommonDetails::default() };
        match kind {
            ActorKind::Payer => Self::Payer { common, details: Default::default() },
            ActorKind::StateScheme => Self::StateScheme { common, details: Default::default() },
            ActorKind::Corporate => Self::Corporate { common, details: Default::default() },
            ActorKind::Tpa => Self::Tpa { common, details: Default::default() },
            ActorKind::Intermediary => Self::Intermediary { common, details: Default::default() },
            ActorKind::AbdmProvider => Self::AbdmProvider { common, details: Default::default() },
            ActorKind::RohiniProvider => {
                Self::RohiniProvider { common, details: Default::default() }
            }
            ActorKind::UnregisteredProvider => {
                Self::UnregisteredProvider { common, details: Default::default() }
            }
            ActorKind::Regulator => Self::Regulator { common, details: Default::default() },
            ActorKind::Bsp => {
                let details = BspDetails {
                    stakeholder_serviced: STAKEHOLDER_POLICYHOLDER.into(),
                    ..BspDetails::default()
                };
                Self::Bsp { common, details }
            }
        }
    }

    /// Which kind this is.
    pub fn kind(&self) -> ActorKind {
        match self {
            Self::Payer { .. } => ActorKind::Payer,
            Self::StateScheme { .. } => ActorKind::StateScheme,
            Self::Corporate { .. } => ActorKind::Corporate,
            Self::Tpa { .. } => ActorKind::Tpa,
            Self::Intermediary { .. } => ActorKind::Intermediary,
            Self::AbdmProvider { .. } => ActorKind::AbdmProvider,
            Self::RohiniProvider { .. } => ActorKind::RohiniProvider,
            Self::UnregisteredProvider { .. } => ActorKind::UnregisteredProvider,
            Self::Regulator { .. } => ActorKind::Regulator,
            Self::Bsp { .. } => ActorKind::Bsp,
        }
    }

    /// The common details.
    pub fn common(&self) -> &CommonDetails {
        match self {
            Self::Payer { common, .. }
            | Self::StateScheme { common, .. }
            | Self::Corporate { common, .. }
            | Self::Tpa { common, .. }
            | Self::Intermediary { common, .. }
            | Self::AbdmProvider { common, .. }
            | Self::RohiniProvider { common, .. }
            | Self::UnregisteredProvider { common, .. }
            | Self::Regulator { common, .. }
            | Self::Bsp { common, .. } => common,
        }
    }

    /// The common details, to edit.
    pub fn common_mut(&mut self) -> &mut CommonDetails {
        match self {
            Self::Payer { common, .. }
            | Self::StateScheme { common, .. }
            | Self::Corporate { common, .. }
            | Self::Tpa { common, .. }
            | Self::Intermediary { common, .. }
            | Self::AbdmProvider { common, .. }
            | Self::RohiniProvider { common, .. }
            | Self::UnregisteredProvider { common, .. }
            | Self::Regulator { common, .. }
            | Self::Bsp { common, .. } => common,
        }
    }

    /// Every attached document with its field path (for size limits and the payer's view).
    pub fn documents(&self) -> Vec<(&'static str, &Document)> {
        let mut out: Vec<(&'static str, Option<&Document>)> = Vec::new();
        match self {
            Self::Payer { details, .. } | Self::Tpa { details, .. } => {
                out.push(("details.signatory_letter", details.signatory_letter.as_ref()));
            }
            Self::StateScheme { details, .. } => {
                out.push((
                    "details.government_approval_letter",
                    details.government_approval_letter.as_ref(),
                ));
                out.push(("details.signatory_letter", details.signatory_letter.as_ref()));
            }
            Self::Corporate { details, .. } => {
                out.push(("details.signatory_letter", details.signatory_letter.as_ref()));
            }
            Self::Intermediary { details, .. } => {
                out.push(("details.signatory_letter", details.signatory_letter.as_ref()));
            }
            Self::UnregisteredProvider { details, .. } => {
                out.push(("details.empanelment_proof", details.empanelment_proof.as_ref()));
            }
            Self::Bsp { details, .. } => {
                out.push(("details.address_proof", details.address_proof.as_ref()));
            }
            Self::AbdmProvider { .. } | Self::RohiniProvider { .. } | Self::Regulator { .. } => {}
        }
        out.into_iter().filter_map(|(p, d)| d.map(|d| (p, d))).collect()
    }

    /// The mobile number the operator sends the OTP to, as the applicant gave it. For HFR
    /// providers the operator uses the number HFR has on record instead (seed: "as per HFR").
    pub fn otp_mobile(&self) -> Option<&str> {
        let m = match self {
            Self::Payer { details, .. } | Self::Tpa { details, .. } => &details.system_admin.mobile,
            Self::StateScheme { details, .. } => &details.system_admin.mobile,
            Self::Corporate { details, .. } => &details.system_admin.mobile,
            Self::Intermediary { details, .. } => &details.system_admin.mobile,
            Self::AbdmProvider { details, .. } => &details.manager.mobile,
            Self::RohiniProvider { common, .. } | Self::Bsp { common, .. } => {
                &common.primary_mobile
            }
            Self::UnregisteredProvider { details, .. } => &details.manager.mobile,
            Self::Regulator { .. } => return None,
        };
        Some(m.as_str())
    }
}
