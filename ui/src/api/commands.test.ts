// The wrappers against Tauri's own mockIPC: each sends the command table's name with its
// camelCase argument object through the one `call` IPC command, and every rejection arrives as
// an ErrorView.

import { afterEach, beforeEach, describe, expect, it } from "vitest";

type Call = { cmd: string; args: unknown };
let calls: Call[] = [];
let reply: (cmd: string) => unknown = (cmd) => emptyAnswer(cmd);

beforeEach(async () => {
  // mockIPC needs a `window` with crypto; the node test environment has neither by default.
  (globalThis as unknown as { window: unknown }).window = { crypto: globalThis.crypto };
  const { mockIPC } = await import("@tauri-apps/api/mocks");
  calls = [];
  mockIPC((ipc, payload) => {
    // Tauri carries every command of the table through `call {command, args}`.
    const { command, args } = (payload ?? {}) as { command?: string; args?: unknown };
    const cmd = ipc === "call" && command ? command : `unexpected ipc ${ipc}`;
    calls.push({ cmd, args });
    return reply(cmd);
  });
});

// What a backend answers when a test does not care: a ThreadDetail and an InspectView for the
// two commands whose answers the wrappers read, null otherwise.
function emptyAnswer(cmd: string): unknown {
  if (cmd === "get_thread") return { thread: {}, timeline: [], nextActions: [] };
  if (cmd === "inspect") return { protected: null, payload: null, alg: null, errors: [], summary: null };
  return null;
}

afterEach(() => {
  reply = emptyAnswer;
});

describe("command wrappers", () => {
  it("use the contract's names and argument objects", async () => {
    const api = await import("./commands");
    const form = { useCase: "preauth" } as never;
    await api.appStatus();
    await api.listProfiles();
    await api.useProfile("p1");
    await api.addSandboxDesk("Swift TPA", "agency.tpa");
    await api.listCounterparties();
    await api.listThreads({ states: ["query"], useCase: null, counterparty: null, direction: null, text: null });
    await api.getThread("c1");
    await api.getWorkflow("w1");
    await api.checkCompose(form);
    await api.sendCompose(form);
    await api.answerQuery({ correlationId: "c1", text: "t", attachments: [] });
    await api.acknowledgePayment("c1");
    await api.askStatus("c1");
    await api.tpaInbox();
    await api.decide({ correlationId: "c1", outcome: "approve", items: [], reasons: [], note: null });
    await api.requestDocuments("c1", "need", ["Discharge summary"]);
    await api.redirect("c1", "payer-2");
    await api.keyStatus();
    await api.runPreflight();
    await api.inspect("a.b.c.d.e");
    await api.listDeadLetters();
    await api.retryDeadLetter(7);
    await api.listSuspicious();
    expect(calls.map((c) => c.cmd), "one command per wrapper, named as in the command table").toEqual([
      "app_status",
      "list_profiles",
      "use_profile",
      "add_sandbox_desk",
      "list_counterparties",
      "list_threads",
      "get_thread",
      "get_workflow",
      "check_compose",
      "send_compose",
      "answer_query",
      "acknowledge_payment",
      "ask_status",
      "tpa_inbox",
      "decide",
      "request_documents",
      "redirect",
      "key_status",
      "run_preflight",
      "inspect",
      "list_dead_letters",
      "retry_dead_letter",
      "list_suspicious",
    ]);
    const byCmd = new Map(calls.map((c) => [c.cmd, c.args]));
    expect(byCmd.get("use_profile"), "use_profile takes {id}").toEqual({ id: "p1" });
    expect(byCmd.get("add_sandbox_desk"), "add_sandbox_desk takes {name, role}").toEqual({ name: "Swift TPA", role: "agency.tpa" });
    expect(byCmd.get("get_thread"), "ids travel camelCase: Tauri maps them to snake_case parameters").toEqual({ correlationId: "c1" });
    expect(byCmd.get("get_workflow"), "get_workflow takes {workflowId}").toEqual({ workflowId: "w1" });
    expect(byCmd.get("send_compose"), "forms travel under {form}").toEqual({ form });
    expect(byCmd.get("request_documents"), "request_documents takes text and documents").toEqual({
      correlationId: "c1",
      text: "need",
      documents: ["Discharge summary"],
    });
    expect(byCmd.get("redirect"), "redirect takes {correlationId, to}").toEqual({ correlationId: "c1", to: "payer-2" });
    expect(byCmd.get("inspect"), "inspect takes {text}").toEqual({ text: "a.b.c.d.e" });
    expect(byCmd.get("retry_dead_letter"), "retry_dead_letter takes the row's {id}").toEqual({ id: 7 });
  });

  it("name the onboarding commands as the command table does, with camelCase arguments", async () => {
    const api = await import("./commands");
    const application = { kind: "abdm_provider", common: {}, details: {} };
    await api.onboarding("sbx");
    await api.certify("sbx");
    await api.registrationKinds();
    await api.registrationDraft("sbx", null);
    await api.saveRegistrationDraft("sbx", application);
    await api.submitRegistration("sbx", application);
    await api.applicationStatus("live");
    await api.submitOtp("live", "123456");
    await api.resendOtp("live");
    await api.sandboxOperatorMessages(null);
    await api.fetchCredentials("live");
    await api.reportCompromise("live", "laptop stolen");
    await api.goLive("live");
    await api.setPilot("live", true, ["1000004178@hcx"]);
    await api.markStaffTrained("live", "Meena");
    await api.empanelmentRequests();
    await api.decideEmpanelment("APP-1", false, "not empanelled");
    expect(calls, "each wrapper sends its command and exactly these arguments").toEqual([
      { cmd: "onboarding", args: { profileId: "sbx" } },
      { cmd: "certify", args: { profileId: "sbx" } },
      { cmd: "registration_kinds", args: {} },
      { cmd: "registration_draft", args: { profileId: "sbx", kind: null } },
      { cmd: "save_registration_draft", args: { profileId: "sbx", application } },
      { cmd: "submit_registration", args: { profileId: "sbx", application } },
      { cmd: "application_status", args: { profileId: "live" } },
      { cmd: "submit_otp", args: { profileId: "live", otp: "123456" } },
      { cmd: "resend_otp", args: { profileId: "live" } },
      { cmd: "sandbox_operator_messages", args: { applicationId: null } },
      { cmd: "fetch_credentials", args: { profileId: "live" } },
      { cmd: "report_compromise", args: { profileId: "live", note: "laptop stolen" } },
      { cmd: "go_live", args: { profileId: "live" } },
      { cmd: "set_pilot", args: { profileId: "live", enabled: true, counterparties: ["1000004178@hcx"] } },
      { cmd: "mark_staff_trained", args: { profileId: "live", by: "Meena" } },
      { cmd: "empanelment_requests", args: {} },
      { cmd: "decide_empanelment", args: { applicationId: "APP-1", approve: false, reason: "not empanelled" } },
    ]);
  });

  it("type the FHIR summaries of a thread and of the inspector, and drop what is not one", async () => {
    const api = await import("./commands");
    const summary = { kind: "Claim response", format: "nhcx-collection", amounts: { approved: { value: "45000.50", currency: "INR" } } };
    const node = (s: unknown) => ({ apiCallId: "a", summary: s });
    reply = (cmd) =>
      cmd === "get_thread"
        ? { thread: {}, timeline: [node(summary), node(null), node("oops"), node({ kind: "x" })], nextActions: [] }
        : { protected: null, payload: null, alg: null, errors: [], summary };
    const d = await api.getThread("c1");
    expect(d.timeline[0]?.summary?.amounts.approved?.value, "a summary passes through with its exact decimal string").toBe("45000.50");
    expect(d.timeline.slice(1).map((n) => n.summary), "no summary, text, or an object without amounts is no summary").toEqual([null, null, null]);
    const v = await api.inspect("a.b.c.d.e");
    expect(v.summary?.kind, "the inspector's summary is typed too").toBe("Claim response");
  });

  it("reject with an ErrorView whatever the backend threw", async () => {
    const api = await import("./commands");
    reply = () => Promise.reject({ code: "gateway_unreachable", message: "No answer" });
    await expect(api.askStatus("c1"), "a command's own error passes through").rejects.toEqual({
      code: "gateway_unreachable",
      message: "No answer",
    });
    reply = () => Promise.reject("command ask_status not found");
    await expect(api.askStatus("c1"), "an IPC mismatch becomes code ipc").rejects.toEqual({
      code: "ipc",
      message: "command ask_status not found",
    });
  });
});
