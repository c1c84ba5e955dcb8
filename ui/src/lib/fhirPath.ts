// Maps the rule checker's FHIR paths to the compose form's fields, so each finding is shown
// next to the field the clerk has to change.
//
// The checker speaks FHIR ("Claim.item[2].unitPrice"); the form speaks ComposeForm
// ("items[2].unitPrice"). Indexes are zero-based on both sides (FHIRPath indexes from 0, and the
// form's items are in bundle order). A path that cannot be placed returns null and is shown in
// the form's general findings list, so nothing the checker says is ever dropped.

import type { FindingView } from "../bindings/FindingView";

interface Segment {
  name: string;
  index: number | null;
}

function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const raw of path.trim().split(".")) {
    const m = /^([A-Za-z_][\w-]*)(?:\[(\d+)\])?$/.exec(raw);
    if (!m) {
      // ofType(...), where(...) and other functions: keep the name, drop the arguments.
      const fn = /^([A-Za-z_]\w*)/.exec(raw);
      out.push({ name: fn?.[1] ?? raw, index: null });
      continue;
    }
    out.push({ name: m[1] ?? "", index: m[2] !== undefined ? Number(m[2]) : null });
  }
  return out;
}

const ITEM_FIELDS: Record<string, string> = {
  unitPrice: "unitPrice",
  quantity: "quantity",
  net: "total",
  productOrService: "code",
  sequence: "code",
};

function itemField(index: number | null, rest: Segment[]): string {
  const row = index === null ? "items" : `items[${index}]`;
  const first = rest[0]?.name;
  if (!first) {
    return row;
  }
  if (first === "productOrService" && rest.some((s) => s.name === "display" || s.name === "text")) {
    return `${row}.description`;
  }
  const field = ITEM_FIELDS[first];
  return field && index !== null ? `${row}.${field}` : row;
}

function indexed(base: string, index: number | null): string {
  return index === null ? base : `${base}[${index}]`;
}

/**
 * A form field's own name: the console's `form.invalid` findings (the bundle builders refused
 * the input, so there is no FHIR path yet) name the form field itself, e.g.
 * "items[1].quantity".
 */
const FORM_FIELD = /^(items\[\d+\]\.(code|description|quantity|unitPrice)|diagnoses\[\d+\]|patientName|patientGender|patientBirthDate|patientAbha|policyNumber|recipient|attachments(\[\d+\])?)$/;

/** The compose-form field a FHIR path points at, or null when it has no field. */
export function fhirPathToField(path: string): string | null {
  if (FORM_FIELD.test(path.trim())) {
    return path.trim();
  }
  let segs = parsePath(path);
  // "Bundle.entry[3].resource.Claim..." or "Bundle.entry[3].resource.item[0]": the resource
  // type is only known if the checker wrote it; without it the path cannot be placed.
  if (segs[0]?.name === "Bundle") {
    segs = segs.slice(1);
    if (segs[0]?.name === "entry") {
      segs = segs.slice(1);
    }
    if (segs[0]?.name === "resource") {
      segs = segs.slice(1);
    }
    if (segs[0]?.name === "ofType") {
      segs = segs.slice(1);
    }
  }
  const [resource, head, ...rest] = segs;
  if (!resource) {
    return null;
  }
  const h = head?.name;
  switch (resource.name) {
    case "Claim":
    case "CoverageEligibilityRequest":
      switch (h) {
        case "item":
          return itemField(head?.index ?? null, rest);
        case "diagnosis":
          return indexed("diagnoses", head?.index ?? null);
        case "patient":
          return "patientName";
        case "insurance":
          return "policyNumber";
        case "insurer":
          return "recipient";
        case "total":
          return "total";
        case "supportingInfo":
          return indexed("attachments", head?.index ?? null);
        default:
          return null;
      }
    case "Patient":
      switch (h) {
        case "gender":
          return "patientGender";
        case "birthDate":
          return "patientBirthDate";
        case "identifier":
          return "patientAbha";
        default:
          return "patientName";
      }
    case "Coverage":
      return h === "payor" || h === "insurer" ? "recipient" : "policyNumber";
    case "Condition":
      return "diagnoses";
    case "DocumentReference":
    case "Attachment":
      return "attachments";
    case "Communication":
      if (h === "payload") {
        return rest[0]?.name === "contentAttachment" ? "attachments" : "text";
      }
      return "text";
    default:
      return null;
  }
}

export interface PlacedFindings {
  /** Findings by form field ("items[2].unitPrice"). */
  byField: Map<string, FindingView[]>;
  /** Findings with no field of their own, shown at the top of the form. */
  general: FindingView[];
  errorCount: number;
  warningCount: number;
}

/** Sorts the checker's findings onto the form's fields. */
export function placeFindings(findings: readonly FindingView[]): PlacedFindings {
  const byField = new Map<string, FindingView[]>();
  const general: FindingView[] = [];
  let errorCount = 0;
  let warningCount = 0;
  for (const f of findings) {
    if (f.severity === "error") {
      errorCount += 1;
    } else {
      warningCount += 1;
    }
    const field = fhirPathToField(f.path);
    if (field === null) {
      general.push(f);
      continue;
    }
    const list = byField.get(field) ?? [];
    list.push(f);
    byField.set(field, list);
  }
  return { byField, general, errorCount, warningCount };
}
