use hcx_window_tests::{Launch, Page, Window};
#[tokio::test(flavor = "multi_thread")]
#[ignore = "scratch"]
async fn scratch() {
    let w = Window::open(Launch::Binary).await.unwrap();
    let p = Page::new(&w);
    p.wait_text("[data-testid=env-banner]", "Demo Clinic", std::time::Duration::from_secs(90)).await;
    let v = p.c2().execute_async("const cb = arguments[arguments.length-1]; window.__TAURI_INTERNALS__.invoke('list_counterparties').then(r => cb(JSON.stringify(r)), e => cb('ERR ' + JSON.stringify(e)));", vec![]).await;
    println!("COUNTERPARTIES {v:?}");
    println!("LOG {}", w.log());
    w.close().await.unwrap();
}
