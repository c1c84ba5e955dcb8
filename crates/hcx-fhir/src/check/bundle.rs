//! Bundle-level rules (fhir-payloads.md §2): collection type, ids, timestamps, urn:uuid fullUrls,
//! focal resource first, matching bundle profile.

use std::collections::HashSet;

use serde_json::Value;

use super::{Ctx, noun, resource, rules};
use crate::json::{arr, index, str_of};
use crate::profiles::{BundleProfile, NRCES_SD_BASE};
use crate::time;

pub(super) fn check_bundle<'a>(ctx: &mut Ctx<'a>, bundle: &'a Value) {
    match str_of(bundle, "id") {
        None => ctx.error(
            "Bundle.id",
            rules::BUNDLE_ID_MISSING,
            "The bundle has no id. NHCX rejects bundles without one (PAYR-1029).",
        ),
        Some(id) if !resource::valid_id(id) => ctx.error(
            "Bundle.id",
            rules::RESOURCE_ID_INVALID,
            &format!(
                "The bundle id \"{id}\" is not a valid FHIR id (letters, digits, '-' and '.', at \
                 most 64)."
            ),
        ),
        Some(_) => {}
    }

    match str_of(bundle, "type") {
        Some("collection") => {}
        Some("document") => ctx.error(
            "Bundle.type",
            rules::BUNDLE_TYPE_NOT_COLLECTION,
            "This is an older HCX 'document' bundle (with a Composition). NHCX payers expect a \
             'collection' bundle; rebuild it before sending.",
        ),
        Some(other) => ctx.error(
            "Bundle.type",
            rules::BUNDLE_TYPE_NOT_COLLECTION,
            &format!("The bundle type is '{other}'; NHCX expects 'collection'."),
        ),
        None => ctx.error(
            "Bundle.type",
            rules::BUNDLE_TYPE_NOT_COLLECTION,
            "The bundle has no type; NHCX expects 'collection'.",
        ),
    }

    match str_of(bundle, "timestamp") {
        None => ctx.error(
            "Bundle.timestamp",
            rules::BUNDLE_TIMESTAMP_MISSING,
            "The bundle has no timestamp (when it was assembled).",
        ),
        Some(t) if !time::is_instant(t) => ctx.error(
            "Bundle.timestamp",
            rules::DATE_INVALID,
            &format!(
                "The bundle timestamp \"{t}\" needs a date, a time with seconds and a time zone, \
                 like 2026-11-21T14:05:09+05:30."
            ),
        ),
        Some(_) => {}
    }

    let meta = bundle.get("meta");
    match meta.and_then(|m| str_of(m, "lastUpdated")) {
        None => ctx.warn(
            "Bundle.meta.lastUpdated",
            rules::BUNDLE_LAST_UPDATED_MISSING,
            "The bundle does not say when it was last updated (meta.lastUpdated).",
        ),
        Some(t) if !time::is_instant(t) => ctx.error(
            "Bundle.meta.lastUpdated",
            rules::DATE_INVALID,
            &format!("meta.lastUpdated \"{t}\" is not a full date and time with a time zone."),
        ),
        Some(_) => {}
    }

    if !crate::json::present(bundle, "identifier") {
        ctx.warn(
            "Bundle.identifier",
            rules::BUNDLE_IDENTIFIER_MISSING,
            "The bundle has no identifier (your case or claim number).",
        );
    }

    let entries = match bundle.get("entry") {
        Some(Value::Array(e)) if !e.is_empty() => e.as_slice(),
        Some(Value::Array(_)) | None => {
            ctx.error("Bundle.entry", rules::BUNDLE_EMPTY, "The bundle has no entries.");
            &[]
        }
        Some(_) => {
            ctx.error(
                "Bundle.entry",
                rules::BUNDLE_EMPTY,
                "Bundle.entry must be a list of entries.",
            );
            &[]
        }
    };

    check_focal_and_profile(ctx, bundle, entries);

    let mut seen = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        ctx.entry = Some(i);
        check_entry(ctx, i, entry, &mut seen);
    }
    ctx.entry = None;
}

fn check_focal_and_profile(ctx: &mut Ctx<'_>, bundle: &Value, entries: &[Value]) {
    let profiles: Vec<&str> = bundle
        .get("meta")
        .map(|m| arr(m, "profile").iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let declared = BundleProfile::ALL.into_iter().find(|p| profiles.contains(&p.url().as_str()));
    if profiles.is_empty() {
        ctx.error(
            "Bundle.meta.profile",
            rules::RESOURCE_PROFILE_MISSING,
            "The bundle does not name its NRCeS profile (meta.profile), e.g. ClaimBundle.",
        );
    } else if declared.is_none() {
        ctx.error(
            "Bundle.meta.profile",
            rules::RESOURCE_PROFILE_WRONG,
            &format!(
                "The bundle's profile {} is not an NRCeS bundle profile ({NRCES_SD_BASE}...).",
                profiles.join(", ")
            ),
        );
    }

    let focal = ctx.index.focal(declared);
    let Some(focal) = focal else {
        if !entries.is_empty() {
            ctx.error(
                "Bundle.entry",
                rules::BUNDLE_FOCAL_MISSING,
                "The bundle has no claim, claim response, eligibility request or response, or \
                 task: there is nothing for the receiver to act on.",
            );
        }
        return;
    };
    let focal_type = focal.resource_type.to_owned();
    let focal_position = focal.position;
    if focal_position != 0 {
        ctx.warn(
            &index("Bundle.entry", focal_position),
            rules::BUNDLE_FOCAL_NOT_FIRST,
            &format!("The {} should be the first entry of the bundle.", noun(&focal_type)),
        );
    }
    if let (Some(declared), Some(expected)) = (declared, BundleProfile::for_focal(&focal_type))
        && declared != expected
    {
        ctx.error(
            "Bundle.meta.profile",
            rules::BUNDLE_PROFILE_MISMATCH,
            &format!(
                "The bundle says it is a {} but it carries a {}; it should be a {}.",
                declared.name(),
                noun(&focal_type),
                expected.name()
            ),
        );
    }
    let composition_at = ctx.index.of_type("Composition").next().map(|c| c.position);
    if let Some(at) = composition_at {
        ctx.warn(
            &index("Bundle.entry", at),
            rules::BUNDLE_COMPOSITION_PRESENT,
            "A Composition belongs to document bundles (the old HCX format); NHCX collection \
             bundles do not carry one.",
        );
    }
}

fn check_entry<'a>(ctx: &mut Ctx<'a>, i: usize, entry: &'a Value, seen: &mut HashSet<&'a str>) {
    let path = index("Bundle.entry", i);
    if !entry.is_object() {
        ctx.error(&path, rules::ENTRY_NOT_OBJECT, "This entry is not a JSON object.");
        return;
    }
    for key in ["request", "response", "search"] {
        if entry.get(key).is_some() {
            ctx.error(
                &format!("{path}.{key}"),
                rules::ENTRY_REQUEST_PRESENT,
                &format!(
                    "Entries of an NHCX collection bundle carry no '{key}' (that is for \
                     transaction bundles); remove it."
                ),
            );
        }
    }
    let resource = entry.get("resource").filter(|r| r.is_object());
    let id = resource.and_then(|r| str_of(r, "id"));
    let full_url_path = format!("{path}.fullUrl");
    match str_of(entry, "fullUrl") {
        None => ctx.error(
            &full_url_path,
            rules::ENTRY_FULL_URL_MISSING,
            "This entry has no fullUrl, so nothing can refer to it. Use urn:uuid:<the resource id>.",
        ),
        Some(url) => {
            if !seen.insert(url) {
                ctx.error(
                    &full_url_path,
                    rules::ENTRY_FULL_URL_DUPLICATE,
                    &format!("Two entries have the same fullUrl {url}."),
                );
            }
            match url.strip_prefix("urn:uuid:") {
                Some(tail) if is_uuid(tail) => {
                    if let Some(id) = id
                        && id != tail {
                            ctx.error(
                                &full_url_path,
                                rules::ENTRY_FULL_URL_ID_MISMATCH,
                                &format!(
                                    "The fullUrl {url} does not match the resource id {id}; \
                                     NHCX expects fullUrl = urn:uuid:<id>."
                                ),
                            );
                        }
                }
                _ => ctx.error(
                    &full_url_path,
                    rules::ENTRY_FULL_URL_NOT_UUID,
                    &format!(
                        "The fullUrl {url} is not of the form urn:uuid:<uuid>, which NHCX requires."
                    ),
                ),
            }
        }
    }
    match resource {
        None => ctx.error(
            &format!("{path}.resource"),
            rules::ENTRY_RESOURCE_MISSING,
            "This entry carries no resource.",
        ),
        Some(r) => resource::check_resource(ctx, r),
    }
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}
