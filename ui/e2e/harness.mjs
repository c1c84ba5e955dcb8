// Browser-test harness: starts the real console with `hcx serve-ui` on a fresh data dir (its
// embedded sandbox, the real keychain of the session: scripts/test runs this inside the same
// dbus-run-session + unlocked gnome-keyring as the cargo tests), and drives Debian's Chromium
// through playwright-core against it. No mock: every command and event is the console's.
//
// The `hcx` binary is the one `cargo test --workspace` built (HCX_BIN, else
// $CARGO_TARGET_DIR/debug/hcx, else target/debug/hcx). The page runs under the production
// build's Content-Security-Policy (meta tag and serve-ui's header), so a CSP violation shows
// up as a console error, which fails the test.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const uiRoot = resolve(here, "..");
const repo = resolve(uiRoot, "..");
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
/** First start creates the exchange, keys and the Demo Clinic: generous on a shared CI box. */
const START_TIMEOUT_MS = 120_000;

function hcxBinary() {
  const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, "target");
  const bin = process.env.HCX_BIN ?? join(target, "debug", "hcx");
  if (!existsSync(bin)) {
    throw new Error(`no hcx binary at ${bin}: build it with \`cargo build -p hcx-console --bin hcx\` (scripts/test's cargo test does), or set HCX_BIN`);
  }
  return bin;
}

/** Builds ui/dist if it is missing (CI builds it first with `npm run build`). */
function ensureBuilt() {
  if (existsSync(join(dist, "index.html"))) return;
  const r = spawnSync("npm", ["run", "build"], { cwd: uiRoot, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm run build failed; the browser tests need ui/dist");
}

/**
 * Starts `hcx serve-ui` on `dataDir` and resolves once it printed its URL:
 * { base, token, stop() }. Its log is kept for failure messages.
 */
function serveUi(dataDir, appId) {
  const child = spawn(hcxBinary(), ["serve-ui", "--port", "0", "--data", dataDir, "--dist", dist, "--fast"], {
    env: { ...process.env, HCX_APP_ID: appId, RUST_LOG: process.env.RUST_LOG ?? "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = [];
  child.stderr.on("data", (d) => log.push(String(d)));
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
  const started = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve-ui printed no URL within ${START_TIMEOUT_MS} ms:\n${log.join("")}`)), START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^serve-ui: (http:\/\/127\.0\.0\.1:\d+\/)#token=([A-Za-z0-9_-]+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok({ base: m[1], token: m[2] });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`serve-ui exited (${code ?? signal}) before printing its URL:\n${log.join("")}`));
    });
  });
  return started.then(({ base, token }) => ({
    base,
    token,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  }));
}

/**
 * Starts the console and the browser. Returns { base, open(hash), restart(), call(), close() }:
 * `open` gives a fresh page with console and page errors collected in `page.problems`;
 * `restart` stops serve-ui and starts it again on the same data dir (pages opened before
 * have the old run's token and must be reopened).
 */
export async function start() {
  ensureBuilt();
  mkdirSync(screenshots, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "hcx-e2e-"));
  const appId = `in.hcx.console.test-e2e-${randomBytes(6).toString("hex")}`;
  let server = await serveUi(dataDir, appId);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts = [];
  const h = {
    get base() {
      return server.base;
    },
    dataDir,
    async open(hash = "#/queue", viewport = { width: 1440, height: 900 }) {
      const context = await browser.newContext({ viewport, timezoneId: "Asia/Kolkata", locale: "en-IN" });
      contexts.push(context);
      // The token as the URL serve-ui prints would leave it: in this tab's session storage.
      await context.addInitScript(({ key, token }) => sessionStorage.setItem(key, token), { key: "hcx-serve-ui-token", token: server.token });
      const page = await context.newPage();
      page.problems = [];
      page.on("console", (m) => {
        if (m.type() === "error") page.problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
      // Generous: CI shares two cores with cargo builds.
      page.setDefaultTimeout(20_000);
      await page.goto(server.base + hash);
      return page;
    },
    /** One command straight over serve-ui's HTTP transport (set-up steps, not what is tested). */
    async call(command, args = {}) {
      const res = await fetch(`${server.base}api/${command}`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
        body: JSON.stringify(args),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`${command}: ${body.code}: ${body.message}`);
      return body;
    },
    /**
     * One call to the embedded sandbox as its operator (the HCX admin), over its own HTTP API:
     * what a tester does to the exchange behind the console (the demo provider sending, a
     * participant deactivated). The port and the admin's demo password are the ones the
     * sandbox keeps in the data dir (`embedded/ports.json`, `identities/hcx/password`).
     */
    async sandbox(path, body) { // path from the sandbox's origin: `/api/v0.8/…`, `/sandbox/…`
      const embedded = join(dataDir, "embedded");
      const { sandbox: port } = JSON.parse(readFileSync(join(embedded, "ports.json"), "utf8"));
      const password = readFileSync(join(embedded, "sandbox", "identities", "hcx", "password"), "utf8").trim();
      const origin = `http://127.0.0.1:${port}`;
      const login = await fetch(`${origin}/api/v0.8/participant/auth/token/generate`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username: "admin@sandbox", password }),
      });
      if (!login.ok) throw new Error(`sandbox admin login: ${login.status} ${await login.text()}`);
      const { access_token: token } = await login.json();
      const res = await fetch(`${origin}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    /**
     * A `{"payload": JWE}` body sealed by `hcx seal` (hcx-protocol) for participant `to`, with
     * the certificate the embedded sandbox's registry serves for it: what a counterparty sends.
     */
    async seal(to, headers, payload) {
      const { sandbox: port } = JSON.parse(readFileSync(join(dataDir, "embedded", "ports.json"), "utf8"));
      const cert = await fetch(`http://127.0.0.1:${port}/certs/${encodeURIComponent(to)}/encryption_cert.pem`);
      if (!cert.ok) throw new Error(`no certificate for ${to}: ${cert.status}`);
      const dir = mkdtempSync(join(tmpdir(), "hcx-e2e-seal-"));
      try {
        writeFileSync(join(dir, "cert.pem"), await cert.text());
        writeFileSync(join(dir, "headers.json"), JSON.stringify(headers));
        writeFileSync(join(dir, "payload.json"), JSON.stringify(payload));
        const r = spawnSync(hcxBinary(), ["seal", "--cert", join(dir, "cert.pem"), "--headers", join(dir, "headers.json"), join(dir, "payload.json")], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`hcx seal failed: ${r.stderr}`);
        return r.stdout.trim();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async restart() {
      for (const c of contexts.splice(0)) await c.close().catch(() => {});
      await server.stop();
      server = await serveUi(dataDir, appId);
    },
    log: () => server.log.join(""),
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Saves a screenshot into e2e/screenshots/NAME.png and returns its path. */
export async function shot(page, name) {
  const path = join(screenshots, `${name}.png`);
  // Let the last paint land before capturing.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Fails the test when the page logged an error: a CSP violation, a React error or a failed call. */
export function noProblems(page) {
  assert.deepEqual(page.problems, [], "the page logged no errors: no CSP violations, no React errors, no failed calls");
}
