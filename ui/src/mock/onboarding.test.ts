// The mock's onboarding script is what the browser test walks, so it must follow the contract:
// a certificate before registration, the same format checks as hcx-onboard, an OTP readable in
// the sandbox's outbox, credentials issued once, and empanelment decided by the named payer.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApplicationView } from "../bindings/ApplicationView";
import type { ApprovalView } from "../bindings/ApprovalView";
import type { CertificationView } from "../bindings/CertificationView";
import type { GoLiveView } from "../bindings/GoLiveView";
import type { OnboardingView } from "../bindings/OnboardingView";
import type { OperatorMessageView } from "../bindings/OperatorMessageView";
import type { ProfileView } from "../bindings/ProfileView";
import type { RegistrationDraftView } from "../bindings/RegistrationDraftView";
import type { RegistrationKindView } from "../bindings/RegistrationKindView";
import { setPath, type JsonObject } from "../lib/appJson";
import { createMockBackend } from "./backend";
import { gstnCheckChar, validateApplication } from "./onboarding";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function backend() {
  const be = createMockBackend({ emit: () => {}, now: () => new Date(Date.now()), delayScale: 0 });
  return <T>(cmd: string, args: Record<string, unknown> = {}) => be.handle(cmd, args) as Promise<T>;
}

async function certified(call: ReturnType<typeof backend>) {
  const p = call<CertificationView>("certify", { profileId: "sunrise-sbx" });
  await vi.advanceTimersByTimeAsync(10);
  return p;
}

function fill(app: JsonObject, values: Record<string, unknown>): JsonObject {
  return Object.entries(values).reduce((a, [k, v]) => setPath(a, k, v), app);
}

const ABDM = {
  "common.primary_email": "billing@sunrise.example.in",
  "common.primary_mobile": "+91 98450 12345",
  "details.hfr_facility_id": "IN2910000123",
  "details.hfr_verification_status": "Verified",
  "details.manager.hfr_id": "71-4542-2424-6325",
  "details.manager.mobile": "9845012345",
  "details.manager.email": "manager@sunrise.example.in",
  "details.consent_to_hfr_fetch": true,
};

describe("mock onboarding", () => {
  it("offers every kind of the seed's table with the fields of fields.rs", async () => {
    const call = backend();
    const kinds = await call<RegistrationKindView[]>("registration_kinds");
    expect(kinds.map((k) => k.kind), "the ten kinds, in the seed's order").toEqual([
      "payer", "state_scheme", "corporate", "tpa", "intermediary", "abdm_provider", "rohini_provider", "unregistered_provider", "regulator", "bsp",
    ]);
    const abdm = kinds.find((k) => k.kind === "abdm_provider");
    expect(abdm?.fields.find((f) => f.path === "details.hfr_facility_id")?.kind, "an ABDM provider gives its HFR id").toBe("hfr_facility_id");
    expect(abdm?.fields.filter((f) => f.automatic).map((f) => f.path), "the console fills the callback address and both certificates").toEqual([
      "common.endpoint_url", "common.encryption_cert_pem", "common.sandbox_certificate",
    ]);
    expect(kinds.find((k) => k.kind === "payer")?.fields.some((f) => f.path === "common.scheme_code"), "payers give a scheme code").toBe(true);
    expect(kinds.find((k) => k.kind === "regulator")?.fields.some((f) => f.kind === "sandbox_certificate"), "regulators need no sandbox certificate").toBe(false);
  });

  it("checks formats the way hcx-onboard does", () => {
    const app = fill({ kind: "abdm_provider", common: {}, details: {} }, { ...ABDM, "details.hfr_facility_id": "IN29100001", "details.manager.mobile": "12345", "common.primary_email": "billing@sunrise" });
    const byPath = new Map(validateApplication(app, "2026-01-01").map((f) => [f.path, f.message]));
    expect(byPath.get("details.hfr_facility_id"), "an HFR id is IN + 10 digits").toMatch(/IN followed by 10 digits/);
    expect(byPath.get("details.manager.mobile"), "a mobile has 10 digits").toMatch(/10-digit Indian mobile/);
    expect(byPath.get("common.primary_email"), "an e-mail needs a dotted domain").toMatch(/e-mail address/);
    expect(byPath.get("common.participant_name"), "a missing required field is named").toMatch(/Facility name is required/);
    expect(byPath.has("details.manager.hfr_id"), "a hyphenated 14-digit manager id is fine").toBe(false);
    expect(byPath.has("details.hpr_id"), "the HPR id is required only of practitioners").toBe(false);
    expect(gstnCheckChar("27AAPFU0939F1Z"), "the published GSTIN 27AAPFU0939F1ZV ends in its checksum V").toBe("V");
    const bad = validateApplication(fill({ kind: "rohini_provider", common: {}, details: {} }, { "details.gstn": "27AAPFU0939F1ZW", "details.licence_valid_until": "2025-12-31" }), "2026-01-01");
    expect(bad.find((f) => f.path === "details.gstn")?.message, "a wrong checksum character is caught").toMatch(/checksum/);
    expect(bad.find((f) => f.path === "details.licence_valid_until")?.rule, "a past licence date is expired").toBe("expired");
  });

  it("walks an ABDM hospital from certification to credentials and pilot mode", async () => {
    const call = backend();
    await expect(call("submit_registration", { profileId: "sunrise-sbx", application: { kind: "abdm_provider" } }), "no registration before a certificate").rejects.toMatchObject({ code: "conflict" });
    const cert = await certified(call);
    expect(cert.state, "the sandbox certifies").toBe("valid");
    expect(cert.scenarios.every((s) => s.passed) && cert.scenarios.length, "every scenario passed").toBe(14);

    const draft = await call<RegistrationDraftView>("registration_draft", { profileId: "sunrise-sbx", kind: "abdm_provider" });
    expect(draft.application, "a fresh draft is prefilled with the profile and the certificate").toMatchObject({ kind: "abdm_provider", common: { participant_name: "Sunrise Multispeciality Hospital", sandbox_certificate: cert.certificate } });
    expect(draft.findings.some((f) => f.path === "common.sandbox_certificate"), "automatic fields are not missing").toBe(false);
    const saved = await call<RegistrationDraftView>("save_registration_draft", { profileId: "sunrise-sbx", application: fill(draft.application, ABDM) });
    expect(saved.findings, "the filled form has no findings").toEqual([]);
    const again = await call<RegistrationDraftView>("registration_draft", { profileId: "sunrise-sbx", kind: null });
    expect(again.application, "the saved draft comes back").toEqual(saved.application);

    const app = await call<ApplicationView>("submit_registration", { profileId: "sunrise-sbx", application: saved.application });
    expect(app.state, "HFR found the facility and the OTP went out").toBe("awaiting_otp");
    expect(app.otpSentTo, "masked, to the manager's number as per HFR").toBe("******2345");
    const msgs = await call<OperatorMessageView[]>("sandbox_operator_messages", { applicationId: app.applicationId });
    expect(msgs[0]?.text, "the sandbox phone shows the OTP").toMatch(/Your HCX registration OTP is 123456/);
    await expect(call("submit_otp", { profileId: app.profileId, otp: "000000" }), "a wrong OTP is refused").rejects.toMatchObject({ code: "invalid_input" });
    const approved = await call<ApplicationView>("submit_otp", { profileId: app.profileId, otp: "123456" });
    expect(approved, "approved with a production participant code; credentials ready once").toMatchObject({ state: "approved", credentials: "ready", participantCode: expect.stringMatching(/@hcx$/) });

    const stored = await call<GoLiveView>("fetch_credentials", { profileId: app.profileId });
    expect(stored.credentialsStoredAt, "the keychain time is recorded").not.toBeNull();
    expect(JSON.stringify(stored), "no secret travels").not.toMatch(/secret"/i);
    await expect(call("fetch_credentials", { profileId: app.profileId }), "credentials are issued once").rejects.toMatchObject({ code: "conflict" });

    const pilot = await call<GoLiveView>("set_pilot", { profileId: app.profileId, enabled: true, counterparties: ["1000004178@hcx"] });
    expect(pilot.items.find((i) => i.id === "pilot_list_set")?.status, "a pilot list with pilot mode on is done").toBe("done");
    const trained = await call<GoLiveView>("mark_staff_trained", { profileId: app.profileId, by: "Meena (desk lead)" });
    expect(trained.ready, "every item done: certificate, approval, preflight, training, pilot").toBe(true);
    const profiles = await call<ProfileView[]>("list_profiles");
    expect(profiles.find((p) => p.id === app.profileId), "the production profile carries the pilot list and its code").toMatchObject({ environment: "production", pilotCounterparties: ["1000004178@hcx"], participantCode: approved.participantCode });
    const view = await call<OnboardingView>("onboarding", { profileId: "sunrise-sbx" });
    expect(view.production.map((p) => p.profileId), "the sandbox profile knows the production profile it made").toEqual([app.profileId]);
    expect(view.draft, "the draft is gone once submitted").toBeNull();
  });

  it("refuses a send outside the pilot list with pilot_blocked", async () => {
    const call = backend();
    await call("use_profile", { id: "sunrise-prod" });
    const form = { useCase: "preauth", recipient: "1000004180@sbx", workflowId: null, relatedCorrelationId: null, patientName: "A", patientGender: "female", patientBirthDate: null, patientAbha: null, policyNumber: "P", diagnoses: ["K35.80"], items: [{ code: "A", description: "", quantity: "1", unitPrice: "10" }], attachments: [], note: null };
    await expect(call("send_compose", { form }), "the live profile pilots with 1000004178@hcx only").rejects.toMatchObject({ code: "pilot_blocked", message: expect.stringMatching(/Pilot mode/) });
  });

  it("routes a facility without HFR or ROHINI to its payer, who must give a reason to refuse", async () => {
    const call = backend();
    await certified(call);
    const d = await call<RegistrationDraftView>("registration_draft", { profileId: "sunrise-sbx", kind: "unregistered_provider" });
    const app = fill(d.application, {
      "common.primary_email": "desk@example.in",
      "common.primary_mobile": "9876543210",
      "details.licence_number": "KA/1",
      "details.manager": { name: "R", mobile: "9876543210", email: "r@example.in" },
      "details.address": { line: "1 Road", district: "Mysuru", state: "Karnataka", pincode: "570001" },
      "details.empanelled_by": { payer_name: "Arogya Demo TPA", payer_code: "1000004291@sbx", scheme_name: "" },
      "details.empanelment_proof": { title: "letter.pdf", content_type: "application/pdf", size: 3, sha256: "ab", data: "AAAA" },
    });
    const sub = await call<ApplicationView>("submit_registration", { profileId: "sunrise-sbx", application: app });
    const waiting = await call<ApplicationView>("submit_otp", { profileId: sub.profileId, otp: "123456" });
    expect(waiting, "after the OTP the payer is asked").toMatchObject({ state: "awaiting_payer_approval", awaitingPayer: "Arogya Demo TPA" });
    await expect(call("empanelment_requests"), "a provider profile has no empanelment requests").rejects.toMatchObject({ code: "invalid_input" });
    await call("use_profile", { id: "arogya-tpa" });
    const reqs = await call<ApprovalView[]>("empanelment_requests");
    expect(reqs.map((r) => r.applicationId), "the seeded request and the new one reach the named payer").toContain(sub.applicationId);
    await expect(call("decide_empanelment", { applicationId: sub.applicationId, approve: false, reason: " " }), "a refusal needs a reason").rejects.toMatchObject({ code: "invalid_input" });
    const refused = await call<ApprovalView>("decide_empanelment", { applicationId: sub.applicationId, approve: false, reason: "Not on our network since 2023" });
    expect(refused, "the payer's reason is the application's").toMatchObject({ state: "rejected", reasons: ["Not on our network since 2023"] });
    const status = await call<ApplicationView>("application_status", { profileId: sub.profileId });
    expect(status.state, "the applicant sees the rejection").toBe("rejected");
  });
});
