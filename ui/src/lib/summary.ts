// Reading hcx-fhir's summary of a payload (TimelineNode.summary, InspectView.summary) for the
// screens: the request a cycle started with, the latest decision, item rows that put a response's
// adjudication next to the request's items, and the compose-form fields a summary can prefill.
//
// The summary's shape is the generated `Summary` (src/bindings/fhir/, from hcx_fhir::Summary);
// src/api types it. Every amount is a decimal string, so the arithmetic here is lib/decimal's.

import type { ComposeForm } from "../bindings/ComposeForm";
import type { AdjudicationSummary, Amount, IdSummary, ItemSummary, Summary, ThreadDetail } from "../api";

/** The adjudication categories a row has columns for; any other is listed with the reasons. */
const ROW_CATEGORIES = new Set(["submitted", "eligible", "benefit", "copay"]);

/** One billed item as the Summary tab and the reviewer show it. */
export interface ItemRow {
  sequence: number;
  code: string;
  description: string;
  quantity: string | null;
  unitPrice: Amount | null;
  /** What was asked for this item: its net, else the payer's `submitted` line. */
  requested: Amount | null;
  eligible: Amount | null;
  copay: Amount | null;
  /** The payer's `benefit` line, when it adjudicated the item. */
  approved: Amount | null;
  /** The adjudication's reasons, and lines with no column (`eligpercent 80`, `deductible ₹500`). */
  notes: string[];
}

/** True when the summary is of a request (a claim, preauth, predetermination or eligibility check). */
export function isRequest(s: Summary): boolean {
  const t = s.focal?.resourceType;
  return t === "Claim" || t === "CoverageEligibilityRequest";
}

function line(item: ItemSummary, category: string): AdjudicationSummary | undefined {
  return (item.adjudication ?? []).find((a) => a.category === category);
}

function otherLine(a: AdjudicationSummary): string | null {
  if (ROW_CATEGORIES.has(a.category)) {
    return null;
  }
  const v = a.amount ? `${a.amount.value} ${a.amount.currency}` : a.value;
  return v ? `${a.category} ${v}` : null;
}

/**
 * The rows of a summary's items. A payer's response names its items by sequence only; `request`
 * (the summary the cycle started with) supplies their codes, descriptions, quantities and prices.
 */
export function itemRows(s: Summary, request?: Summary | null): ItemRow[] {
  const asked = new Map<number, ItemSummary>();
  for (const it of request?.items ?? []) {
    if (it.sequence !== undefined) asked.set(it.sequence, it);
  }
  return (s.items ?? []).map((it, i) => {
    const sequence = it.sequence ?? i + 1;
    const base = asked.get(sequence);
    const reasons = (it.adjudication ?? []).map((a) => a.reason).filter((r): r is string => !!r);
    const others = (it.adjudication ?? []).map(otherLine).filter((r): r is string => r !== null);
    return {
      sequence,
      code: it.code ?? base?.code ?? "",
      description: it.description ?? base?.description ?? "",
      quantity: it.quantity ?? base?.quantity ?? null,
      unitPrice: it.unitPrice ?? base?.unitPrice ?? null,
      requested: it.net ?? line(it, "submitted")?.amount ?? base?.net ?? null,
      eligible: line(it, "eligible")?.amount ?? null,
      copay: line(it, "copay")?.amount ?? null,
      approved: line(it, "benefit")?.amount ?? null,
      notes: [...new Set([...reasons, ...others])],
    };
  });
}

/** The value of the first identifier of one of `kinds` (`HIN`, `MR`, ...). */
export function identifier(ids: IdSummary[] | undefined, ...kinds: string[]): string | null {
  return (ids ?? []).find((i) => i.kind !== undefined && kinds.includes(i.kind))?.value ?? null;
}

/**
 * The request a cycle started with: the first summary of a claim or eligibility request in
 * timeline order, else the first that names a patient or items. Used to prefill a claim from a
 * preauth, to give a response's items their descriptions, and to list what a reviewer decides on.
 */
export function requestSummary(detail: Pick<ThreadDetail, "timeline">): Summary | null {
  const all = detail.timeline.map((n) => n.summary).filter((s): s is Summary => s !== null);
  return all.find(isRequest) ?? all.find((s) => (s.items ?? []).length > 0 || s.patient !== undefined) ?? null;
}

/** The latest decision on a cycle: the last summary that carries one. */
export function latestDecision(detail: Pick<ThreadDetail, "timeline">): Summary | null {
  for (let i = detail.timeline.length - 1; i >= 0; i -= 1) {
    const s = detail.timeline[i]?.summary;
    if (s?.decision) {
      return s;
    }
  }
  return null;
}

/** "approved", "partially approved", "queried", "rejected", "in force", ... → a banner tone. */
export function decisionTone(status: string): "ok" | "warning" | "error" | "info" {
  const d = status.toLowerCase();
  if (d === "error" || d.includes("reject") || d === "not in force") return "error";
  if (d.includes("partial") || d.includes("quer")) return "warning";
  if (d === "approved" || d === "in force") return "ok";
  return "info";
}

/** The parts of a compose form a summary can fill: patient, policy, diagnoses and items. */
export function formFromSummary(
  s: Summary,
): Pick<
  ComposeForm,
  "patientName" | "patientGender" | "patientBirthDate" | "patientAbha" | "policyNumber" | "diagnoses" | "items"
> {
  return {
    patientName: s.patient?.name ?? "",
    patientGender: s.patient?.gender ?? "",
    patientBirthDate: s.patient?.birthDate ?? null,
    // The ABHA number (identifier type HIN), as the compose form's ABHA field expects.
    patientAbha: identifier(s.patient?.identifiers, "HIN"),
    policyNumber: s.policy?.number ?? "",
    diagnoses: (s.diagnoses ?? []).map((d) => d.code).filter((c): c is string => !!c),
    items: itemRows(s).map((it) => ({
      code: it.code,
      description: it.description,
      quantity: it.quantity ?? "1",
      unitPrice: it.unitPrice?.value ?? it.requested?.value ?? "",
    })),
  };
}
