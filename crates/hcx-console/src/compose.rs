//! Provider-side use cases: check and send a composed eligibility check, preauth,
//! predetermination or claim; send a ready bundle (`hcx send`); answer a payer's query with
//! documents; acknowledge a payment notice; ask `/hcx/status`; retry.

use base64::Engine as _;
use chrono::{NaiveDate, Utc};
use hcx_fhir::build::{
    self, BuildContext, ClaimInput, ClaimType, ClaimUse, CodeInput, CommunicationInput,
    DiagnosisInput, DiagnosisKind, DocumentInput, EligibilityPurpose, EligibilityRequestInput,
    Gender, ItemInput, PatientInput, PayerInput, PolicyInput, PractitionerInput, ProviderInput,
    RelatedClaimInput, RelatedKind,
};
use hcx_fhir::{AttachmentBuilder, Severity};
use hcx_protocol::{Action, Headers, Status};
use hcx_store::{NewThread, Profile, ThreadDirection, ThreadState, UseCase};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::console::{Console, audit};
use crate::dto::{
    AttachmentForm, ComposeForm, FindingView, QueryAnswerForm, SendReceipt, ThreadSummary,
};
use crate::error::{ConsoleError, Result};
use crate::outbox::{Outgoing, advance};
use crate::payload;
use crate::thread_state::Event;

/// Maps a profile's dialect to the wire one.
pub(crate) fn dialect(profile: &Profile) -> hcx_protocol::Dialect {
    match profile.fields.dialect {
        hcx_store::Dialect::Swasth => hcx_protocol::Dialect::Swasth,
        hcx_store::Dialect::Nhcx => hcx_protocol::Dialect::Nhcx,
    }
}

fn request_action(use_case: &str) -> Result<Action> {
    Ok(match use_case {
        "coverageeligibility" => Action::CoverageEligibilityCheck,
        "preauth" => Action::PreauthSubmit,
        "claim" => Action::ClaimSubmit,
        "predetermination" => Action::PredeterminationSubmit,
        other => {
            return Err(ConsoleError::input(
                "useCase",
                format!("{other:?} is not coverageeligibility, preauth, predetermination or claim"),
            ));
        }
    })
}

fn parse_amount(field: &str, text: &str) -> Result<Decimal> {
    text.trim()
        .replace(',', "")
        .parse::<Decimal>()
        .map_err(|_| ConsoleError::input(field, format!("{text:?} is not an amount")))
}

fn gender(text: &str) -> Gender {
    match text.trim().to_ascii_lowercase().as_str() {
        "male" | "m" => Gender::Male,
        "female" | "f" => Gender::Female,
        "other" | "o" => Gender::Other,
        _ => Gender::Unknown,
    }
}

fn date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ConsoleError::input(field, format!("{t:?} is not a YYYY-MM-DD date"))),
    }
}

/// "K35.8 Acute appendicitis" → code and description.
fn diagnosis(text: &str, kind: DiagnosisKind) -> DiagnosisInput {
    let t = text.trim();
    let (code, rest) = t.split_once(char::is_whitespace).unwrap_or((t, t));
    let description = rest.trim().trim_start_matches(['-', '—', ':']).trim();
    DiagnosisInput {
        icd10_code: code.to_owned(),
        description: if description.is_empty() { code.to_owned() } else { description.to_owned() },
        kind,
    }
}

fn documents(attachments: &[AttachmentForm]) -> Result<Vec<hcx_fhir::types::Attachment>> {
    attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let bytes =
                base64::engine::general_purpose::STANDARD.decode(a.data_base64.trim()).map_err(
                    |e| ConsoleError::input(format!("attachments[{i}].dataBase64"), e.to_string()),
                )?;
            Ok(AttachmentBuilder::from_bytes(&bytes, &a.content_type, &a.title)?
                .with_creation(Utc::now())
                .attachment)
        })
        .collect()
}

fn short_id(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", id.get(..10).unwrap_or(&id).to_ascii_uppercase())
}

/// A FHIR payment acknowledgement: a completed Task whose output says the payment was received.
/// (Adapter: hcx-fhir has no builder for the `paymentnotice/on_request` payload yet.)
fn payment_ack_bundle(notice: &Value) -> Value {
    let task_id = uuid::Uuid::new_v4().to_string();
    let focus = notice
        .get("entry")
        .and_then(Value::as_array)
        .and_then(|e| {
            e.iter().find(|x| {
                x.pointer("/resource/resourceType").and_then(Value::as_str) == Some("PaymentNotice")
            })
        })
        .and_then(|x| x.get("fullUrl").cloned());
    let mut task = json!({
        "resourceType": "Task",
        "id": task_id,
        "status": "completed",
        "intent": "order",
        "authoredOn": hcx_fhir::time::instant(Utc::now()),
        "output": [{"type": {"text": "status"}, "valueString": "paymentack"}],
    });
    if let Some(f) = focus {
        task["focus"] = json!({ "reference": f });
    }
    json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "collection",
        "timestamp": hcx_fhir::time::instant(Utc::now()),
        "entry": [{ "fullUrl": format!("urn:uuid:{task_id}"), "resource": task }],
    })
}

/// What `build_compose` produces.
struct Composed {
    action: Action,
    bundle: Value,
    workflow_id: String,
}

impl Console {
    fn payer_input(&self, profile: &Profile, code: &str) -> Result<PayerInput> {
        let name = self
            .read(|r| Ok(r.get_registry_entry(&profile.id, code)?))?
            .and_then(|e| e.participant_name)
            .unwrap_or_else(|| code.to_owned());
        Ok(PayerInput { code: code.to_owned(), name, id_system: None })
    }

    fn build_compose(&self, profile: &Profile, form: &ComposeForm) -> Result<Composed> {
        let action = request_action(&form.use_case)?;
        if form.recipient.trim().is_empty() {
            return Err(ConsoleError::input("recipient", "is required"));
        }
        let patient = PatientInput {
            name: form.patient_name.clone(),
            gender: gender(&form.patient_gender),
            birth_date: date("patientBirthDate", form.patient_birth_date.as_deref())?,
            abha_number: form.patient_abha.clone(),
            abha_address: None,
            pmjay_id: None,
            mrn: None,
            phone: None,
        };
        let policy = PolicyInput {
            policy_number: form.policy_number.clone(),
            policy_system: None,
            plan: None,
            member_id: None,
            valid_from: None,
            valid_to: None,
        };
        let payer = self.payer_input(profile, form.recipient.trim())?;
        let provider = ProviderInput {
            hfr_id: profile.fields.participant_code.clone(),
            name: profile.fields.name.clone(),
            rohini_id: None,
            phone: None,
        };
        let practitioner = match (&form.practitioner_name, &form.practitioner_hpr_id) {
            (Some(name), Some(hpr)) if !name.trim().is_empty() && !hpr.trim().is_empty() => {
                Some(PractitionerInput { name: name.clone(), hpr_id: hpr.clone() })
            }
            _ => None,
        };
        let related = match &form.related_correlation_id {
            Some(c) if !c.trim().is_empty() => Some(self.related_cycle(profile, c.trim())?),
            _ => None,
        };
        let workflow_id = form
            .workflow_id
            .clone()
            .filter(|w| !w.trim().is_empty())
            .or_else(|| related.as_ref().and_then(|r| r.workflow_id.clone()))
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut ctx = BuildContext::live();
        let bundle = if action == Action::CoverageEligibilityCheck {
            let practitioner = practitioner.ok_or_else(|| {
                ConsoleError::input(
                    "practitionerHprId",
                    "an eligibility check names the practitioner entering it (name and HPR id)",
                )
            })?;
            let input = EligibilityRequestInput {
                request_number: short_id("ELG"),
                purposes: vec![EligibilityPurpose::Validation, EligibilityPurpose::Benefits],
                patient,
                policy,
                payer,
                provider,
                practitioner,
                service_from: None,
                service_to: None,
                items: Vec::new(),
            };
            serde_json::to_value(build::eligibility_request_bundle(&input, &mut ctx)?)
                .map_err(hcx_fhir::Error::from)?
        } else {
            let use_ = match action {
                Action::PreauthSubmit => ClaimUse::Preauthorization,
                Action::PredeterminationSubmit => ClaimUse::Predetermination,
                _ => ClaimUse::Claim,
            };
            let kind = if use_ == ClaimUse::Claim {
                DiagnosisKind::Final
            } else {
                DiagnosisKind::Provisional
            };
            let mut items = Vec::with_capacity(form.items.len());
            for (i, it) in form.items.iter().enumerate() {
                items.push(ItemInput {
                    product: CodeInput::new(&it.code, &it.description),
                    category: None,
                    quantity: parse_amount(&format!("items[{i}].quantity"), &it.quantity)?,
                    unit_price: parse_amount(&format!("items[{i}].unitPrice"), &it.unit_price)?,
                    service_date: None,
                });
            }
            let docs = documents(&form.attachments)?
                .into_iter()
                .map(|attachment| DocumentInput {
                    category: CodeInput::new("HDS", "Hospital documents"),
                    code: CodeInput::new("MAND0409", "Supporting document"),
                    attachment,
                    carrier: Default::default(),
                })
                .collect();
            let (related_input, pre_auth_ref) = match &related {
                Some(r) => {
                    let kind = match (r.use_case, use_) {
                        (UseCase::Preauth, ClaimUse::Claim) => RelatedKind::Settlement,
                        (UseCase::Preauth, ClaimUse::Preauthorization) => RelatedKind::Enhancement,
                        _ => RelatedKind::Resubmission,
                    };
                    (
                        r.claim_number.clone().map(|n| RelatedClaimInput { kind, claim_number: n }),
                        r.pre_auth_ref.clone(),
                    )
                }
                None => (None, None),
            };
            let input = ClaimInput {
                claim_number: short_id("CLN"),
                claim_number_system: None,
                use_,
                claim_type: ClaimType::Inpatient,
                patient,
                policy,
                payer,
                provider,
                practitioner,
                encounter: None,
                diagnoses: form.diagnoses.iter().map(|d| diagnosis(d, kind)).collect(),
                procedures: Vec::new(),
                items,
                documents: docs,
                related: related_input,
                pre_auth_ref,
            };
            serde_json::to_value(build::claim_bundle(&input, &mut ctx)?)
                .map_err(hcx_fhir::Error::from)?
        };
        Ok(Composed { action, bundle, workflow_id })
    }

    /// Builds the bundle a compose form describes and checks it against the NHCX rules.
    /// Builder refusals come back as error findings on the form field at fault.
    pub async fn check_compose(&self, form: ComposeForm) -> Result<Vec<FindingView>> {
        let profile = self.active()?;
        match self.build_compose(&profile, &form) {
            Ok(c) => Ok(hcx_fhir::check(&c.bundle).into_iter().map(finding_view).collect()),
            Err(ConsoleError::Fhir(hcx_fhir::Error::InvalidInput { field, reason }))
            | Err(ConsoleError::Input { field, reason }) => Ok(vec![FindingView {
                severity: "error".to_owned(),
                path: field,
                rule: "form.invalid".to_owned(),
                message: reason,
            }]),
            Err(e) => Err(e),
        }
    }

    /// Builds the bundle, refuses it when the checker finds errors, and queues it.
    pub async fn send_compose(&self, form: ComposeForm) -> Result<SendReceipt> {
        let profile = self.active()?;
        let composed = self.build_compose(&profile, &form)?;
        let errors: Vec<FindingView> = hcx_fhir::check(&composed.bundle)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(finding_view)
            .collect();
        if let Some(first) = errors.first() {
            return Err(ConsoleError::input(
                first.path.clone(),
                format!("{} ({} problem(s); run check first)", first.message, errors.len()),
            ));
        }
        self.queue_request(
            &profile,
            composed.action,
            form.recipient.trim(),
            composed.bundle,
            Some(&composed.workflow_id),
        )
    }

    /// Queues a ready FHIR bundle as a new request cycle (`hcx send`).
    pub async fn send_bundle(
        &self,
        action: Action,
        recipient: &str,
        bundle: Value,
        workflow_id: Option<&str>,
    ) -> Result<SendReceipt> {
        if action.is_callback() || use_case_for(action).is_none() {
            return Err(ConsoleError::input(
                "action",
                format!(
                    "{} does not start a cycle; answer cycles with their own commands",
                    action.path()
                ),
            ));
        }
        if !bundle.is_object() {
            return Err(ConsoleError::input("file", "the payload must be a JSON object"));
        }
        let profile = self.active()?;
        self.queue_request(&profile, action, recipient.trim(), bundle, workflow_id)
    }

    fn queue_request(
        &self,
        profile: &Profile,
        action: Action,
        recipient: &str,
        bundle: Value,
        workflow_id: Option<&str>,
    ) -> Result<SendReceipt> {
        if recipient.is_empty() {
            return Err(ConsoleError::input("recipient", "is required"));
        }
        self.check_may_start(profile, recipient)?;
        let use_case = use_case_for(action)
            .ok_or_else(|| ConsoleError::input("action", "not a request that opens a cycle"))?;
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let headers = Headers::action(
            &profile.fields.participant_code,
            recipient,
            &correlation_id,
            workflow_id,
            dialect(profile),
        );
        let summary = payload::summary_of(&bundle);
        let thread = NewThread {
            profile_id: profile.id.clone(),
            correlation_id,
            workflow_id: workflow_id.map(str::to_owned),
            use_case,
            counterparty_code: recipient.to_owned(),
            direction: ThreadDirection::Outgoing,
            state: ThreadState::Queued,
            requested_amount: payload::requested(&summary),
            currency: "INR".to_owned(),
            patient_label: payload::patient(&summary),
            opened_at: Utc::now(),
        };
        self.queue(
            profile,
            Outgoing {
                action,
                headers,
                payload: Some(bundle),
                new_thread: Some(thread),
                event: None,
                amounts: None,
                audit_event: "request.queued",
            },
        )
    }

    /// Answers the payer's open query on a cycle with a message and documents.
    pub async fn answer_query(&self, form: QueryAnswerForm) -> Result<SendReceipt> {
        let profile = self.active()?;
        let thread = self.thread_row(&profile, &form.correlation_id)?;
        if thread.state != ThreadState::Query {
            return Err(ConsoleError::NotAllowed(format!(
                "cycle {} has no open query (it is {})",
                form.correlation_id, thread.state
            )));
        }
        let (query_headers, query_payload) =
            self.last_incoming(&profile, &thread, Action::CommunicationRequest)?.ok_or_else(
                || ConsoleError::NotAllowed("no query message found in this cycle".into()),
            )?;
        let query = query_payload.as_ref().map(payload::summary_of);
        let own = self.first_outgoing_payload(&profile, &form.correlation_id)?;
        let own_summary = own.as_ref().map(payload::summary_of);
        // `last_incoming` only returns the counterparty's own query, so this is the thread's
        // counterparty; it is spelled out so the answer can go nowhere else.
        let payer_code = thread.counterparty_code.clone();
        let input = CommunicationInput {
            communication_number: short_id("COM"),
            request_number: query
                .as_ref()
                .and_then(|s| s.focal.as_ref().and_then(|f| f.id.clone()))
                .unwrap_or_else(|| form.correlation_id.clone()),
            claim_number: own_summary
                .as_ref()
                .and_then(|s| s.claim.as_ref().and_then(|c| c.number.clone()))
                .unwrap_or_else(|| form.correlation_id.clone()),
            patient: patient_from(
                own_summary.as_ref(),
                thread.patient_label.as_deref(),
                &form.correlation_id,
            ),
            payer: self.payer_input(&profile, &payer_code)?,
            provider: ProviderInput {
                hfr_id: profile.fields.participant_code.clone(),
                name: profile.fields.name.clone(),
                rohini_id: None,
                phone: None,
            },
            message: Some(form.text.clone()).filter(|t| !t.trim().is_empty()),
            attachments: documents(&form.attachments)?,
        };
        let bundle =
            serde_json::to_value(build::communication_bundle(&input, &mut BuildContext::live())?)
                .map_err(hcx_fhir::Error::from)?;
        let headers = Headers::callback_to(&query_headers, Status::ResponseComplete);
        self.queue(
            &profile,
            Outgoing {
                action: Action::CommunicationOnRequest,
                headers,
                payload: Some(bundle),
                new_thread: None,
                event: Some(Event::QueryAnswered),
                amounts: None,
                audit_event: "query.answered",
            },
        )
    }

    /// Acknowledges an incoming payment notice.
    pub async fn acknowledge_payment(&self, correlation_id: &str) -> Result<SendReceipt> {
        let profile = self.active()?;
        let thread = self.thread_row(&profile, correlation_id)?;
        if thread.use_case != UseCase::PaymentNotice
            || thread.direction != ThreadDirection::Incoming
        {
            return Err(ConsoleError::NotAllowed(format!(
                "{correlation_id} is not a payment notice"
            )));
        }
        if thread.state != ThreadState::Received {
            return Err(ConsoleError::NotAllowed(format!(
                "payment notice {correlation_id} is already {}",
                thread.state
            )));
        }
        let (headers, notice) =
            self.last_incoming(&profile, &thread, Action::PaymentNoticeRequest)?.ok_or_else(
                || ConsoleError::NotAllowed("the payment notice was not readable".into()),
            )?;
        let reply = Headers::callback_to(&headers, Status::ResponseComplete);
        self.queue(
            &profile,
            Outgoing {
                action: Action::PaymentNoticeOnRequest,
                headers: reply,
                payload: Some(payment_ack_bundle(&notice.unwrap_or(Value::Null))),
                new_thread: None,
                event: Some(Event::Decided(crate::thread_state::AnswerKind::Complete)),
                amounts: None,
                audit_event: "payment.acknowledged",
            },
        )
    }

    /// Asks the gateway where our request is (`/hcx/status`); a dispatched request moves its
    /// cycle to `dispatched`.
    pub async fn ask_status(&self, correlation_id: &str) -> Result<ThreadSummary> {
        let profile = self.active()?;
        let thread = self.thread_row(&profile, correlation_id)?;
        let client = self.client(&profile)?;
        let report = client.hcx_status(correlation_id, &thread.counterparty_code).await?;
        let status = report.result.as_ref().and_then(|r| r.protocol_status.clone());
        let now = Utc::now();
        self.write(|w| {
            if status.as_deref() == Some(Status::RequestDispatched.as_str()) {
                advance(w, &profile.id, correlation_id, Event::Dispatched, now)?;
            }
            w.append_audit(&audit(
                &profile.id,
                Some(correlation_id),
                "operator",
                "status.asked",
                json!({ "protocolStatus": status }),
                now,
            ))?;
            Ok(())
        })?;
        self.notify([correlation_id.to_owned()], 0);
        self.thread_summary(&profile, correlation_id)
    }

    /// Retries a cycle: failed outgoing messages go back to the queue; a redirected request is
    /// sent again, as a new cycle in the same workflow, to the participant it was redirected to.
    pub async fn retry(&self, correlation_id: &str) -> Result<SendReceipt> {
        let profile = self.active()?;
        let thread = self.thread_row(&profile, correlation_id)?;
        if thread.state == ThreadState::Redirected && thread.direction == ThreadDirection::Outgoing
        {
            // Only the counterparty's own, applied redirect says where to go: a forged one
            // would have the clerk's whole bundle sent to the forger's choice.
            let entries = self.read(|r| {
                Ok(r.thread_timeline(&profile.id, correlation_id)?
                    .map(|t| t.entries)
                    .unwrap_or_default())
            })?;
            let target = crate::trust::redirect_targets(&entries, &thread.counterparty_code)
                .into_iter()
                .next()
                .ok_or_else(|| {
                    ConsoleError::NotAllowed(format!(
                        "no redirect from {} names a participant",
                        thread.counterparty_code
                    ))
                })?;
            let payload =
                self.first_outgoing_payload(&profile, correlation_id)?.ok_or_else(|| {
                    ConsoleError::NotAllowed("the original request is not stored".into())
                })?;
            let action = request_action(thread.use_case.as_str())?;
            return self.queue_request(
                &profile,
                action,
                &target,
                payload,
                thread.workflow_id.as_deref(),
            );
        }
        let n = self.requeue_failed(&profile, correlation_id)?;
        if n == 0 {
            return Err(ConsoleError::NotAllowed(format!(
                "cycle {correlation_id} has no failed message to retry"
            )));
        }
        Ok(SendReceipt {
            correlation_id: correlation_id.to_owned(),
            api_call_id: String::new(),
            workflow_id: thread.workflow_id,
            state: "queued".to_owned(),
        })
    }
}

/// The use case a request action opens.
pub(crate) fn use_case_for(action: Action) -> Option<UseCase> {
    if action.is_callback() {
        return None;
    }
    match action {
        Action::CoverageEligibilityCheck => Some(UseCase::CoverageEligibility),
        Action::PreauthSubmit => Some(UseCase::Preauth),
        Action::ClaimSubmit => Some(UseCase::Claim),
        Action::PredeterminationSubmit => Some(UseCase::Predetermination),
        Action::CommunicationRequest => Some(UseCase::Communication),
        Action::PaymentNoticeRequest => Some(UseCase::PaymentNotice),
        _ => None,
    }
}

pub(crate) fn finding_view(f: hcx_fhir::Finding) -> FindingView {
    FindingView {
        severity: match f.severity {
            Severity::Error => "error",
            _ => "warning",
        }
        .to_owned(),
        path: f.path,
        rule: f.rule,
        message: f.message,
    }
}

/// A patient input from a summary (the name the cycle knows, the gender, birth date and
/// identifiers the bundle carried). NRCeS wants at least one identifier; when the request named
/// none, `fallback_id` (the cycle's correlation id) stands in as the record number so the
/// answer stays valid and traceable.
pub(crate) fn patient_from(
    s: Option<&hcx_fhir::Summary>,
    label: Option<&str>,
    fallback_id: &str,
) -> PatientInput {
    let p = s.and_then(|s| s.patient.as_ref());
    let id_of = |kinds: &[&str]| {
        p.and_then(|p| {
            p.identifiers
                .iter()
                .find(|i| i.kind.as_deref().is_some_and(|k| kinds.contains(&k)))
                .map(|i| i.value.clone())
        })
    };
    let abha_number = id_of(&["HIN"]).filter(|v| {
        v.chars().filter(char::is_ascii_digit).count() == 14
            && v.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
    });
    let abha_address = id_of(&["ABHA"]);
    let pmjay_id = id_of(&["PMJAY", "PMJAYID"]);
    let mut mrn = id_of(&["MR"]);
    if abha_number.is_none() && abha_address.is_none() && pmjay_id.is_none() && mrn.is_none() {
        mrn = Some(
            p.and_then(|p| p.identifiers.first().map(|i| i.value.clone()))
                .unwrap_or_else(|| fallback_id.to_owned()),
        );
    }
    PatientInput {
        name: p
            .and_then(|p| p.name.clone())
            .or_else(|| label.map(str::to_owned))
            .unwrap_or_else(|| "Unknown patient".to_owned()),
        gender: gender(p.and_then(|p| p.gender.as_deref()).unwrap_or("unknown")),
        birth_date: p
            .and_then(|p| p.birth_date.as_deref())
            .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok()),
        abha_number,
        abha_address,
        pmjay_id,
        mrn,
        phone: None,
    }
}

/// What a related (earlier) cycle contributes to a new claim.
pub(crate) struct RelatedCycle {
    pub use_case: UseCase,
    pub workflow_id: Option<String>,
    pub claim_number: Option<String>,
    pub pre_auth_ref: Option<String>,
}
