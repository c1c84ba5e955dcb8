//! Drafts: a half-filled application saved and restored later (the console keeps the JSON in
//! hcx-store's drafts table). Versioned so a newer console can read an older draft and an older
//! console refuses a newer one instead of dropping fields it does not know.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ActorKind, Application};
use crate::error::{OnboardError, Result};

/// Schema version written by this build.
pub const DRAFT_SCHEMA_VERSION: u32 = 1;

/// A saved application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Schema version of this JSON.
    pub schema_version: u32,
    /// When it was saved (UTC).
    pub saved_at: DateTime<Utc>,
    /// The form as far as it was filled.
    pub application: Application,
}

impl Draft {
    /// A draft of `application` saved now.
    pub fn new(application: Application, saved_at: DateTime<Utc>) -> Self {
        Self { schema_version: DRAFT_SCHEMA_VERSION, saved_at, application }
    }

    /// An empty draft for `kind`.
    pub fn empty(kind: ActorKind, saved_at: DateTime<Utc>) -> Self {
        Self::new(Application::new(kind), saved_at)
    }

    /// The JSON to store.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Restores a stored draft. A draft written by a newer console is refused with a clear
    /// message (its extra fields would be lost on the next save).
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| OnboardError::Draft(format!("the saved draft is not JSON: {e}")))?;
        let version = value.get("schema_version").and_then(Value::as_u64).unwrap_or(0);
        if version > u64::from(DRAFT_SCHEMA_VERSION) {
            return Err(OnboardError::Draft(format!(
                "this draft was saved by a newer version of the console (draft format \
                 {version}, this console reads up to {DRAFT_SCHEMA_VERSION}); update the \
                 console to continue it"
            )));
        }
        // Version 0 never shipped; 1 is the first format. Upgrades of later versions go here.
        serde_json::from_value(value)
            .map_err(|e| OnboardError::Draft(format!("the saved draft cannot be read: {e}")))
    }
}
