//! One recursive pass over a resource for the rules that apply wherever an element appears:
//! references resolve inside the bundle, codings use canonical systems, money has an INR currency,
//! attachments are complete and their size and hash match their data.

use serde_json::{Map, Value};

use super::coding::{SystemClass, classify};
use super::{Ctx, rules};
use crate::attachment::measure_base64;
use crate::json::{Resolution, excerpt, index, lenient_decimal, number_decimal, str_of};
use crate::profiles::{ACCEPTED_CONTENT_TYPES, INR, MAX_AMOUNT, MAX_DOCUMENT_BYTES};

/// Element names whose value is a Money.
const MONEY_KEYS: &[&str] =
    &["unitPrice", "net", "amount", "paymentAmount", "allowedMoney", "usedMoney", "adjustment"];

/// Element names whose value is an Attachment.
const ATTACHMENT_KEYS: &[&str] = &["valueAttachment", "contentAttachment", "attachment"];

pub(super) fn walk_resource(ctx: &mut Ctx<'_>, r: &Value, rt: &str) {
    let Some(root) = r.as_object() else { return };
    walk_object(ctx, root, rt, root);
}

fn walk_object(ctx: &mut Ctx<'_>, o: &Map<String, Value>, path: &str, root: &Map<String, Value>) {
    if let Some(Value::String(reference)) = o.get("reference") {
        check_reference(ctx, reference, &format!("{path}.reference"), root);
    }
    for (key, value) in o {
        let here = format!("{path}.{key}");
        match value {
            Value::Object(child) => {
                // `total` as an object is Claim.total (Money); ClaimResponse.total is a list and
                // Bundle.total a number.
                if MONEY_KEYS.contains(&key.as_str()) || key == "total" {
                    check_money(ctx, child, &here);
                }
                if ATTACHMENT_KEYS.contains(&key.as_str()) {
                    check_attachment(ctx, child, &here);
                }
                if key == "valueCoding" {
                    check_coding(ctx, child, &here);
                }
                walk_object(ctx, child, &here, root);
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = index(&here, i);
                    if let Value::Object(child) = item {
                        if matches!(key.as_str(), "coding" | "security" | "tag") {
                            check_coding(ctx, child, &at);
                        }
                        if ATTACHMENT_KEYS.contains(&key.as_str()) {
                            check_attachment(ctx, child, &at);
                        }
                        walk_object(ctx, child, &at, root);
                    }
                }
            }
            Value::Number(_) | Value::String(_) | Value::Bool(_)
                if MONEY_KEYS.contains(&key.as_str()) =>
            {
                ctx.error(
                    &here,
                    rules::MONEY_NOT_OBJECT,
                    &format!(
                        "The amount {} must be written as {{\"value\": …, \"currency\": \"INR\"}}.",
                        excerpt(value)
                    ),
                );
            }
            _ => {}
        }
    }
}

fn check_reference(ctx: &mut Ctx<'_>, reference: &str, path: &str, root: &Map<String, Value>) {
    let reference = reference.trim();
    if let Some(local) = reference.strip_prefix('#') {
        // A contained resource of the same resource.
        let found = root
            .get("contained")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|r| str_of(r, "id") == Some(local)));
        if !found {
            ctx.error(
                path,
                rules::REFERENCE_UNRESOLVED,
                &format!("\"{reference}\" points at a contained resource that is not there."),
            );
        }
        return;
    }
    match ctx.index.resolve(reference) {
        Some((_, Resolution::FullUrl)) => {}
        Some((entry, Resolution::TypeAndId)) => {
            let full = entry.full_url.unwrap_or("(none)").to_owned();
            ctx.warn(
                path,
                rules::REFERENCE_NOT_FULL_URL,
                &format!(
                    "\"{reference}\" finds its target only by type and id; NHCX expects the \
                     target's fullUrl ({full})."
                ),
            );
        }
        None => ctx.error(
            path,
            rules::REFERENCE_UNRESOLVED,
            &format!(
                "\"{reference}\" points at nothing in this bundle. Every resource referred to must \
                 travel in the same bundle, referred to by its fullUrl."
            ),
        ),
    }
}

fn check_coding(ctx: &mut Ctx<'_>, c: &Map<String, Value>, path: &str) {
    let get = |k: &str| c.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let code = get("code");
    let what = code.map(|k| format!("code \"{k}\"")).unwrap_or_else(|| "a code".to_owned());
    match get("system") {
        None => ctx.error(
            &format!("{path}.system"),
            rules::CODING_SYSTEM_MISSING,
            &format!("The {what} does not say which code system it is from (system)."),
        ),
        Some(system) => match classify(system) {
            SystemClass::Canonical => {}
            SystemClass::NotCanonical { why, should_be } => {
                let fix = should_be.map(|s| format!(" Use {s}.")).unwrap_or_default();
                ctx.error(
                    &format!("{path}.system"),
                    rules::CODING_SYSTEM_NOT_CANONICAL,
                    &format!("The {what} names its system as {system}: {why}.{fix}"),
                );
            }
            SystemClass::Unknown => ctx.warn(
                &format!("{path}.system"),
                rules::CODING_SYSTEM_UNKNOWN,
                &format!(
                    "{system} is not a code system we know; check its spelling with the payer."
                ),
            ),
        },
    }
    if code.is_none() {
        ctx.error(&format!("{path}.code"), rules::CODING_CODE_MISSING, "A coding has no code.");
    }
    if get("display").is_none() {
        ctx.warn(
            &format!("{path}.display"),
            rules::CODING_DISPLAY_MISSING,
            &format!("The {what} has no display text; NRCeS requires one on claim codings."),
        );
    }
}

fn check_money(ctx: &mut Ctx<'_>, m: &Map<String, Value>, path: &str) {
    match m.get("value") {
        None | Some(Value::Null) => ctx.error(
            &format!("{path}.value"),
            rules::MONEY_VALUE_MISSING,
            "An amount has no value.",
        ),
        Some(n @ Value::Number(_)) => {
            if number_decimal(n).is_none_or(|d| d.abs() > MAX_AMOUNT) {
                ctx.error(
                    &format!("{path}.value"),
                    rules::MONEY_ABSURD,
                    &format!(
                        "The amount {} is beyond any real claim (more than 10^13); check the \
                         digits.",
                        excerpt(n)
                    ),
                );
            }
        }
        Some(other) => {
            let hint = if lenient_decimal(other).is_some() { " (remove the quotes)" } else { "" };
            ctx.error(
                &format!("{path}.value"),
                rules::MONEY_VALUE_NOT_NUMBER,
                &format!("The amount {} must be written as a number{hint}.", excerpt(other)),
            );
        }
    }
    match m.get("currency").and_then(Value::as_str).map(str::trim) {
        None | Some("") => ctx.error(
            &format!("{path}.currency"),
            rules::MONEY_CURRENCY_MISSING,
            "An amount has no currency; write INR.",
        ),
        Some(INR) => {}
        Some(other) => ctx.error(
            &format!("{path}.currency"),
            rules::MONEY_CURRENCY_NOT_INR,
            &format!("An amount is in {other}; Indian claims are settled in INR."),
        ),
    }
}

fn check_attachment(ctx: &mut Ctx<'_>, a: &Map<String, Value>, path: &str) {
    let get = |k: &str| a.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let title = get("title");
    let name = title.map(|t| format!("\"{t}\"")).unwrap_or_else(|| "An attachment".to_owned());
    let data = get("data");
    if data.is_none() && get("url").is_none() {
        ctx.error(
            path,
            rules::ATTACHMENT_EMPTY,
            &format!("{name} has neither data nor a link; attach the file."),
        );
    }
    match get("contentType") {
        None if data.is_some() => ctx.error(
            &format!("{path}.contentType"),
            rules::ATTACHMENT_CONTENT_TYPE_MISSING,
            &format!(
                "{name} does not say what kind of file it is (contentType, e.g. application/pdf)."
            ),
        ),
        Some(ct) if !ACCEPTED_CONTENT_TYPES.contains(&ct.to_ascii_lowercase().as_str()) => ctx
            .warn(
                &format!("{path}.contentType"),
                rules::ATTACHMENT_CONTENT_TYPE_UNSUPPORTED,
                &format!("{name} is of type {ct}; NHCX payers accept PDF, JPEG and PNG files."),
            ),
        _ => {}
    }
    if title.is_none() {
        ctx.error(
            &format!("{path}.title"),
            rules::ATTACHMENT_TITLE_MISSING,
            "An attachment has no title; payers reject untitled documents (PAYR-1036).",
        );
    }
    let Some(data) = data else { return };
    let Some((size, sha1_b64, sha256_hex)) = measure_base64(data) else {
        ctx.error(
            &format!("{path}.data"),
            rules::ATTACHMENT_DATA_INVALID,
            &format!("{name} is not valid base64 data (PAYR-1036); attach the file again."),
        );
        return;
    };
    if let Some(declared) = a.get("size")
        && declared.as_u64() != Some(size)
    {
        ctx.error(
            &format!("{path}.size"),
            rules::ATTACHMENT_SIZE_MISMATCH,
            &format!("{name} says it is {declared} bytes but its data is {size} bytes."),
        );
    }
    if let Some(hash) = get("hash")
        && hash != sha1_b64
    {
        let sha256_b64 = hex_to_base64(&sha256_hex);
        let message = if Some(hash) == sha256_b64.as_deref() {
            format!(
                "{name} carries a SHA-256 hash; FHIR R4 defines Attachment.hash as SHA-1, so a \
                     receiver checking it will think the file is damaged."
            )
        } else {
            format!("{name}'s hash does not match its data: the file may be damaged or replaced.")
        };
        ctx.error(&format!("{path}.hash"), rules::ATTACHMENT_HASH_MISMATCH, &message);
    }
    if size > MAX_DOCUMENT_BYTES {
        ctx.warn(
            &format!("{path}.data"),
            rules::ATTACHMENT_TOO_LARGE,
            &format!(
                "{name} is {:.1} MB; PMJAY accepts at most 2 MB per document (merge or compress it).",
                size as f64 / 1_048_576.0
            ),
        );
    }
}

fn hex_to_base64(hex: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect();
    bytes.map(|b| base64::engine::general_purpose::STANDARD.encode(b))
}
