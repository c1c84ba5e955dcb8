//! Plain-text renderings of view types for the terminal: times in local time, headlines,
//! amounts. The CLI (`hcx thread`, `hcx threads`, `hcx demo`) prints these.

use chrono::{DateTime, Local, Utc};
use rust_decimal::Decimal;

use crate::dto::{ThreadDetail, ThreadSummary};
use crate::views::format_amount;

/// An ISO-8601 UTC time shown in the machine's local time zone.
pub fn local_time(utc: &str) -> String {
    DateTime::parse_from_rfc3339(utc)
        .map(|t| {
            t.with_timezone(&Utc).with_timezone(&Local).format("%d %b %Y %H:%M:%S").to_string()
        })
        .unwrap_or_else(|_| utc.to_owned())
}

fn money(amount: Option<&str>) -> String {
    amount
        .and_then(|a| a.parse::<Decimal>().ok())
        .map_or_else(|| "—".to_owned(), |d| format!("₹{}", format_amount(d)))
}

fn use_case_title(u: &str) -> &str {
    match u {
        "coverageeligibility" => "Eligibility check",
        "preauth" => "Preauth",
        "claim" => "Claim",
        "predetermination" => "Predetermination",
        "communication" => "Communication",
        "paymentnotice" => "Payment notice",
        other => other,
    }
}

/// One cycle with its timeline.
pub fn render_thread(d: &ThreadDetail) -> String {
    let t = &d.thread;
    let mut out = String::new();
    let party = match &t.counterparty_name {
        Some(n) if n != &t.counterparty => format!("{n} ({})", t.counterparty),
        _ => t.counterparty.clone(),
    };
    let arrow = if t.direction == "outgoing" { "to" } else { "from" };
    out.push_str(&format!(
        "{} {} {party} — {}\n",
        use_case_title(&t.use_case),
        arrow,
        t.state.to_uppercase()
    ));
    out.push_str(&format!("  Cycle:     {}\n", t.correlation_id));
    if let Some(w) = &t.workflow_id {
        out.push_str(&format!("  Workflow:  {w}\n"));
    }
    if let Some(p) = &t.patient {
        out.push_str(&format!("  Patient:   {p}\n"));
    }
    out.push_str(&format!(
        "  Requested: {}   Approved: {}   Settled: {}\n",
        money(t.requested.as_deref()),
        money(t.approved.as_deref()),
        money(t.settled.as_deref())
    ));
    out.push_str(&format!("  Opened:    {}\n\n", local_time(&t.opened_at)));
    for n in &d.timeline {
        let arrow = if n.direction == "out" { "→" } else { "←" };
        out.push_str(&format!(
            "  {}  {arrow} {:<12} {:<30} {}\n",
            local_time(&n.at),
            n.kind,
            n.action,
            n.headline
        ));
    }
    if !d.next_actions.is_empty() {
        out.push_str(&format!("\n  Next: {}\n", d.next_actions.join(", ")));
    }
    out
}

/// The work queue as a table.
pub fn render_threads(rows: &[ThreadSummary]) -> String {
    if rows.is_empty() {
        return "No cycles.".to_owned();
    }
    let mut out = format!(
        "{:<36}  {:<18} {:<9} {:<13} {:<24} {:>14} {:>14}  {}\n",
        "CYCLE",
        "USE CASE",
        "DIRECTION",
        "STATE",
        "COUNTERPARTY",
        "REQUESTED",
        "APPROVED",
        "UPDATED"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<36}  {:<18} {:<9} {:<13} {:<24} {:>14} {:>14}  {}\n",
            r.correlation_id,
            use_case_title(&r.use_case),
            r.direction,
            r.state,
            r.counterparty,
            money(r.requested.as_deref()),
            money(r.approved.as_deref()),
            local_time(&r.updated_at)
        ));
    }
    out
}
