//! The seed's table, row by row: every actor kind asks exactly its verification details, an
//! empty form reports each of them missing, a complete form passes, and every format check has
//! a valid and an invalid case (checked directly and through the form, so the finding's path
//! and code are what a form would show).

use chrono::NaiveDate;
use hcx_onboard::certification::CERTIFICATE_TYPE;
use hcx_onboard::jws::SigningKey;
use hcx_onboard::registration::formats::*;
use hcx_onboard::registration::{
    ActorKind, Application, Document, Draft, FindingCode, Requirement, required_fields, validate,
};
use hcx_protocol::Role;
use serde_json::{Value, json};

const COMMON: [&str; 7] = [
    "common.participant_name",
    "common.role",
    "common.protocol_version",
    "common.primary_email",
    "common.primary_mobile",
    "common.endpoint_url",
    "common.encryption_cert_pem",
];
const CERT: &str = "common.sandbox_certificate";
const ADMIN: [&str; 3] =
    ["details.system_admin.name", "details.system_admin.email", "details.system_admin.mobile"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
}

/// The verification details of the seed's table per kind (besides the common registry details).
fn seed_table(kind: ActorKind) -> Vec<&'static str> {
    let mut v: Vec<&str> = COMMON.to_vec();
    match kind {
        ActorKind::Payer | ActorKind::Tpa => {
            if kind == ActorKind::Payer {
                v.push("common.scheme_code");
            }
            v.push(CERT);
            v.extend([
                "details.signatory_letter",
                "details.irda_registration_number",
                "details.irda_user_id",
            ]);
            v.extend(ADMIN);
        }
        ActorKind::StateScheme => {
            v.push(CERT);
            v.extend(["details.government_approval_letter", "details.signatory_letter"]);
            v.extend(ADMIN);
        }
        ActorKind::Corporate => {
            v.push(CERT);
            v.push("details.signatory_letter");
            v.extend(ADMIN);
        }
        ActorKind::Intermediary => {
            v.push(CERT);
            v.push("details.signatory_letter");
            v.extend(ADMIN);
            v.extend(["details.irda_registration_number", "details.irda_user_id"]);
        }
        ActorKind::AbdmProvider => {
            v.push(CERT);
            v.extend([
                "details.hfr_facility_id",
                "details.hfr_verification_status",
                "details.manager.hfr_id",
                "details.manager.mobile",
                "details.manager.email",
                "details.hpr_id",
                "details.consent_to_hfr_fetch",
            ]);
        }
        ActorKind::RohiniProvider => {
            v.push(CERT);
            v.extend([
                "details.licence_number",
                "details.licence_valid_until",
                "details.gstn",
                "details.rohini_id",
            ]);
        }
        ActorKind::UnregisteredProvider => {
            v.push(CERT);
            v.extend([
                "details.licence_number",
                "details.manager.name",
                "details.manager.mobile",
                "details.manager.email",
                "details.address.line",
                "details.address.district",
                "details.address.state",
                "details.address.pincode",
                "details.empanelled_by.payer_name",
                "details.empanelled_by.payer_code",
                "details.empanelled_by.scheme_name",
                "details.empanelment_proof",
            ]);
        }
        ActorKind::Regulator => {
            v.extend([
                "details.request",
                "details.contact.name",
                "details.contact.email",
                "details.contact.mobile",
            ]);
        }
        ActorKind::Bsp => {
            v.push(CERT);
            v.extend([
                "details.gstn",
                "details.address_proof",
                "details.stakeholder_serviced",
                "details.consent_duties_acknowledged",
            ]);
        }
    }
    v
}

/// Optional per the seed ("if applicable", "if you know it").
fn optional(kind: ActorKind, path: &str) -> bool {
    matches!(
        (kind, path),
        (ActorKind::Intermediary, "details.irda_registration_number" | "details.irda_user_id")
            | (
                ActorKind::UnregisteredProvider,
                "details.empanelled_by.payer_code" | "details.empanelled_by.scheme_name"
            )
            | (ActorKind::AbdmProvider, "details.hpr_id")
    )
}

fn cert_pem() -> String {
    hcx_sandbox::keys::generate("p@sandbox").expect("key pair").cert_pem
}

fn sandbox_certificate_token() -> String {
    let pair = hcx_sandbox::keys::generate("p@sandbox").expect("key pair");
    SigningKey::from_pem(pair.private_pem.expose().as_bytes(), Some(&pair.cert_pem))
        .expect("signer")
        .sign(CERTIFICATE_TYPE, &json!({"v": 1}))
        .expect("sign")
}

fn doc(title: &str) -> Value {
    serde_json::to_value(Document::from_bytes(title, "application/pdf", b"%PDF-1.4 letter %%EOF"))
        .expect("doc json")
}

/// A complete, valid application of `kind`.
fn valid(kind: ActorKind, cert: &str, token: &str) -> Application {
    let mut common = json!({
        "participant_name": "Sunrise Multispeciality Hospital",
        "role": kind.default_role(),
        "protocol_version": "v0.8",
        "primary_email": "accounts@sunrise.example",
        "primary_mobile": "+91 98765 43210",
        "endpoint_url": "https://bridge.example/p/hosp",
        "encryption_cert_pem": cert,
        "sandbox_certificate": token,
    });
    if kind == ActorKind::Payer {
        common["scheme_code"] = json!("default");
    }
    let admin = json!({"name": "Priya S", "email": "it@insurer.example", "mobile": "9876501234"});
    let details = match kind {
        ActorKind::Payer | ActorKind::Tpa => json!({
            "signatory_letter": doc("Signatory letter"),
            "irda_registration_number": "108",
            "irda_user_id": "star.health_01",
            "system_admin": admin,
        }),
        ActorKind::StateScheme => json!({
            "government_approval_letter": doc("GO 12/2024"),
            "signatory_letter": doc("Signatory letter"),
            "system_admin": admin,
        }),
        ActorKind::Corporate => {
            json!({"signatory_letter": doc("Signatory letter"), "system_admin": admin})
        }
        ActorKind::Intermediary => {
            json!({"signatory_letter": doc("Signatory letter"), "system_admin": admin})
        }
        ActorKind::AbdmProvider => json!({
            "hfr_facility_id": "IN2910000123",
            "hfr_verification_status": "Verified",
            "manager": {"hfr_id": "71-4542-2424-6325", "mobile": "9876543210", "email": "m@sunrise.example"},
            "consent_to_hfr_fetch": true,
        }),
        ActorKind::RohiniProvider => json!({
            "licence_number": "KA/CE/2019/1234",
            "licence_valid_until": "2028-03-31",
            "gstn": "27AAPFU0939F1ZV",
            "rohini_id": "8900080123456",
        }),
        ActorKind::UnregisteredProvider => json!({
            "licence_number": "MH/NSK/77",
            "manager": {"name": "R. Kulkarni", "mobile": "9822098220", "email": "rk@clinic.example"},
            "address": {"line": "2 Main Road", "district": "Nashik", "state": "Maharashtra", "pincode": "422001"},
            "empanelled_by": {"payer_name": "Demo Payer Insurance"},
            "empanelment_proof": doc("Empanelment letter"),
        }),
        ActorKind::Regulator => json!({
            "request": "Read access to aggregate claim statistics for supervision",
            "contact": {"name": "A. Officer", "email": "officer@regulator.example", "mobile": "9000090000"},
        }),
        ActorKind::Bsp => json!({
            "gstn": "29AAGCB7383J1Z4",
            "address_proof": doc("Registered office lease"),
            "stakeholder_serviced": "policyholder",
            "consent_duties_acknowledged": true,
        }),
    };
    let kind_name = serde_json::to_value(kind).expect("kind");
    serde_json::from_value(json!({"kind": kind_name, "common": common, "details": details}))
        .expect("a valid application deserialises")
}

/// Sets `path` (dotted) of an application to `value`.
fn with(app: &Application, path: &str, value: Value) -> Application {
    let mut v = serde_json::to_value(app).expect("to json");
    let pointer = format!("/{}", path.replace('.', "/"));
    let (parent, key) = pointer.rsplit_once('/').expect("path has a parent");
    let target =
        if parent.is_empty() { &mut v } else { v.pointer_mut(parent).expect("parent exists") };
    target[key] = value;
    serde_json::from_value(v).expect("still an application")
}

#[test]
fn every_kind_asks_exactly_the_seed_table_details() {
    for kind in ActorKind::ALL {
        let asked: Vec<&str> = required_fields(kind).iter().map(|f| f.path).collect();
        assert_eq!(
            asked,
            seed_table(kind),
            "{kind:?} must ask exactly the seed table's details, in order (form and checks share \
             this list)"
        );
        for f in required_fields(kind) {
            let expect_optional = optional(kind, f.path);
            let is_optional = !matches!(f.requirement, Requirement::Required);
            assert_eq!(
                is_optional,
                expect_optional,
                "{kind:?} {}: the seed makes it {}",
                f.path,
                if expect_optional { "optional / conditional" } else { "required" }
            );
            assert!(!f.label.is_empty(), "{kind:?} {}: every field has a label to show", f.path);
        }
    }
}

#[test]
fn an_empty_form_reports_every_required_detail_missing() {
    for kind in ActorKind::ALL {
        let findings = validate(&Application::new(kind), today());
        let missing: Vec<&str> = findings
            .iter()
            .filter(|f| f.code == FindingCode::Missing)
            .map(|f| f.path.as_str())
            .collect();
        let expected: Vec<&str> = seed_table(kind)
            .into_iter()
            // A new form preselects the role and the protocol version (and a BSP's stakeholder).
            .filter(|p| !matches!(*p, "common.role" | "common.protocol_version"))
            .filter(|p| !(kind == ActorKind::Bsp && *p == "details.stakeholder_serviced"))
            .filter(|p| !optional(kind, p))
            .collect();
        assert_eq!(
            missing, expected,
            "{kind:?}: an empty form must list each required detail as missing"
        );
        assert!(
            findings.iter().all(|f| !f.message.is_empty()),
            "{kind:?}: every finding says what to do"
        );
    }
}

#[test]
fn a_complete_form_of_every_kind_passes() {
    let (cert, token) = (cert_pem(), sandbox_certificate_token());
    for kind in ActorKind::ALL {
        let app = valid(kind, &cert, &token);
        assert_eq!(app.kind(), kind, "the JSON kind tag selects the variant");
        assert_eq!(
            validate(&app, today()),
            vec![],
            "{kind:?}: a complete, well-formed form has no findings"
        );
    }
}

#[test]
fn practitioners_need_an_hpr_id_other_providers_do_not() {
    let (cert, token) = (cert_pem(), sandbox_certificate_token());
    let hospital = valid(ActorKind::AbdmProvider, &cert, &token);
    assert!(validate(&hospital, today()).is_empty(), "a hospital needs no HPR id");
    let doctor = with(&hospital, "common.role", json!("provider.practitioner"));
    let f = validate(&doctor, today());
    assert!(
        f.iter().any(|f| f.path == "details.hpr_id" && f.code == FindingCode::Missing),
        "a practitioner without an HPR id is told to give one: {f:?}"
    );
    let doctor = with(&doctor, "details.hpr_id", json!("74-5555-6666-7777"));
    assert!(validate(&doctor, today()).is_empty(), "with an HPR id the practitioner passes");
}

/// (kind, field, valid value, invalid value, expected finding code for the invalid one).
fn format_cases() -> Vec<(ActorKind, &'static str, Value, Value, FindingCode)> {
    use ActorKind::*;
    use FindingCode::*;
    let pdf = doc("Letter");
    let mut damaged = pdf.clone();
    damaged["sha256"] = json!("00".repeat(32));
    let mut exe = pdf.clone();
    exe["content_type"] = json!("application/x-msdownload");
    vec![
        (Payer, "details.irda_registration_number", json!("108"), json!("10A8"), Format),
        (Tpa, "details.irda_registration_number", json!("005"), json!("5"), Format),
        (Payer, "details.irda_user_id", json!("star.health_01"), json!("a"), Format),
        (
            Intermediary,
            "details.irda_registration_number",
            json!("CA0123/2021"),
            json!("##"),
            Format,
        ),
        (
            Payer,
            "common.primary_email",
            json!("claims@insurer.co.in"),
            json!("claims@insurer"),
            Format,
        ),
        (
            Corporate,
            "details.system_admin.email",
            json!("it@corp.example"),
            json!("it corp@x.in"),
            Format,
        ),
        (Payer, "details.system_admin.mobile", json!("+919876543210"), json!("5876543210"), Format),
        (
            StateScheme,
            "details.system_admin.mobile",
            json!("98765 43210"),
            json!("98765432"),
            Format,
        ),
        (Bsp, "common.primary_mobile", json!("+91-7012345678"), json!("+44 7012345678"), Format),
        (
            AbdmProvider,
            "details.hfr_facility_id",
            json!("IN2710000456"),
            json!("IN27100004"),
            Format,
        ),
        (
            AbdmProvider,
            "details.hfr_facility_id",
            json!("in2710000456"),
            json!("US2710000456"),
            Format,
        ),
        (
            AbdmProvider,
            "details.manager.hfr_id",
            json!("71454224246325"),
            json!("71-4542-2424-632"),
            Format,
        ),
        (
            AbdmProvider,
            "details.manager.hfr_id",
            json!("71-4542-2424-6325"),
            json!("714-542-2424-6325"),
            Format,
        ),
        (AbdmProvider, "details.hpr_id", json!("74-5555-6666-7777"), json!("HPR123"), Format),
        (
            AbdmProvider,
            "details.hfr_verification_status",
            json!("Verified"),
            json!("Pending"),
            NotAllowed,
        ),
        (RohiniProvider, "details.rohini_id", json!("8900080654321"), json!("89000806543"), Format),
        (
            RohiniProvider,
            "details.gstn",
            json!("29AAGCB7383J1Z4"),
            json!("29AAGCB7383J1Z5"),
            Format,
        ),
        (
            RohiniProvider,
            "details.gstn",
            json!("27aapfu0939f1zv"),
            json!("27AAPFU0939F1ZV1"),
            Format,
        ),
        (
            RohiniProvider,
            "details.gstn",
            json!("27AAPFU0939F1ZV"),
            json!("40AAPFU0939F1ZV"),
            Format,
        ),
        (
            RohiniProvider,
            "details.gstn",
            json!("27AAPFU0939F1ZV"),
            json!("27AAP1U0939F1ZV"),
            Format,
        ),
        (Bsp, "details.gstn", json!("27AAPFU0939F1ZV"), json!("27AAPFU0939F1YV"), Format),
        (
            RohiniProvider,
            "details.licence_valid_until",
            json!("2026-11-21"),
            json!("2026-11-20"),
            Expired,
        ),
        (
            RohiniProvider,
            "details.licence_valid_until",
            json!("2030-01-31"),
            json!("31/01/2030"),
            Format,
        ),
        (UnregisteredProvider, "details.address.pincode", json!("560001"), json!("012345"), Format),
        (UnregisteredProvider, "details.address.pincode", json!("422001"), json!("42200"), Format),
        (UnregisteredProvider, "details.empanelment_proof", doc("Contract"), damaged, Document),
        (Payer, "details.signatory_letter", doc("Letter"), exe, Document),
        (Bsp, "details.stakeholder_serviced", json!("policyholder"), json!("provider"), NotAllowed),
        (Payer, "common.role", json!("payor"), json!("agency.tpa"), NotAllowed),
        (RohiniProvider, "common.role", json!("provider.clinic"), json!("payor"), NotAllowed),
        (
            Payer,
            "common.endpoint_url",
            json!("http://127.0.0.1:9/p/x"),
            json!("bridge.example/p"),
            Format,
        ),
        (
            Payer,
            "common.encryption_cert_pem",
            Value::Null,
            json!("-----BEGIN CERTIFICATE-----\nxx"),
            Format,
        ),
        (Payer, "common.sandbox_certificate", Value::Null, json!("a.b.c"), Format),
        (Regulator, "details.contact.mobile", json!("6000000000"), json!("0000000000"), Format),
    ]
}

#[test]
fn every_format_check_has_a_valid_and_an_invalid_case() {
    let (cert, token) = (cert_pem(), sandbox_certificate_token());
    for (kind, path, good, bad, code) in format_cases() {
        let base = valid(kind, &cert, &token);
        if !good.is_null() {
            let ok = with(&base, path, good.clone());
            assert_eq!(
                validate(&ok, today()),
                vec![],
                "{kind:?} {path} = {good}: valid, no finding"
            );
        }
        let wrong = with(&base, path, bad.clone());
        let findings = validate(&wrong, today());
        assert_eq!(findings.len(), 1, "{kind:?} {path} = {bad}: exactly one finding: {findings:?}");
        assert_eq!(findings[0].path, path, "{kind:?}: the finding points at the field");
        assert_eq!(findings[0].code, code, "{kind:?} {path} = {bad}: {}", findings[0].message);
    }
}

/// (what, check, value).
type FormatCase = (&'static str, fn(&str) -> Check, &'static str);

#[test]
fn format_checks_directly() {
    let ok: &[FormatCase] = &[
        ("gstn", check_gstn, "27AAPFU0939F1ZV"),
        ("hfr", check_hfr_facility_id, "IN2910000123"),
        ("hpr", check_hpr_id, "71-4542-2424-6325"),
        ("manager", check_manager_id, "71454224246325"),
        ("rohini", check_rohini_id, "8900080123456"),
        ("irda", check_irda_registration, "108"),
        ("irda licence", check_intermediary_licence, "IRDAI/CA/0123"),
        ("irda user", check_irda_user_id, "user@irdai"),
        ("email", check_email, "a.b+c@mail.example.in"),
        ("mobile", check_mobile, "+91 9876543210"),
        ("pincode", check_pincode, "110001"),
        ("endpoint", check_endpoint_url, "https://bridge.example/p/x"),
    ];
    for (what, check, value) in ok {
        assert_eq!(check(value), Ok(()), "{what}: {value} is valid");
    }
    let bad: &[FormatCase] = &[
        ("gstn", check_gstn, "27AAPFU0939F1ZW"),
        ("gstn zero entity", check_gstn, "27AAPFU0939F0ZV"),
        ("hfr", check_hfr_facility_id, "IN291000012"),
        ("hpr", check_hpr_id, "7145422424632"),
        ("rohini", check_rohini_id, "890008012345A"),
        ("irda", check_irda_registration, "1080"),
        ("irda user", check_irda_user_id, "has space"),
        ("email", check_email, "@mail.example"),
        ("email dots", check_email, "a..b@mail.example"),
        ("mobile", check_mobile, "+91 98765432101"),
        ("pincode", check_pincode, "11000A"),
        ("endpoint", check_endpoint_url, "ftp://bridge.example"),
    ];
    for (what, check, value) in bad {
        let r = check(value);
        assert!(
            r.as_ref().is_err_and(|m| !m.is_empty()),
            "{what}: {value} is refused with a message"
        );
    }
    assert_eq!(
        normalise_mobile("+91 98765-43210").as_deref(),
        Some("9876543210"),
        "mobiles normalise to 10 digits"
    );
}

#[test]
fn drafts_round_trip_and_refuse_newer_formats() {
    let mut app = Application::new(ActorKind::UnregisteredProvider);
    app.common_mut().participant_name = "Half-filled Clinic".into();
    let draft = Draft::new(app.clone(), chrono::Utc::now());
    let json = draft.to_json().expect("a draft serialises");
    assert_eq!(
        Draft::from_json(&json).expect("and restores"),
        draft,
        "nothing is lost in a round trip"
    );
    let mut newer: Value = serde_json::from_str(&json).expect("json");
    newer["schema_version"] = json!(99);
    let err = Draft::from_json(&newer.to_string()).expect_err("a newer draft format is refused");
    assert!(err.to_string().contains("newer version"), "the refusal says why: {err}");
    assert!(Draft::from_json("{not json").is_err(), "garbage is an error, not a panic");
    // Role and protocol version are closed lists: an unknown one is refused when reading.
    let mut odd: Value = serde_json::from_str(&json).expect("json");
    odd["application"]["common"]["protocol_version"] = json!("v1.0");
    let err =
        Draft::from_json(&odd.to_string()).expect_err("an unknown protocol version is refused");
    assert!(err.to_string().contains("v1.0"), "the refusal names the bad value: {err}");
    assert_eq!(app.kind(), ActorKind::UnregisteredProvider, "the kind survives");
    assert_eq!(
        Role::ProviderHospital,
        ActorKind::AbdmProvider.default_role(),
        "providers default to hospital"
    );
}
