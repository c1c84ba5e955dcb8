//! Onboarding to production for the HCX participant console (seed "Production onboarding (Go
//! live)", issue 8).
//!
//! Owns:
//! - [`certification`]: the sandbox certificate (a compact RS256 JWS signed with the
//!   participant's key, countersigned by the sandbox through an attestation), its issuing and
//!   its verification with typed refusal reasons; with the `runner` feature also the
//!   conformance suite that earns it against a sandbox over real HTTP.
//! - [`registration`]: the registration form per actor kind, exactly the verification details
//!   of the seed's table, format checks (GSTN with its real checksum, HFR, HPR, ROHINI, IRDA,
//!   e-mail, mobile, pincode), document attachments and versioned drafts.
//! - [`golive`]: the go-live checklist and the pilot-mode policy, as pure logic.
//! - [`operator_api`]: the JSON shapes and paths of the operator endpoints the sandbox serves
//!   (`/api/v0.x/onboard/...`), shared by the sandbox and [`client`] so both sides agree.
//! - [`client`] (feature `runner`): the HTTP client the console's `hcx onboard …` commands and
//!   screens call.
//!
//! Must NOT: know the HCX wire (headers, statuses, JWE: `hcx-protocol`), build FHIR itself
//! (`hcx-fhir`; the one exception is the one-Task payment acknowledgement the suite sends, for
//! which hcx-fhir has no builder yet), store anything (the console stores drafts with hcx-store), or let a private key
//! or secret reach a log, a file or a serialised value (they travel in `hcx_protocol::PrivateKey`
//! and [`Secret`]).
//!
//! Without the `runner` feature the crate does no I/O at all.

pub mod certification;
mod error;
pub mod golive;
pub mod jws;
pub mod operator_api;
pub mod registration;

#[cfg(feature = "runner")]
pub mod client;

pub use error::{OnboardError, Result};
pub use hcx_protocol::Secret;
