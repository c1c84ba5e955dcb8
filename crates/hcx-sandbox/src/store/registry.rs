//! Participant registry rows (wire facts §8). The record is kept as the JSON the registry API
//! returns; a few columns are duplicated for lookups.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, SandboxError};

/// A registry record as `/participant/search` returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Participant {
    /// Registry code (opaque).
    pub participant_code: String,
    /// Display name.
    pub participant_name: String,
    /// Roles (`provider.hospital`, `payor`, `agency.tpa`, …).
    pub roles: Vec<String>,
    /// `Created` | `Active` | `Inactive` | `Blocked`.
    pub status: String,
    /// Login e-mail (lower-cased), also the password-login username.
    pub primary_email: String,
    /// Mobile number.
    #[serde(default)]
    pub primary_mobile: String,
    /// Callback base URL (§4.7).
    #[serde(default)]
    pub endpoint_url: String,
    /// URL of the PEM certificate, served by the sandbox itself.
    #[serde(default)]
    pub encryption_cert: String,
    /// Certificate expiry, epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_cert_expiry: Option<i64>,
    /// Payor scheme code (required for payor, as on the platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme_code: Option<String>,
    /// Sunbird RC id.
    pub osid: String,
    /// Owner ids; `osOwner[0]` must equal the caller's token `sub`.
    #[serde(rename = "osOwner")]
    pub os_owner: Vec<String>,
    /// Creation time (ISO-8601).
    #[serde(rename = "osCreatedAt", default)]
    pub os_created_at: String,
    /// Update time (ISO-8601).
    #[serde(rename = "osUpdatedAt", default)]
    pub os_updated_at: String,
    /// Sandbox extension for the relay design: code of the peer HCX instance this participant
    /// is registered on. `None` = registered here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_via: Option<String>,
    /// Any other optional registry field (address, phone, payment_details, tags…), kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Participant {
    /// True when the participant has any of `roles`.
    pub fn has_any_role(&self, roles: &[&str]) -> bool {
        self.roles.iter().any(|r| roles.contains(&r.as_str()))
    }
}

fn decode(record: String) -> Result<Participant> {
    serde_json::from_str(&record).map_err(|e| SandboxError::Corrupt(format!("participant: {e}")))
}

/// Inserts a new participant with its certificate PEM.
pub fn insert(conn: &Connection, p: &Participant, cert_pem: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO participants (participant_code, os_owner, status, record, cert_pem, created_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            p.participant_code,
            p.os_owner.first().cloned().unwrap_or_default(),
            p.status,
            serde_json::to_string(p)?,
            cert_pem,
            now
        ],
    )?;
    Ok(())
}

/// Replaces a participant's record (and certificate when given).
pub fn update(conn: &Connection, p: &Participant, cert_pem: Option<&str>, now: i64) -> Result<()> {
    let record = serde_json::to_string(p)?;
    match cert_pem {
        Some(pem) => conn.execute(
            "UPDATE participants SET status = ?2, record = ?3, cert_pem = ?4, updated_ms = ?5
             WHERE participant_code = ?1",
            params![p.participant_code, p.status, record, pem, now],
        )?,
        None => conn.execute(
            "UPDATE participants SET status = ?2, record = ?3, updated_ms = ?4
             WHERE participant_code = ?1",
            params![p.participant_code, p.status, record, now],
        )?,
    };
    Ok(())
}

/// One participant by code.
pub fn get(conn: &Connection, code: &str) -> Result<Option<Participant>> {
    conn.query_row(
        "SELECT record FROM participants WHERE participant_code = ?1",
        params![code],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(decode)
    .transpose()
}

/// The certificate PEM of a participant.
pub fn cert_pem(conn: &Connection, code: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT cert_pem FROM participants WHERE participant_code = ?1",
            params![code],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every participant, oldest first.
pub fn all(conn: &Connection) -> Result<Vec<Participant>> {
    let mut stmt =
        conn.prepare("SELECT record FROM participants ORDER BY created_ms, participant_code")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(decode(row?)?);
    }
    Ok(out)
}

/// Registry search (Sunbird RC filter subset): each key of `filters` is a field path (dot
/// notation) mapped to `{op: value}`; all keys must match. Supported operators: `eq`, `neq`,
/// `or` (value in a list), `contains`, `notContains`, `startsWith`, `endsWith`,
/// `notStartsWith`, `notEndsWith`. Array fields (roles) match when any element matches.
pub fn search(
    conn: &Connection,
    filters: &Map<String, Value>,
    limit: Option<usize>,
    offset: usize,
) -> std::result::Result<Vec<Participant>, String> {
    let everyone = all(conn).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in everyone {
        let value = serde_json::to_value(&p).map_err(|e| e.to_string())?;
        let mut ok = true;
        for (field, cond) in filters {
            if !matches_filter(&value, field, cond)? {
                ok = false;
                break;
            }
        }
        if ok {
            out.push(p);
        }
    }
    let limited = out.into_iter().skip(offset);
    Ok(match limit {
        Some(l) => limited.take(l).collect(),
        None => limited.collect(),
    })
}

fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn matches_filter(record: &Value, field: &str, cond: &Value) -> std::result::Result<bool, String> {
    let ops = cond.as_object().ok_or_else(|| format!("filter on '{field}' must be an object"))?;
    let candidates: Vec<&Value> = match lookup(record, field) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for (op, arg) in ops {
        let arg_s = text(arg);
        let any = |f: &dyn Fn(&str) -> bool| candidates.iter().any(|c| f(&text(c)));
        let ok = match op.as_str() {
            "eq" => any(&|c| c == arg_s),
            "neq" => !any(&|c| c == arg_s),
            "or" => {
                let list =
                    arg.as_array().ok_or_else(|| format!("'or' on '{field}' needs a list"))?;
                let wanted: Vec<String> = list.iter().map(text).collect();
                any(&|c| wanted.iter().any(|w| w == c))
            }
            "contains" => any(&|c| c.contains(arg_s.as_str())),
            "notContains" => !any(&|c| c.contains(arg_s.as_str())),
            "startsWith" => any(&|c| c.starts_with(arg_s.as_str())),
            "endsWith" => any(&|c| c.ends_with(arg_s.as_str())),
            "notStartsWith" => !any(&|c| c.starts_with(arg_s.as_str())),
            "notEndsWith" => !any(&|c| c.ends_with(arg_s.as_str())),
            other => return Err(format!("unsupported filter operator '{other}'")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn participant(code: &str, roles: &[&str]) -> Participant {
        Participant {
            participant_code: code.into(),
            participant_name: code.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            status: "Active".into(),
            primary_email: format!("{code}@example.org"),
            primary_mobile: String::new(),
            endpoint_url: String::new(),
            encryption_cert: String::new(),
            encryption_cert_expiry: None,
            scheme_code: None,
            osid: code.into(),
            os_owner: vec![format!("owner-{code}")],
            os_created_at: String::new(),
            os_updated_at: String::new(),
            relay_via: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn search_supports_eq_or_and_paging() {
        let conn = Connection::open_in_memory().expect("memory db");
        let mut c = conn;
        super::super::migrate(&mut c).expect("migrate");
        for (code, roles) in
            [("a", vec!["payor"]), ("b", vec!["agency.tpa"]), ("c", vec!["provider"])]
        {
            insert(&c, &participant(code, &roles), "pem", 1).expect("insert");
        }
        let f = |v: Value| v.as_object().cloned().expect("object");
        let by_code =
            search(&c, &f(json!({"participant_code": {"eq": "b"}})), None, 0).expect("search");
        assert_eq!(by_code.len(), 1, "eq on the code finds exactly one record");
        let payers =
            search(&c, &f(json!({"roles": {"or": ["payor", "agency.tpa"]}})), None, 0).expect("or");
        assert_eq!(payers.len(), 2, "or matches any element of the roles array");
        let page = search(&c, &Map::new(), Some(1), 1).expect("page");
        assert_eq!(
            page.first().map(|p| p.participant_code.as_str()),
            Some("b"),
            "offset skips rows"
        );
        assert!(
            search(&c, &f(json!({"roles": {"regex": "x"}})), None, 0).is_err(),
            "an unknown operator is an error, not a silent match"
        );
    }
}
