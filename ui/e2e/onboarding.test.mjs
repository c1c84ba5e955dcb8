// Onboarding in a real browser against the real console (`hcx serve-ui` on its own fresh data
// dir, so these desks and applications never meet ui.test.mjs's): a sandbox hospital walked to
// production through the embedded sandbox's operator (the real conformance suite, HFR lookup,
// OTP, credentials into the keychain, pilot list), ending on the production banner; and a
// payer desk refusing a clinic's empanelment only with a reason.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { noProblems, shot, start } from "./harness.mjs";

/** The conformance suite runs real cycles through the sandbox: 10 to 60 s, more on busy CI. */
const SUITE_WAIT = 180_000;

let h;

before(async () => {
  h = await start();
});

after(async () => {
  await h?.close();
});

/** The 6-digit OTP the sandbox operator "sent" by SMS for an application. */
async function otpFor(applicationId) {
  const messages = await h.call("sandbox_operator_messages", { applicationId });
  const sms = [...messages].reverse().find((m) => m.channel === "sms");
  assert.ok(sms, `the operator sent the OTP by SMS: ${JSON.stringify(messages)}`);
  const otp = /\b(\d{6})\b/.exec(sms.text)?.[1];
  assert.ok(otp, `the SMS carries a 6-digit OTP: ${sms.text}`);
  return otp;
}

/** A small PDF as hcx-onboard's registration Document (`{title, content_type, size, sha256, data}`). */
function document(title) {
  const bytes = Buffer.from("%PDF-1.4\n% empanelment letter\n%%EOF\n");
  return { title, content_type: "application/pdf", size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), data: bytes.toString("base64") };
}

function set(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys.at(-1)] = value;
}

describe("onboarding", () => {
  it("walks a sandbox hospital to production: certify, register, OTP, credentials, pilot list, then the production banner", async () => {
    const desk = await h.call("add_sandbox_desk", { name: "Sunrise Multispeciality Hospital", role: "provider.hospital" });
    await h.call("use_profile", { id: desk.id });
    const page = await h.open("#/onboarding");
    const banner = page.getByTestId("env-banner");
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Sunrise"));
    const sandboxBg = await banner.evaluate((el) => getComputedStyle(el).backgroundImage + getComputedStyle(el).backgroundColor);

    // 1. Certify: the button is disabled while the real suite runs, then the certificate is valid.
    await page.getByTestId("step-certify").waitFor();
    await page.getByTestId("run-certification").click();
    await page.getByTestId("cert-running").waitFor();
    assert.equal(await page.getByTestId("run-certification").isDisabled(), true, "the suite cannot be started twice while it runs");
    await page.getByTestId("cert-state").waitFor({ timeout: SUITE_WAIT });
    assert.match(await page.getByTestId("cert-state").innerText(), /Valid until \d{2} \w{3} \d{4}/, "the certificate's expiry is shown as a local date");
    const scenarios = page.locator('[data-testid="scenarios"] tbody tr');
    assert.ok((await scenarios.count()) >= 5, "the provider suite ran its sunny and error scenarios");
    assert.equal(await page.locator('[data-testid="scenarios"] tr[data-passed="false"]').count(), 0, "every scenario passed against the embedded sandbox");
    assert.match(await page.locator('[data-scenario="error.undecryptable"]').innerText(), /ERR_INVALID_ENCRYPTION/, "an error scenario shows what the recipient answered");
    await shot(page, "onboarding-certify");

    // 2. Register: pick the ABDM kind and fill the form generated from its fields.
    await page.getByTestId("to-register").click();
    await page.getByTestId("step-register").waitFor();
    await page.getByTestId("reg-kind").selectOption("abdm_provider");
    await page.getByTestId("reg-form").waitFor();
    assert.match(await page.locator('[data-field="common.sandbox_certificate"]').innerText(), /filled in by the console/, "the sandbox certificate is filled in, read-only");
    assert.equal(await page.locator('[data-field="common.participant_name"] input').inputValue(), "Sunrise Multispeciality Hospital", "the draft is prefilled from the profile");
    const field = (path) => page.locator(`[data-field="${path}"]`);
    await field("details.hfr_facility_id").locator("input").fill("IN29100001");
    await field("common.primary_email").locator("input").click(); // leaving the field shows its findings
    const hfrMsg = field("details.hfr_facility_id").locator(".field-msg.error");
    await hfrMsg.waitFor();
    assert.equal(await hfrMsg.count(), 1, "one finding at the HFR id: the stale 'required' one is gone");
    assert.match(await hfrMsg.innerText(), /IN followed by 10 digits/, "hcx-onboard's format finding on details.hfr_facility_id is shown at that field");
    assert.equal(await page.getByTestId("submit-application").isDisabled(), true, "Submit is disabled while a finding is an error");
    await field("details.hfr_facility_id").locator("input").fill("IN2910000123");
    await field("common.primary_email").locator("input").fill("billing@sunrise.example.in");
    await field("common.primary_mobile").locator("input").fill("+91 98450 12345");
    await field("details.hfr_verification_status").locator("select").selectOption("Verified");
    await field("details.manager.hfr_id").locator("input").fill("71-4542-2424-6325");
    await field("details.manager.mobile").locator("input").fill("9845012345");
    await field("details.manager.email").locator("input").fill("manager@sunrise.example.in");
    await field("details.consent_to_hfr_fetch").locator('input[type="checkbox"]').check();
    await hfrMsg.waitFor({ state: "detached" });
    await page.waitForFunction(() => !document.querySelector('[data-testid="submit-application"]')?.hasAttribute("disabled"));
    await page.waitForFunction(() => /Draft saved at/.test(document.querySelector('[data-testid="autosave"]')?.textContent ?? ""));
    await shot(page, "onboarding-register");
    await page.getByTestId("submit-application").click();

    // 3. Verify: the operator found the facility in its HFR and sent an OTP to the sandbox phone.
    await page.getByTestId("step-verify").waitFor();
    assert.equal(await page.locator('[data-testid="step-verify"] .card-head [data-app-state]').getAttribute("data-app-state"), "awaiting_otp", "the application waits for the OTP");
    const phone = page.getByTestId("sandbox-phone");
    await phone.locator("li").first().waitFor();
    const otp = /\b(\d{6})\b/.exec(await phone.innerText())?.[1];
    assert.ok(otp, "the sandbox phone shows the operator's OTP message");
    await page.getByTestId("otp-input").fill(otp);
    await shot(page, "onboarding-otp");
    await page.getByTestId("submit-otp").click();

    // 4. Credentials: fetched once, into the keychain; the screen shows only when.
    await page.getByTestId("fetch-credentials").click();
    const stored = page.getByTestId("credentials-stored");
    await stored.waitFor();
    assert.match(await stored.innerText(), /Stored in the OS keychain at \d{2} \w{3} \d{4}, \d{2}:\d{2}/, "the keychain time is shown in local time");
    assert.equal(await page.getByTestId("report-compromise").isVisible(), true, "a compromise can be reported once credentials exist");

    // 5. Go-live: set the pilot list; the checklist shows it done.
    await page.getByTestId("to-golive").click();
    await page.getByTestId("checklist").waitFor();
    assert.equal(await page.locator('[data-item="pilot_list_set"]').getAttribute("data-status"), "pending", "no pilot list yet");
    await page.getByTestId("pilot-add-input").fill("demo-payer@sandbox");
    await page.getByTestId("pilot-add").click();
    await page.getByTestId("pilot-toggle").check();
    await page.getByTestId("save-pilot").click();
    await page.waitForFunction(() => document.querySelector('[data-item="pilot_list_set"]')?.getAttribute("data-status") === "done");
    assert.match(await page.locator('[data-item="pilot_list_set"]').innerText(), /Piloting with demo-payer@sandbox/, "the checklist names the pilot counterparty");
    await page.getByTestId("trainer-name").fill("Meena Pillai");
    await page.getByTestId("mark-trained").click();
    await page.waitForFunction(() => document.querySelector('[data-item="staff_trained"]')?.getAttribute("data-status") === "done");
    await shot(page, "onboarding-golive");

    // 6. The production profile it made: a red banner unlike the sandbox's, with the pilot chip.
    await page.getByTestId("switch-to-production").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.getAttribute("data-env") === "production");
    assert.match(await banner.innerText(), /PRODUCTION\s*— real patients and real money/, "the production banner says what is at stake");
    const prodBg = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(prodBg, "rgb(179, 38, 30)", "production is solid red");
    assert.notEqual(prodBg, sandboxBg, "and looks nothing like the amber sandbox stripes");
    assert.match(await page.getByTestId("pilot-chip").innerText(), /Pilot mode: sends only to demo-payer@sandbox/, "the banner says where pilot mode lets this desk send");
    await shot(page, "onboarding-production");
    noProblems(page);
  });
});

describe("payer's empanelment approvals", () => {
  it("refuses a facility's empanelment only with a reason", async () => {
    // Set-up through the command table (the UI steps are the test above): a payer desk, and a
    // clinic with no HFR record that applies naming that payer, up to the payer's approval.
    const payer = await h.call("add_sandbox_desk", { name: "Star Health Desk", role: "payor" });
    const clinic = await h.call("add_sandbox_desk", { name: "Shivaji Nagar Clinic", role: "provider.clinic" });
    await h.call("use_profile", { id: clinic.id });
    await h.call("certify", { profileId: clinic.id });
    const draft = await h.call("registration_draft", { profileId: clinic.id, kind: "unregistered_provider" });
    const app = structuredClone(draft.application);
    set(app, "common.primary_email", "front@shivaji.example");
    set(app, "common.primary_mobile", "9822098220");
    set(app, "details.licence_number", "MH/PUN/2020/77");
    set(app, "details.manager", { name: "R. Kulkarni", mobile: "9822098220", email: "rk@shivaji.example" });
    set(app, "details.address", { line: "2 Main Road", district: "Pune", state: "Maharashtra", pincode: "411005" });
    set(app, "details.empanelled_by", { payer_code: payer.participantCode, payer_name: "Star Health Desk" });
    set(app, "details.empanelment_proof", document("Empanelment letter 2024"));
    const saved = await h.call("save_registration_draft", { profileId: clinic.id, application: app });
    assert.deepEqual(saved.findings.filter((f) => f.severity === "error"), [], "the application is complete");
    const submitted = await h.call("submit_registration", { profileId: clinic.id, application: app });
    const waiting = await h.call("submit_otp", { profileId: submitted.profileId, otp: await otpFor(submitted.applicationId) });
    assert.equal(waiting.state, "awaiting_payer_approval", "the operator waits for the payer the clinic named");

    const page = await h.open("#/settings");
    // Count only once the provider's role-dependent navigation is drawn, or zero proves nothing.
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Shivaji"));
    await page.locator('[data-nav="compose"]').waitFor();
    assert.equal(await page.locator('[data-nav="approvals"]').count(), 0, "a provider profile has no Empanelment screen");
    await page.locator(`[data-profile="${payer.id}"] button`).click();
    await page.locator('[data-nav="approvals"]').click();
    const row = page.locator(`tr[data-application-id="${submitted.applicationId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Shivaji Nagar Clinic/, "the facility that named this payer is listed");
    assert.match(await row.innerText(), /Empanelment letter 2024/, "with the proof it attached");
    await row.locator('[data-action="refuse"]').click();
    const confirm = page.locator('[data-action="confirm-refuse"]');
    assert.equal(await confirm.isDisabled(), true, "a refusal needs a reason first");
    await page.getByTestId("refuse-reason").fill("Not on our network since March 2024");
    await confirm.click();
    await page.waitForFunction((id) => document.querySelector(`tr[data-application-id="${id}"] [data-app-state]`)?.getAttribute("data-app-state") === "rejected", submitted.applicationId);
    assert.match(await row.innerText(), /Not on our network since March 2024/, "the payer's reason is kept with the request");
    assert.equal(await row.locator('[data-action="approve"]').count(), 0, "a decided request offers no more decisions");
    const status = await h.call("application_status", { profileId: submitted.profileId });
    assert.equal(status.state, "rejected", "the operator recorded the payer's refusal: the clinic's application is rejected");
    await shot(page, "onboarding-empanelment");
    noProblems(page);
  });
});
