// Browser-test harness: serves the built UI (ui/dist) on 127.0.0.1, launches Debian's
// Chromium through playwright-core, and puts the scripted mock backend behind Tauri's IPC with
// @tauri-apps/api/mocks' mockIPC, injected as an init script before the page's own code.
//
// The page runs under the production build's Content-Security-Policy, so a CSP violation
// (inline script, eval, remote asset) shows up as a console error, which fails the test.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const uiRoot = resolve(here, "..");
const dist = join(uiRoot, "dist");
export const screenshots = join(here, "screenshots");

const CHROMIUM = process.env.HCX_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Builds ui/dist if it is missing (CI builds it first with `npm run build`). */
function ensureBuilt() {
  if (existsSync(join(dist, "index.html"))) return;
  const r = spawnSync("npm", ["run", "build"], { cwd: uiRoot, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm run build failed; the browser tests need ui/dist");
}

/** The mock backend (src/mock/backend.ts and what it imports) bundled as one classic script. */
async function mockBackendScript() {
  const { build } = await import("vite");
  const out = await build({
    configFile: false,
    root: uiRoot,
    logLevel: "error",
    build: {
      write: false,
      minify: false,
      lib: { entry: join(uiRoot, "src/mock/backend.ts"), formats: ["iife"], name: "HcxMock" },
    },
  });
  const outputs = Array.isArray(out) ? out : [out];
  const chunk = outputs.flatMap((o) => o.output).find((c) => c.type === "chunk");
  if (!chunk) throw new Error("bundling the mock backend produced no code");
  return chunk.code;
}

/** mocks.js has no imports; without its final `export {…}` line it runs as a classic script. */
function mocksScript() {
  const path = join(uiRoot, "node_modules/@tauri-apps/api/mocks.js");
  const src = readFileSync(path, "utf8");
  const stripped = src.replace(/^export \{[^}]*\};?\s*$/m, "");
  if (stripped === src) throw new Error(`no export line to strip in ${path}: the recipe needs updating`);
  return stripped;
}

export async function initScript({ delayScale = 0.25 } = {}) {
  return [
    mocksScript(),
    await mockBackendScript(),
    `(() => {
      const backend = HcxMock.createMockBackend({
        emit: (event, payload) =>
          window.__TAURI_INTERNALS__.invoke("plugin:event|emit", { event, payload }),
        delayScale: ${Number(delayScale)},
      });
      mockIPC((cmd, args) => backend.handle(cmd, args), { shouldMockEvents: true });
    })();`,
  ].join("\n;\n");
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

function serve(root) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, "");
    const file = join(root, rel === "" ? "index.html" : rel);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/**
 * Starts everything. Returns { open(hash), close() }: `open` gives a fresh page (fresh mock
 * backend state) with console and page errors collected in `page.problems`.
 */
export async function start(options = {}) {
  ensureBuilt();
  mkdirSync(screenshots, { recursive: true });
  const script = await initScript(options);
  const server = await serve(dist);
  const { port } = server.address();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const base = `http://127.0.0.1:${port}/`;
  const contexts = [];
  return {
    base,
    async open(hash = "#/queue", viewport = { width: 1440, height: 900 }) {
      const context = await browser.newContext({ viewport, timezoneId: "Asia/Kolkata", locale: "en-IN" });
      contexts.push(context);
      await context.addInitScript({ content: script });
      const page = await context.newPage();
      page.problems = [];
      page.on("console", (m) => {
        if (m.type() === "error") page.problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
      // Generous: CI shares two cores with cargo builds.
      page.setDefaultTimeout(10_000);
      await page.goto(base + hash);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** Saves a screenshot into e2e/screenshots/NAME.png and returns its path. */
export async function shot(page, name) {
  const path = join(screenshots, `${name}.png`);
  // Let the last paint land before capturing.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path, fullPage: false });
  return path;
}
