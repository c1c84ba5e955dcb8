//! Read use cases: the work queue, one cycle's timeline, a workflow with its ledger. Store rows
//! become `dto` view types here, with headlines a clerk can read.

use chrono::{DateTime, SecondsFormat, Utc};
use hcx_protocol::{Action, Headers, Status};
use hcx_store::{
    Delivery, MessageDirection, OutboxState, Profile, Thread, ThreadDirection, ThreadState,
    TimelineEntry, UseCase,
};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::compose::RelatedCycle;
use crate::console::Console;
use crate::dto::{
    ErrorView, Ledger, SuspiciousList, SuspiciousMessage, ThreadDetail, ThreadFilter,
    ThreadSummary, TimelineNode, WorkflowView,
};
use crate::error::{ConsoleError, Result};
use crate::outbox::OutboxBody;
use crate::payload;
use crate::thread_state::next_actions;

/// A UTC instant as ISO-8601 with `Z`.
pub(crate) fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Money with two decimals and Indian digit grouping: `1,23,456.50`.
pub fn format_amount(amount: Decimal) -> String {
    // Half away from zero, as invoices round (rust_decimal's default is banker's rounding).
    let rounded =
        amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{rounded:.2}");
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.to_owned()),
        None => ("", text),
    };
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let digits: Vec<char> = int.chars().collect();
    let mut grouped = String::new();
    let n = digits.len();
    for (i, c) in digits.iter().enumerate() {
        let remaining = n - i;
        if i > 0 && (remaining == 3 || (remaining > 3 && (remaining - 3).is_multiple_of(2))) {
            grouped.push(',');
        }
        grouped.push(*c);
    }
    format!("{sign}{grouped}.{frac}")
}

fn use_case_title(u: UseCase) -> &'static str {
    match u {
        UseCase::CoverageEligibility => "Eligibility check",
        UseCase::Preauth => "Preauth",
        UseCase::Claim => "Claim",
        UseCase::Predetermination => "Predetermination",
        UseCase::Communication => "Communication",
        UseCase::PaymentNotice => "Payment notice",
    }
}

/// A thread row as the work queue shows it.
/// How many suspicious messages one list call returns (the count covers all of them).
const SUSPICIOUS_PAGE: u32 = 500;

pub(crate) fn summary_view(t: &Thread) -> ThreadSummary {
    ThreadSummary {
        correlation_id: t.correlation_id.clone(),
        workflow_id: t.workflow_id.clone(),
        use_case: t.use_case.as_str().to_owned(),
        direction: t.direction.as_str().to_owned(),
        counterparty: t.counterparty_code.clone(),
        counterparty_name: t.counterparty_name.clone(),
        state: t.state.as_str().to_owned(),
        patient: t.patient_label.clone(),
        requested: t.requested_amount.map(|d| d.to_string()),
        approved: t.approved_amount.map(|d| d.to_string()),
        settled: t.settled_amount.map(|d| d.to_string()),
        currency: Some(t.currency.clone()),
        opened_at: utc(t.opened_at),
        updated_at: utc(t.updated_at),
        due_at: None,
    }
}

fn list_of<T: Copy>(
    values: &[String],
    parse: impl Fn(&str) -> Option<T>,
    field: &str,
) -> Result<Vec<T>> {
    values
        .iter()
        .map(|v| parse(v).ok_or_else(|| ConsoleError::input(field, format!("unknown value {v:?}"))))
        .collect()
}

/// What one message means on the timeline.
fn node_kind(
    direction: MessageDirection,
    action: Option<Action>,
    delivery: Delivery,
    status: Option<Status>,
    failed: bool,
) -> &'static str {
    let answer_kind = || match status {
        Some(Status::ResponsePartial) => "partial",
        Some(Status::ResponseError) => "error",
        Some(Status::ResponseRedirect) => "redirect",
        _ => "complete",
    };
    match direction {
        MessageDirection::Out => match delivery {
            Delivery::Queued => "queued",
            Delivery::Sent => "sent",
            Delivery::Rejected | Delivery::Failed => "error",
            _ if failed => "error",
            _ => match action {
                Some(Action::CommunicationRequest) => "query",
                Some(Action::CommunicationOnRequest | Action::PaymentNoticeOnRequest) => "answer",
                Some(a) if a.is_callback() => answer_kind(),
                _ => "acknowledged",
            },
        },
        MessageDirection::In => match action {
            Some(Action::CommunicationRequest) => "query",
            Some(Action::CommunicationOnRequest | Action::PaymentNoticeOnRequest) => "answer",
            Some(Action::PaymentNoticeRequest) => "payment",
            Some(a) if a.is_callback() => answer_kind(),
            _ => "received",
        },
    }
}

fn headline(
    kind: &str,
    action: Option<Action>,
    thread: &Thread,
    summary: Option<&hcx_fhir::Summary>,
    headers: &Headers,
    error: Option<&ErrorView>,
) -> (String, Option<Decimal>) {
    let title = use_case_title(thread.use_case);
    let money = |d: Option<Decimal>| d.map(format_amount);
    let requested = summary.and_then(payload::requested);
    match kind {
        "error" => {
            let e =
                error.map_or_else(|| "error".to_owned(), |e| format!("{}: {}", e.code, e.message));
            (format!("Error {e}"), None)
        }
        "redirect" => (
            format!("Redirected to {}", headers.redirect_to().unwrap_or("another participant")),
            None,
        ),
        "query" => {
            let asks = summary.map(|s| s.documents_requested.join("; ")).filter(|t| !t.is_empty());
            (
                format!(
                    "Query: {}",
                    asks.unwrap_or_else(|| "documents or information requested".into())
                ),
                None,
            )
        }
        "answer" if action == Some(Action::PaymentNoticeOnRequest) => {
            ("Payment acknowledged".into(), None)
        }
        "answer" => {
            let docs = summary.map_or(0, |s| s.attachments.len());
            (format!("Query answered with {docs} document(s)"), None)
        }
        "payment" => {
            let paid = summary.and_then(payload::paid);
            let utr = summary
                .and_then(|s| s.payment.as_ref())
                .and_then(|p| p.reference.clone())
                .map(|r| format!(" (UTR {r})"))
                .unwrap_or_default();
            (
                format!(
                    "Payment of {} received{utr}",
                    money(paid).unwrap_or_else(|| "an amount".into())
                ),
                paid,
            )
        }
        "complete" | "partial" => {
            let decision = summary.and_then(payload::decision).unwrap_or("decided");
            let approved = summary.and_then(payload::approved);
            let of = thread.requested_amount.or(requested);
            let text = match (decision, approved, of) {
                ("in force" | "not in force", _, _) => format!("Policy {decision}"),
                ("rejected", _, _) => {
                    let why = summary
                        .and_then(|s| s.decision.as_ref())
                        .and_then(|d| d.reasons.first().cloned())
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default();
                    format!("Rejected{why}")
                }
                (d, Some(a), Some(of)) => {
                    format!("{} {} of {}", capitalise(d), format_amount(a), format_amount(of))
                }
                (d, Some(a), None) => format!("{} {}", capitalise(d), format_amount(a)),
                (d, None, _) => capitalise(d),
            };
            let text = if kind == "partial" { format!("Interim answer: {text}") } else { text };
            (text, approved)
        }
        _ => {
            let verb = match kind {
                "received" => "received",
                "queued" => "queued",
                "sent" => "sent",
                _ => "accepted by the gateway",
            };
            let amount =
                requested.map(|r| format!(" for {}", format_amount(r))).unwrap_or_default();
            let _ = action;
            (format!("{title} {verb}{amount}"), requested)
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn error_of(entry: &TimelineEntry, headers: &Headers) -> Option<ErrorView> {
    if let Some(Ok(d)) = headers.error_details()
        && headers.status().and_then(std::result::Result::ok) == Some(Status::ResponseError)
    {
        return Some(ErrorView { code: d.code, message: d.message });
    }
    let m = &entry.message;
    if let Some(code) = &m.error_code {
        let message = m
            .gateway_response
            .as_ref()
            .and_then(|g| g.pointer("/error/message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| "the message could not be processed".to_owned());
        return Some(ErrorView { code: code.clone(), message });
    }
    entry.outbox.as_ref().filter(|o| o.state == OutboxState::Failed).map(|o| ErrorView {
        code: "SEND_FAILED".to_owned(),
        message: o.last_error.clone().unwrap_or_default(),
    })
}

fn node(thread: &Thread, entry: &TimelineEntry, with_fhir: bool) -> TimelineNode {
    let m = &entry.message;
    let action = Action::from_path(&m.action).map(|(_, a)| a);
    let headers = m.protected_headers.clone().and_then(Headers::from_value).unwrap_or_default();
    let status = headers.status().and_then(std::result::Result::ok);
    let failed = entry.outbox.as_ref().is_some_and(|o| o.state == OutboxState::Failed);
    let unreadable = m.direction == MessageDirection::In && m.problem.is_some();
    let kind = if unreadable {
        "unreadable"
    } else if m.rejected_reason.is_some() {
        "rejected"
    } else if m.direction == MessageDirection::In && m.error_code.is_some() {
        "error"
    } else {
        node_kind(m.direction, action, entry.delivery, status, failed)
    };
    // An unreadable message moved nothing and its content is not summarised again.
    let summary = m.decrypted_payload.as_ref().filter(|_| !unreadable).map(payload::summary_of);
    let error = error_of(entry, &headers);
    // Neither an unreadable nor a rejected message moved anything, so neither shows money.
    let (headline, amount) = match (&m.problem, &m.rejected_reason) {
        (Some(problem), _) if unreadable => (format!("Could not read: {problem}"), None),
        (_, Some(reason)) => (format!("Not applied: {reason}"), None),
        _ => headline(kind, action, thread, summary.as_ref(), &headers, error.as_ref()),
    };
    let at = m.received_at.or(m.acked_at).or(m.sent_at).unwrap_or(m.created_at);
    TimelineNode {
        api_call_id: m.api_call_id.clone(),
        kind: kind.to_owned(),
        at: utc(at),
        direction: match m.direction {
            MessageDirection::In => "in",
            MessageDirection::Out => "out",
        }
        .to_owned(),
        action: m.action.clone(),
        sender: m.sender_code.clone().unwrap_or_default(),
        recipient: m.recipient_code.clone().unwrap_or_default(),
        protocol_status: m.protocol_status.clone(),
        amount: amount.map(|a| a.to_string()),
        headline,
        headers: m.protected_headers.clone().unwrap_or(Value::Null),
        gateway_answer: m.gateway_response.clone(),
        summary: summary.and_then(|s| s.to_value().ok()),
        fhir: if with_fhir { m.decrypted_payload.clone() } else { None },
        error,
    }
}

/// A node for an outbox row whose first attempt has not happened yet.
fn pending_node(thread: &Thread, row: &hcx_store::OutboxItem) -> Option<TimelineNode> {
    let body: OutboxBody = serde_json::from_str(&row.body).ok()?;
    let headers = Headers::from_map(body.headers.clone());
    let action = Action::from_path(&row.action).map(|(_, a)| a);
    let summary = body.payload.as_ref().map(payload::summary_of);
    let (kind, error) = match row.state {
        OutboxState::Failed => (
            "error",
            Some(ErrorView {
                code: "SEND_FAILED".to_owned(),
                message: row.last_error.clone().unwrap_or_default(),
            }),
        ),
        _ => ("queued", None),
    };
    let (headline, amount) =
        headline(kind, action, thread, summary.as_ref(), &headers, error.as_ref());
    Some(TimelineNode {
        api_call_id: row.api_call_id.clone(),
        kind: kind.to_owned(),
        at: utc(row.created_at),
        direction: "out".to_owned(),
        action: row.action.clone(),
        sender: headers.sender_code().unwrap_or_default().to_owned(),
        recipient: row.recipient_code.clone(),
        protocol_status: headers.get_str(hcx_protocol::names::STATUS).map(str::to_owned),
        amount: amount.map(|a| a.to_string()),
        headline,
        headers: Value::Object(body.headers),
        gateway_answer: None,
        summary: summary.and_then(|s| s.to_value().ok()),
        fhir: None,
        error,
    })
}

impl Console {
    /// The work queue of the active profile.
    pub async fn list_threads(&self, filter: ThreadFilter) -> Result<Vec<ThreadSummary>> {
        let profile = self.active()?;
        let store_filter = hcx_store::ThreadFilter {
            profile_id: profile.id.clone(),
            states: list_of(filter.states.as_deref().unwrap_or(&[]), ThreadState::parse, "states")?,
            use_cases: list_of(filter.use_case.as_slice(), UseCase::parse, "useCase")?,
            direction: filter
                .direction
                .as_deref()
                .map(|d| {
                    ThreadDirection::parse(d).ok_or_else(|| {
                        ConsoleError::input("direction", format!("unknown value {d:?}"))
                    })
                })
                .transpose()?,
            counterparty_code: filter.counterparty.clone(),
            text: filter.text.clone(),
            ..hcx_store::ThreadFilter::default()
        };
        let threads = self.read(|r| Ok(r.list_threads(&store_filter)?))?;
        Ok(threads.iter().map(summary_view).collect())
    }

    /// The active profile's suspicious list: incoming messages stored but not applied because
    /// their sender may not move the cycle they name, newest first.
    pub async fn list_suspicious(&self) -> Result<SuspiciousList> {
        let profile = self.active()?;
        let (total, rows) = self.read(|r| {
            Ok((
                r.count_rejected_messages(&profile.id)?,
                r.list_rejected_messages(&profile.id, SUSPICIOUS_PAGE)?,
            ))
        })?;
        let messages = rows
            .into_iter()
            .map(|m| SuspiciousMessage {
                id: m.id,
                at: utc(m.received_at.unwrap_or(m.created_at)),
                sender: m.sender_code.unwrap_or_default(),
                action: m.action,
                correlation_id: m.correlation_id,
                workflow_id: m.workflow_id,
                api_call_id: m.api_call_id,
                reason: m.rejected_reason.unwrap_or_default(),
                headers: m.protected_headers.unwrap_or(Value::Null),
                raw_body: m.raw_body,
            })
            .collect();
        Ok(SuspiciousList { total, messages })
    }

    /// One cycle with its timeline and next actions (decrypted FHIR left out).
    pub async fn get_thread(&self, correlation_id: &str) -> Result<ThreadDetail> {
        self.thread_detail(correlation_id, false)
    }

    /// One cycle with the decrypted FHIR of every message included.
    pub async fn get_thread_with_fhir(&self, correlation_id: &str) -> Result<ThreadDetail> {
        self.thread_detail(correlation_id, true)
    }

    fn thread_detail(&self, correlation_id: &str, with_fhir: bool) -> Result<ThreadDetail> {
        let profile = self.active()?;
        let (timeline, outbox) = self.read(|r| {
            let t = r
                .thread_timeline(&profile.id, correlation_id)?
                .ok_or_else(|| ConsoleError::ThreadNotFound(correlation_id.to_owned()))?;
            let o: Vec<hcx_store::OutboxItem> = r
                .list_outbox(&profile.id, None)?
                .into_iter()
                .filter(|o| o.correlation_id.as_deref() == Some(correlation_id))
                .collect();
            Ok((t, o))
        })?;
        let thread = &timeline.thread;
        let mut nodes: Vec<TimelineNode> =
            timeline.entries.iter().map(|e| node(thread, e, with_fhir)).collect();
        for row in &outbox {
            if !timeline.entries.iter().any(|e| e.message.api_call_id == row.api_call_id) {
                nodes.extend(pending_node(thread, row));
            }
        }
        let failed = outbox.iter().any(|o| o.state == OutboxState::Failed);
        Ok(ThreadDetail {
            thread: summary_view(thread),
            timeline: nodes,
            next_actions: next_actions(thread.state, thread.direction, thread.use_case, failed)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        })
    }

    /// All cycles of one workflow (admission) and its money.
    pub async fn get_workflow(&self, workflow_id: &str) -> Result<WorkflowView> {
        let profile = self.active()?;
        let cycles = self
            .read(|r| Ok(r.workflow_cycles(&profile.id, workflow_id)?))?
            .ok_or_else(|| ConsoleError::ThreadNotFound(format!("workflow {workflow_id}")))?;
        let ledger = cycles.ledgers.first().map_or_else(
            || Ledger {
                billed: "0".into(),
                approved: "0".into(),
                settled: "0".into(),
                currency: "INR".into(),
            },
            |l| Ledger {
                billed: l.billed.to_string(),
                approved: l.approved.to_string(),
                settled: l.settled.to_string(),
                currency: l.currency.clone(),
            },
        );
        Ok(WorkflowView {
            workflow_id: workflow_id.to_owned(),
            patient: cycles
                .workflow
                .patient_label
                .clone()
                .or_else(|| cycles.threads.iter().find_map(|t| t.patient_label.clone())),
            cycles: cycles.threads.iter().map(summary_view).collect(),
            ledger,
        })
    }

    pub(crate) fn thread_row(&self, profile: &Profile, correlation_id: &str) -> Result<Thread> {
        self.read(|r| {
            r.get_thread(&profile.id, correlation_id)?
                .ok_or_else(|| ConsoleError::ThreadNotFound(correlation_id.to_owned()))
        })
    }

    pub(crate) fn thread_summary(
        &self,
        profile: &Profile,
        correlation_id: &str,
    ) -> Result<ThreadSummary> {
        Ok(summary_view(&self.thread_row(profile, correlation_id)?))
    }

    fn entries(&self, profile: &Profile, correlation_id: &str) -> Result<Vec<TimelineEntry>> {
        self.read(|r| {
            Ok(r.thread_timeline(&profile.id, correlation_id)?
                .map(|t| t.entries)
                .unwrap_or_default())
        })
    }

    /// The latest readable incoming message of `action` in a cycle that its counterparty sent
    /// and ingest applied: its headers and payload. A message from anyone else is never the
    /// one the clerk answers, so an answer can only go back to the cycle's counterparty.
    pub(crate) fn last_incoming(
        &self,
        profile: &Profile,
        thread: &Thread,
        action: Action,
    ) -> Result<Option<(Headers, Option<Value>)>> {
        Ok(self
            .entries(profile, &thread.correlation_id)?
            .into_iter()
            .rev()
            .filter(|e| crate::trust::from_counterparty(e, &thread.counterparty_code))
            .filter(|e| Action::from_path(&e.message.action).map(|(_, a)| a) == Some(action))
            .find_map(|e| {
                let h = e.message.protected_headers.clone().and_then(Headers::from_value)?;
                Some((h, e.message.decrypted_payload.clone()))
            }))
    }

    /// The payload of the request that opened an outgoing cycle (from the sent message, or
    /// from its outbox row when it has not been sent yet).
    pub(crate) fn first_outgoing_payload(
        &self,
        profile: &Profile,
        correlation_id: &str,
    ) -> Result<Option<Value>> {
        let sent = self
            .entries(profile, correlation_id)?
            .into_iter()
            .filter(|e| e.message.direction == MessageDirection::Out)
            .find(|e| Action::from_path(&e.message.action).is_some_and(|(_, a)| !a.is_callback()))
            .and_then(|e| e.message.decrypted_payload);
        if sent.is_some() {
            return Ok(sent);
        }
        let rows = self.read(|r| Ok(r.list_outbox(&profile.id, None)?))?;
        Ok(rows
            .into_iter()
            .filter(|o| o.correlation_id.as_deref() == Some(correlation_id))
            .find_map(|o| serde_json::from_str::<OutboxBody>(&o.body).ok().and_then(|b| b.payload)))
    }

    /// What an earlier cycle gives a claim that follows it: workflow, claim number and the
    /// payer's preauthorisation reference.
    pub(crate) fn related_cycle(
        &self,
        profile: &Profile,
        correlation_id: &str,
    ) -> Result<RelatedCycle> {
        let thread = self.thread_row(profile, correlation_id)?;
        let own = self.first_outgoing_payload(profile, correlation_id)?;
        let claim_number =
            own.as_ref().map(payload::summary_of).and_then(|s| s.claim.and_then(|c| c.number));
        let pre_auth_ref = self
            .entries(profile, correlation_id)?
            .into_iter()
            .rev()
            .filter(|e| e.message.direction == MessageDirection::In)
            .filter_map(|e| e.message.decrypted_payload)
            .find_map(|p| payload::summary_of(&p).decision.and_then(|d| d.pre_auth_ref));
        Ok(RelatedCycle {
            use_case: thread.use_case,
            workflow_id: thread.workflow_id,
            claim_number,
            pre_auth_ref,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_indian_grouping_and_two_decimals() {
        let cases = [
            ("0", "0.00"),
            ("999", "999.00"),
            ("1000", "1,000.00"),
            ("39500", "39,500.00"),
            ("123456.5", "1,23,456.50"),
            ("12345678.905", "1,23,45,678.91"),
        ];
        for (input, want) in cases {
            let d: Decimal = input.parse().unwrap();
            assert_eq!(format_amount(d), want, "{input} is shown the way Indian invoices write it");
        }
    }

    #[test]
    fn node_kinds_read_like_the_cycle() {
        use MessageDirection::{In, Out};
        assert_eq!(
            node_kind(Out, Some(Action::PreauthSubmit), Delivery::Acknowledged, None, false),
            "acknowledged",
            "our accepted request"
        );
        assert_eq!(
            node_kind(In, Some(Action::CommunicationRequest), Delivery::Received, None, false),
            "query",
            "the payer's question"
        );
        assert_eq!(
            node_kind(
                Out,
                Some(Action::CommunicationOnRequest),
                Delivery::Acknowledged,
                None,
                false
            ),
            "answer",
            "our answer to it"
        );
        assert_eq!(
            node_kind(
                In,
                Some(Action::ClaimOnSubmit),
                Delivery::Received,
                Some(Status::ResponseComplete),
                false
            ),
            "complete",
            "the final decision"
        );
        assert_eq!(
            node_kind(In, Some(Action::PaymentNoticeRequest), Delivery::Received, None, false),
            "payment",
            "a payment notice"
        );
        assert_eq!(
            node_kind(Out, Some(Action::ClaimSubmit), Delivery::Queued, None, false),
            "queued",
            "waiting in the outbox"
        );
    }
}
