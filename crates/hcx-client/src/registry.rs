//! Participant registry: the typed record (wire facts §8) and search queries (§5.3).
//!
//! Records are parsed one by one and leniently: a single odd record in a search result must
//! not hide the others, and fields we do not model are kept in `extra` so nothing the registry
//! said is lost when the console shows or stores a record.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use hcx_protocol::Role;

/// `status` of a registry record. Only `Active` participants may send or receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParticipantStatus {
    /// Onboarding not finished.
    Created,
    /// May exchange messages.
    Active,
    /// Switched off (the spec spells it `InActive`; both are accepted).
    Inactive,
    /// Blocked by the operator.
    Blocked,
    /// Anything else, kept verbatim.
    Other(String),
}

impl ParticipantStatus {
    /// The string the registry uses.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "Created",
            Self::Active => "Active",
            Self::Inactive => "Inactive",
            Self::Blocked => "Blocked",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for ParticipantStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ParticipantStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "Created" => Self::Created,
            "Active" => Self::Active,
            "Inactive" | "InActive" => Self::Inactive,
            "Blocked" => Self::Blocked,
            _ => Self::Other(s),
        })
    }
}

/// Postal address of a participant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landmark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A string in the schema, but numbers occur in the wild; kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pincode: Option<Value>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One participant as the registry returns it (wire facts §8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParticipantRecord {
    /// Registry code; opaque.
    #[serde(default)]
    pub participant_code: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_name: Option<String>,
    /// Role strings as registered. See [`ParticipantRecord::known_roles`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Onboarding status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ParticipantStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_mobile: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_email: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_mobile: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Callback base the gateway dispatches to (wire facts §4.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// URL of a PEM certificate, or the PEM itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_cert: Option<String>,
    /// Epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_i64")]
    pub encryption_cert_expiry: Option<i64>,
    /// URL or PEM of the notification signing certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_cert_path: Option<String>,
    /// Epoch milliseconds. The platform spells the field `sigining_cert_expiry`.
    #[serde(
        rename = "sigining_cert_expiry",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_i64"
    )]
    pub signing_cert_expiry: Option<i64>,
    /// Required for payors (NHCX: `PMJAY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked_registry_codes: Vec<String>,
    /// `{upi_id}` or `{account_number, ifsc_code}`; kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_details: Option<Value>,
    /// Sunbird RC record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub osid: Option<String>,
    /// `osOwner[0]` is the Keycloak subject the token's `sub` must equal to send as this
    /// participant.
    #[serde(rename = "osOwner", default, skip_serializing_if = "Vec::is_empty")]
    pub os_owner: Vec<String>,
    /// Every field not modelled above (`tags`, `osCreatedAt`, deployment extras …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ParticipantRecord {
    /// Roles this crate knows; unknown role strings are skipped (they stay in `roles`).
    pub fn known_roles(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| r.parse().ok()).collect()
    }

    /// True when the registry says the participant may exchange messages.
    pub fn is_active(&self) -> bool {
        self.status == Some(ParticipantStatus::Active)
    }
}

fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    // Epoch values arrive as numbers, numeric strings or floats depending on the deployment;
    // an unreadable one is "unknown", not a reason to drop the whole record.
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Filter operators of the Sunbird RC search (wire facts §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Neq,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Gt,
    Lt,
    Gte,
    Lte,
    /// Value is a `[from, to]` array.
    Between,
    /// Value is an array of alternatives.
    Or,
}

impl FilterOp {
    /// The operator key as the registry spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Neq => "neq",
            Self::Contains => "contains",
            Self::NotContains => "notContains",
            Self::StartsWith => "startsWith",
            Self::EndsWith => "endsWith",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Gte => "gte",
            Self::Lte => "lte",
            Self::Between => "between",
            Self::Or => "or",
        }
    }
}

/// Body of `participant/search`: `{"filters": {field: {op: value}}, "limit"?, "offset"?}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchQuery {
    /// Field (dot notation for nested) → `{op: value}`.
    pub filters: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

impl SearchQuery {
    /// A query with no filters (the registry decides what "everything" means).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `field: {op: value}`; several operators on one field are merged.
    pub fn filter(mut self, field: &str, op: FilterOp, value: impl Into<Value>) -> Self {
        let slot =
            self.filters.entry(field.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        if let Value::Object(ops) = slot {
            ops.insert(op.as_str().to_owned(), value.into());
        }
        self
    }

    /// `field: {"eq": value}`.
    pub fn eq(self, field: &str, value: impl Into<Value>) -> Self {
        self.filter(field, FilterOp::Eq, value)
    }

    /// The lookup of one participant by code.
    pub fn by_code(code: &str) -> Self {
        Self::new().eq("participant_code", code)
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the page offset.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// A record the registry returned that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedRecord {
    /// Position in `participants`.
    pub index: usize,
    /// Why it was not readable.
    pub reason: String,
    /// The record as received, so nothing is lost.
    pub raw: Value,
}

/// Result of a registry search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResult {
    /// Readable records, in registry order.
    pub participants: Vec<ParticipantRecord>,
    /// Records that were not objects or had fields of the wrong type.
    pub skipped: Vec<SkippedRecord>,
    /// The response `timestamp`, when present.
    pub timestamp: Option<Value>,
}

/// Parses a `participant/search` response body (`{"timestamp", "participants": [...]}`).
pub(crate) fn parse_search(body: &[u8]) -> Result<SearchResult, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("search response is not JSON: {e}"))?;
    let Value::Object(mut obj) = value else {
        return Err("search response is not a JSON object".to_owned());
    };
    let list = match obj.remove("participants") {
        Some(Value::Array(list)) => list,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => return Err("search response `participants` is not an array".to_owned()),
    };
    let mut out = SearchResult { timestamp: obj.remove("timestamp"), ..SearchResult::default() };
    for (index, raw) in list.into_iter().enumerate() {
        match serde_json::from_value::<ParticipantRecord>(raw.clone()) {
            Ok(rec) => out.participants.push(rec),
            Err(e) => out.skipped.push(SkippedRecord { index, reason: e.to_string(), raw }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_by_code_is_the_documented_shape() {
        let q = serde_json::to_value(SearchQuery::by_code("payr_x@hcx")).unwrap();
        assert_eq!(
            q,
            json!({"filters": {"participant_code": {"eq": "payr_x@hcx"}}}),
            "wire facts §5.3 gives exactly this body"
        );
        let q =
            SearchQuery::new().eq("roles", "payor").filter("roles", FilterOp::Neq, "x").limit(5);
        assert_eq!(
            serde_json::to_value(q).unwrap(),
            json!({"filters": {"roles": {"eq": "payor", "neq": "x"}}, "limit": 5}),
            "operators on one field merge into one object"
        );
    }

    #[test]
    fn record_is_typed_and_keeps_unknown_fields() {
        let body = json!({"timestamp": 1, "participants": [
            {"participant_code": "payr_a@x", "participant_name": "A", "roles": ["payor", "brand.new"],
             "status": "InActive", "encryption_cert": "https://x/c.pem",
             "encryption_cert_expiry": "1700000000000", "sigining_cert_expiry": 1.7e12,
             "osOwner": ["sub-1"], "tags": ["t"], "osCreatedAt": "2023"},
            "not an object",
            {"participant_code": "hosp_b@x", "roles": "payor"}
        ]});
        let r = parse_search(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(r.participants.len(), 1, "one readable record");
        assert_eq!(
            r.skipped.len(),
            2,
            "the string and the record with a non-array role list are skipped, not fatal"
        );
        let p = &r.participants[0];
        assert_eq!(
            p.status,
            Some(ParticipantStatus::Inactive),
            "the spec's InActive spelling is accepted"
        );
        assert_eq!(p.known_roles(), vec![Role::Payor], "unknown roles are skipped by known_roles");
        assert_eq!(p.roles.len(), 2, "but kept verbatim in roles");
        assert_eq!(
            p.encryption_cert_expiry,
            Some(1_700_000_000_000),
            "numeric strings are epochs too"
        );
        assert_eq!(
            p.signing_cert_expiry,
            Some(1_700_000_000_000),
            "the platform's typo'd field is read"
        );
        assert_eq!(
            p.os_owner,
            vec!["sub-1".to_owned()],
            "osOwner is what the token sub must match"
        );
        assert_eq!(p.extra.get("tags"), Some(&json!(["t"])), "unmodelled fields are kept");
        let back = serde_json::to_value(p).unwrap();
        assert_eq!(back["osCreatedAt"], json!("2023"), "kept fields survive a round trip");
        assert_eq!(
            back["sigining_cert_expiry"],
            json!(1_700_000_000_000i64),
            "the wire spelling is written back"
        );
    }
}
