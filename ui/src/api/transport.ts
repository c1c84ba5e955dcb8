// The only module that talks to the backend. Two transports carry the same command table
// (hcx-console's surface/table.rs): Tauri IPC inside the desktop app (one `call` command with
// {command, args}), and HTTP to `hcx serve-ui` in a plain browser (POST /api/<command>, events
// over Server-Sent Events). Every rejection becomes an ErrorView so screens handle one shape.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ErrorView } from "../bindings/ErrorView";
import { toErrorView } from "../lib/errors";

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown;
  }
}

/** Where serve-ui's token is kept for the tab (it arrives once, in `#token=…`). */
export const TOKEN_KEY = "hcx-serve-ui-token";

export type Unsubscribe = () => void;

function tauriPresent(): boolean {
  return typeof window !== "undefined" && window.__TAURI_INTERNALS__ !== undefined;
}

/**
 * serve-ui's token: taken from a `#token=…` fragment (then replaced by the start page, so it
 * neither shows nor lands in the history) or from this tab's session storage.
 */
export function serveToken(): string | null {
  if (typeof window === "undefined" || typeof sessionStorage === "undefined") return null;
  const m = /^#token=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, m[1]);
    window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}#/queue`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

// Read once at start-up, before the router sees the fragment.
const token = serveToken();

const NO_HOST: ErrorView = {
  code: "ipc",
  message:
    "No backend: this page runs neither inside the desktop app nor under `hcx serve-ui` (open the URL serve-ui printed, with its token).",
};

async function httpCall<T>(command: string, args: Record<string, unknown>, t: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/${encodeURIComponent(command)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
      body: JSON.stringify(args),
    });
  } catch (e) {
    throw { code: "ipc", message: `serve-ui did not answer: ${String(e)}` } satisfies ErrorView;
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    throw body ?? { code: "ipc", message: `serve-ui answered HTTP ${res.status}` };
  }
  return body as T;
}

/** Invokes a backend command; rejects with an ErrorView. */
export async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    if (tauriPresent()) return await invoke<T>("call", { command, args });
    if (token) return await httpCall<T>(command, args, token);
  } catch (e) {
    throw toErrorView(e);
  }
  throw NO_HOST;
}

let source: EventSource | null = null;

/** Subscribes to a backend event; resolves to the function that unsubscribes. */
export async function subscribe<T>(event: string, handler: (payload: T) => void): Promise<Unsubscribe> {
  if (tauriPresent()) return listen<T>(event, (e) => handler(e.payload));
  if (!token || typeof EventSource === "undefined") return () => {};
  // EventSource cannot send headers: the token rides as a query parameter (loopback only).
  source ??= new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  const es = source;
  const listener = (e: MessageEvent<string>) => {
    try {
      handler(JSON.parse(e.data) as T);
    } catch {
      // A malformed event is dropped; the next one or a reload brings the state.
    }
  };
  es.addEventListener(event, listener);
  return () => es.removeEventListener(event, listener);
}
