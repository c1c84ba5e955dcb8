//! The operator's tables (migration 3): applications, their history, compromise reports.

use hcx_onboard::operator_api::{
    ApplicationState, ApplicationStatus, CredentialsState, HistoryEntry,
};
use hcx_onboard::registration::Application;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Result, SandboxError};
use crate::password::PasswordHash;

/// A pending OTP.
#[derive(Debug, Clone)]
pub struct PendingOtp {
    /// PBKDF2 hash of the 6 digits.
    pub hash: PasswordHash,
    /// Expiry, epoch ms.
    pub expires_ms: i64,
    /// Wrong tries so far.
    pub attempts: i64,
}

/// One stored application.
#[derive(Debug, Clone)]
pub struct Row {
    /// Id.
    pub id: String,
    /// Current state.
    pub state: ApplicationState,
    /// The form as submitted.
    pub application: Application,
    /// SHA-256 (hex) of the applicant token.
    pub token_sha256: String,
    /// Payer asked to approve, if any.
    pub payer_code: Option<String>,
    /// Pending OTP.
    pub otp: Option<PendingOtp>,
    /// Masked OTP destination.
    pub otp_sent_to: Option<String>,
    /// Credentials state.
    pub credentials: CredentialsState,
    /// Submitted, epoch ms.
    pub created_ms: i64,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Corrupt(format!("onboard {what}: {e}"))
}

fn credentials_str(c: CredentialsState) -> &'static str {
    match c {
        CredentialsState::NotYet => "not_yet",
        CredentialsState::Ready => "ready",
        CredentialsState::Issued => "issued",
    }
}

const COLUMNS: &str = "id, state_json, application, token_sha256, payer_code, otp_salt, otp_hash, \
     otp_iterations, otp_expires_ms, otp_attempts, otp_sent_to, credentials, created_ms";

type RawRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<u32>,
    Option<i64>,
    i64,
    Option<String>,
    String,
    i64,
);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

fn decode(r: RawRow) -> Result<Row> {
    let (
        id,
        state,
        app,
        token,
        payer,
        salt,
        hash,
        iters,
        expires,
        attempts,
        sent_to,
        creds,
        created,
    ) = r;
    let otp = match (salt, hash, iters, expires) {
        (Some(salt), Some(hash), Some(iterations), Some(expires_ms)) => {
            Some(PendingOtp { hash: PasswordHash { salt, hash, iterations }, expires_ms, attempts })
        }
        _ => None,
    };
    let credentials = match creds.as_str() {
        "ready" => CredentialsState::Ready,
        "issued" => CredentialsState::Issued,
        _ => CredentialsState::NotYet,
    };
    Ok(Row {
        state: serde_json::from_str(&state).map_err(|e| corrupt("state", e))?,
        application: serde_json::from_str(&app).map_err(|e| corrupt("application", e))?,
        id,
        token_sha256: token,
        payer_code: payer,
        otp,
        otp_sent_to: sent_to,
        credentials,
        created_ms: created,
    })
}

/// Stores a new application in state `submitted`.
pub fn insert(
    conn: &Connection,
    id: &str,
    app: &Application,
    token_sha256: &str,
    certificate_jti: Option<&str>,
    now: i64,
) -> Result<()> {
    let state = ApplicationState::Submitted;
    conn.execute(
        "INSERT INTO onboard_applications (id, kind, state, state_json, application, token_sha256,
             certificate_jti, created_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            id,
            serde_json::to_string(&app.kind())?,
            state.name(),
            serde_json::to_string(&state)?,
            serde_json::to_string(app)?,
            token_sha256,
            certificate_jti,
            now
        ],
    )?;
    history(conn, id, &state, "application received", now)
}

/// One application.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Row>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM onboard_applications WHERE id = ?1"),
        params![id],
        raw,
    )
    .optional()?
    .map(decode)
    .transpose()
}

/// Applications, oldest first, optionally in one state.
pub fn list(conn: &Connection, state: Option<&str>, payer_code: Option<&str>) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM onboard_applications
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR payer_code = ?2)
         ORDER BY created_ms, id"
    ))?;
    let rows = stmt.query_map(params![state, payer_code], raw)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(decode(r?)?);
    }
    Ok(out)
}

/// Moves to `state` and records why.
pub fn set_state(
    conn: &Connection,
    id: &str,
    state: &ApplicationState,
    note: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE onboard_applications SET state = ?2, state_json = ?3, updated_ms = ?4 WHERE id = ?1",
        params![id, state.name(), serde_json::to_string(state)?, now],
    )?;
    history(conn, id, state, note, now)
}

fn history(
    conn: &Connection,
    id: &str,
    state: &ApplicationState,
    note: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO onboard_history (application_id, at_ms, state, note) VALUES (?1, ?2, ?3, ?4)",
        params![id, now, state.name(), note],
    )?;
    Ok(())
}

/// Records the payer asked to approve.
pub fn set_payer(conn: &Connection, id: &str, payer_code: &str) -> Result<()> {
    conn.execute(
        "UPDATE onboard_applications SET payer_code = ?2 WHERE id = ?1",
        params![id, payer_code],
    )?;
    Ok(())
}

/// Stores a new OTP (replacing any earlier one) and where it went.
pub fn set_otp(
    conn: &Connection,
    id: &str,
    hash: &PasswordHash,
    expires_ms: i64,
    sent_to: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE onboard_applications SET otp_salt = ?2, otp_hash = ?3, otp_iterations = ?4,
             otp_expires_ms = ?5, otp_attempts = 0, otp_sent_to = ?6 WHERE id = ?1",
        params![id, hash.salt, hash.hash, hash.iterations, expires_ms, sent_to],
    )?;
    Ok(())
}

/// Counts a wrong OTP.
pub fn otp_failed(conn: &Connection, id: &str) -> Result<()> {
    conn.execute(
        "UPDATE onboard_applications SET otp_attempts = otp_attempts + 1 WHERE id = ?1",
        params![id],
    )?;
    Ok(())
}

/// Forgets the OTP once used.
pub fn clear_otp(conn: &Connection, id: &str) -> Result<()> {
    conn.execute(
        "UPDATE onboard_applications SET otp_salt = NULL, otp_hash = NULL, otp_iterations = NULL,
             otp_expires_ms = NULL WHERE id = ?1",
        params![id],
    )?;
    Ok(())
}

/// Records the production code after approval.
pub fn set_participant(conn: &Connection, id: &str, code: &str) -> Result<()> {
    conn.execute(
        "UPDATE onboard_applications SET participant_code = ?2 WHERE id = ?1",
        params![id, code],
    )?;
    Ok(())
}

/// Moves the credentials state on; returns false when it was not `from` (issued once only).
pub fn move_credentials(
    conn: &Connection,
    id: &str,
    from: CredentialsState,
    to: CredentialsState,
) -> Result<bool> {
    let n = conn.execute(
        "UPDATE onboard_applications SET credentials = ?3 WHERE id = ?1 AND credentials = ?2",
        params![id, credentials_str(from), credentials_str(to)],
    )?;
    Ok(n == 1)
}

/// Records a compromise report.
pub fn log_compromise(
    conn: &Connection,
    code: &str,
    note: &str,
    certificate_replaced: bool,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO onboard_compromises (participant_code, at_ms, note, certificate_replaced)
         VALUES (?1, ?2, ?3, ?4)",
        params![code, now, note, certificate_replaced],
    )?;
    Ok(())
}

fn at(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The status view of a row, with its history.
pub fn status(conn: &Connection, row: &Row) -> Result<ApplicationStatus> {
    let mut stmt = conn.prepare(
        "SELECT at_ms, state, note FROM onboard_history WHERE application_id = ?1 ORDER BY seq",
    )?;
    let history = stmt
        .query_map(params![row.id], |r| {
            Ok(HistoryEntry { at: at(r.get(0)?), state: r.get(1)?, note: r.get(2)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ApplicationStatus {
        application_id: row.id.clone(),
        kind: row.application.kind(),
        participant_name: row.application.common().participant_name.clone(),
        state: row.state.clone(),
        otp_sent_to: row.otp_sent_to.clone(),
        credentials: row.credentials,
        history,
        submitted_at: at(row.created_ms),
    })
}
