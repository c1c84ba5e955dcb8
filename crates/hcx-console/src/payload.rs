//! What the console reads out of a decrypted FHIR payload: amounts, patient, decision. All of it
//! comes from hcx-fhir's [`summarize`]; this module only picks the numbers the threads need.

use hcx_fhir::{Summary, summarize};
use hcx_protocol::{Action, Status};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::thread_state::AnswerKind;

/// The summary of a payload (never fails: unknown shapes give an empty summary).
pub(crate) fn summary_of(payload: &Value) -> Summary {
    summarize(payload)
}

/// Amount asked for: the bundle's requested total, else the sum of its item nets (`None`
/// when there are none, or when their sum is out of range: a sender controls these numbers).
pub(crate) fn requested(s: &Summary) -> Option<Decimal> {
    s.amounts.requested.as_ref().map(|a| a.value).or_else(|| {
        let mut nets = s.items.iter().filter_map(|i| i.net.as_ref().map(|n| n.value)).peekable();
        nets.peek()?;
        nets.try_fold(Decimal::ZERO, Decimal::checked_add)
    })
}

/// Amount the payer approved.
pub(crate) fn approved(s: &Summary) -> Option<Decimal> {
    s.amounts.approved.as_ref().map(|a| a.value)
}

/// Amount paid by a payment notice.
pub(crate) fn paid(s: &Summary) -> Option<Decimal> {
    s.amounts.paid.as_ref().map(|a| a.value).or_else(|| {
        s.payment
            .as_ref()
            .and_then(|p| p.parts.iter().find_map(|part| part.amount.as_ref().map(|a| a.value)))
    })
}

/// What a payment notice says it pays for: the identifiers and references of its
/// PaymentNotice and PaymentReconciliation (`identifier`, `request`, `detail[].request`), with a
/// `Claim/` prefix dropped. The summary does not carry these, so they are read from the bundle.
pub(crate) fn notice_references(payload: &Value) -> Vec<String> {
    let resources: Vec<&Value> = match payload.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => payload
            .get("entry")
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(|e| e.get("resource")).collect())
            .unwrap_or_default(),
        _ => vec![payload],
    };
    let mut out = Vec::new();
    let mut push = |v: Option<&str>| {
        if let Some(v) = v.map(|v| v.trim_start_matches("Claim/")).filter(|v| !v.is_empty())
            && !out.iter().any(|o| o == v)
        {
            out.push(v.to_owned());
        }
    };
    let reference = |r: &Value, push: &mut dyn FnMut(Option<&str>)| {
        push(r.pointer("/identifier/value").and_then(Value::as_str));
        push(r.get("reference").and_then(Value::as_str));
    };
    for r in resources {
        let kind = r.get("resourceType").and_then(Value::as_str);
        if !matches!(kind, Some("PaymentNotice" | "PaymentReconciliation")) {
            continue;
        }
        for id in r.get("identifier").and_then(Value::as_array).into_iter().flatten() {
            push(id.get("value").and_then(Value::as_str));
        }
        if let Some(req) = r.get("request") {
            reference(req, &mut push);
        }
        for detail in r.get("detail").and_then(Value::as_array).into_iter().flatten() {
            if let Some(req) = detail.get("request") {
                reference(req, &mut push);
            }
        }
    }
    out
}

/// The patient's name, for the work queue.
pub(crate) fn patient(s: &Summary) -> Option<String> {
    s.patient.as_ref().and_then(|p| p.name.clone())
}

/// The payer's decision in words ("approved", "partially approved", "rejected", …).
pub(crate) fn decision(s: &Summary) -> Option<&str> {
    s.decision.as_ref().map(|d| d.status.as_str())
}

/// How an answer moves its cycle: by `x-hcx-status`, and for a final answer by the decision
/// (a complete answer refusing everything is a rejection).
pub(crate) fn answer_kind(status: Option<Status>, s: Option<&Summary>) -> AnswerKind {
    match status {
        Some(Status::ResponsePartial) => AnswerKind::Partial,
        Some(Status::ResponseError) => AnswerKind::Error,
        Some(Status::ResponseRedirect) => AnswerKind::Redirect,
        _ => match s.and_then(decision) {
            Some("rejected") => AnswerKind::Rejected,
            Some("error") => AnswerKind::Error,
            _ => AnswerKind::Complete,
        },
    }
}

/// Whether `payload` is the kind of FHIR content `action` carries: a Bundle holding the focal
/// resource the use case needs (a Claim for claims and preauths, a CoverageEligibilityRequest
/// for a check, …). `None` when any JSON object is acceptable.
pub(crate) fn fits_action(action: Action, payload: &Value) -> bool {
    let wanted: &[&str] = match action {
        Action::CoverageEligibilityCheck => &["CoverageEligibilityRequest"],
        Action::PreauthSubmit | Action::ClaimSubmit | Action::PredeterminationSubmit => &["Claim"],
        Action::CommunicationRequest => &["CommunicationRequest"],
        Action::PaymentNoticeRequest => &["PaymentNotice", "PaymentReconciliation"],
        _ => return payload.is_object(),
    };
    let own = payload.get("resourceType").and_then(Value::as_str);
    if own.is_some_and(|t| wanted.contains(&t)) {
        return true;
    }
    own == Some("Bundle")
        && payload.get("entry").and_then(Value::as_array).is_some_and(|entries| {
            entries.iter().any(|e| {
                e.pointer("/resource/resourceType")
                    .and_then(Value::as_str)
                    .is_some_and(|t| wanted.contains(&t))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn domain_check_wants_the_focal_resource() {
        let claim =
            json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Claim"}}]});
        assert!(fits_action(Action::PreauthSubmit, &claim), "a preauth carries a Claim");
        assert!(
            !fits_action(Action::CoverageEligibilityCheck, &claim),
            "an eligibility check must carry a CoverageEligibilityRequest, not a Claim"
        );
        assert!(
            !fits_action(Action::ClaimSubmit, &json!({"resourceType": "Patient"})),
            "a bare Patient is the wrong domain payload for a claim"
        );
    }

    #[test]
    fn requested_sums_item_nets_without_overflowing() {
        let item = |v: &str| hcx_fhir::summary::ItemSummary {
            net: Some(hcx_fhir::summary::Amount {
                value: v.parse().unwrap(),
                currency: "INR".into(),
                currency_assumed: false,
            }),
            ..Default::default()
        };
        let max = "79228162514264337593543950335";
        let s = Summary { items: vec![item(max), item(max)], ..Default::default() };
        assert_eq!(requested(&s), None, "two maximal nets overflow: no amount, and no panic");
        let s = Summary { items: vec![item("10.50"), item("2")], ..Default::default() };
        assert_eq!(requested(&s), Some("12.50".parse().unwrap()), "nets add up exactly");
    }

    #[test]
    fn notice_references_name_the_claim() {
        let bundle = json!({"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "Task", "identifier": [{"value": "not-this"}]}},
            {"resource": {"resourceType": "PaymentNotice",
                "identifier": [{"value": "corr-1"}],
                "request": {"identifier": {"value": "CLM-9"}, "reference": "Claim/corr-1"}}}
        ]});
        assert_eq!(
            notice_references(&bundle),
            vec!["corr-1".to_owned(), "CLM-9".to_owned()],
            "the notice's own identifiers and its request, deduplicated, never other resources"
        );
    }

    #[test]
    fn answer_kind_follows_status_then_decision() {
        assert_eq!(
            answer_kind(Some(Status::ResponsePartial), None),
            AnswerKind::Partial,
            "response.partial is an interim answer"
        );
        assert_eq!(
            answer_kind(Some(Status::ResponseError), None),
            AnswerKind::Error,
            "response.error is an error whatever the payload"
        );
        assert_eq!(
            answer_kind(Some(Status::ResponseComplete), None),
            AnswerKind::Complete,
            "a final answer without a readable decision closes the cycle"
        );
    }
}
