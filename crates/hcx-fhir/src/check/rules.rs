//! Stable rule ids. The UI and tests match on these; never rename one, add a new one instead.

/// The input is not a JSON object.
pub const JSON_NOT_OBJECT: &str = "json.not-object";
/// Objects and arrays nest deeper than `profiles::MAX_DEPTH`; nothing else was checked.
pub const JSON_TOO_DEEP: &str = "json.too-deep";
/// A resource (or the root) has no `resourceType`.
pub const RESOURCE_TYPE_MISSING: &str = "resource.type-missing";
/// The root is a single resource, not a Bundle.
pub const BUNDLE_NOT_A_BUNDLE: &str = "bundle.not-a-bundle";
/// `Bundle.id` missing.
pub const BUNDLE_ID_MISSING: &str = "bundle.id-missing";
/// `Bundle.type` is not `collection`.
pub const BUNDLE_TYPE_NOT_COLLECTION: &str = "bundle.type-not-collection";
/// `Bundle.timestamp` missing.
pub const BUNDLE_TIMESTAMP_MISSING: &str = "bundle.timestamp-missing";
/// `Bundle.meta.lastUpdated` missing.
pub const BUNDLE_LAST_UPDATED_MISSING: &str = "bundle.last-updated-missing";
/// `Bundle.identifier` missing.
pub const BUNDLE_IDENTIFIER_MISSING: &str = "bundle.identifier-missing";
/// `Bundle.entry` missing or empty.
pub const BUNDLE_EMPTY: &str = "bundle.empty";
/// No claim, response, request or task to act on.
pub const BUNDLE_FOCAL_MISSING: &str = "bundle.focal-missing";
/// The focal resource is not the first entry.
pub const BUNDLE_FOCAL_NOT_FIRST: &str = "bundle.focal-not-first";
/// The bundle's profile does not match its focal resource.
pub const BUNDLE_PROFILE_MISMATCH: &str = "bundle.profile-mismatch";
/// A Composition (document-bundle style) inside a collection payload.
pub const BUNDLE_COMPOSITION_PRESENT: &str = "bundle.composition-present";
/// An entry is not a JSON object.
pub const ENTRY_NOT_OBJECT: &str = "entry.not-object";
/// An entry has no resource.
pub const ENTRY_RESOURCE_MISSING: &str = "entry.resource-missing";
/// An entry has no `fullUrl`.
pub const ENTRY_FULL_URL_MISSING: &str = "entry.full-url-missing";
/// `fullUrl` is not `urn:uuid:<uuid>`.
pub const ENTRY_FULL_URL_NOT_UUID: &str = "entry.full-url-not-uuid";
/// Two entries share a `fullUrl`.
pub const ENTRY_FULL_URL_DUPLICATE: &str = "entry.full-url-duplicate";
/// `fullUrl` is not `urn:uuid:` + the resource's id.
pub const ENTRY_FULL_URL_ID_MISMATCH: &str = "entry.full-url-id-mismatch";
/// An entry carries `request`, `response` or `search` (transaction-style).
pub const ENTRY_REQUEST_PRESENT: &str = "entry.request-present";
/// A resource has no `id`, or an invalid one.
pub const RESOURCE_ID_INVALID: &str = "resource.id-invalid";
/// A resource has no `meta.profile`.
pub const RESOURCE_PROFILE_MISSING: &str = "resource.profile-missing";
/// `meta.profile` does not name the NRCeS profile of the resource type.
pub const RESOURCE_PROFILE_WRONG: &str = "resource.profile-wrong";
/// A required element is missing.
pub const REQUIRED_MISSING: &str = "required.missing";
/// A code is outside the values FHIR allows for the element.
pub const CODE_INVALID: &str = "code.invalid";
/// A date or time is not in FHIR format.
pub const DATE_INVALID: &str = "date.invalid";
/// A literal reference points at nothing in the bundle.
pub const REFERENCE_UNRESOLVED: &str = "reference.unresolved";
/// A reference resolves only by `Type/id`, not by `fullUrl`.
pub const REFERENCE_NOT_FULL_URL: &str = "reference.not-full-url";
/// A reference points at the wrong kind of resource.
pub const REFERENCE_WRONG_TYPE: &str = "reference.wrong-type";
/// A reference that should point at a resource carries only a display text.
pub const REFERENCE_DISPLAY_ONLY: &str = "reference.display-only";
/// An identifier has no `type` coding (PAYR-1009/1010/1011/1012/1090/1091).
pub const IDENTIFIER_TYPE_MISSING: &str = "identifier.type-missing";
/// An identifier has no `value`.
pub const IDENTIFIER_VALUE_MISSING: &str = "identifier.value-missing";
/// An Organization identifier has no `system`.
pub const IDENTIFIER_SYSTEM_MISSING: &str = "identifier.system-missing";
/// A coding has no `system`.
pub const CODING_SYSTEM_MISSING: &str = "coding.system-missing";
/// A coding has no `code`.
pub const CODING_CODE_MISSING: &str = "coding.code-missing";
/// A coding has no `display`.
pub const CODING_DISPLAY_MISSING: &str = "coding.display-missing";
/// A coding's system is a misspelling, page URL or ValueSet URL of a known code system.
pub const CODING_SYSTEM_NOT_CANONICAL: &str = "coding.system-not-canonical";
/// A coding's system is not one we know.
pub const CODING_SYSTEM_UNKNOWN: &str = "coding.system-unknown";
/// A diagnosis code does not look like WHO ICD-10.
pub const DIAGNOSIS_ICD10_FORMAT: &str = "diagnosis.icd10-format";
/// A claim diagnosis points at a Condition instead of carrying the code (PAYR-1513).
pub const DIAGNOSIS_REFERENCE: &str = "diagnosis.reference-used";
/// A Procedure is not coded in SNOMED CT (NRCeS fixes the system).
pub const PROCEDURE_CODE_NOT_SNOMED: &str = "procedure.code-not-snomed";
/// An ABHA number (`HIN`) is not 14 digits.
pub const PATIENT_ABHA_NUMBER_FORMAT: &str = "patient.abha-number-format";
/// Two entries of a list share a sequence number.
pub const SEQUENCE_DUPLICATE: &str = "sequence.duplicate";
/// An item points at a diagnosis, procedure, care team member or document that does not exist.
pub const SEQUENCE_UNKNOWN: &str = "sequence.unknown";
/// An item's quantity is zero or negative.
pub const ITEM_QUANTITY_NOT_POSITIVE: &str = "item.quantity-not-positive";
/// quantity × unitPrice × factor ≠ net.
pub const ITEM_NET_MISMATCH: &str = "item.net-mismatch";
/// An item has a unit price but no net amount.
pub const ITEM_NET_MISSING: &str = "item.net-missing";
/// Claim.total ≠ Σ item.net.
pub const CLAIM_TOTAL_MISMATCH: &str = "claim.total-mismatch";
/// Claim.total missing.
pub const CLAIM_TOTAL_MISSING: &str = "claim.total-missing";
/// A ClaimResponse total ≠ the sum of its items' adjudications of that category.
pub const CLAIMRESPONSE_TOTAL_MISMATCH: &str = "claimresponse.total-mismatch";
/// An amount has no value.
pub const MONEY_VALUE_MISSING: &str = "money.value-missing";
/// An amount's value is not a JSON number.
pub const MONEY_VALUE_NOT_NUMBER: &str = "money.value-not-number";
/// An amount has no currency.
pub const MONEY_CURRENCY_MISSING: &str = "money.currency-missing";
/// An amount is not in INR.
pub const MONEY_CURRENCY_NOT_INR: &str = "money.currency-not-inr";
/// A price, net amount or total asked for is negative.
pub const MONEY_NEGATIVE: &str = "money.negative";
/// An amount is beyond any real claim (more than `profiles::MAX_AMOUNT`), or no exact decimal.
pub const MONEY_ABSURD: &str = "money.absurd";
/// The content cannot be read into a summary (`hcx_fhir::Unreadable`); the console would store
/// such a message as "could not read". Reported by `cli::check_file` where no other error already
/// points at the same element.
pub const CONTENT_UNREADABLE: &str = "content.unreadable";
/// A Money element (`net`, `unitPrice`, `amount`, ...) is a bare number or string, not an object.
pub const MONEY_NOT_OBJECT: &str = "money.not-object";
/// An item's quantity is not a Quantity with a numeric value.
pub const ITEM_QUANTITY_NOT_NUMBER: &str = "item.quantity-not-number";
/// Adding or multiplying amounts overflows exact decimal arithmetic.
pub const AMOUNT_OVERFLOW: &str = "amount.overflow";
/// An attachment has data but no content type (FHIR att-1).
pub const ATTACHMENT_CONTENT_TYPE_MISSING: &str = "attachment.content-type-missing";
/// An attachment's content type is not one NHCX payers accept.
pub const ATTACHMENT_CONTENT_TYPE_UNSUPPORTED: &str = "attachment.content-type-unsupported";
/// An attachment has no title (PAYR-1036).
pub const ATTACHMENT_TITLE_MISSING: &str = "attachment.title-missing";
/// An attachment has neither data nor url.
pub const ATTACHMENT_EMPTY: &str = "attachment.empty";
/// An attachment's data is not valid base64 (PAYR-1036).
pub const ATTACHMENT_DATA_INVALID: &str = "attachment.data-invalid";
/// An attachment's `size` disagrees with its data.
pub const ATTACHMENT_SIZE_MISMATCH: &str = "attachment.size-mismatch";
/// An attachment's `hash` disagrees with its data.
pub const ATTACHMENT_HASH_MISMATCH: &str = "attachment.hash-mismatch";
/// A document is larger than PMJAY's 2 MB limit.
pub const ATTACHMENT_TOO_LARGE: &str = "attachment.too-large";
