//! Hand-built FHIR R4 JSON for the scripted counterparties, kept minimal but structurally
//! correct (Bundle of type `collection`, `urn:uuid` fullUrls that every reference resolves to,
//! Money as `{value, currency: "INR"}`). Everything FHIR lives in this one module so it can be
//! swapped for the `hcx-fhir` builders later.
//!
//! Amounts are computed as `rust_decimal::Decimal`; they only become JSON numbers on output.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
const PROCESS_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/processpriority";

/// A party named in a bundle (the participant's registry code and display name).
#[derive(Debug, Clone)]
pub struct Party {
    /// Registry code, used as the Organization identifier.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// One billed line.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemLine {
    /// `item.sequence`.
    pub sequence: u32,
    /// `productOrService.text` (or the first coding's display).
    pub text: String,
    /// `net` amount in INR.
    pub net: Decimal,
}

/// `Claim.use` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimUse {
    /// Preauth.
    Preauthorization,
    /// Predetermination.
    Predetermination,
    /// Final claim.
    Claim,
}

impl ClaimUse {
    /// FHIR code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preauthorization => "preauthorization",
            Self::Predetermination => "predetermination",
            Self::Claim => "claim",
        }
    }
}

/// What the payer needs from an incoming request bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSummary {
    /// Resource type of the focal resource (`Claim`, `CoverageEligibilityRequest`, …).
    pub focal_type: String,
    /// `fullUrl` of the focal resource (for `request` references), if any.
    pub focal_url: Option<String>,
    /// `Claim.use`.
    pub claim_use: Option<String>,
    /// Billed lines (empty for eligibility).
    pub items: Vec<ItemLine>,
    /// `Claim.total`, or the sum of the items.
    pub total: Decimal,
    /// Patient display name, when present.
    pub patient_name: Option<String>,
}

/// Money JSON. The value is emitted as an integer when whole; otherwise the decimal is rendered
/// as a JSON number (FHIR `decimal`).
pub fn money(amount: Decimal) -> Value {
    let rounded = amount.round_dp(2).normalize();
    if rounded.fract().is_zero()
        && let Some(i) = rounded.to_i64()
    {
        return json!({"value": i, "currency": "INR"});
    }
    let number = serde_json::Number::from_str(&rounded.to_string())
        .ok()
        .or_else(|| rounded.to_f64().and_then(serde_json::Number::from_f64))
        .map_or(Value::Null, Value::Number);
    json!({"value": number, "currency": "INR"})
}

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .or_else(|| Decimal::from_scientific(&n.to_string()).ok()),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    }
}

fn urn() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn entry(full_url: &str, resource: Value) -> Value {
    json!({"fullUrl": full_url, "resource": resource})
}

fn organization(full_url: &str, p: &Party, kind: &str) -> Value {
    entry(
        full_url,
        json!({
            "resourceType": "Organization",
            "id": full_url.trim_start_matches("urn:uuid:"),
            "identifier": [{"system": "https://hcx.sandbox/participant", "value": p.code}],
            "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": kind}]}],
            "name": p.name,
        }),
    )
}

fn patient(full_url: &str, name: &str) -> Value {
    entry(
        full_url,
        json!({
            "resourceType": "Patient",
            "id": full_url.trim_start_matches("urn:uuid:"),
            "identifier": [{"system": "https://hcx.sandbox/mrn", "value": "MRN-0001"}],
            "name": [{"text": name}],
            "gender": "female",
        }),
    )
}

fn bundle(entries: Vec<Value>) -> Value {
    json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "collection",
        "timestamp": now(),
        "entry": entries,
    })
}

fn resources(bundle: &Value) -> impl Iterator<Item = (Option<&str>, &Value)> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("resource").map(|r| (e.get("fullUrl").and_then(Value::as_str), r)))
}

/// Finds the focal resource of a request bundle (or a bare resource) and reads items and total.
pub fn summarize_request(payload: &Value) -> RequestSummary {
    let focal_types = ["Claim", "CoverageEligibilityRequest", "Task", "CommunicationRequest"];
    let (focal_url, focal) =
        if payload.get("resourceType").and_then(Value::as_str) == Some("Bundle") {
            resources(payload)
                .find(|(_, r)| {
                    r.get("resourceType")
                        .and_then(Value::as_str)
                        .is_some_and(|t| focal_types.contains(&t))
                })
                .map_or((None, &Value::Null), |(u, r)| (u.map(str::to_string), r))
        } else {
            (None, payload)
        };
    let focal_type =
        focal.get("resourceType").and_then(Value::as_str).unwrap_or("unknown").to_string();
    let mut items = Vec::new();
    for (i, item) in focal.get("item").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let seq = item
            .get("sequence")
            .and_then(Value::as_u64)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or_else(|| u32::try_from(i + 1).unwrap_or(u32::MAX));
        let pos = item.get("productOrService");
        let text = pos
            .and_then(|p| p.get("text"))
            .and_then(Value::as_str)
            .or_else(|| {
                pos.and_then(|p| p.get("coding"))
                    .and_then(Value::as_array)
                    .and_then(|c| c.first())
                    .and_then(|c| c.get("display"))
                    .and_then(Value::as_str)
            })
            .unwrap_or("item")
            .to_string();
        let net = item
            .get("net")
            .and_then(|n| n.get("value"))
            .and_then(decimal_of)
            .or_else(|| {
                let unit =
                    item.get("unitPrice").and_then(|u| u.get("value")).and_then(decimal_of)?;
                let qty = item
                    .get("quantity")
                    .and_then(|q| q.get("value"))
                    .and_then(decimal_of)
                    .unwrap_or(Decimal::ONE);
                Some(unit * qty)
            })
            .unwrap_or(Decimal::ZERO);
        items.push(ItemLine { sequence: seq, text, net });
    }
    let total = focal
        .get("total")
        .and_then(|t| t.get("value"))
        .and_then(decimal_of)
        .unwrap_or_else(|| items.iter().map(|i| i.net).sum());
    let patient_name = resources(payload)
        .find(|(_, r)| r.get("resourceType").and_then(Value::as_str) == Some("Patient"))
        .and_then(|(_, r)| r.pointer("/name/0/text").and_then(Value::as_str).map(str::to_string));
    RequestSummary {
        focal_type,
        focal_url,
        claim_use: focal.get("use").and_then(Value::as_str).map(str::to_string),
        items,
        total,
        patient_name,
    }
}

/// A claim-like request (preauth, predetermination, claim) from the demo provider.
pub fn claim_bundle(
    claim_use: ClaimUse,
    provider: &Party,
    payer: &Party,
    patient_name: &str,
    items: &[ItemLine],
) -> Value {
    let (claim_u, pat_u, prov_u, pay_u, cov_u) = (urn(), urn(), urn(), urn(), urn());
    let total: Decimal = items.iter().map(|i| i.net).sum();
    let claim = json!({
        "resourceType": "Claim",
        "id": claim_u.trim_start_matches("urn:uuid:"),
        "identifier": [{"system": "https://hcx.sandbox/claim-number", "value": format!("CLN-{}", &claim_u[9..17])}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "institutional", "display": "Institutional"}]},
        "use": claim_use.as_str(),
        "patient": {"reference": pat_u},
        "created": now(),
        "insurer": {"reference": pay_u},
        "provider": {"reference": prov_u},
        "priority": {"coding": [{"system": PROCESS_PRIORITY, "code": "normal", "display": "Normal"}]},
        "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": cov_u}}],
        "item": items.iter().map(|i| json!({
            "sequence": i.sequence,
            "productOrService": {"text": i.text},
            "unitPrice": money(i.net),
            "net": money(i.net),
        })).collect::<Vec<_>>(),
        "total": money(total),
    });
    let coverage = json!({
        "resourceType": "Coverage",
        "id": cov_u.trim_start_matches("urn:uuid:"),
        "identifier": [{"system": "https://hcx.sandbox/policy", "value": "POL-0001"}],
        "status": "active",
        "beneficiary": {"reference": pat_u},
        "payor": [{"reference": pay_u}],
    });
    bundle(vec![
        entry(&claim_u, claim),
        patient(&pat_u, patient_name),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
        entry(&cov_u, coverage),
    ])
}

/// An eligibility check from the demo provider.
pub fn eligibility_request_bundle(
    provider: &Party,
    payer: &Party,
    patient_name: &str,
    note: &str,
) -> Value {
    let (cer_u, pat_u, prov_u, pay_u, cov_u) = (urn(), urn(), urn(), urn(), urn());
    let cer = json!({
        "resourceType": "CoverageEligibilityRequest",
        "id": cer_u.trim_start_matches("urn:uuid:"),
        "identifier": [{"system": "https://hcx.sandbox/cer", "value": format!("CER-{}", &cer_u[9..17])}],
        "status": "active",
        "priority": {"coding": [{"system": PROCESS_PRIORITY, "code": "normal", "display": "Normal"}]},
        "purpose": ["benefits"],
        "patient": {"reference": pat_u},
        "created": now(),
        "provider": {"reference": prov_u},
        "insurer": {"reference": pay_u},
        "insurance": [{"focal": true, "coverage": {"reference": cov_u}}],
        "item": [{"productOrService": {"text": note}}],
    });
    let coverage = json!({
        "resourceType": "Coverage",
        "id": cov_u.trim_start_matches("urn:uuid:"),
        "status": "active",
        "beneficiary": {"reference": pat_u},
        "payor": [{"reference": pay_u}],
    });
    bundle(vec![
        entry(&cer_u, cer),
        patient(&pat_u, patient_name),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
        entry(&cov_u, coverage),
    ])
}

/// Item-level decision of the payer.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDecision {
    /// `itemSequence`.
    pub sequence: u32,
    /// Requested amount.
    pub submitted: Decimal,
    /// Approved amount.
    pub approved: Decimal,
    /// Why less than submitted, if so.
    pub reason: Option<String>,
}

/// The payer's decision on a claim-like request.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimDecision {
    /// `queued | complete | error | partial`.
    pub outcome: &'static str,
    /// Human text.
    pub disposition: String,
    /// Per item.
    pub items: Vec<ItemDecision>,
    /// Preauth reference (preauth approvals).
    pub pre_auth_ref: Option<String>,
    /// `ClaimResponse.error[].code` texts (rejections).
    pub errors: Vec<String>,
}

impl ClaimDecision {
    /// Sum of approved amounts.
    pub fn approved_total(&self) -> Decimal {
        self.items.iter().map(|i| i.approved).sum()
    }
}

/// ClaimResponse bundle answering `request`.
pub fn claim_response_bundle(
    req: &RequestSummary,
    d: &ClaimDecision,
    payer: &Party,
    provider: &Party,
) -> Value {
    let (cr_u, pat_u, prov_u, pay_u) = (urn(), urn(), urn(), urn());
    let category = |code: &str| json!({"coding": [{"system": ADJUDICATION, "code": code}]});
    let submitted: Decimal = d.items.iter().map(|i| i.submitted).sum();
    let mut cr = json!({
        "resourceType": "ClaimResponse",
        "id": cr_u.trim_start_matches("urn:uuid:"),
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "institutional", "display": "Institutional"}]},
        "use": req.claim_use.clone().unwrap_or_else(|| "claim".into()),
        "patient": {"reference": pat_u},
        "created": now(),
        "insurer": {"reference": pay_u},
        "requestor": {"reference": prov_u},
        "outcome": d.outcome,
        "disposition": d.disposition,
        "item": d.items.iter().map(|i| {
            let mut adj = vec![
                json!({"category": category("submitted"), "amount": money(i.submitted)}),
                json!({"category": category("benefit"), "amount": money(i.approved)}),
            ];
            if let (Some(reason), Some(last)) = (&i.reason, adj.last_mut()) {
                last["reason"] = json!({"text": reason});
            }
            json!({"itemSequence": i.sequence, "adjudication": adj})
        }).collect::<Vec<_>>(),
        "total": [
            {"category": category("submitted"), "amount": money(submitted)},
            {"category": category("benefit"), "amount": money(d.approved_total())},
        ],
        "processNote": [{"number": 1, "type": "display", "text": d.disposition}],
    });
    if let Some(r) = &req.focal_url {
        cr["request"] = json!({"reference": r});
    }
    if let Some(p) = &d.pre_auth_ref {
        cr["preAuthRef"] = json!(p);
    }
    // Only a claim settles money; a preauth or predetermination approves an amount, and its
    // money arrives later with the claim's payment notice. A `payment` here would read as "paid".
    let is_claim = req.claim_use.as_deref().unwrap_or("claim") == "claim";
    if is_claim && d.outcome == "complete" && !d.approved_total().is_zero() {
        cr["payment"] = json!({
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/ex-paymenttype", "code": "complete"}]},
            "amount": money(d.approved_total()),
        });
    }
    if !d.errors.is_empty() {
        cr["error"] =
            json!(d.errors.iter().map(|e| json!({"code": {"text": e}})).collect::<Vec<_>>());
    }
    bundle(vec![
        entry(&cr_u, cr),
        patient(&pat_u, req.patient_name.as_deref().unwrap_or("Patient")),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
    ])
}

/// CoverageEligibilityResponse bundle.
pub fn eligibility_response_bundle(
    req: &RequestSummary,
    inforce: bool,
    disposition: &str,
    payer: &Party,
    provider: &Party,
) -> Value {
    let (r_u, pat_u, prov_u, pay_u) = (urn(), urn(), urn(), urn());
    let mut r = json!({
        "resourceType": "CoverageEligibilityResponse",
        "id": r_u.trim_start_matches("urn:uuid:"),
        "status": "active",
        "purpose": ["benefits"],
        "patient": {"reference": pat_u},
        "created": now(),
        "requestor": {"reference": prov_u},
        "outcome": "complete",
        "disposition": disposition,
        "insurer": {"reference": pay_u},
        "insurance": [{
            "coverage": {"display": "POL-0001"},
            "inforce": inforce,
            "item": [{
                "productOrService": {"text": "Inpatient hospitalisation"},
                "benefit": [{
                    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/benefit-type", "code": "benefit"}]},
                    "allowedMoney": money(if inforce { Decimal::new(500_000, 0) } else { Decimal::ZERO }),
                }],
            }],
        }],
    });
    if let Some(u) = &req.focal_url {
        r["request"] = json!({"reference": u});
    }
    bundle(vec![
        entry(&r_u, r),
        patient(&pat_u, req.patient_name.as_deref().unwrap_or("Patient")),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
    ])
}

/// The payer asks the provider for documents (communication/request).
pub fn communication_request_bundle(question: &str, payer: &Party, provider: &Party) -> Value {
    let (task_u, cr_u, prov_u, pay_u) = (urn(), urn(), urn(), urn());
    let task = json!({
        "resourceType": "Task",
        "id": task_u.trim_start_matches("urn:uuid:"),
        "status": "requested",
        "intent": "order",
        "description": question,
        "authoredOn": now(),
        "requester": {"reference": pay_u},
        "owner": {"reference": prov_u},
        "input": [{"type": {"text": "CommunicationRequest"}, "valueReference": {"reference": cr_u}}],
    });
    let cr = json!({
        "resourceType": "CommunicationRequest",
        "id": cr_u.trim_start_matches("urn:uuid:"),
        "status": "active",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/communication-category", "code": "alert"}]}],
        "priority": "routine",
        "payload": [{"contentString": question}],
        "authoredOn": now(),
        "requester": {"reference": pay_u},
        "sender": {"reference": pay_u},
        "recipient": [{"reference": prov_u}],
    });
    bundle(vec![
        entry(&task_u, task),
        entry(&cr_u, cr),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
    ])
}

/// The provider's answer with a document (communication/on_request).
pub fn communication_response_bundle(
    title: &str,
    document: &[u8],
    provider: &Party,
    payer: &Party,
) -> Value {
    use base64::Engine as _;
    let (task_u, c_u, prov_u, pay_u) = (urn(), urn(), urn(), urn());
    let task = json!({
        "resourceType": "Task",
        "id": task_u.trim_start_matches("urn:uuid:"),
        "status": "completed",
        "intent": "order",
        "requester": {"reference": prov_u},
        "owner": {"reference": pay_u},
        "output": [{"type": {"text": "Communication"}, "valueReference": {"reference": c_u}}],
    });
    let c = json!({
        "resourceType": "Communication",
        "id": c_u.trim_start_matches("urn:uuid:"),
        "status": "completed",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/communication-category", "code": "notification"}]}],
        "priority": "routine",
        "sent": now(),
        "sender": {"reference": prov_u},
        "recipient": [{"reference": pay_u}],
        "payload": [{"contentAttachment": {
            "contentType": "application/pdf",
            "language": "en-IN",
            "title": title,
            "data": base64::engine::general_purpose::STANDARD.encode(document),
        }}],
    });
    bundle(vec![
        entry(&task_u, task),
        entry(&c_u, c),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
    ])
}

/// True when a communication/on_request bundle carries at least one payload (an answer).
pub fn has_communication_payload(payload: &Value) -> bool {
    resources(payload).any(|(_, r)| {
        r.get("resourceType").and_then(Value::as_str) == Some("Communication")
            && r.get("payload").and_then(Value::as_array).is_some_and(|p| !p.is_empty())
    })
}

/// The payer's payment notice after an approved claim.
pub fn payment_notice_bundle(
    amount: Decimal,
    claim_ref: &str,
    payer: &Party,
    provider: &Party,
) -> Value {
    let (task_u, pn_u, prov_u, pay_u) = (urn(), urn(), urn(), urn());
    let task = json!({
        "resourceType": "Task",
        "id": task_u.trim_start_matches("urn:uuid:"),
        "status": "requested",
        "intent": "order",
        "authoredOn": now(),
        "requester": {"reference": pay_u},
        "owner": {"reference": prov_u},
        "input": [{"type": {"text": "PaymentNotice"}, "valueReference": {"reference": pn_u}}],
    });
    let pn = json!({
        "resourceType": "PaymentNotice",
        "id": pn_u.trim_start_matches("urn:uuid:"),
        "identifier": [{"system": "https://hcx.sandbox/claim-number", "value": claim_ref}],
        "status": "active",
        "created": now(),
        "payment": {"display": format!("UTR-{}", &pn_u[9..21])},
        "paymentDate": chrono::Utc::now().date_naive().to_string(),
        "recipient": {"reference": prov_u},
        "amount": money(amount),
        "paymentStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/paymentstatus", "code": "paid"}]},
    });
    bundle(vec![
        entry(&task_u, task),
        entry(&pn_u, pn),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
    ])
}

/// The provider's acknowledgement of a payment notice.
pub fn payment_ack_bundle(provider: &Party, payer: &Party) -> Value {
    let (task_u, prov_u, pay_u) = (urn(), urn(), urn());
    let task = json!({
        "resourceType": "Task",
        "id": task_u.trim_start_matches("urn:uuid:"),
        "status": "completed",
        "intent": "order",
        "requester": {"reference": prov_u},
        "owner": {"reference": pay_u},
        "output": [{"type": {"text": "status"}, "valueString": "paymentack"}],
    });
    bundle(vec![
        entry(&task_u, task),
        organization(&prov_u, provider, "prov"),
        organization(&pay_u, payer, "pay"),
    ])
}

/// The amount of a PaymentNotice in a bundle.
pub fn payment_amount(payload: &Value) -> Option<Decimal> {
    resources(payload)
        .find(|(_, r)| r.get("resourceType").and_then(Value::as_str) == Some("PaymentNotice"))
        .and_then(|(_, r)| r.pointer("/amount/value").and_then(decimal_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(code: &str) -> Party {
        Party { code: code.into(), name: code.into() }
    }

    #[test]
    fn a_claim_bundle_summarises_back_to_its_items() {
        let items = vec![
            ItemLine { sequence: 1, text: "Room [partial]".into(), net: Decimal::new(150_050, 2) },
            ItemLine { sequence: 2, text: "Surgery".into(), net: Decimal::new(20_000, 0) },
        ];
        let b =
            claim_bundle(ClaimUse::Preauthorization, &party("prov"), &party("pay"), "Asha", &items);
        let s = summarize_request(&b);
        assert_eq!(s.focal_type, "Claim", "the Claim entry is the focal resource");
        assert_eq!(s.items, items, "items and exact amounts survive the JSON round trip");
        assert_eq!(s.total, Decimal::new(2_150_050, 2), "total = sum of item nets");
        assert_eq!(s.claim_use.as_deref(), Some("preauthorization"), "use is read back");
        assert_eq!(s.patient_name.as_deref(), Some("Asha"), "patient name is read back");
    }

    #[test]
    fn every_reference_resolves_inside_the_bundle() {
        let b = claim_bundle(ClaimUse::Claim, &party("a"), &party("b"), "P", &[]);
        let urls: Vec<String> = resources(&b).filter_map(|(u, _)| u.map(str::to_string)).collect();
        let text = b.to_string();
        for r in text.split("\"reference\":\"").skip(1) {
            let target = r.split('"').next().unwrap_or_default();
            assert!(
                urls.iter().any(|u| u == target),
                "reference {target} must be an entry fullUrl"
            );
        }
    }

    #[test]
    fn money_is_inr_and_exact() {
        assert_eq!(
            money(Decimal::new(150_050, 2)),
            json!({"value": 1500.5, "currency": "INR"}),
            "paise kept"
        );
        assert_eq!(
            money(Decimal::new(20_000, 0)),
            json!({"value": 20000, "currency": "INR"}),
            "whole rupees"
        );
    }
}
