//! Claim and ClaimResponse arithmetic and cross-references: sequences, quantity × unitPrice = net,
//! Claim.total = Σ net, ClaimResponse totals = Σ item adjudications, ICD-10 diagnosis codes.

use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;
use serde_json::Value;

use super::{Ctx, rules};
use crate::json::{arr, codings, first_code, number_decimal, str_of};
use crate::profiles::cs;

/// Amounts within half a paisa are equal: net is rounded to paise, quantity × price may not be.
/// Amounts whose difference does not even fit a decimal are not.
fn close(a: Decimal, b: Decimal) -> bool {
    a.checked_sub(b).is_some_and(|d| d.abs() < Decimal::new(5, 3))
}

fn money_value(v: Option<&Value>) -> Option<Decimal> {
    v.and_then(|m| m.get("value")).and_then(number_decimal)
}

fn sequences(ctx: &mut Ctx<'_>, r: &Value, list: &str, key: &str, what: &str) -> HashSet<i64> {
    let mut seen = HashSet::new();
    for (i, el) in arr(r, list).iter().enumerate() {
        let Some(n) = el.get(key).and_then(Value::as_i64) else { continue };
        if !seen.insert(n) {
            ctx.error(
                &format!("Claim.{list}[{i}].{key}"),
                rules::SEQUENCE_DUPLICATE,
                &format!("Two {what} have the same number {n}; number them 1, 2, 3 …"),
            );
        }
    }
    seen
}

pub(super) fn check_claim(ctx: &mut Ctx<'_>, claim: &Value) {
    let care = sequences(ctx, claim, "careTeam", "sequence", "care team members");
    let info = sequences(ctx, claim, "supportingInfo", "sequence", "documents (supportingInfo)");
    let diag = sequences(ctx, claim, "diagnosis", "sequence", "diagnoses");
    let proc_ = sequences(ctx, claim, "procedure", "sequence", "procedures");
    sequences(ctx, claim, "item", "sequence", "items");

    for (i, d) in arr(claim, "diagnosis").iter().enumerate() {
        if d.get("diagnosisReference").is_some() {
            ctx.warn(
                &format!("Claim.diagnosis[{i}].diagnosisReference"),
                rules::DIAGNOSIS_REFERENCE,
                "Payers want the ICD-10 code itself on the claim, not a pointer to a Condition \
                 (PAYR-1513).",
            );
        }
        let Some(cc) = d.get("diagnosisCodeableConcept") else { continue };
        for (j, c) in codings(cc).iter().enumerate() {
            if str_of(c, "system") != Some(cs::ICD10) {
                continue;
            }
            let Some(code) = str_of(c, "code") else { continue };
            if !looks_like_icd10(code) {
                ctx.warn(
                    &format!("Claim.diagnosis[{i}].diagnosisCodeableConcept.coding[{j}].code"),
                    rules::DIAGNOSIS_ICD10_FORMAT,
                    &format!(
                        "\"{code}\" does not look like a WHO ICD-10 code (a letter, two digits, \
                         then optionally a dot and more, e.g. A97.0)."
                    ),
                );
            }
        }
    }

    let links: [(&str, &HashSet<i64>, &str); 4] = [
        ("careTeamSequence", &care, "care team member"),
        ("diagnosisSequence", &diag, "diagnosis"),
        ("procedureSequence", &proc_, "procedure"),
        ("informationSequence", &info, "document (supportingInfo)"),
    ];
    let mut sum = Decimal::ZERO;
    let mut summable = true;
    for (i, item) in arr(claim, "item").iter().enumerate() {
        let path = format!("Claim.item[{i}]");
        for (key, known, what) in &links {
            for (j, n) in arr(item, key).iter().enumerate() {
                if let Some(n) = n.as_i64()
                    && !known.contains(&n)
                {
                    ctx.error(
                        &format!("{path}.{key}[{j}]"),
                        rules::SEQUENCE_UNKNOWN,
                        &format!(
                            "This item points at {what} number {n}, which the claim does not have."
                        ),
                    );
                }
            }
        }

        let quantity = match item.get("quantity") {
            Some(q) => {
                let value = q.get("value").and_then(number_decimal);
                if value.is_none() {
                    ctx.error(
                        &format!("{path}.quantity"),
                        rules::ITEM_QUANTITY_NOT_NUMBER,
                        &format!(
                            "Item {} has no readable quantity; write it as {{\"value\": 1}}.",
                            i + 1
                        ),
                    );
                }
                value
            }
            None => Some(Decimal::ONE),
        };
        if let Some(q) = quantity
            && q <= Decimal::ZERO
        {
            ctx.error(
                &format!("{path}.quantity.value"),
                rules::ITEM_QUANTITY_NOT_POSITIVE,
                &format!("Item {} has quantity {q}; a quantity must be more than zero.", i + 1),
            );
        }
        let price = money_value(item.get("unitPrice"));
        let factor = match item.get("factor") {
            Some(f) => number_decimal(f),
            None => Some(Decimal::ONE),
        };
        let net = money_value(item.get("net"));
        for (key, v) in [("unitPrice", price), ("net", net)] {
            if v.is_some_and(|v| v < Decimal::ZERO) {
                ctx.error(
                    &format!("{path}.{key}.value"),
                    rules::MONEY_NEGATIVE,
                    &format!(
                        "Item {} has a negative {key}; amounts asked for cannot be negative.",
                        i + 1
                    ),
                );
            }
        }
        let expected = match (quantity, price, factor) {
            (Some(q), Some(p), Some(f)) => {
                let product = q.checked_mul(p).and_then(|qp| qp.checked_mul(f));
                if product.is_none() {
                    ctx.error(
                        &format!("{path}.quantity.value"),
                        rules::AMOUNT_OVERFLOW,
                        &format!(
                            "Item {}: quantity × unit price is too large to compute; check the \
                             digits.",
                            i + 1
                        ),
                    );
                    summable = false;
                }
                product
            }
            _ => None,
        };
        match (expected, net) {
            (Some(e), Some(n)) if !close(e, n) => ctx.error(
                &format!("{path}.net"),
                rules::ITEM_NET_MISMATCH,
                &format!(
                    "Item {}: quantity × unit price is {}, but the net amount says {n}.",
                    i + 1,
                    e.round_dp(2)
                ),
            ),
            (Some(_), None) => ctx.warn(
                &format!("{path}.net"),
                rules::ITEM_NET_MISSING,
                &format!("Item {} has a unit price but no net amount; payers expect both.", i + 1),
            ),
            _ => {}
        }
        if item.get("net").is_none() && item.get("unitPrice").is_none() {
            // Counted as zero in the total check below.
            ctx.warn(
                &format!("{path}.net"),
                rules::ITEM_NET_MISSING,
                &format!("Item {} has no price or net amount; payers expect both.", i + 1),
            );
            continue;
        }
        match net.or(expected).map(|n| sum.checked_add(n)) {
            Some(Some(s)) => sum = s,
            Some(None) => {
                ctx.error(
                    &format!("{path}.net.value"),
                    rules::AMOUNT_OVERFLOW,
                    &format!(
                        "Adding item {} makes the claim's items too large to add up; check the \
                         digits.",
                        i + 1
                    ),
                );
                summable = false;
            }
            // An amount is there but unreadable (reported above): no reliable sum.
            None => summable = false,
        }
    }

    match (claim.get("total"), summable && !arr(claim, "item").is_empty()) {
        (None, _) => ctx.warn(
            "Claim.total",
            rules::CLAIM_TOTAL_MISSING,
            "The claim has no total; payers expect the sum of the items.",
        ),
        (Some(t), true) => {
            let total = money_value(Some(t));
            if let Some(total) = total {
                if total < Decimal::ZERO {
                    ctx.error(
                        "Claim.total.value",
                        rules::MONEY_NEGATIVE,
                        "The claim total is negative.",
                    );
                }
                if !close(total, sum) {
                    ctx.error(
                        "Claim.total",
                        rules::CLAIM_TOTAL_MISMATCH,
                        &format!(
                            "The claim total is {total} but the items add up to {}.",
                            sum.round_dp(2)
                        ),
                    );
                }
            }
        }
        (Some(_), false) => {}
    }
}

/// WHO ICD-10: a letter, two digits, optionally a dot and 1–4 more characters (`A97.0`, `S72.001`
/// would be ICD-10-CM and still passes the shape check; the system URL tells them apart).
fn looks_like_icd10(code: &str) -> bool {
    let b = code.as_bytes();
    let head = b.len() >= 3
        && b.first().is_some_and(u8::is_ascii_uppercase)
        && b.get(1).is_some_and(u8::is_ascii_digit)
        && b.get(2).is_some_and(|c| c.is_ascii_digit() || *c == b'A' || *c == b'B');
    let tail = match code.get(3..) {
        Some("") => true,
        Some(t) => {
            t.strip_prefix('.').is_some_and(|r| {
                (1..=4).contains(&r.len()) && r.bytes().all(|c| c.is_ascii_alphanumeric())
            }) || (t.len() <= 4 && t.bytes().all(|c| c.is_ascii_digit()))
        }
        None => false,
    };
    head && tail
}

pub(super) fn check_claim_response(ctx: &mut Ctx<'_>, cr: &Value) {
    // Sum item adjudication amounts per category; `None` once a category's sum overflows.
    let mut per_category: BTreeMap<String, Option<Decimal>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for (i, item) in arr(cr, "item").iter().enumerate() {
        if let Some(n) = item.get("itemSequence").and_then(Value::as_i64)
            && !seen.insert(n)
        {
            ctx.warn(
                &format!("ClaimResponse.item[{i}].itemSequence"),
                rules::SEQUENCE_DUPLICATE,
                &format!("Claim item {n} is answered twice; the later answer may be ignored."),
            );
        }
        for (j, adj) in arr(item, "adjudication").iter().enumerate() {
            let (Some(cat), Some(amount)) =
                (adj.get("category").and_then(first_code), money_value(adj.get("amount")))
            else {
                continue;
            };
            let slot = per_category.entry(cat.to_ascii_lowercase()).or_insert(Some(Decimal::ZERO));
            if let Some(so_far) = *slot {
                *slot = so_far.checked_add(amount);
                if slot.is_none() {
                    ctx.error(
                        &format!("ClaimResponse.item[{i}].adjudication[{j}].amount.value"),
                        rules::AMOUNT_OVERFLOW,
                        &format!(
                            "The items' '{cat}' amounts are too large to add up; check the digits."
                        ),
                    );
                }
            }
        }
    }
    for (k, t) in arr(cr, "total").iter().enumerate() {
        let (Some(cat), Some(total)) =
            (t.get("category").and_then(first_code), money_value(t.get("amount")))
        else {
            continue;
        };
        let Some(Some(sum)) = per_category.get(&cat.to_ascii_lowercase()) else { continue };
        if !close(*sum, total) {
            ctx.warn(
                &format!("ClaimResponse.total[{k}].amount"),
                rules::CLAIMRESPONSE_TOTAL_MISMATCH,
                &format!(
                    "The '{cat}' total is {total} but the items' '{cat}' amounts add up to {sum}."
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_icd10;

    #[test]
    fn icd10_shapes() {
        for ok in ["A97.0", "I46.9", "E11.9", "J18", "K35.80", "O80"] {
            assert!(looks_like_icd10(ok), "{ok} is a well-formed WHO ICD-10 code");
        }
        for bad in ["a97.0", "A9", "97.0", "A97.", "A97.00000", "Dengue", ""] {
            assert!(!looks_like_icd10(bad), "{bad:?} is not an ICD-10 code");
        }
    }
}
