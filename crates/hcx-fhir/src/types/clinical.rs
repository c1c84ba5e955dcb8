//! Parties and clinical context: Patient, Organization, Practitioner, Encounter, Condition,
//! Procedure, DocumentReference.

use super::{
    Address, Attachment, CodeableConcept, Coding, ContactPoint, HumanName, Identifier, Meta,
    Period, Reference,
};

fhir_resource! {
    /// The patient (NRCeS: identifiers typed, `name.text`).
    pub struct Patient {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub active: Option<bool>,
        pub name: Vec<HumanName>,
        pub telecom: Vec<ContactPoint>,
        pub gender: Option<String>,
        pub birth_date: Option<String>,
        pub address: Vec<Address>,
    }
}

fhir_resource! {
    /// A hospital, a payer or a TPA.
    pub struct Organization {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub active: Option<bool>,
        #[serde(rename = "type")]
        pub type_: Vec<CodeableConcept>,
        pub name: Option<String>,
        pub alias: Vec<String>,
        pub telecom: Vec<ContactPoint>,
        pub address: Vec<Address>,
    }
}

fhir_resource! {
    /// The treating doctor (HPR id).
    pub struct Practitioner {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub active: Option<bool>,
        pub name: Vec<HumanName>,
        pub telecom: Vec<ContactPoint>,
        pub gender: Option<String>,
    }
}

fhir_resource! {
    /// The hospital stay or visit the claim is for.
    pub struct Encounter {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        /// R4: a single Coding (v3-ActCode IMP, AMB, EMER, ...).
        pub class: Option<Coding>,
        #[serde(rename = "type")]
        pub type_: Vec<CodeableConcept>,
        pub subject: Option<Reference>,
        pub period: Option<Period>,
        pub service_provider: Option<Reference>,
    }
}

fhir_resource! {
    /// A diagnosis (ICD-10 and/or SNOMED).
    pub struct Condition {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub clinical_status: Option<CodeableConcept>,
        pub category: Vec<CodeableConcept>,
        pub code: Option<CodeableConcept>,
        pub subject: Option<Reference>,
        pub encounter: Option<Reference>,
        pub onset_date_time: Option<String>,
        pub recorded_date: Option<String>,
        pub recorder: Option<Reference>,
    }
}

fhir_resource! {
    /// A procedure; NRCeS fixes `code.coding.system` to SNOMED CT.
    pub struct Procedure {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub status: Option<String>,
        pub code: Option<CodeableConcept>,
        pub subject: Option<Reference>,
        pub encounter: Option<Reference>,
        pub performed_date_time: Option<String>,
        pub performed_period: Option<Period>,
    }
}

fhir_element! {
    /// One document inside a DocumentReference.
    pub struct DocumentReferenceContent {
        pub attachment: Option<Attachment>,
        pub format: Option<Coding>,
    }
}

fhir_resource! {
    /// A document (scan, PDF, ABDM record bundle) carried as base64.
    pub struct DocumentReference {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        pub doc_status: Option<String>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub category: Vec<CodeableConcept>,
        pub subject: Option<Reference>,
        pub date: Option<String>,
        pub author: Vec<Reference>,
        pub description: Option<String>,
        pub content: Vec<DocumentReferenceContent>,
    }
}
