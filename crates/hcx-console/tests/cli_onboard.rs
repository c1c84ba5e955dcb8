//! `hcx onboard …` as an integrator uses it: the real `hcx` binary against the embedded sandbox
//! (playing the operator) over loopback HTTP, with the real keychain (Secret Service).
//!
//! Certify → export the certificate → the operator-side check accepts it and refuses a tampered
//! copy and a wrong role with clear reasons → fill the draft → submit → read the OTP from the
//! sandbox operator's outbox → enter it → credentials into the keychain (never printed) →
//! pilot mode on → the checklist still says what is missing.

use std::path::Path;
use std::process::{Command, Output};

use hcx_console::demo::LocalExchange;
use hcx_console::{Console, ConsoleOptions};
use hcx_keys::{KeychainStore, SecretKind, SecretStore};

const HCX: &str = env!("CARGO_BIN_EXE_hcx");

struct Env {
    data: std::path::PathBuf,
    app_id: String,
    admin_password: String,
}

async fn hcx(env: &Env, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(HCX);
    cmd.arg("--data")
        .arg(&env.data)
        .args(args)
        .env("HCX_APP_ID", &env.app_id)
        .env("SANDBOX_ADMIN_PASSWORD", &env.admin_password)
        .env("RUST_LOG", "warn");
    // The exchange runs on this test's runtime: wait for the child off the async threads.
    let out: Output =
        tokio::task::spawn_blocking(move || cmd.output().expect("hcx runs")).await.expect("join");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn otp_in(outbox: &str) -> String {
    outbox
        .lines()
        .filter(|l| l.contains(" sms "))
        .flat_map(|l| l.split(|c: char| !c.is_ascii_digit()))
        .rfind(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("the sandbox outbox shows a 6-digit OTP by SMS:\n{outbox}"))
        .to_owned()
}

fn tamper(jws: &str) -> String {
    // The forgery that matters: push the expiry out by a year and keep the signature.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jws.trim().split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).expect("payload")).expect("claims");
    let exp = claims["exp"].as_i64().expect("exp");
    claims["exp"] = (exp + 365 * 86_400).into();
    let payload = b64.encode(serde_json::to_vec(&claims).expect("json"));
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_from_the_command_line() {
    let app_id = format!("{}-{}", hcx_keys::TEST_APP_ID, uuid::Uuid::new_v4().simple());
    if let Err(e) = KeychainStore::new(&app_id).probe() {
        panic!("the OS keychain is not reachable ({e}); run the tests with scripts/test");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let exchange =
        LocalExchange::start(&dir.path().join("exchange"), true).await.expect("exchange");
    let env = Env {
        data: dir.path().join("console"),
        app_id: app_id.clone(),
        admin_password: exchange.sandbox.admin_credentials().password.expose().to_owned(),
    };
    let sandbox_url = exchange.sandbox.base_url();
    {
        let mut options = ConsoleOptions::new(&env.data);
        options.app_id = app_id.clone();
        options.memory_secrets_for_sandbox = false;
        let console = Console::open(options).expect("console");
        exchange
            .onboard(&console, "Sunrise Hospital", "sunrise-cli@sandbox", &["provider.hospital"])
            .await
            .expect("the sandbox identity");
    }

    let (code, out, err) = hcx(&env, &["onboard", "certify"]).await;
    assert_eq!(code, 0, "the suite passes and the certificate is kept:\n{out}\n{err}");
    assert!(out.starts_with("valid certificate"), "the first line says it is valid:\n{out}");
    assert!(!out.contains("FAIL"), "no scenario failed:\n{out}");

    let cert_file = dir.path().join("sandbox-certificate.jws");
    let (code, _, err) =
        hcx(&env, &["onboard", "certificate", "--export", cert_file.to_str().expect("path")]).await;
    assert_eq!(code, 0, "the certificate exports: {err}");
    let verify = |file: &Path, role: &'static str| {
        let file = file.to_str().expect("path").to_owned();
        let url = sandbox_url.clone();
        let env = &env;
        async move { hcx(env, &["onboard", "verify", &file, "--sandbox", &url, "--role", role]).await }
    };
    let (code, out, err) = verify(&cert_file, "provider.hospital").await;
    assert_eq!(code, 0, "the operator-side check accepts the real certificate: {out}{err}");
    assert!(out.starts_with("valid: sunrise-cli@sandbox"), "and names the participant: {out}");

    let tampered = dir.path().join("tampered.jws");
    let original = std::fs::read_to_string(&cert_file).expect("read");
    std::fs::write(&tampered, tamper(&original)).expect("write");
    let (code, out, _) = verify(&tampered, "provider.hospital").await;
    assert_eq!(code, 1, "a tampered certificate is refused (exit 1): {out}");
    assert!(out.contains("does not verify"), "with the reason in plain words: {out}");
    let (code, out, _) = verify(&cert_file, "payor").await;
    assert_eq!(code, 1, "a certificate for another role is refused: {out}");
    assert!(
        out.contains("is for role provider.hospital") && out.contains("registering as payor"),
        "the reason names both roles: {out}"
    );

    let (code, out, err) = hcx(
        &env,
        &[
            "onboard",
            "draft",
            "--kind",
            "abdm_provider",
            "--set",
            "common.participant_name=Sunrise Multispeciality Hospital",
            "--set",
            "common.primary_email=accounts-cli@sunrise.example",
            "--set",
            "common.primary_mobile=9876543210",
            "--set",
            "details.hfr_facility_id=IN2910000123",
            "--set",
            "details.hfr_verification_status=Verified",
            "--set",
            "details.manager.hfr_id=71-4542-2424-6325",
            "--set",
            "details.manager.mobile=+91 98765 43210",
            "--set",
            "details.manager.email=manager@sunrise-hospital.example",
            "--set",
            "details.consent_to_hfr_fetch=true",
        ],
    )
    .await;
    assert_eq!(code, 0, "the draft saves: {err}");
    assert!(out.contains("The form is complete"), "no findings are left:\n{out}");

    let (code, out, err) = hcx(&env, &["onboard", "submit"]).await;
    assert_eq!(code, 0, "the operator accepts the application: {out}{err}");
    assert!(out.contains(": awaiting_otp"), "the OTP went out:\n{out}");
    let app_id_line = out.lines().next().expect("first line");
    let application = app_id_line.split_whitespace().nth(1).expect("application id").to_owned();
    let prod = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("production profile: "))
        .expect("the production profile is named")
        .to_owned();

    let (code, outbox, err) = hcx(
        &env,
        &[
            "onboard",
            "outbox",
            "--sandbox",
            &sandbox_url,
            "--admin-user",
            &exchange.sandbox.admin_credentials().username,
            "--admin-password-env",
            "SANDBOX_ADMIN_PASSWORD",
            "--application",
            &application,
        ],
    )
    .await;
    assert_eq!(code, 0, "the sandbox operator's outbox reads: {err}");
    let admin = exchange.sandbox.admin_credentials().username.clone();
    let (code, queue, err) = hcx(
        &env,
        &[
            "onboard",
            "queue",
            "--sandbox",
            &sandbox_url,
            "--admin-user",
            &admin,
            "--admin-password-env",
            "SANDBOX_ADMIN_PASSWORD",
            "--state",
            "awaiting_otp",
        ],
    )
    .await;
    assert_eq!(code, 0, "the operator's queue reads: {err}");
    assert!(
        queue.lines().any(|l| l.starts_with(&application) && l.contains("abdm_provider")),
        "the application waits in the operator's queue in state awaiting_otp:\n{queue}"
    );
    let otp = otp_in(&outbox);
    let (code, out, err) = hcx(&env, &["onboard", "otp", &otp, "--profile", &prod]).await;
    assert_eq!(code, 0, "the OTP is accepted: {err}");
    assert!(out.contains(": approved"), "the HFR facility is approved after the OTP:\n{out}");

    let (code, out, err) = hcx(&env, &["onboard", "credentials", "--profile", &prod]).await;
    assert_eq!(code, 0, "the credentials are fetched: {err}");
    assert!(out.contains("stored in the keychain"), "the clerk is told where they went:\n{out}");
    let secret = KeychainStore::new(&app_id)
        .get(&prod, SecretKind::GatewaySecret)
        .expect("keychain answers")
        .expect("the secret is in the keychain");
    assert!(
        !out.contains(secret.expose()) && !err.contains(secret.expose()),
        "the secret is never printed"
    );

    let (code, out, _) =
        hcx(&env, &["onboard", "pilot", "on", "--to", "demo-payer@sandbox", "--profile", &prod])
            .await;
    assert_eq!(code, 0, "pilot mode is set");
    assert!(out.contains("Piloting with demo-payer@sandbox"), "the pilot item is done:\n{out}");
    let (code, out, _) = hcx(&env, &["onboard", "checklist", "--profile", &prod]).await;
    assert_eq!(code, 1, "not ready while training and preflight are open (exit 1):\n{out}");
    assert!(out.contains("[pending] Staff trained"), "the checklist says what is missing:\n{out}");
    exchange.shutdown().await;
}
