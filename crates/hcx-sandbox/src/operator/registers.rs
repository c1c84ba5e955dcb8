//! Simulated registries the operator looks facilities up in: ABDM's Health Facility Registry
//! (HFR), its Healthcare Professionals Registry (HPR) and ROHINI. A fixed JSON seed shipped in
//! the crate (`registers.json`): a dozen fictitious facilities, some valid, one inactive in each
//! register, one HFR facility still pending verification.

use serde::Deserialize;

use crate::error::{Result, SandboxError};

const SEED: &str = include_str!("registers.json");

/// A facility manager as HFR records them.
#[derive(Debug, Clone, Deserialize)]
pub struct HfrManager {
    /// The manager's ABDM id.
    pub hfr_id: String,
    /// Name.
    pub name: String,
    /// Mobile on record (receives the OTP).
    pub mobile: String,
    /// E-mail on record.
    pub email: String,
}

/// An HFR facility.
#[derive(Debug, Clone, Deserialize)]
pub struct HfrFacility {
    /// `IN` + 10 digits.
    pub hfr_id: String,
    /// Name.
    pub name: String,
    /// `hospital`, `clinic`, `practitioner`, `diagnostics`, `pharmacy`.
    pub facility_type: String,
    /// `Active` / `Inactive`.
    pub status: String,
    /// `Verified` / `Pending`.
    pub verification_status: String,
    /// The registered manager.
    pub manager: HfrManager,
    /// Address, one line.
    pub address: String,
}

/// An HPR professional.
#[derive(Debug, Clone, Deserialize)]
pub struct HprProfessional {
    /// 14-digit id.
    pub hpr_id: String,
    /// Name.
    pub name: String,
    /// `Active` / `Inactive`.
    pub status: String,
}

/// A ROHINI entry.
#[derive(Debug, Clone, Deserialize)]
pub struct RohiniFacility {
    /// 13 digits.
    pub rohini_id: String,
    /// Name.
    pub name: String,
    /// GSTN on record.
    pub gstn: String,
    /// `Active` / `Inactive`.
    pub status: String,
    /// Place.
    pub address: String,
}

/// The three registers.
#[derive(Debug, Clone, Deserialize)]
pub struct Registers {
    hfr: Vec<HfrFacility>,
    hpr: Vec<HprProfessional>,
    rohini: Vec<RohiniFacility>,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

impl Registers {
    /// The shipped seed.
    pub fn seed() -> Result<Self> {
        serde_json::from_str(SEED)
            .map_err(|e| SandboxError::Corrupt(format!("operator registers seed: {e}")))
    }

    /// HFR lookup by facility id (case-insensitive `IN`).
    pub fn hfr(&self, hfr_id: &str) -> Option<&HfrFacility> {
        self.hfr.iter().find(|f| f.hfr_id.eq_ignore_ascii_case(hfr_id.trim()))
    }

    /// HPR lookup (hyphens ignored).
    pub fn hpr(&self, hpr_id: &str) -> Option<&HprProfessional> {
        let want = digits(hpr_id);
        self.hpr.iter().find(|p| digits(&p.hpr_id) == want)
    }

    /// ROHINI lookup.
    pub fn rohini(&self, rohini_id: &str) -> Option<&RohiniFacility> {
        self.rohini.iter().find(|r| r.rohini_id == rohini_id.trim())
    }

    /// True when two ABDM numbers are the same (hyphens ignored).
    pub fn same_abdm_number(a: &str, b: &str) -> bool {
        let (a, b) = (digits(a), digits(b));
        !a.is_empty() && a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_parses_and_lookups_work() {
        let r = Registers::seed().expect("the shipped seed parses");
        assert!(r.hfr.len() + r.rohini.len() >= 12, "a dozen facilities are shipped");
        assert_eq!(
            r.hfr("in2910000123").map(|f| f.status.as_str()),
            Some("Active"),
            "HFR ids are matched case-insensitively"
        );
        assert!(
            r.hfr.iter().any(|f| f.status == "Inactive"),
            "one facility is inactive, for the refusal path"
        );
        assert!(r.hpr("74554566667777").is_none(), "a wrong HPR id is not found");
        assert!(r.hpr("74-5555-6666-7777").is_some(), "hyphenated HPR ids are found");
        assert!(r.rohini("8900080123456").is_some(), "ROHINI ids are found");
    }
}
