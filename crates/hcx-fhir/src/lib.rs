//! FHIR R4 types, NRCeS bundle builders, rule checker and summaries for HCX payloads.
//!
//! Placeholder: filled in by its issue.
