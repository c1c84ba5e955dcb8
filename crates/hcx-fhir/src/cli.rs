//! File-level entry points for `hcx fhir check FILE` and `hcx fhir summary FILE`. The only module
//! (with attachments-from-reader) that does I/O.
//!
//! Both read the file the way the console's ingest reads a payload: content that
//! [`summarize_checked`] refuses is an error here too (a finding for `check`, `Err` for
//! `summary`), so the CLI exits non-zero on exactly what the console would store as
//! "could not read".

use std::path::Path;

use serde_json::{Value, json};

use crate::check::{Finding, Severity, check, rules};
use crate::summary::summarize_checked;
use crate::{Error, Result};

/// Reads and parses a JSON file.
fn read_json(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path)
        .map_err(|source| Error::Io { what: path.display().to_string(), source })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::NotJson { path: path.to_owned(), reason: e.to_string() })
}

/// Checks a file. Returns `{file, errors, warnings, findings[]}` and the exit code: 1 when there
/// is at least one error (including an unreadable or non-JSON file), else 0.
pub fn check_file(path: impl AsRef<Path>) -> (Value, i32) {
    let path = path.as_ref();
    let findings = match read_json(path) {
        Ok(v) => {
            let mut findings = check(&v);
            if let Err(problem) = summarize_checked(&v) {
                let at = problem.path().unwrap_or("$");
                let known = findings.iter().any(|f| f.severity == Severity::Error && f.path == at);
                if !known {
                    findings.push(Finding {
                        severity: Severity::Error,
                        path: at.to_owned(),
                        rule: rules::CONTENT_UNREADABLE.into(),
                        message: format!("This content cannot be read: {problem}."),
                        entry: None,
                    });
                }
            }
            findings
        }
        Err(e) => {
            let rule = match e {
                Error::NotJson { .. } => "file.not-json",
                _ => "file.unreadable",
            };
            vec![Finding {
                severity: Severity::Error,
                path: "$".into(),
                rule: rule.into(),
                message: e.to_string(),
                entry: None,
            }]
        }
    };
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors;
    let report = json!({
        "file": path.display().to_string(),
        "errors": errors,
        "warnings": warnings,
        "findings": findings,
    });
    (report, i32::from(errors > 0))
}

/// Summarises a file (see [`crate::Summary`]); [`Error::Unreadable`] for content
/// [`summarize_checked`] refuses.
pub fn summary_file(path: impl AsRef<Path>) -> Result<Value> {
    let v = read_json(path.as_ref())?;
    Ok(summarize_checked(&v)?.to_value()?)
}
