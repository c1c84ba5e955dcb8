// The mock backend is what dev:mock and the browser tests run against, so its script must
// behave like the contract says: checker findings block a send, the demo payer answers, and
// decisions and sums are exact.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ComposeForm } from "../bindings/ComposeForm";
import type { FindingView } from "../bindings/FindingView";
import type { ThreadDetail } from "../bindings/ThreadDetail";
import type { ThreadSummary } from "../bindings/ThreadSummary";
import { asSummary } from "../api/summary";
import { mul } from "../lib/decimal";
import { createMockBackend } from "./backend";

let events: { event: string; payload: unknown }[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  events = [];
});
afterEach(() => {
  vi.useRealTimers();
});

function backend() {
  return createMockBackend({ emit: (event, payload) => events.push({ event, payload }), now: () => new Date(Date.now()) });
}

const form: ComposeForm = {
  useCase: "preauth",
  recipient: "1000004178@sbx",
  workflowId: null,
  relatedCorrelationId: null,
  patientName: "Asha Kulkarni",
  patientGender: "female",
  patientBirthDate: null,
  patientAbha: null,
  policyNumber: "DPG-1",
  diagnoses: ["K35.80"],
  items: [
    { code: "A", description: "", quantity: "1", unitPrice: "0.10" },
    { code: "B", description: "", quantity: "2", unitPrice: "0.10" },
  ],
  attachments: [],
  note: null,
};

describe("mock backend", () => {
  it("reports checker findings by FHIR path and refuses to send with errors", async () => {
    const be = backend();
    const bad = { ...form, items: [{ code: "A", description: "", quantity: "1", unitPrice: "0" }] };
    const findings = (await be.handle("check_compose", { form: bad })) as FindingView[];
    expect(findings.map((f) => f.path), "a zero price is an error at the item's unitPrice").toEqual(["Claim.item[0].unitPrice"]);
    await expect(be.handle("send_compose", { form: bad }), "a send with errors is refused").rejects.toMatchObject({ code: "checker_failed" });
  });

  it("sends, then the demo payer dispatches and approves with exact amounts", async () => {
    const be = backend();
    const receipt = (await be.handle("send_compose", { form })) as { correlationId: string; state: string };
    expect(receipt.state, "the gateway acknowledged the send").toBe("acknowledged");
    await vi.advanceTimersByTimeAsync(2000);
    const d = (await be.handle("get_thread", { correlationId: receipt.correlationId })) as ThreadDetail;
    expect(d.timeline.map((n) => n.kind), "composed, acknowledged, dispatched, decided").toEqual(["composed", "acknowledged", "dispatched", "complete"]);
    expect(d.thread.requested, "0.10 + 2 × 0.10 is exactly 0.30").toBe("0.30");
    expect(d.thread.approved, "approved in full").toBe("0.30");
    expect(d.nextActions, "after a preauth decision the claim is next").toContain("submitClaim");
    expect(events.filter((e) => e.event === "messages-changed").length, "each change is announced").toBeGreaterThanOrEqual(3);
  });

  it("lets a TPA decide partly and moves the request out of the inbox", async () => {
    const be = backend();
    await be.handle("use_profile", { id: "arogya-tpa" });
    const inbox = (await be.handle("tpa_inbox", {})) as ThreadSummary[];
    const first = inbox[0];
    expect(first, "the TPA has requests waiting").toBeDefined();
    await expect(
      be.handle("decide", { form: { correlationId: first!.correlationId, outcome: "partial", items: [], reasons: [], note: null } }),
      "a partial decision needs a reason",
    ).rejects.toMatchObject({ code: "invalid_input" });
    const d = (await be.handle("get_thread", { correlationId: first!.correlationId })) as ThreadDetail;
    const request = asSummary(d.timeline[0]?.summary);
    const items = (request?.items ?? []).map((i) => ({ sequence: i.sequence ?? 0, approved: "1000.50", reason: null }));
    expect(items.length, "the incoming request's summary lists its items").toBeGreaterThan(0);
    await be.handle("decide", { form: { correlationId: first!.correlationId, outcome: "partial", items, reasons: ["Above the package rate"], note: null } });
    const after = (await be.handle("tpa_inbox", {})) as ThreadSummary[];
    expect(after.length, "the decided request left the inbox").toBe(inbox.length - 1);
    const decided = (await be.handle("get_thread", { correlationId: first!.correlationId })) as ThreadDetail;
    expect(decided.thread.state, "the state is partial").toBe("partial");
    expect(decided.thread.approved, "the approved sum is exact: 1000.50 per item").toBe(mul("1000.50", String(items.length)));
  });

  it("explains a malformed JWE in the inspector", async () => {
    const be = backend();
    const v = (await be.handle("inspect", { text: "a.b" })) as { errors: string[] };
    expect(v.errors[0], "the inspector says what is wrong").toMatch(/expected 5 dot-separated parts, found 2/);
    await expect(be.handle("nope", {}), "an unknown command rejects like Tauri does, with a string").rejects.toBe("command nope not found");
  });
});
