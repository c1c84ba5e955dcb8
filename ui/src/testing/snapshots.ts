/// <reference types="node" />
// hcx-fhir's summary snapshots (crates/hcx-fhir/tests/snapshots/*.snap) for the UI's unit tests.
// They are the backend's real output for its fixtures and builder bundles, read by a person when
// they changed, so tests that read them check the UI against what the backend sends, not against
// a guess. Only tests import this (it reads files with node:fs).

import { readdirSync, readFileSync } from "node:fs";
import { asSummary } from "../api/summary";
import type { Summary } from "../bindings/fhir/Summary";
import type { JsonValue } from "../bindings/serde_json/JsonValue";

const DIR = new URL("../../../crates/hcx-fhir/tests/snapshots/", import.meta.url);

/** The names of every snapshot (`built_preauth`, `fixture_claims`, ...). */
export function snapshotNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".snap"))
    .map((f) => f.slice(0, -".snap".length))
    .sort();
}

/** A snapshot's JSON: an insta file is a `---` header block, then the value. */
export function snapshotJson(name: string): JsonValue {
  const text = readFileSync(new URL(`${name}.snap`, DIR), "utf8");
  const body = text.split(/^---$/m).slice(2).join("---");
  return JSON.parse(body) as JsonValue;
}

/** A snapshot as the UI receives it; throws if the UI would not see a summary in it. */
export function snapshot(name: string): Summary {
  const s = asSummary(snapshotJson(name));
  if (!s) {
    throw new Error(`${name}.snap is not a summary the UI accepts`);
  }
  return s;
}

/** Every key path of a JSON value with the JSON type at its end (`items[].net.value:string`). */
export function keyPaths(v: JsonValue | undefined, prefix = ""): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(v)) {
    for (const x of v) for (const p of keyPaths(x, `${prefix}[]`)) out.add(p);
  } else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      for (const p of keyPaths(x, prefix ? `${prefix}.${k}` : k)) out.add(p);
    }
  } else {
    out.add(`${prefix}:${v === null ? "null" : typeof v}`);
  }
  return out;
}
