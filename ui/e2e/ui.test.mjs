// The UI in a real browser against the real console: `hcx serve-ui` on a fresh data dir with
// its embedded sandbox (Demo Clinic, demo payer) and the real keychain. A billing clerk's
// preauth from compose to approval, a query answered with a document, a restart in the
// middle, a desk added on the embedded sandbox, the inspector, and the sandbox banner. Run with
// `npm run test:browser` (after `cargo build -p hcx-console --bin hcx` and `npm run build`).
//
// Scripted payer outcomes come from keywords in the first item's description ([query],
// [partial], [reject]...; README "The embedded sandbox").

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { shot, start } from "./harness.mjs";

const PAYER = "demo-payer@sandbox";
/** How long the demo payer may take to answer on a busy CI box. */
const PAYER_WAIT = 30_000;

let h;

before(async () => {
  h = await start();
});

after(async () => {
  await h?.close();
});

function noProblems(page) {
  assert.deepEqual(page.problems, [], "the page logged no errors: no CSP violations, no React errors, no failed calls");
}

/** Fills the compose form of `useCase` for `patient` with `items` ([code, text, qty, price]). */
async function fillCompose(page, useCase, patient, items) {
  await page.goto(h.base + `#/compose/${useCase}`);
  // The counterparties load from the sandbox registry; wait for the payer to be offered.
  await page.locator(`[data-testid="recipient"] option[value="${PAYER}"]`).waitFor({ state: "attached" });
  await page.getByTestId("recipient").selectOption(PAYER);
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
  it("composes a preauth with two items, corrects a price, sends it and follows it to approval", async () => {
    const page = await h.open("#/queue");
    const banner = page.getByTestId("env-banner");
    await page.waitForFunction(() => document.querySelector('[data-testid="env-banner"]')?.textContent?.includes("Demo Clinic"));
    assert.equal(await banner.getAttribute("data-env"), "sandbox", "the first run works on the embedded sandbox");
    assert.match(await banner.innerText(), /SANDBOX/, "the banner names the environment");

    await fillCompose(page, "preauth", "Asha Kulkarni", [
      ["SU016A", "Laparoscopic appendicectomy", "1", "45000.00"],
      ["RM01", "Semi-private ward (per day)", "3", "1"],
    ]);
    await page.getByLabel("Item 2 unit price").fill("2500.50");
    await page.getByLabel("Item 2 description").click();
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

  it("keeps its cycles across a restart of the console, and the embedded sandbox answers again", async () => {
    let page = await h.open("#/queue");
    await fillCompose(page, "preauth", "Meera Nair", [["SU016A", "Laparoscopic appendicectomy", "1", "30000.00"]]);
    const before = await send(page);
    await page.locator('[data-testid="timeline"] li[data-kind="complete"]').waitFor({ timeout: PAYER_WAIT });

    await h.restart();
    page = await h.open(`#/thread/${encodeURIComponent(before)}`);
    const kept = page.locator('[data-testid="timeline"] li[data-kind="complete"]');
    await kept.waitFor();
    assert.match(await kept.innerText(), /Approved 30,000\.00 of 30,000\.00/, "the decided cycle and its amounts are read back from the same data dir");

    // The restarted exchange serves the clinic's mailbox again: a new request is answered.
    await fillCompose(page, "preauth", "Meera Nair", [
      ["SU016A", "Laparoscopic appendicectomy", "1", "30000.00"],
      ["RM01", "Semi-private ward (per day)", "2", "2000.00"],
    ]);
    const after = await send(page);
    assert.notEqual(after, before, "a new cycle");
    const answered = page.locator('[data-testid="timeline"] li[data-kind="complete"]');
    await answered.waitFor({ timeout: PAYER_WAIT });
    assert.match(await answered.innerText(), /Approved 34,000\.00 of 34,000\.00/, "the resumed exchange's payer answered the new request, with the backend's totals");
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

describe("integrator", () => {
  it("gets a clear error for a pasted token that is not a JWE", async () => {
    const page = await h.open("#/inspector");
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
