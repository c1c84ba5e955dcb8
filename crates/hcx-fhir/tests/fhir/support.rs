//! Shared test data: realistic form input for every builder, fixture loading, the Python locator.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hcx_fhir::AttachmentBuilder;
use hcx_fhir::build::*;
use hcx_fhir::types::{Attachment, Bundle};
use rust_decimal_macros::dec;
use serde_json::Value;

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture files (copied from the shared fixtures with attribution).
pub fn fixtures() -> Vec<(String, Value)> {
    let dir = crate_dir().join("tests/fixtures");
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures exists in the repository")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for p in paths {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p).expect("fixture is readable");
        let v: Value = serde_json::from_str(&text).expect("every fixture is valid JSON");
        out.push((name, v));
    }
    assert_eq!(out.len(), 7, "all seven hcx-platform sample files are present");
    out
}

/// Monday 2026-11-16, 09:30 IST: a fixed build time so outputs are stable.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 4, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn patient() -> PatientInput {
    PatientInput {
        name: "Asha Devi".into(),
        gender: Gender::Female,
        birth_date: Some(date(1981, 4, 12)),
        abha_number: Some("91-1234-5678-9012".into()),
        abha_address: Some("asha.devi@abdm".into()),
        pmjay_id: None,
        mrn: Some("MRN-2026-0042".into()),
        phone: Some("+91 98450 12345".into()),
    }
}

pub fn provider() -> ProviderInput {
    ProviderInput {
        hfr_id: "IN2710000123".into(),
        name: "Sunrise Multispeciality Hospital".into(),
        rohini_id: Some("8900080123456".into()),
        phone: Some("+91 80 4000 1234".into()),
    }
}

pub fn payer() -> PayerInput {
    PayerInput {
        code: "IRDAI-144".into(),
        name: "Example General Insurance Ltd".into(),
        id_system: None,
    }
}

pub fn practitioner() -> PractitionerInput {
    PractitionerInput { name: "Dr. Ravi Kumar".into(), hpr_id: "71-5566-2211-8834".into() }
}

pub fn policy() -> PolicyInput {
    PolicyInput {
        policy_number: "POL/2026/000123".into(),
        policy_system: None,
        plan: Some("Family Floater Gold".into()),
        member_id: Some("MEM-0042-01".into()),
        valid_from: Some(date(2026, 4, 1)),
        valid_to: Some(date(2027, 3, 31)),
    }
}

/// A small "PDF", built the way the app builds real ones.
pub fn pdf(title: &str, body: &str) -> Attachment {
    let bytes = format!("%PDF-1.4\n% {body}\n%%EOF\n");
    AttachmentBuilder::from_bytes(bytes.as_bytes(), "application/pdf", title)
        .expect("a titled PDF encodes")
        .with_language("en-IN")
        .with_creation(now())
        .attachment
}

fn encounter() -> EncounterInput {
    EncounterInput {
        kind: EncounterKind::Inpatient,
        admitted: Utc.with_ymd_and_hms(2026, 11, 14, 5, 30, 0).unwrap(),
        discharged: Some(Utc.with_ymd_and_hms(2026, 11, 17, 6, 0, 0).unwrap()),
    }
}

fn items() -> Vec<ItemInput> {
    vec![
        ItemInput {
            product: CodeInput::new("SG039A", "Appendicectomy (open)"),
            category: Some(CodeInput::new("SG", "General Surgery")),
            quantity: dec!(1),
            unit_price: dec!(25000.00),
            service_date: None,
        },
        ItemInput {
            product: CodeInput::new("WARD-GEN", "General ward stay per day"),
            category: None,
            quantity: dec!(3),
            unit_price: dec!(1500.50),
            service_date: None,
        },
        ItemInput {
            product: CodeInput::new("MED-CEFTRI-1G", "Ceftriaxone 1 g injection"),
            category: None,
            quantity: dec!(10),
            unit_price: dec!(12.35),
            service_date: Some(date(2026, 11, 15)),
        },
    ]
}

pub fn preauth() -> ClaimInput {
    ClaimInput {
        claim_number: "CLM-2026-0042".into(),
        claim_number_system: Some("https://sunrise.example.in/claims".into()),
        use_: ClaimUse::Preauthorization,
        claim_type: ClaimType::Inpatient,
        patient: patient(),
        policy: policy(),
        payer: payer(),
        provider: provider(),
        practitioner: Some(practitioner()),
        encounter: Some(encounter()),
        diagnoses: vec![DiagnosisInput {
            icd10_code: "K35.80".into(),
            description: "Acute appendicitis".into(),
            kind: DiagnosisKind::Provisional,
        }],
        procedures: vec![ProcedureInput {
            code: CodeInput::new("80146002", "Appendectomy (procedure)"),
            date: Some(date(2026, 11, 14)),
        }],
        items: items(),
        documents: vec![DocumentInput {
            category: CodeInput::new("INV", "Investigation"),
            code: CodeInput::new("USG", "Ultrasound abdomen report"),
            attachment: pdf("Ultrasound abdomen 14-11-2026.pdf", "USG: inflamed appendix"),
            carrier: DocumentCarrier::Inline,
        }],
        related: None,
        pre_auth_ref: None,
    }
}

pub fn enhancement() -> ClaimInput {
    let mut c = preauth();
    c.related = Some(RelatedClaimInput {
        kind: RelatedKind::Enhancement,
        claim_number: c.claim_number.clone(),
    });
    c.items.push(ItemInput {
        product: CodeInput::new("ICU-DAY", "ICU stay per day"),
        category: None,
        quantity: dec!(2),
        unit_price: dec!(6000.00),
        service_date: None,
    });
    c
}

pub fn final_claim() -> ClaimInput {
    let mut c = preauth();
    c.use_ = ClaimUse::Claim;
    c.pre_auth_ref = Some("PA-778812".into());
    c.related = Some(RelatedClaimInput {
        kind: RelatedKind::Settlement,
        claim_number: "CLM-2026-0042".into(),
    });
    c.diagnoses[0].kind = DiagnosisKind::Final;
    // A PMJAY-style package code for the procedure: not SNOMED, so it stays on the Claim.
    c.procedures.push(ProcedureInput {
        code: CodeInput::in_system(
            "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-productorservice",
            "SG039A",
            "Appendicectomy (open)",
        ),
        date: Some(date(2026, 11, 14)),
    });
    c.documents.push(DocumentInput {
        category: CodeInput::new("HDS", "Discharge summary"),
        code: CodeInput::new("DSDE", "Discharge summary document"),
        attachment: pdf("Discharge summary.pdf", "Discharged in good condition"),
        carrier: DocumentCarrier::DocumentReference,
    });
    c.documents.push(DocumentInput {
        category: CodeInput::new("MB", "Medical bill"),
        code: CodeInput::new("BILL", "Final hospital bill"),
        attachment: pdf("Final bill.pdf", "Total 29625.00"),
        carrier: DocumentCarrier::Inline,
    });
    c
}

pub fn resubmission() -> ClaimInput {
    let mut c = final_claim();
    c.related = Some(RelatedClaimInput {
        kind: RelatedKind::Resubmission,
        claim_number: "CLM-2026-0042".into(),
    });
    c
}

pub fn predetermination() -> ClaimInput {
    let mut c = preauth();
    c.claim_number = "EST-2026-0007".into();
    c.use_ = ClaimUse::Predetermination;
    c.claim_type = ClaimType::DayCare;
    c.encounter = None;
    c.documents.clear();
    c.items.truncate(1);
    c
}

pub fn eligibility_request() -> EligibilityRequestInput {
    EligibilityRequestInput {
        request_number: "ELG-2026-0101".into(),
        purposes: vec![EligibilityPurpose::Validation, EligibilityPurpose::Benefits],
        patient: patient(),
        policy: policy(),
        payer: payer(),
        provider: provider(),
        practitioner: practitioner(),
        service_from: Some(date(2026, 11, 14)),
        service_to: Some(date(2026, 11, 17)),
        items: vec![EligibilityItemInput {
            product: CodeInput::new("SG039A", "Appendicectomy (open)"),
            category: Some(CodeInput::new("SG", "General Surgery")),
            diagnoses: vec![DiagnosisInput {
                icd10_code: "K35.80".into(),
                description: "Acute appendicitis".into(),
                kind: DiagnosisKind::Provisional,
            }],
        }],
    }
}

pub fn eligibility_response() -> EligibilityResponseInput {
    EligibilityResponseInput {
        request_number: "ELG-2026-0101".into(),
        purposes: vec![EligibilityPurpose::Validation, EligibilityPurpose::Benefits],
        patient: patient(),
        policy: policy(),
        payer: payer(),
        provider: provider(),
        inforce: true,
        disposition: Some("Policy is currently in force".into()),
        items: vec![CoverageItemInput {
            category: Some(CodeInput::new("30", "Health Benefit Plan Coverage")),
            product: CodeInput::new("SG039A", "Appendicectomy (open)"),
            excluded: false,
            authorization_required: true,
            documents_required: vec![CodeInput::new("USG", "Ultrasound abdomen report")],
            benefits: vec![
                BenefitInput {
                    kind: CodeInput::new("benefit", "Benefit"),
                    allowed: Some(dec!(500000.00)),
                    used: Some(dec!(45250.50)),
                },
                BenefitInput {
                    kind: CodeInput::new("room", "Room"),
                    allowed: Some(dec!(3000.00)),
                    used: None,
                },
            ],
        }],
    }
}

fn response_base(decision: DecisionInput, use_: ClaimUse) -> ClaimResponseInput {
    ClaimResponseInput {
        claim_number: "CLM-2026-0042".into(),
        claim_number_system: Some("https://sunrise.example.in/claims".into()),
        use_,
        claim_type: ClaimType::Inpatient,
        patient: patient(),
        policy: policy(),
        payer: payer(),
        provider: provider(),
        decision,
        disposition: None,
        pre_auth_ref: None,
        items: Vec::new(),
        notes: Vec::new(),
        payment: None,
        errors: Vec::new(),
    }
}

pub fn preauth_approved() -> ClaimResponseInput {
    let mut r = response_base(DecisionInput::Approved, ClaimUse::Preauthorization);
    r.disposition = Some("Preauthorisation approved for the full amount".into());
    r.pre_auth_ref = Some("PA-778812".into());
    r.items = vec![
        AdjudicatedItemInput {
            item_sequence: 1,
            submitted: dec!(25000.00),
            eligible: dec!(25000.00),
            copay: None,
            benefit: dec!(25000.00),
            reason: None,
        },
        AdjudicatedItemInput {
            item_sequence: 2,
            submitted: dec!(4501.50),
            eligible: dec!(4501.50),
            copay: None,
            benefit: dec!(4501.50),
            reason: None,
        },
        AdjudicatedItemInput {
            item_sequence: 3,
            submitted: dec!(123.50),
            eligible: dec!(123.50),
            copay: None,
            benefit: dec!(123.50),
            reason: None,
        },
    ];
    r
}

pub fn claim_partial() -> ClaimResponseInput {
    let mut r = response_base(DecisionInput::PartiallyApproved, ClaimUse::Claim);
    r.disposition = Some("Claim settled in part: room rent above the plan limit".into());
    r.items = vec![
        AdjudicatedItemInput {
            item_sequence: 1,
            submitted: dec!(25000.00),
            eligible: dec!(25000.00),
            copay: Some(dec!(2500.00)),
            benefit: dec!(22500.00),
            reason: None,
        },
        AdjudicatedItemInput {
            item_sequence: 2,
            submitted: dec!(4501.50),
            eligible: dec!(3000.00),
            copay: None,
            benefit: dec!(3000.00),
            reason: Some(CodeInput::new("ar002", "Plan Limit Reached")),
        },
        AdjudicatedItemInput {
            item_sequence: 3,
            submitted: dec!(123.50),
            eligible: dec!(123.50),
            copay: None,
            benefit: dec!(123.50),
            reason: None,
        },
    ];
    r.notes = vec!["10% co-payment applies to surgical packages under this policy.".into()];
    r.payment = Some(ResponsePaymentInput {
        date: date(2026, 11, 25),
        amount: dec!(25623.50),
        reference: Some("UTR2026112500001".into()),
    });
    r
}

pub fn claim_rejected() -> ClaimResponseInput {
    let mut r = response_base(DecisionInput::Rejected, ClaimUse::Claim);
    r.disposition = Some("Claim rejected: treatment not covered in the first 30 days".into());
    r.items = vec![AdjudicatedItemInput {
        item_sequence: 1,
        submitted: dec!(25000.00),
        eligible: dec!(0),
        copay: None,
        benefit: dec!(0),
        reason: Some(CodeInput::new("ar001", "Not medically necessary")),
    }];
    r
}

pub fn communication_request() -> CommunicationRequestInput {
    CommunicationRequestInput {
        request_number: "Q-2026-0009".into(),
        claim_number: "CLM-2026-0042".into(),
        patient: patient(),
        payer: payer(),
        provider: provider(),
        asks: vec![
            "Histopathology report of the removed appendix".into(),
            "Indoor case papers for 14-17 November".into(),
        ],
    }
}

pub fn communication() -> CommunicationInput {
    CommunicationInput {
        communication_number: "R-2026-0009".into(),
        request_number: "Q-2026-0009".into(),
        claim_number: "CLM-2026-0042".into(),
        patient: patient(),
        payer: payer(),
        provider: provider(),
        message: Some("Attached the histopathology report and the case papers.".into()),
        attachments: vec![
            pdf("Histopathology report.pdf", "Acute suppurative appendicitis"),
            pdf("Indoor case papers.pdf", "Case papers 14-17 Nov"),
        ],
    }
}

pub fn payment_notice() -> PaymentNoticeInput {
    PaymentNoticeInput {
        notice_number: "PN-2026-3301".into(),
        claim_number: "CLM-2026-0042".into(),
        payer: payer(),
        provider: provider(),
        amount: dec!(25111.03),
        tds: Some(dec!(512.47)),
        payment_date: date(2026, 11, 25),
        utr: "UTR2026112500001".into(),
    }
}

/// Every builder's output, with a name, built deterministically. Each build gets its own id
/// namespace so ids are unique across bundles, as they would be in real use.
pub fn builder_outputs() -> Vec<(&'static str, Bundle)> {
    let mut n = 0u32;
    let mut ctx = || {
        n += 1;
        BuildContext::deterministic(n, now())
    };
    vec![
        (
            "eligibility_request",
            eligibility_request_bundle(&eligibility_request(), &mut ctx()).unwrap(),
        ),
        (
            "eligibility_response",
            eligibility_response_bundle(&eligibility_response(), &mut ctx()).unwrap(),
        ),
        ("preauth", claim_bundle(&preauth(), &mut ctx()).unwrap()),
        ("preauth_enhancement", claim_bundle(&enhancement(), &mut ctx()).unwrap()),
        ("predetermination", claim_bundle(&predetermination(), &mut ctx()).unwrap()),
        ("claim", claim_bundle(&final_claim(), &mut ctx()).unwrap()),
        ("claim_resubmission", claim_bundle(&resubmission(), &mut ctx()).unwrap()),
        (
            "preauth_response_approved",
            claim_response_bundle(&preauth_approved(), &mut ctx()).unwrap(),
        ),
        ("claim_response_partial", claim_response_bundle(&claim_partial(), &mut ctx()).unwrap()),
        ("claim_response_rejected", claim_response_bundle(&claim_rejected(), &mut ctx()).unwrap()),
        (
            "communication_request",
            communication_request_bundle(&communication_request(), &mut ctx()).unwrap(),
        ),
        ("communication", communication_bundle(&communication(), &mut ctx()).unwrap()),
        ("payment_notice", payment_notice_bundle(&payment_notice(), &mut ctx()).unwrap()),
    ]
}

/// The interpreter for Python-based checks: `HCX_TEST_PYTHON`, else the workspace's
/// `.venv-test`. Missing is a failure, never a skip.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("HCX_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = crate_dir().join("../../.venv-test/bin/python");
    assert!(
        p.exists(),
        "no Python for the independent FHIR validator: set HCX_TEST_PYTHON or run scripts/test \
         (it creates .venv-test from scripts/requirements-test.txt); looked for {}",
        p.display()
    );
    p
}
