//! The thread state machine: a pure function `(state, event) → step`, and the next actions a
//! clerk can take in a state.
//!
//! It only decides; the caller stores the result (hcx-store checks every move again with
//! [`ThreadState::can_transition_to`], and a test below proves the two agree). Events that
//! arrive late or twice (a 202 recorded after the payer's answer, a redelivered callback) are
//! [`Step::Stay`], never a step backwards.
//!
//! | state \ event   | Queued | SendAttempted | Accepted     | Refused | Dispatched | Answer(k)      | Query | QueryAnswered | PaymentNotice | Decided(k)  |
//! |-----------------|--------|---------------|--------------|---------|------------|----------------|-------|---------------|---------------|-------------|
//! | drafted         | queued | sent          | ·            | ·       | ·          | ·              | ·     | ·             | ·             | ·           |
//! | queued          | ·      | sent          | ·            | error   | ·          | ·              | ·     | ·             | ·             | ·           |
//! | sent            | ·      | ·             | acknowledged | error   | dispatched | k              | query | ·             | ·             | ·           |
//! | acknowledged    | ·      | ·             | ·            | error   | dispatched | k              | query | ·             | ·             | ·           |
//! | dispatched      | ·      | ·             | ·            | error   | ·          | k              | query | ·             | ·             | ·           |
//! | received        | ·      | ·             | ·            | ·       | ·          | ·              | query | ·             | ·             | k           |
//! | partial         | ·      | ·             | ·            | error   | ·          | k (¬redirect)  | query | ·             | ·             | k (¬redir.) |
//! | query           | ·      | ·             | ·            | error   | ·          | k (¬redirect)  | ·     | answered      | ·             | k (¬redir.) |
//! | answered        | ·      | ·             | ·            | error   | ·          | k (¬redirect)  | query | ·             | ·             | k (¬redir.) |
//! | complete        | ·      | ·             | ·            | ·       | ·          | ·              | ·     | ·             | paid          | ·           |
//! | error/redirected| queued | ·             | ·            | ·       | ·          | ·              | ·     | ·             | ·             | ·           |
//! | rejected/paid/cancelled | · (final) |
//!
//! `·` = stay. `k` is the kind of answer: complete, rejected, partial (`response.partial`:
//! more will follow), error or redirect.

use hcx_store::{ThreadDirection, ThreadState, UseCase};

/// What happened to a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Our request was put in the outbox (first time, or again after an error).
    Queued,
    /// The HTTP call carrying our request is being made.
    SendAttempted,
    /// The gateway accepted our message (202, or "already accepted" on a resend).
    Accepted,
    /// The gateway refused our message for good, or the outbox gave up.
    Refused,
    /// `/hcx/status` says the gateway delivered our request.
    Dispatched,
    /// The counterparty answered our request.
    Answer(AnswerKind),
    /// A query for documents or information was raised in this cycle (by either side).
    Query,
    /// The open query was answered (by either side).
    QueryAnswered,
    /// A payment notice settled this (claim) cycle.
    PaymentNotice,
    /// We (payer/TPA desk) decided on an incoming request.
    Decided(AnswerKind),
}

/// The kind of an answer, from its `x-hcx-status` and the payer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// `response.complete` with a positive or partial approval (or any final answer).
    Complete,
    /// `response.complete` refusing everything.
    Rejected,
    /// `response.partial`: an interim answer, more will follow.
    Partial,
    /// `response.error`.
    Error,
    /// `response.redirect`.
    Redirect,
}

impl AnswerKind {
    fn state(self) -> ThreadState {
        match self {
            AnswerKind::Complete => ThreadState::Complete,
            AnswerKind::Rejected => ThreadState::Rejected,
            AnswerKind::Partial => ThreadState::Partial,
            AnswerKind::Error => ThreadState::Error,
            AnswerKind::Redirect => ThreadState::Redirected,
        }
    }
}

/// The outcome of applying an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Move to this state.
    Move(ThreadState),
    /// Nothing changes (duplicate, late or irrelevant event).
    Stay,
}

impl Step {
    /// The state after the step.
    pub fn resolve(self, current: ThreadState) -> ThreadState {
        match self {
            Step::Move(s) => s,
            Step::Stay => current,
        }
    }
}

/// The transition function. Pure: no clock, no I/O.
pub fn apply(state: ThreadState, event: Event) -> Step {
    use ThreadState as S;
    let to = match (state, event) {
        (S::Drafted, Event::Queued) | (S::Error | S::Redirected, Event::Queued) => S::Queued,
        (S::Drafted | S::Queued, Event::SendAttempted) => S::Sent,
        (S::Sent, Event::Accepted) => S::Acknowledged,
        (
            S::Queued
            | S::Sent
            | S::Acknowledged
            | S::Dispatched
            | S::Partial
            | S::Query
            | S::Answered,
            Event::Refused,
        ) => S::Error,
        (S::Sent | S::Acknowledged, Event::Dispatched) => S::Dispatched,
        (S::Sent | S::Acknowledged | S::Dispatched, Event::Answer(k)) => k.state(),
        (S::Partial | S::Query | S::Answered, Event::Answer(k) | Event::Decided(k))
            if k != AnswerKind::Redirect =>
        {
            k.state()
        }
        (S::Received, Event::Decided(k)) => k.state(),
        (
            S::Sent | S::Acknowledged | S::Dispatched | S::Received | S::Partial | S::Answered,
            Event::Query,
        ) => S::Query,
        (S::Query, Event::QueryAnswered) => S::Answered,
        (S::Complete, Event::PaymentNotice) => S::Paid,
        _ => return Step::Stay,
    };
    if to == state { Step::Stay } else { Step::Move(to) }
}

/// What a clerk can do next on a cycle, for the UI's buttons and the CLI's hint line:
/// `answerQuery`, `submitClaim`, `acknowledgePayment`, `enhance`, `respond`, `askStatus`,
/// `retry`.
pub fn next_actions(
    state: ThreadState,
    direction: ThreadDirection,
    use_case: UseCase,
    outbox_failed: bool,
) -> Vec<&'static str> {
    use ThreadState as S;
    let mut out = Vec::new();
    match direction {
        ThreadDirection::Outgoing => match state {
            S::Query => out.push("answerQuery"),
            S::Sent | S::Acknowledged | S::Dispatched | S::Partial | S::Answered => {
                out.push("askStatus")
            }
            S::Complete if use_case == UseCase::Preauth => {
                out.push("submitClaim");
                out.push("enhance");
            }
            S::Error | S::Redirected => out.push("retry"),
            _ => {}
        },
        ThreadDirection::Incoming => match (state, use_case) {
            (S::Received, UseCase::PaymentNotice) => out.push("acknowledgePayment"),
            (S::Received | S::Partial | S::Answered, _) => out.push("respond"),
            _ => {}
        },
    }
    if outbox_failed && !out.contains(&"retry") {
        out.push("retry");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ThreadState as S;

    const EVENTS: [Event; 19] = [
        Event::Queued,
        Event::SendAttempted,
        Event::Accepted,
        Event::Refused,
        Event::Dispatched,
        Event::Answer(AnswerKind::Complete),
        Event::Answer(AnswerKind::Rejected),
        Event::Answer(AnswerKind::Partial),
        Event::Answer(AnswerKind::Error),
        Event::Answer(AnswerKind::Redirect),
        Event::Query,
        Event::QueryAnswered,
        Event::PaymentNotice,
        Event::Decided(AnswerKind::Complete),
        Event::Decided(AnswerKind::Rejected),
        Event::Decided(AnswerKind::Partial),
        Event::Decided(AnswerKind::Error),
        Event::Decided(AnswerKind::Redirect),
        Event::Queued,
    ];

    fn run(start: S, events: &[Event]) -> S {
        events.iter().fold(start, |s, e| apply(s, *e).resolve(s))
    }

    #[test]
    fn every_move_is_one_the_store_accepts() {
        for from in S::ALL {
            for event in EVENTS {
                if let Step::Move(to) = apply(*from, event) {
                    assert!(
                        from.can_transition_to(to),
                        "{from} --{event:?}--> {to} must be allowed by hcx-store, which \
                         re-checks every move before writing it"
                    );
                    assert_ne!(*from, to, "a move always changes the state; same = Stay");
                }
            }
        }
    }

    #[test]
    fn final_states_never_move() {
        for from in [S::Rejected, S::Paid, S::Cancelled] {
            for event in EVENTS {
                assert_eq!(
                    apply(from, event),
                    Step::Stay,
                    "{from} is final: {event:?} must not reopen it"
                );
            }
        }
    }

    #[test]
    fn the_happy_preauth_path() {
        let end = run(
            S::Drafted,
            &[
                Event::Queued,
                Event::SendAttempted,
                Event::Accepted,
                Event::Answer(AnswerKind::Complete),
            ],
        );
        assert_eq!(end, S::Complete, "queued → sent → acknowledged → complete");
    }

    #[test]
    fn a_claim_with_a_query_then_payment() {
        let mut s = run(S::Queued, &[Event::SendAttempted, Event::Accepted]);
        s = apply(s, Event::Query).resolve(s);
        assert_eq!(s, S::Query, "the payer's communication/request opens a query");
        s = apply(s, Event::QueryAnswered).resolve(s);
        assert_eq!(s, S::Answered, "our communication/on_request answers it");
        s = apply(s, Event::Answer(AnswerKind::Complete)).resolve(s);
        assert_eq!(s, S::Complete, "the payer decides after the answer");
        s = apply(s, Event::PaymentNotice).resolve(s);
        assert_eq!(s, S::Paid, "a payment notice settles the claim");
    }

    #[test]
    fn late_and_duplicate_events_do_not_move_backwards() {
        assert_eq!(
            apply(S::Complete, Event::Accepted),
            Step::Stay,
            "the 202 can be recorded after the callback arrived; the answer wins"
        );
        assert_eq!(
            apply(S::Complete, Event::Answer(AnswerKind::Complete)),
            Step::Stay,
            "a redelivered answer changes nothing"
        );
        assert_eq!(
            apply(S::Query, Event::SendAttempted),
            Step::Stay,
            "sending our query answer is not a new request"
        );
        assert_eq!(
            apply(S::Dispatched, Event::Accepted),
            Step::Stay,
            "dispatch implies acceptance"
        );
    }

    #[test]
    fn callbacks_may_overtake_our_own_acknowledgement() {
        assert_eq!(
            apply(S::Sent, Event::Answer(AnswerKind::Complete)),
            Step::Move(S::Complete),
            "the payer can answer before we record the gateway's 202"
        );
        assert_eq!(apply(S::Sent, Event::Query), Step::Move(S::Query), "or ask a question");
    }

    #[test]
    fn errors_can_be_retried_and_refusals_mark_errors() {
        assert_eq!(apply(S::Queued, Event::Refused), Step::Move(S::Error), "a refused send");
        assert_eq!(apply(S::Error, Event::Queued), Step::Move(S::Queued), "retry re-queues");
        assert_eq!(
            apply(S::Redirected, Event::Queued),
            Step::Move(S::Queued),
            "a redirected request is sent again to the new payer"
        );
        assert_eq!(
            apply(S::Complete, Event::Refused),
            Step::Stay,
            "a refused payment acknowledgement does not undo a decision"
        );
    }

    #[test]
    fn payer_desk_decisions() {
        assert_eq!(
            apply(S::Received, Event::Decided(AnswerKind::Complete)),
            Step::Move(S::Complete),
            "approving an incoming request closes it"
        );
        assert_eq!(
            apply(S::Received, Event::Query),
            Step::Move(S::Query),
            "asking the hospital for documents"
        );
        assert_eq!(
            apply(S::Answered, Event::Decided(AnswerKind::Rejected)),
            Step::Move(S::Rejected),
            "deciding after the hospital answered"
        );
        assert_eq!(
            apply(S::Query, Event::Decided(AnswerKind::Redirect)),
            Step::Stay,
            "the gateway allows a redirect only as the first answer"
        );
    }

    #[test]
    fn next_actions_follow_the_state() {
        use ThreadDirection::{Incoming, Outgoing};
        assert_eq!(
            next_actions(S::Query, Outgoing, UseCase::Claim, false),
            vec!["answerQuery"],
            "an open query needs an answer"
        );
        assert_eq!(
            next_actions(S::Complete, Outgoing, UseCase::Preauth, false),
            vec!["submitClaim", "enhance"],
            "an approved preauth leads to the claim or an enhancement"
        );
        assert_eq!(
            next_actions(S::Received, Incoming, UseCase::PaymentNotice, false),
            vec!["acknowledgePayment"],
            "a payment notice is acknowledged"
        );
        assert_eq!(
            next_actions(S::Received, Incoming, UseCase::Preauth, false),
            vec!["respond"],
            "the payer desk answers incoming requests"
        );
        assert_eq!(
            next_actions(S::Acknowledged, Outgoing, UseCase::Claim, false),
            vec!["askStatus"],
            "while waiting, the clerk may ask the gateway"
        );
        assert_eq!(
            next_actions(S::Complete, Incoming, UseCase::Claim, true),
            vec!["retry"],
            "a failed outgoing message can always be retried"
        );
        assert!(
            next_actions(S::Paid, Outgoing, UseCase::Claim, false).is_empty(),
            "nothing is left to do on a paid claim"
        );
    }
}
