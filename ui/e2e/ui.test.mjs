// The UI in a real browser against the scripted mock backend: a billing clerk's preauth from
// compose to approval, a query answered with a document, a TPA's partial decision, a desk
// added on the embedded sandbox, the inspector, and the environment banners. Run with
// `npm run test:browser`.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { shot, start } from "./harness.mjs";

let h;

before(async () => {
  h = await start({ delayScale: 0.25 });
});

after(async () => {
  await h?.close();
});

function noProblems(page) {
  assert.deepEqual(page.problems, [], "the page logged no errors: no CSP violations, no React errors, no failed IPC");
}

describe("billing clerk", () => {
  it("composes a preauth with two items, fixes a bad unit price, sends it and follows it to approval", async () => {
    const page = await h.open("#/compose/preauth");
    const banner = page.getByTestId("env-banner");
    assert.equal(await banner.getAttribute("data-env"), "sandbox", "the default profile works on the sandbox");
    assert.match(await banner.innerText(), /SANDBOX/, "the banner names the environment");

    await page.getByTestId("recipient").selectOption("1000004178@sbx");
    await page.locator('input[name="policyNumber"]').fill("DPG-440011");
    await page.locator('input[name="patientName"]').fill("Asha Kulkarni");
    await page.locator('select[name="patientGender"]').selectOption("female");
    await page.getByLabel("Diagnosis 1").fill("K35.80");
    await page.getByLabel("Item 1 code").fill("SU016A");
    await page.getByLabel("Item 1 description").fill("Laparoscopic appendicectomy");
    await page.getByLabel("Item 1 unit price").fill("45000.00");
    await page.getByTestId("add-item").click();
    await page.getByLabel("Item 2 code").fill("RM01");
    await page.getByLabel("Item 2 description").fill("Semi-private ward (per day)");
    await page.getByLabel("Item 2 quantity").fill("3");
    await page.getByLabel("Item 2 unit price").fill("0");
    await page.getByLabel("Item 2 description").click(); // leaving the price field runs the checker

    const priceMsg = page.locator('[data-field="items[1].unitPrice"] .field-msg.error');
    await priceMsg.waitFor();
    assert.match(await priceMsg.innerText(), /more than zero/, "the checker's finding on Claim.item[1].unitPrice is shown at item 2's price");
    assert.equal(await page.locator('[data-field="items[0].unitPrice"] .field-msg').count(), 0, "item 1's good price carries no finding");
    assert.equal(await page.getByTestId("send").isDisabled(), true, "Send is disabled while the checker reports an error");
    await shot(page, "compose-findings");

    await page.getByLabel("Item 2 unit price").fill("2500.50");
    await page.getByLabel("Item 2 description").click();
    await priceMsg.waitFor({ state: "detached" });
    await page.waitForFunction(() => !document.querySelector('[data-testid="send"]')?.hasAttribute("disabled"));
    assert.equal(
      await page.getByTestId("form-total").innerText(),
      "₹52,501.50",
      "the total is exact: 45,000.00 + 3 × 2,500.50, with Indian grouping",
    );

    await page.getByTestId("send").click();
    await page.waitForURL(/#\/thread\//);
    const correlationId = decodeURIComponent(page.url().split("#/thread/")[1]);

    // The queue lists the new cycle.
    await page.goto(h.base + "#/queue");
    const row = page.locator(`tr[data-correlation-id="${correlationId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Asha Kulkarni/, "the queue shows the patient of the new preauth");
    assert.match(await row.innerText(), /₹52,501\.50/, "the queue shows the requested amount");

    // Its timeline reaches the demo payer's approval (messages-changed refreshes the view).
    await row.click();
    const approved = page.locator('[data-testid="timeline"] li[data-kind="complete"]');
    await approved.waitFor({ timeout: 8000 });
    assert.match(await approved.innerText(), /Approved ₹52,501\.50 of ₹52,501\.50/, "the approval node carries the amounts");
    assert.ok(
      await page.locator('[data-testid="timeline"] li[data-kind="dispatched"]').count() === 1,
      "the dispatch to the payer is its own node",
    );
    await approved.click();
    const summary = page.getByTestId("summary");
    await summary.waitFor();
    assert.match(await summary.innerText(), /Approved/, "the summary tab shows the decision");
    assert.match(await summary.innerText(), /2,500\.50/, "the summary lists the items with exact prices");
    assert.match(await summary.innerText(), /Laparoscopic appendicectomy/, "the payer's items carry the preauth's descriptions");
    assert.match(await summary.innerText(), /Preauth reference\s+PA-/, "the summary shows the payer's preauth reference");
    assert.match(await summary.innerText(), /Insurer\s+Demo Payer General Insurance/, "the summary names the insurer");
    assert.match(await page.getByTestId("next-actions").innerText(), /Submit claim/, "after approval the next step is the claim");
    await shot(page, "thread-approved");

    await page.getByRole("tab", { name: "Headers" }).click();
    assert.match(await page.getByTestId("headers").innerText(), new RegExp(correlationId), "the decoded headers carry the correlation id");

    // Submit claim opens the claim form prefilled from the preauth.
    await page.locator('[data-action="submitClaim"]').click();
    await page.waitForURL(/#\/compose\/claim\?from=/);
    await page.getByLabel("Item 2 unit price").waitFor();
    await page.waitForFunction(() => document.querySelector('[aria-label="Item 2 unit price"]')?.value === "2500.50");
    assert.equal(await page.locator('input[name="patientName"]').inputValue(), "Asha Kulkarni", "the claim is prefilled with the preauth's patient");
    noProblems(page);
  });

  it("answers a payer's query with a document and sees the cycle decided", async () => {
    const page = await h.open("#/queue");
    await page.locator('[data-state-filter="query"]').click();
    const row = page.locator("tbody tr", { hasText: "Ravi Kumar" });
    await row.waitFor();
    await row.click();
    await page.locator('[data-action="answerQuery"]').click();
    await page.getByTestId("answer").waitFor();
    assert.match(await page.getByTestId("answer").innerText(), /Ultrasound abdomen report/, "the answer form shows what the payer asked for");
    await page.getByLabel("Answer").fill("Ultrasound report and surgeon's notes attached.");
    await page.getByTestId("file-input").setInputFiles({ name: "ultrasound.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(300 * 1024, 7) });
    await page.locator(".attach-list li", { hasText: "ultrasound.pdf" }).locator("text=300 KB").waitFor();
    await page.getByTestId("send-answer").click();
    await page.waitForURL(/#\/thread\//);
    await page.locator('[data-testid="timeline"] li[data-kind="answer"]').waitFor();
    await page.locator('[data-testid="timeline"] li[data-kind="complete"]').waitFor({ timeout: 8000 });
    assert.match(await page.locator('[data-testid="thread"] [data-state]').first().innerText(), /Complete/, "the payer decided after the answer");
    noProblems(page);
  });

  it("shows an admission's ledger with exact sums", async () => {
    const page = await h.open("#/queue");
    await page.locator("tbody tr", { hasText: "Mohammed Irfan" }).first().click();
    await page.getByRole("link", { name: /Admission/ }).click();
    const ledger = page.getByTestId("ledger");
    await ledger.waitFor();
    const text = await ledger.innerText();
    assert.match(text, /Billed\s+₹1,84,750\.25/i, "billed is the claim's total: 1,40,000 + 3 × 12,000 + 8,750.25");
    assert.match(text, /Settled\s+₹1,72,750\.25/i, "settled is the payment notice's amount");
    assert.match(text, /Not covered\s+₹12,000\.00/i, "billed minus approved, exact");
    await shot(page, "workflow-ledger");
    noProblems(page);
  });
});

describe("TPA reviewer", () => {
  it("switches to the TPA profile and decides a request partly from the inbox with the keyboard", async () => {
    const page = await h.open("#/settings");
    await page.locator('[data-profile="arogya-tpa"] button').click();
    await page.locator('[data-nav="tpa"]').waitFor();
    await page.keyboard.press("g");
    await page.keyboard.press("i");
    await page.waitForURL(/#\/tpa/);
    const list = page.getByTestId("inbox-list");
    await list.locator("li").first().waitFor();
    const before = await list.locator("li").count();
    assert.ok(before >= 3, "the TPA has several requests waiting");

    const second = await list.locator("li").nth(1).getAttribute("data-correlation-id");
    await page.keyboard.press("j");
    // The URL changes before React re-renders the list, so wait (bounded) for the highlight to
    // move before reading it; if j went elsewhere the assertion below names what it picked.
    await page
      .waitForFunction(() => document.querySelector('[data-testid="inbox-list"] li.selected') !== document.querySelector('[data-testid="inbox-list"] li'), null, { timeout: 5000 })
      .catch(() => {});
    const selected = list.locator("li.selected");
    assert.equal(await selected.getAttribute("data-correlation-id"), second, "j moves from the first request to the second");
    assert.match(page.url(), new RegExp(`#/tpa/${second}$`), "the selection is in the URL, so a reload keeps it");
    const patient = (await selected.locator(".cell-main").innerText()).trim();

    await page.keyboard.press("?");
    await page.getByTestId("help").waitFor();
    assert.match(await page.getByTestId("help").innerText(), /Approve in full/, "the help overlay documents the reviewer's keys");
    await shot(page, "help-overlay");
    await page.keyboard.press("Escape");
    await page.getByTestId("help").waitFor({ state: "detached" });

    await page.keyboard.press("p");
    const first = page.locator("[data-approved]").first();
    await first.waitFor();
    const requested = await first.inputValue();
    await first.fill("40000.00");
    assert.equal(await page.locator('input[data-outcome="partial"]').isChecked(), true, "cutting an amount makes the decision partial");
    assert.equal(await page.getByTestId("send-decision").isDisabled(), true, "a partial decision needs a reason first");
    await page.getByLabel("Above the package rate").check();
    assert.notEqual(requested, "40000.00", "the first item was cut below its request");
    await shot(page, "inbox-partial");
    await page.getByTestId("send-decision").click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="inbox-list"] li').length === n - 1, before);

    await page.goto(h.base + "#/queue");
    const row = page.locator("tbody tr", { hasText: patient });
    await row.waitFor();
    assert.match(await row.innerText(), /Partly approved/, "the decided request shows as partly approved in the queue");
    noProblems(page);
  });
});

describe("clinic trying the other side", () => {
  it("adds a TPA desk on the embedded sandbox and switches to it", async () => {
    const page = await h.open("#/settings");
    const form = page.getByTestId("add-desk");
    await form.waitFor();
    assert.equal(await page.getByTestId("add-desk-submit").isDisabled(), true, "a desk needs a name first");
    await page.getByTestId("desk-name").fill("Swift TPA");
    await page.getByTestId("desk-role").selectOption("agency.tpa");
    await page.getByTestId("add-desk-submit").click();
    const card = page.locator('[data-profile="desk-swift-tpa"]');
    await card.waitFor();
    assert.match(await card.innerText(), /swift-tpa@sandbox/, "the new desk's participant code is read from its name");
    assert.match(await card.innerText(), /Roles: agency\.tpa/, "with the role picked");
    assert.equal(await page.getByTestId("desk-name").inputValue(), "", "the form is ready for the next desk");
    await card.locator("button").click();
    await page.locator('[data-nav="tpa"]').waitFor();
    assert.equal(await page.locator('[data-nav="compose"]').count(), 0, "working as the TPA: no New request, a Review inbox instead");
    await shot(page, "settings-added-desk");
    noProblems(page);
  });
});

describe("integrator", () => {
  it("inspects a pasted JWE: headers, summary, and errors for garbage", async () => {
    const page = await h.open("#/inspector");
    const jwe = await page.evaluate(() => window.__TAURI_INTERNALS__.invoke("mock_sample_jwe", {}));
    assert.equal(jwe.split(".").length, 5, "the sample is a compact JWE");
    await page.getByLabel("JWE or callback body").fill(JSON.stringify({ payload: jwe }));
    await page.getByTestId("inspect").click();
    const headers = page.getByTestId("headers");
    await headers.waitFor();
    const text = await headers.innerText();
    assert.match(text, /x-hcx-sender_code/, "the protected headers are listed");
    assert.match(text, /RSA-OAEP-256/, "the key encryption algorithm is shown");
    await page.getByTestId("summary").waitFor();
    await shot(page, "inspector");

    await page.getByLabel("JWE or callback body").fill("not.a.jwe");
    await page.getByTestId("inspect").click();
    await page.getByTestId("inspect-errors").waitFor();
    assert.match(await page.getByTestId("inspect-errors").innerText(), /expected 5 dot-separated parts/, "a malformed JWE gets a clear error");
    noProblems(page);
  });
});

describe("environments", () => {
  it("shows production in red, unlike the amber sandbox, with key status and preflight", async () => {
    const page = await h.open("#/queue");
    const banner = page.getByTestId("env-banner");
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Sunrise"));
    const sandboxBg = await banner.evaluate((el) => getComputedStyle(el).backgroundImage + getComputedStyle(el).backgroundColor);
    await shot(page, "queue-sandbox");
    await page.goto(h.base + "#/settings");
    await page.locator('[data-profile="sunrise-prod"] button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.getAttribute("data-env") === "production");
    assert.match(await banner.innerText(), /PRODUCTION/, "the banner names production");
    const prodBg = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(prodBg, "rgb(179, 38, 30)", "production is red");
    assert.notEqual(prodBg, sandboxBg, "production looks different from the sandbox");

    await page.getByTestId("run-preflight").click();
    await page.getByTestId("preflight").waitFor();
    assert.match(await page.getByTestId("preflight-result").innerText(), /6 of 6 passed/, "the preflight lists every check");
    assert.match(await page.getByTestId("cert-countdown").innerText(), /in 2[23] days/, "the certificate expiry counts down");
    await shot(page, "settings-production");
    noProblems(page);
  });
});

describe("onboarding", () => {
  it("walks a sandbox hospital to production: certify, register, OTP, credentials, pilot list, then the production banner", async () => {
    const page = await h.open("#/onboarding");
    const banner = page.getByTestId("env-banner");
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Sunrise"));
    const sandboxBg = await banner.evaluate((el) => getComputedStyle(el).backgroundImage + getComputedStyle(el).backgroundColor);

    // 1. Certify: the button is disabled while the suite runs, then the certificate is valid.
    await page.getByTestId("step-certify").waitFor();
    await page.getByTestId("run-certification").click();
    await page.getByTestId("cert-running").waitFor();
    assert.equal(await page.getByTestId("run-certification").isDisabled(), true, "the suite cannot be started twice while it runs");
    await page.getByTestId("cert-state").waitFor();
    assert.match(await page.getByTestId("cert-state").innerText(), /Valid until \d{2} \w{3} \d{4}/, "the certificate's expiry is shown as a local date");
    const scenarios = page.locator('[data-testid="scenarios"] tbody tr');
    assert.equal(await scenarios.count(), 14, "the provider suite has 14 scenarios, sunny and error ones");
    assert.equal(await page.locator('[data-testid="scenarios"] tr[data-passed="false"]').count(), 0, "every scenario passed on the mock sandbox");
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
    assert.match(await hfrMsg.innerText(), /IN followed by 10 digits/, "the autosave's finding on details.hfr_facility_id is shown at that field");
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
    assert.match(await page.getByTestId("autosave").innerText(), /Draft saved at/, "the draft was autosaved");
    await shot(page, "onboarding-register");
    await page.getByTestId("submit-application").click();

    // 3. Verify: the operator found the facility in HFR and sent an OTP to the sandbox phone.
    await page.getByTestId("step-verify").waitFor();
    assert.equal(await page.locator('[data-testid="step-verify"] .card-head [data-app-state]').getAttribute("data-app-state"), "awaiting_otp", "the application waits for the OTP");
    const phone = page.getByTestId("sandbox-phone");
    await phone.locator("li").first().waitFor();
    const sms = await phone.innerText();
    const otp = /Your HCX registration OTP is (\d{6})/.exec(sms)?.[1];
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
    await page.getByTestId("pilot-add-input").fill("1000004178@sbx");
    await page.getByTestId("pilot-add").click();
    await page.getByTestId("pilot-toggle").check();
    await page.getByTestId("save-pilot").click();
    await page.waitForFunction(() => document.querySelector('[data-item="pilot_list_set"]')?.getAttribute("data-status") === "done");
    assert.match(await page.locator('[data-item="pilot_list_set"]').innerText(), /Piloting with 1000004178@sbx/, "the checklist names the pilot counterparty");
    await page.getByTestId("trainer-name").fill("Meena Pillai");
    await page.getByTestId("mark-trained").click();
    await page.waitForFunction(() => document.querySelector('[data-item="staff_trained"]')?.getAttribute("data-status") === "done");
    assert.match(await page.getByTestId("golive-ready").innerText(), /Ready to go live/, "every item is done: certificate, approval, preflight, training, pilot");
    await shot(page, "onboarding-golive");

    // 6. The production profile it made: a red banner unlike the sandbox's, with the pilot chip.
    await page.getByTestId("switch-to-production").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.getAttribute("data-env") === "production");
    assert.match(await banner.innerText(), /PRODUCTION\s*— real patients and real money/, "the production banner says what is at stake");
    const prodBg = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(prodBg, "rgb(179, 38, 30)", "production is solid red");
    assert.notEqual(prodBg, sandboxBg, "and looks nothing like the amber sandbox stripes");
    assert.match(await page.getByTestId("pilot-chip").innerText(), /Pilot mode: sends only to 1000004178@sbx/, "the banner says where pilot mode lets this desk send");
    await shot(page, "onboarding-production");
    noProblems(page);
  });
});

describe("payer's empanelment approvals", () => {
  it("refuses a facility's empanelment only with a reason", async () => {
    const page = await h.open("#/settings");
    // Count only once the provider's role-dependent navigation is drawn, or zero proves nothing.
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Sunrise"));
    await page.locator('[data-nav="compose"]').waitFor();
    assert.equal(await page.locator('[data-nav="approvals"]').count(), 0, "a provider profile has no Empanelment screen");
    await page.locator('[data-profile="arogya-tpa"] button').click();
    await page.locator('[data-nav="approvals"]').click();
    const row = page.locator('tr[data-application-id="APP-0977"]');
    await row.waitFor();
    assert.match(await row.innerText(), /Shanti Nursing Home/, "the facility that named this payer is listed");
    assert.match(await row.innerText(), /Empanelment letter 2024\.pdf/, "with the proof it attached");
    await row.locator('[data-action="refuse"]').click();
    const confirm = page.locator('[data-action="confirm-refuse"]');
    assert.equal(await confirm.isDisabled(), true, "a refusal needs a reason first");
    await page.getByTestId("refuse-reason").fill("Not on our network since March 2024");
    await confirm.click();
    await page.waitForFunction(() => document.querySelector('tr[data-application-id="APP-0977"] [data-app-state]')?.getAttribute("data-app-state") === "rejected");
    assert.match(await row.innerText(), /Not on our network since March 2024/, "the payer's reason is kept with the request");
    assert.equal(await row.locator('[data-action="approve"]').count(), 0, "a decided request offers no more decisions");
    await shot(page, "onboarding-empanelment");
    noProblems(page);
  });
});
