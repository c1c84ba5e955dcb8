// The ONE table that decides how the UI treats a backend error code.
//
// Commands reject with ErrorView {code, message}. The message is written for a clerk and is
// always shown as it is; the code decides everything else (the heading, whether to offer a
// retry, whether the fix is in Settings or in the form). Codes not in the table fall back to a
// generic treatment, so a new backend code degrades gracefully instead of breaking the screen.

import type { ErrorView } from "../bindings/ErrorView";

export type Severity = "error" | "warning" | "info";

/** Where the user can fix the problem. */
export type FixPlace = "settings" | "golive" | "form" | "retry" | "none";

export interface ErrorTreatment {
  title: string;
  severity: Severity;
  /** True when sending the same thing again may succeed (network, gateway busy). */
  retryable: boolean;
  fix: FixPlace;
}

export const ERROR_TABLE: Readonly<Record<string, ErrorTreatment>> = {
  invalid_input: { title: "Check the form", severity: "warning", retryable: false, fix: "form" },
  checker_failed: {
    title: "The checker found errors",
    severity: "warning",
    retryable: false,
    fix: "form",
  },
  not_found: { title: "Not found", severity: "warning", retryable: false, fix: "none" },
  conflict: {
    title: "Changed in the meantime",
    severity: "warning",
    retryable: true,
    fix: "retry",
  },
  no_profile: { title: "No active profile", severity: "error", retryable: false, fix: "settings" },
  keychain_unavailable: {
    title: "Keychain unavailable",
    severity: "error",
    retryable: true,
    fix: "settings",
  },
  key_missing: { title: "No private key", severity: "error", retryable: false, fix: "settings" },
  certificate_expired: {
    title: "Certificate expired",
    severity: "error",
    retryable: false,
    fix: "settings",
  },
  unauthorized: {
    title: "Gateway refused the credentials",
    severity: "error",
    retryable: false,
    fix: "settings",
  },
  pilot_blocked: {
    title: "Not allowed in pilot mode",
    severity: "error",
    retryable: false,
    fix: "golive",
  },
  gateway_unreachable: {
    title: "Gateway unreachable",
    severity: "warning",
    retryable: true,
    fix: "retry",
  },
  gateway_rejected: {
    title: "Gateway rejected the message",
    severity: "error",
    retryable: false,
    fix: "form",
  },
  decrypt_failed: { title: "Could not decrypt", severity: "error", retryable: false, fix: "none" },
  store: { title: "Local database error", severity: "error", retryable: true, fix: "retry" },
  ipc: { title: "Backend not reachable", severity: "error", retryable: true, fix: "retry" },
  internal: { title: "Unexpected error", severity: "error", retryable: true, fix: "retry" },
};

const FALLBACK: ErrorTreatment = {
  title: "Something went wrong",
  severity: "error",
  retryable: false,
  fix: "none",
};

export function treatmentOf(code: string): ErrorTreatment {
  return ERROR_TABLE[code] ?? FALLBACK;
}

function isErrorView(e: unknown): e is ErrorView {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/**
 * Turns whatever a rejected promise carried into an ErrorView. Tauri rejects with the
 * command's error value (our ErrorView); it rejects with a bare string when the command does
 * not exist or its arguments do not deserialize, which is a UI/backend mismatch (`ipc`).
 */
export function toErrorView(e: unknown): ErrorView {
  if (isErrorView(e)) {
    return { code: e.code, message: e.message };
  }
  if (typeof e === "string") {
    return { code: "ipc", message: e };
  }
  if (e instanceof Error) {
    return { code: "internal", message: e.message };
  }
  return { code: "internal", message: "Unknown error" };
}

export interface DescribedError extends ErrorTreatment {
  code: string;
  message: string;
}

/** The error as a screen shows it: the backend's message plus the table's treatment. */
export function describeError(e: unknown): DescribedError {
  const view = toErrorView(e);
  return { ...treatmentOf(view.code), code: view.code, message: view.message };
}
