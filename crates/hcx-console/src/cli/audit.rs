//! `hcx audit`: the audit log. `verify` walks every keyed chain (or one profile's) and reports
//! the first broken link of each: entry id, time and event.

use hcx_console::{AuditCheck, AuditOutcome, Console};
use hcx_store::AuditVerdict;

use super::{CliError, Output};

/// Audit log subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the audit log: every chain (the console's and each profile's), or one profile's.
    /// Exits 0 when all are intact, 1 otherwise (a broken link, or a key the keychain cannot
    /// give).
    Verify {
        /// Only this profile (id, code or name).
        #[arg(long)]
        profile: Option<String>,
    },
}

/// Runs an audit subcommand.
pub fn run(console: &Console, command: AuditCommand) -> Result<Output, CliError> {
    match command {
        AuditCommand::Verify { profile } => {
            let checks = console
                .verify_audit(profile.as_deref())
                .map_err(|e| CliError::Input(e.to_string()))?;
            let ok = checks.iter().all(AuditCheck::ok);
            let lines: Vec<String> = checks.iter().map(line).collect();
            Ok(Output { stdout: lines.join("\n"), warning: None, code: if ok { 0 } else { 1 } })
        }
    }
}

fn line(check: &AuditCheck) -> String {
    let who = match (&check.chain, &check.profile_name) {
        (None, _) => "console-wide".to_owned(),
        (Some(id), Some(name)) => format!("{name} ({id})"),
        (Some(id), None) => format!("deleted profile {id}"),
    };
    let (status, detail) = match &check.outcome {
        AuditOutcome::Verified(AuditVerdict::Intact { entries, head_hash }) => {
            ("ok  ", format!("intact: {entries} entries, head {head_hash}"))
        }
        AuditOutcome::Verified(AuditVerdict::Broken { entry_id, at, event, reason }) => (
            "FAIL",
            format!(
                "broken at entry {entry_id} ({}, {event}): {reason}",
                at.map_or_else(|| "invalid time".to_owned(), |t| t.to_rfc3339())
            ),
        ),
        AuditOutcome::KeyUnavailable(reason) => ("FAIL", format!("cannot verify: {reason}")),
        AuditOutcome::ProfileDeleted => {
            ("skip", "its key was deleted with the profile; entries kept unverified".to_owned())
        }
    };
    format!("{status} {who}: {detail}")
}
