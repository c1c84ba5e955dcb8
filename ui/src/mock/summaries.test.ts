// The mock's summaries against the backend's: each has the kind hcx-fhir gives the same message,
// and uses only key paths (with their JSON types) that hcx-fhir's summary of such a message has.

import { describe, expect, it } from "vitest";
import type { Summary } from "../bindings/fhir/Summary";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import { keyPaths, snapshotJson } from "../testing/snapshots";
import {
  claimResponseSummary,
  cycleFacts,
  eligibilityResponseSummary,
  paymentNoticeSummary,
  queryReplySummary,
  queryRequestSummary,
  requestSummary,
  type RequestInput,
} from "./summaries";

const payer = { code: "1000004178@sbx", name: "Demo Payer General Insurance" };
const provider = { code: "1000003538@sbx", name: "Sunrise Multispeciality Hospital" };

function request(useCase: string): Summary {
  const input: RequestInput = {
    useCase,
    claimNumber: "CLM-1",
    focalId: "f-1",
    created: "2026-11-21T10:00:00Z",
    patientName: "Asha Kulkarni",
    patientGender: "female",
    patientBirthDate: "1981-04-12",
    patientAbha: "91-1234-5678-9012",
    policyNumber: "DPG-440011",
    payer,
    provider,
    diagnoses: ["K35.80"],
    items: [
      { code: "SU016A", description: "Laparoscopic appendicectomy", quantity: "1", unitPrice: "45000.00" },
      { code: "RM01", description: "Semi-private ward (per day)", quantity: "3", unitPrice: "2500.50" },
    ],
    attachments: [{ title: "scan.pdf", contentType: "application/pdf", dataBase64: "JVBERi0=" }],
  };
  return requestSummary(input);
}

/** The mock's paths that hcx-fhir's summary of the same kind of message does not have. */
function invented(mock: Summary, ...snapshots: string[]): string[] {
  const real = new Set(snapshots.flatMap((n) => [...keyPaths(snapshotJson(n))]));
  return [...keyPaths(JSON.parse(JSON.stringify(mock)) as JsonValue)].filter((p) => !real.has(p));
}

describe("the mock backend's summaries", () => {
  const preauth = request("preauth");
  const facts = cycleFacts("preauth", preauth, payer, provider);
  const claimFacts = cycleFacts("claim", request("claim"), payer, provider);
  const decided = [
    { sequence: 1, requested: "45000.00", approved: "45000.00", reason: null },
    { sequence: 2, requested: "7501.50", approved: "6000.00", reason: "Capped at package rate" },
  ];
  const cases: [string, Summary, string, string[]][] = [
    ["a preauth", preauth, "Preauthorisation request", ["built_preauth"]],
    ["a claim", request("claim"), "Claim", ["built_claim"]],
    ["an eligibility check", request("coverageeligibility"), "Eligibility request", ["built_eligibility_request"]],
    [
      "a partial approval",
      claimResponseSummary(claimFacts, "r-1", decided, { outcome: "partial", disposition: "Approved in part", reasons: ["Above the package rate"], notes: ["Room rent capped"], preAuthRef: null }),
      "Claim response",
      ["built_claim_response_partial"],
    ],
    [
      "a preauth approval",
      claimResponseSummary(facts, "r-2", decided.map((d) => ({ ...d, approved: d.requested, reason: null })), { outcome: "complete", disposition: "Approved", reasons: [], notes: [], preAuthRef: "PA-1" }),
      "Preauthorisation response",
      ["built_preauth_response_approved"],
    ],
    [
      "a rejection from a bundle that needed guessing",
      claimResponseSummary(claimFacts, "r-4", decided.map((d) => ({ ...d, approved: "0.00" })), { outcome: "complete", disposition: "Rejected", reasons: ["Policy lapsed"], notes: [], preAuthRef: null, remarks: ["The patient reference Patient/1 points outside the bundle."] }),
      "Claim response",
      ["built_claim_response_rejected", "fixture_claimresponse"],
    ],
    ["an eligibility answer", eligibilityResponseSummary(cycleFacts("coverageeligibility", request("coverageeligibility"), payer, provider), "r-3", "In force"), "Eligibility response", ["built_eligibility_response"]],
    ["a query", queryRequestSummary(facts, "q-1", ["Discharge summary"]), "Request for information", ["built_communication_request"]],
    ["a reply", queryReplySummary(facts, "a-1", "Attached.", [{ title: "a.pdf", contentType: "application/pdf", dataBase64: "JVBERi0=" }]), "Reply to a request for information", ["built_communication"]],
    ["a payment notice", paymentNoticeSummary(claimFacts, "p-1", "52501.50", "2026-11-25", "UTR1"), "Payment notice", ["built_payment_notice"]],
  ];

  for (const [what, mock, kind, real] of cases) {
    it(`summarise ${what} as hcx-fhir does`, () => {
      expect(mock.kind, `${what}: the backend calls it "${kind}"`).toBe(kind);
      expect(invented(mock, ...real), `${what}: every key path and JSON type is one hcx-fhir's summary (${real.join(", ")}) has`).toEqual([]);
    });
  }

  it("compute exact totals and the backend's decision words", () => {
    const s = cases[3]?.[1];
    expect(s?.amounts.requested?.value, "45000.00 + 3 × 2500.50").toBe("52501.50");
    expect(s?.amounts.approved?.value, "45000.00 + 6000.00").toBe("51000.00");
    expect(s?.decision?.status, "less than asked is a partial approval").toBe("partially approved");
    expect(s?.decision?.reasons, "header reasons, then item reasons numbered like hcx-fhir's").toEqual(["Above the package rate", "Item 2: Capped at package rate"]);
    expect(preauth.attachments?.[0]?.size, "the size is of the decoded bytes (%PDF-)").toBe(5);
  });
});
