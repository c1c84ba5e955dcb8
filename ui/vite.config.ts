/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";

// The content security policy the built UI runs under. It is also what Tauri's own CSP should
// allow: scripts and styles only from the app itself, IPC to the Tauri core, nothing remote.
// It is injected only into the production build: the dev server needs inline styles and a
// websocket for hot reload.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ipc: http://ipc.localhost",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

function cspMeta(): Plugin {
  return {
    name: "hcx-csp-meta",
    apply: "build",
    transformIndexHtml(html) {
      return html.replace(
        "<!--csp-->",
        `<meta http-equiv="Content-Security-Policy" content="${CSP}" />`,
      );
    },
  };
}

export default defineConfig({
  plugins: [cspMeta()],
  // Tauri serves the files from its own protocol; relative URLs work there and from any folder.
  base: "./",
  clearScreen: false,
  build: {
    outDir: "dist",
    target: "es2022",
    // The polyfill would be injected as code Tauri's webviews do not need.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: { host: "127.0.0.1" },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
    // Local-time formatting is tested in India's zone, the desk's usual one.
    env: { TZ: "Asia/Kolkata" },
  },
});
