//! Embedded HCX exchange with scripted counterparties.
//!
//! Placeholder: filled in by its issue.
