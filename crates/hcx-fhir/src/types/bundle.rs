//! Bundle and the `Resource` enum that holds any entry.

use serde::{Deserialize, Serialize};

use super::{
    Claim, ClaimResponse, Communication, CommunicationRequest, Condition, Coverage,
    CoverageEligibilityRequest, CoverageEligibilityResponse, DocumentReference, Encounter,
    Identifier, InsurancePlan, Meta, Organization, Patient, PaymentNotice, PaymentReconciliation,
    Practitioner, Procedure, Task,
};

fhir_element! {
    /// One entry: `fullUrl` (`urn:uuid:...` in NHCX) and the resource.
    pub struct BundleEntry {
        pub full_url: Option<String>,
        pub resource: Option<Resource>,
    }
}

fhir_resource! {
    /// A bundle. NHCX payloads are always `collection` bundles (fhir-payloads.md §2).
    pub struct Bundle {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Option<Identifier>,
        #[serde(rename = "type")]
        pub type_: Option<String>,
        pub timestamp: Option<String>,
        pub total: Option<u32>,
        pub entry: Vec<BundleEntry>,
    }
}

impl Bundle {
    /// The resources of all entries, in order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.entry.iter().filter_map(|e| e.resource.as_ref())
    }

    /// The bundle as JSON (for the checker, the summariser and the wire).
    pub fn to_value(&self) -> crate::Result<serde_json::Value> {
        Ok(serde_json::to_value(self)?)
    }
}

macro_rules! resource_enum {
    ($($variant:ident),* $(,)?) => {
        /// Any resource. Types we model are typed; anything else is kept verbatim in `Other`.
        ///
        /// Reading is strict for modelled types: a `Claim` whose shape does not fit R4 is an
        /// error, not silently downgraded to `Other` (use the checker and the summariser, which
        /// work on raw JSON, for payloads you do not trust).
        #[derive(Debug, Clone, PartialEq)]
        pub enum Resource {
            $(
                #[doc = concat!("A ", stringify!($variant), ".")]
                $variant(Box<$variant>),
            )*
            /// A resource type this crate does not model (Composition, Binary, ...), kept as JSON.
            Other(serde_json::Value),
        }

        impl Resource {
            /// The `resourceType`.
            pub fn resource_type(&self) -> &str {
                match self {
                    $(Resource::$variant(_) => stringify!($variant),)*
                    Resource::Other(v) => v.get("resourceType").and_then(|t| t.as_str()).unwrap_or(""),
                }
            }

            /// The resource's `id`.
            pub fn id(&self) -> Option<&str> {
                match self {
                    $(Resource::$variant(r) => r.id.as_deref(),)*
                    Resource::Other(v) => v.get("id").and_then(|t| t.as_str()),
                }
            }

            /// Sets the resource's `id` (for `Other`, only when it is a JSON object).
            pub fn set_id(&mut self, id: &str) {
                match self {
                    $(Resource::$variant(r) => r.id = Some(id.to_owned()),)*
                    Resource::Other(serde_json::Value::Object(o)) => {
                        o.insert("id".into(), serde_json::Value::String(id.to_owned()));
                    }
                    Resource::Other(_) => {}
                }
            }

            /// The resource's `meta`, for the types we model.
            pub fn meta(&self) -> Option<&Meta> {
                match self {
                    $(Resource::$variant(r) => r.meta.as_ref(),)*
                    Resource::Other(_) => None,
                }
            }
        }

        impl Serialize for Resource {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    // Each struct writes its own `resourceType` (serde `tag` on the struct).
                    $(Resource::$variant(r) => r.serialize(s),)*
                    Resource::Other(v) => v.serialize(s),
                }
            }
        }

        impl<'de> Deserialize<'de> for Resource {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let value = serde_json::Value::deserialize(d)?;
                let rt = value.get("resourceType").and_then(|t| t.as_str()).unwrap_or("");
                match rt {
                    $(stringify!($variant) => serde_json::from_value::<$variant>(value)
                        .map(|r| Resource::$variant(Box::new(r)))
                        .map_err(|e| D::Error::custom(format!("{}: {e}", stringify!($variant)))),)*
                    _ => Ok(Resource::Other(value)),
                }
            }
        }

        $(
            impl From<$variant> for Resource {
                fn from(r: $variant) -> Self {
                    Resource::$variant(Box::new(r))
                }
            }
        )*
    };
}

resource_enum!(
    Bundle,
    Patient,
    Organization,
    Practitioner,
    Encounter,
    Condition,
    Procedure,
    DocumentReference,
    Coverage,
    CoverageEligibilityRequest,
    CoverageEligibilityResponse,
    Claim,
    ClaimResponse,
    Communication,
    CommunicationRequest,
    PaymentNotice,
    PaymentReconciliation,
    Task,
    InsurancePlan,
);
