import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { base64Standard, documentFromBytes, documentProblem, isDocument, sha256Hex } from "./documents";

describe("registration documents", () => {
  it("encodes standard base64 with padding, like Rust's STANDARD engine", () => {
    expect(base64Standard(new TextEncoder().encode("hi?")), "three bytes need no padding, and '?' lands on the standard alphabet's '/' (not base64url's '_')").toBe("aGk/");
    expect(base64Standard(new Uint8Array([0xfb, 0xff])), "standard alphabet (+ and /), padded").toBe("+/8=");
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(base64Standard(big), "chunked encoding equals Node's for a file larger than one chunk").toBe(Buffer.from(big).toString("base64"));
  });

  it("hashes with SHA-256 in lower-case hex", async () => {
    expect(await sha256Hex(new TextEncoder().encode("abc")), "the FIPS 180-2 test vector for 'abc'").toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("builds the document JSON the operator checks: size, hash and data agree", async () => {
    const bytes = new Uint8Array(3000).map((_, i) => (i * 7) % 256);
    const d = await documentFromBytes("Empanelment letter.pdf", "application/pdf", bytes);
    expect(d.size, "the decoded size").toBe(3000);
    expect(d.sha256, "the digest of the bytes, as Node computes it").toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(Buffer.from(d.data, "base64").equals(Buffer.from(bytes)), "the data decodes back to the bytes").toBe(true);
    expect(isDocument(d), "a built document is recognised as one").toBe(true);
    expect(isDocument({ title: "x" }), "a half object is not").toBe(false);
  });

  it("refuses types and sizes the operator refuses", async () => {
    expect(documentProblem("text/plain", 10), "only PDF, JPEG and PNG").toMatch(/PDF, JPEG or PNG/);
    expect(documentProblem("application/pdf", 0), "an empty file").toMatch(/empty/);
    expect(documentProblem("image/png", 11 * 1024 * 1024), "above 10 MB").toMatch(/limit is 10 MB/);
    expect(documentProblem("image/jpeg", 1024), "a small JPEG is fine").toBeNull();
    await expect(documentFromBytes("a.txt", "text/plain", new Uint8Array([1])), "building a refused document rejects").rejects.toThrow(/PDF, JPEG or PNG/);
  });
});
