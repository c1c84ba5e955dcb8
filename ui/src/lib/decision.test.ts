import { describe, expect, it } from "vitest";
import { approvedTotal, decisionProblems, impliedOutcome, initialRows, toDecisionForm } from "./decision";

const inr = (value: string) => ({ value, currency: "INR" });
const row = (sequence: number, code: string, description: string, quantity: string, unitPrice: string, net: string) => ({
  sequence,
  code,
  description,
  quantity,
  unitPrice: inr(unitPrice),
  requested: inr(net),
  eligible: null,
  copay: null,
  approved: null,
  notes: [],
});
const items = [row(1, "SU016A", "Appendicectomy", "1", "62000.00", "62000.00"), row(2, "RM01", "Ward", "2", "4500.00", "9000.00")];

describe("reviewer decisions", () => {
  it("starts with everything approved in full", () => {
    const rows = initialRows(items);
    expect(rows.map((r) => r.approved), "approved starts at the requested amount").toEqual(["62000.00", "9000.00"]);
    expect(impliedOutcome(rows), "all in full is an approval").toBe("approve");
    expect(approvedTotal(rows), "exact total").toBe("71000.00");
  });

  it("implies partial when an amount is cut and reject when all are zero", () => {
    const rows = initialRows(items);
    rows[1]!.approved = "4,500.50";
    expect(impliedOutcome(rows), "one item cut").toBe("partial");
    expect(approvedTotal(rows), "62000 + 4500.50, separators ignored").toBe("66500.50");
    rows[0]!.approved = "0";
    rows[1]!.approved = "0.00";
    expect(impliedOutcome(rows), "nothing approved").toBe("reject");
  });

  it("blocks amounts above the request and partials without a reason", () => {
    const rows = initialRows(items);
    rows[0]!.approved = "70000";
    rows[1]!.approved = "abc";
    const p = decisionProblems("partial", rows, [], "");
    expect(p.get("1"), "cannot approve more than asked").toBe("More than requested");
    expect(p.get("2"), "garbage is not an amount").toBe("Not an amount");
    expect(p.get(""), "a partial approval needs a reason").toMatch(/reason/);
    expect(decisionProblems("approve", initialRows(items), [], "").size, "a full approval needs nothing more").toBe(0);
  });

  it("builds the form the backend receives", () => {
    const rows = initialRows(items);
    rows[1]!.approved = "4500";
    rows[1]!.reason = " Room rent cap ";
    const f = toDecisionForm("c1", "partial", rows, ["Room rent above the eligible limit"], "");
    expect(f.items, "per-item amounts and trimmed reasons").toEqual([
      { sequence: 1, approved: "62000.00", reason: null },
      { sequence: 2, approved: "4500", reason: "Room rent cap" },
    ]);
    expect(f.note, "an empty note is null").toBe(null);
    expect(toDecisionForm("c1", "reject", rows, ["x"], "").items.every((i) => i.approved === "0.00"), "a rejection approves nothing").toBe(true);
  });
});
