//! Payer and TPA desk use cases: decide on an incoming request (approve, partial approval,
//! reject) with an hcx-fhir ClaimResponse, ask the hospital for documents, redirect, or answer
//! with a protocol error.

use hcx_fhir::build::{
    self, AdjudicatedItemInput, BuildContext, ClaimResponseInput, ClaimType, ClaimUse, CodeInput,
    CommunicationRequestInput, DecisionInput, EligibilityPurpose, EligibilityResponseInput,
    PayerInput, PolicyInput, ProviderInput,
};
use hcx_protocol::{Action, Details, ErrorCode, Headers, ProtocolResponse, Status};
use hcx_store::{AmountUpdate, Profile, Thread, ThreadDirection, ThreadState, UseCase};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::compose::{dialect, patient_from};
use crate::console::Console;
use crate::dto::{DecisionForm, SendReceipt, ThreadSummary};
use crate::error::{ConsoleError, Result};
use crate::outbox::Outgoing;
use crate::payload;
use crate::thread_state::{AnswerKind, Event};

/// The request a payer desk answers: its headers, payload and action.
struct Incoming {
    thread: Thread,
    headers: Headers,
    payload: Option<Value>,
    action: Action,
}

fn claim_use(s: Option<&str>, use_case: UseCase) -> ClaimUse {
    match s {
        Some("preauthorization") => ClaimUse::Preauthorization,
        Some("predetermination") => ClaimUse::Predetermination,
        Some("claim") => ClaimUse::Claim,
        _ => match use_case {
            UseCase::Preauth => ClaimUse::Preauthorization,
            UseCase::Predetermination => ClaimUse::Predetermination,
            _ => ClaimUse::Claim,
        },
    }
}

impl Console {
    /// Incoming requests waiting for this desk's answer, the longest-waiting first.
    pub async fn tpa_inbox(&self) -> Result<Vec<ThreadSummary>> {
        let profile = self.active()?;
        let threads = self.read(|r| Ok(r.tpa_inbox(&profile.id)?))?;
        Ok(threads.iter().map(crate::views::summary_view).collect())
    }

    fn incoming_request(&self, profile: &Profile, correlation_id: &str) -> Result<Incoming> {
        let thread = self.thread_row(profile, correlation_id)?;
        if thread.direction != ThreadDirection::Incoming {
            return Err(ConsoleError::NotAllowed(format!(
                "cycle {correlation_id} was started by this desk; only incoming requests are answered"
            )));
        }
        let entries = self.read(|r| {
            Ok(r.thread_timeline(&profile.id, correlation_id)?
                .map(|t| t.entries)
                .unwrap_or_default())
        })?;
        entries
            .into_iter()
            .filter(|e| e.message.direction == hcx_store::MessageDirection::In)
            .find_map(|e| {
                let (_, action) = Action::from_path(&e.message.action)?;
                if action.is_callback() || e.message.error_code.is_some() {
                    return None;
                }
                let headers = e.message.protected_headers.clone().and_then(Headers::from_value)?;
                Some((headers, e.message.decrypted_payload.clone(), action))
            })
            .map(|(headers, payload, action)| Incoming { thread, headers, payload, action })
            .ok_or_else(|| {
                ConsoleError::NotAllowed("the request of this cycle was not readable".into())
            })
    }

    fn ensure_open(thread: &Thread) -> Result<()> {
        if ThreadState::AWAITING_OUR_ANSWER.contains(&thread.state)
            || thread.state == ThreadState::Query
        {
            Ok(())
        } else {
            Err(ConsoleError::NotAllowed(format!(
                "cycle {} is {}; it no longer waits for an answer",
                thread.correlation_id, thread.state
            )))
        }
    }

    /// Decides on an incoming eligibility check, preauth, predetermination or claim:
    /// `approve`, `partial` (item amounts from the form) or `reject` are final answers
    /// (`response.complete`); `pending` is an interim answer (`response.partial`) after which
    /// the desk decides again.
    pub async fn decide(&self, form: DecisionForm) -> Result<SendReceipt> {
        let profile = self.active()?;
        let inc = self.incoming_request(&profile, &form.correlation_id)?;
        Self::ensure_open(&inc.thread)?;
        let summary = inc.payload.as_ref().map(payload::summary_of);
        let us = PayerInput {
            code: profile.fields.participant_code.clone(),
            name: profile.fields.name.clone(),
            id_system: None,
        };
        let provider_code = inc.headers.sender_code().unwrap_or_default().to_owned();
        let provider = ProviderInput {
            hfr_id: summary
                .as_ref()
                .and_then(|s| s.provider.as_ref())
                .and_then(|p| p.identifiers.first().map(|i| i.value.clone()))
                .unwrap_or_else(|| provider_code.clone()),
            name: summary
                .as_ref()
                .and_then(|s| s.provider.as_ref())
                .and_then(|p| p.name.clone())
                .unwrap_or_else(|| provider_code.clone()),
            rohini_id: None,
            phone: None,
        };
        let policy = PolicyInput {
            policy_number: summary
                .as_ref()
                .and_then(|s| s.policy.as_ref())
                .and_then(|p| p.number.clone())
                .unwrap_or_else(|| "unknown".to_owned()),
            policy_system: None,
            plan: None,
            member_id: None,
            valid_from: None,
            valid_to: None,
        };
        let patient = patient_from(
            summary.as_ref(),
            inc.thread.patient_label.as_deref(),
            &inc.thread.correlation_id,
        );
        let outcome = form.outcome.trim().to_ascii_lowercase();
        // `pending` is the protocol's interim answer (`response.partial`: a final decision
        // follows); the others are final (`response.complete`).
        let pending = matches!(outcome.as_str(), "pending" | "interim");
        let reject = match outcome.as_str() {
            "approve" | "approved" | "partial" | "pending" | "interim" => false,
            "reject" | "rejected" => true,
            other => {
                return Err(ConsoleError::input(
                    "outcome",
                    format!("{other:?} is not approve, partial, pending or reject"),
                ));
            }
        };
        let mut ctx = BuildContext::live();
        let (bundle, approved_total) = if inc.action == Action::CoverageEligibilityCheck {
            let input = EligibilityResponseInput {
                request_number: inc.thread.correlation_id.clone(),
                purposes: vec![EligibilityPurpose::Validation],
                patient,
                policy,
                payer: us,
                provider,
                inforce: !reject,
                disposition: form.note.clone().or_else(|| {
                    Some(
                        if reject { "Policy is not in force" } else { "Policy is in force" }.into(),
                    )
                }),
                items: Vec::new(),
            };
            let b = build::eligibility_response_bundle(&input, &mut ctx)?;
            (serde_json::to_value(b).map_err(hcx_fhir::Error::from)?, None)
        } else {
            let lines: Vec<(u32, Decimal)> = summary
                .as_ref()
                .map(|s| {
                    s.items
                        .iter()
                        .enumerate()
                        .filter_map(|(i, it)| {
                            let seq = it
                                .sequence
                                .and_then(|n| u32::try_from(n).ok())
                                .unwrap_or_else(|| u32::try_from(i + 1).unwrap_or(u32::MAX));
                            Some((seq, it.net.as_ref()?.value))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let lines = if lines.is_empty() {
                vec![(1, inc.thread.requested_amount.unwrap_or_default())]
            } else {
                lines
            };
            let mut items = Vec::with_capacity(lines.len());
            for (seq, submitted) in &lines {
                let decided = form.items.iter().find(|d| d.sequence == *seq);
                let benefit = match (reject || pending, outcome.as_str(), decided) {
                    (true, _, _) => Decimal::ZERO,
                    (false, "partial", Some(d)) => {
                        d.approved.trim().replace(',', "").parse::<Decimal>().map_err(|_| {
                            ConsoleError::input(
                                format!("items[{seq}].approved"),
                                format!("{:?} is not an amount", d.approved),
                            )
                        })?
                    }
                    _ => *submitted,
                };
                if benefit < Decimal::ZERO || benefit > *submitted {
                    return Err(ConsoleError::input(
                        format!("items[{seq}].approved"),
                        format!("must be between 0 and the {submitted} asked for"),
                    ));
                }
                let reason = decided.and_then(|d| d.reason.clone()).or_else(|| {
                    reject.then(|| {
                        form.reasons.first().cloned().unwrap_or_else(|| "Not covered".into())
                    })
                });
                items.push(AdjudicatedItemInput {
                    item_sequence: *seq,
                    submitted: *submitted,
                    eligible: *submitted,
                    copay: None,
                    benefit,
                    // HL7 adjudication-reason: ar001 "not covered", ar002 "plan limit reached".
                    reason: reason.map(|r| {
                        CodeInput::new(if benefit.is_zero() { "ar001" } else { "ar002" }, &r)
                    }),
                });
            }
            let total: Decimal = items.iter().map(|i| i.benefit).sum();
            let requested: Decimal = items.iter().map(|i| i.submitted).sum();
            let decision = if pending {
                DecisionInput::Pending
            } else if reject || total.is_zero() {
                DecisionInput::Rejected
            } else if total < requested {
                DecisionInput::PartiallyApproved
            } else {
                DecisionInput::Approved
            };
            let use_ = claim_use(
                summary.as_ref().and_then(|s| s.claim.as_ref()).and_then(|c| c.use_.as_deref()),
                inc.thread.use_case,
            );
            let input = ClaimResponseInput {
                claim_number: summary
                    .as_ref()
                    .and_then(|s| s.claim.as_ref())
                    .and_then(|c| c.number.clone())
                    .unwrap_or_else(|| inc.thread.correlation_id.clone()),
                claim_number_system: None,
                use_,
                claim_type: ClaimType::Inpatient,
                patient,
                policy,
                payer: us,
                provider,
                decision,
                disposition: form.note.clone().or_else(|| {
                    Some(
                        match decision {
                            DecisionInput::Approved => "Approved",
                            DecisionInput::PartiallyApproved => "Partially approved",
                            DecisionInput::Rejected => "Rejected",
                            DecisionInput::Pending => "Under review",
                        }
                        .to_owned(),
                    )
                }),
                pre_auth_ref: (use_ == ClaimUse::Preauthorization && !reject).then(|| {
                    let id = uuid::Uuid::new_v4().simple().to_string();
                    format!("PA-{}", id.get(..8).unwrap_or(&id).to_ascii_uppercase())
                }),
                items,
                notes: form.reasons.clone(),
                payment: None,
                errors: Vec::new(),
            };
            let b = build::claim_response_bundle(&input, &mut ctx)?;
            (serde_json::to_value(b).map_err(hcx_fhir::Error::from)?, Some(total))
        };
        let (kind, status) = match (pending, reject) {
            (true, _) => (AnswerKind::Partial, Status::ResponsePartial),
            (false, true) => (AnswerKind::Rejected, Status::ResponseComplete),
            (false, false) => (AnswerKind::Complete, Status::ResponseComplete),
        };
        let approved_total = approved_total.filter(|_| !pending);
        let headers = Headers::callback_to(&inc.headers, status);
        self.queue(
            &profile,
            Outgoing {
                action: inc.action.callback(),
                headers,
                payload: Some(bundle),
                new_thread: None,
                event: Some(Event::Decided(kind)),
                amounts: approved_total
                    .map(|t| AmountUpdate { approved: Some(t), ..AmountUpdate::default() }),
                audit_event: "decision.queued",
            },
        )
    }

    /// Asks the hospital for documents or information on an incoming request
    /// (`communication/request` in the same cycle).
    pub async fn request_documents(
        &self,
        correlation_id: &str,
        asks: Vec<String>,
    ) -> Result<SendReceipt> {
        let profile = self.active()?;
        let inc = self.incoming_request(&profile, correlation_id)?;
        Self::ensure_open(&inc.thread)?;
        let summary = inc.payload.as_ref().map(payload::summary_of);
        let provider_code = inc.headers.sender_code().unwrap_or_default().to_owned();
        let input = CommunicationRequestInput {
            request_number: {
                let id = uuid::Uuid::new_v4().simple().to_string();
                format!("QRY-{}", id.get(..10).unwrap_or(&id).to_ascii_uppercase())
            },
            claim_number: summary
                .as_ref()
                .and_then(|s| s.claim.as_ref())
                .and_then(|c| c.number.clone())
                .unwrap_or_else(|| correlation_id.to_owned()),
            patient: patient_from(
                summary.as_ref(),
                inc.thread.patient_label.as_deref(),
                correlation_id,
            ),
            payer: PayerInput {
                code: profile.fields.participant_code.clone(),
                name: profile.fields.name.clone(),
                id_system: None,
            },
            provider: ProviderInput {
                hfr_id: provider_code.clone(),
                name: provider_code.clone(),
                rohini_id: None,
                phone: None,
            },
            asks,
        };
        let bundle = serde_json::to_value(build::communication_request_bundle(
            &input,
            &mut BuildContext::live(),
        )?)
        .map_err(hcx_fhir::Error::from)?;
        let headers = Headers::action(
            &profile.fields.participant_code,
            &provider_code,
            correlation_id,
            inc.headers.workflow_id(),
            dialect(&profile),
        );
        self.queue(
            &profile,
            Outgoing {
                action: Action::CommunicationRequest,
                headers,
                payload: Some(bundle),
                new_thread: None,
                event: Some(Event::Query),
                amounts: None,
                audit_event: "query.sent",
            },
        )
    }

    /// Redirects an incoming request to another payer or TPA (plain `response.redirect`; the
    /// gateway allows it on eligibility, preauth and claim only).
    pub async fn redirect(&self, correlation_id: &str, to: &str) -> Result<SendReceipt> {
        let profile = self.active()?;
        let inc = self.incoming_request(&profile, correlation_id)?;
        if inc.thread.state != ThreadState::Received {
            return Err(ConsoleError::NotAllowed(
                "only an unanswered request can be redirected".into(),
            ));
        }
        let callback = inc.action.callback();
        if !callback.redirect_allowed() {
            return Err(ConsoleError::NotAllowed(format!(
                "{} cannot be redirected (only eligibility, preauth and claim can)",
                inc.action.path()
            )));
        }
        if to.trim().is_empty() {
            return Err(ConsoleError::input("to", "is required"));
        }
        let headers = ProtocolResponse::redirect(&inc.headers, to.trim());
        self.queue(
            &profile,
            Outgoing {
                action: callback,
                headers,
                payload: None,
                new_thread: None,
                event: Some(Event::Decided(AnswerKind::Redirect)),
                amounts: None,
                audit_event: "request.redirected",
            },
        )
    }

    /// Answers an incoming request with a protocol error (e.g. `ERR_DOMAIN_PROCESSING`).
    pub async fn respond_error(
        &self,
        correlation_id: &str,
        code: &str,
        message: &str,
    ) -> Result<SendReceipt> {
        let profile = self.active()?;
        let inc = self.incoming_request(&profile, correlation_id)?;
        Self::ensure_open(&inc.thread)?;
        let code = ErrorCode::parse(code);
        if !code.is_recipient_whitelisted() {
            return Err(ConsoleError::input(
                "code",
                format!("{code} is not a code a participant may send (see wire facts §3.4)"),
            ));
        }
        let headers = ProtocolResponse::error(&inc.headers, &Details::new(code.as_str(), message));
        self.queue(
            &profile,
            Outgoing {
                action: inc.action.callback(),
                headers,
                payload: None,
                new_thread: None,
                event: Some(Event::Decided(AnswerKind::Error)),
                amounts: None,
                audit_event: "error.answered",
            },
        )
    }
}
