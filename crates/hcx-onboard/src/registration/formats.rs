//! Format checks for the identifiers and contacts the registration form asks for. Each check
//! returns `Err(message)` with a sentence a front-desk user can act on; `normalise_*` helpers
//! give the canonical form the operator stores.
//!
//! Decisions (see README "Format checks"): HFR facility ids are `IN` + 10 digits; HPR ids and
//! facility managers' ids are 14-digit ABDM numbers (hyphens allowed in the printed 2-4-4-4
//! grouping); ROHINI ids are 13 digits; IRDAI registration / licence numbers of insurers and
//! TPAs are 3 digits; intermediaries' licence numbers vary by intermediary type and are checked
//! only for a sane character set.

/// The 36 symbols of the GSTN checksum, in value order.
const GSTN_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A failed check: the message to show next to the field.
pub type Check = Result<(), String>;

/// GST identification number: 2-digit state code (01–38, 97 other territory, 99 centre
/// jurisdiction), the 10-character PAN (5 letters, 4 digits, 1 letter), the registration
/// number for that PAN (1–9 or A–Z), `Z`, and the checksum character.
pub fn check_gstn(value: &str) -> Check {
    let g = value.trim().to_ascii_uppercase();
    let b = g.as_bytes();
    if b.len() != 15 {
        return Err(format!("A GSTN has 15 characters; this one has {}", g.chars().count()));
    }
    if !b.iter().all(u8::is_ascii_alphanumeric) {
        return Err("A GSTN has only letters and digits".into());
    }
    let state = g.get(0..2).and_then(|s| s.parse::<u8>().ok());
    match state {
        Some(1..=38 | 97 | 99) => {}
        _ => {
            return Err("A GSTN starts with a 2-digit state code (01 to 38, or 97 / 99)".into());
        }
    }
    let pan_ok = b[2..7].iter().all(u8::is_ascii_uppercase)
        && b[7..11].iter().all(u8::is_ascii_digit)
        && b[11].is_ascii_uppercase();
    if !pan_ok {
        return Err(
            "Characters 3 to 12 of a GSTN are the PAN: 5 letters, 4 digits, 1 letter".into()
        );
    }
    if b[12] == b'0' {
        return Err("Character 13 of a GSTN is 1-9 or A-Z (the registration count), not 0".into());
    }
    if b[13] != b'Z' {
        return Err("Character 14 of a GSTN is always Z".into());
    }
    let expected = gstn_check_char(&b[..14]).ok_or("A GSTN has only letters and digits")?;
    if b[14] != expected {
        return Err(
            "The last character of this GSTN does not match its checksum; check for a typing \
             mistake"
                .into(),
        );
    }
    Ok(())
}

/// The GSTN check character for the first 14 characters (upper case): a Luhn mod-36 sum with
/// weights 1, 2, 1, 2 … where each product contributes `product / 36 + product % 36`.
pub fn gstn_check_char(first14: &[u8]) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, c) in first14.iter().enumerate() {
        let v = u32::try_from(GSTN_ALPHABET.iter().position(|a| a == c)?).ok()?;
        let product = v * if i % 2 == 0 { 1 } else { 2 };
        sum += product / 36 + product % 36;
    }
    let check = (36 - sum % 36) % 36;
    GSTN_ALPHABET.get(usize::try_from(check).ok()?).copied()
}

/// NHA Health Facility Registry id: `IN` followed by 10 digits (e.g. `IN2910000123`).
pub fn check_hfr_facility_id(value: &str) -> Check {
    let v = value.trim();
    let ok = v.len() == 12
        && v.get(0..2).is_some_and(|p| p.eq_ignore_ascii_case("IN"))
        && v.get(2..).is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err("An HFR facility id is IN followed by 10 digits, e.g. IN2910000123".into())
    }
}

/// A 14-digit ABDM number (HPR id, or a facility manager's id), plain or as `12-3456-7890-1234`.
fn check_abdm_number(value: &str, what: &str) -> Check {
    let v = value.trim();
    let digits: String = v.chars().filter(|c| *c != '-').collect();
    let grouped_ok = !v.contains('-') || {
        let parts: Vec<usize> = v.split('-').map(str::len).collect();
        parts == [2, 4, 4, 4]
    };
    if digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()) && grouped_ok {
        Ok(())
    } else {
        Err(format!("{what} is a 14-digit number, written plain or as 71-4542-2424-6325"))
    }
}

/// Healthcare Professionals Registry id of a practitioner.
pub fn check_hpr_id(value: &str) -> Check {
    check_abdm_number(value, "An HPR id")
}

/// The registered facility manager's ABDM id (as shown in HFR).
pub fn check_manager_id(value: &str) -> Check {
    check_abdm_number(value, "The facility manager's HFR id")
}

/// The canonical 14 digits of an HPR / manager id (hyphens removed).
pub fn normalise_abdm_number(value: &str) -> String {
    value.trim().chars().filter(|c| *c != '-').collect()
}

/// ROHINI (Registry of Hospitals in the Network of Insurance) id: 13 digits.
pub fn check_rohini_id(value: &str) -> Check {
    let v = value.trim();
    if v.len() == 13 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("A ROHINI id is 13 digits".into())
    }
}

/// IRDAI registration number of an insurer, or licence number of a TPA: 3 digits (e.g. `108`).
pub fn check_irda_registration(value: &str) -> Check {
    let v = value.trim();
    if v.len() == 3 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("The IRDAI registration / licence number is the 3-digit number IRDAI issued, e.g. 108"
            .into())
    }
}

/// IRDAI licence number of an intermediary (broker, corporate agent, ISNP …): formats differ by
/// intermediary type, so only length and characters are checked.
pub fn check_intermediary_licence(value: &str) -> Check {
    let v = value.trim();
    let ok = (3..=30).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b' '))
        && v.bytes().any(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err("The IRDAI licence number has 3 to 30 letters, digits, '/', '-' or '.'".into())
    }
}

/// The user id IRDAI issued for its portal.
pub fn check_irda_user_id(value: &str) -> Check {
    let v = value.trim();
    let ok = (3..=64).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        Err("The IRDAI user id has 3 to 64 letters, digits, '.', '_', '-' or '@'".into())
    }
}

/// An e-mail address (deliberately simple: one `@`, a dotted domain, no spaces).
pub fn check_email(value: &str) -> Check {
    let v = value.trim();
    let bad = || Err("Enter an e-mail address such as accounts@hospital.in".to_string());
    let Some((local, domain)) = v.split_once('@') else {
        return bad();
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-'".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if local_ok && domain_ok { Ok(()) } else { bad() }
}

/// An Indian mobile number: 10 digits starting with 6–9, optionally written with `+91`
/// (spaces and hyphens are ignored).
pub fn check_mobile(value: &str) -> Check {
    match normalise_mobile(value) {
        Some(_) => Ok(()),
        None => Err("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9 (with or \
                     without +91)"
            .into()),
    }
}

/// The 10 national digits of a valid mobile number.
pub fn normalise_mobile(value: &str) -> Option<String> {
    let compact: String = value.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let national = compact.strip_prefix("+91").unwrap_or(&compact);
    let ok = national.len() == 10
        && national.bytes().all(|b| b.is_ascii_digit())
        && matches!(national.as_bytes().first(), Some(b'6'..=b'9'));
    ok.then(|| national.to_string())
}

/// An Indian PIN code: 6 digits, not starting with 0.
pub fn check_pincode(value: &str) -> Check {
    let v = value.trim();
    let ok = v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit()) && !v.starts_with('0');
    if ok { Ok(()) } else { Err("A PIN code is 6 digits and does not start with 0".into()) }
}

/// A callback base URL: http(s), with a host.
pub fn check_endpoint_url(value: &str) -> Check {
    let v = value.trim();
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => {
            Err("The callback address must start with https:// (or http:// for local tests)".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gstn_checksum_matches_published_numbers() {
        // GSTINs published as worked examples of the checksum; independent of this code.
        for g in ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4"] {
            assert_eq!(check_gstn(g), Ok(()), "{g} is a real GSTIN and must pass");
        }
        assert!(check_gstn("27AAPFU0939F1ZW").is_err(), "one changed checksum character fails");
    }
}
