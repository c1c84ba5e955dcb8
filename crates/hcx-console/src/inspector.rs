//! The inspector: a pasted JWE or callback body, its protected headers, the payload decrypted
//! with the active profile's key (the previous one too, during a rotation overlap), what a
//! gateway would object to, and the FHIR summary.

use hcx_protocol::inspect::{Inspection, inspect};
use serde_json::Value;

use crate::console::Console;
use crate::dto::InspectView;
use crate::error::Result;
use crate::payload;

fn view(i: Inspection) -> InspectView {
    let payload = Some(i.payload).filter(|p| !p.is_null());
    InspectView {
        protected: Some(i.protected).filter(|p| !p.is_null()),
        summary: payload.as_ref().and_then(|p| payload::summary_of(p).to_value().ok()),
        payload,
        alg: i.alg.as_str().map(str::to_owned),
        errors: i.errors,
    }
}

impl Console {
    /// Inspects `text`. Never fails on bad input: problems are listed in `errors`.
    pub async fn inspect(&self, text: &str) -> Result<InspectView> {
        let keys = match self.active() {
            Ok(profile) => self.decryption_keys(&profile).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let mut first = None;
        for key in &keys {
            match inspect(text.as_bytes(), Some(key)) {
                Ok(i) if !i.payload.is_null() => return Ok(view(i)),
                Ok(i) => {
                    first.get_or_insert(i);
                }
                Err(e) => return Ok(unreadable(e.to_string())),
            }
        }
        match first {
            Some(i) => Ok(view(i)),
            None => match inspect(text.as_bytes(), None) {
                Ok(mut i) => {
                    if i.alg != Value::Null {
                        i.errors.push(
                            "no private key to decrypt with: select a profile with a key".into(),
                        );
                    }
                    Ok(view(i))
                }
                Err(e) => Ok(unreadable(e.to_string())),
            },
        }
    }
}

fn unreadable(error: String) -> InspectView {
    InspectView { protected: None, payload: None, alg: None, errors: vec![error], summary: None }
}
