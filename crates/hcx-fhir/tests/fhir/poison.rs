//! Poison payloads (issue 12 §3): amounts whose arithmetic overflows, negative and absurd amounts,
//! nesting 100,000 deep, wrong JSON types. None may panic the summariser, the checker, the
//! builders or the CLI; `summarize_checked` names each problem with a path a clerk can follow.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hcx_fhir::build::{BuildContext, claim_bundle, claim_response_bundle};
use hcx_fhir::check::rules;
use hcx_fhir::cli::{check_file, summary_file};
use hcx_fhir::{Error, Summary, Unreadable, check, summarize, summarize_checked};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{now, preauth, preauth_approved};

/// `Decimal::MAX`, the reviewer's number: two of them overflow an addition.
const MAX: &str = "79228162514264337593543950335";

fn num(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

fn inr(value: Value) -> Value {
    json!({"value": value, "currency": "INR"})
}

/// A claim bundle with these items (and no total unless given).
fn claim(items: Vec<Value>, total: Option<Value>) -> Value {
    let mut c = json!({
        "resourceType": "Claim", "id": "c1", "use": "preauthorization", "status": "active",
        "item": items,
    });
    if let Some(t) = total {
        c["total"] = t;
    }
    json!({
        "resourceType": "Bundle", "id": "b1", "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:c1", "resource": c}],
    })
}

fn item(seq: u64, fields: Value) -> Value {
    let mut it = json!({"sequence": seq, "productOrService": {"text": "Room"}});
    if let (Some(o), Value::Object(f)) = (it.as_object_mut(), fields) {
        o.extend(f);
    }
    it
}

/// A claim response whose item adjudications carry these benefit amounts (no totals, so the
/// summary adds them up).
fn response(benefits: &[&str]) -> Value {
    let items: Vec<Value> = benefits
        .iter()
        .enumerate()
        .map(|(i, b)| {
            json!({"itemSequence": i + 1, "adjudication": [{
                "category": {"coding": [{"code": "benefit"}]}, "amount": inr(num(b)),
            }]})
        })
        .collect();
    json!({
        "resourceType": "Bundle", "id": "b2", "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:r1", "resource": {
            "resourceType": "ClaimResponse", "id": "r1", "use": "claim", "outcome": "complete",
            "item": items,
        }}],
    })
}

/// A claim bundle with arrays nested `depth` deep under `Claim.item[0].extension`, built without
/// recursion (`json!` would serialise an interpolated value recursively).
fn nested(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    let mut bundle = claim(vec![item(1, json!({"net": inr(json!(5))}))], None);
    let it = bundle
        .pointer_mut("/entry/0/resource/item/0")
        .and_then(Value::as_object_mut)
        .expect("the claim has an item");
    it.insert("extension".into(), v);
    bundle
}

/// Drops a value without recursion: serde_json's `Drop` recurses, and 100,000 levels would
/// overflow the test thread's stack.
fn dismantle(v: Value) {
    let mut stack = vec![v];
    while let Some(mut v) = stack.pop() {
        match &mut v {
            Value::Array(a) => stack.append(a),
            Value::Object(o) => {
                let keys: Vec<String> = o.keys().cloned().collect();
                stack.extend(keys.iter().filter_map(|k| o.remove(k)));
            }
            _ => {}
        }
    }
}

fn path(p: &str) -> String {
    p.to_owned()
}

type Outcome = (Result<Summary, Unreadable>, Summary, Vec<String>);

/// Runs summarise (both) and check; a panic is an `Err` naming the row.
fn try_run(name: &str, v: &Value) -> Result<Outcome, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let checked = summarize_checked(v);
        let shown = summarize(v);
        let rules: Vec<String> = check(v).into_iter().map(|f| f.rule).collect();
        (checked, shown, rules)
    }))
    .map_err(|_| format!("{name}: summarising or checking panicked"))
}

fn run(name: &str, v: &Value) -> Outcome {
    try_run(name, v).unwrap_or_else(|e| panic!("{e}"))
}

/// Collects every failing row of a table, so one run names all of them.
fn report(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} row(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn poison_payloads_are_unreadable_with_a_path_and_never_panic() {
    struct Row {
        name: &'static str,
        input: Value,
        /// What `summarize_checked` refuses it for (the first problem met).
        refused: Unreadable,
        /// A further problem `summarize` must show as a remark (an overflow behind an absurd
        /// amount: the arithmetic still runs on what is shown, so it must be checked).
        also: Option<Unreadable>,
        /// A rule the checker must report.
        rule: &'static str,
    }
    let absurd = |p: &str, v: &str| Unreadable::AbsurdAmount { path: path(p), value: v.into() };
    let rows = vec![
        Row {
            name: "reviewer: two items at Decimal::MAX (addition overflows)",
            input: claim(
                vec![
                    item(1, json!({"net": inr(num(MAX))})),
                    item(2, json!({"net": inr(num(MAX))})),
                ],
                None,
            ),
            refused: absurd("Claim.item[0].net.value", MAX),
            also: Some(Unreadable::Overflow { path: path("Claim.item[1].net.value") }),
            rule: rules::AMOUNT_OVERFLOW,
        },
        Row {
            name: "reviewer: huge quantity times huge price (multiplication overflows)",
            input: claim(
                vec![item(1, json!({"quantity": {"value": num(MAX)}, "unitPrice": inr(num(MAX))}))],
                None,
            ),
            refused: absurd("Claim.item[0].unitPrice.value", MAX),
            also: Some(Unreadable::Overflow { path: path("Claim.item[0].quantity.value") }),
            rule: rules::AMOUNT_OVERFLOW,
        },
        Row {
            name: "huge quantity times a real price (multiplication overflows)",
            input: claim(
                vec![item(
                    1,
                    json!({"quantity": {"value": num(MAX)}, "unitPrice": inr(json!(100))}),
                )],
                None,
            ),
            refused: Unreadable::Overflow { path: path("Claim.item[0].quantity.value") },
            also: None,
            rule: rules::AMOUNT_OVERFLOW,
        },
        Row {
            name: "claim response: item benefits that overflow when added",
            input: response(&[MAX, MAX]),
            refused: absurd("ClaimResponse.item[0].adjudication[0].amount.value", MAX),
            also: Some(Unreadable::Overflow {
                path: path("ClaimResponse.item[1].adjudication[0].amount.value"),
            }),
            rule: rules::MONEY_ABSURD,
        },
        Row {
            name: "claim response: benefit plus copay overflows (is it approved in full?)",
            input: json!({
                "resourceType": "ClaimResponse", "outcome": "complete",
                "total": [
                    {"category": {"coding": [{"code": "submitted"}]}, "amount": inr(json!(10))},
                    {"category": {"coding": [{"code": "benefit"}]}, "amount": inr(num(MAX))},
                    {"category": {"coding": [{"code": "copay"}]}, "amount": inr(num(MAX))},
                ],
            }),
            refused: absurd("ClaimResponse.total[2].amount.value", MAX),
            also: Some(Unreadable::Overflow { path: path("ClaimResponse.total") }),
            rule: rules::BUNDLE_NOT_A_BUNDLE,
        },
        Row {
            name: "payment parts that overflow when added",
            input: json!({
                "resourceType": "PaymentReconciliation", "paymentAmount": inr(json!(1)),
                "detail": [{"amount": inr(num(MAX))}, {"amount": inr(num(MAX))}],
            }),
            refused: absurd("PaymentReconciliation.detail[0].amount.value", MAX),
            also: Some(Unreadable::Overflow {
                path: path("PaymentReconciliation.detail[1].amount.value"),
            }),
            rule: rules::MONEY_ABSURD,
        },
        Row {
            name: "claim total minus the items' sum overflows (-MAX against MAX)",
            input: claim(
                vec![item(1, json!({"net": inr(num(MAX))}))],
                Some(inr(num(&format!("-{MAX}")))),
            ),
            refused: absurd("Claim.item[0].net.value", MAX),
            also: Some(Unreadable::NegativeAmount {
                path: path("Claim.total.value"),
                value: format!("-{MAX}"),
            }),
            rule: rules::CLAIM_TOTAL_MISMATCH,
        },
        Row {
            name: "negative net amount",
            input: claim(vec![item(1, json!({"net": inr(json!(-500))}))], None),
            refused: Unreadable::NegativeAmount {
                path: path("Claim.item[0].net.value"),
                value: "-500".into(),
            },
            also: None,
            rule: rules::MONEY_NEGATIVE,
        },
        Row {
            name: "negative payment amount",
            input: json!({"resourceType": "PaymentNotice", "amount": inr(json!(-1))}),
            refused: Unreadable::NegativeAmount {
                path: path("PaymentNotice.amount.value"),
                value: "-1".into(),
            },
            also: None,
            rule: rules::BUNDLE_NOT_A_BUNDLE,
        },
        Row {
            name: "absurd amount just over 10^13",
            input: claim(vec![item(1, json!({"net": inr(num("10000000000000.01"))}))], None),
            refused: absurd("Claim.item[0].net.value", "10000000000000.01"),
            also: None,
            rule: rules::MONEY_ABSURD,
        },
        Row {
            name: "a number no decimal holds",
            input: claim(vec![item(1, json!({"net": inr(num("1e40"))}))], None),
            refused: absurd("Claim.item[0].net.value", "1e+40"),
            also: None,
            rule: rules::MONEY_ABSURD,
        },
        Row {
            name: "amount value of the wrong type",
            input: claim(vec![item(1, json!({"net": inr(json!("five hundred"))}))], None),
            refused: Unreadable::WrongType {
                path: path("Claim.item[0].net.value"),
                expected: "a number".into(),
            },
            also: None,
            rule: rules::MONEY_VALUE_NOT_NUMBER,
        },
        Row {
            name: "Money written as a bare number",
            input: claim(vec![item(1, json!({"net": 500}))], Some(json!(500))),
            refused: Unreadable::WrongType {
                path: path("Claim.item[0].net"),
                expected: "a Money object ({\"value\", \"currency\"})".into(),
            },
            also: None,
            rule: rules::MONEY_NOT_OBJECT,
        },
        Row {
            name: "quantity written as a bare number",
            input: claim(vec![item(1, json!({"quantity": 2, "unitPrice": inr(json!(10))}))], None),
            refused: Unreadable::WrongType {
                path: path("Claim.item[0].quantity"),
                expected: "a Quantity object ({\"value\"})".into(),
            },
            also: None,
            rule: rules::ITEM_QUANTITY_NOT_NUMBER,
        },
        Row {
            name: "quantity value of the wrong type",
            input: claim(
                vec![item(1, json!({"quantity": {"value": [2]}, "unitPrice": inr(json!(10))}))],
                None,
            ),
            refused: Unreadable::WrongType {
                path: path("Claim.item[0].quantity.value"),
                expected: "a number".into(),
            },
            also: None,
            rule: rules::ITEM_QUANTITY_NOT_NUMBER,
        },
        Row {
            name: "nesting 120 deep (parsed: under serde_json's limit of 128, over ours)",
            input: {
                let text = format!("{}1{}", "[".repeat(120), "]".repeat(120));
                let deep: Value = serde_json::from_str(&text).expect("120 levels parse");
                let mut it = item(1, json!({}));
                it["extension"] = deep;
                claim(vec![it], None)
            },
            refused: Unreadable::TooDeep { limit: 64 },
            also: None,
            rule: rules::JSON_TOO_DEEP,
        },
    ];
    let mut failures = Vec::new();
    for row in rows {
        let (checked, shown, found) = match try_run(row.name, &row.input) {
            Ok(o) => o,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if checked != Err(row.refused.clone()) {
            failures.push(format!("{}: refused for {:?}, got {checked:?}", row.name, row.refused));
        }
        let remark = format!("Could not read this payload: {}.", row.refused);
        if !shown.remarks.contains(&remark) {
            failures.push(format!("{}: summarize lacks the remark {remark:?}", row.name));
        }
        if let Some(also) = row.also {
            // The problem behind the first one (an overflow) is caught and shown too.
            let remark = format!("Could not read this payload: {also}.");
            if !shown.remarks.contains(&remark) {
                failures.push(format!("{}: summarize lacks the remark {remark:?}", row.name));
            }
        }
        if !found.iter().any(|r| r == row.rule) {
            failures.push(format!("{}: check does not report {}: {found:?}", row.name, row.rule));
        }
    }
    report(failures);
}

#[test]
fn nesting_100_000_deep_is_refused_without_recursing() {
    // Built in a loop: serde_json's parser stops at 128 levels, but a Value can be built deeper
    // by code (or a parser with `unbounded_depth`), and every recursive pass would overflow.
    let v = nested(100_000);
    let (checked, shown, found) = run("100,000 deep", &v);
    assert_eq!(checked, Err(Unreadable::TooDeep { limit: 64 }), "refused before any recursion");
    assert_eq!(shown.kind, "Unreadable content", "summarize shows nothing it could misread");
    assert_eq!(found, vec![rules::JSON_TOO_DEEP.to_owned()], "check stops at the depth finding");
    dismantle(v);

    let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "serde_json refuses 100,000 levels of text itself (recursion limit 128)"
    );

    let ok = nested(50);
    assert!(
        summarize_checked(&ok).is_ok(),
        "50 nested arrays (56 levels in all) are under the limit: {:?}",
        summarize_checked(&ok)
    );
}

#[test]
fn readable_edge_cases_stay_readable() {
    // TDS is a negative adjustment line of a payment; it is not a negative amount to refuse.
    let recon = json!({
        "resourceType": "PaymentReconciliation", "paymentAmount": inr(json!(900)),
        "detail": [
            {"type": {"text": "payment"}, "amount": inr(json!(1000))},
            {"type": {"text": "TDS"}, "amount": inr(json!(-100))},
        ],
    });
    let s = summarize_checked(&recon).expect("a payment with TDS is readable");
    assert!(s.remarks.is_empty(), "its parts add up to the amount paid: {:?}", s.remarks);

    let at_bound = claim(
        vec![item(1, json!({"net": inr(num("10000000000000"))}))],
        Some(inr(num("10000000000000"))),
    );
    let s = summarize_checked(&at_bound).expect("exactly 10^13 is still an amount");
    assert_eq!(
        s.amounts.requested.map(|a| a.value),
        Some(Decimal::from(10_000_000_000_000_i64)),
        "and it is shown as requested"
    );

    for name in ["claims", "claimresponse", "paymentreconciliation", "coverageeligibilityresponse"]
    {
        let (_, v) = crate::support::fixtures().into_iter().find(|(n, _)| n == name).unwrap();
        assert_eq!(
            summarize_checked(&v).as_ref().ok(),
            Some(&summarize(&v)),
            "{name}: a real bundle is readable, and the checked summary is the displayed one"
        );
    }
}

#[test]
fn checker_arithmetic_is_checked() {
    let rows: Vec<(&str, Value, &str)> = vec![
        (
            "quantity × unit price × factor overflows",
            claim(
                vec![item(
                    1,
                    json!({"quantity": {"value": num(MAX)}, "unitPrice": inr(json!(2)),
                           "net": inr(json!(1))}),
                )],
                Some(inr(json!(1))),
            ),
            rules::AMOUNT_OVERFLOW,
        ),
        (
            "total minus items overflows (a total of -MAX against items of MAX)",
            claim(vec![item(1, json!({"net": inr(num(MAX))}))], Some(inr(num(&format!("-{MAX}"))))),
            rules::CLAIM_TOTAL_MISMATCH,
        ),
        (
            "response totals per category overflow",
            response(&[MAX, MAX, MAX]),
            rules::AMOUNT_OVERFLOW,
        ),
    ];
    let mut failures = Vec::new();
    for (name, v, rule) in rows {
        match try_run(name, &v) {
            Ok((_, _, found)) if found.iter().any(|r| r == rule) => {}
            Ok((_, _, found)) => {
                failures.push(format!("{name}: check does not report {rule}: {found:?}"))
            }
            Err(e) => failures.push(e),
        }
    }
    report(failures);
}

#[test]
fn builders_refuse_amounts_that_overflow_or_are_absurd() {
    let mut huge = preauth();
    huge.items[0].quantity = Decimal::MAX;
    huge.items[0].unit_price = Decimal::from(2);
    let mut ctx = BuildContext::deterministic(12, now());
    let err = catch_unwind(AssertUnwindSafe(|| claim_bundle(&huge, &mut ctx)))
        .expect("building a claim with a huge quantity does not panic");
    assert!(
        matches!(&err, Err(Error::InvalidInput { field, .. }) if field == "items[0].quantity"),
        "the huge quantity is named: {err:?}"
    );

    let mut absurd = preauth();
    absurd.items[0].unit_price = Decimal::from(10_000_000_000_001_i64);
    let err = claim_bundle(&absurd, &mut ctx);
    assert!(
        matches!(&err, Err(Error::InvalidInput { field, .. }) if field == "items[0].unitPrice"),
        "an absurd price is refused before it is written: {err:?}"
    );

    let mut many = preauth_approved();
    let first = many.items[0].clone();
    many.items = (1..=3)
        .map(|n| {
            let mut it = first.clone();
            it.item_sequence = n;
            it.submitted = Decimal::from(9_000_000_000_000_i64);
            it.eligible = it.submitted;
            it.benefit = it.submitted;
            it.copay = None;
            it
        })
        .collect();
    let err = catch_unwind(AssertUnwindSafe(|| claim_response_bundle(&many, &mut ctx)))
        .expect("adding up large adjudications does not panic");
    assert!(
        matches!(&err, Err(Error::InvalidInput { field, .. }) if field == "submitted"),
        "totals past 10^13 are refused: {err:?}"
    );
}

#[test]
fn cli_reports_poison_as_an_error_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("poison.json");
    let poison = claim(
        vec![item(1, json!({"net": inr(num(MAX))})), item(2, json!({"net": inr(num(MAX))}))],
        Some(inr(json!(1))),
    );
    std::fs::write(&file, serde_json::to_vec(&poison).unwrap()).unwrap();

    let got = catch_unwind(|| summary_file(&file)).expect("hcx fhir summary does not panic");
    match got {
        Err(Error::Unreadable(Unreadable::AbsurdAmount { path, .. })) => {
            assert_eq!(path, "Claim.item[0].net.value", "the error names the element")
        }
        other => panic!("hcx fhir summary refuses the payload with Unreadable: {other:?}"),
    }

    let (report, code) = catch_unwind(|| check_file(&file)).expect("hcx fhir check does not panic");
    assert_eq!(code, 1, "hcx fhir check exits 1: {report}");
    let rules_found: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(
        rules_found.contains(&rules::AMOUNT_OVERFLOW) && rules_found.contains(&rules::MONEY_ABSURD),
        "the overflow and the absurd amount are findings: {rules_found:?}"
    );

    // Negative adjudication amounts: no checker rule covers them, the unreadable finding does.
    let negative = response(&["-5"]);
    std::fs::write(&file, serde_json::to_vec(&negative).unwrap()).unwrap();
    let (report, code) = check_file(&file);
    let unreadable = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rules::CONTENT_UNREADABLE)
        .cloned();
    assert_eq!(code, 1, "content the console would not read fails the check: {report}");
    assert_eq!(
        unreadable.map(|f| f["path"].clone()),
        Some(json!("ClaimResponse.item[0].adjudication[0].amount.value")),
        "the finding points at the negative amount: {report}"
    );
}
