// The UI's only door to the backend: typed commands, events, and the contract's types.
// Nothing outside src/api imports @tauri-apps/api.

export * from "./commands";
export * from "./events";
export { asSummary, type InspectView, type ThreadDetail, type TimelineNode } from "./summary";
export type { AdjudicationSummary } from "../bindings/fhir/AdjudicationSummary";
export type { Amount } from "../bindings/fhir/Amount";
export type { AttachmentSummary } from "../bindings/fhir/AttachmentSummary";
export type { BenefitSummary } from "../bindings/fhir/BenefitSummary";
export type { IdSummary } from "../bindings/fhir/IdSummary";
export type { ItemSummary } from "../bindings/fhir/ItemSummary";
export type { PersonSummary } from "../bindings/fhir/PersonSummary";
export type { Summary } from "../bindings/fhir/Summary";
export type { AppStatus } from "../bindings/AppStatus";
export type { AttachmentForm } from "../bindings/AttachmentForm";
export type { BridgeStatus } from "../bindings/BridgeStatus";
export type { ClaimItemForm } from "../bindings/ClaimItemForm";
export type { ComposeForm } from "../bindings/ComposeForm";
export type { Counterparty } from "../bindings/Counterparty";
export type { DecisionForm } from "../bindings/DecisionForm";
export type { Environment } from "../bindings/Environment";
export type { ErrorView } from "../bindings/ErrorView";
export type { FindingView } from "../bindings/FindingView";
export type { ItemDecision } from "../bindings/ItemDecision";
export type { JsonValue } from "../bindings/serde_json/JsonValue";
export type { KeyStatus } from "../bindings/KeyStatus";
export type { Ledger } from "../bindings/Ledger";
export type { MessagesChanged } from "../bindings/MessagesChanged";
export type { PreflightCheck } from "../bindings/PreflightCheck";
export type { ProfileView } from "../bindings/ProfileView";
export type { QueryAnswerForm } from "../bindings/QueryAnswerForm";
export type { SendReceipt } from "../bindings/SendReceipt";
export type { ThreadFilter } from "../bindings/ThreadFilter";
export type { ThreadSummary } from "../bindings/ThreadSummary";
export type { WorkflowView } from "../bindings/WorkflowView";
