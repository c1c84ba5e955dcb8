// A collapsible JSON viewer: objects and arrays fold; everything starts folded below `open`
// levels so a large FHIR bundle does not flood the screen.

import { useState } from "react";
import type { JsonValue } from "../api";

function Leaf({ v }: { v: JsonValue }) {
  if (typeof v === "string") {
    return <span className="s">"{v}"</span>;
  }
  if (typeof v === "number") {
    return <span className="n">{String(v)}</span>;
  }
  if (typeof v === "boolean" || v === null) {
    return <span className="b">{String(v)}</span>;
  }
  return null;
}

function Node({ name, v, depth, open, last }: { name: string | null; v: JsonValue; depth: number; open: number; last: boolean }) {
  const isObj = typeof v === "object" && v !== null;
  const [expanded, setExpanded] = useState(depth < open);
  const comma = last ? "" : ",";
  const key = name !== null ? (
    <>
      <span className="k">"{name}"</span>:{" "}
    </>
  ) : null;
  if (!isObj) {
    return (
      <div>
        <span className="toggle" />
        {key}
        <Leaf v={v} />
        {comma}
      </div>
    );
  }
  const entries: [string | null, JsonValue][] = Array.isArray(v)
    ? v.map((x) => [null, x])
    : Object.entries(v).filter((e): e is [string, JsonValue] => e[1] !== undefined);
  const [o, c] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) {
    return (
      <div>
        <span className="toggle" />
        {key}
        {o}
        {c}
        {comma}
      </div>
    );
  }
  if (!expanded) {
    return (
      <div>
        <span className="toggle" onClick={() => setExpanded(true)}>
          ▸
        </span>
        {key}
        <span className="fold" onClick={() => setExpanded(true)}>
          {o} {entries.length} {Array.isArray(v) ? "items" : "keys"} {c}
        </span>
        {comma}
      </div>
    );
  }
  return (
    <div>
      <span className="toggle" onClick={() => setExpanded(false)}>
        ▾
      </span>
      {key}
      {o}
      <div className="indent">
        {entries.map(([k, x], i) => (
          <Node key={k ?? i} name={k} v={x} depth={depth + 1} open={open} last={i === entries.length - 1} />
        ))}
      </div>
      <span className="toggle" />
      {c}
      {comma}
    </div>
  );
}

export function JsonView({ value, open = 2 }: { value: JsonValue; open?: number }) {
  const [gen, setGen] = useState(0);
  const [depth, setDepth] = useState(open);
  return (
    <div>
      <div className="row" style={{ marginBottom: 6 }}>
        <button type="button" className="btn small" onClick={() => { setDepth(99); setGen((g) => g + 1); }}>
          Expand all
        </button>
        <button type="button" className="btn small" onClick={() => { setDepth(1); setGen((g) => g + 1); }}>
          Collapse
        </button>
        <button type="button" className="btn small" onClick={() => void navigator.clipboard?.writeText(JSON.stringify(value, null, 2))}>
          Copy JSON
        </button>
      </div>
      <div className="json" key={gen}>
        <Node name={null} v={value} depth={0} open={depth} last />
      </div>
    </div>
  );
}
