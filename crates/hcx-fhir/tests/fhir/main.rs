//! Integration tests for hcx-fhir: round trips, builders, the independent R4 validator, the
//! checker's rule table, summaries (snapshots), the CLI entry points and robustness.

mod builders;
mod cli;
mod invalid;
mod poison;
mod robustness;
mod roundtrip;
mod summaries;
mod support;
mod validate;
