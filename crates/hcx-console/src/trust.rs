//! Who may move a cycle. One pure rule, [`judge`], decides for every incoming message whether
//! ingest applies it or keeps it as a rejected ("suspicious") message; `answer_query` and
//! `retry` use [`redirect_targets`] and [`from_counterparty`] so that they never answer or
//! re-send to anyone the rule would not have listened to.
//!
//! Why this exists: a gateway refuses an `on_*` from anyone but the original recipient, but a
//! mailbox can be reached by other paths (a leaked token, a hosted bridge), and a payment notice
//! or a `communication/request` is a new request that any participant may address to us while
//! naming our workflow or correlation id. So the console checks the sender against the cycle
//! it would move, and never trusts ids alone.

use hcx_protocol::{Action, Headers, Status};
use hcx_store::{MessageDirection, TimelineEntry};

/// The cycle an incoming message would move, as far as the rule needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cycle<'a> {
    /// The participant the cycle is with.
    pub counterparty: &'a str,
    /// Participants a genuine, applied redirect from the counterparty named on this cycle.
    pub redirect_targets: &'a [String],
}

/// The facts about one incoming message the rule looks at (all from its headers and path).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival<'a> {
    /// Its API.
    pub action: Action,
    /// `x-hcx-sender_code`.
    pub sender: Option<&'a str>,
    /// `x-hcx-status`.
    pub status: Option<Status>,
    /// A plain-JSON body without `x-hcx-timestamp`: the form of the gateway's own error.
    pub plain_without_timestamp: bool,
    /// `x-hcx-workflow_id`.
    pub workflow_id: Option<&'a str>,
}

impl<'a> Arrival<'a> {
    /// Reads the facts from a message's headers.
    pub(crate) fn of(action: Action, headers: &'a Headers) -> Self {
        Self {
            action,
            sender: headers.sender_code().filter(|s| !s.is_empty()),
            status: headers.status().and_then(Result::ok),
            plain_without_timestamp: headers.alg().is_none() && headers.timestamp().is_none(),
            workflow_id: headers.workflow_id(),
        }
    }
}

/// What to do with an incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Move the cycle (or open a new one) as the message says.
    Apply,
    /// Keep it as received, move nothing, answer nothing; the reason is shown to the clerk.
    Reject(String),
}

/// The rule. `cycle` is the existing thread the message names by correlation id (`None` when
/// there is none): once a cycle exists only its counterparty may speak on it (a redirect
/// target may answer it, the exchange may send its plain error); `workflow_claims` are the counterparties of our outgoing claims in the
/// workflow a payment notice names; `hcx_code` is the exchange's own code when the profile
/// knows it.
pub(crate) fn judge(
    arrival: &Arrival<'_>,
    cycle: Option<Cycle<'_>>,
    workflow_claims: &[String],
    hcx_code: Option<&str>,
) -> Verdict {
    let sender = arrival.sender.unwrap_or_default();
    // Status and search answers inform and move nothing, so they need no check.
    if matches!(arrival.action, Action::HcxOnStatus | Action::HcxOnSearch) {
        return Verdict::Apply;
    }
    if arrival.action == Action::PaymentNoticeRequest
        && !workflow_claims.is_empty()
        && !workflow_claims.iter().any(|c| c == sender)
    {
        // A payment notice opens its own cycle; what it may touch is the workflow's claims,
        // so it must come from the participant those claims are with.
        return Verdict::Reject(format!(
            "payment notice from {} names workflow {}, whose claims are with {}",
            shown(sender),
            arrival.workflow_id.unwrap_or_default(),
            workflow_claims.join(", ")
        ));
    }
    let Some(cycle) = cycle else {
        // A new request opens its own cycle, with its sender as the counterparty; a callback
        // for a cycle we do not know moves nothing.
        return Verdict::Apply;
    };
    if !sender.is_empty() && sender == cycle.counterparty {
        return Verdict::Apply;
    }
    if arrival.action.is_callback() && cycle.redirect_targets.iter().any(|t| t == sender) {
        return Verdict::Apply;
    }
    let plain_error =
        arrival.status == Some(Status::ResponseError) && arrival.plain_without_timestamp;
    if plain_error && arrival.action.is_callback() {
        return match hcx_code {
            Some(hcx) if !sender.is_empty() && sender == hcx => Verdict::Apply,
            Some(hcx) => Verdict::Reject(format!(
                "a plain error from {}, which is neither this cycle's counterparty ({}) nor the \
                 exchange ({hcx})",
                shown(sender),
                cycle.counterparty
            )),
            None => Verdict::Reject(format!(
                "a plain error from {}, not this cycle's counterparty ({}); this profile does not \
                 know the exchange's code, so it cannot tell a gateway error from a forged one",
                shown(sender),
                cycle.counterparty
            )),
        };
    }
    Verdict::Reject(format!(
        "sent by {}, but this cycle's counterparty is {}",
        shown(sender),
        cycle.counterparty
    ))
}

fn shown(sender: &str) -> &str {
    if sender.is_empty() { "an unnamed sender" } else { sender }
}

/// Whether a stored message is an incoming one from `counterparty` that ingest applied.
pub(crate) fn from_counterparty(entry: &TimelineEntry, counterparty: &str) -> bool {
    let m = &entry.message;
    m.direction == MessageDirection::In
        && m.error_code.is_none()
        && m.rejected_reason.is_none()
        && m.sender_code.as_deref() == Some(counterparty)
}

/// The participants that genuine redirects on a cycle named: `redirect_to` of applied
/// `response.redirect` messages from the counterparty, latest first.
pub(crate) fn redirect_targets(entries: &[TimelineEntry], counterparty: &str) -> Vec<String> {
    entries
        .iter()
        .rev()
        .filter(|e| from_counterparty(e, counterparty))
        .filter(|e| e.message.protocol_status.as_deref() == Some(Status::ResponseRedirect.as_str()))
        .filter_map(|e| {
            let headers = e.message.protected_headers.clone().and_then(Headers::from_value)?;
            headers.redirect_to().filter(|t| !t.is_empty()).map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYER: &str = "payer@x";
    const OTHER: &str = "intruder@x";
    const HCX: &str = "hcx@x";
    const TPA: &str = "tpa@x";

    fn arrival(action: Action, sender: &'static str, status: Option<Status>) -> Arrival<'static> {
        Arrival {
            action,
            sender: (!sender.is_empty()).then_some(sender),
            status,
            plain_without_timestamp: false,
            workflow_id: Some("wf-1"),
        }
    }

    /// (case, arrival, cycle, workflow claims, hcx code, applied?)
    type Case<'a> = (&'a str, Arrival<'a>, Option<Cycle<'a>>, &'a [String], Option<&'a str>, bool);

    fn plain(mut a: Arrival<'static>) -> Arrival<'static> {
        a.plain_without_timestamp = true;
        a
    }

    #[test]
    fn the_rule_as_a_table() {
        let redirected = [TPA.to_owned()];
        let cycle = Some(Cycle { counterparty: PAYER, redirect_targets: &[] });
        let after_redirect = Some(Cycle { counterparty: PAYER, redirect_targets: &redirected });
        let claims = [PAYER.to_owned()];
        let complete = Some(Status::ResponseComplete);
        let error = Some(Status::ResponseError);
        let on_submit = Action::PreauthOnSubmit;
        let table: Vec<Case<'_>> = vec![
            (
                "counterparty's answer",
                arrival(on_submit, PAYER, complete),
                cycle,
                &[],
                Some(HCX),
                true,
            ),
            (
                "someone else's answer",
                arrival(on_submit, OTHER, complete),
                cycle,
                &[],
                Some(HCX),
                false,
            ),
            (
                "an answer without sender",
                arrival(on_submit, "", complete),
                cycle,
                &[],
                Some(HCX),
                false,
            ),
            (
                "answer for an unknown cycle",
                arrival(on_submit, OTHER, complete),
                None,
                &[],
                None,
                true,
            ),
            (
                "plain error from the HCX",
                plain(arrival(on_submit, HCX, error)),
                cycle,
                &[],
                Some(HCX),
                true,
            ),
            (
                "plain error, HCX unknown",
                plain(arrival(on_submit, HCX, error)),
                cycle,
                &[],
                None,
                false,
            ),
            (
                "plain error from a stranger",
                plain(arrival(on_submit, OTHER, error)),
                cycle,
                &[],
                Some(HCX),
                false,
            ),
            (
                "sealed error from the HCX code",
                arrival(on_submit, HCX, error),
                cycle,
                &[],
                Some(HCX),
                false,
            ),
            (
                "plain error from counterparty",
                plain(arrival(on_submit, PAYER, error)),
                cycle,
                &[],
                None,
                true,
            ),
            (
                "redirect target's answer",
                arrival(on_submit, TPA, complete),
                after_redirect,
                &[],
                None,
                true,
            ),
            ("unnamed target's answer", arrival(on_submit, TPA, complete), cycle, &[], None, false),
            (
                "query from counterparty",
                arrival(Action::CommunicationRequest, PAYER, None),
                cycle,
                &[],
                None,
                true,
            ),
            (
                "query from a stranger",
                arrival(Action::CommunicationRequest, OTHER, None),
                cycle,
                &[],
                None,
                false,
            ),
            (
                "query from a redirect target",
                arrival(Action::CommunicationRequest, TPA, None),
                after_redirect,
                &[],
                None,
                false,
            ),
            (
                "query opening a new cycle",
                arrival(Action::CommunicationRequest, OTHER, None),
                None,
                &[],
                None,
                true,
            ),
            (
                "new request, existing id",
                arrival(Action::ClaimSubmit, OTHER, None),
                cycle,
                &[],
                None,
                false,
            ),
            (
                "counterparty's resend",
                arrival(Action::ClaimSubmit, PAYER, None),
                cycle,
                &[],
                None,
                true,
            ),
            (
                "status answer from anyone",
                arrival(Action::HcxOnStatus, HCX, complete),
                cycle,
                &[],
                None,
                true,
            ),
            (
                "notice reusing a cycle's id",
                arrival(Action::PaymentNoticeRequest, OTHER, None),
                cycle,
                &[],
                None,
                false,
            ),
            (
                "notice from the claim's payer",
                arrival(Action::PaymentNoticeRequest, PAYER, None),
                None,
                &claims,
                None,
                true,
            ),
            (
                "notice from another payer",
                arrival(Action::PaymentNoticeRequest, OTHER, None),
                None,
                &claims,
                None,
                false,
            ),
            (
                "notice, workflow without claims",
                arrival(Action::PaymentNoticeRequest, OTHER, None),
                None,
                &[],
                None,
                true,
            ),
        ];
        for (case, a, c, w, hcx, applied) in table {
            let verdict = judge(&a, c, w, hcx);
            assert_eq!(
                verdict == Verdict::Apply,
                applied,
                "{case}: expected {}, got {verdict:?}",
                if applied { "apply" } else { "reject" }
            );
        }
    }

    #[test]
    fn reasons_name_the_sender_and_the_counterparty() {
        let cycle = Some(Cycle { counterparty: PAYER, redirect_targets: &[] });
        let Verdict::Reject(reason) = judge(
            &arrival(Action::ClaimOnSubmit, OTHER, Some(Status::ResponseComplete)),
            cycle,
            &[],
            None,
        ) else {
            panic!("a stranger's answer must be rejected");
        };
        assert!(
            reason.contains(OTHER) && reason.contains(PAYER),
            "the clerk sees who sent it and who should have: {reason}"
        );
    }
}
