//! Documents attached to an application (signatory letters, approval letters, empanelment
//! proofs, address proofs): title, content type, size and SHA-256 travel with the base64 data
//! so the operator can check integrity and show a payer what it is approving.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest document accepted (decoded): 10 MiB, enough for a scanned multi-page letter.
pub const MAX_DOCUMENT_BYTES: u64 = 10 * 1024 * 1024;

/// Content types an operator can open and show.
pub const ALLOWED_CONTENT_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

/// One attachment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// What it is ("Authorised signatory letter").
    pub title: String,
    /// MIME type.
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the decoded bytes.
    pub sha256: String,
    /// Standard base64 of the bytes.
    pub data: String,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The data can be megabytes; print what identifies it.
        f.debug_struct("Document")
            .field("title", &self.title)
            .field("content_type", &self.content_type)
            .field("size", &self.size)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

impl Document {
    /// Builds a document from its bytes, computing size and hash.
    pub fn from_bytes(title: &str, content_type: &str, bytes: &[u8]) -> Self {
        Self {
            title: title.to_string(),
            content_type: content_type.to_string(),
            size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            sha256: sha256_hex(bytes),
            data: STANDARD.encode(bytes),
        }
    }

    /// The decoded bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        STANDARD.decode(self.data.trim()).map_err(|_| "the file data is not valid base64".into())
    }

    /// Problems with this document, as plain messages (empty when fine).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() {
            out.push("Give the document a title".to_string());
        }
        if !ALLOWED_CONTENT_TYPES.contains(&self.content_type.as_str()) {
            out.push(format!(
                "Attach a PDF, JPEG or PNG file (this one is {:?})",
                self.content_type
            ));
        }
        // Check the declared size before decoding so an oversized upload is refused cheaply.
        if self.size > MAX_DOCUMENT_BYTES
            || u64::try_from(self.data.len()).unwrap_or(u64::MAX) > MAX_DOCUMENT_BYTES / 3 * 4 + 4
        {
            out.push("The file is larger than 10 MB; attach a smaller scan".to_string());
            return out;
        }
        match self.bytes() {
            Err(m) => out.push(format!("The file could not be read: {m}")),
            Ok(b) if b.is_empty() => out.push("The file is empty".to_string()),
            Ok(b) => {
                if u64::try_from(b.len()).ok() != Some(self.size) {
                    out.push(
                        "The file's size does not match what was declared; attach it again"
                            .to_string(),
                    );
                }
                if sha256_hex(&b) != self.sha256.to_ascii_lowercase() {
                    out.push(
                        "The file was changed or damaged after it was attached (its SHA-256 \
                              does not match); attach it again"
                            .to_string(),
                    );
                }
            }
        }
        out
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
