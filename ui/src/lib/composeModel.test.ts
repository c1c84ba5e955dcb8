import { describe, expect, it } from "vitest";
import { emptyForm, fieldValue, formField, formTotal, lineTotal, localProblems, toWire, toWireWithRows } from "./composeModel";

describe("compose form totals", () => {
  it("multiplies each line and sums exactly", () => {
    expect(lineTotal({ quantity: "3", unitPrice: "2500.50" }), "3 × 2500.50").toBe("7501.50");
    expect(lineTotal({ quantity: "2", unitPrice: "1,25,000.10" }), "typed grouping is accepted")
      .toBe("250000.20");
    expect(lineTotal({ quantity: "1", unitPrice: "" }), "no price yet: no total").toBe(null);
    const t = formTotal([
      { quantity: "1", unitPrice: "0.10" },
      { quantity: "2", unitPrice: "0.10" },
      { quantity: "1", unitPrice: "abc" },
    ]);
    expect(t.total, "0.10 + 0.20 is exactly 0.30 (floats would give 0.30000000000000004)").toBe(
      "0.30",
    );
    expect(t.complete, "one row has no amount yet, so the total is partial").toBe(false);
  });
});

describe("checks before the checker", () => {
  it("flags text that is not an amount at its field", () => {
    const form = emptyForm("preauth");
    form.items = [
      { code: "A", description: "", quantity: "two", unitPrice: "10" },
      { code: "B", description: "", quantity: "1", unitPrice: "12,50.x" },
    ];
    const p = localProblems(form);
    expect(p.has("items[0].quantity"), "a word is not a quantity").toBe(true);
    expect(p.has("items[1].unitPrice"), "garbage in a price is caught locally").toBe(true);
    expect(p.has("items[0].unitPrice"), "a good price is not flagged").toBe(false);
  });
});

describe("the form on the wire", () => {
  it("normalises amounts, trims and drops empty rows", () => {
    const form = emptyForm("claim");
    form.patientName = "  Ravi Kumar ";
    form.patientAbha = " ";
    form.diagnoses = ["k35.80", ""];
    form.items = [
      { code: "SU1", description: "Surgery", quantity: "1", unitPrice: "45,000.00" },
      { code: "", description: "", quantity: "1", unitPrice: "" },
    ];
    const wire = toWire(form);
    expect(wire.patientName, "names are trimmed").toBe("Ravi Kumar");
    expect(wire.patientAbha, "a blank optional field is null, not an empty string").toBe(null);
    expect(wire.diagnoses, "ICD codes are upper-cased and blanks dropped").toEqual(["K35.80"]);
    expect(wire.items, "the untouched last row is dropped and separators removed").toEqual([
      { code: "SU1", description: "Surgery", quantity: "1", unitPrice: "45000.00" },
    ]);
  });

  it("sends no items for an eligibility check", () => {
    const form = emptyForm("coverageeligibility");
    form.items = [{ code: "X", description: "", quantity: "1", unitPrice: "1" }];
    expect(toWire(form).items, "eligibility has no billable items").toEqual([]);
  });
});

describe("wire indexes back to form rows", () => {
  it("points a finding on a sent row at the row the clerk sees", () => {
    const form = emptyForm("preauth");
    form.items = [
      { code: "A", description: "", quantity: "1", unitPrice: "10" },
      { code: "", description: "", quantity: "1", unitPrice: "" },
      { code: "C", description: "", quantity: "1", unitPrice: "0" },
    ];
    form.diagnoses = ["", "K35.80"];
    const wire = toWireWithRows(form);
    expect(wire.itemRows, "the empty middle row is not sent").toEqual([0, 2]);
    expect(formField("items[1].unitPrice", wire), "wire item 1 is form row 2").toBe("items[2].unitPrice");
    expect(formField("diagnoses[0]", wire), "wire diagnosis 0 is form row 1").toBe("diagnoses[1]");
    expect(formField("patientName", wire), "other fields pass through").toBe("patientName");
    expect(formField("items[9]", wire), "an index the form lacks is kept").toBe("items[9]");
  });
});

describe("field values", () => {
  it("reads the value behind a field name", () => {
    const form = emptyForm("preauth");
    form.items = [{ code: "A", description: "d", quantity: "2", unitPrice: "10.50" }];
    form.patientName = "Asha";
    expect(fieldValue(form, "items[0].unitPrice"), "an item's price").toBe("10.50");
    expect(fieldValue(form, "patientName"), "a plain field").toBe("Asha");
    expect(fieldValue(form, "items[3].code"), "a row that does not exist").toBe(undefined);
    expect(fieldValue(form, "total"), "a field the form does not have").toBe(undefined);
    const before = fieldValue(form, "items[0]");
    form.items[0]!.quantity = "3";
    expect(fieldValue(form, "items[0]"), "a row's value changes with any of its cells").not.toBe(before);
  });
});
