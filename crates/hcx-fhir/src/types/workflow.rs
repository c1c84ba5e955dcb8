//! Workflow resources: CommunicationRequest (payer asks), Communication (provider answers), Task.

use super::{Attachment, CodeableConcept, Coding, Identifier, Meta, Reference};

fhir_element! {
    /// Communication(Request).payload: a question, a document or a pointer to one.
    pub struct CommunicationPayload {
        pub content_string: Option<String>,
        pub content_attachment: Option<Attachment>,
        pub content_reference: Option<Reference>,
    }
}

fhir_resource! {
    /// The payer's request for more information or documents.
    pub struct CommunicationRequest {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub based_on: Vec<Reference>,
        pub status: Option<String>,
        pub category: Vec<CodeableConcept>,
        pub priority: Option<String>,
        pub subject: Option<Reference>,
        pub about: Vec<Reference>,
        pub payload: Vec<CommunicationPayload>,
        pub occurrence_date_time: Option<String>,
        pub authored_on: Option<String>,
        pub requester: Option<Reference>,
        pub recipient: Vec<Reference>,
        pub sender: Option<Reference>,
        pub reason_code: Vec<CodeableConcept>,
    }
}

fhir_resource! {
    /// The provider's answer (documents, text), or a payer's notification.
    pub struct Communication {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub based_on: Vec<Reference>,
        pub part_of: Vec<Reference>,
        pub in_response_to: Vec<Reference>,
        pub status: Option<String>,
        pub category: Vec<CodeableConcept>,
        pub priority: Option<String>,
        pub subject: Option<Reference>,
        pub about: Vec<Reference>,
        pub sent: Option<String>,
        pub received: Option<String>,
        pub recipient: Vec<Reference>,
        pub sender: Option<Reference>,
        pub reason_code: Vec<CodeableConcept>,
        pub payload: Vec<CommunicationPayload>,
    }
}

fhir_element! {
    /// Task.input / Task.output: a typed value.
    pub struct TaskParameter {
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub value_string: Option<String>,
        pub value_boolean: Option<bool>,
        pub value_reference: Option<Reference>,
        pub value_codeable_concept: Option<CodeableConcept>,
        pub value_coding: Option<Coding>,
    }
}

fhir_resource! {
    /// The envelope of NHCX communication, payment-notice, reprocess and search bundles.
    pub struct Task {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub based_on: Vec<Reference>,
        pub status: Option<String>,
        pub intent: Option<String>,
        pub priority: Option<String>,
        pub code: Option<CodeableConcept>,
        pub description: Option<String>,
        pub focus: Option<Reference>,
        #[serde(rename = "for")]
        pub for_: Option<Reference>,
        pub authored_on: Option<String>,
        pub last_modified: Option<String>,
        pub requester: Option<Reference>,
        pub owner: Option<Reference>,
        pub reason_code: Option<CodeableConcept>,
        pub input: Vec<TaskParameter>,
        pub output: Vec<TaskParameter>,
    }
}
