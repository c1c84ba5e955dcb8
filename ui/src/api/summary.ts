// The FHIR summary (hcx-fhir's `Summary`) as the UI receives it.
//
// The backend's view types carry the summary as free JSON (`TimelineNode.summary`,
// `InspectView.summary` are `serde_json::Value` in dto.rs), but the JSON is always
// `hcx_fhir::Summary`, whose TypeScript ts-rs generates into src/bindings/fhir/. This is the one
// place that JSON becomes that type: the rest of the UI sees `Summary | null`. Every decimal in it
// (money, quantities, percentages) is a string with its scale, so nothing passes through a float.

import type { InspectView as RawInspectView } from "../bindings/InspectView";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import type { Summary } from "../bindings/fhir/Summary";
import type { ThreadDetail as RawThreadDetail } from "../bindings/ThreadDetail";
import type { TimelineNode as RawTimelineNode } from "../bindings/TimelineNode";

/** A timeline node whose summary is typed. */
export type TimelineNode = Omit<RawTimelineNode, "summary"> & { summary: Summary | null };

/** A cycle whose timeline summaries are typed. */
export type ThreadDetail = Omit<RawThreadDetail, "timeline"> & { timeline: TimelineNode[] };

/** The inspector's view with a typed summary. */
export type InspectView = Omit<RawInspectView, "summary"> & { summary: Summary | null };

/**
 * The summary in `value`, or null when there is none. The shape is the backend's contract, so
 * this checks only what tells a summary from something else (an object with a `kind` and
 * `amounts`), not every key: a backend that sent anything else is a bug to show as "no summary",
 * never a crash.
 */
export function asSummary(value: JsonValue | null | undefined): Summary | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return null;
  }
  const amounts = value.amounts;
  if (typeof value.kind !== "string" || typeof amounts !== "object" || amounts === null || Array.isArray(amounts)) {
    return null;
  }
  return value as unknown as Summary;
}

export function typedNode(n: RawTimelineNode): TimelineNode {
  return { ...n, summary: asSummary(n.summary) };
}

export function typedDetail(d: RawThreadDetail): ThreadDetail {
  return { ...d, timeline: d.timeline.map(typedNode) };
}

export function typedInspectView(v: RawInspectView): InspectView {
  return { ...v, summary: asSummary(v.summary) };
}
