//! `summarize` and `summarize_checked`: read any JSON into a [`Summary`].
//!
//! One reading serves both: every amount and quantity is read through [`Reader::money`] and
//! [`Reader::decimal`], which note what cannot be read ([`Unreadable`]), and every sum and product
//! is checked. `summarize_checked` refuses a payload with any such note; `summarize` shows what it
//! could read and turns each note into a remark.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde_json::Value;

use super::parties::{self, Found, follow};
use super::unreadable::{Sign, Unreadable, amount_problem, read_decimal};
use super::{
    AdjudicationSummary, Amount, Amounts, AttachmentSummary, BenefitSummary, ClaimInfo,
    CodeSummary, Decision, EligibilitySummary, FocalRef, Format, ItemSummary, OrgSummary,
    PaymentPart, PaymentSummary, PersonSummary, PolicySummary, Summary,
};
use crate::attachment::measure_base64;
use crate::json::{
    Index, arr, codings, concept_text, deeper_than, first_code, has_code, many, obj, str_of,
};
use crate::profiles::{BundleProfile, INR, MAX_DEPTH};

/// Summarises any bundle or resource, for display. Never panics; unknown shapes give a sparse
/// summary with remarks.
///
/// Content [`summarize_checked`] refuses is shown as far as it can be read, each problem as a
/// remark ("Could not read …"): a negative or absurd amount is shown as written, an amount of the
/// wrong type is left out, a total whose arithmetic overflows is left out, and content nested
/// deeper than [`MAX_DEPTH`] gives an empty summary of kind "Unreadable content".
pub fn summarize(root: &Value) -> Summary {
    let (mut s, problems) = read(root);
    s.remarks.extend(problems.iter().map(|p| format!("Could not read this payload: {p}.")));
    s
}

/// Summarises a bundle or resource that must be read exactly (the console's ingest): `Err` with
/// the first problem met when an amount is negative, beyond [`crate::profiles::MAX_AMOUNT`], of
/// the wrong JSON type, when arithmetic on the amounts overflows, or when the content nests
/// deeper than [`MAX_DEPTH`]. JSON that is not FHIR at all is `Ok` with kind "Not a FHIR
/// resource": it carries no amount that could be misread. When `Ok`, the summary is exactly what
/// [`summarize`] gives.
pub fn summarize_checked(root: &Value) -> Result<Summary, Unreadable> {
    let (s, problems) = read(root);
    match problems.into_iter().next() {
        Some(p) => Err(p),
        None => Ok(s),
    }
}

fn read(root: &Value) -> (Summary, Vec<Unreadable>) {
    let mut s = Summary { format: format(root), ..Default::default() };
    // Before anything recursive (the attachment search) walks it.
    if deeper_than(root, MAX_DEPTH) {
        s.kind = "Unreadable content".into();
        return (s, vec![Unreadable::too_deep()]);
    }
    let index = Index::new(root);
    let mut r =
        Reader { index, remarks: Vec::new(), assumed_currency: false, problems: Vec::new() };
    if !root.is_object() || str_of(root, "resourceType").is_none() {
        s.kind = "Not a FHIR resource".into();
        s.remarks.push("This JSON has no resourceType, so it could not be read as FHIR.".into());
        return (s, Vec::new());
    }

    let declared = root.get("meta").and_then(|m| {
        let profiles: Vec<&str> = arr(m, "profile").iter().filter_map(Value::as_str).collect();
        BundleProfile::ALL.into_iter().find(|p| profiles.contains(&p.url().as_str()))
    });
    let focal = r.index.focal(declared);
    s.focal = focal.map(|f| FocalRef {
        resource_type: f.resource_type.to_owned(),
        id: f.id.map(str::to_owned),
    });
    let focal_type = focal.map(|f| f.resource_type).unwrap_or("");

    let first = |t: &str| r.index.of_type(t).next().map(|e| e.resource);
    let res = Resources {
        claim: first("Claim"),
        response: first("ClaimResponse"),
        cer: first("CoverageEligibilityRequest"),
        cersp: first("CoverageEligibilityResponse"),
        notice: first("PaymentNotice"),
        recon: first("PaymentReconciliation"),
        comm: first("Communication"),
        commreq: first("CommunicationRequest"),
        coverage: first("Coverage"),
        composition: first("Composition"),
    };

    s.kind = kind(focal_type, &res, str_of(root, "resourceType").unwrap_or(""));
    s.patient = r.patient(&res);
    s.policy = r.policy(&res);
    let payer = r.payer(&res);
    s.provider = r.provider(&res, payer.as_ref().and_then(|p| p.1));
    s.payer = payer.map(|p| p.0);
    s.claim = r.claim_info(&res);
    s.diagnoses = r.diagnoses(&res);
    s.items = r.items(&res);
    s.amounts = r.amounts(&res, focal_type);
    r.check_amounts(&s.amounts);
    s.decision = r.decision(&res, &s.amounts);
    s.eligibility = r.eligibility(&res);
    s.payment = r.payment(&res);
    s.documents_requested = r.documents_requested(&res);
    s.messages = res
        .comm
        .map(|c| {
            arr(c, "payload")
                .iter()
                .filter_map(|p| str_of(p, "contentString"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    s.attachments = r.attachments();
    if r.assumed_currency {
        r.remarks.push("Some amounts carry no currency; INR was assumed.".into());
    }
    s.remarks = r.remarks;
    (s, r.problems)
}

fn format(root: &Value) -> Format {
    match str_of(root, "resourceType") {
        Some("Bundle") => {
            let has_composition = arr(root, "entry").iter().any(|e| {
                e.get("resource").and_then(|r| str_of(r, "resourceType")) == Some("Composition")
            });
            match str_of(root, "type") {
                Some("collection") => Format::NhcxCollection,
                Some("document") if has_composition => Format::HcxDocument,
                _ => Format::OtherBundle,
            }
        }
        Some(_) => Format::Resource,
        None => Format::Unknown,
    }
}

/// The first resource of each type the summary reads.
struct Resources<'a> {
    claim: Option<&'a Value>,
    response: Option<&'a Value>,
    cer: Option<&'a Value>,
    cersp: Option<&'a Value>,
    notice: Option<&'a Value>,
    recon: Option<&'a Value>,
    comm: Option<&'a Value>,
    commreq: Option<&'a Value>,
    coverage: Option<&'a Value>,
    composition: Option<&'a Value>,
}

fn use_word(u: Option<&str>) -> &'static str {
    match u {
        Some("preauthorization") => "Preauthorisation",
        Some("predetermination") => "Predetermination",
        _ => "Claim",
    }
}

fn kind(focal_type: &str, res: &Resources<'_>, root_type: &str) -> String {
    match focal_type {
        "Claim" => {
            let c = res.claim;
            let u = c.and_then(|c| str_of(c, "use"));
            let related: Vec<&Value> =
                c.map(|c| arr(c, "related").iter().collect()).unwrap_or_default();
            let rel = |code: &str| {
                related.iter().any(|r| r.get("relationship").is_some_and(|x| has_code(x, code)))
            };
            let base = match u {
                Some("preauthorization") => "Preauthorisation request",
                Some("predetermination") => "Predetermination request",
                _ => "Claim",
            };
            if rel("enhancement") {
                format!("{base} (enhancement)")
            } else if rel("prior") {
                format!("{base} (resubmission)")
            } else {
                base.to_owned()
            }
        }
        "ClaimResponse" => {
            format!("{} response", use_word(res.response.and_then(|r| str_of(r, "use"))))
        }
        "CoverageEligibilityRequest" => "Eligibility request".into(),
        "CoverageEligibilityResponse" => "Eligibility response".into(),
        "Task"
        | "CommunicationRequest"
        | "Communication"
        | "PaymentNotice"
        | "PaymentReconciliation" => {
            if res.commreq.is_some() {
                "Request for information".into()
            } else if let Some(comm) = res.comm {
                if comm.get("basedOn").is_some() || comm.get("inResponseTo").is_some() {
                    "Reply to a request for information".into()
                } else {
                    "Communication".into()
                }
            } else if res.notice.is_some() {
                "Payment notice".into()
            } else if res.recon.is_some() {
                "Payment reconciliation".into()
            } else {
                "Task".into()
            }
        }
        "InsurancePlan" => "Insurance plan".into(),
        _ if root_type == "Bundle" => "Bundle".into(),
        _ => root_type.to_owned(),
    }
}

struct Reader<'a> {
    index: Index<'a>,
    remarks: Vec<String>,
    assumed_currency: bool,
    /// What could not be read, in reading order, each once (an item's net is read twice).
    problems: Vec<Unreadable>,
}

/// A reference to try: the resource holding it (for `#contained` references), the Reference, and
/// what it is in words, for remarks.
#[derive(Clone, Copy)]
struct Candidate<'a> {
    holder: &'a Value,
    reference: Option<&'a Value>,
    label: &'static str,
}

fn refs<'a>(holder: Option<&'a Value>, key: &str, label: &'static str) -> Vec<Candidate<'a>> {
    let Some(h) = holder else { return Vec::new() };
    many(h, key).into_iter().map(|r| Candidate { holder: h, reference: Some(r), label }).collect()
}

/// What a reference that resolves to nothing in the bundle said about itself.
#[derive(Clone, Copy)]
struct Outside<'a> {
    reference: Option<&'a str>,
    display: Option<&'a str>,
    identifier: Option<&'a Value>,
}

/// The outcome of trying candidates in order.
struct Picked<'a> {
    /// The resolved resource and the candidate that led to it.
    found: Option<(&'a Value, &'static str)>,
    /// What the first unresolved candidate said.
    outside: Option<Outside<'a>>,
}

impl<'a> Reader<'a> {
    fn pick(&self, candidates: &[Candidate<'a>], want: &str) -> Picked<'a> {
        let mut outside = None;
        for c in candidates {
            match follow(&self.index, c.holder, c.reference) {
                Some(Found::Resource(r)) if str_of(r, "resourceType") == Some(want) => {
                    return Picked { found: Some((r, c.label)), outside };
                }
                Some(Found::Outside { reference, display, identifier }) => {
                    outside.get_or_insert(Outside { reference, display, identifier });
                }
                _ => {}
            }
        }
        Picked { found: None, outside }
    }

    /// Says how an unresolved reference was worked around: `source` names where the party was
    /// taken from instead.
    fn explain(&mut self, what: &str, outside: Option<Outside<'a>>, source: &str) {
        let said = match outside {
            Some(Outside { reference: Some(r), .. }) => {
                format!("The {what} reference {r} points outside the bundle")
            }
            Some(Outside { display: Some(d), .. }) => {
                format!("The {what} is named only as \"{d}\"")
            }
            Some(Outside { identifier: Some(i), .. }) => format!(
                "The {what} is identified only by {}",
                str_of(i, "value").unwrap_or("an identifier")
            ),
            _ => format!("The {what} is not named"),
        };
        self.remarks.push(format!("{said}; the {what} shown is {source}."));
    }

    /// When nothing resolved: what the reference itself says, and a remark if it led nowhere.
    fn outside_only<T>(
        &mut self,
        what: &str,
        outside: Option<Outside<'a>>,
        make: impl Fn(Option<&'a str>, Option<&'a Value>) -> Option<T>,
    ) -> Option<T> {
        let o = outside?;
        if let Some(r) = o.reference {
            self.remarks.push(format!(
                "The {what} reference {r} points outside the bundle and is not included."
            ));
        }
        make(o.display, o.identifier)
    }

    /// A logical reference (identifier only) is a legitimate answer; heuristics must not
    /// override it.
    fn is_logical(outside: &Option<Outside<'a>>) -> bool {
        matches!(outside, Some(Outside { reference: None, display: None, identifier: Some(_) }))
    }

    fn patient(&mut self, res: &Resources<'a>) -> Option<PersonSummary> {
        let mut c = Vec::new();
        c.extend(refs(res.claim, "patient", "the claim's patient"));
        c.extend(refs(res.response, "patient", "the claim response's patient"));
        c.extend(refs(res.cer, "patient", "the eligibility request's patient"));
        c.extend(refs(res.cersp, "patient", "the eligibility response's patient"));
        c.extend(refs(res.commreq, "subject", "the request's patient"));
        c.extend(refs(res.comm, "subject", "the communication's patient"));
        c.extend(refs(res.coverage, "beneficiary", "the policy's beneficiary"));
        c.extend(refs(res.composition, "subject", "the document's subject"));
        let first_label = c.first().map(|x| x.label);
        let picked = self.pick(&c, "Patient");
        if let Some((p, label)) = picked.found {
            if picked.outside.is_some() && Some(label) != first_label {
                self.explain("patient", picked.outside, &label.replace("the ", "taken from the "));
            }
            return Some(parties::person(p));
        }
        if !Self::is_logical(&picked.outside)
            && let Some(only) = self.index.only("Patient").map(|e| e.resource)
        {
            self.explain("patient", picked.outside, "the bundle's only patient");
            return Some(parties::person(only));
        }
        self.outside_only("patient", picked.outside, parties::person_outside)
    }

    fn coverage_refs(res: &Resources<'a>) -> Vec<Candidate<'a>> {
        let mut c = Vec::new();
        for holder in [res.claim, res.response, res.cer, res.cersp].into_iter().flatten() {
            // The focal insurance first.
            let mut ins: Vec<&Value> = arr(holder, "insurance").iter().collect();
            ins.sort_by_key(|i| i.get("focal").and_then(Value::as_bool) != Some(true));
            c.extend(ins.into_iter().map(|i| Candidate {
                holder,
                reference: i.get("coverage"),
                label: "the policy",
            }));
        }
        c
    }

    fn policy(&mut self, res: &Resources<'a>) -> Option<PolicySummary> {
        let picked = self.pick(&Self::coverage_refs(res), "Coverage");
        if let Some((cov, _)) = picked.found {
            return Some(parties::policy(cov));
        }
        if !Self::is_logical(&picked.outside)
            && let Some(only) = self.index.only("Coverage").map(|e| e.resource)
        {
            if picked.outside.is_some() {
                self.explain("policy", picked.outside, "the bundle's only policy");
            }
            return Some(parties::policy(only));
        }
        self.outside_only("policy", picked.outside, |_, identifier| {
            identifier
                .and_then(|i| str_of(i, "value"))
                .map(|n| PolicySummary { number: Some(n.to_owned()), ..Default::default() })
        })
    }

    /// The payer, and the resource it was read from (to keep the provider different).
    fn payer(&mut self, res: &Resources<'a>) -> Option<(OrgSummary, Option<&'a Value>)> {
        let mut c = Vec::new();
        c.extend(refs(res.response, "insurer", "the claim response's insurer"));
        c.extend(refs(res.cersp, "insurer", "the eligibility response's insurer"));
        c.extend(refs(res.claim, "insurer", "the claim's insurer"));
        c.extend(refs(res.cer, "insurer", "the eligibility request's insurer"));
        c.extend(refs(res.recon, "paymentIssuer", "the payment's issuer"));
        c.extend(refs(res.commreq, "sender", "the request's sender"));
        c.extend(refs(res.comm, "recipient", "the communication's recipient"));
        // The policy's payor, wherever the policy is.
        let coverage =
            self.pick(&Self::coverage_refs(res), "Coverage").found.map(|f| f.0).or(res.coverage);
        c.extend(refs(coverage, "payor", "the policy's payor"));
        let first_label = c.first().map(|x| x.label);
        let picked = self.pick(&c, "Organization");
        if let Some((o, label)) = picked.found {
            // Taking the payor of the policy when the claim names no insurer is normal, not a
            // guess worth a remark; only an unresolved earlier reference is.
            if picked.outside.is_some() && Some(label) != first_label {
                self.explain("insurer", picked.outside, &label.replace("the ", "taken from the "));
            }
            return Some((parties::org(o), Some(o)));
        }
        if Self::is_logical(&picked.outside) {
            return self
                .outside_only("insurer", picked.outside, parties::org_outside)
                .map(|o| (o, None));
        }
        if let Some(o) = self.org_with_role("payer") {
            self.explain("insurer", picked.outside, "the organisation marked as payer");
            return Some((parties::org(o), Some(o)));
        }
        // Older HCX document bundles: the payer attests its response.
        if let Some(comp) = res.composition {
            let attesters: Vec<Candidate<'a>> = arr(comp, "attester")
                .iter()
                .map(|a| Candidate { holder: comp, reference: a.get("party"), label: "attester" })
                .collect();
            if let Some((o, _)) = self.pick(&attesters, "Organization").found {
                self.explain(
                    "insurer",
                    picked.outside,
                    "the organisation that attests the document",
                );
                return Some((parties::org(o), Some(o)));
            }
        }
        self.outside_only("insurer", picked.outside, parties::org_outside).map(|o| (o, None))
    }

    fn org_with_role(&self, role: &str) -> Option<&'a Value> {
        self.index
            .of_type("Organization")
            .find(|e| parties::org_role(e.resource) == Some(role))
            .map(|e| e.resource)
    }

    fn provider(&mut self, res: &Resources<'a>, payer: Option<&'a Value>) -> Option<OrgSummary> {
        let mut c = Vec::new();
        c.extend(refs(res.claim, "provider", "the claim's provider"));
        c.extend(refs(res.response, "requestor", "the claim response's requestor"));
        c.extend(refs(res.cer, "provider", "the eligibility request's provider"));
        c.extend(refs(res.cersp, "requestor", "the eligibility response's requestor"));
        c.extend(refs(res.notice, "recipient", "the payment notice's recipient"));
        c.extend(refs(res.notice, "payee", "the payment notice's payee"));
        c.extend(refs(res.recon, "requestor", "the payment's requestor"));
        c.extend(refs(res.comm, "sender", "the communication's sender"));
        c.extend(refs(res.commreq, "recipient", "the request's recipient"));
        let first_label = c.first().map(|x| x.label);
        let picked = self.pick(&c, "Organization");
        if let Some((o, label)) = picked.found {
            if picked.outside.is_some() && Some(label) != first_label {
                self.explain("hospital", picked.outside, &label.replace("the ", "taken from the "));
            }
            return Some(parties::org(o));
        }
        if Self::is_logical(&picked.outside) {
            return self.outside_only("hospital", picked.outside, parties::org_outside);
        }
        if let Some(o) = self.org_with_role("provider") {
            self.explain("hospital", picked.outside, "the organisation marked as provider");
            return Some(parties::org(o));
        }
        // Older HCX document bundles: the hospital authors its request.
        if let Some(comp) = res.composition {
            let authors: Vec<Candidate<'a>> = arr(comp, "author")
                .iter()
                .map(|a| Candidate { holder: comp, reference: Some(a), label: "author" })
                .collect();
            if let Some((o, _)) = self.pick(&authors, "Organization").found {
                self.explain(
                    "hospital",
                    picked.outside,
                    "the organisation that wrote the document",
                );
                return Some(parties::org(o));
            }
        }
        // The one organisation that is not the payer.
        let others: Vec<&'a Value> = self
            .index
            .of_type("Organization")
            .map(|e| e.resource)
            .filter(|o| payer.is_none_or(|p| !std::ptr::eq(*o, p)))
            .collect();
        if let [only] = others.as_slice() {
            self.explain(
                "hospital",
                picked.outside,
                "the only organisation in the bundle besides the payer",
            );
            return Some(parties::org(only));
        }
        self.outside_only("hospital", picked.outside, parties::org_outside)
    }

    fn claim_info(&mut self, res: &Resources<'a>) -> Option<ClaimInfo> {
        if let Some(c) = res.claim {
            let period = c.get("billablePeriod");
            return Some(ClaimInfo {
                number: claim_number(c),
                use_: str_of(c, "use").map(str::to_owned),
                type_: c.get("type").and_then(concept_text),
                status: str_of(c, "status").map(str::to_owned),
                created: str_of(c, "created").map(str::to_owned),
                admitted: period.and_then(|p| str_of(p, "start")).map(str::to_owned),
                discharged: period.and_then(|p| str_of(p, "end")).map(str::to_owned),
                related: arr(c, "related")
                    .iter()
                    .map(|rel| {
                        let how = rel
                            .get("relationship")
                            .map(|r| match first_code(r) {
                                Some("enhancement") => "Enhancement".to_owned(),
                                Some("settlement") => "Settlement".to_owned(),
                                // HL7 `prior`: the same claim sent again.
                                Some("prior") => "Resubmission".to_owned(),
                                Some("associated") => "Associated with".to_owned(),
                                _ => concept_text(r).unwrap_or_else(|| "Related to".into()),
                            })
                            .unwrap_or_else(|| "Related to".into());
                        let which = rel
                            .get("claim")
                            .and_then(|cl| {
                                obj(cl, "identifier")
                                    .and_then(|i| str_of(i, "value"))
                                    .or_else(|| str_of(cl, "reference"))
                            })
                            .unwrap_or("an earlier claim");
                        format!("{how} of {which}")
                    })
                    .collect(),
                pre_auth_refs: arr(c, "insurance")
                    .iter()
                    .flat_map(|i| arr(i, "preAuthRef"))
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            });
        }
        let holder = res.response.or(res.notice).or(res.commreq).or(res.comm)?;
        // Only a claim number typed CLN, or a link that says it points at a Claim: the holder's
        // own identifier is its own reference number, not the claim's.
        let number = cln_number(holder).or_else(|| {
            ["request", "basedOn", "about", "focus"]
                .iter()
                .flat_map(|k| many(holder, k))
                .filter(|r| {
                    str_of(r, "type") == Some("Claim")
                        || obj(r, "identifier")
                            .is_some_and(|i| i.get("type").is_some_and(|t| has_code(t, "CLN")))
                })
                .find_map(|r| {
                    obj(r, "identifier").and_then(|i| str_of(i, "value")).map(str::to_owned)
                })
        });
        let info = ClaimInfo {
            number,
            use_: res.response.and_then(|r| str_of(r, "use")).map(str::to_owned),
            type_: res.response.and_then(|r| r.get("type")).and_then(concept_text),
            ..Default::default()
        };
        (info.number.is_some() || info.use_.is_some()).then_some(info)
    }

    fn note(&mut self, problem: Unreadable) {
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    /// A decimal element at `path`; `None` (and a note) when it is not a number.
    fn decimal(&mut self, v: Option<&Value>, path: &str) -> Option<Decimal> {
        match v? {
            Value::Null => None,
            v => read_decimal(v, path).map_err(|p| self.note(p)).ok(),
        }
    }

    /// A quantity at `path`: a decimal that is not negative (kept for display when it is).
    fn quantity(&mut self, v: Option<&Value>, path: &str) -> Option<Decimal> {
        let q = self.decimal(v, path)?;
        if q.is_sign_negative() && !q.is_zero() {
            self.note(Unreadable::NegativeAmount { path: path.to_owned(), value: q.to_string() });
        }
        Some(q)
    }

    /// A Money element at `path` (`Claim.item[0].net`). A negative (unless `sign` allows it) or
    /// absurd value is noted and kept, so the display shows what the sender wrote; a value of
    /// the wrong type is noted and left out.
    fn money(&mut self, m: Option<&Value>, path: &str, sign: Sign) -> Option<Amount> {
        let m = m.filter(|m| !m.is_null())?;
        if !m.is_object() {
            self.note(Unreadable::WrongType {
                path: path.to_owned(),
                expected: "a Money object ({\"value\", \"currency\"})".into(),
            });
            return None;
        }
        let value_path = format!("{path}.value");
        let value = self.decimal(m.get("value"), &value_path)?;
        if let Some(p) = amount_problem(value, &value_path, sign) {
            self.note(p);
        }
        let currency = str_of(m, "currency");
        if currency.is_none() {
            self.assumed_currency = true;
        }
        Some(Amount {
            value,
            currency: currency.unwrap_or(INR).to_owned(),
            currency_assumed: currency.is_none(),
        })
    }

    fn diagnoses(&mut self, res: &Resources<'a>) -> Vec<CodeSummary> {
        let mut out = Vec::new();
        if let Some(c) = res.claim {
            for d in arr(c, "diagnosis") {
                if let Some(cc) = d.get("diagnosisCodeableConcept") {
                    out.extend(code_summary(cc));
                } else if let Some(Found::Resource(cond)) =
                    follow(&self.index, c, d.get("diagnosisReference"))
                {
                    out.extend(cond.get("code").and_then(code_summary));
                }
            }
        }
        if let Some(cer) = res.cer {
            for item in arr(cer, "item") {
                for d in arr(item, "diagnosis") {
                    out.extend(d.get("diagnosisCodeableConcept").and_then(code_summary));
                }
            }
        }
        out
    }

    fn items(&mut self, res: &Resources<'a>) -> Vec<ItemSummary> {
        let mut items: Vec<ItemSummary> = Vec::new();
        if let Some(c) = res.claim {
            for (i, it) in arr(c, "item").iter().enumerate() {
                let at = format!("Claim.item[{i}]");
                let product = it.get("productOrService");
                let quantity = self.item_quantity(it, &at);
                items.push(ItemSummary {
                    sequence: it.get("sequence").and_then(Value::as_u64),
                    code: product.and_then(first_code).map(str::to_owned),
                    description: product.and_then(display_text),
                    quantity,
                    unit_price: self.money(
                        it.get("unitPrice"),
                        &format!("{at}.unitPrice"),
                        Sign::NotNegative,
                    ),
                    net: self.money(it.get("net"), &format!("{at}.net"), Sign::NotNegative),
                    adjudication: Vec::new(),
                });
            }
        }
        if let Some(cr) = res.response {
            for (i, it) in arr(cr, "item").iter().enumerate() {
                let seq = it.get("itemSequence").and_then(Value::as_u64);
                let adjudication = self
                    .adjudications(arr(it, "adjudication"), &format!("ClaimResponse.item[{i}]"));
                match items.iter_mut().find(|i| i.sequence.is_some() && i.sequence == seq) {
                    Some(existing) => existing.adjudication.extend(adjudication),
                    None => items.push(ItemSummary {
                        sequence: seq,
                        adjudication,
                        ..Default::default()
                    }),
                }
            }
        }
        items
    }

    /// An item's quantity (`Claim.item[i].quantity.value`).
    fn item_quantity(&mut self, it: &Value, at: &str) -> Option<Decimal> {
        let q = it.get("quantity").filter(|q| !q.is_null())?;
        if !q.is_object() {
            self.note(Unreadable::WrongType {
                path: format!("{at}.quantity"),
                expected: "a Quantity object ({\"value\"})".into(),
            });
            return None;
        }
        self.quantity(q.get("value"), &format!("{at}.quantity.value"))
    }

    fn adjudications(&mut self, list: &'a [Value], item: &str) -> Vec<AdjudicationSummary> {
        list.iter()
            .enumerate()
            .map(|(j, a)| {
                let at = format!("{item}.adjudication[{j}]");
                AdjudicationSummary {
                    category: a
                        .get("category")
                        .and_then(|c| first_code(c).map(str::to_owned).or_else(|| concept_text(c)))
                        .unwrap_or_else(|| "unspecified".into()),
                    amount: self.money(a.get("amount"), &format!("{at}.amount"), Sign::NotNegative),
                    value: self.decimal(a.get("value"), &format!("{at}.value")),
                    reason: a.get("reason").and_then(concept_text),
                }
            })
            .collect()
    }

    /// Adds `a` to a running sum of one currency; `Err` when the currencies differ (no sum), and
    /// `Ok(false)` with a note when the addition overflows.
    fn add_to(&mut self, sum: &mut Option<Amount>, a: Amount, path: &str) -> Result<bool, ()> {
        match sum {
            None => {
                *sum = Some(a);
                Ok(true)
            }
            Some(s) if s.currency == a.currency => match s.value.checked_add(a.value) {
                Some(v) => {
                    s.value = v;
                    Ok(true)
                }
                None => {
                    self.note(Unreadable::overflow(path));
                    Ok(false)
                }
            },
            Some(_) => Err(()),
        }
    }

    fn response_total(&mut self, cr: &'a Value, category: &str) -> Option<Amount> {
        let total = arr(cr, "total")
            .iter()
            .enumerate()
            .find(|(_, t)| t.get("category").is_some_and(|c| has_code(c, category)));
        if let Some((k, t)) = total
            && t.get("amount").is_some()
        {
            let path = format!("ClaimResponse.total[{k}].amount");
            return self.money(t.get("amount"), &path, Sign::NotNegative);
        }
        // No total of that category: add up the items' adjudications, if any carry it.
        let mut sum: Option<Amount> = None;
        for (i, it) in arr(cr, "item").iter().enumerate() {
            for (j, adj) in arr(it, "adjudication").iter().enumerate() {
                if !adj.get("category").is_some_and(|c| has_code(c, category)) {
                    continue;
                }
                let path = format!("ClaimResponse.item[{i}].adjudication[{j}].amount");
                let Some(a) = self.money(adj.get("amount"), &path, Sign::NotNegative) else {
                    continue;
                };
                match self.add_to(&mut sum, a, &format!("{path}.value")) {
                    Ok(true) => {}
                    // An overflowing sum is no sum; mixed currencies neither.
                    Ok(false) | Err(()) => return None,
                }
            }
        }
        sum
    }

    fn amounts(&mut self, res: &Resources<'a>, focal_type: &str) -> Amounts {
        let mut a = Amounts::default();
        let claim_requested = res.claim.and_then(|c| {
            let items_sum = self.claim_items_sum(c);
            match self.money(c.get("total"), "Claim.total", Sign::NotNegative) {
                Some(t) => {
                    if let Some(sum) = items_sum.as_ref().filter(|s| s.currency == t.currency)
                        && sum
                            .value
                            .checked_sub(t.value)
                            .is_none_or(|d| d.abs() >= Decimal::new(5, 3))
                    {
                        self.remarks.push(format!(
                            "The claim total ({} {}) does not equal the sum of its items ({} {}).",
                            t.value, t.currency, sum.value, sum.currency
                        ));
                    }
                    Some(t)
                }
                None => {
                    if items_sum.is_some() {
                        self.remarks.push(
                            "The claim has no total; the sum of its items is shown as requested."
                                .into(),
                        );
                    }
                    items_sum
                }
            }
        });
        if let Some(cr) = res.response {
            let submitted = self.response_total(cr, "submitted");
            a.requested = if focal_type == "Claim" {
                claim_requested.or(submitted)
            } else {
                submitted.or(claim_requested)
            };
            a.eligible = self.response_total(cr, "eligible");
            a.copay = self.response_total(cr, "copay");
            a.approved = self.response_total(cr, "benefit");
            a.paid = self.money(
                cr.get("payment").and_then(|p| p.get("amount")),
                "ClaimResponse.payment.amount",
                Sign::NotNegative,
            );
        } else {
            a.requested = claim_requested;
        }
        if let Some(n) = res.notice {
            a.paid =
                self.money(n.get("amount"), "PaymentNotice.amount", Sign::NotNegative).or(a.paid);
        } else if let Some(r) = res.recon {
            a.paid = self
                .money(
                    r.get("paymentAmount"),
                    "PaymentReconciliation.paymentAmount",
                    Sign::NotNegative,
                )
                .or(a.paid);
        }
        a
    }

    /// The sum of the items' net amounts (or quantity × unit price), skipping items that carry
    /// no amount; `None` when no item has one or currencies differ.
    fn claim_items_sum(&mut self, c: &'a Value) -> Option<Amount> {
        let mut sum: Option<Amount> = None;
        for (i, it) in arr(c, "item").iter().enumerate() {
            let at = format!("Claim.item[{i}]");
            let net_path = format!("{at}.net");
            let net = match self.money(it.get("net"), &net_path, Sign::NotNegative) {
                Some(net) => Some(net),
                None => {
                    let price = self.money(
                        it.get("unitPrice"),
                        &format!("{at}.unitPrice"),
                        Sign::NotNegative,
                    );
                    let q = match it.get("quantity") {
                        Some(_) => self.item_quantity(it, &at),
                        None => Some(Decimal::ONE),
                    };
                    match (price, q) {
                        (Some(price), Some(q)) => match q.checked_mul(price.value) {
                            Some(v) => {
                                let net = Amount { value: v.round_dp(2), ..price };
                                // The product of two readable numbers can itself be absurd.
                                if let Some(p) = amount_problem(net.value, &net_path, Sign::Any) {
                                    self.note(p);
                                }
                                Some(net)
                            }
                            None => {
                                self.note(Unreadable::overflow(format!("{at}.quantity.value")));
                                return None;
                            }
                        },
                        _ => None,
                    }
                }
            };
            let Some(net) = net else { continue };
            match self.add_to(&mut sum, net, &format!("{net_path}.value")) {
                Ok(true) => {}
                Ok(false) | Err(()) => return None,
            }
        }
        sum
    }

    /// Remarks a person would make on reading the amounts.
    fn check_amounts(&mut self, a: &Amounts) {
        let all = [&a.requested, &a.eligible, &a.copay, &a.approved, &a.paid];
        let foreign: BTreeSet<&str> = all
            .iter()
            .filter_map(|x| x.as_ref())
            .filter(|x| x.currency != INR)
            .map(|x| x.currency.as_str())
            .collect();
        if !foreign.is_empty() {
            let list: Vec<&str> = foreign.into_iter().collect();
            self.remarks.push(format!("Amounts are in {}, not INR.", list.join(", ")));
        }
        if let (Some(paid), Some(approved)) = (&a.paid, &a.approved)
            && paid.currency == approved.currency
            && paid.value > approved.value
        {
            self.remarks.push(format!(
                "The payment ({} {}) is more than the approved amount ({} {}).",
                paid.value, paid.currency, approved.value, approved.currency
            ));
        }
    }

    fn decision(&mut self, res: &Resources<'a>, amounts: &Amounts) -> Option<Decision> {
        if let Some(cr) = res.response {
            let outcome = str_of(cr, "outcome").map(str::to_owned);
            let errors: Vec<String> = arr(cr, "error")
                .iter()
                .filter_map(|e| e.get("code").and_then(concept_text))
                .map(|e| format!("Error: {e}"))
                .collect();
            let header: Vec<String> = arr(cr, "adjudication")
                .iter()
                .filter_map(|a| {
                    a.get("reason")
                        .and_then(|r| first_code(r).map(str::to_owned).or_else(|| concept_text(r)))
                })
                .map(|r| r.to_ascii_lowercase())
                .collect();
            let benefit = self.response_total(cr, "benefit").map(|a| a.value);
            let header_has = |w: &str| header.iter().any(|h| h.contains(w));
            let status = if !errors.is_empty() || outcome.as_deref() == Some("error") {
                "error"
            } else if outcome.as_deref() == Some("queued") {
                "pending"
            } else if header_has("quer") {
                "queried"
            } else if header_has("cancel") || header_has("reject") || header_has("denied") {
                "rejected"
            } else {
                // Approved in full when the payer's benefit plus the patient's copay covers what
                // was asked; "complete" only means the payer finished processing.
                let covered = match (benefit, &amounts.requested) {
                    (Some(b), Some(req)) => {
                        let copay = amounts.copay.as_ref().map(|c| c.value).unwrap_or_default();
                        match b.checked_add(copay) {
                            Some(covered) => Some(covered >= req.value),
                            None => {
                                self.note(Unreadable::overflow("ClaimResponse.total"));
                                None
                            }
                        }
                    }
                    _ => None,
                };
                match (benefit, outcome.as_deref(), covered) {
                    (Some(b), Some("partial"), _) if b.is_zero() => "queried",
                    (Some(b), _, _) if b.is_zero() => "rejected",
                    (Some(_), Some("partial"), _) | (Some(_), _, Some(false)) => {
                        "partially approved"
                    }
                    (Some(_), _, _) => "approved",
                    (None, Some("partial"), _) => "partially decided",
                    (None, _, _) => "decided",
                }
            };
            let mut reasons = Vec::new();
            let mut seen = BTreeSet::new();
            for a in arr(cr, "adjudication") {
                if let Some(t) = a.get("reason").and_then(concept_text)
                    && seen.insert(t.clone())
                {
                    reasons.push(t);
                }
            }
            for it in arr(cr, "item") {
                let seq = it.get("itemSequence").and_then(Value::as_u64);
                for a in arr(it, "adjudication") {
                    if let Some(t) = a.get("reason").and_then(concept_text) {
                        let line = match seq {
                            Some(n) => format!("Item {n}: {t}"),
                            None => t,
                        };
                        if seen.insert(line.clone()) {
                            reasons.push(line);
                        }
                    }
                }
            }
            reasons.extend(errors);
            let period = cr.get("preAuthPeriod");
            return Some(Decision {
                status: status.into(),
                outcome,
                disposition: str_of(cr, "disposition").map(str::to_owned),
                pre_auth_ref: str_of(cr, "preAuthRef").map(str::to_owned),
                pre_auth_period: period.and_then(|p| {
                    let (s, e) = (str_of(p, "start"), str_of(p, "end"));
                    (s.is_some() || e.is_some())
                        .then(|| format!("{} to {}", s.unwrap_or("?"), e.unwrap_or("?")))
                }),
                reasons,
                notes: arr(cr, "processNote")
                    .iter()
                    .filter_map(|n| str_of(n, "text"))
                    .map(str::to_owned)
                    .collect(),
            });
        }
        if let Some(rsp) = res.cersp {
            let inforce = arr(rsp, "insurance")
                .iter()
                .find_map(|i| i.get("inforce").and_then(Value::as_bool));
            let errors: Vec<String> = arr(rsp, "error")
                .iter()
                .filter_map(|e| e.get("code").and_then(concept_text))
                .map(|e| format!("Error: {e}"))
                .collect();
            let status = match (errors.is_empty(), inforce) {
                (false, _) => "error",
                (true, Some(true)) => "in force",
                (true, Some(false)) => "not in force",
                (true, None) => "not stated",
            };
            return Some(Decision {
                status: status.into(),
                outcome: str_of(rsp, "outcome").map(str::to_owned),
                disposition: str_of(rsp, "disposition").map(str::to_owned),
                pre_auth_ref: str_of(rsp, "preAuthRef").map(str::to_owned),
                reasons: errors,
                ..Default::default()
            });
        }
        None
    }

    fn eligibility(&mut self, res: &Resources<'a>) -> Option<EligibilitySummary> {
        if let Some(rsp) = res.cersp {
            let mut benefits = Vec::new();
            for (i, ins) in arr(rsp, "insurance").iter().enumerate() {
                for (j, item) in arr(ins, "item").iter().enumerate() {
                    let base = BenefitSummary {
                        category: item.get("category").and_then(concept_text),
                        service: item.get("productOrService").and_then(concept_text),
                        term: item.get("term").and_then(concept_text),
                        excluded: item.get("excluded").and_then(Value::as_bool),
                        authorization_required: item
                            .get("authorizationRequired")
                            .and_then(Value::as_bool),
                        ..Default::default()
                    };
                    let list = arr(item, "benefit");
                    if list.is_empty() {
                        benefits.push(base);
                        continue;
                    }
                    for (k, b) in list.iter().enumerate() {
                        let at = format!(
                            "CoverageEligibilityResponse.insurance[{i}].item[{j}].benefit[{k}]"
                        );
                        let allowed_text =
                            str_of(b, "allowedString").map(str::to_owned).or_else(|| {
                                b.get("allowedUnsignedInt")
                                    .and_then(Value::as_u64)
                                    .map(|n| n.to_string())
                            });
                        benefits.push(BenefitSummary {
                            kind: b.get("type").and_then(concept_text),
                            allowed: self.money(
                                b.get("allowedMoney"),
                                &format!("{at}.allowedMoney"),
                                Sign::NotNegative,
                            ),
                            used: self.money(
                                b.get("usedMoney"),
                                &format!("{at}.usedMoney"),
                                Sign::NotNegative,
                            ),
                            allowed_text,
                            ..base.clone()
                        });
                    }
                }
            }
            return Some(EligibilitySummary {
                purposes: strings(arr(rsp, "purpose")),
                inforce: arr(rsp, "insurance")
                    .iter()
                    .find_map(|i| i.get("inforce").and_then(Value::as_bool)),
                services: Vec::new(),
                benefits,
            });
        }
        let cer = res.cer?;
        Some(EligibilitySummary {
            purposes: strings(arr(cer, "purpose")),
            services: arr(cer, "item")
                .iter()
                .filter_map(|i| i.get("productOrService").and_then(display_text))
                .collect(),
            ..Default::default()
        })
    }

    fn payment(&mut self, res: &Resources<'a>) -> Option<PaymentSummary> {
        let mut p = PaymentSummary::default();
        if let Some(r) = res.recon {
            p.date = str_of(r, "paymentDate").map(str::to_owned);
            p.reference =
                r.get("paymentIdentifier").and_then(|i| str_of(i, "value")).map(str::to_owned);
            p.status = str_of(r, "outcome").map(str::to_owned);
            for (i, d) in arr(r, "detail").iter().enumerate() {
                // TDS is a negative adjustment line (net + TDS = approved).
                let path = format!("PaymentReconciliation.detail[{i}].amount");
                p.parts.push(PaymentPart {
                    kind: d.get("type").and_then(concept_text),
                    amount: self.money(d.get("amount"), &path, Sign::Any),
                    date: str_of(d, "date").map(str::to_owned),
                });
            }
        }
        if let Some(r) = res.recon {
            let paid = self.money(
                r.get("paymentAmount"),
                "PaymentReconciliation.paymentAmount",
                Sign::NotNegative,
            );
            let parts: Vec<(usize, &Amount)> = p
                .parts
                .iter()
                .enumerate()
                .filter_map(|(i, x)| x.amount.as_ref().map(|a| (i, a)))
                .collect();
            if let Some(paid) = paid.filter(|_| !parts.is_empty())
                && parts.iter().all(|(_, x)| x.currency == paid.currency)
            {
                let mut sum = Some(Decimal::ZERO);
                for (i, x) in &parts {
                    sum = sum.and_then(|s| s.checked_add(x.value));
                    if sum.is_none() {
                        self.note(Unreadable::overflow(format!(
                            "PaymentReconciliation.detail[{i}].amount.value"
                        )));
                        break;
                    }
                }
                if let Some(sum) = sum
                    && sum != paid.value
                {
                    self.remarks.push(format!(
                        "The payment's parts add up to {sum} {}, not the {} {} paid.",
                        paid.currency, paid.value, paid.currency
                    ));
                }
            }
        }
        if let Some(n) = res.notice {
            p.date = p.date.or_else(|| str_of(n, "paymentDate").map(str::to_owned));
            p.status = n.get("paymentStatus").and_then(concept_text).or(p.status);
        }
        if let (None, None, Some(cr)) = (res.recon, res.notice, res.response) {
            let pay = cr.get("payment")?;
            p.date = str_of(pay, "date").map(str::to_owned);
            p.reference = pay.get("identifier").and_then(|i| str_of(i, "value")).map(str::to_owned);
            p.status = pay
                .get("type")
                .and_then(concept_text)
                .map(|t| format!("{} payment", t.to_lowercase()));
        }
        (p.date.is_some() || p.reference.is_some() || p.status.is_some() || !p.parts.is_empty())
            .then_some(p)
    }

    fn documents_requested(&mut self, res: &Resources<'a>) -> Vec<String> {
        let mut out = Vec::new();
        let mut requests: Vec<&'a Value> =
            self.index.of_type("CommunicationRequest").map(|e| e.resource).collect();
        // The 2016-style Communication carries its request as a contained resource.
        for e in &self.index.entries {
            requests.extend(
                arr(e.resource, "contained")
                    .iter()
                    .filter(|c| str_of(c, "resourceType") == Some("CommunicationRequest")),
            );
        }
        for req in requests {
            for p in arr(req, "payload") {
                if let Some(t) = str_of(p, "contentString") {
                    out.push(t.to_owned());
                } else if let Some(t) = p.get("contentAttachment").and_then(|a| str_of(a, "title"))
                {
                    out.push(t.to_owned());
                } else if let Some(t) = p.get("contentReference").and_then(|r| str_of(r, "display"))
                {
                    out.push(t.to_owned());
                }
            }
        }
        if let Some(rsp) = res.cersp {
            for ins in arr(rsp, "insurance") {
                for item in arr(ins, "item") {
                    for d in arr(item, "authorizationSupporting") {
                        if let Some(t) = display_text(d) {
                            out.push(t);
                        }
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        out.retain(|d| seen.insert(d.clone()));
        out
    }

    fn attachments(&mut self) -> Vec<AttachmentSummary> {
        let mut out = Vec::new();
        for e in &self.index.entries {
            collect_attachments(e.resource, e.resource_type.to_owned(), &mut out);
        }
        out
    }
}

const ATTACHMENT_KEYS: &[&str] =
    &["valueAttachment", "contentAttachment", "attachment", "presentedForm"];

fn collect_attachments(v: &Value, path: String, out: &mut Vec<AttachmentSummary>) {
    let Some(o) = v.as_object() else { return };
    for (key, value) in o {
        let here = format!("{path}.{key}");
        let list: Vec<(String, &Value)> = match value {
            Value::Array(a) => {
                a.iter().enumerate().map(|(i, x)| (format!("{here}[{i}]"), x)).collect()
            }
            Value::Object(_) => vec![(here, value)],
            _ => continue,
        };
        for (p, x) in list {
            if ATTACHMENT_KEYS.contains(&key.as_str()) && x.is_object() {
                out.push(attachment_summary(x, p.clone()));
            }
            collect_attachments(x, p, out);
        }
    }
}

fn attachment_summary(a: &Value, path: String) -> AttachmentSummary {
    let declared_size = a.get("size").and_then(Value::as_u64);
    let hash = str_of(a, "hash").map(str::to_owned);
    let measured = str_of(a, "data").map(measure_base64);
    let (size, sha256, verified) = match measured {
        Some(Some((size, sha1, sha256))) => {
            let size_ok = declared_size.is_none_or(|d| d == size);
            let hash_ok = hash.as_ref().is_none_or(|h| *h == sha1);
            let anything_declared = declared_size.is_some() || hash.is_some();
            (Some(size), Some(sha256), anything_declared.then_some(size_ok && hash_ok))
        }
        // Data that is not base64: nothing measured, and it cannot match what is declared.
        Some(None) => (declared_size, None, Some(false)),
        None => (declared_size, None, None),
    };
    AttachmentSummary {
        title: str_of(a, "title").map(str::to_owned),
        content_type: str_of(a, "contentType").map(str::to_owned),
        size,
        hash,
        sha256,
        verified,
        url: str_of(a, "url").map(str::to_owned),
        path,
    }
}

/// The identifier typed CLN (claim number).
fn cln_number(r: &Value) -> Option<String> {
    many(r, "identifier")
        .into_iter()
        .find(|i| i.get("type").is_some_and(|t| has_code(t, "CLN")))
        .and_then(|i| str_of(i, "value"))
        .map(str::to_owned)
}

/// A claim's number: the CLN identifier, else its first identifier.
fn claim_number(r: &Value) -> Option<String> {
    let ids = many(r, "identifier");
    ids.iter()
        .find(|i| i.get("type").is_some_and(|t| has_code(t, "CLN")))
        .or_else(|| ids.first())
        .and_then(|i| str_of(i, "value"))
        .map(str::to_owned)
}

fn code_summary(cc: &Value) -> Option<CodeSummary> {
    let c = codings(cc).first();
    let s = CodeSummary {
        code: c.and_then(|c| str_of(c, "code")).map(str::to_owned),
        display: c
            .and_then(|c| str_of(c, "display"))
            .or_else(|| str_of(cc, "text"))
            .map(str::to_owned),
        system: c.and_then(|c| str_of(c, "system")).map(str::to_owned),
    };
    (s.code.is_some() || s.display.is_some()).then_some(s)
}

/// The words for a concept: the first display, else the text, else the code.
fn display_text(cc: &Value) -> Option<String> {
    codings(cc)
        .iter()
        .find_map(|c| str_of(c, "display"))
        .or_else(|| str_of(cc, "text"))
        .map(str::to_owned)
        .or_else(|| first_code(cc).map(str::to_owned))
}

fn strings(list: &[Value]) -> Vec<String> {
    list.iter().filter_map(Value::as_str).map(str::to_owned).collect()
}
