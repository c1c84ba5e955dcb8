import { describe, expect, it } from "vitest";
import type { ThreadSummary } from "../bindings/ThreadSummary";
import { actionLabel, deriveOffers } from "./actions";
import { ALL_NODE_KINDS, nodeLabel, stateLabel, useCaseLabel } from "./labels";

describe("timeline node kinds", () => {
  it("gives every kind of the contract its own icon and label", () => {
    const contractKinds = [
      "composed",
      "queued",
      "sent",
      "acknowledged",
      "dispatched",
      "partial",
      "query",
      "answer",
      "complete",
      "error",
      "redirect",
      "payment",
      "unreadable",
    ];
    expect(ALL_NODE_KINDS, "the table covers exactly the kinds dto.rs documents").toEqual(
      contractKinds,
    );
    const icons = new Set(contractKinds.map((k) => nodeLabel(k).icon));
    expect(icons.size, "each kind is told apart at a glance by its icon").toBe(contractKinds.length);
    expect(icons.has("dot"), "no known kind uses the fallback icon").toBe(false);
  });

  it("colours outcomes", () => {
    expect(nodeLabel("error").tone, "errors are red").toBe("danger");
    expect(nodeLabel("query").tone, "a query needs attention").toBe("warn");
    expect(nodeLabel("payment").label, "payment is named plainly").toBe("Payment");
  });

  it("falls back for an unknown kind", () => {
    expect(nodeLabel("cancelled"), "a new backend kind still renders").toEqual({
      icon: "dot",
      label: "Cancelled",
      tone: "neutral",
    });
  });
});

describe("states and use cases", () => {
  it("labels states for the queue's chips", () => {
    expect(stateLabel("dispatched").label, "dispatched means the payer has it").toBe("With payer");
    expect(stateLabel("rejected").tone, "a rejection is red").toBe("danger");
    expect(stateLabel("paid").tone, "paid is the happy end").toBe("ok");
    expect(stateLabel("weird").label, "unknown states are shown by name").toBe("Weird");
  });

  it("labels use cases", () => {
    expect(useCaseLabel("coverageeligibility"), "the long code gets a short name").toBe(
      "Eligibility",
    );
    expect(useCaseLabel("paymentnotice"), "two words").toBe("Payment notice");
  });
});

describe("next actions", () => {
  const thread: ThreadSummary = {
    correlationId: "c/1",
    workflowId: null,
    useCase: "preauth",
    direction: "outgoing",
    counterparty: "payer-1",
    counterpartyName: null,
    state: "query",
    patient: null,
    requested: null,
    approved: null,
    settled: null,
    currency: null,
    openedAt: "2026-11-21T10:00:00Z",
    updatedAt: "2026-11-21T10:00:00Z",
    dueAt: null,
  };

  it("offers actions in priority order with the first one primary", () => {
    const offers = deriveOffers({ thread, nextActions: ["askStatus", "answerQuery"] });
    expect(offers.map((o) => o.id), "answering a query outranks asking for status").toEqual([
      "answerQuery",
      "askStatus",
    ]);
    expect(offers.map((o) => o.primary), "only the first is the primary button").toEqual([
      true,
      false,
    ]);
    expect(offers[0]?.route, "the answer form opens for this cycle, id URL-encoded").toBe(
      "/answer/c%2F1",
    );
    expect(offers[1]?.route, "asking for status is a command, not a form").toBe(null);
  });

  it("prefills a claim from its preauth", () => {
    const [offer] = deriveOffers({ thread, nextActions: ["submitClaim"] });
    expect(offer?.label, "the clerk's words").toBe("Submit claim");
    expect(offer?.route, "the claim form knows the preauth it comes from").toBe(
      "/compose/claim?from=c%2F1",
    );
  });

  it("offers a failed cycle both an unchanged resend and an edited one", () => {
    const offers = deriveOffers({ thread, nextActions: ["retry"] });
    expect(offers.map((o) => o.id), "the backend's one `retry` is two choices for the clerk").toEqual(["sendAgain", "retry"]);
    expect(offers[0]?.route, "sending again unchanged is a command (the `retry` command)").toBe(null);
    expect(offers[1]?.route, "editing opens the form copied from the failed cycle").toBe("/compose/retry?from=c%2F1");
  });

  it("drops actions the UI does not know", () => {
    expect(deriveOffers({ thread, nextActions: ["teleport"] }), "no form, no offer").toEqual([]);
    expect(actionLabel("acknowledgePayment"), "known label").toBe("Acknowledge payment");
    expect(actionLabel("teleport"), "unknown ids are shown as they are").toBe("teleport");
  });
});
