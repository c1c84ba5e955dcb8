//! The gateway's stateless rules (wire facts §4.2, §4.5), one row per rule, with the exact
//! code and message, in the gateway's order; plus the Java SDK's header-only vectors and the
//! light inbound check.

mod common;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use common::{TestRegistry, fixture, sample_recipient};
use hcx_protocol::validate::{authorize, check_forward_direction, is_forward};
use hcx_protocol::{
    Action, ApiVersion, Body, Caller, Details, ErrorCode, Policy, ProtocolResponse, Role,
    Violation, jwe, parse_body, validate_incoming, validate_request,
};
use serde_json::{Map, Value, json};

const PROV: &str = "prov@hcx";
const PAYR: &str = "payr@hcx";
const TPA: &str = "tpa@hcx";
const HCX: &str = "hcx@hcx";

fn now() -> DateTime<Utc> {
    "2026-11-21T15:00:00Z".parse().expect("fixed now")
}

fn policy() -> Policy {
    Policy { hcx_code: HCX.into(), timestamp_range_hours: 10_000, now: now() }
}

fn registry() -> TestRegistry {
    TestRegistry::default()
        .with(PROV, "Active", &[Role::ProviderHospital], "owner-prov")
        .with(PAYR, "Active", &[Role::Payor], "owner-payr")
        .with(TPA, "Active", &[Role::AgencyTpa], "owner-tpa")
        .with("inactive@hcx", "Inactive", &[Role::Payor], "owner-x")
        .with("created@hcx", "Created", &[Role::Provider], "owner-c")
        .with(HCX, "Active", &[Role::HieHioHcx], "owner-hcx")
        .with("prov2@hcx", "Active", &[Role::Provider], "owner-prov2")
}

fn caller(sub: &str) -> Caller {
    Caller { sub: sub.into(), roles: vec![Role::ProviderHospital] }
}

/// A valid provider → payer request header set (timestamp 1 minute before "now").
fn base() -> Map<String, Value> {
    let v = json!({
        "alg": "RSA-OAEP-256", "enc": "A256GCM",
        "x-hcx-sender_code": PROV, "x-hcx-recipient_code": PAYR,
        "x-hcx-api_call_id": "26b1060c-1e83-4600-9612-ea31e0ca5091",
        "x-hcx-correlation_id": "5e934f90-111d-4f0b-b016-c22d820674e1",
        "x-hcx-timestamp": "2026-11-21T20:29:00+05:30",
    });
    v.as_object().cloned().unwrap_or_default()
}

/// A five-part token with this header (standard base64, as Java would decode); the gateway
/// never decrypts, so the other parts are filler.
fn token(header: &Map<String, Value>) -> Body {
    let seg = base64::engine::general_purpose::STANDARD_NO_PAD
        .encode(Value::Object(header.clone()).to_string());
    Body::Jwe(format!("{seg}.a.b.c.d"))
}

fn with(mutate: impl FnOnce(&mut Map<String, Value>)) -> Map<String, Value> {
    let mut h = base();
    mutate(&mut h);
    h
}

fn check(action: Action, body: &Body, sub: &str) -> Result<(), Violation> {
    validate_request(action, body, &caller(sub), &registry(), &policy()).map(|_| ())
}

fn expect(row: &str, got: Result<(), Violation>, code: ErrorCode, message: &str) {
    assert_eq!(
        got,
        Err(Violation::new(code, message)),
        "row {row:?}: the gateway rejects with this exact code and message"
    );
}

#[test]
fn a_valid_request_and_a_real_sealed_token_pass() {
    let body = token(&base());
    assert_eq!(
        check(Action::CoverageEligibilityCheck, &body, "owner-prov"),
        Ok(()),
        "all rules hold"
    );
    let mut h = hcx_protocol::Headers::action(PROV, PAYR, "corr", Some("wf"), Default::default());
    h.set_timestamp("2026-11-21T20:29:59+05:30");
    let sealed = jwe::seal(&h, b"{}", &sample_recipient()).expect("seal");
    let body = parse_body(hcx_protocol::payload_body(&sealed).as_bytes()).expect("body");
    assert_eq!(
        check(Action::PreauthSubmit, &body, "owner-prov"),
        Ok(()),
        "what our own builder + seal produce passes the gateway (ids needn't be UUIDs there)"
    );
}

#[test]
fn jwe_rules_in_gateway_order() {
    use ErrorCode::*;
    let a = Action::CoverageEligibilityCheck;
    let on = Action::CoverageEligibilityOnCheck;
    let p = "owner-prov";
    let past = |mins: i64| (now() - Duration::minutes(mins)).to_rfc3339();

    // 1. structure
    expect(
        "4 parts",
        check(a, &Body::Jwe("a.b.c.d".into()), p),
        ErrInvalidPayload,
        "Invalid payload",
    );
    expect(
        "empty part",
        check(a, &Body::Jwe("a..c.d.e".into()), p),
        ErrInvalidPayload,
        "Invalid payload",
    );
    // 2. header decoding (Java standard alphabet)
    expect(
        "base64url '-' in header",
        check(a, &Body::Jwe("ey-J.a.b.c.d".into()), p),
        ErrInvalidPayload,
        "Error while parsing the payload",
    );
    let not_json = base64::engine::general_purpose::STANDARD.encode("not json");
    expect(
        "header not JSON",
        check(a, &Body::Jwe(format!("{not_json}.a.b.c.d")), p),
        ErrInvalidPayload,
        "Error while parsing protected headers",
    );
    // 3. ids before the mandatory list
    expect(
        "no correlation id",
        check(
            a,
            &token(&with(|h| {
                h.remove("x-hcx-correlation_id");
                h.remove("x-hcx-sender_code");
            })),
            p,
        ),
        ErrInvalidCorrelationId,
        "Correlation id cannot be null, empty and other than 'String'",
    );
    expect(
        "numeric api_call_id",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-api_call_id".into(), json!(7));
            })),
            p,
        ),
        ErrInvalidApiCallId,
        "Api call id cannot be null, empty and other than 'String'",
    );
    // 4. mandatory presence (alg/enc values are not checked)
    expect(
        "missing sender+timestamp",
        check(
            a,
            &token(&with(|h| {
                h.remove("x-hcx-sender_code");
                h.remove("x-hcx-timestamp");
            })),
            p,
        ),
        ErrMandatoryHeaderfieldMissing,
        "Mandatory headers are missing: [x-hcx-sender_code, x-hcx-timestamp]",
    );
    expect(
        "missing alg",
        check(
            a,
            &token(&with(|h| {
                h.remove("alg");
            })),
            p,
        ),
        ErrMandatoryHeaderfieldMissing,
        "Mandatory headers are missing: [alg]",
    );
    assert_eq!(
        check(
            a,
            &token(&with(|h| {
                h.insert("alg".into(), json!("whatever"));
            })),
            p
        ),
        Ok(()),
        "the gateway checks alg's presence, not its value"
    );
    // 5. string types
    expect(
        "recipient not a string",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-recipient_code".into(), json!(1));
            })),
            p,
        ),
        ErrInvalidRecipient,
        "Recipient code cannot be null, empty and other than 'String'",
    );
    expect(
        "empty sender",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-sender_code".into(), json!(""));
            })),
            p,
        ),
        ErrInvalidSender,
        "Sender code cannot be null, empty and other than 'String'",
    );
    expect(
        "timestamp not a string",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-timestamp".into(), json!(1629057611000_i64));
            })),
            p,
        ),
        ErrInvalidTimestamp,
        "Invalid timestamp",
    );
    expect(
        "empty workflow id",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-workflow_id".into(), json!(""));
            })),
            p,
        ),
        ErrInvalidWorkflowId,
        "Workflow id cannot be null, empty and other than 'String'",
    );
    // 6. timestamp window
    let ts_msg = "Timestamp cannot be in future or cross more than 10000 hours in past";
    expect(
        "1 s in the future",
        check(
            a,
            &token(&with(|h| {
                h.insert(
                    "x-hcx-timestamp".into(),
                    json!((now() + Duration::seconds(1)).to_rfc3339()),
                );
            })),
            p,
        ),
        ErrInvalidTimestamp,
        ts_msg,
    );
    expect(
        "older than range",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-timestamp".into(), json!(past(10_001 * 60)));
            })),
            p,
        ),
        ErrInvalidTimestamp,
        ts_msg,
    );
    expect(
        "unix millis string",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-timestamp".into(), json!("1629057611000"));
            })),
            p,
        ),
        ErrInvalidTimestamp,
        ts_msg,
    );
    // 7. sender ≠ recipient
    expect(
        "to self",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-recipient_code".into(), json!(PROV));
            })),
            p,
        ),
        ErrInvalidSenderAndRecipient,
        "sender and recipient code cannot be the same",
    );
    // 8. registry: recipient first, then sender
    expect(
        "unknown recipient",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-recipient_code".into(), json!("nobody"));
                h.insert("x-hcx-sender_code".into(), json!("nobody2"));
            })),
            p,
        ),
        ErrInvalidRecipient,
        "recipient does not exist in registry",
    );
    expect(
        "inactive recipient",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-recipient_code".into(), json!("inactive@hcx"));
            })),
            p,
        ),
        ErrInvalidRecipient,
        "Participant with status: [Active] only can make an API call. Current status: Inactive",
    );
    expect(
        "created sender",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-sender_code".into(), json!("created@hcx"));
            })),
            "owner-c",
        ),
        ErrInvalidSender,
        "Participant with status: [Active] only can make an API call. Current status: Created",
    );
    expect(
        "HCX as recipient",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-recipient_code".into(), json!(HCX));
            })),
            p,
        ),
        ErrInvalidRecipient,
        "recipient cannot be the HCX instance",
    );
    // 9. caller owns the sender
    expect(
        "someone else's token",
        check(a, &token(&base()), "owner-payr"),
        ErrAccessDenied,
        "Caller id and sender code is not matched",
    );
    // 10. debug flag
    expect(
        "debug flag lower-case",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-debug_flag".into(), json!("debug"));
            })),
            p,
        ),
        ErrInvalidDebugFlag,
        "Debug flag cannot be other than Error, Info or Debug",
    );
    expect(
        "debug flag empty",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-debug_flag".into(), json!(""));
            })),
            p,
        ),
        ErrInvalidDebugFlag,
        "Debug flag cannot be null, empty and other than 'String'",
    );
    // 11. status
    let from_payer = |m: &mut Map<String, Value>| {
        m.insert("x-hcx-sender_code".into(), json!(PAYR));
        m.insert("x-hcx-recipient_code".into(), json!(PROV));
    };
    let pay = "owner-payr";
    expect(
        "on_* without status",
        check(on, &token(&with(from_payer)), pay),
        ErrMandatoryHeaderfieldMissing,
        "Mandatory headers are missing: x-hcx-status",
    );
    expect(
        "on_* with request status",
        check(
            on,
            &token(&with(|h| {
                from_payer(h);
                h.insert("x-hcx-status".into(), json!("request.queued"));
            })),
            pay,
        ),
        ErrInvalidStatus,
        "Status value for on_* API calls can be only: [response.complete, response.partial, response.error, response.redirect]",
    );
    expect(
        "NHCX request.initiated on Swasth",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-status".into(), json!("request.initiated"));
            })),
            p,
        ),
        ErrInvalidStatus,
        "Status value for *action API calls can be only: [request.queued, request.dispatched]",
    );
    expect(
        "status null",
        check(
            a,
            &token(&with(|h| {
                h.insert("x-hcx-status".into(), Value::Null);
            })),
            p,
        ),
        ErrInvalidStatus,
        "Status cannot be null, empty and other than 'String'",
    );
    // 12. details
    let complete = |h: &mut Map<String, Value>| {
        from_payer(h);
        h.insert("x-hcx-status".into(), json!("response.complete"));
    };
    expect(
        "error code off the whitelist",
        check(
            on,
            &token(&with(|h| {
                complete(h);
                h.insert(
                    "x-hcx-error_details".into(),
                    json!({"code": "ERR_ACCESS_DENIED", "message": "m"}),
                );
            })),
            pay,
        ),
        ErrInvalidErrorDetails,
        "Invalid Error Code",
    );
    expect(
        "debug details not an object",
        check(
            on,
            &token(&with(|h| {
                complete(h);
                h.insert("x-hcx-debug_details".into(), json!("x"));
            })),
            pay,
        ),
        ErrInvalidDebugDetails,
        "Debug details cannot be null, empty and other than 'JSON Object'",
    );
    assert_eq!(
        check(
            on,
            &token(&with(|h| {
                complete(h);
                h.insert("x-hcx-debug_details".into(), json!({"code": "ANY.code", "message": "m"}));
            })),
            pay
        ),
        Ok(()),
        "debug_details has no code whitelist"
    );
}

/// The Java SDK's header-only tokens, judged at their own time (2022-05-12) so that only the
/// rule each one targets can fire, on an on_* path (they carry response.complete).
#[test]
fn java_sdk_header_only_vectors() {
    use ErrorCode::*;
    let sender = "1-3a3bd68a-848a-4d52-9ec2-07a92d765fb4";
    let recipient = "1-7ba07e31-cebb-4751-b2b7-fe050d9d2c00";
    let reg = TestRegistry::default().with(sender, "Active", &[Role::Payor], "owner-s").with(
        recipient,
        "Active",
        &[Role::Provider],
        "owner-r",
    );
    let pol = Policy {
        hcx_code: HCX.into(),
        timestamp_range_hours: 10_000,
        now: "2022-05-12T10:00:00Z".parse().expect("now"),
    };
    let run = |name: &str| {
        validate_request(
            Action::CoverageEligibilityOnCheck,
            &Body::Jwe(fixture(name)),
            &caller("owner-s"),
            &reg,
            &pol,
        )
        .map(|_| ())
    };
    expect(
        "debugDetails: extra key \"test\"",
        run("java-sdk-header-only-debugDetails.txt"),
        ErrInvalidDebugDetails,
        "Debug details should contain only: [code, message, trace]",
    );
    expect(
        "debugFlag: \"test\"",
        run("java-sdk-header-only-debugFlag.txt"),
        ErrInvalidDebugFlag,
        "Debug flag cannot be other than Error, Info or Debug",
    );
    expect(
        "errorDetailsCodeMessage: only trace",
        run("java-sdk-header-only-errorDetailsCodeMessage.txt"),
        ErrInvalidErrorDetails,
        "Mandatory fields code or message is missing",
    );
    expect(
        "errorDetailsEmpty: null",
        run("java-sdk-header-only-errorDetailsEmpty.txt"),
        ErrInvalidErrorDetails,
        "Error details cannot be null, empty and other than 'JSON Object'",
    );
    // errorDetails (well-formed, code ERR_INVALID_PAYLOAD): the file is the header segment alone,
    // so the gateway stops at step 1. Its header, once given the five parts it lacks, is
    // ACCEPTED: ERR_INVALID_PAYLOAD is on the recipient whitelist (§3.4) and the object has
    // exactly code/message/trace.
    expect(
        "errorDetails as shipped (1 part)",
        run("java-sdk-header-only-errorDetails.txt"),
        ErrInvalidPayload,
        "Invalid payload",
    );
    let five = Body::Jwe(format!("{}.a.b.c.d", fixture("java-sdk-header-only-errorDetails.txt")));
    assert_eq!(
        validate_request(Action::CoverageEligibilityOnCheck, &five, &caller("owner-s"), &reg, &pol)
            .map(|_| ()),
        Ok(()),
        "a well-formed, whitelisted error_details passes every stateless rule"
    );
}

#[test]
fn plain_json_rules() {
    use ErrorCode::*;
    let pay = "owner-payr";
    let request = hcx_protocol::Headers::from_map(base());
    let mut err = ProtocolResponse::error(
        &request,
        &Details::new("ERR_INVALID_ENCRYPTION", "Recipient Invalid Encryption"),
    );
    err.set_timestamp("2026-11-21T20:29:30+05:30");
    let error_body = Body::Plain(err.clone());
    assert_eq!(
        check(Action::CoverageEligibilityOnCheck, &error_body, pay),
        Ok(()),
        "a proper error ProtocolResponse passes"
    );
    expect(
        "plain JSON on an action path",
        check(Action::CoverageEligibilityCheck, &error_body, pay),
        ErrInvalidPayload,
        "Request body should be a proper JWE object for action API calls",
    );
    let mut no_details = err.clone();
    no_details.remove("x-hcx-error_details");
    expect(
        "error form without error_details",
        check(Action::ClaimOnSubmit, &Body::Plain(no_details), pay),
        ErrMandatoryHeaderfieldMissing,
        "Mandatory headers are missing: [x-hcx-error_details]",
    );

    let mut redirect = ProtocolResponse::redirect(&request, TPA);
    redirect.set_timestamp("2026-11-21T20:29:30+05:30");
    assert_eq!(
        check(Action::PreauthOnSubmit, &Body::Plain(redirect.clone()), pay),
        Ok(()),
        "redirect to an Active TPA passes"
    );
    expect(
        "redirect on a non-redirect API",
        check(Action::PredeterminationOnSubmit, &Body::Plain(redirect.clone()), pay),
        ErrInvalidRedirectTo,
        "/predetermination/on_submit is not configured for redirect calls",
    );
    let mut to_self = redirect.clone();
    to_self.set_redirect_to(PAYR);
    expect(
        "redirect to self",
        check(Action::ClaimOnSubmit, &Body::Plain(to_self), pay),
        ErrInvalidRedirectTo,
        "Sender can not redirect request to self",
    );
    let mut to_provider = redirect.clone();
    to_provider.set_redirect_to("prov2@hcx");
    expect(
        "redirect to a provider",
        check(Action::ClaimOnSubmit, &Body::Plain(to_provider), pay),
        ErrInvalidRedirectTo,
        "Redirected participant do not have access to send across on_* API calls",
    );
    let mut to_unknown = redirect.clone();
    to_unknown.set_redirect_to("ghost@hcx");
    expect(
        "redirect to unknown",
        check(Action::ClaimOnSubmit, &Body::Plain(to_unknown), pay),
        ErrInvalidRedirectTo,
        "Redirected does not exist in registry",
    );
    let mut to_inactive = redirect.clone();
    to_inactive.set_redirect_to("inactive@hcx");
    expect(
        "redirect to inactive",
        check(Action::ClaimOnSubmit, &Body::Plain(to_inactive), pay),
        ErrInvalidRedirectTo,
        "Participant with status: [Active] only can make an API call. Current status: Inactive",
    );
    let mut no_target = redirect.clone();
    no_target.remove("x-hcx-redirect_to");
    expect(
        "redirect without redirect_to",
        check(Action::ClaimOnSubmit, &Body::Plain(no_target), pay),
        ErrMandatoryHeaderfieldMissing,
        "Mandatory headers are missing: [x-hcx-redirect_to]",
    );
    let mut complete = redirect.clone();
    complete.remove("x-hcx-redirect_to");
    complete.insert("x-hcx-redirect_to", TPA);
    complete.insert("x-hcx-status", "response.complete");
    expect(
        "plain response.complete",
        check(Action::ClaimOnSubmit, &Body::Plain(complete), pay),
        ErrInvalidRedirectTo,
        "Invalid redirect request, x-hcx-status should be response.redirect",
    );
}

#[test]
fn rbac_and_forward_helpers() {
    let provider = Caller { sub: "s".into(), roles: vec![Role::ProviderClinic] };
    assert_eq!(
        authorize(Action::ClaimSubmit, ApiVersion::V0_8, &provider),
        Ok(()),
        "providers submit claims"
    );
    let denied = authorize(Action::ClaimOnSubmit, ApiVersion::V0_8, &provider)
        .expect_err("providers don't answer claims");
    assert_eq!(
        (denied.code.clone(), denied.http_status()),
        (ErrorCode::ErrAccessDenied, 401),
        "RBAC refusals are 401"
    );
    let isnp = Caller { sub: "s".into(), roles: vec![Role::MemberIsnp] };
    assert!(
        authorize(Action::CoverageEligibilityCheck, ApiVersion::V0_8, &isnp).is_ok(),
        "member.isnp may check in v0.8"
    );
    assert!(
        authorize(Action::CoverageEligibilityCheck, ApiVersion::V0_9, &isnp).is_err(),
        "but not in v0.9"
    );
    assert!(
        authorize(Action::EobFetch, ApiVersion::V0_7, &provider).is_err(),
        "eob is not routed in v0.7"
    );

    assert!(is_forward(&[Role::Payor], &[Role::AgencyTpa]), "payor → TPA is a forward");
    assert!(!is_forward(&[Role::Payor], &[Role::Provider]), "payor → provider is not");
    assert_eq!(
        check_forward_direction(Action::ClaimSubmit, &[Role::Payor], &[Role::ProviderHospital]),
        Err(Violation::new(
            ErrorCode::ErrAccessDenied,
            "API should be used only to forward the request"
        )),
        "a payer may not start a claim towards a provider"
    );
    assert_eq!(
        check_forward_direction(Action::CommunicationRequest, &[Role::Payor], &[Role::Provider]),
        Ok(()),
        "communication is payer → provider"
    );
}

#[test]
fn inbound_accepts_gateway_error_callback() {
    let request = hcx_protocol::Headers::action(PROV, PAYR, "corr", Some("wf"), Default::default());
    let gw = ProtocolResponse::gateway_error(
        HCX,
        &request,
        &Details::new("ERR_RECIPIENT_NOT_AVAILABLE", "Please provide correct recipient code"),
    );
    let body = parse_body(gw.to_json_string().as_bytes()).expect("body");
    let got = validate_incoming(&body, PROV, Utc::now())
        .expect("the HCX's own error callback has no timestamp and must be accepted");
    assert_eq!(got.sender_code(), Some(HCX), "sender is the HCX");

    let wrong_to = validate_incoming(&body, "someone-else", Utc::now()).expect_err("not ours");
    assert_eq!(
        wrong_to.code,
        ErrorCode::ErrInvalidRecipient,
        "a message for another participant is refused"
    );

    let mut no_ts = request.clone();
    no_ts.remove("x-hcx-timestamp");
    let sealed = jwe::seal(&no_ts, b"{}", &sample_recipient()).expect("seal");
    let err = validate_incoming(&Body::Jwe(sealed), PAYR, Utc::now())
        .expect_err("a JWE must carry a timestamp");
    assert_eq!(
        err.code,
        ErrorCode::ErrMandatoryHeaderMissing,
        "only the gateway's plain error may omit it"
    );

    let sealed = jwe::seal(&request, b"{}", &sample_recipient()).expect("seal");
    assert!(
        validate_incoming(&Body::Jwe(sealed), PAYR, Utc::now()).is_ok(),
        "a normal request is accepted"
    );
}
