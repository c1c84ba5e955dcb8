// The compose form's model: what the clerk types, its exact totals, the checks the UI can make
// itself (is this an amount at all?), and the ComposeForm sent to the backend.

import type { ComposeForm } from "../bindings/ComposeForm";
import { isDecimal, mul, normalizeAmountInput, sum } from "./decimal";

export const COMPOSE_USE_CASES = ["coverageeligibility", "preauth", "predetermination", "claim"];

/** Use cases whose form has billable items. */
export function hasItems(useCase: string): boolean {
  return useCase !== "coverageeligibility";
}

export function emptyItem(): ComposeForm["items"][number] {
  return { code: "", description: "", quantity: "1", unitPrice: "" };
}

export function emptyForm(useCase: string): ComposeForm {
  return {
    useCase,
    recipient: "",
    workflowId: null,
    relatedCorrelationId: null,
    patientName: "",
    patientGender: "",
    patientBirthDate: null,
    patientAbha: null,
    policyNumber: "",
    diagnoses: [""],
    items: hasItems(useCase) ? [emptyItem()] : [],
    attachments: [],
    note: null,
  };
}

/** quantity × unit price, exact; null while either is not an amount yet. */
export function lineTotal(item: { quantity: string; unitPrice: string }): string | null {
  const q = normalizeAmountInput(item.quantity);
  const p = normalizeAmountInput(item.unitPrice);
  if (!isDecimal(q) || !isDecimal(p)) {
    return null;
  }
  return mul(q, p);
}

/** The form's total over the rows that have one; `complete` is false if some row has none. */
export function formTotal(items: readonly { quantity: string; unitPrice: string }[]): {
  total: string;
  complete: boolean;
} {
  const totals = items.map(lineTotal);
  return {
    total: sum(totals.filter((t): t is string => t !== null)),
    complete: totals.every((t) => t !== null),
  };
}

/**
 * Problems the UI sees before asking the checker: amounts that are not numbers. Keyed by the
 * same field names as the checker's findings ("items[1].unitPrice").
 */
export function localProblems(form: ComposeForm): Map<string, string> {
  const out = new Map<string, string>();
  form.items.forEach((it, i) => {
    const q = normalizeAmountInput(it.quantity);
    const p = normalizeAmountInput(it.unitPrice);
    if (q !== "" && !isDecimal(q)) {
      out.set(`items[${i}].quantity`, "Not a number: write digits like 2 or 1.5");
    }
    if (p !== "" && !isDecimal(p)) {
      out.set(`items[${i}].unitPrice`, "Not an amount: write digits like 1250.50");
    }
  });
  if (form.patientBirthDate && !/^\d{4}-\d{2}-\d{2}$/.test(form.patientBirthDate)) {
    out.set("patientBirthDate", "Use the date picker (YYYY-MM-DD)");
  }
  return out;
}

function blankToNull(s: string | null): string | null {
  return s === null || s.trim() === "" ? null : s.trim();
}

export interface WireForm {
  form: ComposeForm;
  /** For each wire item, its row in the form (empty rows are not sent, so indexes shift). */
  itemRows: number[];
  /** For each wire diagnosis, its row in the form. */
  diagnosisRows: number[];
}

/** The form as the backend receives it: amounts without separators, empty rows dropped. */
export function toWireWithRows(form: ComposeForm): WireForm {
  const itemRows: number[] = [];
  const items: ComposeForm["items"] = [];
  if (hasItems(form.useCase)) {
    form.items.forEach((it, i) => {
      if (it.code.trim() || it.description.trim() || it.unitPrice.trim()) {
        itemRows.push(i);
        items.push({
          code: it.code.trim(),
          description: it.description.trim(),
          quantity: normalizeAmountInput(it.quantity),
          unitPrice: normalizeAmountInput(it.unitPrice),
        });
      }
    });
  }
  const diagnosisRows: number[] = [];
  const diagnoses: string[] = [];
  form.diagnoses.forEach((d, i) => {
    if (d.trim() !== "") {
      diagnosisRows.push(i);
      diagnoses.push(d.trim().toUpperCase());
    }
  });
  return {
    form: {
      ...form,
      patientName: form.patientName.trim(),
      policyNumber: form.policyNumber.trim(),
      patientBirthDate: blankToNull(form.patientBirthDate),
      patientAbha: blankToNull(form.patientAbha),
      note: blankToNull(form.note),
      diagnoses,
      items,
    },
    itemRows,
    diagnosisRows,
  };
}

export function toWire(form: ComposeForm): ComposeForm {
  return toWireWithRows(form).form;
}

/**
 * Turns a field named after the wire form ("items[1].unitPrice") into the form row it came
 * from ("items[2].unitPrice" when row 1 was empty and not sent).
 */
export function formField(field: string, wire: Pick<WireForm, "itemRows" | "diagnosisRows">): string {
  return field.replace(/^(items|diagnoses)\[(\d+)\]/, (m, list: string, idx: string) => {
    const rows = list === "items" ? wire.itemRows : wire.diagnosisRows;
    const row = rows[Number(idx)];
    return row === undefined ? m : `${list}[${row}]`;
  });
}

/**
 * The value behind a form field name ("items[2].unitPrice", "diagnoses[0]", "patientName"),
 * as text, or undefined when the form has no such field. Used to hide a finding once the
 * clerk has changed the field it was about, until the next check has looked at it.
 */
export function fieldValue(form: ComposeForm, field: string): string | undefined {
  const m = /^(items|diagnoses|attachments)\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (m) {
    const [, list, idx, prop] = m;
    const row = (form[list as "items" | "diagnoses" | "attachments"] as unknown[])[Number(idx)];
    if (row === undefined) return undefined;
    if (prop === undefined) return JSON.stringify(row);
    const v = (row as Record<string, unknown>)[prop];
    return v === undefined ? undefined : String(v);
  }
  const v = (form as unknown as Record<string, unknown>)[field];
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : JSON.stringify(v);
}
