//! Table `workflows`: an admission or episode (`x-hcx-workflow_id`) tying cycles together, and
//! the per-workflow view of its cycles with a money ledger.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use rust_decimal::Decimal;

use crate::threads::Thread;
use crate::values::{time_col, to_ms};
use crate::{Reader, Result, UseCase, Writer};

/// A stored workflow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// The owning profile.
    pub profile_id: String,
    /// The `x-hcx-workflow_id`.
    pub workflow_id: String,
    /// A title the operator chose ("Knee replacement, Nov 2026").
    pub title: Option<String>,
    /// How the operator recognises the patient (not a structured identifier).
    pub patient_label: Option<String>,
    /// When the first cycle was opened.
    pub opened_at: DateTime<Utc>,
}

/// Money summed over a workflow's cycles in one currency, exactly.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ledger {
    /// The currency of every amount in this ledger.
    pub currency: String,
    /// Requested amounts of pre-authorisation cycles.
    pub preauth_requested: Decimal,
    /// Approved amounts of pre-authorisation cycles.
    pub preauth_approved: Decimal,
    /// Requested amounts of claim cycles: what was billed.
    pub billed: Decimal,
    /// Approved amounts of claim cycles.
    pub approved: Decimal,
    /// Settled amounts of every cycle. The console records a settlement on one thread only
    /// (the claim's or the payment notice's), so nothing is counted twice.
    pub settled: Decimal,
}

impl Ledger {
    fn new(currency: &str) -> Self {
        Self {
            currency: currency.to_owned(),
            preauth_requested: Decimal::ZERO,
            preauth_approved: Decimal::ZERO,
            billed: Decimal::ZERO,
            approved: Decimal::ZERO,
            settled: Decimal::ZERO,
        }
    }

    fn add(&mut self, thread: &Thread) {
        let requested = thread.requested_amount.unwrap_or_default();
        let approved = thread.approved_amount.unwrap_or_default();
        match thread.use_case {
            UseCase::Preauth => {
                self.preauth_requested += requested;
                self.preauth_approved += approved;
            }
            UseCase::Claim => {
                self.billed += requested;
                self.approved += approved;
            }
            _ => {}
        }
        self.settled += thread.settled_amount.unwrap_or_default();
    }

    /// One ledger per currency present (normally just INR), sorted by currency.
    pub(crate) fn from_threads(threads: &[Thread]) -> Vec<Ledger> {
        let mut by_currency: BTreeMap<&str, Ledger> = BTreeMap::new();
        for thread in threads {
            by_currency
                .entry(thread.currency.as_str())
                .or_insert_with(|| Ledger::new(&thread.currency))
                .add(thread);
        }
        by_currency.into_values().collect()
    }
}

/// A workflow with its cycles in order and its money ledger.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowCycles {
    /// The workflow.
    pub workflow: Workflow,
    /// Its threads, oldest first.
    pub threads: Vec<Thread>,
    /// Sums per currency.
    pub ledgers: Vec<Ledger>,
}

const COLUMNS: &str = "profile_id, workflow_id, title, patient_label, opened_at";

impl Workflow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            profile_id: row.get("profile_id")?,
            workflow_id: row.get("workflow_id")?,
            title: row.get("title")?,
            patient_label: row.get("patient_label")?,
            opened_at: time_col(row, "opened_at")?,
        })
    }
}

impl Reader<'_> {
    /// One workflow.
    pub fn get_workflow(&self, profile_id: &str, workflow_id: &str) -> Result<Option<Workflow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM workflows WHERE profile_id = ?1 AND workflow_id = ?2");
        Ok(self
            .conn
            .query_row(&sql, params![profile_id, workflow_id], Workflow::from_row)
            .optional()?)
    }

    /// A profile's workflows, newest first.
    pub fn list_workflows(&self, profile_id: &str) -> Result<Vec<Workflow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM workflows WHERE profile_id = ?1 \
             ORDER BY opened_at DESC, workflow_id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([profile_id], Workflow::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A workflow's cycles in the order they were opened, with the money ledger.
    pub fn workflow_cycles(
        &self,
        profile_id: &str,
        workflow_id: &str,
    ) -> Result<Option<WorkflowCycles>> {
        let Some(workflow) = self.get_workflow(profile_id, workflow_id)? else {
            return Ok(None);
        };
        let threads = self.threads_of_workflow(profile_id, workflow_id)?;
        let ledgers = Ledger::from_threads(&threads);
        Ok(Some(WorkflowCycles { workflow, threads, ledgers }))
    }
}

impl Writer<'_> {
    /// Creates a workflow unless it exists. Returns whether it was new.
    pub fn insert_workflow(&self, workflow: &Workflow) -> Result<bool> {
        Ok(self.conn().execute(
            "INSERT INTO workflows (profile_id, workflow_id, title, patient_label, opened_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (profile_id, workflow_id) DO NOTHING",
            params![
                workflow.profile_id,
                workflow.workflow_id,
                workflow.title,
                workflow.patient_label,
                to_ms(workflow.opened_at),
            ],
        )? > 0)
    }

    /// Renames a workflow or relabels its patient. Returns whether it exists.
    pub fn update_workflow_labels(
        &self,
        profile_id: &str,
        workflow_id: &str,
        title: Option<&str>,
        patient_label: Option<&str>,
    ) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE workflows SET title = ?3, patient_label = ?4 \
             WHERE profile_id = ?1 AND workflow_id = ?2",
            params![profile_id, workflow_id, title, patient_label],
        )? > 0)
    }
}
