//! Integration tests of hcx-store on a real SQLite file in a temporary directory.

mod audit;
mod messages;
mod migrations;
mod outbox;
mod schema;
mod support;
mod threads;
