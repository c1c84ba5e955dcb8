//! Placeholder replaced in phase C.
fn main() {}
