//! FHIR R4 datatypes (Coding, Identifier, Money, Attachment, ...).

use rust_decimal::Decimal;

fhir_element! {
    /// Resource metadata; we always set `profile`.
    pub struct Meta {
        pub version_id: Option<String>,
        pub last_updated: Option<String>,
        pub source: Option<String>,
        pub profile: Vec<String>,
        pub security: Vec<Coding>,
        pub tag: Vec<Coding>,
    }
}

fhir_element! {
    /// A code from a code system.
    pub struct Coding {
        pub system: Option<String>,
        pub version: Option<String>,
        pub code: Option<String>,
        pub display: Option<String>,
        pub user_selected: Option<bool>,
    }
}

impl Coding {
    /// A coding with system, code and display, the three NRCeS makes 1..1 (fhir-payloads.md §3).
    pub fn new(system: &str, code: &str, display: &str) -> Self {
        Coding {
            system: Some(system.to_owned()),
            code: Some(code.to_owned()),
            display: Some(display.to_owned()),
            ..Default::default()
        }
    }
}

fhir_element! {
    /// Codings plus text.
    pub struct CodeableConcept {
        pub coding: Vec<Coding>,
        pub text: Option<String>,
    }
}

impl CodeableConcept {
    /// One coding, no text.
    pub fn coding(system: &str, code: &str, display: &str) -> Self {
        CodeableConcept { coding: vec![Coding::new(system, code, display)], ..Default::default() }
    }

    /// Text only (a payer's free-text reason, for example).
    pub fn text(text: &str) -> Self {
        CodeableConcept { text: Some(text.to_owned()), ..Default::default() }
    }
}

fhir_element! {
    /// A business identifier.
    pub struct Identifier {
        #[serde(rename = "use")]
        pub use_: Option<String>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub system: Option<String>,
        pub value: Option<String>,
        pub period: Option<Period>,
    }
}

impl Identifier {
    /// An identifier typed by a coding (NHCX payers reject untyped identifiers, §9 P4).
    pub fn typed(type_: Coding, system: Option<&str>, value: &str) -> Self {
        Identifier {
            type_: Some(CodeableConcept { coding: vec![type_], ..Default::default() }),
            system: system.map(str::to_owned),
            value: Some(value.to_owned()),
            ..Default::default()
        }
    }
}

fhir_element! {
    /// A reference to another resource, literal (`reference`) or logical (`identifier`).
    pub struct Reference {
        pub reference: Option<String>,
        #[serde(rename = "type")]
        pub type_: Option<String>,
        pub identifier: Option<Identifier>,
        pub display: Option<String>,
    }
}

impl Reference {
    /// A literal reference to a bundle entry's `fullUrl`.
    pub fn to(full_url: &str) -> Self {
        Reference { reference: Some(full_url.to_owned()), ..Default::default() }
    }

    /// A logical reference by business identifier (for resources not in the bundle).
    pub fn by_identifier(identifier: Identifier) -> Self {
        Reference { identifier: Some(identifier), ..Default::default() }
    }
}

fhir_element! {
    /// A time range.
    pub struct Period {
        pub start: Option<String>,
        pub end: Option<String>,
    }
}

fhir_element! {
    /// An amount of money. `currency` is INR for everything we send.
    pub struct Money {
        #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
        pub value: Option<Decimal>,
        pub currency: Option<String>,
    }
}

impl Money {
    /// An amount in Indian rupees.
    pub fn inr(value: Decimal) -> Self {
        Money {
            value: Some(value),
            currency: Some(crate::profiles::INR.to_owned()),
            ..Default::default()
        }
    }
}

fhir_element! {
    /// A measured amount (item quantity, InsurancePlan limits).
    pub struct Quantity {
        #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
        pub value: Option<Decimal>,
        pub comparator: Option<String>,
        pub unit: Option<String>,
        pub system: Option<String>,
        pub code: Option<String>,
    }
}

impl Quantity {
    /// A plain count.
    pub fn count(value: Decimal) -> Self {
        Quantity { value: Some(value), ..Default::default() }
    }
}

fhir_element! {
    /// A person's name; NRCeS requires `text`.
    pub struct HumanName {
        #[serde(rename = "use")]
        pub use_: Option<String>,
        pub text: Option<String>,
        pub family: Option<String>,
        pub given: Vec<String>,
        pub prefix: Vec<String>,
        pub suffix: Vec<String>,
    }
}

impl HumanName {
    /// The name as one line: `text`, else prefix, given and family joined.
    pub fn display(&self) -> Option<String> {
        if let Some(t) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            return Some(t.trim().to_owned());
        }
        let parts: Vec<&str> = self
            .prefix
            .iter()
            .chain(self.given.iter())
            .map(String::as_str)
            .chain(self.family.as_deref())
            .filter(|p| !p.trim().is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

fhir_element! {
    /// Phone, e-mail, ...
    pub struct ContactPoint {
        pub system: Option<String>,
        pub value: Option<String>,
        #[serde(rename = "use")]
        pub use_: Option<String>,
    }
}

fhir_element! {
    /// A postal address.
    pub struct Address {
        pub text: Option<String>,
        pub line: Vec<String>,
        pub city: Option<String>,
        pub district: Option<String>,
        pub state: Option<String>,
        pub postal_code: Option<String>,
        pub country: Option<String>,
    }
}

fhir_element! {
    /// Content in another format: a scanned document, a PDF, an ABDM record.
    ///
    /// `hash` is the base64 SHA-1 of the decoded data, as FHIR R4 defines it; the SHA-256 that the
    /// console stores travels beside it in [`crate::attachment::BuiltAttachment`].
    pub struct Attachment {
        pub content_type: Option<String>,
        pub language: Option<String>,
        pub data: Option<String>,
        pub url: Option<String>,
        pub size: Option<u64>,
        pub hash: Option<String>,
        pub title: Option<String>,
        pub creation: Option<String>,
    }
}

fhir_element! {
    /// A note with author and time.
    pub struct Annotation {
        pub author_string: Option<String>,
        pub time: Option<String>,
        pub text: Option<String>,
    }
}
