//! The checker and the summariser work on any JSON: every node of every fixture and of a builder
//! output is replaced, one at a time, by values of every JSON type; neither may panic, and the
//! checker must still report something for a broken bundle.

use hcx_fhir::{check, summarize};
use serde_json::{Value, json};

use crate::support::{builder_outputs, fixtures};

/// JSON pointers of every node.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_node_replaced_by_every_json_type_never_panics() {
    let replacements =
        [Value::Null, json!(-1.5), json!("x"), json!([]), json!({}), json!([{"reference": 7}])];
    let mut inputs: Vec<(String, Value)> = fixtures();
    let (name, claim) = builder_outputs().into_iter().find(|(n, _)| *n == "claim").unwrap();
    inputs.push((name.into(), claim.to_value().unwrap()));
    let mut runs = 0;
    for (name, original) in inputs {
        let mut ps = Vec::new();
        pointers(&original, String::new(), &mut ps);
        for p in &ps {
            for r in &replacements {
                let mut v = original.clone();
                if let Some(slot) = v.pointer_mut(p) {
                    *slot = r.clone();
                }
                let result = std::panic::catch_unwind(|| (check(&v), summarize(&v)));
                assert!(
                    result.is_ok(),
                    "{name}: replacing {p} with {r} made the checker or summariser panic"
                );
                runs += 1;
            }
        }
    }
    assert!(runs > 5000, "the sweep covered the inputs ({runs} runs)");
}

#[test]
fn non_bundle_json_gives_findings_not_panics() {
    for v in
        [json!(null), json!(42), json!("Bundle"), json!([]), json!({}), json!({"resourceType": 5})]
    {
        let findings = check(&v);
        assert!(!findings.is_empty(), "{v} is not a bundle, and the checker says so");
        let s = summarize(&v);
        assert_eq!(s.kind, "Not a FHIR resource", "{v} is summarised as unreadable");
    }
}
