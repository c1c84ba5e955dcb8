//! Table `threads`: one protocol cycle (one correlation id) with its business state and money,
//! the filtered thread list, the TPA inbox and one thread's timeline.

use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use rust_decimal::Decimal;

use crate::messages::TimelineEntry;
use crate::values::{amount_text, decimal_col, like_pattern, opt_time_col, time_col, to_ms};
use crate::{Reader, Result, StoreError, ThreadDirection, ThreadState, UseCase, Workflow, Writer};

/// A stored thread.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    /// The owning profile.
    pub profile_id: String,
    /// The cycle's `x-hcx-correlation_id`.
    pub correlation_id: String,
    /// The `x-hcx-workflow_id`, if the cycle belongs to one.
    pub workflow_id: Option<String>,
    /// What kind of cycle.
    pub use_case: UseCase,
    /// The other participant's code.
    pub counterparty_code: String,
    /// The other participant's name, from the registry cache when known.
    pub counterparty_name: Option<String>,
    /// Who started the cycle.
    pub direction: ThreadDirection,
    /// Business state.
    pub state: ThreadState,
    /// Amount asked for (estimate or bill).
    pub requested_amount: Option<Decimal>,
    /// Amount the payer approved.
    pub approved_amount: Option<Decimal>,
    /// Amount paid out.
    pub settled_amount: Option<Decimal>,
    /// What a payment notice paid beyond what its claims still owed (not counted as settled).
    pub excess_amount: Option<Decimal>,
    /// ISO 4217 currency of the amounts.
    pub currency: String,
    /// How the operator recognises the patient.
    pub patient_label: Option<String>,
    /// When the cycle started.
    pub opened_at: DateTime<Utc>,
    /// When it reached a closed state.
    pub closed_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A thread to create.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewThread {
    /// The owning profile.
    pub profile_id: String,
    /// The cycle's correlation id.
    pub correlation_id: String,
    /// The workflow id; the workflow row is created if missing.
    pub workflow_id: Option<String>,
    /// What kind of cycle.
    pub use_case: UseCase,
    /// The other participant's code.
    pub counterparty_code: String,
    /// Who started it.
    pub direction: ThreadDirection,
    /// Initial state (usually `drafted`/`queued` outgoing, `received` incoming).
    pub state: ThreadState,
    /// Amount asked for, if known.
    pub requested_amount: Option<Decimal>,
    /// ISO 4217 currency.
    pub currency: String,
    /// How the operator recognises the patient.
    pub patient_label: Option<String>,
    /// When the cycle started.
    pub opened_at: DateTime<Utc>,
}

/// Amount changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountUpdate {
    /// New requested amount.
    pub requested: Option<Decimal>,
    /// New approved amount.
    pub approved: Option<Decimal>,
    /// New settled amount.
    pub settled: Option<Decimal>,
    /// New excess amount (a payment notice's over-payment).
    #[serde(default)]
    pub excess: Option<Decimal>,
}

/// Which amount an [`AmountRange`] filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AmountField {
    /// `requested_amount`.
    Requested,
    /// `approved_amount`.
    Approved,
    /// `settled_amount`.
    Settled,
}

impl AmountField {
    fn column(self) -> &'static str {
        match self {
            AmountField::Requested => "t.requested_amount",
            AmountField::Approved => "t.approved_amount",
            AmountField::Settled => "t.settled_amount",
        }
    }
}

/// An inclusive amount range, compared exactly as decimals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountRange {
    /// The amount to compare.
    pub field: AmountField,
    /// Lower bound, inclusive.
    pub min: Option<Decimal>,
    /// Upper bound, inclusive.
    pub max: Option<Decimal>,
}

/// Filters for the thread list. Empty lists and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ThreadFilter {
    /// The profile whose threads to list (required).
    pub profile_id: String,
    /// Any of these states.
    pub states: Vec<ThreadState>,
    /// Any of these use cases.
    pub use_cases: Vec<UseCase>,
    /// Only this direction.
    pub direction: Option<ThreadDirection>,
    /// Only this counterparty code (exact).
    pub counterparty_code: Option<String>,
    /// Only this workflow.
    pub workflow_id: Option<String>,
    /// Opened at or after.
    pub opened_from: Option<DateTime<Utc>>,
    /// Opened before.
    pub opened_before: Option<DateTime<Utc>>,
    /// Amount range.
    pub amount: Option<AmountRange>,
    /// Substring of the patient label, correlation id, workflow id, counterparty code or name.
    pub text: Option<String>,
    /// Page size (default 200, at most 1000).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: u32,
}

/// A thread with its messages in order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTimeline {
    /// The thread.
    pub thread: Thread,
    /// Its messages, oldest first, each with its delivery state.
    pub entries: Vec<TimelineEntry>,
}

const DEFAULT_LIMIT: u32 = 200;
const MAX_LIMIT: u32 = 1000;

const SELECT: &str = "SELECT t.profile_id, t.correlation_id, t.workflow_id, t.use_case, \
     t.counterparty_code, rc.participant_name AS counterparty_name, t.direction, t.state, \
     t.requested_amount, t.approved_amount, t.settled_amount, t.excess_amount, t.currency, \
     t.patient_label, \
     t.opened_at, t.closed_at, t.updated_at \
     FROM threads t LEFT JOIN registry_cache rc \
     ON rc.profile_id = t.profile_id AND rc.participant_code = t.counterparty_code";

impl Thread {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            profile_id: row.get("profile_id")?,
            correlation_id: row.get("correlation_id")?,
            workflow_id: row.get("workflow_id")?,
            use_case: row.get("use_case")?,
            counterparty_code: row.get("counterparty_code")?,
            counterparty_name: row.get("counterparty_name")?,
            direction: row.get("direction")?,
            state: row.get("state")?,
            requested_amount: decimal_col(row, "requested_amount")?,
            approved_amount: decimal_col(row, "approved_amount")?,
            settled_amount: decimal_col(row, "settled_amount")?,
            excess_amount: decimal_col(row, "excess_amount")?,
            currency: row.get("currency")?,
            patient_label: row.get("patient_label")?,
            opened_at: time_col(row, "opened_at")?,
            closed_at: opt_time_col(row, "closed_at")?,
            updated_at: time_col(row, "updated_at")?,
        })
    }
}

/// A WHERE clause built from fixed SQL fragments and bound values (never user text in SQL).
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    values: Vec<SqlValue>,
}

impl Conditions {
    fn push(&mut self, clause: impl Into<String>, values: impl IntoIterator<Item = SqlValue>) {
        self.clauses.push(clause.into());
        self.values.extend(values);
    }

    fn push_in(&mut self, column: &str, texts: Vec<&'static str>) {
        if texts.is_empty() {
            return;
        }
        let marks = vec!["?"; texts.len()].join(", ");
        self.push(
            format!("{column} IN ({marks})"),
            texts.into_iter().map(|t| SqlValue::Text(t.to_owned())),
        );
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn from_filter(filter: &ThreadFilter) -> Self {
        let mut c = Conditions::default();
        c.push("t.profile_id = ?", [SqlValue::Text(filter.profile_id.clone())]);
        c.push_in("t.state", filter.states.iter().map(|s| s.as_str()).collect());
        c.push_in("t.use_case", filter.use_cases.iter().map(|u| u.as_str()).collect());
        if let Some(direction) = filter.direction {
            c.push("t.direction = ?", [SqlValue::Text(direction.as_str().to_owned())]);
        }
        if let Some(code) = &filter.counterparty_code {
            c.push("t.counterparty_code = ?", [SqlValue::Text(code.clone())]);
        }
        if let Some(workflow) = &filter.workflow_id {
            c.push("t.workflow_id = ?", [SqlValue::Text(workflow.clone())]);
        }
        if let Some(from) = filter.opened_from {
            c.push("t.opened_at >= ?", [SqlValue::Integer(to_ms(from))]);
        }
        if let Some(before) = filter.opened_before {
            c.push("t.opened_at < ?", [SqlValue::Integer(to_ms(before))]);
        }
        if let Some(range) = &filter.amount {
            let column = range.field.column();
            if let Some(min) = range.min {
                c.push(
                    format!("hcx_decimal_cmp({column}, ?) >= 0"),
                    [SqlValue::Text(min.to_string())],
                );
            }
            if let Some(max) = range.max {
                c.push(
                    format!("hcx_decimal_cmp({column}, ?) <= 0"),
                    [SqlValue::Text(max.to_string())],
                );
            }
        }
        if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = SqlValue::Text(like_pattern(text));
            c.push(
                "(t.patient_label LIKE ? ESCAPE '\\' OR t.correlation_id LIKE ? ESCAPE '\\' \
                 OR t.workflow_id LIKE ? ESCAPE '\\' OR t.counterparty_code LIKE ? ESCAPE '\\' \
                 OR rc.participant_name LIKE ? ESCAPE '\\')",
                std::iter::repeat_n(pattern, 5),
            );
        }
        c
    }
}

impl Reader<'_> {
    /// One thread.
    pub fn get_thread(&self, profile_id: &str, correlation_id: &str) -> Result<Option<Thread>> {
        let sql = format!("{SELECT} WHERE t.profile_id = ?1 AND t.correlation_id = ?2");
        Ok(self
            .conn
            .query_row(&sql, params![profile_id, correlation_id], Thread::from_row)
            .optional()?)
    }

    /// Threads matching `filter`, most recently updated first.
    pub fn list_threads(&self, filter: &ThreadFilter) -> Result<Vec<Thread>> {
        let conditions = Conditions::from_filter(filter);
        let limit = filter.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
        let sql = format!(
            "{SELECT}{} ORDER BY t.updated_at DESC, t.correlation_id LIMIT {limit} OFFSET {}",
            conditions.sql(),
            filter.offset
        );
        self.query_threads(&sql, conditions.values)
    }

    /// How many threads match `filter` (ignoring its paging), for the list's pager.
    pub fn count_threads(&self, filter: &ThreadFilter) -> Result<u64> {
        let conditions = Conditions::from_filter(filter);
        let sql = format!(
            "SELECT COUNT(*) FROM threads t LEFT JOIN registry_cache rc \
             ON rc.profile_id = t.profile_id AND rc.participant_code = t.counterparty_code{}",
            conditions.sql()
        );
        let count: i64 =
            self.conn.query_row(&sql, params_from_iter(conditions.values), |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The TPA/payer desk's inbox: incoming requests in which the counterparty waits for our
    /// answer ([`ThreadState::AWAITING_OUR_ANSWER`]), the longest-waiting first.
    pub fn tpa_inbox(&self, profile_id: &str) -> Result<Vec<Thread>> {
        let filter = ThreadFilter {
            profile_id: profile_id.to_owned(),
            states: ThreadState::AWAITING_OUR_ANSWER.to_vec(),
            direction: Some(ThreadDirection::Incoming),
            ..ThreadFilter::default()
        };
        let conditions = Conditions::from_filter(&filter);
        let sql = format!("{SELECT}{} ORDER BY t.opened_at, t.correlation_id", conditions.sql());
        self.query_threads(&sql, conditions.values)
    }

    /// A thread with its messages in order, each with its delivery state and outbox status.
    pub fn thread_timeline(
        &self,
        profile_id: &str,
        correlation_id: &str,
    ) -> Result<Option<ThreadTimeline>> {
        let Some(thread) = self.get_thread(profile_id, correlation_id)? else {
            return Ok(None);
        };
        let entries = self.timeline_entries(profile_id, correlation_id)?;
        Ok(Some(ThreadTimeline { thread, entries }))
    }

    pub(crate) fn threads_of_workflow(
        &self,
        profile_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<Thread>> {
        let sql = format!(
            "{SELECT} WHERE t.profile_id = ? AND t.workflow_id = ? \
             ORDER BY t.opened_at, t.correlation_id"
        );
        self.query_threads(
            &sql,
            vec![SqlValue::Text(profile_id.to_owned()), SqlValue::Text(workflow_id.to_owned())],
        )
    }

    fn query_threads(&self, sql: &str, values: Vec<SqlValue>) -> Result<Vec<Thread>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params_from_iter(values), Thread::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Writer<'_> {
    /// Creates a thread unless one exists for this correlation id (ingest may see the same
    /// cycle twice). Creates the workflow row first when the thread names one. Returns whether
    /// the thread is new.
    pub fn insert_thread(&self, thread: &NewThread) -> Result<bool> {
        if let Some(workflow_id) = &thread.workflow_id {
            self.insert_workflow(&Workflow {
                profile_id: thread.profile_id.clone(),
                workflow_id: workflow_id.clone(),
                title: None,
                patient_label: thread.patient_label.clone(),
                opened_at: thread.opened_at,
            })?;
        }
        let opened = to_ms(thread.opened_at);
        let closed = thread.state.is_closed().then_some(opened);
        Ok(self.conn().execute(
            "INSERT INTO threads (profile_id, correlation_id, workflow_id, use_case, \
             counterparty_code, direction, state, requested_amount, currency, patient_label, \
             opened_at, closed_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11) \
             ON CONFLICT (profile_id, correlation_id) DO NOTHING",
            params![
                thread.profile_id,
                thread.correlation_id,
                thread.workflow_id,
                thread.use_case,
                thread.counterparty_code,
                thread.direction,
                thread.state,
                amount_text("requested amount", thread.requested_amount)?,
                thread.currency,
                thread.patient_label,
                opened,
                closed,
            ],
        )? > 0)
    }

    /// Moves a thread to `to`, refusing transitions [`ThreadState::can_transition_to`] does
    /// not allow ([`StoreError::InvalidTransition`]). Entering a closed state records
    /// `closed_at`. Returns the previous state; asking for the current state changes nothing.
    pub fn set_thread_state(
        &self,
        profile_id: &str,
        correlation_id: &str,
        to: ThreadState,
        at: DateTime<Utc>,
    ) -> Result<ThreadState> {
        let from: ThreadState = self
            .conn()
            .query_row(
                "SELECT state FROM threads WHERE profile_id = ?1 AND correlation_id = ?2",
                params![profile_id, correlation_id],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| thread_not_found(correlation_id))?;
        if from == to {
            return Ok(from);
        }
        if !from.can_transition_to(to) {
            return Err(StoreError::InvalidTransition {
                correlation_id: correlation_id.to_owned(),
                from,
                to,
            });
        }
        self.conn().execute(
            "UPDATE threads SET state = ?3, updated_at = ?4, \
             closed_at = CASE WHEN ?5 THEN COALESCE(closed_at, ?4) ELSE NULL END \
             WHERE profile_id = ?1 AND correlation_id = ?2",
            params![profile_id, correlation_id, to, to_ms(at), to.is_closed()],
        )?;
        Ok(from)
    }

    /// Sets the amounts given in `update`, exactly; others are left alone.
    pub fn set_thread_amounts(
        &self,
        profile_id: &str,
        correlation_id: &str,
        update: &AmountUpdate,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE threads SET requested_amount = COALESCE(?3, requested_amount), \
             approved_amount = COALESCE(?4, approved_amount), \
             settled_amount = COALESCE(?5, settled_amount), updated_at = ?6, \
             excess_amount = COALESCE(?7, excess_amount) \
             WHERE profile_id = ?1 AND correlation_id = ?2",
            params![
                profile_id,
                correlation_id,
                amount_text("requested amount", update.requested)?,
                amount_text("approved amount", update.approved)?,
                amount_text("settled amount", update.settled)?,
                to_ms(at),
                amount_text("excess amount", update.excess)?,
            ],
        )?;
        if changed == 0 {
            return Err(thread_not_found(correlation_id));
        }
        Ok(())
    }

    /// Sets the patient label (for example once an incoming request is decrypted).
    pub fn set_thread_patient_label(
        &self,
        profile_id: &str,
        correlation_id: &str,
        patient_label: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE threads SET patient_label = ?3, updated_at = ?4 \
             WHERE profile_id = ?1 AND correlation_id = ?2",
            params![profile_id, correlation_id, patient_label, to_ms(at)],
        )?;
        if changed == 0 {
            return Err(thread_not_found(correlation_id));
        }
        Ok(())
    }
}

fn thread_not_found(correlation_id: &str) -> StoreError {
    StoreError::NotFound { what: "thread", key: correlation_id.to_owned() }
}
