import { describe, expect, it } from "vitest";
import type { TimelineNode } from "../bindings/TimelineNode";
import { formFromSummary, latestDecision, readSummary, requestSummary } from "./summary";

const preauth = {
  resourceType: "Claim",
  use: "preauthorization",
  patient: { name: "Ravi Kumar", gender: "male", birthDate: "1980-04-02", abha: "91-1234-5678-9012" },
  policy: { number: "POL-778812", insurer: "Demo Payer" },
  diagnoses: [{ code: "K35.80", display: "Acute appendicitis" }],
  items: [
    { sequence: 1, code: "SU016A", description: "Appendicectomy", quantity: "1", unitPrice: "45000.00" },
    { sequence: 2, code: "RM01", description: "Ward stay", quantity: "3", unitPrice: "2500.50" },
  ],
  total: "52501.50",
  hospitalNote: "bed 12",
};

function node(summary: unknown, kind = "sent"): TimelineNode {
  return {
    apiCallId: kind,
    kind,
    at: "2026-11-21T10:00:00Z",
    direction: "out",
    action: "/preauth/submit",
    sender: "a",
    recipient: "b",
    protocolStatus: null,
    amount: null,
    headline: "",
    headers: {},
    gatewayAnswer: null,
    summary: summary as TimelineNode["summary"],
    fhir: null,
    error: null,
  };
}

describe("reading a FHIR summary", () => {
  it("reads the known keys and keeps the unknown ones", () => {
    const s = readSummary(preauth);
    expect(s?.patient?.name, "the patient's name").toBe("Ravi Kumar");
    expect(s?.policyNumber, "the policy number under policy.number").toBe("POL-778812");
    expect(s?.items[1]?.unitPrice, "amounts stay exact strings").toBe("2500.50");
    expect(s?.other, "an unknown key is still shown, never hidden").toEqual([
      ["hospitalNote", "bed 12"],
    ]);
  });

  it("survives wrong types and missing keys", () => {
    const s = readSummary({ items: "oops", reasons: [1, { display: "Not covered" }, null], patient: "A B" });
    expect(s?.items, "items that are not a list are ignored").toEqual([]);
    expect(s?.reasons, "reasons may be text, numbers or codings").toEqual(["1", "Not covered"]);
    expect(s?.patient?.name, "a patient given as plain text").toBe("A B");
    expect(readSummary(null), "no summary").toBe(null);
    expect(readSummary([1, 2]), "a list is not a summary").toBe(null);
  });

  it("finds the request and the latest decision in a timeline", () => {
    const decision = { outcome: "complete", items: [{ sequence: 1, approved: "45000.00" }] };
    const detail = { timeline: [node(null, "composed"), node(preauth), node(decision, "complete")] };
    expect(requestSummary(detail)?.items.length, "the first node with items is the request").toBe(2);
    expect(latestDecision(detail)?.items[0]?.approved, "the last node with approvals").toBe(
      "45000.00",
    );
  });

  it("prefills a compose form from a preauth summary", () => {
    const s = readSummary(preauth);
    expect(s, "the fixture is a summary").not.toBe(null);
    const form = formFromSummary(s!);
    expect(form.items, "items carry over with exact prices").toEqual([
      { code: "SU016A", description: "Appendicectomy", quantity: "1", unitPrice: "45000.00" },
      { code: "RM01", description: "Ward stay", quantity: "3", unitPrice: "2500.50" },
    ]);
    expect(form.diagnoses, "diagnosis codes carry over").toEqual(["K35.80"]);
    expect(form.patientAbha, "the ABHA number carries over").toBe("91-1234-5678-9012");
  });
});
