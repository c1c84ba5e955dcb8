//! Lenient accessors over raw JSON, shared by the checker and the summariser.
//!
//! Both must work on anything (a payer's odd bundle, a 2022 demo file, a bare resource, garbage),
//! so nothing here indexes or unwraps: every accessor answers `None` or an empty slice when the
//! shape is not what FHIR says.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

/// A string element, trimmed; `None` when absent, not a string, or blank.
pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// An array element; empty when absent or not an array.
pub fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// An element that FHIR says is an array but some senders write as one object (the 2022 demo
/// writes `Bundle.identifier` and `Composition.identifier` that way): both read as a list.
pub fn many<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    match v.get(key) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    }
}

/// An object element.
pub fn obj<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|o| o.is_object())
}

/// True when the element is present and not null/empty.
pub fn present(v: &Value, key: &str) -> bool {
    match v.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

/// A JSON number as an exact decimal. With serde_json's `arbitrary_precision` the number's text is
/// kept, so `1000.50` converts without passing through a float.
pub fn number_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
        }
        _ => None,
    }
}

/// A decimal written as a number or, leniently, as a numeric string (some payers quote amounts).
pub fn lenient_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        other => number_decimal(other),
    }
}

/// True when objects and arrays nest deeper than `limit` (the root object is depth 1). Iterative
/// with an explicit stack, so a hostile 100,000-deep value cannot overflow the call stack here;
/// it stops at the first node past the limit.
pub fn deeper_than(v: &Value, limit: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(v, 1)];
    while let Some((node, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match node {
            Value::Object(o) => Box::new(o.values()),
            Value::Array(a) => Box::new(a.iter()),
            _ => continue,
        };
        if depth > limit {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

/// A value's text for a message, cut short: a hostile payload can carry a megabyte-long number.
pub fn excerpt(v: &Value) -> String {
    const MAX: usize = 40;
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The codings of a CodeableConcept.
pub fn codings(cc: &Value) -> &[Value] {
    arr(cc, "coding")
}

/// True when any coding of the concept has this code (case-insensitive: payers vary).
pub fn has_code(cc: &Value, code: &str) -> bool {
    codings(cc).iter().any(|c| str_of(c, "code").is_some_and(|k| k.eq_ignore_ascii_case(code)))
}

/// The first code of a concept.
pub fn first_code(cc: &Value) -> Option<&str> {
    codings(cc).iter().find_map(|c| str_of(c, "code"))
}

/// Human text for a concept: `text`, else the first display, else the first code.
pub fn concept_text(cc: &Value) -> Option<String> {
    if let Some(t) = str_of(cc, "text") {
        return Some(t.to_owned());
    }
    let cs = codings(cc);
    cs.iter()
        .find_map(|c| str_of(c, "display"))
        .or_else(|| cs.iter().find_map(|c| str_of(c, "code")))
        .map(str::to_owned)
}

/// A person's name: `text`, else prefix + given + family.
pub fn human_name(names: &[Value]) -> Option<String> {
    let name =
        names.iter().find(|n| str_of(n, "use") == Some("official")).or_else(|| names.first())?;
    if let Some(t) = str_of(name, "text") {
        return Some(t.to_owned());
    }
    let mut parts: Vec<&str> = Vec::new();
    for key in ["prefix", "given"] {
        parts.extend(arr(name, key).iter().filter_map(Value::as_str).map(str::trim));
    }
    parts.extend(str_of(name, "family"));
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Extends a path with a field name: `Claim` + `item` = `Claim.item`.
pub fn child(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

/// Extends a path with an index: `Claim.item` + 2 = `Claim.item[2]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// One entry of a bundle, as the index sees it.
#[derive(Debug)]
pub struct IndexedEntry<'a> {
    /// Position in `Bundle.entry`.
    pub position: usize,
    /// `entry.fullUrl`.
    pub full_url: Option<&'a str>,
    /// `entry.resource`.
    pub resource: &'a Value,
    /// `resource.resourceType`.
    pub resource_type: &'a str,
    /// `resource.id`.
    pub id: Option<&'a str>,
}

/// How a reference was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Equal to some entry's `fullUrl` (the NHCX rule).
    FullUrl,
    /// `Type/id` matched an entry's type and id, but not its `fullUrl`.
    TypeAndId,
}

/// Entries of a bundle (or a single bare resource) with reference lookup.
#[derive(Debug, Default)]
pub struct Index<'a> {
    /// Entries in bundle order.
    pub entries: Vec<IndexedEntry<'a>>,
    by_full_url: HashMap<&'a str, usize>,
    by_type_id: HashMap<(&'a str, &'a str), usize>,
}

impl<'a> Index<'a> {
    /// Indexes a bundle's entries; a bare resource becomes a one-entry index.
    pub fn new(root: &'a Value) -> Self {
        let mut index = Index::default();
        if str_of(root, "resourceType") == Some("Bundle") {
            for (position, entry) in arr(root, "entry").iter().enumerate() {
                let Some(resource) = obj(entry, "resource") else { continue };
                index.push(position, str_of(entry, "fullUrl"), resource);
            }
        } else if root.is_object() {
            index.push(0, None, root);
        }
        index
    }

    fn push(&mut self, position: usize, full_url: Option<&'a str>, resource: &'a Value) {
        let resource_type = str_of(resource, "resourceType").unwrap_or("");
        let id = str_of(resource, "id");
        let at = self.entries.len();
        if let Some(u) = full_url {
            self.by_full_url.entry(u).or_insert(at);
        }
        if let Some(id) = id {
            self.by_type_id.entry((resource_type, id)).or_insert(at);
        }
        self.entries.push(IndexedEntry { position, full_url, resource, resource_type, id });
    }

    /// Finds the entry a literal reference points at.
    pub fn resolve(&self, reference: &str) -> Option<(&IndexedEntry<'a>, Resolution)> {
        let reference = reference.trim();
        if let Some(&i) = self.by_full_url.get(reference) {
            return self.entries.get(i).map(|e| (e, Resolution::FullUrl));
        }
        // `Type/id`, possibly behind an absolute base (`https://x/fhir/Type/id`), possibly with
        // `/_history/n`.
        let trimmed = reference.split("/_history/").next().unwrap_or(reference);
        let mut parts = trimmed.rsplitn(3, '/');
        let id = parts.next()?;
        let rt = parts.next()?;
        let &i = self.by_type_id.get(&(rt, id))?;
        self.entries.get(i).map(|e| (e, Resolution::TypeAndId))
    }

    /// Entries of one resource type.
    pub fn of_type<'s>(&'s self, rt: &'s str) -> impl Iterator<Item = &'s IndexedEntry<'a>> + 's {
        self.entries.iter().filter(move |e| e.resource_type == rt)
    }

    /// The focal entry: the first entry of the declared profile's focal type; else the first
    /// entry when it is a focal type; else the first entry of the most likely focal type.
    pub fn focal(
        &self,
        declared: Option<crate::profiles::BundleProfile>,
    ) -> Option<&IndexedEntry<'a>> {
        use crate::profiles::FOCAL_TYPES;
        if let Some(e) = declared.and_then(|p| self.of_type(p.focal_type()).next()) {
            return Some(e);
        }
        if let Some(first) = self.entries.first()
            && FOCAL_TYPES.contains(&first.resource_type)
        {
            return Some(first);
        }
        FOCAL_TYPES.iter().find_map(|t| self.of_type(t).next())
    }

    /// The only entry of a type, if exactly one.
    pub fn only(&self, rt: &str) -> Option<&IndexedEntry<'a>> {
        let mut found = None;
        for e in &self.entries {
            if e.resource_type == rt {
                if found.is_some() {
                    return None;
                }
                found = Some(e);
            }
        }
        found
    }
}
