// Reading hcx-fhir's summary of a payload (TimelineNode.summary, InspectView.summary).
//
// The summary crosses IPC as free JSON. This module reads the keys the UI knows, each checked
// for its type, and ignores the rest, so a summary with extra or missing keys still renders
// and a wrong type never crashes a screen. The keys read are listed in ui/README.md
// ("The FHIR summary").

import type { ComposeForm } from "../bindings/ComposeForm";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import type { ThreadDetail } from "../bindings/ThreadDetail";

export interface SummaryItem {
  sequence: number | null;
  code: string;
  description: string;
  quantity: string | null;
  unitPrice: string | null;
  net: string | null;
  approved: string | null;
  reason: string | null;
}

export interface SummaryPatient {
  name: string | null;
  gender: string | null;
  birthDate: string | null;
  abha: string | null;
}

export interface Summary {
  resourceType: string | null;
  use: string | null;
  patient: SummaryPatient | null;
  policyNumber: string | null;
  insurer: string | null;
  diagnoses: { code: string; display: string | null }[];
  items: SummaryItem[];
  total: string | null;
  approvedTotal: string | null;
  outcome: string | null;
  decision: string | null;
  disposition: string | null;
  reasons: string[];
  documentsRequested: string[];
  documents: { title: string; contentType: string | null; size: string | null }[];
  payment: { amount: string | null; date: string | null; reference: string | null } | null;
  text: string | null;
  /** Keys the UI does not know, shown as plain key/value rows so nothing is hidden. */
  other: [string, JsonValue][];
}

type Obj = { [key: string]: JsonValue | undefined };

function obj(v: JsonValue | undefined): Obj | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

/** Text or number as text (amounts may arrive either way from older builders). */
function str(v: JsonValue | undefined): string | null {
  if (typeof v === "string") {
    return v;
  }
  if (typeof v === "number" && Number.isFinite(v)) {
    return String(v);
  }
  return null;
}

function arr(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

function strings(v: JsonValue | undefined): string[] {
  return arr(v)
    .map((x) => str(x) ?? str(obj(x)?.display) ?? str(obj(x)?.text) ?? str(obj(x)?.code))
    .filter((x): x is string => x !== null && x !== "");
}

const KNOWN_KEYS = new Set([
  "resourceType",
  "use",
  "patient",
  "policy",
  "policyNumber",
  "insurer",
  "diagnoses",
  "items",
  "total",
  "approvedTotal",
  "outcome",
  "decision",
  "disposition",
  "reasons",
  "documentsRequested",
  "documents",
  "payment",
  "text",
]);

function readItem(v: JsonValue, i: number): SummaryItem | null {
  const o = obj(v);
  if (!o) {
    return null;
  }
  const seq = o.sequence;
  return {
    sequence: typeof seq === "number" ? seq : i + 1,
    code: str(o.code) ?? "",
    description: str(o.description) ?? str(o.display) ?? "",
    quantity: str(o.quantity),
    unitPrice: str(o.unitPrice),
    net: str(o.net),
    approved: str(o.approved),
    reason: str(o.reason),
  };
}

/** Reads a summary; null when there is none or it is not an object. */
export function readSummary(value: JsonValue | null | undefined): Summary | null {
  const o = obj(value ?? undefined);
  if (!o) {
    return null;
  }
  const p = obj(o.patient);
  const policy = obj(o.policy);
  const pay = obj(o.payment);
  return {
    resourceType: str(o.resourceType),
    use: str(o.use),
    patient: p
      ? {
          name: str(p.name),
          gender: str(p.gender),
          birthDate: str(p.birthDate),
          abha: str(p.abha),
        }
      : typeof o.patient === "string"
        ? { name: o.patient, gender: null, birthDate: null, abha: null }
        : null,
    policyNumber: str(policy?.number) ?? str(o.policyNumber),
    insurer: str(policy?.insurer) ?? str(o.insurer),
    diagnoses: arr(o.diagnoses)
      .map((d) => {
        const dd = obj(d);
        const code = str(d) ?? str(dd?.code);
        return code ? { code, display: str(dd?.display) } : null;
      })
      .filter((d): d is { code: string; display: string | null } => d !== null),
    items: arr(o.items)
      .map(readItem)
      .filter((x): x is SummaryItem => x !== null),
    total: str(o.total),
    approvedTotal: str(o.approvedTotal),
    outcome: str(o.outcome),
    decision: str(o.decision),
    disposition: str(o.disposition),
    reasons: strings(o.reasons),
    documentsRequested: strings(o.documentsRequested),
    documents: arr(o.documents)
      .map((d) => {
        const dd = obj(d);
        const title = str(d) ?? str(dd?.title);
        return title ? { title, contentType: str(dd?.contentType), size: str(dd?.size) } : null;
      })
      .filter((d): d is { title: string; contentType: string | null; size: string | null } => d !== null),
    payment: pay
      ? { amount: str(pay.amount), date: str(pay.date), reference: str(pay.reference) }
      : null,
    text: str(o.text),
    other: Object.entries(o).filter(
      (e): e is [string, JsonValue] => !KNOWN_KEYS.has(e[0]) && e[1] !== undefined,
    ),
  };
}

/**
 * The request a cycle started with: the summary of its first node that carries items or a
 * patient, in timeline order. Used to prefill a claim from a preauth and to list the items a
 * reviewer decides on.
 */
export function requestSummary(detail: Pick<ThreadDetail, "timeline">): Summary | null {
  for (const node of detail.timeline) {
    const s = readSummary(node.summary);
    if (s && (s.items.length > 0 || s.patient !== null)) {
      return s;
    }
  }
  return null;
}

/** The latest decision on a cycle (the last node whose summary has approved amounts or an outcome). */
export function latestDecision(detail: Pick<ThreadDetail, "timeline">): Summary | null {
  for (let i = detail.timeline.length - 1; i >= 0; i -= 1) {
    const s = readSummary(detail.timeline[i]?.summary);
    if (s && (s.outcome !== null || s.items.some((it) => it.approved !== null))) {
      return s;
    }
  }
  return null;
}

/** The parts of a compose form a summary can fill: patient, policy, diagnoses and items. */
export function formFromSummary(
  s: Summary,
): Pick<
  ComposeForm,
  | "patientName"
  | "patientGender"
  | "patientBirthDate"
  | "patientAbha"
  | "policyNumber"
  | "diagnoses"
  | "items"
> {
  return {
    patientName: s.patient?.name ?? "",
    patientGender: s.patient?.gender ?? "",
    patientBirthDate: s.patient?.birthDate ?? null,
    patientAbha: s.patient?.abha ?? null,
    policyNumber: s.policyNumber ?? "",
    diagnoses: s.diagnoses.map((d) => d.code),
    items: s.items.map((it) => ({
      code: it.code,
      description: it.description,
      quantity: it.quantity ?? "1",
      unitPrice: it.unitPrice ?? it.net ?? "",
    })),
  };
}
