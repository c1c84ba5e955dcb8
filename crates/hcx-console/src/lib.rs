//! Use cases shared by every front end, and the hcx command-line tool.
//!
//! Placeholder: filled in by its issue.
