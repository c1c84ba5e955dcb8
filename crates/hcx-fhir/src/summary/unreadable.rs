//! Why a payload's content cannot be read into a summary: the typed error of
//! [`summarize_checked`](super::summarize_checked), and the reading of one amount or quantity that
//! decides it.
//!
//! The rules are the same for the infallible [`summarize`](super::summarize): it shows what it
//! can and turns each problem into a remark; the checked variant refuses the payload instead, so
//! the console stores it as received, with the problem, and never computes with it.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::json::{excerpt, number_decimal};
use crate::profiles::{MAX_AMOUNT, MAX_DEPTH};

/// Why a payload's content cannot be read into a summary. Every `path` is rooted at the resource
/// type, as the checker writes it (`Claim.item[1].net.value`), so a clerk or an integrator can
/// find the element; every `value` is the element's text, cut to 40 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Adding or multiplying the payload's amounts overflows exact decimal arithmetic.
    #[error("{path}: the amounts are too large to compute with")]
    Overflow {
        /// The element whose addition or multiplication overflowed.
        path: String,
    },
    /// A money amount (or a quantity) below zero where only zero or more makes sense.
    #[error("{path}: the amount {value} is negative")]
    NegativeAmount {
        /// The element.
        path: String,
        /// What it says.
        value: String,
    },
    /// A money amount beyond any real claim (more than [`MAX_AMOUNT`] in absolute value), or a
    /// number too large or too precise for an exact decimal at all.
    #[error("{path}: the amount {value} is beyond any real claim (more than 10^13)")]
    AbsurdAmount {
        /// The element.
        path: String,
        /// What it says.
        value: String,
    },
    /// Objects and arrays nest deeper than [`MAX_DEPTH`]; nothing of the payload was read.
    #[error("the content nests deeper than {limit} levels, which no real bundle does")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// An element that must be a number (or a Money object) is something else.
    #[error("{path}: expected {expected}")]
    WrongType {
        /// The element.
        path: String,
        /// What should be there, in words.
        expected: String,
    },
}

impl Unreadable {
    /// The element the problem is at (`None` for [`Unreadable::TooDeep`], which is about the
    /// whole payload).
    pub fn path(&self) -> Option<&str> {
        match self {
            Unreadable::Overflow { path }
            | Unreadable::NegativeAmount { path, .. }
            | Unreadable::AbsurdAmount { path, .. }
            | Unreadable::WrongType { path, .. } => Some(path),
            Unreadable::TooDeep { .. } => None,
        }
    }

    pub(crate) fn too_deep() -> Self {
        Unreadable::TooDeep { limit: MAX_DEPTH }
    }

    pub(crate) fn overflow(path: impl Into<String>) -> Self {
        Unreadable::Overflow { path: path.into() }
    }
}

/// A decimal element: a JSON number, or leniently a numeric string (some payers quote amounts).
/// `Err` when it is another type, or a number no exact decimal holds.
pub(crate) fn read_decimal(v: &Value, path: &str) -> Result<Decimal, Unreadable> {
    match v {
        Value::Number(_) => number_decimal(v)
            .ok_or_else(|| Unreadable::AbsurdAmount { path: path.to_owned(), value: excerpt(v) }),
        Value::String(s) => Decimal::from_str(s.trim()).map_err(|_| Unreadable::WrongType {
            path: path.to_owned(),
            expected: "a number".into(),
        }),
        _ => Err(Unreadable::WrongType { path: path.to_owned(), expected: "a number".into() }),
    }
}

/// Whether an amount may be below zero: only a payment's adjustment lines (TDS is written as a
/// negative detail, net + TDS = approved).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sign {
    NotNegative,
    Any,
}

/// The problem with an amount that did read as a decimal, if any.
pub(crate) fn amount_problem(value: Decimal, path: &str, sign: Sign) -> Option<Unreadable> {
    if sign == Sign::NotNegative && value.is_sign_negative() && !value.is_zero() {
        return Some(Unreadable::NegativeAmount {
            path: path.to_owned(),
            value: value.to_string(),
        });
    }
    (value.abs() > MAX_AMOUNT)
        .then(|| Unreadable::AbsurdAmount { path: path.to_owned(), value: value.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_amount_is_ten_to_the_thirteenth() {
        assert_eq!(
            MAX_AMOUNT,
            Decimal::from(10_000_000_000_000_i64),
            "the documented bound is 10^13, written as raw parts because Decimal::new is not const"
        );
    }
}
