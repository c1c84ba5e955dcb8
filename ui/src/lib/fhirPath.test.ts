import { describe, expect, it } from "vitest";
import { fhirPathToField, placeFindings } from "./fhirPath";

describe("FHIR path → form field", () => {
  it("maps claim items by index and element", () => {
    expect(fhirPathToField("Claim.item[2].unitPrice"), "the example from the contract").toBe(
      "items[2].unitPrice",
    );
    expect(fhirPathToField("Claim.item[0].quantity"), "quantity lives on the same row").toBe(
      "items[0].quantity",
    );
    expect(fhirPathToField("Claim.item[1].net"), "net is the line total").toBe("items[1].total");
    expect(
      fhirPathToField("Claim.item[1].productOrService.coding[0].code"),
      "the service code is the item's code field",
    ).toBe("items[1].code");
    expect(
      fhirPathToField("Claim.item[1].productOrService.text"),
      "the service text is the description field",
    ).toBe("items[1].description");
    expect(fhirPathToField("Claim.item[3]"), "a whole item points at its row").toBe("items[3]");
    expect(fhirPathToField("Claim.item"), "no index: the item table as a whole").toBe("items");
  });

  it("maps header elements of a claim or eligibility request", () => {
    expect(fhirPathToField("Claim.diagnosis[1].diagnosisCodeableConcept"), "second diagnosis")
      .toBe("diagnoses[1]");
    expect(fhirPathToField("Claim.insurance[0].coverage"), "coverage is the policy").toBe(
      "policyNumber",
    );
    expect(fhirPathToField("CoverageEligibilityRequest.insurer"), "the insurer is the recipient")
      .toBe("recipient");
    expect(fhirPathToField("Claim.total"), "the claim total").toBe("total");
    expect(fhirPathToField("Claim.supportingInfo[0].valueAttachment"), "a document").toBe(
      "attachments[0]",
    );
  });

  it("maps the patient and coverage resources", () => {
    expect(fhirPathToField("Patient.gender"), "gender field").toBe("patientGender");
    expect(fhirPathToField("Patient.birthDate"), "birth date field").toBe("patientBirthDate");
    expect(fhirPathToField("Patient.identifier[0].value"), "the ABHA identifier").toBe(
      "patientAbha",
    );
    expect(fhirPathToField("Patient.name[0].text"), "the name").toBe("patientName");
    expect(fhirPathToField("Coverage.subscriberId"), "the policy number").toBe("policyNumber");
  });

  it("sees through a Bundle prefix when the resource type is written", () => {
    expect(fhirPathToField("Bundle.entry[2].resource.Claim.item[0].unitPrice"), "typed entry").toBe(
      "items[0].unitPrice",
    );
    expect(fhirPathToField("Bundle.entry[2].resource"), "an untyped entry cannot be placed").toBe(
      null,
    );
  });

  it("maps the answer to a query", () => {
    expect(fhirPathToField("Communication.payload[0].contentString"), "the answer text").toBe("text");
    expect(fhirPathToField("Communication.payload[1].contentAttachment"), "a document").toBe(
      "attachments",
    );
  });

  it("keeps a form field the console names itself (the builders' input refusals)", () => {
    // hcx-fhir's builder refuses a zero quantity before any FHIR exists: `items[1].quantity`.
    expect(fhirPathToField("items[1].quantity"), "the item's quantity field").toBe("items[1].quantity");
    expect(fhirPathToField("patientAbha"), "a top-level form field").toBe("patientAbha");
    expect(fhirPathToField("items[1].colour"), "not a field of the form").toBeNull();
  });

  it("returns null for paths with no field", () => {
    expect(fhirPathToField("Organization.identifier"), "the provider is the profile's").toBe(null);
    expect(fhirPathToField(""), "an empty path").toBe(null);
  });
});

describe("placing findings", () => {
  it("puts each finding at its field and keeps the rest general", () => {
    const placed = placeFindings([
      { severity: "error", path: "Claim.item[1].unitPrice", rule: "R1", message: "must be > 0" },
      { severity: "warning", path: "Claim.item[1].unitPrice", rule: "R2", message: "unusual" },
      { severity: "error", path: "Organization.name", rule: "R3", message: "missing" },
    ]);
    expect(placed.byField.get("items[1].unitPrice")?.length, "both findings on that price").toBe(2);
    expect(placed.general.map((f) => f.rule), "an unplaceable finding is not dropped").toEqual([
      "R3",
    ]);
    expect(placed.errorCount, "two errors block sending").toBe(2);
    expect(placed.warningCount, "warnings are counted apart").toBe(1);
  });
});
