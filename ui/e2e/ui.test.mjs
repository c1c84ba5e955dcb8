// The UI in a real browser against the real console: `hcx serve-ui` on a fresh data dir with
// its embedded sandbox (Demo Clinic, demo payer, demo provider) and the real keychain. A billing
// clerk's preauth from compose to approval, a query answered with a document, an admission's
// ledger with the console's sums, a restart in the middle of a query, a gateway's refusal shown
// on the form, a TPA desk deciding from its inbox by keyboard, the inspector, preflight and the
// sandbox banner. Onboarding and empanelment are in onboarding.test.mjs. Run with
// `npm run test:browser` (after `cargo build -p hcx-console --bin hcx` and `npm run build`).
//
// Scripted payer outcomes come from keywords in the first item's description ([query],
// [partial], [reject]...; README "The embedded sandbox").

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { noProblems, shot, start } from "./harness.mjs";

const PAYER = "demo-payer@sandbox";
const TPA = "demo-tpa@sandbox";
/** How long the demo payer may take to answer on a busy CI box. */
const PAYER_WAIT = 30_000;

let h;

before(async () => {
  h = await start();
});

after(async () => {
  await h?.close();
});

/** Makes the profile of participant `code` the active one (set-up, over serve-ui's HTTP). */
async function workAs(code) {
  const profiles = await h.call("list_profiles");
  const p = profiles.find((x) => x.participantCode === code);
  assert.ok(p, `a profile for ${code} exists: ${profiles.map((x) => x.participantCode).join(", ")}`);
  await h.call("use_profile", { id: p.id });
  return p;
}

/** Fills the compose form of `useCase` for `patient` with `items` ([code, text, qty, price]). */
async function fillCompose(page, useCase, patient, items, to = PAYER) {
  await page.goto(h.base + `#/compose/${useCase}`);
  // The counterparties load from the sandbox registry; wait for the recipient to be offered.
  await page.locator(`[data-testid="recipient"] option[value="${to}"]`).waitFor({ state: "attached" });
  await page.getByTestId("recipient").selectOption(to);
  await page.locator('input[name="policyNumber"]').fill("DPG-440011");
  await page.locator('input[name="patientName"]').fill(patient);
  await page.locator('select[name="patientGender"]').selectOption("female");
  // The real checker wants a patient identifier (ABHA, PMJAY id or MRN); the mock never did.
  await page.locator('input[name="patientAbha"]').fill("91-1234-5678-9012");
  await page.getByLabel("Diagnosis 1").fill("K35.80");
  for (const [i, [code, text, qty, price]] of items.entries()) {
    if (i > 0) await page.getByTestId("add-item").click();
    await page.getByLabel(`Item ${i + 1} code`).fill(code);
    await page.getByLabel(`Item ${i + 1} description`).fill(text);
    await page.getByLabel(`Item ${i + 1} quantity`).fill(qty);
    await page.getByLabel(`Item ${i + 1} unit price`).fill(price);
  }
  await page.locator('input[name="patientName"]').click(); // leaving a field runs the checker
}

/** Sends a filled form and returns the new cycle's correlation id. */
async function send(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="send"]')?.hasAttribute("disabled"));
  await page.getByTestId("send").click();
  await page.waitForURL(/#\/thread\//);
  return decodeURIComponent(page.url().split("#/thread/")[1]);
}

describe("billing clerk", () => {
  it("composes a preauth with two items, fixes a zero quantity the checker finds, sends it and follows it to approval", async () => {
    const page = await h.open("#/queue");
    const banner = page.getByTestId("env-banner");
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Demo Clinic"));
    assert.equal(await banner.getAttribute("data-env"), "sandbox", "the first run works on the embedded sandbox");
    assert.match(await banner.innerText(), /SANDBOX/, "the banner names the environment");

    await fillCompose(page, "preauth", "Asha Kulkarni", [
      ["SU016A", "Laparoscopic appendicectomy", "1", "45000.00"],
      ["RM01", "Semi-private ward (per day)", "0", "2500.50"],
    ]);
    // hcx-fhir's checker (through check_compose) finds the zero quantity at Claim.item[1].
    const qtyMsg = page.locator('[data-field="items[1].quantity"] .field-msg.error');
    await qtyMsg.waitFor();
    assert.match(await qtyMsg.innerText(), /more than zero/, "the checker's finding on item 2's quantity is shown at that field");
    assert.equal(await page.locator('[data-field="items[0].quantity"] .field-msg').count(), 0, "item 1's good quantity carries no finding");
    assert.equal(await page.getByTestId("send").isDisabled(), true, "Send is disabled while the checker reports an error");
    await shot(page, "compose-findings");
    await page.getByLabel("Item 2 quantity").fill("3");
    await page.getByLabel("Item 2 description").click();
    await qtyMsg.waitFor({ state: "detached" });
    assert.equal(await page.getByTestId("form-total").innerText(), "₹52,501.50", "the total is exact: 45,000.00 + 3 × 2,500.50, with Indian grouping");
    const correlationId = await send(page);

    // Its timeline reaches the demo payer's approval (messages-changed over SSE refreshes it).
    const approved = page.locator('[data-testid="timeline"] li[data-kind="complete"]');
    await approved.waitFor({ timeout: PAYER_WAIT });
    // The amounts are the backend's: hcx-fhir's summary of the payer's ClaimResponse.
    assert.match(await approved.innerText(), /Approved 52,501\.50 of 52,501\.50/, "the approval node carries the payer's approved and requested totals");
    await approved.click();
    const summary = page.getByTestId("summary");
    await summary.waitFor();
    assert.match(await summary.innerText(), /Approved/, "the summary tab shows the decision");
    assert.match(await summary.innerText(), /52,501\.50/, "the summary shows the exact approved amount");
    await page.getByTestId("next-actions").getByText("Submit claim").waitFor();
    await shot(page, "thread-approved");

    await page.getByRole("tab", { name: "Headers" }).click();
    assert.match(await page.getByTestId("headers").innerText(), new RegExp(correlationId), "the decoded headers carry the correlation id");

    // The queue lists the cycle with its patient and amount.
    await page.goto(h.base + "#/queue");
    const row = page.locator(`tr[data-correlation-id="${correlationId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Asha Kulkarni/, "the queue shows the patient of the new preauth");
    assert.match(await row.innerText(), /₹52,501\.50/, "the queue shows the requested amount");

    // Submit claim opens the claim form prefilled from the preauth.
    await row.click();
    await page.locator('[data-action="submitClaim"]').click();
    await page.waitForURL(/#\/compose\/claim\?from=/);
    await page.waitForFunction(() => document.querySelector('[aria-label="Item 2 unit price"]')?.value === "2500.50");
    assert.equal(await page.locator('input[name="patientName"]').inputValue(), "Asha Kulkarni", "the claim is prefilled with the preauth's patient");
    noProblems(page);
  });

  it("answers a payer's query with a document and sees the cycle decided", async () => {
    const page = await h.open("#/queue");
    await fillCompose(page, "preauth", "Ravi Kumar", [["SU021B", "Open cholecystectomy [query]", "1", "62000.00"]]);
    await send(page);
    await page.locator('[data-action="answerQuery"]').waitFor({ timeout: PAYER_WAIT });

    // The queue's query filter finds it.
    await page.goto(h.base + "#/queue");
    await page.locator('[data-state-filter="query"]').click();
    const row = page.locator("tbody tr", { hasText: "Ravi Kumar" });
    await row.waitFor();
    await row.click();
    await page.locator('[data-action="answerQuery"]').click();
    await page.getByTestId("answer").waitFor();
    await page.getByLabel("Answer").fill("Ultrasound report and surgeon's notes attached.");
    await page.getByTestId("file-input").setInputFiles({ name: "ultrasound.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(300 * 1024, 7) });
    await page.locator(".attach-list li", { hasText: "ultrasound.pdf" }).locator("text=300 KB").waitFor();
    await page.getByTestId("send-answer").click();
    await page.waitForURL(/#\/thread\//);
    await page.locator('[data-testid="timeline"] li[data-kind="answer"]').waitFor();
    await page.locator('[data-testid="timeline"] li[data-kind="complete"]').waitFor({ timeout: PAYER_WAIT });
    assert.match(await page.locator('[data-testid="thread"] [data-state]').first().innerText(), /Complete/, "the payer decided after the answer");
    noProblems(page);
  });

  it("shows an admission's ledger with the console's exact sums", async () => {
    await workAs("demo-clinic@sandbox");
    const page = await h.open("#/queue");
    // [partial]: the demo payer approves the first item in full and the others at 50 %.
    await fillCompose(page, "claim", "Mohammed Irfan", [
      ["SU016A", "Laparoscopic appendicectomy [partial]", "1", "140000.00"],
      ["RM01", "Semi-private ward (per day)", "3", "12000.00"],
      ["PH01", "Pharmacy", "1", "8750.50"],
    ]);
    await send(page);
    // The payer's payment notice follows the approval; the thread header then shows it settled.
    await page.locator('[data-testid="timeline"] li[data-kind="complete"]').waitFor({ timeout: PAYER_WAIT });
    await page.getByRole("link", { name: /Admission/ }).click();
    const ledger = page.getByTestId("ledger");
    await ledger.waitFor();
    // Settled arrives with the payment notice a moment after the approval; the ledger refreshes
    // on messages-changed, so wait for it rather than reading the first paint.
    await page
      .waitForFunction(() => /Settled\s+₹1,62,375\.25/i.test(document.querySelector('[data-testid="ledger"]')?.innerText ?? ""), null, { timeout: PAYER_WAIT })
      .catch(async (e) => assert.fail(`the payment notice settled the claim: ${await ledger.innerText()} (${e.message})`));
    const text = await ledger.innerText();
    assert.match(text, /Billed\s+₹1,84,750\.50/i, "billed is the claim's total as the console summed it: 1,40,000 + 3 × 12,000 + 8,750.50");
    assert.match(text, /Approved\s+₹1,62,375\.25/i, "approved is the console's sum of the payer's item adjudications: 1,40,000 + 18,000 + 4,375.25");
    assert.match(text, /Settled\s+₹1,62,375\.25/i, "settled is what the payment notice paid against this claim");
    assert.match(text, /Not covered\s+₹22,375\.25/i, "billed minus approved, exact");
    await shot(page, "workflow-ledger");
    noProblems(page);
  });

  it("is in the middle of a payer's query when the console restarts, and answers it afterwards", async () => {
    await workAs("demo-clinic@sandbox");
    let page = await h.open("#/queue");
    await fillCompose(page, "preauth", "Meera Nair", [["SU016A", "Laparoscopic appendicectomy [query]", "1", "30000.00"]]);
    const correlationId = await send(page);
    await page.locator('[data-action="answerQuery"]').waitFor({ timeout: PAYER_WAIT });

    // Stop serve-ui (the console, its outbox and poller, the embedded exchange) mid-cycle.
    await h.restart();
    page = await h.open(`#/thread/${encodeURIComponent(correlationId)}`);
    // The query and the cycle's state were read back from the same data dir.
    await page.locator('[data-testid="timeline"] li[data-kind="query"]').waitFor();
    assert.match(await page.locator('[data-testid="thread"] [data-state]').first().innerText(), /Query/, "the cycle still waits for our answer after the restart");
    await page.locator('[data-action="answerQuery"]').click();
    await page.getByTestId("answer").waitFor();
    await page.getByLabel("Answer").fill("Discharge summary attached.");
    await page.getByTestId("file-input").setInputFiles({ name: "discharge.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(20 * 1024, 3) });
    await page.getByTestId("send-answer").click();
    await page.waitForURL(/#\/thread\//);
    // The resumed exchange's payer kept its open query (scripted_tasks) and decides now.
    const answered = page.locator('[data-testid="timeline"] li[data-kind="complete"]');
    await answered.waitFor({ timeout: PAYER_WAIT });
    assert.match(await answered.innerText(), /Approved 30,000\.00 of 30,000\.00/, "the payer decided after the answer sent across the restart, with the backend's totals");
    noProblems(page);
  });

  it("shows the gateway's refusal on the form when a recipient was deactivated before Send, and sends it again once it is active", async () => {
    await workAs("demo-clinic@sandbox");
    const page = await h.open("#/queue");
    await fillCompose(page, "preauth", "Kiran Rao", [["SU016A", "Laparoscopic appendicectomy", "1", "41000.00"]], TPA);
    // The exchange's operator deactivates the TPA after the form offered it: only the
    // gateway can notice, and it must refuse (its rule: recipient registered and Active).
    await h.sandbox("/api/v0.8/participant/update", { participant_code: TPA, status: "Inactive" });
    try {
      const correlationId = await send(page);
      const refused = page.locator('[data-testid="timeline"] li[data-kind="error"]');
      await refused.waitFor({ timeout: PAYER_WAIT });
      await refused.click();
      const onThread = page.locator('[role="alert"][data-code]');
      await onThread.waitFor();
      assert.match(await onThread.innerText(), /Current status: Inactive/, "the thread shows the gateway's own words");
      await page.locator('[data-action="retry"]').click();
      await page.waitForURL(/#\/compose\/retry\?from=/);
      const onForm = page.getByTestId("refusal");
      await onForm.waitFor();
      assert.match(await onForm.innerText(), /Current status: Inactive/, "the form being corrected says why the gateway refused it");
      assert.equal(await page.locator('input[name="patientName"]').inputValue(), "Kiran Rao", "and carries the refused request for correction");
      await shot(page, "compose-refused");

      // Once the exchange has the TPA active again, the same request goes again unchanged
      // (the `retry` command: the outbox resends it with its api_call_id) and is answered.
      await h.sandbox("/api/v0.8/participant/update", { participant_code: TPA, status: "Active" });
      await page.goto(h.base + `#/thread/${encodeURIComponent(correlationId)}`);
      await page.locator('[data-action="sendAgain"]').click();
      const decided = page.locator('[data-testid="timeline"] li[data-kind="complete"]');
      await decided.waitFor({ timeout: PAYER_WAIT });
      assert.match(await decided.innerText(), /Approved 41,000\.00 of 41,000\.00/, "the demo TPA approved the request sent again");
      noProblems(page);
    } finally {
      await h.sandbox("/api/v0.8/participant/update", { participant_code: TPA, status: "Active" });
    }
  });
});

describe("TPA reviewer", () => {
  it("works a TPA desk's inbox of the demo provider's requests by keyboard and decides one partly", async () => {
    const desk = await h.call("add_sandbox_desk", { name: "Arogya TPA", role: "agency.tpa" });
    // Set-up at the exchange: the demo provider sends three preauths to the new desk.
    for (const amount of ["52000.00", "61000.00", "73500.50"]) {
      await h.sandbox("/sandbox/demo-provider/send", { action: "preauth/submit", to: desk.participantCode, amount });
    }
    const page = await h.open("#/settings");
    await page.locator(`[data-profile="${desk.id}"] button`).click();
    await page.locator('[data-nav="tpa"]').waitFor();
    await page.keyboard.press("g");
    await page.keyboard.press("i");
    await page.waitForURL(/#\/tpa/);
    const list = page.getByTestId("inbox-list");
    // The desk's poller fetches them from its mailbox once it is the active desk.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="inbox-list"] li').length >= 3, null, { timeout: PAYER_WAIT });
    const before = await list.locator("li").count();

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
    assert.notEqual(requested, "100.00", "the first item asked for more than what we approve");
    await first.fill("100.00");
    assert.equal(await page.locator('input[data-outcome="partial"]').isChecked(), true, "cutting an amount makes the decision partial");
    assert.equal(await page.getByTestId("send-decision").isDisabled(), true, "a partial decision needs a reason first");
    await page.getByLabel("Above the package rate").check();
    await shot(page, "inbox-partial");
    await page.getByTestId("send-decision").click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="inbox-list"] li').length === n - 1, before);

    await page.goto(h.base + "#/queue");
    const row = page.locator(`tr[data-correlation-id="${second}"]`);
    await row.waitFor();
    // The TPA's own figures, as the console recorded its decision: ₹100.00 of what was asked.
    assert.match(await row.innerText(), /₹61,000\.00\s+₹100\.00/, "the decided request shows the requested amount and the cut approval in the queue");
    noProblems(page);
    await workAs("demo-clinic@sandbox");
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
    const card = page.locator("[data-profile]", { hasText: "swift-tpa@sandbox" });
    await card.waitFor();
    assert.match(await card.innerText(), /Roles: agency\.tpa/, "with the role picked");
    assert.equal(await page.getByTestId("desk-name").inputValue(), "", "the form is ready for the next desk");
    await card.locator("button").click();
    await page.locator('[data-nav="tpa"]').waitFor();
    assert.equal(await page.locator('[data-nav="compose"]').count(), 0, "working as the TPA: no New request, a Review inbox instead");
    await shot(page, "settings-added-desk");
    // Back to the clinic, so later tests start as the clinic.
    await page.locator("[data-profile]", { hasText: "demo-clinic@sandbox" }).locator("button").click();
    await page.locator('[data-nav="compose"]').waitFor();
    noProblems(page);
  });
});

describe("environments", () => {
  it("shows the sandbox in amber stripes, with the key's status and a preflight that passes", async () => {
    await workAs("demo-clinic@sandbox");
    const page = await h.open("#/settings");
    const banner = page.getByTestId("env-banner");
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Demo Clinic"));
    assert.equal(await banner.getAttribute("data-env"), "sandbox", "the clinic works on the embedded sandbox");
    const bg = await banner.evaluate((el) => getComputedStyle(el).backgroundImage);
    assert.match(bg, /gradient/, "the sandbox banner is striped, unlike production's solid red (onboarding.test.mjs)");
    assert.match(await page.getByTestId("cert-countdown").innerText(), /in \d+ days/, "the certificate's expiry counts down");
    await page.getByTestId("run-preflight").click();
    await page.getByTestId("preflight").waitFor();
    const result = await page.getByTestId("preflight-result").innerText();
    const m = /(\d+) of (\d+) passed/.exec(result);
    assert.ok(m && m[1] === m[2] && Number(m[2]) >= 5, `every real check passes against the embedded sandbox (audit log, token, registry, certificate, bridge): ${result}`);
    await shot(page, "settings-sandbox");
    noProblems(page);
  });
});

describe("integrator", () => {
  it("inspects a pasted JWE sealed for this desk: headers, summary, and errors for garbage", async () => {
    await workAs("demo-clinic@sandbox");
    // A payer's ClaimResponse sealed by `hcx seal` for the clinic's registered certificate.
    const claimResponse = JSON.parse(readFileSync(new URL("../../crates/hcx-fhir/tests/fixtures/claimresponse.json", import.meta.url), "utf8"));
    const headers = {
      "x-hcx-sender_code": PAYER,
      "x-hcx-recipient_code": "demo-clinic@sandbox",
      "x-hcx-api_call_id": randomUUID(),
      "x-hcx-correlation_id": randomUUID(),
      "x-hcx-timestamp": new Date().toISOString(),
      "x-hcx-status": "response.complete",
    };
    const body = await h.seal("demo-clinic@sandbox", headers, claimResponse);
    assert.equal(JSON.parse(body).payload.split(".").length, 5, "hcx seal wrote a compact JWE");
    const page = await h.open("#/inspector");
    await page.getByLabel("JWE or callback body").fill(body);
    await page.getByTestId("inspect").click();
    const shown = page.getByTestId("headers");
    await shown.waitFor();
    const text = await shown.innerText();
    assert.match(text, /x-hcx-sender_code/, "the protected headers are listed");
    assert.match(text, new RegExp(headers["x-hcx-correlation_id"]), "with the values that were sealed");
    assert.match(await page.locator("body").innerText(), /RSA-OAEP-256/, "the key encryption algorithm is shown");
    // Only the clinic's private key (in the keychain) opens it, so a summary proves decryption.
    await page.getByTestId("summary").waitFor();
    await shot(page, "inspector");

    await page.getByLabel("JWE or callback body").fill("not.a.jwe");
    await page.getByTestId("inspect").click();
    await page.getByTestId("inspect-errors").waitFor();
    assert.match(await page.getByTestId("inspect-errors").innerText(), /expected 5 dot-separated parts/, "hcx-protocol's error for a malformed JWE is shown");
    noProblems(page);
  });
});

describe("serve-ui", () => {
  it("refuses a call without the run's token", async () => {
    const res = await fetch(`${h.base}api/list_profiles`, { method: "POST", body: "{}" });
    assert.equal(res.status, 401, "no token, no console");
    const body = await res.json();
    assert.equal(body.code, "unauthorized", "the refusal is a {code, message} like every error");
    const profiles = await h.call("list_profiles");
    assert.ok(profiles.some((p) => p.participantCode === "demo-clinic@sandbox"), "with the token the same call answers: the first run made the Demo Clinic");
  });
});
