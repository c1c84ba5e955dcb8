//! Shared support for cross-crate tests.
