//! seal and open at 1 KB, 100 KB and 5 MB JSON payloads (bench/run.sh compares with jwcrypto).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hcx_protocol::jwe::{self, PrivateKey, RecipientKey};
use hcx_protocol::{Dialect, Headers};

const KEY: &[u8] = include_bytes!("../tests/fixtures/sample-private-key.pem");
const CERT: &[u8] = include_bytes!("../tests/fixtures/sample-certificate.pem");

/// A FHIR-like bundle of about `target` bytes (same generator as bench/jwcrypto_bench.py).
fn payload(target: usize) -> Vec<u8> {
    let mut out =
        String::from(r#"{"resourceType":"Bundle","id":"bench","type":"collection","entry":["#);
    let mut i = 0usize;
    while out.len() + 160 < target {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"fullUrl":"urn:uuid:{i:08}","resource":{{"resourceType":"Observation","id":"{i}","valueString":"lorem ipsum dolor sit amet consectetur adipiscing elit sed do"}}}}"#
        ));
        i += 1;
    }
    out.push_str("]}");
    out.into_bytes()
}

pub const SIZES: [(&str, usize); 3] =
    [("1KB", 1024), ("100KB", 100 * 1024), ("5MB", 5 * 1024 * 1024)];

fn bench(c: &mut Criterion) {
    let key = PrivateKey::from_pem(KEY).expect("bench key");
    let to = RecipientKey::from_certificate_pem(CERT).expect("bench cert");
    let headers = Headers::action("prov@hcx", "payr@hcx", "corr", Some("wf"), Dialect::Swasth);

    let mut seal = c.benchmark_group("seal");
    for (name, size) in SIZES {
        let p = payload(size);
        seal.throughput(Throughput::Bytes(p.len() as u64));
        if size > 1_000_000 {
            seal.sample_size(20);
        }
        seal.bench_with_input(BenchmarkId::from_parameter(name), &p, |b, p| {
            b.iter(|| jwe::seal(&headers, p, &to).expect("seal"))
        });
    }
    seal.finish();

    let mut open = c.benchmark_group("open");
    for (name, size) in SIZES {
        let p = payload(size);
        let token = jwe::seal(&headers, &p, &to).expect("seal");
        open.throughput(Throughput::Bytes(p.len() as u64));
        if size > 1_000_000 {
            open.sample_size(20);
        }
        open.bench_with_input(BenchmarkId::from_parameter(name), &token, |b, t| {
            b.iter(|| jwe::open(t, &key).expect("open"))
        });
    }
    open.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
