//! Base64 helpers: strict base64url on the way out, lenient decoding on the way in, and the
//! ASCII-only JSON that makes a base64url header decodable with the standard alphabet.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(false)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);

/// base64url, padding optional, trailing bits tolerated.
const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
/// standard alphabet, padding optional, trailing bits tolerated.
const STD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Every 12-bit value mapped to its two base64url characters: one lookup per 1.5 input bytes.
/// Encoding the ciphertext dominates sealing large payloads (profiled: half the time with the
/// generic encoder), and this table makes it about twice as fast in safe code.
static PAIRS: [[u8; 2]; 4096] = {
    let mut t = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = [URL_ALPHABET[i >> 6], URL_ALPHABET[i & 63]];
        i += 1;
    }
    t
};

/// Encode as unpadded base64url (what JWE compact serialisation requires).
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(encoded_len(bytes.len()));
    encode_url_into(bytes, &mut out);
    // Only alphabet bytes were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Length of the unpadded base64url encoding of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    n / 3 * 4
        + match n % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

/// Append unpadded base64url of `bytes` to `out` (ASCII only).
pub(crate) fn encode_url_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let full = bytes.len() / 3;
    out.resize(start + full * 4, 0);
    let dst = &mut out[start..];
    for (o, i) in dst.chunks_exact_mut(4).zip(bytes.chunks_exact(3)) {
        let n = (usize::from(i[0]) << 16) | (usize::from(i[1]) << 8) | usize::from(i[2]);
        let hi = PAIRS[n >> 12];
        let lo = PAIRS[n & 0xfff];
        o.copy_from_slice(&[hi[0], hi[1], lo[0], lo[1]]);
    }
    match bytes.chunks_exact(3).remainder() {
        [a] => {
            let n = usize::from(*a) << 4;
            out.extend_from_slice(&PAIRS[n]);
        }
        [a, b] => {
            let n = (usize::from(*a) << 10) | (usize::from(*b) << 2);
            out.extend_from_slice(&PAIRS[n >> 6]);
            out.push(URL_ALPHABET[n & 63]);
        }
        _ => {}
    }
}

/// Decode base64url or standard base64, padded or not. Senders in the wild use all four
/// (Java's gateway decodes the header with the standard alphabet; jwcrypto, Nimbus and node-jose
/// emit base64url), so anything unambiguous is accepted.
pub(crate) fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if let Ok(v) = URL_LENIENT.decode(text) {
        return Some(v);
    }
    if let Ok(v) = STD_LENIENT.decode(text) {
        return Some(v);
    }
    // Mixed alphabets or embedded line breaks (MIME encoders): normalise, then decode.
    let normalised: String = text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    STD_LENIENT.decode(normalised).ok()
}

/// Rewrite serialised JSON so that it is pure ASCII and contains none of `>`, `?`, `~`, DEL.
///
/// Why: the gateway decodes the protected header with Java's standard-alphabet decoder
/// (wire facts §5.4). For ASCII input, base64url differs from standard base64 only where a
/// byte at offset ≡ 2 (mod 3) is one of those four characters; non-ASCII bytes can produce
/// `-`/`_` anywhere. Those characters can only occur inside JSON strings, where `\uXXXX` is an
/// equivalent spelling, so a textual rewrite of the whole document is safe.
pub(crate) fn ascii_json(json: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '>' | '?' | '~' | '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_encoder_matches_the_base64_crate() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for len in 0..bytes.len() {
            assert_eq!(
                encode_url(&bytes[..len]),
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..len]),
                "the fast encoder must be byte-identical to RFC 4648 base64url, length {len}"
            );
        }
    }

    #[test]
    fn lenient_accepts_all_four_spellings() {
        let bytes: Vec<u8> = (0u8..=255).collect();
        let std_pad = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let std_nopad = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
        let url_pad = base64::engine::general_purpose::URL_SAFE.encode(&bytes);
        let url_nopad = encode_url(&bytes);
        for form in [std_pad, std_nopad, url_pad, url_nopad] {
            assert_eq!(
                decode_lenient(&form).as_deref(),
                Some(&bytes[..]),
                "every base64 spelling seen from SDKs must decode: {form}"
            );
        }
    }

    #[test]
    fn ascii_json_escapes_alphabet_breakers_and_non_ascii() {
        let raw = serde_json::json!({"u": "a?b>c~d\u{7f}é😀"}).to_string();
        let escaped = ascii_json(&raw);
        assert!(escaped.is_ascii(), "header JSON must be ASCII so base64url == base64: {escaped}");
        assert!(!escaped.contains(['>', '?', '~']), "these map to '-'/'_' in base64url: {escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back.to_string(), raw, "escaping must not change the decoded values");
    }
}
