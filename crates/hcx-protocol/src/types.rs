//! Closed vocabularies of the wire: statuses, debug flags, roles, API versions and the API
//! catalogue ([`Action`]). Each enum converts to and from its exact wire string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A wire string that is not one of the values we know for its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    /// What was being parsed ("status", "role", …).
    pub kind: &'static str,
    /// The string received.
    pub value: String,
}

/// Defines a fieldless enum with an exact wire string per variant, plus `ALL`, `as_str`,
/// `Display`, `FromStr` and serde as that string.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The exact wire string.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $wire ),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $wire => Ok($name::$variant), )+
                    _ => Err(UnknownValue { kind: $kind, value: s.to_owned() }),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

wire_enum! {
    /// `x-hcx-status` values.
    Status, "status" {
        /// Accepted by the gateway, not yet delivered (set by the gateway).
        RequestQueued => "request.queued",
        /// Delivered to the recipient.
        RequestDispatched => "request.dispatched",
        /// NHCX dialect only: what NHCX wants on action requests. The Swasth gateway rejects it.
        RequestInitiated => "request.initiated",
        /// Final answer; closes the cycle.
        ResponseComplete => "response.complete",
        /// More responses will follow.
        ResponsePartial => "response.partial",
        /// The recipient reports an error (see `x-hcx-error_details`).
        ResponseError => "response.error",
        /// Redirect the sender to `x-hcx-redirect_to` (plain JSON, 3 APIs only).
        ResponseRedirect => "response.redirect",
    }
}

impl Status {
    /// Values the Swasth gateway accepts on `on_*` calls.
    pub const RESPONSE_VALUES: [Status; 4] = [
        Status::ResponseComplete,
        Status::ResponsePartial,
        Status::ResponseError,
        Status::ResponseRedirect,
    ];
    /// Values the Swasth gateway accepts (optionally) on action calls.
    pub const REQUEST_VALUES: [Status; 2] = [Status::RequestQueued, Status::RequestDispatched];

    /// True for the `response.*` statuses.
    pub fn is_response(self) -> bool {
        Self::RESPONSE_VALUES.contains(&self)
    }
}

wire_enum! {
    /// `x-hcx-debug_flag` values.
    DebugFlag, "debug flag" {
        /// Errors only.
        Error => "Error",
        /// Informational.
        Info => "Info",
        /// Full debug.
        Debug => "Debug",
    }
}

wire_enum! {
    /// Which gateway family a message is for. Swasth is the default; NHCX adds
    /// `x-hcx-request_id` and sends `request.initiated` on actions (wire facts §10).
    #[derive(Default)]
    Dialect, "dialect" {
        /// Swasth HCX (hcx-platform).
        #[default]
        Swasth => "swasth",
        /// NHA's NHCX.
        Nhcx => "nhcx",
    }
}

wire_enum! {
    /// Participant roles as the registry spells them.
    Role, "role" {
        /// Generic provider.
        Provider => "provider",
        /// Hospital.
        ProviderHospital => "provider.hospital",
        /// Clinic.
        ProviderClinic => "provider.clinic",
        /// Practitioner.
        ProviderPractitioner => "provider.practitioner",
        /// Diagnostics centre.
        ProviderDiagnostics => "provider.diagnostics",
        /// Pharmacy.
        ProviderPharmacy => "provider.pharmacy",
        /// Business service provider acting for providers (in the rbac "provider*" group).
        Bsp => "bsp",
        /// Payer. The platform spells it `payor` (the v0.9 registry spec's `payer` is wrong).
        Payor => "payor",
        /// Third-party administrator.
        AgencyTpa => "agency.tpa",
        /// Regulator.
        AgencyRegulator => "agency.regulator",
        /// Sponsor (e.g. a government scheme).
        AgencySponsor => "agency.sponsor",
        /// Research.
        Research => "research",
        /// Insurance service network provider.
        MemberIsnp => "member.isnp",
        /// The HCX instance itself.
        HieHioHcx => "HIE/HIO.HCX",
    }
}

impl Role {
    /// The rbac "provider\*" group: provider, provider.\* and bsp.
    pub const PROVIDER_GROUP: [Role; 7] = [
        Role::Provider,
        Role::ProviderHospital,
        Role::ProviderClinic,
        Role::ProviderPractitioner,
        Role::ProviderDiagnostics,
        Role::ProviderPharmacy,
        Role::Bsp,
    ];

    /// provider or provider.\* (not bsp: a bsp acts for providers but is not one).
    pub fn is_provider(self) -> bool {
        matches!(
            self,
            Role::Provider
                | Role::ProviderHospital
                | Role::ProviderClinic
                | Role::ProviderPractitioner
                | Role::ProviderDiagnostics
                | Role::ProviderPharmacy
        )
    }

    /// payor or agency.tpa: the roles that may forward and be redirected to
    /// (`allowedRolesForForward`, `redirect.roles`).
    pub fn is_payer_or_tpa(self) -> bool {
        matches!(self, Role::Payor | Role::AgencyTpa)
    }
}

wire_enum! {
    /// Protocol versions the gateway routes. All run the same code on the platform.
    ApiVersion, "api version" {
        /// v0.7.
        V0_7 => "v0.7",
        /// v0.8 (what the SDKs use).
        V0_8 => "v0.8",
        /// v0.9.
        V0_9 => "v0.9",
    }
}

impl ApiVersion {
    /// The path prefix, e.g. `"v0.8"` (no slashes).
    pub const fn prefix(self) -> &'static str {
        self.as_str()
    }
}

impl Default for ApiVersion {
    /// v0.8: the version every SDK and sandbox example uses.
    fn default() -> Self {
        ApiVersion::V0_8
    }
}

/// Body of `x-hcx-error_details` and `x-hcx-debug_details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// Namespaced code, e.g. `ERR_INVALID_PAYLOAD`.
    pub code: String,
    /// Short description.
    pub message: String,
    /// Long description; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl Details {
    /// Details with no trace.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Details { code: code.into(), message: message.into(), trace: None }
    }

    /// The JSON object as it goes into a header.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Every protocol API (the asynchronous, 202-plus-callback ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Action {
    /// `/coverageeligibility/check`
    CoverageEligibilityCheck,
    /// `/coverageeligibility/on_check`
    CoverageEligibilityOnCheck,
    /// `/predetermination/submit`
    PredeterminationSubmit,
    /// `/predetermination/on_submit`
    PredeterminationOnSubmit,
    /// `/preauth/submit`
    PreauthSubmit,
    /// `/preauth/on_submit`
    PreauthOnSubmit,
    /// `/claim/submit`
    ClaimSubmit,
    /// `/claim/on_submit`
    ClaimOnSubmit,
    /// `/paymentnotice/request` (payer to provider)
    PaymentNoticeRequest,
    /// `/paymentnotice/on_request`
    PaymentNoticeOnRequest,
    /// `/communication/request` (payer to provider)
    CommunicationRequest,
    /// `/communication/on_request`
    CommunicationOnRequest,
    /// `/hcx/status`
    HcxStatus,
    /// `/hcx/on_status`
    HcxOnStatus,
    /// `/hcx/search` (legacy; effectively unusable on the platform)
    HcxSearch,
    /// `/hcx/on_search`
    HcxOnSearch,
    /// `/eob/fetch` (v0.8+)
    EobFetch,
    /// `/eob/on_fetch` (v0.8+)
    EobOnFetch,
}

impl Action {
    /// Every API, requests before their callbacks.
    pub const ALL: [Action; 18] = [
        Action::CoverageEligibilityCheck,
        Action::CoverageEligibilityOnCheck,
        Action::PredeterminationSubmit,
        Action::PredeterminationOnSubmit,
        Action::PreauthSubmit,
        Action::PreauthOnSubmit,
        Action::ClaimSubmit,
        Action::ClaimOnSubmit,
        Action::PaymentNoticeRequest,
        Action::PaymentNoticeOnRequest,
        Action::CommunicationRequest,
        Action::CommunicationOnRequest,
        Action::HcxStatus,
        Action::HcxOnStatus,
        Action::HcxSearch,
        Action::HcxOnSearch,
        Action::EobFetch,
        Action::EobOnFetch,
    ];

    /// `(resource segment, action segment)` of the path.
    const fn segments(self) -> (&'static str, &'static str) {
        match self {
            Action::CoverageEligibilityCheck => ("coverageeligibility", "check"),
            Action::CoverageEligibilityOnCheck => ("coverageeligibility", "on_check"),
            Action::PredeterminationSubmit => ("predetermination", "submit"),
            Action::PredeterminationOnSubmit => ("predetermination", "on_submit"),
            Action::PreauthSubmit => ("preauth", "submit"),
            Action::PreauthOnSubmit => ("preauth", "on_submit"),
            Action::ClaimSubmit => ("claim", "submit"),
            Action::ClaimOnSubmit => ("claim", "on_submit"),
            Action::PaymentNoticeRequest => ("paymentnotice", "request"),
            Action::PaymentNoticeOnRequest => ("paymentnotice", "on_request"),
            Action::CommunicationRequest => ("communication", "request"),
            Action::CommunicationOnRequest => ("communication", "on_request"),
            Action::HcxStatus => ("hcx", "status"),
            Action::HcxOnStatus => ("hcx", "on_status"),
            Action::HcxSearch => ("hcx", "search"),
            Action::HcxOnSearch => ("hcx", "on_search"),
            Action::EobFetch => ("eob", "fetch"),
            Action::EobOnFetch => ("eob", "on_fetch"),
        }
    }

    /// Path without version, e.g. `"/coverageeligibility/check"`. This is also what the gateway
    /// appends to the recipient's `endpoint_url` when it dispatches (wire facts §4.7).
    pub const fn path(self) -> &'static str {
        match self {
            Action::CoverageEligibilityCheck => "/coverageeligibility/check",
            Action::CoverageEligibilityOnCheck => "/coverageeligibility/on_check",
            Action::PredeterminationSubmit => "/predetermination/submit",
            Action::PredeterminationOnSubmit => "/predetermination/on_submit",
            Action::PreauthSubmit => "/preauth/submit",
            Action::PreauthOnSubmit => "/preauth/on_submit",
            Action::ClaimSubmit => "/claim/submit",
            Action::ClaimOnSubmit => "/claim/on_submit",
            Action::PaymentNoticeRequest => "/paymentnotice/request",
            Action::PaymentNoticeOnRequest => "/paymentnotice/on_request",
            Action::CommunicationRequest => "/communication/request",
            Action::CommunicationOnRequest => "/communication/on_request",
            Action::HcxStatus => "/hcx/status",
            Action::HcxOnStatus => "/hcx/on_status",
            Action::HcxSearch => "/hcx/search",
            Action::HcxOnSearch => "/hcx/on_search",
            Action::EobFetch => "/eob/fetch",
            Action::EobOnFetch => "/eob/on_fetch",
        }
    }

    /// Path with the version prefix, e.g. `"/v0.8/coverageeligibility/check"`. Prepend the
    /// gateway base (`https://staging-hcx.swasth.app/api`).
    pub fn versioned_path(self, version: ApiVersion) -> String {
        format!("/{}{}", version.prefix(), self.path())
    }

    /// The resource segment of the path (`"coverageeligibility"`, `"hcx"`, …).
    pub const fn resource(self) -> &'static str {
        self.segments().0
    }

    /// The last path segment (`"check"`, `"on_submit"`, …).
    pub const fn action_segment(self) -> &'static str {
        self.segments().1
    }

    /// The entity name the platform's audit and rules use (`BaseRequest.getEntity`): the
    /// resource segment, except that `/hcx/*status` is `"status"` and `/hcx/*search` is
    /// `"search"` (so this is never `"hcx"`).
    pub const fn entity(self) -> &'static str {
        match self {
            Action::HcxStatus | Action::HcxOnStatus => "status",
            Action::HcxSearch | Action::HcxOnSearch => "search",
            other => other.resource(),
        }
    }

    /// True for `on_*` APIs.
    pub const fn is_callback(self) -> bool {
        matches!(
            self,
            Action::CoverageEligibilityOnCheck
                | Action::PredeterminationOnSubmit
                | Action::PreauthOnSubmit
                | Action::ClaimOnSubmit
                | Action::PaymentNoticeOnRequest
                | Action::CommunicationOnRequest
                | Action::HcxOnStatus
                | Action::HcxOnSearch
                | Action::EobOnFetch
        )
    }

    /// The other half of the pair: `check` ↔ `on_check`.
    pub const fn counterpart(self) -> Action {
        match self {
            Action::CoverageEligibilityCheck => Action::CoverageEligibilityOnCheck,
            Action::CoverageEligibilityOnCheck => Action::CoverageEligibilityCheck,
            Action::PredeterminationSubmit => Action::PredeterminationOnSubmit,
            Action::PredeterminationOnSubmit => Action::PredeterminationSubmit,
            Action::PreauthSubmit => Action::PreauthOnSubmit,
            Action::PreauthOnSubmit => Action::PreauthSubmit,
            Action::ClaimSubmit => Action::ClaimOnSubmit,
            Action::ClaimOnSubmit => Action::ClaimSubmit,
            Action::PaymentNoticeRequest => Action::PaymentNoticeOnRequest,
            Action::PaymentNoticeOnRequest => Action::PaymentNoticeRequest,
            Action::CommunicationRequest => Action::CommunicationOnRequest,
            Action::CommunicationOnRequest => Action::CommunicationRequest,
            Action::HcxStatus => Action::HcxOnStatus,
            Action::HcxOnStatus => Action::HcxStatus,
            Action::HcxSearch => Action::HcxOnSearch,
            Action::HcxOnSearch => Action::HcxSearch,
            Action::EobFetch => Action::EobOnFetch,
            Action::EobOnFetch => Action::EobFetch,
        }
    }

    /// The `on_*` API answering this one (itself for a callback). The gateway uses this to
    /// route its own error callbacks (`getReplacedAction`).
    pub const fn callback(self) -> Action {
        if self.is_callback() { self } else { self.counterpart() }
    }

    /// The request API this belongs to (itself for a request).
    pub const fn request(self) -> Action {
        if self.is_callback() { self.counterpart() } else { self }
    }

    /// Whether the gateway routes this API under `version` (`/eob/*` arrived in v0.8).
    pub const fn available_in(self, version: ApiVersion) -> bool {
        !matches!((self, version), (Action::EobFetch | Action::EobOnFetch, ApiVersion::V0_7))
    }

    /// Roles the gateway's `rbac.yaml` lets call this API under `version` (wire facts §1.2).
    /// Empty when the API is not routed in that version.
    pub fn allowed_roles(self, version: ApiVersion) -> Vec<Role> {
        if !self.available_in(version) {
            return Vec::new();
        }
        let old = matches!(version, ApiVersion::V0_7 | ApiVersion::V0_8);
        let mut roles: Vec<Role> = Vec::new();
        let providers = Role::PROVIDER_GROUP;
        match self {
            Action::CoverageEligibilityCheck => {
                roles.extend(providers);
                roles.extend([Role::Payor, Role::AgencyTpa]);
                if old {
                    roles.push(Role::MemberIsnp);
                }
            }
            Action::CoverageEligibilityOnCheck => {
                roles.extend([Role::Payor, Role::AgencyTpa, Role::Research]);
                if old {
                    roles.push(Role::MemberIsnp);
                }
                roles.push(Role::AgencySponsor);
            }
            Action::PredeterminationSubmit | Action::PreauthSubmit | Action::ClaimSubmit => {
                roles.extend(providers);
                roles.extend([Role::Payor, Role::AgencyTpa]);
            }
            Action::PredeterminationOnSubmit => roles.extend([
                Role::Payor,
                Role::AgencyTpa,
                Role::Research,
                Role::MemberIsnp,
                Role::AgencySponsor,
            ]),
            Action::PreauthOnSubmit
            | Action::ClaimOnSubmit
            | Action::PaymentNoticeRequest
            | Action::CommunicationRequest
            | Action::HcxOnStatus => {
                roles.extend([Role::Payor, Role::AgencyTpa, Role::AgencySponsor])
            }
            Action::PaymentNoticeOnRequest | Action::CommunicationOnRequest | Action::EobFetch => {
                roles.extend(providers)
            }
            Action::HcxStatus => {
                roles.extend(providers);
                roles.extend([Role::AgencyRegulator, Role::Research, Role::MemberIsnp]);
            }
            Action::HcxSearch | Action::HcxOnSearch => roles.push(Role::HieHioHcx),
            Action::EobOnFetch => roles.extend([Role::Payor, Role::AgencyTpa]),
        }
        roles
    }

    /// Whether any of `roles` may call this API under `version`.
    pub fn allows_any(self, version: ApiVersion, roles: &[Role]) -> bool {
        let allowed = self.allowed_roles(version);
        roles.iter().any(|r| allowed.contains(r))
    }

    /// FHIR resource type of the decrypted payload: a `Bundle` everywhere (communication and
    /// payment notice travel as NRCeS Task bundles) except the status and search operations,
    /// which carry a bare `Task`.
    pub const fn fhir_resource(self) -> &'static str {
        match self {
            Action::HcxStatus | Action::HcxOnStatus | Action::HcxSearch | Action::HcxOnSearch => {
                "Task"
            }
            _ => "Bundle",
        }
    }

    /// Whether a plain-JSON `response.redirect` is allowed here (`redirect.apis`).
    pub const fn redirect_allowed(self) -> bool {
        matches!(
            self,
            Action::CoverageEligibilityOnCheck | Action::PreauthOnSubmit | Action::ClaimOnSubmit
        )
    }

    /// Whether payor/TPA may forward on this entity (`allowedEntitiesForForward`).
    pub const fn forward_allowed(self) -> bool {
        matches!(
            self,
            Action::CoverageEligibilityCheck
                | Action::CoverageEligibilityOnCheck
                | Action::PreauthSubmit
                | Action::PreauthOnSubmit
                | Action::ClaimSubmit
                | Action::ClaimOnSubmit
        )
    }

    /// Whether the gateway retries dispatch of this API (`allowedEntitiesForRetry`).
    pub const fn retried_on_dispatch(self) -> bool {
        self.forward_allowed()
    }

    /// Parse a request path. Accepts `/api/v0.8/preauth/submit`, `/v0.8/preauth/submit`,
    /// `/preauth/submit`, any base before the version, a trailing slash and a query string.
    /// Only the trailing `/{resource}/{action}` and an optional `/v0.x` right before it count.
    pub fn from_path(path: &str) -> Option<(Option<ApiVersion>, Action)> {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let mut segments = path.split('/').filter(|s| !s.is_empty()).rev();
        let action_seg = segments.next()?;
        let resource_seg = segments.next()?;
        let action =
            Action::ALL.into_iter().find(|a| a.segments() == (resource_seg, action_seg))?;
        let version = segments.next().and_then(|v| v.parse::<ApiVersion>().ok());
        Some((version, action))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

impl FromStr for Action {
    type Err = UnknownValue;
    /// Parses any form [`Action::from_path`] accepts, and also `"coverageeligibility/check"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::from_path(s)
            .map(|(_, a)| a)
            .ok_or_else(|| UnknownValue { kind: "action", value: s.to_owned() })
    }
}
