//! Serde types for the FHIR R4 resources and datatypes the HCX cycles use.
//!
//! Every struct keeps the elements it does not model in `extra` (`#[serde(flatten)]`), so reading a
//! payer's bundle and writing it back loses nothing. Codes are `String`s rather than enums for the
//! same reason: a payer's odd value must survive a round trip; the checker, not the parser, judges
//! it. Money and decimals are `rust_decimal::Decimal`, written as JSON numbers with the digits they
//! had (`1000.50` stays `1000.50`).

/// `skip_serializing_if` helper: FHIR forbids empty arrays and `null`, so "absent" and "empty" are
/// the same thing and are never written.
pub trait IsEmpty {
    /// True when the value must not be written.
    fn is_empty(&self) -> bool;
}

impl<T> IsEmpty for Option<T> {
    fn is_empty(&self) -> bool {
        self.is_none()
    }
}

impl<T> IsEmpty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// Swallows `resourceType` when a resource struct is read on its own. The struct's serde `tag`
/// writes `resourceType` on output but ignores it on input, which would otherwise land it in
/// `extra` and write it twice.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ResourceTypeTag;

impl<'de> serde::Deserialize<'de> for ResourceTypeTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(ResourceTypeTag)
    }
}

/// Declares a FHIR complex type or backbone element: camelCase names, every field optional or a
/// list, never written when empty, unknown elements kept in `extra`.
macro_rules! fhir_element {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "crate::types::IsEmpty::is_empty")]
                pub $field: $ty,
            )*
            /// Elements this type does not model, kept so re-serialising loses nothing.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    };
}

/// Declares a FHIR resource: like [`fhir_element!`] plus `resourceType` written first.
macro_rules! fhir_resource {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "resourceType", rename_all = "camelCase")]
        pub struct $name {
            #[doc(hidden)]
            #[serde(rename = "resourceType", default, skip_serializing)]
            pub resource_type_tag: crate::types::ResourceTypeTag,
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "crate::types::IsEmpty::is_empty")]
                pub $field: $ty,
            )*
            /// Elements this type does not model, kept so re-serialising loses nothing.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// The FHIR resource type name.
            pub const RESOURCE_TYPE: &'static str = stringify!($name);
        }
    };
}

mod bundle;
mod clinical;
mod datatypes;
mod financial;
mod workflow;

pub use bundle::*;
pub use clinical::*;
pub use datatypes::*;
pub use financial::*;
pub use workflow::*;
