//! A 20 MB scan encodes without holding several copies of itself: peak heap growth while
//! encoding, measured by a counting global allocator, stays below 2.5 × the base64 size.
//!
//! This binary has exactly one test so nothing else allocates concurrently. The input is
//! generated on the fly by a reader, so the 20 MB source itself is never in memory: what is
//! measured is the encoder alone (its output string, its chunk buffer, any intermediate copies).
//! `peak_alloc` counts a `realloc` as the new block plus the old one until the copy completes,
//! which is what a growing string really costs.

use std::io::Read;

use base64::Engine as _;
use hcx_fhir::AttachmentBuilder;
use peak_alloc::PeakAlloc;
use sha2::{Digest, Sha256};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

const SIZE: usize = 20 * 1024 * 1024;

/// Deterministic pseudo-random bytes (xorshift), `len` of them, without buffering them.
struct Scan {
    state: u64,
    left: usize,
}

impl Scan {
    fn new(len: usize) -> Self {
        Scan { state: 0x9E37_79B9_7F4A_7C15, left: len }
    }
}

impl Read for Scan {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Odd-sized reads on purpose: the encoder must re-align them to 3-byte groups.
        let n = buf.len().min(self.left).min(40_001);
        for b in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n;
        Ok(n)
    }
}

fn expected_sha256() -> String {
    let mut h = Sha256::new();
    let mut r = Scan::new(SIZE);
    let mut buf = vec![0u8; 65536];
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn twenty_megabyte_scan_encodes_within_two_and_a_half_times_its_base64_size() {
    let expected = expected_sha256();
    let base64_len = base64::encoded_len(SIZE, true).unwrap();

    for (label, sized) in
        [("length unknown (from_reader)", false), ("length known (from_reader_sized)", true)]
    {
        let before = ALLOC.current_usage();
        ALLOC.reset_peak_usage();
        let built = if sized {
            AttachmentBuilder::from_reader_sized(
                Scan::new(SIZE),
                SIZE as u64,
                "application/pdf",
                "Scan.pdf",
            )
        } else {
            AttachmentBuilder::from_reader(Scan::new(SIZE), "application/pdf", "Scan.pdf")
        }
        .expect("a 20 MB scan encodes");
        let peak = ALLOC.peak_usage() - before;
        let ratio = peak as f64 / base64_len as f64;
        eprintln!(
            "{label}: base64 {base64_len} B, peak heap growth {peak} B ({ratio:.2} x base64)"
        );

        let limit = base64_len * 5 / 2;
        assert!(
            peak < limit,
            "{label}: peak {peak} B must stay below 2.5 x the base64 size ({limit} B): no whole-file copies"
        );
        if sized {
            assert!(
                peak < base64_len + base64_len / 10,
                "{label}: with the length known the output is allocated once ({peak} B vs {base64_len} B)"
            );
        }
        let data = built.attachment.data.as_deref().unwrap();
        assert_eq!(
            data.len(),
            base64_len,
            "{label}: the base64 text has exactly the encoded length"
        );
        assert_eq!(built.size, SIZE as u64, "{label}: size is the decoded byte count");
        assert_eq!(built.sha256_hex, expected, "{label}: SHA-256 is of the bytes read");
        // Spot-check the encoding against one-shot base64 of the first 3 MiB.
        let mut head = vec![0u8; 3 * 1024 * 1024];
        Scan::new(SIZE).read_exact(&mut head).unwrap();
        let head_b64 = base64::engine::general_purpose::STANDARD.encode(&head);
        assert!(data.starts_with(&head_b64), "{label}: streamed base64 equals one-shot base64");
    }
}
