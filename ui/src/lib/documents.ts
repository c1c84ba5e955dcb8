// Attachments of a registration (signatory letter, empanelment proof, address proof): the
// `Document` JSON of hcx-onboard, `{title, content_type, size, sha256, data}`, where `data` is
// standard base64 of the bytes and `sha256` the lower-case hex digest the operator checks.

import { formatBytes } from "./files";

export interface RegistrationDocument {
  title: string;
  content_type: string;
  size: number;
  sha256: string;
  data: string;
}

/** Types the operator can open; the same list as hcx-onboard's ALLOWED_CONTENT_TYPES. */
export const DOCUMENT_TYPES = ["application/pdf", "image/jpeg", "image/png"] as const;

/** 10 MiB, hcx-onboard's MAX_DOCUMENT_BYTES. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** Standard base64 (with padding) of bytes, in chunks so large files do not overflow the stack. */
export function base64Standard(bytes: Uint8Array): string {
  let bin = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(bin);
}

/** Lower-case hex SHA-256, with the Web Crypto API (browsers, the webview and Node 20). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as unknown as ArrayBuffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The document JSON of `bytes`; rejects with a sentence when the type or size is refused. */
export async function documentFromBytes(title: string, contentType: string, bytes: Uint8Array): Promise<RegistrationDocument> {
  const problem = documentProblem(contentType, bytes.length);
  if (problem) throw new Error(problem);
  return { title, content_type: contentType, size: bytes.length, sha256: await sha256Hex(bytes), data: base64Standard(bytes) };
}

/** Why a file cannot be attached, or null. */
export function documentProblem(contentType: string, size: number): string | null {
  if (!(DOCUMENT_TYPES as readonly string[]).includes(contentType)) {
    return `Attach a PDF, JPEG or PNG file (this one is ${contentType || "of unknown type"}).`;
  }
  if (size === 0) return "The file is empty.";
  if (size > MAX_DOCUMENT_BYTES) return `The file is ${formatBytes(size)}; the limit is 10 MB.`;
  return null;
}

/** A browser File as a document (its name is the title). */
export async function documentFromFile(file: File): Promise<RegistrationDocument> {
  const problem = documentProblem(file.type, file.size);
  if (problem) throw new Error(problem);
  return documentFromBytes(file.name, file.type, new Uint8Array(await file.arrayBuffer()));
}

/** Whether a JSON value is an attached document (what the form shows instead of a file input). */
export function isDocument(v: unknown): v is RegistrationDocument {
  if (typeof v !== "object" || v === null) return false;
  const d = v as Record<string, unknown>;
  return typeof d.title === "string" && typeof d.sha256 === "string" && typeof d.size === "number";
}
