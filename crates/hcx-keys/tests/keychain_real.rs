//! Integration test against the REAL OS keychain (the Secret Service on Linux), not a mock.
//!
//! It FAILS, with instructions, when no keychain is reachable: a keychain that only works on
//! paper is the first failure a user would meet. Headless (CI) recipe:
//!
//! ```sh
//! HOME="$(mktemp -d)" dbus-run-session -- bash -c \
//!   'echo pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null; \
//!    cargo test -p hcx-keys --test keychain_real'
//! ```
//!
//! `harness = false`: the binary re-runs itself as a child process (selected by the
//! `HCX_KEYS_REAL_CHILD` variable) to prove that another process reads what this one wrote,
//! i.e. the value is in the keychain and not in some in-process cache. Entries use the test
//! service name `in.hcx.console.test` and random profile ids, and are removed afterwards.

use std::process::{Command, ExitCode, Output};

use chrono::Utc;
use hcx_keys::{
    CertificateParams, KeychainStore, KeysError, RsaKeySize, Secret, SecretKind, SecretStore,
    TEST_APP_ID, delete_profile_secrets, generate_for_profile, keychain, private_keys_for_decrypt,
    rotate_with_new_key,
};

const CHILD_ROLE: &str = "HCX_KEYS_REAL_CHILD";
const CHILD_PROFILE: &str = "HCX_KEYS_REAL_PROFILE";
const CHILD_VALUE: &str = "HCX_KEYS_REAL_VALUE";

const HOW_TO_RUN: &str = "This test needs a reachable, unlocked Secret Service. Headless:\n  \
    HOME=\"$(mktemp -d)\" dbus-run-session -- bash -c 'echo pass | gnome-keyring-daemon \
    --unlock --components=secrets >/dev/null; cargo test -p hcx-keys --test keychain_real'\n\
    (Debian packages: dbus, gnome-keyring, libsecret-tools, libdbus-1-dev). On a desktop, \
    unlock GNOME Keyring, KWallet or KeePassXC's Secret Service integration.";

type TestResult = Result<(), String>;
type NamedTest = (&'static str, fn() -> TestResult);

/// Fails the current test with a message when `condition` is false.
fn check(condition: bool, message: impl Into<String>) -> TestResult {
    if condition { Ok(()) } else { Err(message.into()) }
}

fn store() -> KeychainStore {
    KeychainStore::new(TEST_APP_ID)
}

fn fresh_profile(tag: &str) -> String {
    format!("kr-{tag}-{}", uuid::Uuid::new_v4())
}

fn keys_err(context: &str) -> impl FnOnce(KeysError) -> String + '_ {
    move |err| format!("{context}: {err}")
}

fn main() -> ExitCode {
    if let Ok(role) = std::env::var(CHILD_ROLE) {
        return child(&role);
    }
    let tests: [NamedTest; 6] = [
        ("keychain_real::backend_is_reachable", backend_is_reachable),
        ("keychain_real::round_trip_in_separate_entries", round_trip_in_separate_entries),
        ("keychain_real::second_process_sees_the_same_entry", second_process_sees_the_same_entry),
        ("keychain_real::secret_tool_sees_the_item", secret_tool_sees_the_item),
        ("keychain_real::debug_output_is_redacted", debug_output_is_redacted),
        ("keychain_real::rotation_in_the_real_keychain", rotation_in_the_real_keychain),
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &tests {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    // Positional arguments are name filters, as with libtest (`cargo test -p hcx-keys foo`).
    // `--ignored` is treated like `--include-ignored`: this test must never silently not run.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<_> = tests
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();

    println!("\nrunning {} tests (real keychain: {})", selected.len(), keychain::backend_name());
    let mut failures = Vec::new();
    for (name, test) in &selected {
        match test() {
            Ok(()) => println!("test {name} ... ok"),
            Err(message) => {
                println!("test {name} ... FAILED");
                failures.push((name, message));
            }
        }
    }
    for (name, message) in &failures {
        println!("\n---- {name} ----\n{message}");
    }
    println!(
        "\ntest result: {}. {} passed; {} failed\n",
        if failures.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failures.len(),
        failures.len()
    );
    if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The child side: one keychain operation, reported on stdout.
fn child(role: &str) -> ExitCode {
    let profile = std::env::var(CHILD_PROFILE).unwrap_or_default();
    let store = store();
    let result = match role {
        "get" => store.get(&profile, SecretKind::GatewaySecret).map(|value| match value {
            Some(secret) => println!("VALUE:{}", secret.expose()),
            None => println!("NONE"),
        }),
        "set" => {
            let value = Secret::new(std::env::var(CHILD_VALUE).unwrap_or_default());
            store.set(&profile, SecretKind::GatewaySecret, &value).map(|()| println!("SET"))
        }
        "delete" => store.delete(&profile, SecretKind::GatewaySecret).map(|()| println!("DELETED")),
        other => {
            println!("unknown child role {other}");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            println!(
                "ERROR:{}",
                if matches!(err, KeysError::KeychainUnavailable { .. }) {
                    "unavailable"
                } else {
                    "other"
                }
            );
            println!("{err}");
            ExitCode::FAILURE
        }
    }
}

fn run_child(
    role: &str,
    profile: &str,
    value: Option<&str>,
    bus: Option<&str>,
) -> Result<Output, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the test binary: {e}"))?;
    let mut command = Command::new(exe);
    command.env(CHILD_ROLE, role).env(CHILD_PROFILE, profile);
    if let Some(value) = value {
        command.env(CHILD_VALUE, value);
    }
    if let Some(bus) = bus {
        command.env("DBUS_SESSION_BUS_ADDRESS", bus);
    }
    command.output().map_err(|e| format!("cannot start the child process: {e}"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn backend_is_reachable() -> TestResult {
    if cfg!(target_os = "linux") {
        check(
            keychain::backend_name() == "Secret Service",
            format!(
                "Linux users must get the Secret Service (durable, encrypted at rest), not {}",
                keychain::backend_name()
            ),
        )?;
    }
    store().probe().map_err(|err| format!("the real keychain is not usable: {err}\n\n{HOW_TO_RUN}"))
}

fn round_trip_in_separate_entries() -> TestResult {
    let profile = fresh_profile("rt");
    let result = (|| {
        let writer = store();
        let reader = KeychainStore::new(TEST_APP_ID);
        check(
            reader.get(&profile, SecretKind::GatewaySecret).map_err(keys_err("get"))?.is_none(),
            "a never-written entry must read as None, not as an error",
        )?;
        writer
            .set(&profile, SecretKind::GatewaySecret, &Secret::from("first pässword".to_owned()))
            .map_err(keys_err("set"))?;
        let read = reader.get(&profile, SecretKind::GatewaySecret).map_err(keys_err("get"))?;
        check(
            read.as_ref().map(Secret::expose) == Some("first pässword"),
            "a second store instance must read back exactly what the first wrote (non-ASCII too)",
        )?;
        writer
            .set(&profile, SecretKind::GatewaySecret, &Secret::from("second".to_owned()))
            .map_err(keys_err("overwrite"))?;
        let read = reader.get(&profile, SecretKind::GatewaySecret).map_err(keys_err("get"))?;
        check(
            read.as_ref().map(Secret::expose) == Some("second"),
            "setting again replaces the value instead of creating a duplicate item",
        )?;
        check(
            reader.get(&profile, SecretKind::BridgeToken).map_err(keys_err("get"))?.is_none(),
            "another kind of the same profile is a separate entry",
        )?;
        writer.delete(&profile, SecretKind::GatewaySecret).map_err(keys_err("delete"))?;
        check(
            reader.get(&profile, SecretKind::GatewaySecret).map_err(keys_err("get"))?.is_none(),
            "a deleted entry is gone",
        )?;
        writer
            .delete(&profile, SecretKind::GatewaySecret)
            .map_err(keys_err("deleting a missing entry must succeed so cleanup can be retried"))
    })();
    let _ = delete_profile_secrets(&store(), &profile);
    result
}

fn second_process_sees_the_same_entry() -> TestResult {
    let profile = fresh_profile("xp");
    let result = (|| {
        store()
            .set(&profile, SecretKind::GatewaySecret, &Secret::from("from-parent".to_owned()))
            .map_err(keys_err("set"))?;
        let got = run_child("get", &profile, None, None)?;
        check(
            stdout(&got).lines().any(|l| l == "VALUE:from-parent"),
            format!(
                "a second process must read what the first wrote; child said: {}{}",
                stdout(&got),
                String::from_utf8_lossy(&got.stderr)
            ),
        )?;

        let set = run_child("set", &profile, Some("from-child"), None)?;
        check(set.status.success(), format!("the child could not write: {}", stdout(&set)))?;
        let read = store().get(&profile, SecretKind::GatewaySecret).map_err(keys_err("get"))?;
        check(
            read.as_ref().map(Secret::expose) == Some("from-child"),
            "the parent must read what the child process wrote",
        )?;

        let deleted = run_child("delete", &profile, None, None)?;
        check(
            deleted.status.success(),
            format!("the child could not delete: {}", stdout(&deleted)),
        )?;
        check(
            store().get(&profile, SecretKind::GatewaySecret).map_err(keys_err("get"))?.is_none(),
            "a delete in another process is visible here",
        )?;

        // Without a reachable bus the same operation must fail with the typed error whose
        // message tells the user how to fix it, not with a panic or an opaque string.
        let cut_off = run_child("get", &profile, None, Some("unix:path=/nonexistent/hcx-no-bus"))?;
        let text = stdout(&cut_off);
        check(
            !cut_off.status.success() && text.contains("ERROR:unavailable"),
            format!("no session bus must give KeychainUnavailable, child said: {text}"),
        )?;
        check(
            text.contains("dbus-run-session") && text.contains("gnome-keyring"),
            format!("the KeychainUnavailable message must say how to fix it: {text}"),
        )
    })();
    let _ = delete_profile_secrets(&store(), &profile);
    result
}

fn secret_tool_sees_the_item() -> TestResult {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let profile = fresh_profile("st");
    let result = (|| {
        store()
            .set(
                &profile,
                SecretKind::BridgeToken,
                &Secret::from("visible-to-libsecret".to_owned()),
            )
            .map_err(keys_err("set"))?;
        let account = format!("{profile}/bridge-token");
        let output = Command::new("secret-tool")
            .args(["lookup", "service", TEST_APP_ID, "username", &account])
            .output()
            .map_err(|e| {
                format!("cannot run secret-tool (install libsecret-tools): {e}\n\n{HOW_TO_RUN}")
            })?;
        check(
            String::from_utf8_lossy(&output.stdout).trim_end() == "visible-to-libsecret",
            format!(
                "libsecret's own client must find the item under service={TEST_APP_ID} \
                 username={account}, proving it lives in the Secret Service where the user's \
                 keyring app shows it; secret-tool said {:?} {:?}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        )
    })();
    let _ = delete_profile_secrets(&store(), &profile);
    result
}

fn debug_output_is_redacted() -> TestResult {
    let profile = fresh_profile("rd");
    let result = (|| {
        store()
            .set(&profile, SecretKind::GatewaySecret, &Secret::from("hunter2-real".to_owned()))
            .map_err(keys_err("set"))?;
        let read = store().get(&profile, SecretKind::GatewaySecret).map_err(keys_err("get"))?;
        let printed =
            format!("{read:?} {}", read.as_ref().map(ToString::to_string).unwrap_or_default());
        check(
            !printed.contains("hunter2") && printed.contains("<redacted>"),
            format!("a secret read from the keychain must print as <redacted>, got {printed}"),
        )
    })();
    let _ = delete_profile_secrets(&store(), &profile);
    result
}

fn rotation_in_the_real_keychain() -> TestResult {
    let profile = fresh_profile("rot");
    let result = (|| {
        let params = CertificateParams::new("kr-test@hcx", Utc::now());
        let old = generate_for_profile(&store(), &profile, RsaKeySize::Bits2048, &params)
            .map_err(keys_err("generate"))?;
        let new = rotate_with_new_key(&store(), &profile, RsaKeySize::Bits2048, &params)
            .map_err(keys_err("rotate"))?;
        let keys = private_keys_for_decrypt(&store(), &profile).map_err(keys_err("keys"))?;
        check(
            keys.len() == 2,
            format!("during the overlap two keys are offered, got {}", keys.len()),
        )?;
        check(
            new.certificate.matches_private_key(&keys[0]).map_err(keys_err("match"))?,
            "the first key offered for decryption is the new one",
        )?;
        check(
            old.certificate.matches_private_key(&keys[1]).map_err(keys_err("match"))?,
            "the second key is the pre-rotation key, still in the keychain",
        )?;
        check(
            keys[0].expose().len() > 1000 && format!("{:?}", keys[0]) == "<redacted>",
            "a 2048-bit PKCS#8 PEM survives the keychain whole and prints redacted",
        )
    })();
    let _ = delete_profile_secrets(&store(), &profile);
    result
}
