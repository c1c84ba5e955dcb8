// The mock backend's onboarding (issue 8): a sandbox that certifies, an operator that takes
// applications, looks facilities up in a tiny HFR / ROHINI register, "texts" an OTP (readable
// through `sandbox_operator_messages`), routes empanelment approvals to the named payer, and
// issues production credentials once. It answers the same commands with the same types as
// src-tauri, and checks the obvious formats the way hcx-onboard does, so findings in the
// browser tests mean something. Field specs are copied from
// crates/hcx-onboard/src/registration/fields.rs.

import type { ApplicationView } from "../bindings/ApplicationView";
import type { ApprovalView } from "../bindings/ApprovalView";
import type { CertificationView } from "../bindings/CertificationView";
import type { ChecklistItemView } from "../bindings/ChecklistItemView";
import type { CompromiseView } from "../bindings/CompromiseView";
import type { ErrorView } from "../bindings/ErrorView";
import type { FindingView } from "../bindings/FindingView";
import type { GoLiveView } from "../bindings/GoLiveView";
import type { OnboardingView } from "../bindings/OnboardingView";
import type { OperatorMessageView } from "../bindings/OperatorMessageView";
import type { ProfileView } from "../bindings/ProfileView";
import type { RegistrationDraftView } from "../bindings/RegistrationDraftView";
import type { RegistrationKindView } from "../bindings/RegistrationKindView";
import type { ScenarioView } from "../bindings/ScenarioView";
import { getPath, setPath, type JsonObject } from "../lib/appJson";
import FORMS from "./fixtures/registration-kinds.json";

export interface OnboardingContext {
  profiles: ProfileView[];
  activeId: () => string;
  iso: (offsetMs: number) => string;
  /** Waits `ms` scaled by the backend's delay scale. */
  sleep: (ms: number) => Promise<void>;
  /** Announces a change (messages-changed and app-status). */
  notify: () => void;
}

/** The OTP the mock operator always sends. */
export const MOCK_OTP = "123456";

const DAY = 24 * 3_600_000;

function fail(code: string, message: string): never {
  const e: ErrorView = { code, message };
  throw e;
}

// ---- field specs -----------------------------------------------------------------------------

// The forms exactly as the console serves them (`registration_kinds()`), committed by a Rust
// test that fails when they drift (crates/hcx-console/src/apply.rs).

type Req = "req" | "opt" | { role: string };
interface Spec {
  path: string;
  label: string;
  kind: string;
  req: Req;
  help: string;
}

const KINDS: RegistrationKindView[] = FORMS as RegistrationKindView[];

function specs(kind: string): Spec[] {
  const k = KINDS.find((x) => x.kind === kind);
  return (k?.fields ?? []).map((field) => ({
    path: field.path,
    label: field.label,
    kind: field.kind,
    req: field.required ? "req" : field.requiredForRole ? { role: field.requiredForRole } : "opt",
    help: field.help,
  }));
}

function kindView(kind: string): RegistrationKindView {
  const k = KINDS.find((x) => x.kind === kind);
  if (!k) fail("invalid_input", `"${kind}" is not a kind of registrant.`);
  return structuredClone(k);
}

// ---- format checks (formats.rs) --------------------------------------------------------------

const GSTN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function gstnCheckChar(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const v = GSTN_ALPHABET.indexOf(first14[i] ?? "");
    const product = v * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return GSTN_ALPHABET[(36 - (sum % 36)) % 36] ?? "";
}

function checkGstn(value: string): string | null {
  const g = value.trim().toUpperCase();
  if (g.length !== 15) return `A GSTN has 15 characters; this one has ${g.length}`;
  if (!/^[0-9A-Z]+$/.test(g)) return "A GSTN has only letters and digits";
  const state = Number(g.slice(0, 2));
  if (!/^\d\d$/.test(g.slice(0, 2)) || !((state >= 1 && state <= 38) || state === 97 || state === 99)) {
    return "A GSTN starts with a 2-digit state code (01 to 38, or 97 / 99)";
  }
  if (!/^[A-Z]{5}\d{4}[A-Z]$/.test(g.slice(2, 12))) return "Characters 3 to 12 of a GSTN are the PAN: 5 letters, 4 digits, 1 letter";
  if (g[12] === "0") return "Character 13 of a GSTN is 1-9 or A-Z (the registration count), not 0";
  if (g[13] !== "Z") return "Character 14 of a GSTN is always Z";
  if (g[14] !== gstnCheckChar(g.slice(0, 14))) return "The last character of this GSTN does not match its checksum; check for a typing mistake";
  return null;
}

function checkMobile(value: string): string | null {
  const compact = value.trim().replace(/[ -]/g, "");
  const national = compact.startsWith("+91") ? compact.slice(3) : compact;
  return /^[6-9]\d{9}$/.test(national) ? null : "Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9 (with or without +91)";
}

function checkEmail(value: string): string | null {
  const v = value.trim();
  const ok = /^[A-Za-z0-9._%+'-]{1,64}@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/.test(v) && !v.split("@")[0]!.startsWith(".") && !v.includes("..");
  return ok ? null : "Enter an e-mail address such as accounts@hospital.in";
}

function checkAbdmNumber(value: string, what: string): string | null {
  const v = value.trim();
  const grouped = !v.includes("-") || v.split("-").map((p) => p.length).join(",") === "2,4,4,4";
  return /^\d{14}$/.test(v.replace(/-/g, "")) && grouped ? null : `${what} is a 14-digit number, written plain or as 71-4542-2424-6325`;
}

function checkFormat(spec: Spec, value: unknown, kind: string, today: string): { code: string; message: string } | null {
  const text = typeof value === "string" ? value : "";
  const format = (m: string | null) => (m ? { code: "format", message: m } : null);
  switch (spec.kind) {
    case "text":
      return format(text.length > 200 || /[\u0000-\u001f]/.test(text) ? `${spec.label} must be one line of at most 200 characters` : null);
    case "long_text":
      return format(text.length > 4000 ? "Keep this under 4000 characters" : null);
    case "email":
      return format(checkEmail(text));
    case "mobile":
      return format(checkMobile(text));
    case "pincode":
      return format(/^[1-9]\d{5}$/.test(text.trim()) ? null : "A PIN code is 6 digits and does not start with 0");
    case "gstn":
      return format(checkGstn(text));
    case "hfr_facility_id":
      return format(/^IN\d{10}$/i.test(text.trim()) ? null : "An HFR facility id is IN followed by 10 digits, e.g. IN2910000123");
    case "hpr_id":
      return format(checkAbdmNumber(text, "An HPR id"));
    case "manager_id":
      return format(checkAbdmNumber(text, "The facility manager's HFR id"));
    case "rohini_id":
      return format(/^\d{13}$/.test(text.trim()) ? null : "A ROHINI id is 13 digits");
    case "irda_registration":
      return format(/^\d{3}$/.test(text.trim()) ? null : "The IRDAI registration / licence number is the 3-digit number IRDAI issued, e.g. 108");
    case "intermediary_licence":
      return format(/^(?=.*\d)[A-Za-z0-9/\-. ]{3,30}$/.test(text.trim()) ? null : "The IRDAI licence number has 3 to 30 letters, digits, '/', '-' or '.'");
    case "irda_user_id":
      return format(/^[A-Za-z0-9._@-]{3,64}$/.test(text.trim()) ? null : "The IRDAI user id has 3 to 64 letters, digits, '.', '_', '-' or '@'");
    case "endpoint_url":
      return format(/^https?:\/\/[^/\s]\S*$/.test(text.trim()) ? null : "The callback address must start with https:// (or http:// for local tests)");
    case "future_date":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) return format("Enter the date as YYYY-MM-DD, e.g. 2027-03-31");
      return text.trim() < today ? { code: "expired", message: `${spec.label} is in the past (${text.trim()}); renew it before registering` } : null;
    case "document": {
      const d = value as Record<string, unknown>;
      if (typeof d !== "object" || typeof d.title !== "string" || typeof d.data !== "string" || typeof d.size !== "number") {
        return { code: "document", message: "The attachment is incomplete; attach the file again" };
      }
      if (!["application/pdf", "image/jpeg", "image/png"].includes(String(d.content_type))) {
        return { code: "document", message: `Attach a PDF, JPEG or PNG file (this one is "${String(d.content_type)}")` };
      }
      return d.size > 10 * 1024 * 1024 ? { code: "document", message: "The file is larger than 10 MB; attach a smaller scan" } : null;
    }
    case "role": {
      const roles = KINDS.find((k) => k.kind === kind)?.roles ?? [];
      return roles.includes(text) ? null : { code: "not_allowed", message: `${KINDS.find((k) => k.kind === kind)?.label ?? kind} can register as ${roles.join(" or ")} only, not ${text}` };
    }
    case "protocol_version":
      return format(["v0.7", "v0.8", "v0.9"].includes(text) ? null : "Choose the protocol version: v0.7, v0.8 or v0.9");
    case "certificate_pem":
      return format(text.trim().startsWith("-----BEGIN CERTIFICATE-----") ? null : "Paste the certificate as PEM (it starts with -----BEGIN CERTIFICATE-----)");
    case "sandbox_certificate":
      return format(text.split(".").length === 3 ? null : "This is not a sandbox certificate; paste the certificate the certification suite produced");
    case "hfr_verification_status":
      return text.trim().toLowerCase() === "verified" ? null : { code: "not_allowed", message: "Only facilities verified in HFR can register this way; finish the HFR verification first" };
    case "stakeholder":
      return text.trim().toLowerCase() === "policyholder" ? null : { code: "not_allowed", message: "BSPs serve policyholders only for now" };
    default:
      return null;
  }
}

function isEmpty(v: unknown, kind: string): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "string") return v.trim() === "";
  if (typeof v === "boolean") return kind === "acknowledgement" && !v;
  return false;
}

/** validate.rs: presence, then the format of each filled field. */
export function validateApplication(app: JsonObject, today: string): FindingView[] {
  const kind = String(app.kind ?? "");
  const role = String(getPath(app, "common.role") ?? "");
  const out: FindingView[] = [];
  for (const s of specs(kind)) {
    const required = s.req === "req" || (typeof s.req === "object" && s.req.role === role);
    const value = getPath(app, s.path);
    if (isEmpty(value, s.kind)) {
      if (required) {
        const message = s.kind === "acknowledgement" ? `Tick "${s.label}" to continue` : s.kind === "document" ? `Attach the ${s.label.toLowerCase()}` : `${s.label} is required`;
        out.push({ severity: "error", path: s.path, rule: "missing", message });
      }
      continue;
    }
    const problem = checkFormat(s, value, kind, today);
    if (problem) out.push({ severity: "error", path: s.path, rule: problem.code, message: problem.message });
  }
  return out;
}

// ---- the sandbox's little registers ----------------------------------------------------------

/** HFR: facility id → manager's mobile on record (the OTP goes there, "as per HFR"). */
const HFR: Record<string, { name: string; mobile: string }> = {
  IN2910000123: { name: "Sunrise Multispeciality Hospital", mobile: "9845012345" },
  IN2710000456: { name: "Lakeview Clinic", mobile: "9820098200" },
};

// ---- state -----------------------------------------------------------------------------------

interface Application {
  id: string;
  /** The sandbox profile it was made from. */
  sourceProfileId: string;
  /** The production profile it created. */
  profileId: string;
  kind: string;
  json: JsonObject;
  state: string;
  awaitingPayer: string | null;
  payerCode: string | null;
  participantCode: string | null;
  reasons: string[];
  otpSentTo: string | null;
  credentials: string;
  history: { at: string; state: string; note: string }[];
  submittedAt: string;
}

interface GoLiveState {
  pilotEnabled: boolean;
  pilot: string[];
  staffTrainedBy: string | null;
  staffTrainedAt: string | null;
  credentialsStoredAt: string | null;
}

const PROVIDER_SCENARIOS = [
  ["eligibility.approved", "Policy in force: the answer was read and shown as covered"],
  ["eligibility.rejected", "Policy not in force: shown as not covered"],
  ["preauth.approved", "Approved in full; amounts match"],
  ["preauth.partial", "Partly approved; the cut item carries the payer's reason"],
  ["preauth.enhancement", "Enhancement sent on the same workflow and approved"],
  ["claim.rejected", "Rejection read with its reason"],
  ["claim.query_answered", "Query answered with a document; then decided"],
  ["claim.approved", "Approved in full"],
  ["paymentnotice.acknowledged", "Payment notice acknowledged"],
  ["error.unknown_participant", "Refused by the gateway: ERR_INVALID_RECIPIENT"],
  ["error.inactive_participant", "Refused by the gateway: ERR_RECIPIENT_INACTIVE"],
  ["error.missing_header", "Refused by the gateway: ERR_MANDATORY_HEADER_MISSING"],
  ["error.undecryptable", "The recipient answered ERR_INVALID_ENCRYPTION"],
  ["error.wrong_payload", "The recipient answered ERR_INVALID_PAYLOAD"],
];

function b64url(text: string): string {
  return btoa(unescape(encodeURIComponent(text))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function masked(mobile: string): string {
  const digits = mobile.replace(/\D/g, "").slice(-10);
  return `******${digits.slice(-4)}`;
}

export function createOnboarding(ctx: OnboardingContext) {
  const certs = new Map<string, CertificationView>();
  const drafts = new Map<string, RegistrationDraftView>();
  const apps = new Map<string, Application>();
  const golive = new Map<string, GoLiveState>();
  const messages: OperatorMessageView[] = [];
  let seq = 0;
  let codeSeq = 9000;

  const today = () => ctx.iso(0).slice(0, 10);
  const profile = (id: string) => ctx.profiles.find((p) => p.id === id) ?? fail("not_found", `No profile "${id}".`);
  const active = () => profile(ctx.activeId());

  function event(a: Application, state: string, note: string) {
    a.state = state;
    a.history.push({ at: ctx.iso(0), state, note });
  }

  function appView(a: Application): ApplicationView {
    return {
      profileId: a.profileId,
      applicationId: a.id,
      kind: a.kind,
      participantName: String(getPath(a.json, "common.participant_name") ?? ""),
      state: a.state,
      awaitingPayer: a.awaitingPayer,
      participantCode: a.participantCode,
      reasons: [...a.reasons],
      otpSentTo: a.otpSentTo,
      credentials: a.credentials,
      history: a.history.map((h) => ({ ...h })),
      submittedAt: a.submittedAt,
    };
  }

  function appOf(profileId: string): Application {
    const a = [...apps.values()].find((x) => x.profileId === profileId);
    return a ?? fail("not_found", "This profile was not made by an onboarding application.");
  }

  function gl(profileId: string): GoLiveState {
    let g = golive.get(profileId);
    if (!g) {
      g = { pilotEnabled: false, pilot: [], staffTrainedBy: null, staffTrainedAt: null, credentialsStoredAt: null };
      golive.set(profileId, g);
    }
    return g;
  }

  /** golive.rs `checklist`, fed with what the mock knows. */
  function goLiveView(profileId: string): GoLiveView {
    const p = profile(profileId);
    const a = [...apps.values()].find((x) => x.profileId === profileId) ?? null;
    const g = gl(profileId);
    const cert = a ? certs.get(a.sourceProfileId) ?? null : null;
    const items: ChecklistItemView[] = [];
    const item = (id: string, title: string, status: string, detail: string) => items.push({ id, title, status, detail });
    if (!cert) item("certificate_valid", "Sandbox certificate valid", "pending", "Run the sandbox certification to earn a certificate");
    else if (cert.state !== "valid") item("certificate_valid", "Sandbox certificate valid", "blocked", cert.reasons.join("; "));
    else item("certificate_valid", "Sandbox certificate valid", "done", `Valid until ${cert.expiresAt.slice(0, 10)}`);
    if (!a) item("registration_approved", "Registration approved", "pending", "Submit the registration to the HCX operator");
    else if (a.state === "approved") item("registration_approved", "Registration approved", "done", "Approved; production credentials issued");
    else if (a.state === "rejected") item("registration_approved", "Registration approved", "blocked", `Rejected: ${a.reasons.join("; ")}`);
    else item("registration_approved", "Registration approved", "pending", `The operator is processing it (${a.state.replace(/_/g, " ")})`);
    // The mock's production preflight is green once the credentials are in the keychain.
    if (g.credentialsStoredAt) item("preflight_green", "Preflight green", "done", "All preflight checks are green");
    else item("preflight_green", "Preflight green", "pending", "Run the preflight checks against production");
    if (g.staffTrainedBy && g.staffTrainedAt) item("staff_trained", "Staff trained", "done", `Confirmed by ${g.staffTrainedBy} on ${g.staffTrainedAt.slice(0, 10)}`);
    else item("staff_trained", "Staff trained", "pending", "Train the desk staff, then tick this box");
    if (g.pilotEnabled && g.pilot.length > 0) item("pilot_list_set", "Pilot list set", "done", `Piloting with ${g.pilot.join(", ")}`);
    else if (g.pilotEnabled) item("pilot_list_set", "Pilot list set", "pending", "Pilot mode is on but nobody is on the pilot list yet");
    else item("pilot_list_set", "Pilot list set", "pending", "Choose a few counterparties to pilot with and turn pilot mode on");
    return {
      profileId,
      environment: p.environment,
      items,
      ready: items.every((i) => i.status === "done"),
      pilotEnabled: g.pilotEnabled,
      pilotCounterparties: [...g.pilot],
      staffTrainedBy: g.staffTrainedBy,
      staffTrainedAt: g.staffTrainedAt,
      credentialsStoredAt: g.credentialsStoredAt,
      application: a ? appView(a) : null,
    };
  }

  async function certify(profileId: string): Promise<CertificationView> {
    const p = profile(profileId);
    if (p.environment !== "sandbox") fail("invalid_input", "Certification runs against a sandbox; choose the sandbox profile.");
    // The real suite takes 10 to 60 s; long enough here that the UI shows its progress.
    await ctx.sleep(4000);
    const scenarios: ScenarioView[] = PROVIDER_SCENARIOS.map(([name, detail]) => {
      seq += 1;
      const ids = [1, 2].map((n) => `c3rt${String(seq).padStart(4, "0")}-0000-4000-8000-${String(seq * 10 + n).padStart(12, "0")}`);
      return { name: name ?? "", passed: true, outcome: "passed", detail: detail ?? "", apiCallIds: ids };
    });
    const issuedAt = ctx.iso(0);
    const expiresAt = ctx.iso(90 * DAY);
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "hcx-sandbox-certificate+jws", kid: p.participantCode }));
    const body = b64url(JSON.stringify({ sub: p.participantCode, role: p.roles[0], ver: "v0.8", iat: issuedAt, exp: expiresAt, scenarios: scenarios.map((s) => s.name) }));
    const c: CertificationView = {
      profileId,
      participantCode: p.participantCode,
      role: p.roles[0] ?? "provider",
      protocolVersion: "v0.8",
      sandbox: "hcx-sandbox@embedded",
      state: "valid",
      reasons: [],
      issuedAt,
      expiresAt,
      scenarios,
      certificate: `${header}.${body}.ZmFrZS1zaWduYXR1cmU`,
    };
    certs.set(profileId, c);
    ctx.notify();
    return c;
  }

  function freshApplication(profileId: string, kind: string): JsonObject {
    const p = profile(profileId);
    const k = kindView(kind);
    let app: JsonObject = { kind, common: {}, details: {} };
    const role = k.roles.find((r) => p.roles.includes(r)) ?? k.roles[0] ?? "";
    app = setPath(app, "common.participant_name", p.name);
    app = setPath(app, "common.role", role);
    app = setPath(app, "common.protocol_version", certs.get(profileId)?.protocolVersion ?? "v0.8");
    // What the console fills itself: the callback address, the encryption certificate, the sandbox certificate.
    app = setPath(app, "common.endpoint_url", "https://bridge.sunrise-hospital.example/hcx");
    app = setPath(app, "common.encryption_cert_pem", "-----BEGIN CERTIFICATE-----\nMIIC…(this profile's certificate)…\n-----END CERTIFICATE-----");
    const cert = certs.get(profileId);
    if (cert && kind !== "regulator") app = setPath(app, "common.sandbox_certificate", cert.certificate);
    if (kind === "bsp") app = setPath(app, "details.stakeholder_serviced", "policyholder");
    return app;
  }

  function draftOf(profileId: string, app: JsonObject): RegistrationDraftView {
    return { profileId, kind: String(app.kind), application: app, savedAt: ctx.iso(0), findings: validateApplication(app, today()) };
  }

  function registrationDraft(profileId: string, kind: string | null): RegistrationDraftView {
    profile(profileId);
    const saved = drafts.get(profileId);
    if (saved && (kind === null || saved.kind === kind)) return saved;
    if (kind === null) fail("not_found", "No draft yet: choose what you are registering as.");
    const d = draftOf(profileId, freshApplication(profileId, kind));
    drafts.set(profileId, d);
    return d;
  }

  function saveDraft(profileId: string, application: JsonObject): RegistrationDraftView {
    profile(profileId);
    kindView(String(application.kind ?? ""));
    const d = draftOf(profileId, application);
    drafts.set(profileId, d);
    return d;
  }

  function sendOtp(a: Application, mobile: string) {
    a.otpSentTo = masked(mobile);
    messages.push({
      at: ctx.iso(0),
      applicationId: a.id,
      channel: "sms",
      to: mobile,
      text: `Your HCX registration OTP is ${MOCK_OTP}. It is valid for 10 minutes. Application ${a.id}.`,
    });
  }

  function submit(profileId: string, application: JsonObject): ApplicationView {
    const src = profile(profileId);
    const cert = certs.get(profileId);
    const kind = String(application.kind ?? "");
    if (kind !== "regulator" && (!cert || cert.state !== "valid")) {
      fail("conflict", "Earn a valid sandbox certificate first: run the certification suite.");
    }
    const findings = validateApplication(application, today());
    if (findings.length > 0) {
      fail("invalid_input", `The application has ${findings.length} problem${findings.length === 1 ? "" : "s"}; fix ${findings.length === 1 ? "it" : "them"} before submitting.`);
    }
    if (kind === "abdm_provider") {
      const hfrId = String(getPath(application, "details.hfr_facility_id")).trim().toUpperCase();
      if (!HFR[hfrId]) fail("gateway_rejected", `The Health Facility Registry has no facility ${hfrId}; check the id in HFR.`);
    }
    seq += 1;
    const id = `APP-${String(1000 + seq)}`;
    const prodId = `${src.id}-live-${seq}`;
    const role = String(getPath(application, "common.role") ?? "provider");
    ctx.profiles.push({
      id: prodId,
      name: `${String(getPath(application, "common.participant_name"))} (production)`,
      participantCode: "(awaiting approval)",
      roles: [role],
      environment: "production",
      gatewayUrl: "https://gateway.hcx.invalid",
      active: false,
      pilotCounterparties: null,
    });
    const a: Application = {
      id,
      sourceProfileId: profileId,
      profileId: prodId,
      kind,
      json: application,
      state: "submitted",
      awaitingPayer: null,
      payerCode: null,
      participantCode: null,
      reasons: [],
      otpSentTo: null,
      credentials: "not_yet",
      history: [],
      submittedAt: ctx.iso(0),
    };
    apps.set(id, a);
    event(a, "submitted", "Received by the HCX operator");
    if (kind === "regulator") {
      event(a, "manual_review", "Regulators are onboarded case by case; an operator will contact you");
    } else if (kind === "abdm_provider") {
      const hfrId = String(getPath(application, "details.hfr_facility_id")).trim().toUpperCase();
      const rec = HFR[hfrId];
      event(a, "verifying", `HFR lookup: ${hfrId} is ${rec?.name}, Verified; manager's mobile taken from HFR`);
      sendOtp(a, rec?.mobile ?? "");
      event(a, "awaiting_otp", `OTP sent to the manager's mobile as per HFR (${a.otpSentTo})`);
    } else {
      event(a, "verifying", kind === "rohini_provider" ? "ROHINI lookup: the id is on the register" : "Documents and details checked");
      const mobile = String(getPath(application, "details.system_admin.mobile") ?? "") || String(getPath(application, "details.manager.mobile") ?? "") || String(getPath(application, "common.primary_mobile") ?? "");
      sendOtp(a, mobile);
      event(a, "awaiting_otp", `OTP sent to ${a.otpSentTo}`);
    }
    drafts.delete(profileId);
    ctx.notify();
    return appView(a);
  }

  function approve(a: Application, note: string) {
    codeSeq += 1;
    a.participantCode = `100000${codeSeq}@hcx`;
    a.credentials = "ready";
    event(a, "approved", `${note}; participant code ${a.participantCode} is Active`);
    const p = profile(a.profileId);
    p.participantCode = a.participantCode;
  }

  function submitOtp(profileId: string, otp: string): ApplicationView {
    const a = appOf(profileId);
    if (a.state !== "awaiting_otp") fail("conflict", `No OTP is awaited: the application is ${a.state.replace(/_/g, " ")}.`);
    if (otp.trim() !== MOCK_OTP) fail("invalid_input", "That OTP is not the one we sent; check the message and try again, or ask for a new one.");
    if (a.kind === "unregistered_provider") {
      const name = String(getPath(a.json, "details.empanelled_by.payer_name") ?? "");
      const code = String(getPath(a.json, "details.empanelled_by.payer_code") ?? "");
      const payer = ctx.profiles.find((p) => (code && p.participantCode === code) || p.roles.includes("payor"));
      a.payerCode = payer?.participantCode ?? (code || null);
      a.awaitingPayer = name || payer?.name || code;
      event(a, "awaiting_payer_approval", `OTP confirmed; ${a.awaitingPayer} has been asked to confirm the empanelment`);
    } else {
      event(a, "verifying", "OTP confirmed");
      approve(a, "Approved by the HCX operator");
    }
    ctx.notify();
    return appView(a);
  }

  function resendOtp(profileId: string): ApplicationView {
    const a = appOf(profileId);
    if (a.state !== "awaiting_otp") fail("conflict", `No OTP is awaited: the application is ${a.state.replace(/_/g, " ")}.`);
    const last = [...messages].reverse().find((m) => m.applicationId === a.id);
    sendOtp(a, last?.to ?? "");
    a.history.push({ at: ctx.iso(0), state: a.state, note: `OTP sent again to ${a.otpSentTo}` });
    return appView(a);
  }

  function fetchCredentials(profileId: string): GoLiveView {
    const a = appOf(profileId);
    const g = gl(profileId);
    if (a.credentials === "issued") {
      fail("conflict", `The production credentials were issued once and went into the OS keychain on ${g.credentialsStoredAt ?? "an earlier day"}; report a compromise to rotate them.`);
    }
    if (a.credentials !== "ready") fail("conflict", "The application is not approved yet; there are no credentials to fetch.");
    a.credentials = "issued";
    g.credentialsStoredAt = ctx.iso(0);
    a.history.push({ at: g.credentialsStoredAt, state: a.state, note: "Production credentials issued and stored in the OS keychain" });
    ctx.notify();
    return goLiveView(profileId);
  }

  function reportCompromise(profileId: string, note: string): CompromiseView {
    const a = appOf(profileId);
    if (a.credentials !== "issued") fail("conflict", "There are no production credentials to rotate yet.");
    seq += 1;
    const at = ctx.iso(0);
    a.history.push({ at, state: a.state, note: `Compromise reported${note.trim() ? ` (${note.trim()})` : ""}: secret and key pair rotated` });
    gl(profileId).credentialsStoredAt = at;
    const hex = (seq * 2654435761 >>> 0).toString(16).padStart(8, "0");
    return { profileId, keyRotated: true, certificateUpdated: true, secretRotatedAt: at, fingerprint: `SHA256:${hex.match(/../g)?.join(":")}:7e:41:0c:9a:d2:5b:33:80` };
  }

  function setPilot(profileId: string, enabled: boolean, counterparties: string[]): GoLiveView {
    const p = profile(profileId);
    const list = [...new Set(counterparties.map((c) => c.trim()).filter((c) => c !== ""))];
    const g = gl(profileId);
    g.pilotEnabled = enabled;
    g.pilot = list;
    p.pilotCounterparties = enabled ? list : null;
    ctx.notify();
    return goLiveView(profileId);
  }

  function markStaffTrained(profileId: string, by: string): GoLiveView {
    profile(profileId);
    if (!by.trim()) fail("invalid_input", "Say who confirms the training (a name).");
    const g = gl(profileId);
    g.staffTrainedBy = by.trim();
    g.staffTrainedAt = ctx.iso(0);
    return goLiveView(profileId);
  }

  function approvalView(a: Application): ApprovalView {
    const proof = getPath(a.json, "details.empanelment_proof") as Record<string, unknown> | undefined;
    const addr = ["line", "district", "state", "pincode"].map((k) => String(getPath(a.json, `details.address.${k}`) ?? "")).filter((x) => x).join(", ");
    return {
      applicationId: a.id,
      facilityName: String(getPath(a.json, "common.participant_name") ?? ""),
      licenceNumber: String(getPath(a.json, "details.licence_number") ?? ""),
      address: addr,
      manager: `${String(getPath(a.json, "details.manager.name") ?? "")}, ${String(getPath(a.json, "details.manager.mobile") ?? "")}`,
      empanelment: [getPath(a.json, "details.empanelled_by.payer_name"), getPath(a.json, "details.empanelled_by.scheme_name")].filter((x) => typeof x === "string" && x).join(" · "),
      proof: proof ? `${String(proof.title)} (${String(proof.content_type)}, ${String(proof.size)} bytes, SHA-256 ${String(proof.sha256).slice(0, 16)}…)` : null,
      state: a.state,
      reasons: [...a.reasons],
      submittedAt: a.submittedAt,
    };
  }

  function forActivePayer(): Application[] {
    const me = active();
    if (!me.roles.some((r) => r === "payor" || r === "agency.sponsor")) {
      fail("invalid_input", "Empanelment requests go to payers and schemes; this profile is neither.");
    }
    return [...apps.values()].filter((a) => a.kind === "unregistered_provider" && a.payerCode === me.participantCode && a.state !== "submitted");
  }

  function decideEmpanelment(applicationId: string, approveIt: boolean, reason: string): ApprovalView {
    const a = forActivePayer().find((x) => x.id === applicationId) ?? fail("not_found", `No empanelment request ${applicationId} for this profile.`);
    if (a.state !== "awaiting_payer_approval") fail("conflict", `This request was already decided (${a.state}).`);
    if (!approveIt && !reason.trim()) fail("invalid_input", "Give the facility a reason for the refusal.");
    a.awaitingPayer = null;
    if (approveIt) {
      approve(a, `Empanelment confirmed by ${active().name}`);
    } else {
      a.reasons = [reason.trim()];
      event(a, "rejected", `${active().name} refused the empanelment: ${reason.trim()}`);
    }
    ctx.notify();
    return approvalView(a);
  }

  /** A facility waiting for the TPA profile's decision, so the Empanelment screen has work. */
  function seed() {
    const payer = ctx.profiles.find((p) => p.id === "arogya-tpa");
    if (!payer) return;
    let json: JsonObject = { kind: "unregistered_provider", common: { participant_name: "Shanti Nursing Home", role: "provider.hospital" }, details: {} };
    json = setPath(json, "details.licence_number", "KA/BLR/NH/2019/0042");
    json = setPath(json, "details.manager", { name: "Dr. Kavya Rao", mobile: "9900112233", email: "kavya@shanti.example" });
    json = setPath(json, "details.address", { line: "14 Temple Road, Malleshwaram", district: "Bengaluru", state: "Karnataka", pincode: "560003" });
    json = setPath(json, "details.empanelled_by", { payer_name: payer.name, payer_code: payer.participantCode, scheme_name: "" });
    json = setPath(json, "details.empanelment_proof", { title: "Empanelment letter 2024.pdf", content_type: "application/pdf", size: 184_220, sha256: "5f1d0c9e7b2a4c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d", data: "" });
    const a: Application = {
      id: "APP-0977",
      sourceProfileId: "",
      profileId: "",
      kind: "unregistered_provider",
      json,
      state: "submitted",
      awaitingPayer: payer.name,
      payerCode: payer.participantCode,
      participantCode: null,
      reasons: [],
      otpSentTo: "******2233",
      credentials: "not_yet",
      history: [],
      submittedAt: ctx.iso(-26 * 3_600_000),
    };
    a.history.push({ at: a.submittedAt, state: "submitted", note: "Received by the HCX operator" });
    a.state = "awaiting_payer_approval";
    apps.set(a.id, a);
  }
  seed();

  const str = (v: unknown) => (typeof v === "string" ? v : "");

  const handlers: Record<string, (a: Record<string, unknown>) => unknown> = {
    onboarding: (a): OnboardingView => {
      const id = str(a.profileId);
      profile(id);
      const production = [...apps.values()].filter((x) => x.sourceProfileId === id).reverse().map((x) => goLiveView(x.profileId));
      return { profileId: id, certification: certs.get(id) ?? null, draft: drafts.get(id) ?? null, production };
    },
    certify: (a) => certify(str(a.profileId)),
    registration_kinds: () => KINDS.map((k) => kindView(k.kind)),
    registration_draft: (a) => registrationDraft(str(a.profileId), typeof a.kind === "string" ? a.kind : null),
    save_registration_draft: (a) => saveDraft(str(a.profileId), (a.application ?? {}) as JsonObject),
    submit_registration: (a) => submit(str(a.profileId), (a.application ?? {}) as JsonObject),
    application_status: (a) => appView(appOf(str(a.profileId))),
    submit_otp: (a) => submitOtp(str(a.profileId), str(a.otp)),
    resend_otp: (a) => resendOtp(str(a.profileId)),
    sandbox_operator_messages: (a) => {
      if (active().environment !== "sandbox") fail("invalid_input", "The operator's outbox is shown only when running on the embedded sandbox.");
      const id = typeof a.applicationId === "string" ? a.applicationId : null;
      return messages.filter((m) => id === null || m.applicationId === id).slice().reverse();
    },
    fetch_credentials: (a) => fetchCredentials(str(a.profileId)),
    report_compromise: (a) => reportCompromise(str(a.profileId), str(a.note)),
    go_live: (a) => goLiveView(profile(str(a.profileId)).id),
    set_pilot: (a) => setPilot(str(a.profileId), a.enabled === true, Array.isArray(a.counterparties) ? a.counterparties.map(String) : []),
    mark_staff_trained: (a) => markStaffTrained(str(a.profileId), str(a.by)),
    empanelment_requests: () => forActivePayer().map(approvalView),
    decide_empanelment: (a) => decideEmpanelment(str(a.applicationId), a.approve === true, str(a.reason)),
  };
  return handlers;
}
