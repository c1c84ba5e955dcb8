// A reviewer's decision on an incoming request: per-item approved amounts, the outcome they
// imply, and the checks before sending. Amounts are exact decimal strings throughout.

import type { DecisionForm } from "../bindings/DecisionForm";
import { compare, isDecimal, normalizeAmountInput, sum } from "./decimal";
import type { ItemRow } from "./summary";

export type Outcome = "approve" | "partial" | "reject";

export interface DecisionRow {
  sequence: number;
  code: string;
  description: string;
  requested: string;
  approved: string;
  reason: string;
}

export const DECISION_REASONS = [
  "Not covered under the policy",
  "Above the package rate",
  "Room rent above the eligible limit",
  "Non-medical items are not payable",
  "Waiting period not completed",
  "Pre-existing disease exclusion",
  "Policy not in force on the admission date",
  "Sum insured exhausted",
  "Documents insufficient",
  "Treatment not medically necessary",
];

export const DOCUMENT_CHOICES = [
  "Discharge summary",
  "Final bill with break-up",
  "Investigation reports",
  "Treating doctor's notes",
  "Radiology report",
  "Implant invoice and sticker",
  "Indoor case papers",
  "Patient ID proof",
];

/** One row per requested item, approved in full to start with. */
export function initialRows(items: ItemRow[]): DecisionRow[] {
  return items.map((it) => {
    const requested = it.requested?.value ?? it.unitPrice?.value ?? "0";
    return {
      sequence: it.sequence,
      code: it.code,
      description: it.description,
      requested,
      approved: requested,
      reason: "",
    };
  });
}

/** The outcome the amounts imply: everything in full, nothing, or something in between. */
export function impliedOutcome(rows: DecisionRow[]): Outcome {
  const valid = rows.filter((r) => isDecimal(normalizeAmountInput(r.approved)));
  if (rows.length > 0 && valid.length === rows.length) {
    if (rows.every((r) => compare(normalizeAmountInput(r.approved), r.requested) >= 0)) return "approve";
    if (rows.every((r) => compare(normalizeAmountInput(r.approved), "0") === 0)) return "reject";
  }
  return "partial";
}

export function approvedTotal(rows: DecisionRow[]): string {
  return sum(rows.map((r) => normalizeAmountInput(r.approved)).filter(isDecimal));
}

/** Problems that block sending, by row sequence ("" for the form as a whole). */
export function decisionProblems(outcome: Outcome, rows: DecisionRow[], reasons: string[], note: string): Map<string, string> {
  const out = new Map<string, string>();
  if (outcome !== "reject") {
    for (const r of rows) {
      const a = normalizeAmountInput(r.approved);
      if (!isDecimal(a)) out.set(String(r.sequence), "Not an amount");
      else if (compare(a, "0") < 0) out.set(String(r.sequence), "Cannot be negative");
      else if (compare(a, r.requested) > 0) out.set(String(r.sequence), "More than requested");
    }
  }
  if (outcome !== "approve" && reasons.length === 0 && note.trim() === "") {
    out.set("", outcome === "reject" ? "Give a reason for the rejection." : "Give a reason for the partial approval.");
  }
  return out;
}

export function toDecisionForm(correlationId: string, outcome: Outcome, rows: DecisionRow[], reasons: string[], note: string): DecisionForm {
  return {
    correlationId,
    outcome,
    items: rows.map((r) => ({
      sequence: r.sequence,
      approved: outcome === "reject" ? "0.00" : outcome === "approve" ? r.requested : normalizeAmountInput(r.approved),
      reason: r.reason.trim() || null,
    })),
    reasons,
    note: note.trim() || null,
  };
}
