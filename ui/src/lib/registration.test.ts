import { describe, expect, it } from "vitest";
import type { FieldView } from "../bindings/FieldView";
import type { FindingView } from "../bindings/FindingView";
import type { GoLiveView } from "../bindings/GoLiveView";
import type { OnboardingView } from "../bindings/OnboardingView";
import {
  canSubmit,
  controlFor,
  findingsByPath,
  firstOpenStep,
  isFilled,
  onboardingSteps,
  parseCodes,
  unplacedFindings,
  valueFromControl,
} from "./registration";

const field = (path: string, kind: string): FieldView => ({ path, label: path, kind, required: true, requiredForRole: null, help: "", automatic: false });
const finding = (path: string, severity = "error"): FindingView => ({ severity, path, rule: "format", message: `${path} is wrong` });

describe("registration form", () => {
  it("gives each field kind its control", () => {
    expect(controlFor(field("x", "future_date"), []), "a date that must not have passed is a date input").toMatchObject({ element: "input", type: "date" });
    expect(controlFor(field("x", "document"), []).element, "a document is a file input").toBe("file");
    expect(controlFor(field("x", "acknowledgement"), []).element, "an acknowledgement is a checkbox").toBe("checkbox");
    expect(controlFor(field("x", "role"), ["provider.hospital", "provider.clinic"]), "a role is chosen among the kind's roles").toEqual({
      element: "select",
      options: [
        { value: "provider.hospital", label: "provider.hospital" },
        { value: "provider.clinic", label: "provider.clinic" },
      ],
    });
    const pv = controlFor(field("x", "protocol_version"), []);
    expect(pv.element === "select" && pv.options.map((o) => o.value), "the three protocol versions").toEqual(["v0.7", "v0.8", "v0.9"]);
    expect(controlFor(field("x", "mobile"), []), "a mobile number gets the phone keypad").toMatchObject({ type: "tel" });
    expect(controlFor(field("x", "certificate_pem"), []), "a PEM is a monospace text area").toMatchObject({ element: "textarea", mono: true });
    expect(controlFor(field("x", "some_new_kind"), []), "an unknown kind degrades to a text input").toEqual({ element: "input", type: "text" });
  });

  it("writes booleans for acknowledgements and text otherwise", () => {
    expect(valueFromControl(field("x", "acknowledgement"), true), "ticked").toBe(true);
    expect(valueFromControl(field("x", "acknowledgement"), "on"), "only true ticks it").toBe(false);
    expect(valueFromControl(field("x", "email"), "a@b.in"), "text stays text").toBe("a@b.in");
  });

  it("places findings at their fields and lists the rest", () => {
    const fields = [field("details.hfr_facility_id", "hfr_facility_id"), field("common.primary_mobile", "mobile")];
    const findings = [finding("details.hfr_facility_id"), finding("details.hfr_facility_id", "warning"), finding("common.kind")];
    const by = findingsByPath(findings);
    expect(by.get("details.hfr_facility_id")?.length, "both findings on the HFR id are at that field").toBe(2);
    expect(by.get("common.primary_mobile"), "the mobile has none").toBeUndefined();
    expect(unplacedFindings(findings, fields).map((f) => f.path), "a path that is no field is listed above the form").toEqual(["common.kind"]);
  });

  it("allows submitting only without errors; warnings do not block", () => {
    expect(canSubmit([]), "no findings").toBe(true);
    expect(canSubmit([finding("a", "warning")]), "a warning alone").toBe(true);
    expect(canSubmit([finding("a", "warning"), finding("b")]), "an error blocks").toBe(false);
  });

  it("knows which fields are filled", () => {
    const app = { details: { consent: false, gstn: "  ", proof: { title: "a.pdf", sha256: "00", size: 1 } }, common: { name: "X" } };
    expect(isFilled(field("details.consent", "acknowledgement"), app), "an unticked box is not filled").toBe(false);
    expect(isFilled(field("details.gstn", "gstn"), app), "blank text is not filled").toBe(false);
    expect(isFilled(field("details.proof", "document"), app), "an attached document is filled").toBe(true);
    expect(isFilled(field("common.name", "text"), app), "text is filled").toBe(true);
  });

  it("reads a pilot list typed with commas, spaces or new lines", () => {
    expect(parseCodes("1000004178@hcx, 1000004180@hcx\n1000004178@hcx ;"), "unique codes in order").toEqual(["1000004178@hcx", "1000004180@hcx"]);
  });
});

describe("onboarding stepper", () => {
  const cert = { state: "valid", reasons: [] } as unknown as NonNullable<OnboardingView["certification"]>;
  const base: OnboardingView = { profileId: "p", certification: null, draft: null, production: [] };

  it("starts at certification", () => {
    const steps = onboardingSteps(base, null);
    expect(steps.map((s) => s.state), "only certification can be done first").toEqual(["current", "todo", "todo", "todo", "todo"]);
    expect(firstOpenStep(steps), "the screen opens on it").toBe("certify");
  });

  it("blocks on a refused certificate with its reason", () => {
    const steps = onboardingSteps({ ...base, certification: { ...cert, state: "refused", reasons: ["Signature does not verify"] } }, null);
    expect(steps[0], "the reason is the step's note").toMatchObject({ state: "blocked", note: "Signature does not verify" });
  });

  it("moves on to registration, then verification, credentials and go-live", () => {
    const certified = onboardingSteps({ ...base, certification: cert }, null);
    expect(firstOpenStep(certified), "after a valid certificate the form is next").toBe("register");
    const app = { applicationId: "APP-1", state: "awaiting_otp", credentials: "not_yet" };
    const prod = { items: [{ status: "done" }, { status: "pending" }], ready: false, credentialsStoredAt: null, application: app } as unknown as GoLiveView;
    const submitted = onboardingSteps({ ...base, certification: cert }, prod);
    expect(submitted.map((s) => s.state), "submitted and waiting for the OTP").toEqual(["done", "done", "current", "todo", "todo"]);
    const approved = { ...prod, application: { ...app, state: "approved", credentials: "ready" } } as unknown as GoLiveView;
    expect(firstOpenStep(onboardingSteps({ ...base, certification: cert }, approved)), "approved: fetch the credentials").toBe("credentials");
    const stored = { ...approved, credentialsStoredAt: "2026-11-21T10:00:00Z" } as GoLiveView;
    const s = onboardingSteps({ ...base, certification: cert }, stored);
    expect(s[4], "the checklist counts what is done").toMatchObject({ state: "current", note: "1 of 2 done" });
    const rejected = { ...prod, application: { ...app, state: "rejected" } } as unknown as GoLiveView;
    expect(onboardingSteps({ ...base, certification: cert }, rejected)[2]?.state, "a rejection blocks verification").toBe("blocked");
  });
});
