//! The payer suite (payers, TPAs, sponsors): the sandbox's demo provider sends requests to the
//! participant on request (signed triggers), the participant answers them, queries the
//! provider and notifies payments; the sandbox's conformance provider sends the faulty
//! messages the participant must refuse.

use chrono::Utc;
use hcx_fhir::Summary;
use hcx_fhir::build::DecisionInput;
use hcx_protocol::{Action, Details, ErrorCode, Headers, ProtocolResponse, Status};
use rust_decimal::Decimal;
use serde_json::Value;

use super::inbox::Received;
use super::samples::{self, Parties};
use super::{Runner, Scn, Step, new_id, text};
use crate::certification::certificate::{FORMAT_VERSION, SIGNED_REQUEST_TYPE, ScenarioResult};
use crate::certification::scenarios::names::*;
use crate::operator_api::{Fault, TriggerClaims};

/// A request received from the demo provider.
struct Incoming {
    headers: Headers,
    summary: Summary,
}

/// What an approved claim left behind, for the payment notice.
struct Approved {
    claim_number: String,
    workflow_id: String,
    amount: Decimal,
}

impl Runner<'_> {
    pub(super) async fn run_payer(&mut self) -> Vec<ScenarioResult> {
        let p =
            Parties { provider: self.sandbox.demo_provider.clone(), payer: self.me().to_string() };
        let preauth = Action::PreauthSubmit;
        let claim = Action::ClaimSubmit;
        let mut out = vec![
            self.answer_eligibility(ELIGIBILITY_APPROVED, &p, "", true).await,
            self.answer_eligibility(ELIGIBILITY_REJECTED, &p, "reject", false).await,
        ];
        let mut first_preauth = None;
        let (r, wf) =
            self.decide(PREAUTH_APPROVED, &p, preauth, "", None, DecisionInput::Approved).await;
        if let Some(a) = wf {
            first_preauth = Some(a.workflow_id);
        }
        out.push(r);
        out.push(
            self.decide(
                PREAUTH_PARTIAL,
                &p,
                preauth,
                "partial",
                None,
                DecisionInput::PartiallyApproved,
            )
            .await
            .0,
        );
        out.push(match first_preauth {
            Some(wf) => {
                self.decide(PREAUTH_ENHANCEMENT, &p, preauth, "", Some(wf), DecisionInput::Approved)
                    .await
                    .0
            }
            None => Scn::new(PREAUTH_ENHANCEMENT)
                .finish(Err("needs an approved preauthorisation to enhance".into())),
        });
        out.push(
            self.decide(CLAIM_REJECTED, &p, claim, "reject", None, DecisionInput::Rejected).await.0,
        );
        out.push(self.query(&p).await);
        let (r, approved) =
            self.decide(CLAIM_APPROVED, &p, claim, "", None, DecisionInput::Approved).await;
        out.push(r);
        out.push(self.notify_payment(&p, approved).await);
        out.extend(self.payer_errors(&p).await);
        out
    }

    async fn trigger(
        &self,
        action: Action,
        keyword: &str,
        workflow_id: Option<String>,
        fault: Option<Fault>,
    ) -> Step<String> {
        let claims = TriggerClaims {
            v: FORMAT_VERSION,
            jti: new_id(),
            participant_code: self.me().to_string(),
            action: action.path().trim_start_matches('/').to_string(),
            scenario: keyword.to_string(),
            workflow_id,
            fault,
            iat: Utc::now().timestamp(),
        };
        let signed = self.signer.sign(SIGNED_REQUEST_TYPE, &claims).map_err(text)?;
        let sent = self
            .operator
            .trigger(&signed)
            .await
            .map_err(|e| format!("the sandbox could not start the cycle: {e}"))?;
        Ok(sent.correlation_id)
    }

    /// Triggers a request and waits for it; returns it decrypted.
    async fn incoming(
        &mut self,
        s: &mut Scn,
        action: Action,
        keyword: &str,
        workflow: Option<String>,
    ) -> Step<Incoming> {
        let corr = self.trigger(action, keyword, workflow, None).await?;
        let r = self.wait(s, "the provider's request", |r| r.is(action, &corr)).await?;
        let (headers, payload) = r.open(self.key)?;
        Ok(Incoming { headers, summary: hcx_fhir::summarize(&payload) })
    }

    async fn answer_eligibility(
        &mut self,
        name: &'static str,
        p: &Parties,
        keyword: &str,
        inforce: bool,
    ) -> ScenarioResult {
        let mut s = Scn::new(name);
        let r = async {
            let inc =
                self.incoming(&mut s, Action::CoverageEligibilityCheck, keyword, None).await?;
            let corr = inc.headers.correlation_id().unwrap_or_default().to_string();
            let answer = samples::eligibility_response(p, &corr, inforce).map_err(text)?;
            let reply = Headers::callback_to(&inc.headers, Status::ResponseComplete);
            self.send(&mut s, Action::CoverageEligibilityOnCheck, reply, &answer).await?;
            Ok(format!("answered: policy {}", if inforce { "in force" } else { "not in force" }))
        }
        .await;
        s.finish(r)
    }

    async fn decide(
        &mut self,
        name: &'static str,
        p: &Parties,
        action: Action,
        keyword: &str,
        workflow: Option<String>,
        decision: DecisionInput,
    ) -> (ScenarioResult, Option<Approved>) {
        let mut s = Scn::new(name);
        let r = async {
            let inc = self.incoming(&mut s, action, keyword, workflow).await?;
            self.send_decision(&mut s, p, action, &inc.headers, &inc.summary, decision).await
        }
        .await;
        match r {
            Ok((detail, approved)) => (s.finish(Ok(detail)), Some(approved)),
            Err(e) => (s.finish(Err(e)), None),
        }
    }

    async fn send_decision(
        &self,
        s: &mut Scn,
        p: &Parties,
        action: Action,
        req: &Headers,
        asked: &Summary,
        decision: DecisionInput,
    ) -> Step<(String, Approved)> {
        if asked.items.is_empty() {
            return Err("the request carries no billed items to decide on".into());
        }
        let pa = (action == Action::PreauthSubmit).then(|| format!("PA-{}", samples::short_id()));
        let answer = samples::claim_response(p, asked, decision, pa).map_err(text)?;
        let reply = Headers::callback_to(req, Status::ResponseComplete);
        self.send(s, action.callback(), reply, &answer).await?;
        let decided = hcx_fhir::summarize(&answer);
        let amount = decided.amounts.approved.as_ref().map(|a| a.value).unwrap_or_default();
        let approved = Approved {
            claim_number: asked.claim.as_ref().and_then(|c| c.number.clone()).unwrap_or_default(),
            workflow_id: req.workflow_id().unwrap_or_default().to_string(),
            amount,
        };
        Ok((format!("answered {decision:?}, INR {amount} approved"), approved))
    }

    async fn query(&mut self, p: &Parties) -> ScenarioResult {
        let mut s = Scn::new(CLAIM_QUERY_ANSWERED);
        let r = async {
            let inc = self.incoming(&mut s, Action::ClaimSubmit, "query", None).await?;
            let corr = inc.headers.correlation_id().unwrap_or_default().to_string();
            let claim_number =
                inc.summary.claim.as_ref().and_then(|c| c.number.clone()).unwrap_or_default();
            let wf = inc.headers.workflow_id().map(str::to_string);
            let ask = samples::communication_request(p, &claim_number).map_err(text)?;
            let h = self.headers(&p.provider, &corr, wf.as_deref());
            self.send(&mut s, Action::CommunicationRequest, h, &ask).await?;
            let r = self
                .wait(&mut s, "the provider's documents", |r| {
                    r.is(Action::CommunicationOnRequest, &corr)
                })
                .await?;
            let (_, payload) = r.open(self.key)?;
            let got = hcx_fhir::summarize(&payload);
            if got.attachments.is_empty() {
                return Err("the provider answered without a document".into());
            }
            let (detail, _) = self
                .send_decision(
                    &mut s,
                    p,
                    Action::ClaimSubmit,
                    &inc.headers,
                    &inc.summary,
                    DecisionInput::Approved,
                )
                .await?;
            Ok(format!("asked for documents, received {}, {detail}", got.attachments.len()))
        }
        .await;
        s.finish(r)
    }

    async fn notify_payment(&mut self, p: &Parties, approved: Option<Approved>) -> ScenarioResult {
        let mut s = Scn::new(PAYMENT_ACKNOWLEDGED);
        let r = async {
            let a = approved.ok_or("needs an approved claim to pay")?;
            if a.amount <= Decimal::ZERO {
                return Err("the approved claim has no amount to pay".into());
            }
            // A payment notice is its own cycle: new correlation id, the claim's workflow.
            let corr = new_id();
            let h = self.headers(
                &p.provider,
                &corr,
                Some(&a.workflow_id).filter(|w| !w.is_empty()).map(String::as_str),
            );
            let notice = samples::payment_notice(p, &a.claim_number, a.amount).map_err(text)?;
            self.send(&mut s, Action::PaymentNoticeRequest, h, &notice).await?;
            self.wait(&mut s, "the provider's acknowledgement", |r| {
                r.is(Action::PaymentNoticeOnRequest, &corr)
            })
            .await?;
            Ok(format!("payment notice of INR {} acknowledged by the provider", a.amount))
        }
        .await;
        s.finish(r)
    }

    async fn payer_errors(&mut self, p: &Parties) -> Vec<ScenarioResult> {
        let notice = Action::PaymentNoticeRequest;
        let body = samples::payment_notice(p, "CERT-ERR", Decimal::ONE_HUNDRED);
        let mut out = self.recipient_errors(notice, &body).await;
        let mut s = Scn::new(MISSING_HEADER);
        let r = self.missing_header(&mut s, &p.provider, notice, &body).await;
        out.push(s.finish(r));
        out.push(self.refuse_fault(UNDECRYPTABLE, Fault::Undecryptable).await);
        out.push(self.refuse_fault(WRONG_PAYLOAD, Fault::WrongPayload).await);
        out
    }

    /// Asks the conformance provider for a faulty claim, detects the fault and answers it with
    /// the protocol's error.
    async fn refuse_fault(&mut self, name: &'static str, fault: Fault) -> ScenarioResult {
        let mut s = Scn::new(name);
        let r = async {
            let action = Action::ClaimSubmit;
            let corr = self.trigger(action, "", None, Some(fault)).await?;
            let r = self.wait(&mut s, "the faulty request", |r| r.is(action, &corr)).await?;
            let (code, why) = self.diagnose(&r, action)?;
            let details = Details::new(code.as_str(), why.clone());
            let reply = ProtocolResponse::error(&r.headers, &details);
            self.send_plain(&mut s, action.callback(), reply).await?;
            Ok(format!("detected and answered {code}: {why}"))
        }
        .await;
        s.finish(r)
    }

    /// What is wrong with a request, as the error code to answer with.
    fn diagnose(&self, r: &Received, action: Action) -> Step<(ErrorCode, String)> {
        let payload: Value = match r.open(self.key) {
            Err(e) => return Ok((ErrorCode::ErrInvalidEncryption, e)),
            Ok((_, p)) => p,
        };
        let found = hcx_fhir::summarize(&payload)
            .focal
            .map(|f| f.resource_type)
            .unwrap_or_else(|| "nothing".into());
        let expected = if action == Action::CoverageEligibilityCheck {
            "CoverageEligibilityRequest"
        } else {
            "Claim"
        };
        if found == expected {
            Err(format!("the request was readable and a {found}: there was no fault to refuse"))
        } else {
            Ok((
                ErrorCode::ErrWrongDomainPayload,
                format!("{} expects a {expected} bundle, this carries a {found}", action.path()),
            ))
        }
    }
}
