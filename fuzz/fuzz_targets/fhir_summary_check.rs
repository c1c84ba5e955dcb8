//! Plain JSON (not through JWE) into everything hcx-fhir reads untrusted content with: the
//! checked summary the console's ingest uses, the display summary and the checker. None may
//! panic, and the two summaries must agree: they share one reading, so a payload the checked one
//! accepts is summarised identically by the display one, and a refused payload's problem is a
//! remark on the display one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // serde_json's own recursion limit (128) bounds the depth; ours (64) is below it, so the
    // fuzzer reaches both sides of it.
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    let shown = hcx_fhir::summarize(&v);
    match hcx_fhir::summarize_checked(&v) {
        Ok(summary) => assert_eq!(summary, shown, "an accepted payload reads the same both ways"),
        Err(problem) => {
            let remark = format!("Could not read this payload: {problem}.");
            assert!(shown.remarks.contains(&remark), "a refused payload's problem is shown");
        }
    }
    let _ = shown.to_value();
    let _ = hcx_fhir::check(&v);
});
