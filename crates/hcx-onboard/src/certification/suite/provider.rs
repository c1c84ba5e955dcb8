//! The provider suite (providers, BSPs) and the intermediary suite (eligibility only): the
//! participant sends to the sandbox's demo payer, whose README triggers pick its answer, and
//! answers what the payer sends back (queries, payment notices).

use hcx_fhir::Summary;
use hcx_fhir::build::{ClaimUse, RelatedClaimInput, RelatedKind};
use hcx_protocol::{Action, ErrorCode, Headers, Status};
use serde_json::Value;

use super::samples::{self, Parties};
use super::{PAYLOAD_CODES, Runner, Scn, Step, expect_error, expect_status, new_id, text};
use crate::certification::certificate::ScenarioResult;
use crate::certification::scenarios::names::*;

/// Use case of the domain header that carries the scenario keyword (`x-hcx-cert-scenario`);
/// the demo payer reads any `x-hcx-*-scenario` header before the item text.
const SCENARIO_USE_CASE: &str = "cert";

/// One preauth / claim to send.
struct Ask {
    action: Action,
    keyword: &'static str,
    workflow: Option<String>,
    related: Option<RelatedClaimInput>,
    extra_days: u32,
}

impl Ask {
    fn new(action: Action, keyword: &'static str) -> Self {
        Self { action, keyword, workflow: None, related: None, extra_days: 0 }
    }
}

/// What a finished claim-like cycle left behind.
#[derive(Debug, Clone)]
struct Cycle {
    claim_number: String,
    workflow_id: String,
    summary: Summary,
}

fn mark(h: &mut Headers, keyword: &str) -> Step<()> {
    if !keyword.is_empty() {
        h.set_domain_header(SCENARIO_USE_CASE, "scenario", keyword).map_err(text)?;
    }
    Ok(())
}

fn bracket(keyword: &str) -> String {
    if keyword.is_empty() { String::new() } else { format!("[{keyword}]") }
}

fn decision(summary: &Summary) -> String {
    summary.decision.as_ref().map(|d| d.status.clone()).unwrap_or_else(|| "no decision".into())
}

impl Runner<'_> {
    /// The provider suite; `eligibility_only` for intermediaries.
    pub(super) async fn run_provider(&mut self, eligibility_only: bool) -> Vec<ScenarioResult> {
        let p = Parties { provider: self.me().to_string(), payer: self.sandbox.demo_payer.clone() };
        let mut out = vec![
            self.eligibility(ELIGIBILITY_APPROVED, &p, "", true).await,
            self.eligibility(ELIGIBILITY_REJECTED, &p, "reject", false).await,
        ];
        if !eligibility_only {
            let (r, approved) = self.preauth_approved(&p).await;
            out.push(r);
            out.push(self.preauth_partial(&p).await);
            out.push(self.enhancement(&p, approved).await);
            out.push(self.claim_rejected(&p).await);
            out.push(self.claim_query(&p).await);
            let (r, paid) = self.claim_approved(&p).await;
            out.push(r);
            out.push(self.payment_ack(&p, paid).await);
        }
        let action =
            if eligibility_only { Action::CoverageEligibilityCheck } else { Action::ClaimSubmit };
        out.extend(self.provider_errors(&p, action).await);
        out
    }

    async fn eligibility(
        &mut self,
        name: &'static str,
        p: &Parties,
        keyword: &str,
        inforce: bool,
    ) -> ScenarioResult {
        let mut s = Scn::new(name);
        let r = self.try_eligibility(&mut s, p, keyword, inforce).await;
        s.finish(r)
    }

    async fn try_eligibility(
        &mut self,
        s: &mut Scn,
        p: &Parties,
        keyword: &str,
        inforce: bool,
    ) -> Step<String> {
        let (corr, wf) = (new_id(), new_id());
        let mut h = self.headers(&p.payer, &corr, Some(&wf));
        mark(&mut h, keyword)?;
        let payload = samples::eligibility_request(p, &corr, &bracket(keyword)).map_err(text)?;
        self.send(s, Action::CoverageEligibilityCheck, h, &payload).await?;
        let r = self
            .wait(s, "eligibility answer", |r| r.is(Action::CoverageEligibilityOnCheck, &corr))
            .await?;
        let (headers, payload) = r.open(self.key)?;
        expect_status(&headers, Status::ResponseComplete)?;
        let got = decision(&hcx_fhir::summarize(&payload));
        let want = if inforce { "in force" } else { "not in force" };
        if got == want {
            Ok(format!("the payer answered: policy {want}"))
        } else {
            Err(format!("expected \"{want}\", the payer answered \"{got}\""))
        }
    }

    /// Sends a preauth / claim and returns the payer's decision.
    async fn cycle(&mut self, s: &mut Scn, p: &Parties, ask: Ask) -> Step<Cycle> {
        let Ask { action, keyword, workflow, related, extra_days } = ask;
        let use_ = if action == Action::PreauthSubmit {
            ClaimUse::Preauthorization
        } else {
            ClaimUse::Claim
        };
        let corr = new_id();
        let wf = workflow.unwrap_or_else(new_id);
        let claim_number = format!("CERT-{}", samples::short_id());
        let mut h = self.headers(&p.payer, &corr, Some(&wf));
        mark(&mut h, keyword)?;
        let payload =
            samples::claim(p, use_, &claim_number, &bracket(keyword), related, extra_days)
                .map_err(text)?;
        self.send(s, action, h, &payload).await?;
        if keyword == "query" {
            self.answer_query(s, p, &corr, &claim_number).await?;
        }
        let cb = action.callback();
        let r = self.wait(s, "the payer's decision", |r| r.is(cb, &corr)).await?;
        let (headers, payload) = r.open(self.key)?;
        expect_status(&headers, Status::ResponseComplete)?;
        Ok(Cycle { claim_number, workflow_id: wf, summary: hcx_fhir::summarize(&payload) })
    }

    /// Waits for the payer's query on `corr` and answers it with the discharge summary.
    async fn answer_query(
        &mut self,
        s: &mut Scn,
        p: &Parties,
        corr: &str,
        claim_number: &str,
    ) -> Step<()> {
        let r =
            self.wait(s, "the payer's query", |r| r.is(Action::CommunicationRequest, corr)).await?;
        let (req, payload) = r.open(self.key)?;
        let asked = hcx_fhir::summarize(&payload);
        if asked.documents_requested.is_empty() && asked.messages.is_empty() {
            return Err("the payer's query does not say what it needs".into());
        }
        let reply = Headers::callback_to(&req, Status::ResponseComplete);
        let answer = samples::communication_answer(p, claim_number, corr).map_err(text)?;
        self.send(s, Action::CommunicationOnRequest, reply, &answer).await
    }

    async fn preauth_approved(&mut self, p: &Parties) -> (ScenarioResult, Option<Cycle>) {
        let mut s = Scn::new(PREAUTH_APPROVED);
        let r = self.cycle(&mut s, p, Ask::new(Action::PreauthSubmit, "")).await;
        let checked = r.and_then(|c| {
            let d = decision(&c.summary);
            let pa = c.summary.decision.as_ref().and_then(|d| d.pre_auth_ref.clone());
            match (d.as_str(), pa) {
                ("approved", Some(pa)) => Ok((format!("approved in full, reference {pa}"), c)),
                ("approved", None) => {
                    Err("approved but without a preauthorisation reference".into())
                }
                _ => Err(format!("expected \"approved\", the payer answered \"{d}\"")),
            }
        });
        match checked {
            Ok((detail, c)) => (s.finish(Ok(detail)), Some(c)),
            Err(e) => (s.finish(Err(e)), None),
        }
    }

    async fn preauth_partial(&mut self, p: &Parties) -> ScenarioResult {
        let mut s = Scn::new(PREAUTH_PARTIAL);
        let r = self.cycle(&mut s, p, Ask::new(Action::PreauthSubmit, "partial")).await;
        s.finish(r.and_then(|c| expect_decision(&c.summary, "partially approved")))
    }

    async fn enhancement(&mut self, p: &Parties, approved: Option<Cycle>) -> ScenarioResult {
        let mut s = Scn::new(PREAUTH_ENHANCEMENT);
        let Some(first) = approved else {
            return s.finish(Err("needs an approved preauthorisation to enhance".into()));
        };
        let related =
            RelatedClaimInput { kind: RelatedKind::Enhancement, claim_number: first.claim_number };
        let ask = Ask {
            workflow: Some(first.workflow_id),
            related: Some(related),
            extra_days: 2,
            ..Ask::new(Action::PreauthSubmit, "")
        };
        let r = self.cycle(&mut s, p, ask).await;
        s.finish(r.and_then(|c| expect_decision(&c.summary, "approved")))
    }

    async fn claim_rejected(&mut self, p: &Parties) -> ScenarioResult {
        let mut s = Scn::new(CLAIM_REJECTED);
        let r = self.cycle(&mut s, p, Ask::new(Action::ClaimSubmit, "reject")).await;
        s.finish(r.and_then(|c| {
            let nothing_approved =
                c.summary.amounts.approved.as_ref().is_none_or(|a| a.value.is_zero());
            let d = decision(&c.summary);
            if nothing_approved && (d == "rejected" || d == "error") {
                let why = c.summary.decision.map(|d| d.reasons.join("; ")).unwrap_or_default();
                Ok(format!("rejected: {why}"))
            } else {
                Err(format!("expected a rejection, the payer answered \"{d}\""))
            }
        }))
    }

    async fn claim_query(&mut self, p: &Parties) -> ScenarioResult {
        let mut s = Scn::new(CLAIM_QUERY_ANSWERED);
        let r = self.cycle(&mut s, p, Ask::new(Action::ClaimSubmit, "query")).await;
        s.finish(
            r.and_then(|c| expect_decision(&c.summary, "approved"))
                .map(|d| format!("the payer asked for documents, got them, and {d}")),
        )
    }

    async fn claim_approved(&mut self, p: &Parties) -> (ScenarioResult, Option<Cycle>) {
        let mut s = Scn::new(CLAIM_APPROVED);
        let r = self.cycle(&mut s, p, Ask::new(Action::ClaimSubmit, "")).await;
        match r.and_then(|c| expect_decision(&c.summary, "approved").map(|d| (d, c))) {
            Ok((d, c)) => (s.finish(Ok(d)), Some(c)),
            Err(e) => (s.finish(Err(e)), None),
        }
    }

    async fn payment_ack(&mut self, _p: &Parties, paid: Option<Cycle>) -> ScenarioResult {
        let mut s = Scn::new(PAYMENT_ACKNOWLEDGED);
        let r = match paid {
            None => Err("needs an approved claim to be paid".into()),
            Some(c) => self.try_payment_ack(&mut s, &c.workflow_id).await,
        };
        s.finish(r)
    }

    async fn try_payment_ack(&mut self, s: &mut Scn, workflow: &str) -> Step<String> {
        let r = self
            .wait(s, "the payment notice", |r| {
                r.path == Action::PaymentNoticeRequest.path()
                    && r.headers.workflow_id() == Some(workflow)
            })
            .await?;
        let (req, payload) = r.open(self.key)?;
        let notice = hcx_fhir::summarize(&payload);
        let paid = notice
            .amounts
            .paid
            .as_ref()
            .or(notice.amounts.approved.as_ref())
            .map(|a| a.value.to_string())
            .unwrap_or_else(|| "an amount".into());
        let reply = Headers::callback_to(&req, Status::ResponseComplete);
        self.send(s, Action::PaymentNoticeOnRequest, reply, &samples::payment_ack()).await?;
        Ok(format!("payment notice of INR {paid} received and acknowledged"))
    }

    /// The five error scenarios of a sender; `wrong_action` carries the wrong payload.
    async fn provider_errors(&mut self, p: &Parties, wrong_action: Action) -> Vec<ScenarioResult> {
        let check = Action::CoverageEligibilityCheck;
        let payload = samples::eligibility_request(p, &new_id(), "");
        let mut out = self.recipient_errors(check, &payload).await;

        let mut s = Scn::new(MISSING_HEADER);
        let r = self.missing_header(&mut s, &p.payer, check, &payload).await;
        out.push(s.finish(r));

        let mut s = Scn::new(UNDECRYPTABLE);
        let r = self.undecryptable(&mut s, &p.payer, check, &payload).await;
        out.push(s.finish(r));

        let mut s = Scn::new(WRONG_PAYLOAD);
        let r = self.wrong_payload(&mut s, p, wrong_action).await;
        out.push(s.finish(r));
        out
    }

    async fn undecryptable(
        &mut self,
        s: &mut Scn,
        to: &str,
        action: Action,
        payload: &crate::Result<Value>,
    ) -> Step<String> {
        let body = payload.as_ref().map_err(|e| e.to_string())?;
        // A fresh key nobody holds: the gateway cannot tell, the recipient cannot open it.
        let stranger = hcx_protocol::PrivateKey::generate_rsa(2048)
            .and_then(|k| k.public_key())
            .map_err(text)?;
        let corr = new_id();
        let h = self.headers(to, &corr, Some(&new_id()));
        self.send_sealed_to(s, action, &h, &stranger, body).await?;
        let cb = action.callback();
        let r = self.wait(s, "the recipient's error", |r| r.is(cb, &corr)).await?;
        expect_status(&r.headers, Status::ResponseError)?;
        expect_error(&r, &[ErrorCode::ErrInvalidEncryption])
    }

    async fn wrong_payload(&mut self, s: &mut Scn, p: &Parties, action: Action) -> Step<String> {
        let to = self.sandbox.conformance_payer.clone();
        let wrong_parties = Parties { provider: p.provider.clone(), payer: to.clone() };
        // An eligibility request sent as a claim, or a claim sent as an eligibility check.
        let payload = if action == Action::CoverageEligibilityCheck {
            samples::claim(&wrong_parties, ClaimUse::Claim, "CERT-WRONG", "", None, 0)
        } else {
            samples::eligibility_request(&wrong_parties, &new_id(), "")
        }
        .map_err(text)?;
        let corr = new_id();
        let h = self.headers(&to, &corr, Some(&new_id()));
        self.send(s, action, h, &payload).await?;
        let cb = action.callback();
        let r = self.wait(s, "the recipient's error", |r| r.is(cb, &corr)).await?;
        expect_status(&r.headers, Status::ResponseError)?;
        expect_error(&r, &PAYLOAD_CODES)
    }
}

fn expect_decision(summary: &Summary, want: &str) -> Step<String> {
    let got = decision(summary);
    if got == want {
        Ok(format!("the payer's decision: {got}"))
    } else {
        Err(format!("expected \"{want}\", the payer answered \"{got}\""))
    }
}
