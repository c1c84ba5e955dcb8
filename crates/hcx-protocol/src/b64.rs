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

/// Encode as unpadded base64url (what JWE compact serialisation requires).
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Append unpadded base64url of `bytes` to `out` (avoids an intermediate String for big
/// ciphertexts).
pub(crate) fn encode_url_into(bytes: &[u8], out: &mut String) {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(bytes, out);
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
