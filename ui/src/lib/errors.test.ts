import { describe, expect, it } from "vitest";
import { ERROR_TABLE, describeError, toErrorView, treatmentOf } from "./errors";

describe("error-code table", () => {
  it("keeps the backend's message and adds the table's treatment", () => {
    const d = describeError({ code: "gateway_unreachable", message: "No answer from the gateway" });
    expect(d.message, "the clerk reads the backend's own words").toBe("No answer from the gateway");
    expect(d.retryable, "a network failure is worth retrying").toBe(true);
    expect(d.fix, "the fix for an unreachable gateway is to retry").toBe("retry");
  });

  it("sends a pilot-mode refusal to the Go live screen, where the pilot list is edited", () => {
    expect(treatmentOf("pilot_blocked").fix, "the pilot list lives on Go live").toBe("golive");
    expect(treatmentOf("pilot_blocked").retryable, "the same send is refused again").toBe(false);
  });

  it("sends credential and key problems to Settings", () => {
    for (const code of ["no_profile", "key_missing", "certificate_expired", "unauthorized"]) {
      expect(treatmentOf(code).fix, `${code} is fixed in Settings, not by retrying`).toBe(
        "settings",
      );
      expect(treatmentOf(code).retryable, `${code} will fail again if simply retried`).toBe(false);
    }
  });

  it("sends validation problems to the form", () => {
    expect(treatmentOf("invalid_input").fix, "bad input is corrected in the form").toBe("form");
    expect(treatmentOf("checker_failed").severity, "checker findings are warnings to fix").toBe(
      "warning",
    );
  });

  it("treats an unknown code generically instead of failing", () => {
    const d = describeError({ code: "brand_new_code", message: "Something new" });
    expect(d.title, "unknown codes get the generic heading").toBe("Something went wrong");
    expect(d.message, "the message still reaches the user").toBe("Something new");
  });

  it("normalises what a rejected invoke may carry", () => {
    expect(toErrorView("command foo not found"), "Tauri rejects with a string on IPC mismatch")
      .toEqual({ code: "ipc", message: "command foo not found" });
    expect(toErrorView(new Error("boom")).code, "a thrown Error is internal").toBe("internal");
    expect(toErrorView(42).message, "anything else still yields a message").toBe("Unknown error");
  });

  it("gives every entry a title", () => {
    for (const [code, t] of Object.entries(ERROR_TABLE)) {
      expect(t.title.length, `${code} needs a heading for the error banner`).toBeGreaterThan(0);
    }
  });
});
