//! Attachments: base64 data with content type, size and hashes, encoded as a stream.
//!
//! A scanned discharge summary can be 20 MB. Reading it whole, then base64-encoding a copy, then
//! hashing would hold the file several times over. [`AttachmentBuilder`] reads fixed-size chunks,
//! feeds each to SHA-1 and SHA-256 and appends its base64 to one output `String`, so memory is the
//! base64 text plus one chunk when the length is known up front, and at most twice the base64 text
//! when it is not (chunks are gathered, then joined once into an exact-size string).
//!
//! Hashes: FHIR R4 defines `Attachment.hash` as the base64 SHA-1 of the data, so that is what we
//! write there (a receiver that checks it would reject anything else). The SHA-256 the console
//! stores for integrity and de-duplication is returned beside it in [`BuiltAttachment`].

use std::io::{ErrorKind, Read};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

use crate::types::Attachment;
use crate::{Error, Result};

/// Bytes read per step: a multiple of 3, so every chunk but the last encodes without padding and
/// the concatenated base64 equals the base64 of the whole file.
const CHUNK: usize = 3 * 16 * 1024;

/// Base64 bytes gathered per piece when the total length is not known in advance.
const PIECE: usize = 1024 * 1024;

/// An encoded attachment plus the facts the console keeps about it.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltAttachment {
    /// The FHIR Attachment: `contentType`, `data` (base64), `size`, `hash` (base64 SHA-1),
    /// `title`, and `language`/`creation` when set.
    pub attachment: Attachment,
    /// Decoded size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the decoded bytes.
    pub sha256_hex: String,
}

impl BuiltAttachment {
    /// Sets `Attachment.creation` (IST instant).
    pub fn with_creation(mut self, at: DateTime<Utc>) -> Self {
        self.attachment.creation = Some(crate::time::instant(at));
        self
    }

    /// Sets `Attachment.language` (BCP-47, e.g. `en-IN`).
    pub fn with_language(mut self, language: &str) -> Self {
        self.attachment.language = Some(language.to_owned());
        self
    }
}

/// Streaming base64 encoder for attachments. All constructors check that the content type and
/// title are non-empty (NHCX rejects untitled documents, PAYR-1036).
#[derive(Debug)]
pub struct AttachmentBuilder;

impl AttachmentBuilder {
    /// Encodes everything `reader` yields. The length is not known, so base64 is gathered in 1 MiB
    /// pieces and joined once at the end: peak memory stays below twice the base64 size.
    pub fn from_reader<R: Read>(
        reader: R,
        content_type: &str,
        title: &str,
    ) -> Result<BuiltAttachment> {
        encode(reader, None, content_type, title)
    }

    /// Like [`from_reader`](Self::from_reader) when the caller knows the length (a file's
    /// metadata): the output string is allocated once at its final size.
    pub fn from_reader_sized<R: Read>(
        reader: R,
        expected_len: u64,
        content_type: &str,
        title: &str,
    ) -> Result<BuiltAttachment> {
        encode(reader, Some(expected_len), content_type, title)
    }

    /// Encodes a file, pre-sizing from its metadata.
    pub fn from_path(path: &Path, content_type: &str, title: &str) -> Result<BuiltAttachment> {
        let io = |source| Error::Io { what: path.display().to_string(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        encode(file, Some(len), content_type, title)
    }

    /// Encodes bytes already in memory.
    pub fn from_bytes(bytes: &[u8], content_type: &str, title: &str) -> Result<BuiltAttachment> {
        encode(bytes, Some(bytes.len() as u64), content_type, title)
    }
}

fn encode<R: Read>(
    mut reader: R,
    expected_len: Option<u64>,
    content_type: &str,
    title: &str,
) -> Result<BuiltAttachment> {
    let content_type = content_type.trim();
    let title = title.trim();
    if content_type.is_empty() {
        return Err(Error::input("contentType", "an attachment needs a content type"));
    }
    if title.is_empty() {
        return Err(Error::input(
            "title",
            "an attachment needs a title (payers reject untitled documents)",
        ));
    }

    let mut sha1 = Sha1::new();
    let mut sha256 = Sha256::new();
    let mut size: u64 = 0;
    let mut buf = vec![0u8; CHUNK];

    let mut sink = match expected_len {
        Some(len) => {
            let cap = usize::try_from(len)
                .ok()
                .and_then(|n| base64::encoded_len(n, true))
                .ok_or(Error::TooLarge { size: len })?;
            Sink::Sized(String::with_capacity(cap))
        }
        None => Sink::Pieces { done: Vec::new(), current: String::with_capacity(PIECE) },
    };

    loop {
        let n = fill(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        sha1.update(chunk);
        sha256.update(chunk);
        size += n as u64;
        sink.push(chunk);
        if n < buf.len() {
            break;
        }
    }

    let data = sink.finish();
    let sha1_b64 = STANDARD.encode(sha1.finalize());
    let sha256_hex = hex(&sha256.finalize());
    Ok(BuiltAttachment {
        attachment: Attachment {
            content_type: Some(content_type.to_owned()),
            data: Some(data),
            size: Some(size),
            hash: Some(sha1_b64),
            title: Some(title.to_owned()),
            ..Default::default()
        },
        size,
        sha256_hex,
    })
}

/// Where base64 goes: one pre-sized string, or pieces joined at the end.
enum Sink {
    Sized(String),
    Pieces { done: Vec<String>, current: String },
}

impl Sink {
    fn push(&mut self, chunk: &[u8]) {
        match self {
            Sink::Sized(out) => STANDARD.encode_string(chunk, out),
            Sink::Pieces { done, current } => {
                // A chunk's base64 is at most 64 KiB, so a piece never grows past its capacity by
                // more than that; start a new piece instead of letting this one reallocate.
                if current.len() + CHUNK / 3 * 4 > current.capacity() {
                    done.push(std::mem::replace(current, String::with_capacity(PIECE)));
                }
                STANDARD.encode_string(chunk, current);
            }
        }
    }

    fn finish(self) -> String {
        match self {
            Sink::Sized(out) => out,
            Sink::Pieces { done, current } => {
                let total = done.iter().map(String::len).sum::<usize>() + current.len();
                let mut out = String::with_capacity(total);
                // Free each piece as soon as it is copied, so the peak stays near 2x, not more.
                for piece in done {
                    out.push_str(&piece);
                }
                out.push_str(&current);
                out
            }
        }
    }
}

/// Reads until `buf` is full or the reader is exhausted; retries on `Interrupted`.
fn fill<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let Some(rest) = buf.get_mut(filled..) else { break };
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(source) => return Err(Error::Io { what: "attachment".into(), source }),
        }
    }
    Ok(filled)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Decodes base64 in pieces and hashes it without holding the decoded bytes: size, base64 SHA-1
/// and hex SHA-256. `None` when the text is not valid base64. Used by the checker and summaries to
/// verify a payer's `size`/`hash` without a second copy of a 20 MB document.
pub fn measure_base64(data: &str) -> Option<(u64, String, String)> {
    // Whitespace is tolerated inside base64Binary by many senders; strip it piecewise.
    let mut sha1 = Sha1::new();
    let mut sha256 = Sha256::new();
    let mut size = 0u64;
    let mut pending: Vec<u8> = Vec::with_capacity(CHUNK / 3 * 4 + 4);
    let mut out = Vec::with_capacity(CHUNK + 3);
    let mut flush = |pending: &mut Vec<u8>, last: bool| -> Option<()> {
        let take = if last { pending.len() } else { pending.len() / 4 * 4 };
        let part = pending.get(..take)?;
        out.clear();
        STANDARD.decode_vec(part, &mut out).ok()?;
        sha1.update(&out);
        sha256.update(&out);
        size += out.len() as u64;
        pending.drain(..take);
        Some(())
    };
    for b in data.bytes().filter(|b| !b.is_ascii_whitespace()) {
        pending.push(b);
        if pending.len() >= CHUNK / 3 * 4 {
            flush(&mut pending, false)?;
        }
    }
    flush(&mut pending, true)?;
    Some((size, STANDARD.encode(sha1.finalize()), hex(&sha256.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_base64_equals_one_shot_base64_for_every_length_around_a_chunk() {
        for len in [0, 1, 2, 3, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 2] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            for sized in [true, false] {
                let built = if sized {
                    AttachmentBuilder::from_bytes(&bytes, "application/pdf", "t").unwrap()
                } else {
                    AttachmentBuilder::from_reader(&bytes[..], "application/pdf", "t").unwrap()
                };
                assert_eq!(
                    built.attachment.data.as_deref(),
                    Some(STANDARD.encode(&bytes).as_str()),
                    "chunks are multiples of 3 bytes, so streamed base64 must equal one-shot base64 (len {len}, sized {sized})"
                );
                assert_eq!(built.size, len as u64, "size is the decoded byte count");
                let (m_size, m_sha1, m_sha256) =
                    measure_base64(built.attachment.data.as_deref().unwrap()).unwrap();
                assert_eq!(
                    (m_size, Some(m_sha1), m_sha256),
                    (built.size, built.attachment.hash.clone(), built.sha256_hex.clone()),
                    "decoding and hashing the base64 again must give the same size and hashes"
                );
            }
        }
    }

    #[test]
    fn known_digests_of_hello() {
        let built = AttachmentBuilder::from_bytes(b"Hello", "application/pdf", "x").unwrap();
        assert_eq!(built.attachment.data.as_deref(), Some("SGVsbG8="), "RFC 4648 base64 of Hello");
        assert_eq!(
            built.sha256_hex, "185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969",
            "published SHA-256 of the ASCII string Hello"
        );
        assert_eq!(
            built.attachment.hash.as_deref(),
            Some("9/+ei3uy4Jtwk1pdeF4MxdnQq/A="),
            "base64 of SHA-1(Hello) = f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0"
        );
    }

    #[test]
    fn untitled_or_untyped_attachments_are_refused() {
        assert!(
            AttachmentBuilder::from_bytes(b"x", "application/pdf", "  ").is_err(),
            "a blank title is refused before encoding: NHCX answers PAYR-1036"
        );
        assert!(
            AttachmentBuilder::from_bytes(b"x", "", "t").is_err(),
            "data without contentType breaks FHIR invariant att-1"
        );
    }

    #[test]
    fn invalid_base64_is_reported_as_none() {
        assert!(measure_base64("not base64!").is_none(), "'!' is outside the base64 alphabet");
    }
}
