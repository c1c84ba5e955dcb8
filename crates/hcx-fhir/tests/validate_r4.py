"""Validate FHIR R4 bundles with independent implementations; exit 1 on any error.

Usage: validate_r4.py FILE.json [FILE.json ...]

Validators (pinned in scripts/requirements-test.txt):

* fhir.resources 6.4.0 (pydantic 1.10): its top-level package `fhir.resources` holds the FHIR
  R4 (4.0.1) models (`fhir.resources.__fhir_version__ == "4.0.1"`). Releases 6.5+ switched the
  top-level models to R4B (4.3.0) and 7.x+ dropped R4 entirely (R5 default, R4B and STU3 as
  sub-packages), so 6.4.0 is the newest release that validates real R4. It checks element names
  (unknown elements are errors), cardinalities, choice types and primitive formats.
* fhirkit-rs 0.1.0: an R4-only validator generated from hl7.fhir.r4.core that reports every
  problem with its path (required elements, unknown elements, primitive formats).

Neither knows the NRCeS profiles (the `ndhm.in` package cannot be fetched here); those rules are
the Rust checker's job. Each file is validated as a whole Bundle and then resource by resource.
"""

import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element
import fhirkit


def validate(path):
    errors = []
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if fhir.resources.__fhir_version__ != "4.0.1":
        return [f"fhir.resources models FHIR {fhir.resources.__fhir_version__}, not R4 4.0.1"]
    if fhirkit.FHIR_VERSION != "4.0.1":
        return [f"fhirkit models FHIR {fhirkit.FHIR_VERSION}, not R4 4.0.1"]

    resources = [("Bundle", data)]
    if data.get("resourceType") == "Bundle":
        for i, entry in enumerate(data.get("entry", [])):
            resource = entry.get("resource", {})
            resources.append((f"Bundle.entry[{i}] {resource.get('resourceType')}", resource))

    for where, resource in resources:
        try:
            construct_fhir_element(resource["resourceType"], resource)
        except Exception as e:  # pydantic.ValidationError and KeyError alike
            errors.append(f"fhir.resources: {where}: {e}")
        for issue in fhirkit.validate(resource):
            if issue.severity == "error":
                errors.append(f"fhirkit: {where}: {issue}")
    return errors


def main(paths):
    if not paths:
        print(__doc__)
        return 2
    failed = 0
    for path in paths:
        errors = validate(path)
        if errors:
            failed += 1
            print(f"INVALID {path}")
            for e in errors:
                print("  " + e.replace("\n", "\n    "))
        else:
            print(f"valid   {path}")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
