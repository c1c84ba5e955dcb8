//! FHIR date and instant text. UTC inside; payloads carry India Standard Time (`+05:30`), because
//! NHCX payers read the offset literally (fhir-payloads.md §9 P7: `+05:00` is a real bug seen).

use chrono::{DateTime, FixedOffset, NaiveDate, Offset as _, SecondsFormat, Utc};

/// India Standard Time, UTC+05:30.
pub fn ist() -> FixedOffset {
    // 19,800 s is within ±86,400 s, so `east_opt` cannot fail; the fallback only satisfies the
    // type checker without a panic path.
    FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap_or_else(|| Utc.fix())
}

/// A FHIR `instant`/`dateTime` with seconds and the IST offset: `2026-11-21T14:05:09+05:30`.
pub fn instant(t: DateTime<Utc>) -> String {
    t.with_timezone(&ist()).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A FHIR `date`: `2026-11-21`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// True when the text is a FHIR `instant`: date, time with seconds, and a zone.
pub fn is_instant(s: &str) -> bool {
    DateTime::parse_from_rfc3339(s).is_ok()
}

/// True when the text is a FHIR `date` (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
pub fn is_date(s: &str) -> bool {
    match s.len() {
        4 => s.bytes().all(|b| b.is_ascii_digit()),
        7 => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok(),
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        _ => false,
    }
}

/// True when the text is a FHIR `dateTime`: a date, or a date and time with seconds and a zone.
pub fn is_date_time(s: &str) -> bool {
    is_date(s) || is_instant(s)
}
