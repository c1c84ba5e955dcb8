// Installs the mock backend behind Tauri's IPC for `npm run dev:mock` (vite --mode mock).
// The browser tests do the same from an init script (e2e/harness.mjs).

import { mockIPC } from "@tauri-apps/api/mocks";
import { createMockBackend } from "./backend";

export function installMockBackend(): void {
  const emit = (event: string, payload: unknown) => {
    // With shouldMockEvents, mockIPC routes plugin:event|emit to the page's listeners.
    void (window as unknown as { __TAURI_INTERNALS__: { invoke: (c: string, a: unknown) => Promise<unknown> } })
      .__TAURI_INTERNALS__.invoke("plugin:event|emit", { event, payload });
  };
  const backend = createMockBackend({ emit });
  mockIPC((cmd, args) => backend.handle(cmd, args as Record<string, unknown> | undefined), {
    shouldMockEvents: true,
  });
}
