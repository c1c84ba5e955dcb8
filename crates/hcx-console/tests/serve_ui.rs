//! `hcx serve-ui`'s guards over real loopback HTTP: no call without the run's token, no bind
//! to a non-loopback address, and the built UI served under the production CSP.

use std::net::SocketAddr;
use std::process::Command;

use hcx_console::serve_ui::{self, ServeUi, ServeUiError};
use hcx_console::surface::Host;
use hcx_console::{Console, ConsoleOptions};

struct Fixture {
    server: ServeUi,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// A serve-ui over a console that was never started: the commands that need start-up would
/// wait, but the guards answer before any command runs, and `registration_kinds` needs none.
async fn serve() -> Fixture {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>t</title>").unwrap();
    let mut options = ConsoleOptions::new(data.path());
    options.app_id = format!("in.hcx.console.test-serve-ui-{}", std::process::id());
    let host = Host::new(Console::open(options).unwrap());
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (server, _sink) = serve_ui::start(host, addr, dist.path()).await.unwrap();
    Fixture { server, _dirs: (data, dist) }
}

fn url(f: &Fixture, path: &str) -> String {
    format!("http://{}{path}", f.server.local_addr())
}

#[tokio::test]
async fn a_call_without_the_runs_token_is_refused_with_401() {
    let f = serve().await;
    let http = reqwest::Client::new();
    let none = http.post(url(&f, "/api/registration_kinds")).body("{}").send().await.unwrap();
    assert_eq!(none.status(), 401, "a call without a token never reaches the console");
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized", "the refusal is {{code, message}} like every error");

    let wrong = http
        .post(url(&f, "/api/registration_kinds"))
        .bearer_auth("not-the-token")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401, "another run's (or a guessed) token is refused");

    let events = http.get(url(&f, "/api/events?token=nope")).send().await.unwrap();
    assert_eq!(events.status(), 401, "the event stream needs the token too");

    let ok = http
        .post(url(&f, "/api/registration_kinds"))
        .bearer_auth(f.server.token())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "with the run's token the command table answers");
    let kinds: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(
        kinds,
        serde_json::to_value(hcx_console::registration_kinds()).unwrap(),
        "the HTTP transport carries exactly what the console returns"
    );

    let unknown = http
        .post(url(&f, "/api/no_such_command"))
        .bearer_auth(f.server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404, "a command not in the table is not found");
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "not_implemented", "and says so as {{code, message}}");

    let bad = http
        .post(url(&f, "/api/registration_draft"))
        .bearer_auth(f.server.token())
        .body(r#"{"profileId": 7}"#)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["code"], "invalid_input", "arguments of the wrong type are the caller's error");
    f.server.stop().await;
}

#[tokio::test]
async fn the_ui_is_served_under_the_production_csp_and_nothing_outside_dist() {
    let f = serve().await;
    let http = reqwest::Client::new();
    let page = http.get(url(&f, "/")).send().await.unwrap();
    assert_eq!(page.status(), 200, "the start page is served without a token (it holds no data)");
    assert_eq!(
        page.headers()["content-security-policy"],
        serve_ui::CSP,
        "the page carries the production policy"
    );
    assert!(serve_ui::CSP.contains("connect-src 'self'"), "same-origin calls are what it allows");
    let escape = http.get(url(&f, "/..%2f..%2fetc/passwd")).send().await.unwrap();
    assert_eq!(escape.status(), 404, "no path leaves the dist directory");
    f.server.stop().await;
}

#[tokio::test]
async fn binding_to_a_non_loopback_address_is_refused() {
    let data = tempfile::tempdir().unwrap();
    // A valid built UI, so that nothing but the loopback rule can stop the bind: without the
    // rule this start succeeds and listens on every interface.
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>t</title>").unwrap();
    let host = Host::new(Console::open(ConsoleOptions::new(data.path())).unwrap());
    let addr: SocketAddr = "0.0.0.0:0".parse().unwrap();
    match serve_ui::start(host, addr, dist.path()).await {
        Err(ServeUiError::NotLoopback(a)) => assert_eq!(a, addr, "the refusal names the address"),
        Err(e) => panic!("refused, but not by the loopback rule: {e}"),
        Ok((server, _)) => {
            let bound = server.local_addr();
            server.stop().await;
            panic!("0.0.0.0 would hand the console to the network, yet it listened on {bound}");
        }
    }
    assert!(
        serve_ui::check_loopback("[::1]:1430".parse().unwrap()).is_ok(),
        "IPv6 loopback is fine"
    );

    // The command refuses before it opens or creates anything in the data directory.
    let fresh = data.path().join("never-created");
    let out = Command::new(env!("CARGO_BIN_EXE_hcx"))
        .args(["serve-ui", "--port", "0", "--host", "192.0.2.1", "--data"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "hcx serve-ui --host 192.0.2.1 fails");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("loopback"), "and says why: {stderr}");
    assert!(!fresh.exists(), "nothing was created for a refused bind");
}
