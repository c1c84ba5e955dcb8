// The mock backend's FHIR summaries, in the real shape: `hcx_fhir::Summary` as ts-rs generates it
// (src/bindings/fhir/). They mirror what `summarize` gives for the bundles hcx-fhir's builders
// make (crates/hcx-fhir/tests/snapshots/built_*.snap): the same kinds, keys and wording, empty
// lists and absent values left out, every decimal a string. `summaries.test.ts` compares their
// key paths with those snapshots, so the mock cannot drift from the backend unnoticed.

import type { AdjudicationSummary } from "../bindings/fhir/AdjudicationSummary";
import type { Amount } from "../bindings/fhir/Amount";
import type { AttachmentSummary } from "../bindings/fhir/AttachmentSummary";
import type { ItemSummary } from "../bindings/fhir/ItemSummary";
import type { OrgSummary } from "../bindings/fhir/OrgSummary";
import type { PersonSummary } from "../bindings/fhir/PersonSummary";
import type { Summary } from "../bindings/fhir/Summary";
import { compare, mul, sum } from "../lib/decimal";

export interface Party {
  code: string;
  name: string | null;
}

export interface RequestInput {
  useCase: string;
  claimNumber: string;
  focalId: string;
  created: string;
  patientName: string;
  patientGender: string;
  patientBirthDate: string | null;
  patientAbha: string | null;
  policyNumber: string;
  payer: Party;
  provider: Party;
  diagnoses: string[];
  items: { code: string; description: string; quantity: string; unitPrice: string }[];
  attachments?: { title: string; contentType: string; dataBase64: string }[];
}

/** Everything a response or message needs to say about its cycle. */
export interface CycleFacts {
  useCase: string;
  claimNumber: string;
  focalId: string;
  patient: PersonSummary | undefined;
  policyNumber: string | undefined;
  payer: Party;
  provider: Party;
}

export const ICD: Record<string, string> = {
  "K35.80": "Acute appendicitis",
  "I21.9": "Acute myocardial infarction",
  "S72.00": "Fracture of neck of femur",
  O80: "Single spontaneous delivery",
  "J18.9": "Pneumonia, unspecified",
  "N20.0": "Calculus of kidney",
  "H25.9": "Senile cataract",
  "E11.9": "Type 2 diabetes mellitus",
};

const CLAIM_USE: Record<string, string> = {
  preauth: "preauthorization",
  predetermination: "predetermination",
  claim: "claim",
};

const REQUEST_KIND: Record<string, string> = {
  preauth: "Preauthorisation request",
  predetermination: "Predetermination request",
  claim: "Claim",
  coverageeligibility: "Eligibility request",
};

const RESPONSE_KIND: Record<string, string> = {
  preauth: "Preauthorisation response",
  predetermination: "Predetermination response",
  claim: "Claim response",
  coverageeligibility: "Eligibility response",
};

const CLAIM_TYPE = "Inpatient care management (procedure)";

export function inr(value: string): Amount {
  return { value, currency: "INR" };
}

/** A list, or nothing when it is empty (the backend leaves empty lists out). */
function some<T>(xs: T[]): T[] | undefined {
  return xs.length > 0 ? xs : undefined;
}

function payerOrg(p: Party): OrgSummary {
  return { name: p.name ?? p.code, identifiers: [{ kind: "NIIP", label: "Payer id", value: p.code, system: "https://hcxbeta.nha.gov.in/participant" }] };
}

function providerOrg(p: Party): OrgSummary {
  return { name: p.name ?? p.code, identifiers: [{ kind: "NPI", label: "HFR facility id", value: "IN2710000123", system: "https://facility.abdm.gov.in" }] };
}

/** Bytes of base64 data. */
function decodedSize(b64: string): number {
  const pad = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

function attachments(list: { title: string; contentType: string; dataBase64: string }[], where: (i: number) => string): AttachmentSummary[] {
  return list.map((a, i) => ({ title: a.title, contentType: a.contentType, size: decodedSize(a.dataBase64), verified: true, path: where(i) }));
}

/** The summary of a claim, preauth, predetermination or eligibility request the hospital sends. */
export function requestSummary(f: RequestInput): Summary {
  const eligibility = f.useCase === "coverageeligibility";
  const items: ItemSummary[] = f.items.map((it, i) => ({
    sequence: i + 1,
    code: it.code,
    description: it.description,
    quantity: it.quantity,
    unitPrice: inr(it.unitPrice),
    net: inr(mul(it.quantity, it.unitPrice)),
  }));
  const abha = f.patientAbha ? [{ kind: "HIN", label: "ABHA number", value: f.patientAbha }] : [];
  return {
    kind: REQUEST_KIND[f.useCase] ?? "Claim",
    format: "nhcx-collection",
    focal: { resourceType: eligibility ? "CoverageEligibilityRequest" : "Claim", id: f.focalId },
    patient: {
      name: f.patientName,
      gender: f.patientGender || undefined,
      birthDate: f.patientBirthDate ?? undefined,
      identifiers: some(abha),
    },
    policy: { number: f.policyNumber, status: "active" },
    payer: payerOrg(f.payer),
    provider: providerOrg(f.provider),
    claim: eligibility ? undefined : { number: f.claimNumber, use: CLAIM_USE[f.useCase], type: CLAIM_TYPE, status: "active", created: f.created },
    amounts: !eligibility && items.length > 0 ? { requested: inr(sum(items.map((i) => i.net?.value ?? "0"))) } : {},
    diagnoses: some(f.diagnoses.map((code) => ({ code, display: ICD[code], system: "http://hl7.org/fhir/sid/icd-10" }))),
    items: eligibility ? undefined : some(items),
    eligibility: eligibility ? { purposes: ["validation", "benefits"], services: some(f.items.map((i) => i.description)) } : undefined,
    attachments: eligibility ? undefined : some(attachments(f.attachments ?? [], (i) => `Claim.supportingInfo[${i}].valueAttachment`)),
  };
}

/** The request's summary as the facts a later message repeats. */
export function cycleFacts(useCase: string, request: Summary, payer: Party, provider: Party): CycleFacts {
  return {
    useCase,
    claimNumber: request.claim?.number ?? "",
    focalId: request.focal?.id ?? "",
    patient: request.patient,
    policyNumber: request.policy?.number,
    payer,
    provider,
  };
}

function common(c: CycleFacts, kind: string, resourceType: string, id: string): Summary {
  return {
    kind,
    format: "nhcx-collection",
    focal: { resourceType, id },
    patient: c.patient,
    policy: c.policyNumber ? { number: c.policyNumber, status: "active" } : undefined,
    payer: payerOrg(c.payer),
    provider: providerOrg(c.provider),
    claim: c.claimNumber ? { number: c.claimNumber } : undefined,
    amounts: {},
  };
}

export interface ItemDecision {
  sequence: number;
  requested: string;
  approved: string;
  reason: string | null;
}

/**
 * A payer's ClaimResponse: per item `submitted`, `eligible` and `benefit` lines, the totals, and
 * the status in the words the backend's summary uses.
 */
export function claimResponseSummary(
  c: CycleFacts,
  id: string,
  decided: ItemDecision[],
  d: { outcome: "complete" | "partial"; disposition: string; reasons: string[]; notes: string[]; preAuthRef: string | null; remarks?: string[] },
): Summary {
  const requested = sum(decided.map((x) => x.requested));
  const approved = sum(decided.map((x) => x.approved));
  const status = compare(approved, "0") === 0 ? "rejected" : d.outcome === "partial" || compare(approved, requested) < 0 ? "partially approved" : "approved";
  const itemReasons = decided.filter((x) => x.reason).map((x) => `Item ${x.sequence}: ${x.reason}`);
  const items: ItemSummary[] = decided.map((x) => {
    const benefit: AdjudicationSummary = { category: "benefit", amount: inr(x.approved), reason: x.reason ?? undefined };
    return {
      sequence: x.sequence,
      adjudication: [{ category: "submitted", amount: inr(x.requested) }, { category: "eligible", amount: inr(x.approved) }, benefit],
    };
  });
  return {
    ...common(c, RESPONSE_KIND[c.useCase] ?? "Claim response", "ClaimResponse", id),
    claim: { number: c.claimNumber, use: CLAIM_USE[c.useCase], type: CLAIM_TYPE },
    amounts: { requested: inr(requested), eligible: inr(approved), approved: inr(approved) },
    decision: {
      status,
      outcome: d.outcome,
      disposition: d.disposition,
      preAuthRef: d.preAuthRef ?? undefined,
      reasons: some([...d.reasons, ...itemReasons]),
      notes: some(d.notes),
    },
    items: some(items),
    remarks: some(d.remarks ?? []),
  };
}

/** A payer's CoverageEligibilityResponse: in force, with the plan's benefits. */
export function eligibilityResponseSummary(c: CycleFacts, id: string, disposition: string): Summary {
  const category = "Health Benefit Plan Coverage";
  return {
    ...common(c, "Eligibility response", "CoverageEligibilityResponse", id),
    claim: undefined,
    decision: { status: "in force", outcome: "complete", disposition },
    eligibility: {
      purposes: ["validation", "benefits"],
      inforce: true,
      benefits: [
        { category, kind: "Benefit", allowed: inr("500000.00"), used: inr("45250.50"), excluded: false, authorizationRequired: true },
        { category, kind: "Room", allowed: inr("5000.00"), excluded: false, authorizationRequired: true },
      ],
    },
  };
}

/** A payer's request for documents or information (a CommunicationRequest, focal Task). */
export function queryRequestSummary(c: CycleFacts, id: string, asks: string[]): Summary {
  return { ...common(c, "Request for information", "Task", id), policy: undefined, documentsRequested: some(asks) };
}

/** The hospital's reply to a query (a Communication): its text and files. */
export function queryReplySummary(c: CycleFacts, id: string, text: string, files: { title: string; contentType: string; dataBase64: string }[]): Summary {
  return {
    ...common(c, "Reply to a request for information", "Task", id),
    policy: undefined,
    messages: some(text.trim() ? [text.trim()] : []),
    // The text is payload[0]; the files follow it.
    attachments: some(attachments(files, (i) => `Communication.payload[${i + 1}].contentAttachment`)),
  };
}

/** A payer's payment notice: the amount, date and bank reference. */
export function paymentNoticeSummary(c: CycleFacts, id: string, amount: string, date: string, utr: string): Summary {
  return {
    ...common(c, "Payment notice", "Task", id),
    patient: undefined,
    policy: undefined,
    amounts: { paid: inr(amount) },
    payment: { date, reference: utr, status: "Paid", parts: [{ kind: "Payment", amount: inr(amount), date }] },
  };
}
