// The summary helpers on hcx-fhir's real output: its snapshot files are what the backend sends.

import { describe, expect, it } from "vitest";
import type { Summary, TimelineNode } from "../api";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import { keyPaths, snapshot, snapshotJson, snapshotNames } from "../testing/snapshots";
import { isDecimal } from "./decimal";
import { decisionTone, formFromSummary, identifier, itemRows, latestDecision, requestSummary } from "./summary";

function node(summary: Summary | null, kind: string): TimelineNode {
  return {
    apiCallId: kind,
    kind,
    at: "2026-11-21T10:00:00Z",
    direction: "out",
    action: "/claim/submit",
    sender: "a",
    recipient: "b",
    protocolStatus: null,
    amount: null,
    headline: "",
    headers: {},
    gatewayAnswer: null,
    summary,
    fhir: null,
    error: null,
  };
}

/** Every object under `v` that looks like an Amount ({value, currency}). */
function amounts(v: JsonValue, out: JsonValue[] = []): JsonValue[] {
  if (Array.isArray(v)) v.forEach((x) => amounts(x, out));
  else if (typeof v === "object" && v !== null) {
    if ("currency" in v && "value" in v) out.push(v.value ?? null);
    Object.values(v).forEach((x) => amounts(x ?? null, out));
  }
  return out;
}

describe("the summary contract", () => {
  it("every snapshot of the backend is a summary whose amounts are exact decimal strings", () => {
    const names = snapshotNames();
    expect(names.length, "hcx-fhir snapshots its fixtures and builder outputs").toBeGreaterThanOrEqual(20);
    for (const name of names) {
      expect(() => snapshot(name), `${name}: the UI accepts it as a summary`).not.toThrow();
      for (const value of amounts(snapshotJson(name))) {
        expect(typeof value === "string" && isDecimal(value), `${name}: ${JSON.stringify(value)} is a decimal string, never a float`).toBe(true);
      }
    }
  });

  it("quantities and percentages are strings too, and nothing else is a number but counts", () => {
    const numbers = new Set<string>();
    for (const name of snapshotNames()) {
      for (const p of keyPaths(snapshotJson(name))) {
        if (p.endsWith(":number")) numbers.add(p.replace(/:number$/, ""));
      }
    }
    expect([...numbers].sort(), "only item sequence numbers and attachment sizes are JSON numbers").toEqual(["attachments[].size", "items[].sequence"]);
  });
});

describe("reading a summary", () => {
  it("prefills a claim form from a real preauth: ABHA number, policy, diagnoses, exact prices", () => {
    const form = formFromSummary(snapshot("built_preauth"));
    expect(form.patientName, "the patient's name").toBe("Asha Devi");
    expect(form.patientAbha, "the ABHA number is the HIN identifier, not the ABHA address").toBe("91-1234-5678-9012");
    expect(form.policyNumber, "the policy number").toBe("POL/2026/000123");
    expect(form.diagnoses, "diagnosis codes").toEqual(["K35.80"]);
    expect(form.items, "items keep their exact quantity and unit price strings").toEqual([
      { code: "SG039A", description: "Appendicectomy (open)", quantity: "1", unitPrice: "25000.00" },
      { code: "WARD-GEN", description: "General ward stay per day", quantity: "3", unitPrice: "1500.50" },
      { code: "MED-CEFTRI-1G", description: "Ceftriaxone 1 g injection", quantity: "10", unitPrice: "12.35" },
    ]);
  });

  it("gives a payer's adjudication the request's descriptions, by item number", () => {
    const rows = itemRows(snapshot("built_claim_response_partial"), snapshot("built_claim"));
    const ward = rows[1];
    expect(ward?.description, "the response names items by sequence only; the claim describes them").toBe("General ward stay per day");
    expect(ward?.unitPrice?.value, "and gives their unit price").toBe("1500.50");
    expect(ward?.requested?.value, "what was asked for the item").toBe("4501.50");
    expect(ward?.approved?.value, "the payer's benefit line is what was approved").toBe("3000.00");
    expect(ward?.notes, "the adjudication reason").toEqual(["Plan Limit Reached"]);
    expect(rows[0]?.copay?.value, "the patient's share of item 1").toBe("2500.00");
    const alone = itemRows(snapshot("built_claim_response_partial"));
    expect(alone[1]?.description, "without the request there is nothing to describe the item with").toBe("");
  });

  it("finds the request and the latest decision in a timeline", () => {
    const claim = snapshot("built_claim");
    const query = snapshot("built_communication_request");
    const response = snapshot("built_claim_response_partial");
    const detail = { timeline: [node(null, "composed"), node(query, "query"), node(claim, "sent"), node(response, "partial"), node(snapshot("built_payment_notice"), "payment")] };
    expect(requestSummary(detail)?.kind, "the request is the claim, even after a message that names the patient").toBe("Claim");
    expect(latestDecision(detail)?.amounts.approved?.value, "the latest decision is the payer's response").toBe("25623.50");
    expect(requestSummary({ timeline: [node(null, "queued")] }), "no summaries, no request").toBe(null);
  });

  it("reads identifiers and decision tones", () => {
    const p = snapshot("built_preauth").patient;
    expect(identifier(p?.identifiers, "MR"), "the medical record number").toBe("MRN-2026-0042");
    expect(identifier(p?.identifiers, "PMJAY"), "an identifier it does not have").toBe(null);
    expect(decisionTone(snapshot("built_preauth_response_approved").decision?.status ?? ""), "approved is good news").toBe("ok");
    expect(decisionTone(snapshot("built_claim_response_partial").decision?.status ?? ""), "partial needs attention").toBe("warning");
    expect(decisionTone(snapshot("built_claim_response_rejected").decision?.status ?? ""), "rejected is bad news").toBe("error");
    expect(decisionTone(snapshot("built_eligibility_response").decision?.status ?? ""), "in force is good news").toBe("ok");
  });
});
