//! Scenario triggers a clerk can type: a bracketed keyword anywhere in the request's FHIR text
//! (e.g. an item description "Room rent [partial]"), or a domain header
//! `x-hcx-<usecase>-scenario` whose value names the scenario (with or without brackets).

use hcx_protocol::Headers;
use serde_json::Value;

/// What the demo payer / TPA does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Default: approve everything.
    Approve,
    /// `[partial]`: item-level partial approval.
    Partial,
    /// `[reject]`: reject with reasons.
    Reject,
    /// `[query]`: ask for documents (communication/request), decide after the answer.
    Query,
    /// `[pending]`: `response.partial` now, `response.complete` later.
    Pending,
    /// `[redirect]`: redirect to the other demo payer (demo payer only).
    Redirect,
    /// `[error]`: plain-JSON `response.error`.
    Error,
}

impl Scenario {
    /// Every scenario with its keyword.
    pub const KEYWORDS: [(&'static str, Scenario); 6] = [
        ("partial", Scenario::Partial),
        ("reject", Scenario::Reject),
        ("query", Scenario::Query),
        ("pending", Scenario::Pending),
        ("redirect", Scenario::Redirect),
        ("error", Scenario::Error),
    ];

    /// Parses `"partial"`, `"[partial]"`, `"approve"` (case-insensitive).
    pub fn parse(s: &str) -> Option<Scenario> {
        let k = s.trim().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if k == "approve" || k.is_empty() {
            return Some(Scenario::Approve);
        }
        Self::KEYWORDS.iter().find(|(w, _)| *w == k).map(|(_, s)| *s)
    }

    /// The keyword to type, e.g. `"[query]"`.
    pub fn keyword(self) -> &'static str {
        match self {
            Scenario::Approve => "",
            Scenario::Partial => "[partial]",
            Scenario::Reject => "[reject]",
            Scenario::Query => "[query]",
            Scenario::Pending => "[pending]",
            Scenario::Redirect => "[redirect]",
            Scenario::Error => "[error]",
        }
    }

    /// Header first, then the first bracketed keyword found in any string of the payload.
    pub fn detect(headers: &Headers, payload: &Value) -> Scenario {
        let from_header = headers
            .iter()
            .find(|(k, _)| k.starts_with(hcx_protocol::names::PREFIX) && k.ends_with("-scenario"))
            .and_then(|(_, v)| v.as_str())
            .and_then(Scenario::parse);
        if let Some(s) = from_header {
            return s;
        }
        let mut found = None;
        walk_strings(payload, &mut |text| {
            if found.is_none() {
                let lower = text.to_ascii_lowercase();
                found = Self::KEYWORDS
                    .iter()
                    .filter_map(|(w, s)| lower.find(&format!("[{w}]")).map(|pos| (pos, *s)))
                    .min_by_key(|(pos, _)| *pos)
                    .map(|(_, s)| s);
            }
        });
        found.unwrap_or(Scenario::Approve)
    }
}

fn walk_strings(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| walk_strings(x, f)),
        Value::Object(o) => o.values().for_each(|x| walk_strings(x, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keywords_are_found_in_item_text_and_headers() {
        let h = Headers::new();
        let p = json!({"entry": [{"resource": {"item": [{"productOrService": {"text": "Room [Query] please"}}]}}]});
        assert_eq!(
            Scenario::detect(&h, &p),
            Scenario::Query,
            "a bracketed keyword in any text triggers it"
        );
        assert_eq!(
            Scenario::detect(&h, &json!({"a": "plain"})),
            Scenario::Approve,
            "no keyword = approve"
        );
        let mut h2 = Headers::new();
        h2.insert("x-hcx-preauth-scenario", "reject");
        assert_eq!(Scenario::detect(&h2, &p), Scenario::Reject, "the domain header wins over text");
    }
}
