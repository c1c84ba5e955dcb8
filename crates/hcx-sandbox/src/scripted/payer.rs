//! The demo payer (`payor`) and demo TPA (`agency.tpa`): answer coverageeligibility,
//! predetermination, preauth and claim according to the scenario the request carries
//! (see [`Scenario`] and the README), ask for documents and decide after the answer, send a
//! payment notice some time after an approved claim.

use std::sync::Arc;
use std::time::Duration;

use hcx_protocol::{
    Action, Body, Details, Dialect, ErrorCode, Headers, ProtocolResponse, Status, parse_body,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use crate::config::ScriptedConfig;
use crate::error::Result;
use crate::scripted::client::ParticipantClient;
use crate::scripted::fhir::{
    self, ClaimDecision, DecisionInput, ItemDecision, ItemLine, Party, Reason, Request,
};
use crate::scripted::scenario::Scenario;
use crate::scripted::tasks::{self, Task, WAIT_FOR_EVENT};
use crate::state::Inbound;
use crate::store::{Store, now_ms};

/// How often due tasks are looked for.
const TICK: Duration = Duration::from_millis(50);
/// Retry delay of a task whose send failed.
const TASK_RETRY_MS: i64 = 2_000;
/// A task is dropped after this many failed tries.
const TASK_MAX_TRIES: u64 = 5;
/// What the payer asks for on `[query]`.
pub const QUERY_TEXT: &str = "Please share the discharge summary and the itemised final bill.";

/// A scripted payer or TPA.
#[derive(Debug)]
pub struct PayerActor {
    client: ParticipantClient,
    me: Party,
    /// Where `[redirect]` sends the provider (the demo payer redirects to the demo TPA; the TPA
    /// has no target and approves instead, so redirects cannot loop).
    redirect_to: Option<String>,
    store: Store,
    config: ScriptedConfig,
}

impl PayerActor {
    /// Builds the actor.
    pub fn new(
        client: ParticipantClient,
        name: String,
        redirect_to: Option<String>,
        store: Store,
        config: ScriptedConfig,
    ) -> Self {
        let me = Party { code: client.code.clone(), name };
        Self { client, me, redirect_to, store, config }
    }

    /// Handles deliveries and due tasks until `cancel` fires.
    pub async fn run(
        self: Arc<Self>,
        mut inbox: UnboundedReceiver<Inbound>,
        cancel: CancellationToken,
    ) {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                msg = inbox.recv() => match msg {
                    Some(m) => {
                        if let Err(e) = self.handle(&m).await {
                            tracing::warn!(actor = %self.me.code, path = %m.path, error = %e, "scripted payer could not answer");
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => self.run_due().await,
            }
        }
    }

    async fn handle(&self, m: &Inbound) -> Result<()> {
        let Some((_, action)) = Action::from_path(&m.path) else {
            return Ok(());
        };
        let body = parse_body(&m.body).map_err(hcx_protocol::Error::from)?;
        let Body::Jwe(compact) = body else {
            // Plain JSON to a payer: an error callback or a redirect about something it sent.
            tracing::info!(actor = %self.me.code, path = %m.path, "plain protocol response received");
            return Ok(());
        };
        let opened = match self.client.open(&compact) {
            Ok(o) => o,
            Err(e) => {
                // Tell the sender we could not read it, with a whitelisted code.
                let h = hcx_protocol::peek_headers(&compact).map_err(hcx_protocol::Error::from)?;
                if !action.is_callback() {
                    let details = Details::new(
                        ErrorCode::ErrInvalidEncryption.as_str(),
                        format!("cannot decrypt: {e}"),
                    );
                    self.client
                        .send_plain(action.callback(), &ProtocolResponse::error(&h, &details))
                        .await?;
                }
                return Ok(());
            }
        };
        let payload = opened.payload_json().unwrap_or(Value::Null);
        match action {
            Action::CoverageEligibilityCheck
            | Action::PredeterminationSubmit
            | Action::PreauthSubmit
            | Action::ClaimSubmit => self.answer(action, &opened.headers, &payload).await,
            Action::CommunicationOnRequest => self.resume_query(&opened.headers, &payload).await,
            _ => {
                tracing::info!(actor = %self.me.code, path = %m.path, "message recorded, nothing to answer");
                Ok(())
            }
        }
    }

    async fn answer(&self, action: Action, req: &Headers, payload: &Value) -> Result<()> {
        let scenario = Scenario::detect(req, payload);
        let claim_like = action != Action::CoverageEligibilityCheck;
        match scenario {
            Scenario::Error => {
                let details = Details::new(
                    ErrorCode::ErrDomainProcessing.as_str(),
                    format!("{}: scripted processing error ([error])", self.me.name),
                );
                self.client
                    .send_plain(action.callback(), &ProtocolResponse::error(req, &details))
                    .await?;
                Ok(())
            }
            Scenario::Redirect if self.redirect_to.is_some() => {
                if action.callback().redirect_allowed() {
                    let target = self.redirect_to.clone().unwrap_or_default();
                    self.client
                        .send_plain(action.callback(), &ProtocolResponse::redirect(req, &target))
                        .await?;
                } else {
                    let details = Details::new(
                        ErrorCode::ErrSenderNotSupported.as_str(),
                        format!(
                            "{} cannot be redirected; send it to the right payer",
                            action.path()
                        ),
                    );
                    self.client
                        .send_plain(action.callback(), &ProtocolResponse::error(req, &details))
                        .await?;
                }
                Ok(())
            }
            Scenario::Query if claim_like => {
                let h = Headers::action(
                    &self.me.code,
                    req.sender_code().unwrap_or_default(),
                    req.correlation_id().unwrap_or_default(),
                    req.workflow_id(),
                    Dialect::Swasth,
                );
                let provider = party(req.sender_code());
                let request = Request::read(payload, req.correlation_id().unwrap_or_default());
                let bundle =
                    fhir::communication_request_bundle(QUERY_TEXT, &request, &self.me, &provider)?;
                // Remember the request before asking, so the answer always finds it.
                let task = Task {
                    id: req.correlation_id().unwrap_or_default().to_string(),
                    actor: self.me.code.clone(),
                    kind: "await_answer".into(),
                    due_ms: WAIT_FOR_EVENT,
                    data: json!({"action": action.path(), "headers": req.as_map(), "payload": payload, "tries": 0}),
                };
                self.store.run(move |c| tasks::put(c, &task)).await?;
                self.client.send_jwe(Action::CommunicationRequest, &h, &bundle).await?;
                Ok(())
            }
            Scenario::Pending => {
                let request = Request::read(payload, req.correlation_id().unwrap_or_default());
                let interim = if claim_like {
                    let d = ClaimDecision {
                        decision: DecisionInput::Pending,
                        disposition: "Under review; a final decision follows shortly".into(),
                        items: decide_items(&request.lines(), Scenario::Pending),
                        pre_auth_ref: None,
                        errors: vec![],
                    };
                    fhir::claim_response_bundle(&request, &d, &self.me, &party(req.sender_code()))?
                } else {
                    fhir::eligibility_response_bundle(
                        &request,
                        true,
                        "Under review",
                        &self.me,
                        &party(req.sender_code()),
                    )?
                };
                let h = Headers::callback_to(req, Status::ResponsePartial);
                self.client.send_jwe(action.callback(), &h, &interim).await?;
                let delay =
                    i64::try_from(self.config.pending_delay.as_millis()).unwrap_or(i64::MAX);
                let task = Task {
                    id: uuid::Uuid::new_v4().to_string(),
                    actor: self.me.code.clone(),
                    kind: "complete".into(),
                    due_ms: now_ms().saturating_add(delay),
                    data: json!({"action": action.path(), "headers": req.as_map(), "payload": payload, "tries": 0}),
                };
                self.store.run(move |c| tasks::put(c, &task)).await?;
                Ok(())
            }
            other => self.decide(action, req, payload, other).await,
        }
    }

    /// Sends the final `response.complete` and schedules the payment notice after an approved
    /// claim.
    async fn decide(
        &self,
        action: Action,
        req: &Headers,
        payload: &Value,
        scenario: Scenario,
    ) -> Result<()> {
        let correlation = req.correlation_id().unwrap_or_default();
        let request = Request::read(payload, correlation);
        let provider = party(req.sender_code());
        let h = Headers::callback_to(req, Status::ResponseComplete);
        if action == Action::CoverageEligibilityCheck {
            let inforce = scenario != Scenario::Reject;
            let text =
                if inforce { "Policy is in force" } else { "Policy is not in force (lapsed)" };
            let bundle =
                fhir::eligibility_response_bundle(&request, inforce, text, &self.me, &provider)?;
            self.client.send_jwe(action.callback(), &h, &bundle).await?;
            return Ok(());
        }
        let items = decide_items(&request.lines(), scenario);
        let decision = match scenario {
            Scenario::Reject => ClaimDecision {
                decision: DecisionInput::Rejected,
                disposition: "Rejected: treatment is not covered under the policy".into(),
                items,
                pre_auth_ref: None,
                errors: vec![
                    "Treatment is not covered under the policy (scripted rejection)".into(),
                ],
            },
            Scenario::Partial => ClaimDecision {
                decision: DecisionInput::PartiallyApproved,
                disposition: "Partially approved: some items are capped by policy sub-limits"
                    .into(),
                items,
                pre_auth_ref: (action == Action::PreauthSubmit).then(|| pre_auth_ref(correlation)),
                errors: vec![],
            },
            _ => ClaimDecision {
                decision: DecisionInput::Approved,
                disposition: "Approved".into(),
                items,
                pre_auth_ref: (action == Action::PreauthSubmit).then(|| pre_auth_ref(correlation)),
                errors: vec![],
            },
        };
        let bundle = fhir::claim_response_bundle(&request, &decision, &self.me, &provider)?;
        self.client.send_jwe(action.callback(), &h, &bundle).await?;
        let approved = decision.approved_total();
        if action == Action::ClaimSubmit && approved > Decimal::ZERO {
            let delay = i64::try_from(self.config.payment_delay.as_millis()).unwrap_or(i64::MAX);
            let task = Task {
                id: uuid::Uuid::new_v4().to_string(),
                actor: self.me.code.clone(),
                kind: "payment".into(),
                due_ms: now_ms().saturating_add(delay),
                data: json!({
                    "provider": req.sender_code(),
                    "workflow_id": req.workflow_id(),
                    "amount": approved.to_string(),
                    "claim_ref": request.claim_number,
                    "tries": 0,
                }),
            };
            self.store.run(move |c| tasks::put(c, &task)).await?;
        }
        Ok(())
    }

    /// The provider answered a query: decide on the stored request (approve when documents
    /// came back, reject otherwise).
    async fn resume_query(&self, answer: &Headers, payload: &Value) -> Result<()> {
        let id = answer.correlation_id().unwrap_or_default().to_string();
        let actor = self.me.code.clone();
        let Some(task) = self.store.run(move |c| tasks::get(c, &actor, &id)).await? else {
            tracing::info!(actor = %self.me.code, "communication answer without a pending query");
            return Ok(());
        };
        let answer_read = Request::read(payload, answer.correlation_id().unwrap_or_default());
        let scenario = if fhir::has_communication_payload(&answer_read) {
            Scenario::Approve
        } else {
            Scenario::Reject
        };
        self.finish_stored(&task, scenario).await?;
        let (actor, id) = (self.me.code.clone(), task.id.clone());
        self.store.run(move |c| tasks::delete(c, &actor, &id)).await
    }

    async fn finish_stored(&self, task: &Task, scenario: Scenario) -> Result<()> {
        let action = task
            .data
            .get("action")
            .and_then(Value::as_str)
            .and_then(Action::from_path)
            .map(|(_, a)| a);
        let headers = task.data.get("headers").cloned().and_then(Headers::from_value);
        let payload = task.data.get("payload").cloned().unwrap_or(Value::Null);
        match (action, headers) {
            (Some(a), Some(h)) => self.decide(a, &h, &payload, scenario).await,
            _ => Ok(()),
        }
    }

    async fn run_due(&self) {
        let (actor, now) = (self.me.code.clone(), now_ms());
        let due = match self.store.run(move |c| tasks::due(c, &actor, now)).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "could not read scripted tasks");
                return;
            }
        };
        for task in due {
            let outcome = match task.kind.as_str() {
                "complete" => self.finish_stored(&task, Scenario::Approve).await,
                "payment" => self.send_payment(&task).await,
                _ => Ok(()),
            };
            let actor = self.me.code.clone();
            let result = match outcome {
                Ok(()) => self.store.run(move |c| tasks::delete(c, &actor, &task.id)).await,
                Err(e) => {
                    let tries = task.data.get("tries").and_then(Value::as_u64).unwrap_or(0) + 1;
                    tracing::warn!(actor = %actor, task = %task.id, tries, error = %e, "scripted task failed");
                    let mut t = task.clone();
                    t.data["tries"] = json!(tries);
                    t.due_ms = now_ms().saturating_add(TASK_RETRY_MS);
                    self.store
                        .run(move |c| {
                            if tries >= TASK_MAX_TRIES {
                                tasks::delete(c, &actor, &t.id)
                            } else {
                                tasks::put(c, &t)
                            }
                        })
                        .await
                }
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "could not update scripted task");
            }
        }
    }

    async fn send_payment(&self, task: &Task) -> Result<()> {
        let d = &task.data;
        let provider = d.get("provider").and_then(Value::as_str).unwrap_or_default();
        let amount = d
            .get("amount")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Decimal>().ok())
            .unwrap_or_default();
        let claim_ref = d.get("claim_ref").and_then(Value::as_str).unwrap_or_default();
        // A payment notice is its own cycle: new correlation id, same workflow id.
        let correlation = uuid::Uuid::new_v4().to_string();
        let h = Headers::action(
            &self.me.code,
            provider,
            &correlation,
            d.get("workflow_id").and_then(Value::as_str),
            Dialect::Swasth,
        );
        let bundle =
            fhir::payment_notice_bundle(amount, claim_ref, &self.me, &party(Some(provider)))?;
        self.client.send_jwe(Action::PaymentNoticeRequest, &h, &bundle).await?;
        Ok(())
    }
}

fn party(code: Option<&str>) -> Party {
    let code = code.unwrap_or_default().to_string();
    Party { name: code.clone(), code }
}

fn pre_auth_ref(correlation: &str) -> String {
    format!(
        "PA-{}",
        correlation
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect::<String>()
            .to_uppercase()
    )
}

/// Item-level amounts: approve = all in full; partial = first item in full, the others at 50 %
/// (a single item at 50 %); reject and pending = nothing yet.
pub fn decide_items(lines: &[ItemLine], scenario: Scenario) -> Vec<ItemDecision> {
    let single = lines.len() == 1;
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (approved, reason) = match scenario {
                Scenario::Reject => (Decimal::ZERO, Some(Reason::NotCovered)),
                Scenario::Pending => (Decimal::ZERO, Some(Reason::UnderReview)),
                Scenario::Partial if single || i > 0 => {
                    ((l.net / Decimal::TWO).round_dp(2), Some(Reason::SubLimit))
                }
                _ => (l.net, None),
            };
            ItemDecision { sequence: l.sequence, submitted: l.net, approved, reason }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(amounts: &[i64]) -> Vec<ItemLine> {
        amounts
            .iter()
            .enumerate()
            .map(|(i, a)| ItemLine {
                sequence: i as u32 + 1,
                text: "x".into(),
                net: Decimal::new(*a, 2),
            })
            .collect()
    }

    #[test]
    fn partial_approval_is_item_level_and_exact() {
        let d = decide_items(&lines(&[450_000, 3_500_001]), Scenario::Partial);
        assert_eq!(d[0].approved, Decimal::new(450_000, 2), "the first item is approved in full");
        assert_eq!(
            d[1].approved,
            Decimal::new(1_750_000, 2),
            "later items are halved, rounded to paise"
        );
        assert!(d[1].reason.is_some(), "a reduced item says why");
    }

    #[test]
    fn reject_approves_nothing_and_approve_everything() {
        let s = lines(&[100, 200]);
        assert!(
            decide_items(&s, Scenario::Reject).iter().all(|i| i.approved.is_zero()),
            "reject = 0"
        );
        let all: Decimal = decide_items(&s, Scenario::Approve).iter().map(|i| i.approved).sum();
        assert_eq!(all, Decimal::new(300, 2), "approve = everything billed");
    }
}
