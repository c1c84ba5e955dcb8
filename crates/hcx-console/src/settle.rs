//! How a payment notice's money is spread over the claims it may settle. Pure: ingest picks
//! the claims (outgoing, with the notice's sender as counterparty, in the notice's workflow)
//! and stores the result.
//!
//! A claim takes at most what it still owes (approved minus settled), the claim the notice
//! references first, so that a second copy of a notice, or two claims in one workflow, never
//! push settled beyond approved. What is left over is the notice's excess: recorded on the
//! notice, never counted as settled. All arithmetic is checked; a sum that would overflow
//! settles nothing.

use rust_decimal::Decimal;

/// A claim a notice may settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owed {
    /// The claim's cycle.
    pub correlation_id: String,
    /// What the payer approved (`None`: not known, so nothing is owed).
    pub approved: Option<Decimal>,
    /// What was settled so far.
    pub settled: Option<Decimal>,
    /// Whether the notice names this claim (by correlation id or claim number).
    pub referenced: bool,
}

/// The outcome: new settled totals per claim, and the excess.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Allocation {
    /// `(correlation id, new settled total)` for each claim that receives money.
    pub settle: Vec<(String, Decimal)>,
    /// What no claim owed.
    pub excess: Decimal,
}

/// Spreads `paid` over `claims` (referenced claims first, then in the given order). `None`
/// when `paid` is negative or an amount is out of range: then nothing is settled.
pub(crate) fn allocate(paid: Decimal, claims: &[Owed]) -> Option<Allocation> {
    if paid.is_sign_negative() {
        return None;
    }
    let ordered =
        claims.iter().filter(|c| c.referenced).chain(claims.iter().filter(|c| !c.referenced));
    let mut left = paid;
    let mut out = Allocation::default();
    for claim in ordered {
        if left.is_zero() {
            break;
        }
        let settled = claim.settled.unwrap_or_default();
        let owed = claim.approved.unwrap_or_default().checked_sub(settled)?;
        if owed <= Decimal::ZERO {
            continue;
        }
        let take = owed.min(left);
        left = left.checked_sub(take)?;
        out.settle.push((claim.correlation_id.clone(), settled.checked_add(take)?));
    }
    out.excess = left;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("a decimal literal")
    }

    fn owed(id: &str, approved: &str, settled: Option<&str>, referenced: bool) -> Owed {
        Owed {
            correlation_id: id.to_owned(),
            approved: Some(d(approved)),
            settled: settled.map(d),
            referenced,
        }
    }

    #[test]
    fn a_notice_settles_up_to_what_is_owed_referenced_claim_first() {
        let claims = [owed("a", "100.00", None, false), owed("b", "50.00", Some("10.00"), true)];
        let got = allocate(d("60.50"), &claims).expect("in range");
        assert_eq!(
            got.settle,
            vec![("b".to_owned(), d("50.00")), ("a".to_owned(), d("20.50"))],
            "the referenced claim takes its 40.00 first, the other gets the rest"
        );
        assert_eq!(got.excess, Decimal::ZERO, "everything paid was owed");
    }

    #[test]
    fn a_second_copy_only_adds_excess() {
        let claims = [owed("a", "100.00", Some("100.00"), true), owed("b", "5", Some("5"), false)];
        let got = allocate(d("100.00"), &claims).expect("in range");
        assert!(got.settle.is_empty(), "a fully settled workflow takes nothing more: {got:?}");
        assert_eq!(got.excess, d("100.00"), "the whole second payment is excess");
    }

    #[test]
    fn over_payment_leaves_an_excess_and_unknown_approval_owes_nothing() {
        let mut unknown = owed("u", "0", None, true);
        unknown.approved = None;
        let claims = [unknown, owed("a", "30", None, false)];
        let got = allocate(d("45"), &claims).expect("in range");
        assert_eq!(got.settle, vec![("a".to_owned(), d("30"))], "only the known approval is paid");
        assert_eq!(got.excess, d("15"), "the rest is excess");
    }

    #[test]
    fn negative_or_overflowing_amounts_settle_nothing() {
        assert_eq!(allocate(d("-1"), &[owed("a", "10", None, true)]), None, "negative is refused");
        let claims = [owed("a", "-79228162514264337593543950335", Some("1"), true)];
        assert_eq!(allocate(d("1"), &claims), None, "an out-of-range difference is refused");
    }
}
