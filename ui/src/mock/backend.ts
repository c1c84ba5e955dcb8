// A scripted, in-memory stand-in for the desktop backend, for `npm run dev:mock` and the
// browser tests. It answers the same commands with the same types as src-tauri, and plays a
// "demo payer" that acknowledges, dispatches and decides a few hundred milliseconds after a
// send, emitting `messages-changed` like the real bridge does.
//
// It is a development and test fixture only: the production build never includes it (main.tsx
// loads it only in mock mode), and nothing here is cryptography: the "JWE" parts are fake.

import type { AppStatus } from "../bindings/AppStatus";
import type { ComposeForm } from "../bindings/ComposeForm";
import type { Counterparty } from "../bindings/Counterparty";
import type { DecisionForm } from "../bindings/DecisionForm";
import type { ErrorView } from "../bindings/ErrorView";
import type { FindingView } from "../bindings/FindingView";
import type { InspectView } from "../bindings/InspectView";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import type { KeyStatus } from "../bindings/KeyStatus";
import type { PreflightCheck } from "../bindings/PreflightCheck";
import type { ProfileView } from "../bindings/ProfileView";
import type { QueryAnswerForm } from "../bindings/QueryAnswerForm";
import type { SendReceipt } from "../bindings/SendReceipt";
import type { ThreadDetail } from "../bindings/ThreadDetail";
import type { ThreadFilter } from "../bindings/ThreadFilter";
import type { ThreadSummary } from "../bindings/ThreadSummary";
import type { TimelineNode } from "../bindings/TimelineNode";
import type { WorkflowView } from "../bindings/WorkflowView";
import type { Summary } from "../bindings/fhir/Summary";
import { compare, formatIndian, isDecimal, mul, sum } from "../lib/decimal";
import { DESK_ROLES } from "../lib/desks";
import {
  claimResponseSummary,
  cycleFacts,
  eligibilityResponseSummary,
  paymentNoticeSummary,
  queryReplySummary,
  queryRequestSummary,
  requestSummary,
  type CycleFacts,
  type ItemDecision,
  type Party,
  type RequestInput,
} from "./summaries";
import { createOnboarding } from "./onboarding";

export interface MockOptions {
  /** Delivers an event to the UI's listeners. */
  emit: (event: string, payload: unknown) => void;
  now?: () => Date;
  /** Multiplies the demo payer's delays; 0 answers at once. */
  delayScale?: number;
}

export interface MockBackend {
  handle: (cmd: string, args: Record<string, unknown> | undefined) => Promise<unknown>;
}

interface Thread {
  profileId: string;
  summary: ThreadSummary;
  timeline: TimelineNode[];
  /** The request's summary (what every later message of the cycle repeats). */
  request: Summary | null;
  facts: CycleFacts | null;
}

const HOSPITAL = "1000003538@sbx";
const PAYER = "1000004178@sbx";
const PAYER2 = "1000004180@sbx";
const TPA = "1000004291@sbx";

const HOSPITAL_NAME = "Sunrise Multispeciality Hospital";

const PROFILES: ProfileView[] = [
  {
    id: "sunrise-sbx",
    name: HOSPITAL_NAME,
    participantCode: HOSPITAL,
    roles: ["provider"],
    environment: "sandbox",
    gatewayUrl: "http://127.0.0.1:8095",
    active: true,
    pilotCounterparties: null,
  },
  {
    id: "sunrise-stg",
    name: `${HOSPITAL_NAME} (staging)`,
    participantCode: "1000003538@stg",
    roles: ["provider"],
    environment: "staging",
    gatewayUrl: "https://staging-gateway.invalid",
    active: false,
    pilotCounterparties: null,
  },
  {
    id: "sunrise-prod",
    name: `${HOSPITAL_NAME} (live)`,
    participantCode: "1000003538@hcx",
    roles: ["provider"],
    environment: "production",
    gatewayUrl: "https://gateway.invalid",
    active: false,
    pilotCounterparties: ["1000004178@hcx"],
  },
  {
    id: "arogya-tpa",
    name: "Arogya Demo TPA",
    participantCode: TPA,
    roles: ["agency.tpa", "payor"],
    environment: "sandbox",
    gatewayUrl: "http://127.0.0.1:8095",
    active: false,
    pilotCounterparties: null,
  },
];

const COUNTERPARTIES: Counterparty[] = [
  { code: PAYER, name: "Demo Payer General Insurance", roles: ["payor"], status: "Active" },
  { code: PAYER2, name: "Second Demo Health Insurance", roles: ["payor"], status: "Active" },
  { code: TPA, name: "Arogya Demo TPA", roles: ["agency.tpa"], status: "Active" },
  { code: HOSPITAL, name: HOSPITAL_NAME, roles: ["provider"], status: "Active" },
  { code: "1000003601@sbx", name: "Lakeview Clinic", roles: ["provider"], status: "Inactive" },
];

const HOUR = 3_600_000;
const MIN = 60_000;

function cpName(code: string): string | null {
  return COUNTERPARTIES.find((c) => c.code === code)?.name ?? null;
}

function fail(code: string, message: string): never {
  const e: ErrorView = { code, message };
  throw e;
}

function b64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  bytes.forEach((b) => {
    bin += String.fromCharCode(b);
  });
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text: string): string {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

const ACTIONS: Record<string, string> = {
  coverageeligibility: "/coverageeligibility/check",
  preauth: "/preauth/submit",
  predetermination: "/predetermination/submit",
  claim: "/claim/submit",
  communication: "/communication/request",
  paymentnotice: "/paymentnotice/request",
};

function onAction(useCase: string): string {
  const a = ACTIONS[useCase] ?? `/${useCase}/submit`;
  return a.replace(/\/(\w+)$/, (_m, verb: string) => `/on_${verb}`);
}

interface Item {
  code: string;
  description: string;
  quantity: string;
  unitPrice: string;
}

function itemsTotal(items: Item[]): string {
  return sum(items.map((i) => mul(i.quantity, i.unitPrice)));
}

function fhirBundle(summary: Summary): JsonValue {
  const resourceType = summary.focal?.resourceType ?? "Bundle";
  return {
    resourceType: "Bundle",
    type: "collection",
    meta: {
      profile: [`https://nrces.in/ndhm/fhir/r4/StructureDefinition/${resourceType}Bundle`],
    },
    entry: [
      {
        fullUrl: "urn:uuid:5b0c1f4e-0000-4000-8000-000000000001",
        // Not FHIR: the mock has no bundle builder, so the "raw FHIR" tab shows the summary it made.
        resource: { resourceType, status: "active", summary: summary as unknown as JsonValue },
      },
    ],
  };
}

/** The demo backend. Each call returns a fresh, independent state. */
export function createMockBackend(opts: MockOptions): MockBackend {
  const now = opts.now ?? (() => new Date());
  const scale = opts.delayScale ?? 1;
  let seq = 0;
  const profiles = PROFILES.map((p) => ({ ...p }));
  let activeId = "sunrise-sbx";
  const threads = new Map<string, Thread>();

  function uuid(): string {
    seq += 1;
    const n = (seq * 2654435761) >>> 0;
    const h = n.toString(16).padStart(8, "0");
    const s = seq.toString(16).padStart(12, "0");
    return `${h}-${h.slice(0, 4)}-4${h.slice(1, 4)}-8${h.slice(4, 7)}-${s}`;
  }

  function iso(offsetMs: number): string {
    return new Date(now().getTime() + offsetMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  function active(): ProfileView {
    return profiles.find((p) => p.id === activeId) ?? (profiles[0] as ProfileView);
  }

  function headersFor(
    t: ThreadSummary,
    apiCallId: string,
    sender: string,
    recipient: string,
    at: string,
    status: string | null,
  ): JsonValue {
    const h: Record<string, JsonValue> = {
      alg: "RSA-OAEP-256",
      enc: "A256GCM",
      "x-hcx-sender_code": sender,
      "x-hcx-recipient_code": recipient,
      "x-hcx-api_call_id": apiCallId,
      "x-hcx-correlation_id": t.correlationId,
      "x-hcx-timestamp": at,
    };
    if (t.workflowId) {
      h["x-hcx-workflow_id"] = t.workflowId;
    }
    if (status) {
      h["x-hcx-status"] = status;
    }
    return h;
  }

  interface NodeSpec {
    kind: string;
    at: string;
    out: boolean;
    action: string;
    status?: string | null;
    amount?: string | null;
    headline: string;
    summary?: Summary | null;
    error?: ErrorView | null;
    ack?: boolean;
  }

  function node(th: Thread, spec: NodeSpec): TimelineNode {
    const t = th.summary;
    const me = profiles.find((p) => p.id === th.profileId)?.participantCode ?? HOSPITAL;
    const sender = spec.out ? me : t.counterparty;
    const recipient = spec.out ? t.counterparty : me;
    const apiCallId = uuid();
    const payload = spec.summary ?? null;
    const n: TimelineNode = {
      apiCallId,
      kind: spec.kind,
      at: spec.at,
      direction: spec.out ? "out" : "in",
      action: spec.action,
      sender,
      recipient,
      protocolStatus: spec.status ?? null,
      amount: spec.amount ?? null,
      headline: spec.headline,
      headers: headersFor(t, apiCallId, sender, recipient, spec.at, spec.status ?? null),
      gatewayAnswer: spec.ack
        ? {
            timestamp: new Date(spec.at).getTime() + 180,
            correlation_id: t.correlationId,
            api_call_id: apiCallId,
          }
        : spec.error
          ? {
              timestamp: new Date(spec.at).getTime() + 140,
              correlation_id: t.correlationId,
              api_call_id: apiCallId,
              error: { code: spec.error.code, message: spec.error.message, trace: "" },
            }
          : null,
      // The backend sends the summary as free JSON (dto.rs); src/api types it again.
      summary: payload ? (payload as unknown as JsonValue) : null,
      fhir: payload ? fhirBundle(payload) : null,
      error: spec.error ?? null,
    };
    th.timeline.push(n);
    return n;
  }

  function newThread(
    profileId: string,
    s: Partial<ThreadSummary> & Pick<ThreadSummary, "useCase" | "counterparty" | "direction">,
  ): Thread {
    const opened = s.openedAt ?? iso(0);
    const t: ThreadSummary = {
      correlationId: s.correlationId ?? uuid(),
      workflowId: s.workflowId ?? null,
      useCase: s.useCase,
      direction: s.direction,
      counterparty: s.counterparty,
      counterpartyName: cpName(s.counterparty),
      state: s.state ?? "drafted",
      patient: s.patient ?? null,
      requested: s.requested ?? null,
      approved: s.approved ?? null,
      settled: s.settled ?? null,
      currency: "INR",
      openedAt: opened,
      updatedAt: s.updatedAt ?? opened,
      dueAt: s.dueAt ?? null,
    };
    const th: Thread = { profileId, summary: t, timeline: [], request: null, facts: null };
    threads.set(t.correlationId, th);
    return th;
  }

  // ---- seed data -------------------------------------------------------------------------

  interface SeedRequest {
    useCase: string;
    patient: string;
    gender: string;
    birthDate: string;
    abha: string | null;
    policy: string;
    payer?: string;
    diagnoses: string[];
    items: Item[];
    openedMinAgo: number;
    workflowId?: string;
  }

  function party(code: string): Party {
    return { code, name: cpName(code) };
  }

  /** The summary of a cycle's request; the cycle remembers it for the messages that follow. */
  function startRequest(
    th: Thread,
    f: Pick<RequestInput, "patientName" | "patientGender" | "patientBirthDate" | "patientAbha" | "policyNumber" | "diagnoses" | "items" | "attachments">,
    payer: string,
    provider: string,
  ): Summary {
    const t = th.summary;
    const request = requestSummary({
      ...f,
      useCase: t.useCase,
      claimNumber: `CLM-${t.correlationId.slice(0, 8).toUpperCase()}`,
      focalId: uuid(),
      created: t.openedAt,
      payer: party(payer),
      provider: party(provider),
    });
    th.request = request;
    th.facts = cycleFacts(t.useCase, request, party(payer), party(provider));
    return request;
  }

  /** The facts of a cycle; a cycle started elsewhere gets them from its thread summary. */
  function facts(th: Thread): CycleFacts {
    const t = th.summary;
    const me = profiles.find((p) => p.id === th.profileId)?.participantCode ?? HOSPITAL;
    const [payer, provider] = t.direction === "outgoing" ? [t.counterparty, me] : [me, t.counterparty];
    return (
      th.facts ?? {
        useCase: t.useCase,
        claimNumber: `CLM-${t.correlationId.slice(0, 8).toUpperCase()}`,
        focalId: uuid(),
        patient: t.patient ? { name: t.patient } : undefined,
        policyNumber: undefined,
        payer: party(payer),
        provider: party(provider),
      }
    );
  }

  function seedOutgoing(r: SeedRequest, profileId = "sunrise-sbx"): Thread {
    const payer = r.payer ?? PAYER;
    const opened = iso(-r.openedMinAgo * MIN);
    const total = r.items.length ? itemsTotal(r.items) : null;
    const th = newThread(profileId, {
      useCase: r.useCase,
      counterparty: payer,
      direction: "outgoing",
      state: "acknowledged",
      patient: r.patient,
      requested: total,
      openedAt: opened,
      workflowId: r.workflowId ?? `wf-${uuid().slice(0, 8)}`,
      dueAt: iso((-r.openedMinAgo + 6 * 60) * MIN),
    });
    const summary = startRequest(
      th,
      {
        patientName: r.patient,
        patientGender: r.gender,
        patientBirthDate: r.birthDate,
        patientAbha: r.abha,
        policyNumber: r.policy,
        diagnoses: r.diagnoses,
        items: r.items,
      },
      payer,
      profiles.find((p) => p.id === profileId)?.participantCode ?? HOSPITAL,
    );
    const at = (m: number) => iso((-r.openedMinAgo + m) * MIN);
    node(th, { kind: "composed", at: at(0), out: true, action: ACTIONS[r.useCase] ?? "", headline: `${useCaseWord(r.useCase)} drafted for ${r.patient}`, summary, amount: total });
    node(th, { kind: "acknowledged", at: at(1), out: true, action: ACTIONS[r.useCase] ?? "", status: "request.queued", headline: "Sent; the gateway acknowledged it (202)", summary, amount: total, ack: true });
    return th;
  }

  function useCaseWord(u: string): string {
    return (
      { coverageeligibility: "Eligibility check", preauth: "Preauth", predetermination: "Predetermination", claim: "Claim" }[u] ??
      u
    );
  }

  function dispatched(th: Thread, atIso: string): void {
    node(th, { kind: "dispatched", at: atIso, out: true, action: ACTIONS[th.summary.useCase] ?? "", status: "request.dispatched", headline: `Delivered to ${th.summary.counterpartyName ?? th.summary.counterparty}` });
    th.summary.state = "dispatched";
    th.summary.updatedAt = atIso;
  }

  function decideAll(
    th: Thread,
    atIso: string,
    approvals: (string | null)[],
    outcome: "complete" | "partial" | "rejected" | "query",
    extra: { reasons?: string[]; documentsRequested?: string[]; remarks?: string[] } = {},
  ): void {
    const t = th.summary;
    const f = facts(th);
    if (outcome === "query") {
      // The payer's query arrives as a communication request (a Task with a CommunicationRequest).
      const asks = extra.documentsRequested ?? ["More information"];
      node(th, { kind: "query", at: atIso, out: false, action: "/communication/request", headline: `Query: ${asks.join(", ")}`, summary: queryRequestSummary(f, uuid(), asks) });
      t.state = "query";
      t.updatedAt = atIso;
      t.dueAt = new Date(new Date(atIso).getTime() + 24 * HOUR).toISOString().replace(/\.\d{3}Z$/, "Z");
      return;
    }
    if (t.useCase === "coverageeligibility") {
      const headline = "Policy active: covered for inpatient care";
      node(th, { kind: "complete", at: atIso, out: false, action: onAction(t.useCase), status: "response.complete", headline, summary: eligibilityResponseSummary(f, uuid(), "Policy is in force; inpatient care is covered") });
      t.state = "complete";
      t.updatedAt = atIso;
      t.dueAt = null;
      return;
    }
    const decided: ItemDecision[] = (th.request?.items ?? []).map((it, i) => {
      const requested = it.net?.value ?? "0";
      const given = approvals[i] ?? null;
      const approved = given ?? (outcome === "rejected" ? "0.00" : requested);
      const reason = given === null ? null : compare(given, "0") === 0 ? "Not payable under the policy" : compare(given, requested) < 0 ? "Capped at package rate" : null;
      return { sequence: it.sequence ?? i + 1, requested, approved, reason };
    });
    const approved = sum(decided.map((d) => d.approved));
    const headline =
      outcome === "rejected"
        ? `Rejected: ${(extra.reasons ?? ["not covered"]).join("; ")}`
        : `Approved ₹${formatIndian(approved)} of ₹${formatIndian(t.requested ?? "0")}`;
    node(th, {
      kind: outcome === "partial" ? "partial" : "complete",
      at: atIso,
      out: false,
      action: onAction(t.useCase),
      status: outcome === "partial" ? "response.partial" : "response.complete",
      amount: approved,
      headline,
      summary: claimResponseSummary(f, uuid(), decided, {
        outcome: outcome === "partial" ? "partial" : "complete",
        disposition: headline,
        reasons: extra.reasons ?? [],
        notes: [],
        preAuthRef: t.useCase === "preauth" && outcome !== "rejected" ? `PA-${t.correlationId.slice(0, 6).toUpperCase()}` : null,
        remarks: extra.remarks,
      }),
    });
    t.state = outcome === "partial" ? "partial" : outcome === "rejected" ? "rejected" : "complete";
    t.approved = approved;
    t.updatedAt = atIso;
    t.dueAt = null;
  }

  function paymentNotice(th: Thread, atIso: string, amount: string, utr: string): void {
    node(th, {
      kind: "payment",
      at: atIso,
      out: false,
      action: "/paymentnotice/request",
      amount,
      headline: `Payment notice: ₹${formatIndian(amount)} paid, UTR ${utr}`,
      summary: paymentNoticeSummary(facts(th), uuid(), amount, atIso.slice(0, 10), utr),
    });
    th.summary.settled = amount;
    th.summary.updatedAt = atIso;
  }

  function seed(): void {
    const ago = (m: number) => iso(-m * MIN);
    // 1. A preauth the payer queried: the clerk must answer.
    const t1 = seedOutgoing({ useCase: "preauth", patient: "Ravi Kumar", gender: "male", birthDate: "1980-04-02", abha: "91-1234-5678-9012", policy: "DPG-778812", diagnoses: ["K35.80"], items: [{ code: "SU016A", description: "Laparoscopic appendicectomy", quantity: "1", unitPrice: "62000.00" }, { code: "RM01", description: "Semi-private ward (per day)", quantity: "3", unitPrice: "4500.00" }, { code: "PH02", description: "Medicines and consumables", quantity: "1", unitPrice: "9500.00" }], openedMinAgo: 300 });
    dispatched(t1, ago(296));
    decideAll(t1, ago(120), [], "query", { documentsRequested: ["Ultrasound abdomen report", "Surgeon's notes"] });
    // 2. Preauth approved: the next step is the claim.
    const t2 = seedOutgoing({ useCase: "preauth", patient: "Lakshmi Narayanan", gender: "female", birthDate: "1962-09-18", abha: null, policy: "DPG-102394", diagnoses: ["H25.9"], items: [{ code: "OP021", description: "Phacoemulsification with IOL, right eye", quantity: "1", unitPrice: "38000.00" }, { code: "CN04", description: "Pre-operative investigations", quantity: "1", unitPrice: "2450.50" }], openedMinAgo: 1500 });
    dispatched(t2, ago(1496));
    decideAll(t2, ago(1380), [], "complete");
    // 3. A whole admission: preauth approved, claim approved, payment notice in.
    const wf3 = "wf-3c1d9e20";
    const t3a = seedOutgoing({ useCase: "preauth", patient: "Mohammed Irfan", gender: "male", birthDate: "1975-01-30", abha: "91-5566-7788-9900", policy: "DPG-556120", diagnoses: ["I21.9"], items: [{ code: "CA010", description: "Coronary angioplasty with one stent", quantity: "1", unitPrice: "145000.00" }, { code: "ICU1", description: "ICU (per day)", quantity: "2", unitPrice: "12000.00" }], openedMinAgo: 7 * 1440, workflowId: wf3 });
    dispatched(t3a, ago(7 * 1440 - 5));
    decideAll(t3a, ago(7 * 1440 - 180), ["140000.00", "24000.00"], "partial");
    const t3b = seedOutgoing({ useCase: "claim", patient: "Mohammed Irfan", gender: "male", birthDate: "1975-01-30", abha: "91-5566-7788-9900", policy: "DPG-556120", diagnoses: ["I21.9"], items: [{ code: "CA010", description: "Coronary angioplasty with one stent", quantity: "1", unitPrice: "140000.00" }, { code: "ICU1", description: "ICU (per day)", quantity: "3", unitPrice: "12000.00" }, { code: "PH02", description: "Medicines and consumables", quantity: "1", unitPrice: "8750.25" }], openedMinAgo: 3 * 1440, workflowId: wf3 });
    dispatched(t3b, ago(3 * 1440 - 4));
    decideAll(t3b, ago(2 * 1440), ["140000.00", "24000.00", "8750.25"], "partial");
    paymentNotice(t3b, ago(95), "172750.25", "UTIB0000123 UTR 4471290033");
    // 4. An eligibility check.
    const t4 = seedOutgoing({ useCase: "coverageeligibility", patient: "Anita Desai", gender: "female", birthDate: "1990-06-11", abha: null, policy: "DPG-220017", diagnoses: [], items: [], openedMinAgo: 45 });
    dispatched(t4, ago(44));
    decideAll(t4, ago(43), [], "complete");
    // 5. A claim overdue at the payer.
    const t5 = seedOutgoing({ useCase: "claim", patient: "Suresh Patil", gender: "male", birthDate: "1958-12-03", abha: null, policy: "DPG-884512", diagnoses: ["S72.00"], items: [{ code: "OR112", description: "Hemiarthroplasty, hip", quantity: "1", unitPrice: "98000.00" }, { code: "RM01", description: "Semi-private ward (per day)", quantity: "6", unitPrice: "4500.00" }], openedMinAgo: 560 });
    dispatched(t5, ago(555));
    t5.summary.dueAt = ago(180);
    // 6. Preauth partly approved.
    const t6 = seedOutgoing({ useCase: "preauth", patient: "Fatima Sheikh", gender: "female", birthDate: "1994-03-21", abha: "91-2211-4433-6655", policy: "SDH-44120", payer: PAYER2, diagnoses: ["O80"], items: [{ code: "MG001", description: "Normal delivery package", quantity: "1", unitPrice: "45000.00" }, { code: "NB02", description: "Newborn care (per day)", quantity: "3", unitPrice: "5000.00" }, { code: "RM02", description: "Private ward upgrade", quantity: "3", unitPrice: "5000.00" }], openedMinAgo: 900 });
    dispatched(t6, ago(897));
    decideAll(t6, ago(700), ["45000.00", "15000.00", "0.00"], "partial", { reasons: ["Room upgrade not covered by the policy"] });
    // 7. A send that failed at the gateway.
    const t7 = seedOutgoing({ useCase: "preauth", patient: "Gurpreet Singh", gender: "male", birthDate: "1969-07-14", abha: null, policy: "DPG-330981", diagnoses: ["N20.0"], items: [{ code: "UR031", description: "Ureteroscopic lithotripsy", quantity: "1", unitPrice: "52000.00" }], openedMinAgo: 75 });
    t7.timeline.pop();
    node(t7, { kind: "error", at: ago(74), out: true, action: "/preauth/submit", status: null, headline: "Gateway refused: recipient's certificate has expired", error: { code: "gateway_rejected", message: "ERR_INVALID_ENCRYPTION: the recipient's certificate has expired; ask the payer to renew it, then resend." } });
    t7.summary.state = "error";
    t7.summary.dueAt = null;
    // 8. A predetermination waiting at the payer.
    const t8 = seedOutgoing({ useCase: "predetermination", patient: "Meera Iyer", gender: "female", birthDate: "1987-10-05", abha: null, policy: "DPG-661200", diagnoses: ["E11.9"], items: [{ code: "DB10", description: "Insulin pump therapy initiation", quantity: "1", unitPrice: "68000.00" }], openedMinAgo: 50 });
    dispatched(t8, ago(48));
    // 9. A rejected claim.
    const t9 = seedOutgoing({ useCase: "claim", patient: "Arjun Reddy", gender: "male", birthDate: "2001-02-17", abha: null, policy: "DPG-909090", diagnoses: ["J18.9"], items: [{ code: "MD05", description: "Pneumonia medical management", quantity: "1", unitPrice: "36000.00" }], openedMinAgo: 4000 });
    dispatched(t9, ago(3995));
    // This payer's bundle points at a patient it does not include: hcx-fhir says how it coped.
    decideAll(t9, ago(2500), [], "rejected", {
      reasons: ["Policy lapsed before admission"],
      remarks: ["The patient reference Patient/88231 points outside the bundle; the patient shown is taken from the policy's beneficiary."],
    });
    // 10. Waiting in the outbox.
    const t10 = seedOutgoing({ useCase: "preauth", patient: "Kavita Joshi", gender: "female", birthDate: "1979-08-08", abha: null, policy: "DPG-123777", diagnoses: ["K35.80"], items: [{ code: "SU016A", description: "Laparoscopic appendicectomy", quantity: "1", unitPrice: "62000.00" }], openedMinAgo: 6 });
    t10.timeline.pop();
    node(t10, { kind: "queued", at: ago(6), out: true, action: "/preauth/submit", headline: "Waiting in the outbox: gateway not reachable, retrying" });
    t10.summary.state = "queued";
    // 11. A redirected preauth.
    const t11 = seedOutgoing({ useCase: "preauth", patient: "Deepa Menon", gender: "female", birthDate: "1983-11-29", abha: null, policy: "DPG-771001", diagnoses: ["S72.00"], items: [{ code: "OR110", description: "Open reduction internal fixation", quantity: "1", unitPrice: "76000.00" }], openedMinAgo: 2000 });
    dispatched(t11, ago(1990));
    node(t11, { kind: "redirect", at: ago(1800), out: false, action: "/preauth/on_submit", status: "response.redirect", headline: "Redirected to Arogya Demo TPA, which handles this policy" });
    t11.summary.state = "redirected";
    t11.summary.dueAt = null;

    // Incoming requests for the TPA profile.
    const incoming: { patient: string; useCase: string; items: Item[]; dx: string[]; minAgo: number; answered?: boolean }[] = [
      { patient: "Sanjay Gupta", useCase: "preauth", dx: ["K35.80"], minAgo: 25, items: [{ code: "SU016A", description: "Laparoscopic appendicectomy", quantity: "1", unitPrice: "62000.00" }, { code: "RM01", description: "Semi-private ward (per day)", quantity: "2", unitPrice: "4500.00" }] },
      { patient: "Priya Raman", useCase: "preauth", dx: ["O80"], minAgo: 70, items: [{ code: "MG001", description: "Normal delivery package", quantity: "1", unitPrice: "45000.00" }, { code: "RM02", description: "Private ward upgrade", quantity: "2", unitPrice: "5000.00" }] },
      { patient: "Harish Chandra", useCase: "claim", dx: ["I21.9"], minAgo: 200, items: [{ code: "CA010", description: "Coronary angioplasty with one stent", quantity: "1", unitPrice: "140000.00" }, { code: "ICU1", description: "ICU (per day)", quantity: "2", unitPrice: "12000.00" }, { code: "PH02", description: "Medicines and consumables", quantity: "1", unitPrice: "6120.75" }] },
      { patient: "Nisha Verma", useCase: "preauth", dx: ["H25.9"], minAgo: 400, answered: true, items: [{ code: "OP021", description: "Phacoemulsification with IOL, left eye", quantity: "1", unitPrice: "38000.00" }] },
      { patient: "Rahul Bose", useCase: "predetermination", dx: ["E11.9"], minAgo: 15, items: [{ code: "DB10", description: "Insulin pump therapy initiation", quantity: "1", unitPrice: "68000.00" }] },
    ];
    for (const r of incoming) {
      const opened = ago(r.minAgo);
      const total = itemsTotal(r.items);
      const th = newThread("arogya-tpa", { useCase: r.useCase, counterparty: HOSPITAL, direction: "incoming", state: r.answered ? "answered" : "dispatched", patient: r.patient, requested: total, openedAt: opened, workflowId: `wf-${uuid().slice(0, 8)}`, dueAt: iso((-r.minAgo + 4 * 60) * MIN) });
      const summary = startRequest(th, { patientName: r.patient, patientGender: "", patientBirthDate: null, patientAbha: null, policyNumber: `ADT-${1000 + r.minAgo}`, diagnoses: r.dx, items: r.items }, TPA, HOSPITAL);
      node(th, { kind: "dispatched", at: opened, out: false, action: ACTIONS[r.useCase] ?? "", status: "request.queued", amount: total, headline: `${useCaseWord(r.useCase)} from ${HOSPITAL_NAME} for ₹${formatIndian(total)}`, summary });
      if (r.answered) {
        node(th, { kind: "query", at: ago(r.minAgo - 60), out: true, action: "/communication/request", headline: "Asked for: Biometry report", summary: queryRequestSummary(facts(th), uuid(), ["Biometry report"]), ack: true });
        node(th, { kind: "answer", at: ago(r.minAgo - 200), out: false, action: "/communication/on_request", headline: "Hospital answered with 1 document", summary: queryReplySummary(facts(th), uuid(), "Biometry report attached.", [{ title: "biometry-left-eye.pdf", contentType: "application/pdf", dataBase64: "A".repeat(289_468) }]) });
        th.summary.updatedAt = ago(r.minAgo - 200);
      }
    }
  }

  seed();

  // ---- derived views ---------------------------------------------------------------------

  function nextActions(t: ThreadSummary): string[] {
    if (t.direction === "incoming") {
      return t.state === "dispatched" || t.state === "answered" ? ["respond"] : [];
    }
    const out: string[] = [];
    switch (t.state) {
      case "query":
        out.push("answerQuery");
        break;
      case "complete":
      case "partial":
        if (t.useCase === "preauth") {
          out.push("submitClaim", "enhance");
        }
        if (t.useCase === "claim" && t.settled && !threads.get(t.correlationId)?.timeline.some((n) => n.kind === "payment" && n.direction === "out")) {
          out.push("acknowledgePayment");
        }
        break;
      case "acknowledged":
      case "dispatched":
        out.push("askStatus");
        break;
      case "error":
        out.push("retry");
        break;
      default:
        break;
    }
    return out;
  }

  function summaries(): ThreadSummary[] {
    return [...threads.values()].filter((t) => t.profileId === activeId).map((t) => ({ ...t.summary }));
  }

  function byUpdated(a: ThreadSummary, b: ThreadSummary): number {
    return b.updatedAt.localeCompare(a.updatedAt);
  }

  function listThreads(f: ThreadFilter): ThreadSummary[] {
    const text = f.text?.trim().toLowerCase() ?? "";
    return summaries()
      .filter((t) => !f.states || f.states.length === 0 || f.states.includes(t.state))
      .filter((t) => !f.useCase || t.useCase === f.useCase)
      .filter((t) => !f.counterparty || t.counterparty === f.counterparty)
      .filter((t) => !f.direction || t.direction === f.direction)
      .filter(
        (t) =>
          !text ||
          [t.patient ?? "", t.correlationId, t.counterparty, t.counterpartyName ?? ""].some((s) =>
            s.toLowerCase().includes(text),
          ),
      )
      .sort(byUpdated);
  }

  function thread(correlationId: unknown): Thread {
    const th = typeof correlationId === "string" ? threads.get(correlationId) : undefined;
    if (!th || th.profileId !== activeId) {
      fail("not_found", `No cycle with correlation id ${String(correlationId)} in this profile.`);
    }
    return th;
  }

  function detail(th: Thread): ThreadDetail {
    return { thread: { ...th.summary }, timeline: th.timeline.map((n) => ({ ...n })), nextActions: nextActions(th.summary) };
  }

  function workflow(workflowId: unknown): WorkflowView {
    const cycles = summaries()
      .filter((t) => t.workflowId === workflowId)
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt));
    if (cycles.length === 0) {
      fail("not_found", `No admission with workflow id ${String(workflowId)}.`);
    }
    const claims = cycles.filter((c) => c.useCase === "claim");
    const basis = claims.length > 0 ? claims : cycles.filter((c) => c.useCase === "preauth").slice(-1);
    return {
      workflowId: String(workflowId),
      patient: cycles[0]?.patient ?? null,
      cycles,
      ledger: {
        billed: sum(basis.map((c) => c.requested ?? "0")),
        approved: sum(basis.map((c) => c.approved ?? "0")),
        settled: sum(cycles.map((c) => c.settled ?? "0")),
        currency: "INR",
      },
    };
  }

  // As LocalExchange::add_desk: the same checks, and a code read from the name.
  function addDesk(name: string, role: string): ProfileView {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 80) {
      fail("invalid_input", "name: give the desk a name of 1 to 80 characters");
    }
    const roles = DESK_ROLES.map((d) => d.role);
    if (!roles.includes(role)) {
      fail("invalid_input", `role: a sandbox desk is one of ${roles.join(", ")}, not "${role}"`);
    }
    const stem = trimmed.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).join("-").slice(0, 32).replace(/-+$/, "") || "desk";
    const taken = new Set(profiles.map((p) => p.participantCode));
    let code = `${stem}@sandbox`;
    for (let n = 2; taken.has(code); n++) code = `${stem}-${n}@sandbox`;
    const p: ProfileView = { id: `desk-${code.split("@")[0]}`, name: trimmed, participantCode: code, roles: [role], environment: "sandbox", gatewayUrl: "http://127.0.0.1:8095", active: false, pilotCounterparties: null };
    profiles.push(p);
    return { ...p };
  }

  function changed(ids: string[], incoming: number): void {
    opts.emit("messages-changed", { correlationIds: ids, incoming });
    opts.emit("app-status", status());
  }

  function status(): AppStatus {
    const p = active();
    return {
      profile: { ...p },
      environment: p.environment,
      embeddedSandbox: p.environment === "sandbox",
      bridge: p.environment === "staging" ? { state: "backingOff", attempt: 3, until: iso(40_000), lastError: "connection refused" } : { state: "connected" },
      outboxPending: [...threads.values()].filter((t) => t.profileId === activeId && t.summary.state === "queued").length,
      version: "0.1.0-mock",
    };
  }

  // ---- checker ---------------------------------------------------------------------------

  function check(form: ComposeForm): FindingView[] {
    const out: FindingView[] = [];
    const err = (path: string, rule: string, message: string) => out.push({ severity: "error", path, rule, message });
    const warn = (path: string, rule: string, message: string) => out.push({ severity: "warning", path, rule, message });
    const root = form.useCase === "coverageeligibility" ? "CoverageEligibilityRequest" : "Claim";
    if (!form.recipient) {
      err(`${root}.insurer`, "HCX-RECIPIENT", "Choose the payer or TPA to send to.");
    } else if (!COUNTERPARTIES.some((c) => c.code === form.recipient && c.status === "Active")) {
      err(`${root}.insurer`, "HCX-RECIPIENT", "This participant is not active on the exchange.");
    }
    if (!form.patientName.trim()) {
      err("Patient.name", "NRCES-PAT-1", "The patient's name is required.");
    }
    if (!["male", "female", "other", "unknown"].includes(form.patientGender)) {
      err("Patient.gender", "NRCES-PAT-2", "Choose the patient's gender.");
    }
    if (form.patientBirthDate && form.patientBirthDate > iso(0).slice(0, 10)) {
      err("Patient.birthDate", "NRCES-PAT-3", "The birth date is in the future.");
    }
    if (form.patientAbha && !/^\d{2}-?\d{4}-?\d{4}-?\d{4}$/.test(form.patientAbha) && !/@/.test(form.patientAbha)) {
      warn("Patient.identifier[0].value", "ABDM-ABHA", "An ABHA number has 14 digits (91-1234-5678-9012) or is an ABHA address (name@abdm).");
    }
    if (!form.policyNumber.trim()) {
      err("Coverage.subscriberId", "NRCES-COV-1", "The policy number is required.");
    }
    if (form.useCase !== "coverageeligibility") {
      if (form.diagnoses.length === 0) {
        err("Claim.diagnosis", "NHCX-DX-1", "At least one diagnosis (ICD-10) is required.");
      }
      form.diagnoses.forEach((d, i) => {
        if (!/^[A-Z]\d{2}(\.\d{1,4})?$/.test(d)) {
          warn(`Claim.diagnosis[${i}].diagnosisCodeableConcept`, "NHCX-DX-2", `"${d}" does not look like an ICD-10 code (e.g. K35.80).`);
        }
      });
      if (form.items.length === 0) {
        err("Claim.item", "NHCX-ITEM-1", "Add at least one billed item.");
      }
      form.items.forEach((it, i) => {
        if (!it.code.trim()) {
          err(`Claim.item[${i}].productOrService`, "NHCX-ITEM-2", "Each item needs a package or service code.");
        }
        if (!isDecimal(it.quantity) || compare(it.quantity, "0") <= 0) {
          err(`Claim.item[${i}].quantity`, "NHCX-ITEM-3", "The quantity must be more than zero.");
        }
        if (!isDecimal(it.unitPrice) || compare(it.unitPrice, "0") <= 0) {
          err(`Claim.item[${i}].unitPrice`, "NHCX-ITEM-4", "The unit price must be more than zero rupees.");
        } else if ((it.unitPrice.split(".")[1] ?? "").length > 2) {
          err(`Claim.item[${i}].unitPrice`, "NHCX-ITEM-5", "Amounts have at most two decimal places (paise).");
        }
      });
      if (form.useCase === "claim" && form.attachments.length === 0) {
        warn("Claim.supportingInfo", "NHCX-DOC-1", "Payers usually need the final bill and the discharge summary with a claim.");
      }
    }
    return out;
  }

  // ---- the demo payer --------------------------------------------------------------------

  function later(ms: number, f: () => void): void {
    setTimeout(f, Math.round(ms * scale));
  }

  function payerAnswers(th: Thread): void {
    const id = th.summary.correlationId;
    later(500, () => {
      dispatched(th, iso(0));
      changed([id], 0);
    });
    later(1100, () => {
      const total = th.summary.requested ?? "0";
      const patient = th.summary.patient ?? "";
      if (/query/i.test(patient)) {
        decideAll(th, iso(0), [], "query", { documentsRequested: ["Discharge summary"] });
      } else if (th.summary.useCase !== "coverageeligibility" && compare(total, "500000") > 0) {
        decideAll(th, iso(0), (th.request?.items ?? []).map((it) => mul(it.net?.value ?? "0", "0.8")), "partial", { reasons: ["Above the package ceiling"] });
      } else {
        decideAll(th, iso(0), [], "complete");
      }
      changed([id], 1);
      if (th.summary.useCase === "claim" && th.summary.state === "complete") {
        later(1500, () => {
          paymentNotice(th, iso(0), th.summary.approved ?? "0", `DEMO${seq}UTR`);
          changed([id], 1);
        });
      }
    });
  }

  function receipt(th: Thread): SendReceipt {
    const last = th.timeline[th.timeline.length - 1];
    return { correlationId: th.summary.correlationId, apiCallId: last?.apiCallId ?? "", workflowId: th.summary.workflowId, state: "acknowledged" };
  }

  function sendCompose(form: ComposeForm): SendReceipt {
    const findings = check(form);
    const errors = findings.filter((f) => f.severity === "error").length;
    if (errors > 0) {
      fail("checker_failed", `The checker found ${errors} error${errors === 1 ? "" : "s"}; fix ${errors === 1 ? "it" : "them"} before sending.`);
    }
    const p = active();
    if (p.pilotCounterparties && !p.pilotCounterparties.includes(form.recipient)) {
      fail("pilot_blocked", `Pilot mode: this profile may only send to ${p.pilotCounterparties.join(", ")}.`);
    }
    const related = form.relatedCorrelationId ? threads.get(form.relatedCorrelationId) : undefined;
    const total = form.items.length ? itemsTotal(form.items) : null;
    const th = newThread(activeId, {
      useCase: form.useCase,
      counterparty: form.recipient,
      direction: "outgoing",
      state: "acknowledged",
      patient: form.patientName,
      requested: total,
      workflowId: form.workflowId ?? related?.summary.workflowId ?? `wf-${uuid().slice(0, 8)}`,
      dueAt: iso(form.useCase === "coverageeligibility" ? 15 * MIN : 6 * HOUR),
    });
    const summary = startRequest(th, form, form.recipient, p.participantCode);
    node(th, { kind: "composed", at: iso(0), out: true, action: ACTIONS[th.summary.useCase] ?? "", headline: `${useCaseWord(th.summary.useCase)} composed for ${form.patientName}`, summary, amount: total });
    node(th, { kind: "acknowledged", at: iso(0), out: true, action: ACTIONS[th.summary.useCase] ?? "", status: "request.queued", headline: "Sent; the gateway acknowledged it (202)", summary, amount: total, ack: true });
    changed([th.summary.correlationId], 0);
    payerAnswers(th);
    return receipt(th);
  }

  function answer(form: QueryAnswerForm): SendReceipt {
    const th = thread(form.correlationId);
    if (th.summary.state !== "query") {
      fail("conflict", "This cycle has no open query to answer.");
    }
    if (!form.text.trim() && form.attachments.length === 0) {
      fail("invalid_input", "Write an answer or attach at least one document.");
    }
    node(th, {
      kind: "answer",
      at: iso(0),
      out: true,
      action: "/communication/on_request",
      headline: `Answered with ${form.attachments.length} document${form.attachments.length === 1 ? "" : "s"}`,
      summary: queryReplySummary(facts(th), uuid(), form.text, form.attachments),
      ack: true,
    });
    th.summary.state = "answered";
    th.summary.updatedAt = iso(0);
    th.summary.dueAt = iso(4 * HOUR);
    changed([th.summary.correlationId], 0);
    later(1200, () => {
      decideAll(th, iso(0), [], "complete");
      changed([th.summary.correlationId], 1);
    });
    return receipt(th);
  }

  function ownDecision(th: Thread, kind: string, headline: string, summary: Summary | null, amount: string | null, state: string, status: string | null, action = onAction(th.summary.useCase)): SendReceipt {
    node(th, { kind, at: iso(0), out: true, action, status, amount, headline, summary, ack: true });
    th.summary.state = state;
    th.summary.updatedAt = iso(0);
    th.summary.dueAt = null;
    changed([th.summary.correlationId], 0);
    return receipt(th);
  }

  function decide(form: DecisionForm): SendReceipt {
    const th = thread(form.correlationId);
    if (th.summary.direction !== "incoming") {
      fail("conflict", "Only incoming requests can be decided.");
    }
    if (!["approve", "partial", "reject"].includes(form.outcome)) {
      fail("invalid_input", `Unknown outcome "${form.outcome}".`);
    }
    if (form.outcome !== "approve" && form.reasons.length === 0 && !form.note) {
      fail("invalid_input", "Give at least one reason for a partial approval or a rejection.");
    }
    for (const it of form.items) {
      if (!isDecimal(it.approved)) {
        fail("invalid_input", `Item ${it.sequence}: "${it.approved}" is not an amount.`);
      }
    }
    const approved = form.outcome === "reject" ? "0.00" : sum(form.items.map((i) => i.approved));
    const decided: ItemDecision[] = (th.request?.items ?? []).map((it, i) => {
      const sequence = it.sequence ?? i + 1;
      const requested = it.net?.value ?? "0";
      const d = form.items.find((x) => x.sequence === sequence);
      return { sequence, requested, approved: form.outcome === "reject" ? "0.00" : (d?.approved ?? requested), reason: d?.reason ?? null };
    });
    const word = form.outcome === "approve" ? "Approved" : form.outcome === "partial" ? "Partly approved" : "Rejected";
    const headline = form.outcome === "reject" ? `Rejected: ${form.reasons.join("; ") || form.note}` : `${word} ₹${formatIndian(approved)} of ₹${formatIndian(th.summary.requested ?? "0")}`;
    th.summary.approved = approved;
    const t = th.summary;
    return ownDecision(
      th,
      form.outcome === "partial" ? "partial" : "complete",
      headline,
      claimResponseSummary(facts(th), uuid(), decided, {
        outcome: form.outcome === "partial" ? "partial" : "complete",
        disposition: headline,
        reasons: form.reasons,
        notes: form.note ? [form.note] : [],
        preAuthRef: t.useCase === "preauth" && form.outcome !== "reject" ? `PA-${t.correlationId.slice(0, 6).toUpperCase()}` : null,
      }),
      approved,
      form.outcome === "partial" ? "partial" : form.outcome === "reject" ? "rejected" : "complete",
      form.outcome === "partial" ? "response.partial" : "response.complete",
    );
  }

  function inspect(text: string): InspectView {
    const view: InspectView = { protected: null, payload: null, alg: null, errors: [], summary: null };
    let jwe = text.trim();
    if (jwe.startsWith("{")) {
      try {
        const body = JSON.parse(jwe) as { payload?: unknown };
        if (typeof body.payload !== "string") {
          view.errors.push('The JSON body has no "payload" string: a callback body is {"payload": "<JWE>"}.');
          return view;
        }
        jwe = body.payload;
      } catch {
        view.errors.push("Not valid JSON.");
        return view;
      }
    }
    const parts = jwe.split(".");
    if (parts.length !== 5) {
      view.errors.push(`Not a compact JWE: expected 5 dot-separated parts, found ${parts.length}.`);
      return view;
    }
    try {
      view.protected = JSON.parse(unb64url(parts[0] ?? "")) as JsonValue;
    } catch {
      view.errors.push("The protected header is not base64url-encoded JSON.");
      return view;
    }
    const h = view.protected as Record<string, JsonValue>;
    view.alg = typeof h.alg === "string" ? `${h.alg} + ${String(h.enc ?? "?")}` : null;
    const recipient = h["x-hcx-recipient_code"];
    if (recipient !== active().participantCode) {
      view.errors.push(`Cannot decrypt: addressed to ${String(recipient)}, and this profile holds the key of ${active().participantCode}.`);
      return view;
    }
    const known = [...threads.values()].flatMap((t) => t.timeline).find((n) => n.apiCallId === h["x-hcx-api_call_id"]);
    if (!known) {
      view.errors.push("Cannot decrypt: the authentication tag does not match (the payload was altered or encrypted for another key).");
      return view;
    }
    view.payload = known.fhir;
    view.summary = known.summary;
    return view;
  }

  /** A sample sealed message of the active profile, for the inspector's tests (fake ciphertext). */
  function sampleJwe(): string {
    const n = [...threads.values()].filter((t) => t.profileId === activeId).flatMap((t) => t.timeline).find((x) => x.direction === "in" && x.summary);
    const header = n ? n.headers : { alg: "RSA-OAEP-256", enc: "A256GCM" };
    return [b64url(JSON.stringify(header)), "ZmFrZS1rZXk", "aXYtaXYtaXY", "Y2lwaGVydGV4dA", "dGFn"].join(".");
  }

  const handlers: Record<string, (a: Record<string, unknown>) => unknown> = {
    app_status: () => status(),
    list_profiles: () => profiles.map((p) => ({ ...p, active: p.id === activeId })),
    use_profile: (a) => {
      const p = profiles.find((x) => x.id === a.id);
      if (!p) {
        fail("not_found", `No profile "${String(a.id)}".`);
      }
      activeId = p.id;
      changed([], 0);
      return { ...p, active: true };
    },
    add_sandbox_desk: (a) => addDesk(String(a.name ?? ""), String(a.role ?? "")),
    list_counterparties: () => COUNTERPARTIES.filter((c) => c.code !== active().participantCode).map((c) => ({ ...c })),
    list_threads: (a) => listThreads((a.filter ?? {}) as ThreadFilter),
    get_thread: (a) => detail(thread(a.correlationId)),
    get_workflow: (a) => workflow(a.workflowId),
    check_compose: (a) => check(a.form as ComposeForm),
    send_compose: (a) => sendCompose(a.form as ComposeForm),
    answer_query: (a) => answer(a.form as QueryAnswerForm),
    acknowledge_payment: (a) => {
      const th = thread(a.correlationId);
      if (!th.summary.settled) {
        fail("conflict", "No payment notice to acknowledge on this cycle.");
      }
      node(th, { kind: "payment", at: iso(0), out: true, action: "/paymentnotice/on_request", amount: th.summary.settled, headline: `Payment of ₹${formatIndian(th.summary.settled)} acknowledged`, ack: true });
      th.summary.state = "paid";
      th.summary.updatedAt = iso(0);
      changed([th.summary.correlationId], 0);
      return receipt(th);
    },
    ask_status: (a) => {
      const th = thread(a.correlationId);
      node(th, { kind: "sent", at: iso(0), out: true, action: "/hcx/status", headline: "Asked for status: the payer has it (request.dispatched)", ack: true });
      changed([th.summary.correlationId], 0);
      return receipt(th);
    },
    tpa_inbox: () => summaries().filter((t) => t.direction === "incoming" && (t.state === "dispatched" || t.state === "answered")).sort((a, b) => (a.dueAt ?? "").localeCompare(b.dueAt ?? "")),
    decide: (a) => decide(a.form as DecisionForm),
    request_documents: (a) => {
      const th = thread(a.correlationId);
      const docs = (a.documents as string[] | undefined) ?? [];
      if (docs.length === 0 && !String(a.text ?? "").trim()) {
        fail("invalid_input", "Name at least one document or write what you need.");
      }
      // Each document and the free text become one ask of the CommunicationRequest.
      const asks = [...docs, String(a.text ?? "").trim()].filter((x) => x !== "");
      return ownDecision(th, "query", `Asked for: ${docs.join(", ") || String(a.text)}`, queryRequestSummary(facts(th), uuid(), asks), null, "query", null, "/communication/request");
    },
    redirect: (a) => {
      const th = thread(a.correlationId);
      const to = String(a.to ?? "");
      if (!COUNTERPARTIES.some((c) => c.code === to && c.roles.includes("payor"))) {
        fail("invalid_input", "Redirect only to an active payer.");
      }
      // A redirect is headers only (x-hcx-redirect_to): there is no payload to summarise.
      return ownDecision(th, "redirect", `Redirected to ${cpName(to) ?? to}`, null, null, "redirected", "response.redirect");
    },
    key_status: (): KeyStatus => ({
      backend: "Secret Service (gnome-keyring)",
      hasPrivateKey: true,
      fingerprint: "SHA256:9f:2c:41:7a:d0:5e:b3:18:66:c4:0e:9b:27:f1:a8:53",
      certificateExpiresAt: iso(23 * 24 * HOUR),
      hasPreviousKey: active().environment === "production",
    }),
    run_preflight: async (): Promise<PreflightCheck[]> => {
      await new Promise((r) => setTimeout(r, Math.round(400 * scale)));
      const staging = active().environment === "staging";
      return [
        { name: "Gateway reachable", ok: !staging, detail: staging ? "No answer from https://staging-gateway.invalid within 10 s." : "Answered in 38 ms." },
        { name: "Access token", ok: !staging, detail: staging ? "Skipped: the gateway is unreachable." : "Issued; valid for 59 minutes." },
        { name: "Registry record", ok: true, detail: `${active().participantCode} is Active with roles ${active().roles.join(", ")}.` },
        { name: "Certificate matches the private key", ok: true, detail: "The registry's certificate has this key's public half." },
        { name: "Callback mailbox", ok: !staging, detail: staging ? "The bridge is backing off (attempt 3): connection refused." : "Probe delivered and read back in 120 ms." },
        { name: "Clock", ok: true, detail: "Within 2 s of the gateway's clock." },
      ];
    },
    inspect: (a) => inspect(String(a.text ?? "")),
    // Not part of the contract: lets the browser tests and dev:mock fetch a sample JWE.
    mock_sample_jwe: () => sampleJwe(),
    // Issue 8: certification, registration, the sandbox operator, credentials and go-live.
    ...createOnboarding({
      profiles,
      activeId: () => activeId,
      iso,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.round(ms * scale))),
      notify: () => changed([], 0),
    }),
  };

  return {
    handle: async (cmd, args) => {
      const h = handlers[cmd];
      if (!h) {
        throw `command ${cmd} not found`;
      }
      // Copies, so the UI can never mutate the backend's state through a returned object.
      return JSON.parse(JSON.stringify(await h(args ?? {}))) as unknown;
    },
  };
}

