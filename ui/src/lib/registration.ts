// The registration form's logic: which input each FieldView kind gets, findings placed at
// their field (finding.path == field.path, both dotted paths into the application JSON), when
// "Submit application" is allowed, and where the onboarding stepper stands.

import type { FieldView } from "../bindings/FieldView";
import type { FindingView } from "../bindings/FindingView";
import type { GoLiveView } from "../bindings/GoLiveView";
import type { OnboardingView } from "../bindings/OnboardingView";
import { getPath } from "./appJson";
import { isDocument } from "./documents";

export const PROTOCOL_VERSIONS = ["v0.7", "v0.8", "v0.9"] as const;

export type Control =
  | { element: "input"; type: "text" | "email" | "tel" | "url" | "date"; inputMode?: "numeric" | "tel" | "email" | "url"; placeholder?: string; maxLength?: number }
  | { element: "textarea"; rows: number; mono: boolean; placeholder?: string }
  | { element: "select"; options: { value: string; label: string }[] }
  | { element: "checkbox" }
  | { element: "file" };

/** The control a field kind is edited with; `roles` are the kind's HCX roles (for `role`). */
export function controlFor(field: FieldView, roles: string[]): Control {
  switch (field.kind) {
    case "long_text":
      return { element: "textarea", rows: 4, mono: false };
    case "certificate_pem":
      return { element: "textarea", rows: 5, mono: true, placeholder: "-----BEGIN CERTIFICATE-----" };
    case "sandbox_certificate":
      return { element: "textarea", rows: 3, mono: true };
    case "email":
      return { element: "input", type: "email", inputMode: "email", placeholder: "name@hospital.in" };
    case "mobile":
      return { element: "input", type: "tel", inputMode: "tel", placeholder: "98xxxxxxxx" };
    case "pincode":
      return { element: "input", type: "text", inputMode: "numeric", placeholder: "560001", maxLength: 6 };
    case "gstn":
      return { element: "input", type: "text", placeholder: "29AAGCB7383J1Z4", maxLength: 15 };
    case "hfr_facility_id":
      return { element: "input", type: "text", placeholder: "IN2910000123", maxLength: 12 };
    case "hpr_id":
    case "manager_id":
      return { element: "input", type: "text", inputMode: "numeric", placeholder: "71-4542-2424-6325" };
    case "rohini_id":
      return { element: "input", type: "text", inputMode: "numeric", placeholder: "13 digits", maxLength: 13 };
    case "irda_registration":
      return { element: "input", type: "text", inputMode: "numeric", placeholder: "108", maxLength: 3 };
    case "endpoint_url":
      return { element: "input", type: "url", inputMode: "url", placeholder: "https://" };
    case "future_date":
      return { element: "input", type: "date" };
    case "document":
      return { element: "file" };
    case "acknowledgement":
      return { element: "checkbox" };
    case "role":
      return { element: "select", options: roles.map((r) => ({ value: r, label: r })) };
    case "protocol_version":
      return { element: "select", options: PROTOCOL_VERSIONS.map((v) => ({ value: v, label: v })) };
    case "hfr_verification_status":
      return {
        element: "select",
        options: [
          { value: "Verified", label: "Verified" },
          { value: "Pending", label: "Pending" },
          { value: "Rejected", label: "Rejected" },
        ],
      };
    case "stakeholder":
      return { element: "select", options: [{ value: "policyholder", label: "Policyholders" }] };
    default:
      // text, irda_user_id, intermediary_licence and any kind this UI does not know yet.
      return { element: "input", type: "text" };
  }
}

/** The value a control writes into the application JSON. */
export function valueFromControl(field: FieldView, raw: string | boolean): unknown {
  if (field.kind === "acknowledgement") return raw === true;
  return typeof raw === "string" ? raw : "";
}

export function isError(f: FindingView): boolean {
  return f.severity !== "warning";
}

/** Findings grouped by the dotted path of the field they belong to. */
export function findingsByPath(findings: FindingView[]): Map<string, FindingView[]> {
  const m = new Map<string, FindingView[]>();
  for (const f of findings) {
    const list = m.get(f.path) ?? [];
    list.push(f);
    m.set(f.path, list);
  }
  return m;
}

/** Findings whose path is no field of the form (listed above the form). */
export function unplacedFindings(findings: FindingView[], fields: FieldView[]): FindingView[] {
  const paths = new Set(fields.map((f) => f.path));
  return findings.filter((f) => !paths.has(f.path));
}

/** "Submit application" is allowed when nothing is an error. */
export function canSubmit(findings: FindingView[]): boolean {
  return !findings.some(isError);
}

/** Whether a field counts as filled (for the "n of m filled" line). */
export function isFilled(field: FieldView, application: unknown): boolean {
  const v = getPath(application, field.path);
  if (field.kind === "acknowledgement") return v === true;
  if (field.kind === "document") return isDocument(v);
  return typeof v === "string" ? v.trim() !== "" : v !== null && v !== undefined;
}

// ---- the stepper -----------------------------------------------------------------------------

export type StepId = "certify" | "register" | "verify" | "credentials" | "golive";
export type StepState = "done" | "current" | "todo" | "blocked";

export interface Step {
  id: StepId;
  title: string;
  state: StepState;
  note: string;
}

/** Where each step stands, from the sandbox profile's view and its newest production profile. */
export function onboardingSteps(view: OnboardingView | null, production: GoLiveView | null): Step[] {
  const cert = view?.certification ?? null;
  const app = production?.application ?? null;
  const certState: StepState = cert === null ? "current" : cert.state === "valid" ? "done" : "blocked";
  const certNote = cert === null ? "Not run yet" : cert.state === "valid" ? "Certificate valid" : cert.reasons[0] ?? `Certificate ${cert.state}`;
  const registerState: StepState = app ? "done" : certState === "done" ? "current" : "todo";
  const registerNote = app ? `Submitted (${app.applicationId})` : view?.draft ? "Draft saved" : "Not started";
  let verifyState: StepState = "todo";
  let verifyNote = "After you submit";
  if (app) {
    verifyState = app.state === "approved" ? "done" : app.state === "rejected" ? "blocked" : "current";
    verifyNote = app.state.replace(/_/g, " ");
  }
  let credState: StepState = "todo";
  let credNote = "After approval";
  if (production?.credentialsStoredAt) {
    credState = "done";
    credNote = "In the OS keychain";
  } else if (app?.credentials === "ready") {
    credState = "current";
    credNote = "Ready to fetch";
  }
  let goState: StepState = "todo";
  let goNote = "After the credentials";
  if (production && credState === "done") {
    const done = production.items.filter((i) => i.status === "done").length;
    goState = production.ready ? "done" : production.items.some((i) => i.status === "blocked") ? "blocked" : "current";
    goNote = `${done} of ${production.items.length} done`;
  }
  return [
    { id: "certify", title: "Certify", state: certState, note: certNote },
    { id: "register", title: "Register", state: registerState, note: registerNote },
    { id: "verify", title: "Verify", state: verifyState, note: verifyNote },
    { id: "credentials", title: "Credentials", state: credState, note: credNote },
    { id: "golive", title: "Go-live checklist", state: goState, note: goNote },
  ];
}

/** The step to open: the first that is not done (the last one when all are). */
export function firstOpenStep(steps: Step[]): StepId {
  return (steps.find((s) => s.state !== "done") ?? steps[steps.length - 1])?.id ?? "certify";
}

const dateFmt = new Intl.DateTimeFormat("en-IN", { day: "2-digit", month: "short", year: "numeric" });

/** "21 Nov 2026" in the local zone; the raw text if it is not a valid time. */
export function formatLocalDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

/** Pilot list text ("A, B\nC") → unique trimmed codes, in order. */
export function parseCodes(text: string): string[] {
  const out: string[] = [];
  for (const c of text.split(/[\s,;]+/)) {
    const t = c.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}
