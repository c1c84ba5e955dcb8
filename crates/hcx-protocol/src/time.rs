//! `x-hcx-timestamp` parsing and formatting. Everything is UTC inside; the offset only matters
//! on the wire, where the SDKs send `+0530`, `+05:30` or `Z`, with or without fractions.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};

/// India Standard Time, the offset Indian gateways and SDKs write.
pub const IST: FixedOffset = match FixedOffset::east_opt(5 * 3600 + 30 * 60) {
    Some(o) => o,
    None => panic!("IST offset is in range"),
};

/// How far in the past fresh timestamps are set. The Swasth gateway rejects any timestamp
/// even a millisecond ahead of its clock, so a small negative skew is the safe side.
pub const DEFAULT_SKEW_SECONDS: i64 = 2;

/// A timestamp string that is not ISO-8601 date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp {value:?}: {reason}")]
pub struct TimeError {
    /// The input.
    pub value: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// Parse an ISO-8601 date-time as the gateway (Joda `new DateTime(String)`) would: offsets
/// `Z`, `+05:30`, `+0530` or `+05`, optional fractional seconds. A value without an offset is
/// taken as UTC (the gateway's JVM runs in UTC).
pub fn parse_timestamp(value: &str) -> Result<DateTime<FixedOffset>, TimeError> {
    let err = |reason| TimeError { value: value.to_owned(), reason };
    let s = value.trim();
    let t_pos = s.find(['T', 't']).ok_or_else(|| err("missing 'T' between date and time"))?;
    let time_part = s.get(t_pos + 1..).ok_or_else(|| err("missing time"))?;
    // The offset starts at the first Z, + or - after the 'T'.
    let (local, offset) = match time_part.find(['Z', 'z', '+', '-']) {
        Some(i) => {
            let split = t_pos + 1 + i;
            (&s[..split], Some(&s[split..]))
        }
        None => (s, None),
    };
    let naive =
        parse_local(local).ok_or_else(|| err("date or time is not YYYY-MM-DDTHH:MM[:SS[.fff]]"))?;
    let offset = match offset {
        None => FixedOffset::east_opt(0).ok_or_else(|| err("offset out of range"))?,
        Some(o) => parse_offset(o).ok_or_else(|| err("offset is not Z, ±HH, ±HHMM or ±HH:MM"))?,
    };
    naive
        .and_local_timezone(offset)
        .single()
        .ok_or_else(|| err("time does not exist in that offset"))
}

fn parse_local(s: &str) -> Option<NaiveDateTime> {
    // Normalise a lower-case 't'; chrono's %.f accepts any number of fraction digits.
    let s = s.replacen('t', "T", 1);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&s, fmt) {
            return Some(dt);
        }
    }
    None
}

fn parse_offset(o: &str) -> Option<FixedOffset> {
    if o.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let sign = match o.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = o[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || o[1..].matches(':').count() > 1 {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits[..2].parse::<i32>().ok()?, digits[2..].parse::<i32>().ok()?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Format a UTC instant for the wire in `offset`, e.g. `2026-11-21T20:30:05+05:30`
/// (whole seconds; what the Python SDK sends and the gateway and NHCX accept).
pub fn format_timestamp(instant: DateTime<Utc>, offset: FixedOffset) -> String {
    instant.with_timezone(&offset).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A fresh `x-hcx-timestamp`: now minus [`DEFAULT_SKEW_SECONDS`], written in IST.
pub fn now_timestamp() -> String {
    format_timestamp(Utc::now() - Duration::seconds(DEFAULT_SKEW_SECONDS), IST)
}

/// The gateway's rule: valid iff not in the future and not more than `range_hours` in the past.
pub fn timestamp_in_range(t: DateTime<FixedOffset>, now: DateTime<Utc>, range_hours: i64) -> bool {
    let t = t.with_timezone(&Utc);
    t >= now - Duration::hours(range_hours) && t <= now
}

/// Epoch milliseconds of a UTC instant (the sync ack's `timestamp`).
pub fn epoch_millis(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_sdks_send() {
        let want = parse_timestamp("2022-10-27T05:37:48Z").unwrap();
        for s in [
            "2022-10-27T11:07:48+0530",
            "2022-10-27T11:07:48+05:30",
            "2022-10-27T05:37:48Z",
            "2022-10-27T05:37:48.000Z",
            "2022-10-27T11:07:48.000000+05:30",
            "2022-10-27T10:37:48+05",
            "2022-10-27T05:37:48",
        ] {
            let got = parse_timestamp(s).unwrap_or_else(|e| panic!("{s} must parse: {e}"));
            assert_eq!(got, want, "{s} is the same instant as the Java SDK vector's timestamp");
        }
        for bad in ["1629057611000", "2022-10-27", "2022-10-27T11:07:48+5:3", "yesterday", ""] {
            assert!(
                parse_timestamp(bad).is_err(),
                "{bad:?} is not ISO date-time, gateway rejects it"
            );
        }
    }

    #[test]
    fn format_round_trips_and_fresh_stamp_is_in_the_past() {
        let now = Utc::now();
        let s = now_timestamp();
        assert!(s.ends_with("+05:30"), "fresh timestamps are written in IST: {s}");
        let t = parse_timestamp(&s).unwrap();
        assert!(
            t.with_timezone(&Utc) < now,
            "fresh timestamps sit in the past (gateway rejects future)"
        );
        assert!(timestamp_in_range(t, Utc::now(), 1), "and well inside the gateway's window");
    }
}
