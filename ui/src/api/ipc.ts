// The only module that talks to the Tauri host. Every command goes through `call`, which
// turns any rejection into an ErrorView so screens handle one error shape.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ErrorView } from "../bindings/ErrorView";
import { toErrorView } from "../lib/errors";

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown;
  }
}

function hostPresent(): boolean {
  return typeof window !== "undefined" && window.__TAURI_INTERNALS__ !== undefined;
}

const NO_HOST: ErrorView = {
  code: "ipc",
  message:
    "Not running inside the desktop app, so there is no backend. Start the app, or run `npm run dev:mock` for the mock backend.",
};

/** Invokes a backend command; rejects with an ErrorView. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  if (!hostPresent()) {
    throw NO_HOST;
  }
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toErrorView(e);
  }
}

/** Subscribes to a backend event; resolves to the function that unsubscribes. */
export async function subscribe<T>(event: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  if (!hostPresent()) {
    return () => {};
  }
  return listen<T>(event, (e) => handler(e.payload));
}
