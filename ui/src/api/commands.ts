// Typed wrappers, one per backend command (the src-tauri crate implements exactly these).
// Argument objects are camelCase, as Tauri maps them onto the commands' snake_case parameters.

import type { AppStatus } from "../bindings/AppStatus";
import type { ApplicationView } from "../bindings/ApplicationView";
import type { ApprovalView } from "../bindings/ApprovalView";
import type { CertificationView } from "../bindings/CertificationView";
import type { CompromiseView } from "../bindings/CompromiseView";
import type { GoLiveView } from "../bindings/GoLiveView";
import type { OnboardingView } from "../bindings/OnboardingView";
import type { OperatorMessageView } from "../bindings/OperatorMessageView";
import type { RegistrationDraftView } from "../bindings/RegistrationDraftView";
import type { RegistrationKindView } from "../bindings/RegistrationKindView";
import type { ComposeForm } from "../bindings/ComposeForm";
import type { Counterparty } from "../bindings/Counterparty";
import type { DeadLetterView } from "../bindings/DeadLetterView";
import type { SuspiciousList } from "../bindings/SuspiciousList";
import type { DecisionForm } from "../bindings/DecisionForm";
import type { FindingView } from "../bindings/FindingView";
import type { InspectView as RawInspectView } from "../bindings/InspectView";
import type { KeyStatus } from "../bindings/KeyStatus";
import type { PreflightCheck } from "../bindings/PreflightCheck";
import type { ProfileView } from "../bindings/ProfileView";
import type { QueryAnswerForm } from "../bindings/QueryAnswerForm";
import type { SendReceipt } from "../bindings/SendReceipt";
import type { ThreadDetail as RawThreadDetail } from "../bindings/ThreadDetail";
import type { ThreadFilter } from "../bindings/ThreadFilter";
import type { ThreadSummary } from "../bindings/ThreadSummary";
import type { WorkflowView } from "../bindings/WorkflowView";
import { call } from "./ipc";
import { typedDetail, typedInspectView } from "./summary";

export const appStatus = () => call<AppStatus>("app_status");

export const listProfiles = () => call<ProfileView[]>("list_profiles");

export const useProfile = (id: string) => call<ProfileView>("use_profile", { id });

/** A new desk (participant and profile) on the embedded sandbox; `role` is one of DESK_ROLES. */
export const addSandboxDesk = (name: string, role: string) =>
  call<ProfileView>("add_sandbox_desk", { name, role });

export const listCounterparties = () => call<Counterparty[]>("list_counterparties");

export const listThreads = (filter: ThreadFilter) =>
  call<ThreadSummary[]>("list_threads", { filter });

export const getThread = async (correlationId: string) =>
  typedDetail(await call<RawThreadDetail>("get_thread", { correlationId }));

export const getWorkflow = (workflowId: string) =>
  call<WorkflowView>("get_workflow", { workflowId });

export const checkCompose = (form: ComposeForm) => call<FindingView[]>("check_compose", { form });

export const sendCompose = (form: ComposeForm) => call<SendReceipt>("send_compose", { form });

export const answerQuery = (form: QueryAnswerForm) => call<SendReceipt>("answer_query", { form });

export const acknowledgePayment = (correlationId: string) =>
  call<SendReceipt>("acknowledge_payment", { correlationId });

export const askStatus = (correlationId: string) =>
  call<SendReceipt>("ask_status", { correlationId });

export const tpaInbox = () => call<ThreadSummary[]>("tpa_inbox");

export const decide = (form: DecisionForm) => call<SendReceipt>("decide", { form });

export const requestDocuments = (correlationId: string, text: string, documents: string[]) =>
  call<SendReceipt>("request_documents", { correlationId, text, documents });

export const redirect = (correlationId: string, to: string) =>
  call<SendReceipt>("redirect", { correlationId, to });

export const keyStatus = () => call<KeyStatus>("key_status");

export const runPreflight = () => call<PreflightCheck[]>("run_preflight");

export const inspect = async (text: string) =>
  typedInspectView(await call<RawInspectView>("inspect", { text }));

// ---- onboarding (issue 8): certification, registration, credentials, go-live, empanelment ----

export type { ApplicationEvent } from "../bindings/ApplicationEvent";
export type { ApplicationView } from "../bindings/ApplicationView";
export type { ApprovalView } from "../bindings/ApprovalView";
export type { CertificationView } from "../bindings/CertificationView";
export type { ChecklistItemView } from "../bindings/ChecklistItemView";
export type { CompromiseView } from "../bindings/CompromiseView";
export type { FieldView } from "../bindings/FieldView";
export type { GoLiveView } from "../bindings/GoLiveView";
export type { OnboardingView } from "../bindings/OnboardingView";
export type { OperatorMessageView } from "../bindings/OperatorMessageView";
export type { RegistrationDraftView } from "../bindings/RegistrationDraftView";
export type { RegistrationKindView } from "../bindings/RegistrationKindView";
export type { ScenarioView } from "../bindings/ScenarioView";

/** The application JSON (`{kind, common, details}`); its shape depends on the kind. */
export type ApplicationJson = Record<string, unknown>;

export const onboarding = (profileId: string) => call<OnboardingView>("onboarding", { profileId });

/** Runs the conformance suite against the sandbox: 10 to 60 seconds. */
export const certify = (profileId: string) => call<CertificationView>("certify", { profileId });

export const registrationKinds = () => call<RegistrationKindView[]>("registration_kinds");

export const registrationDraft = (profileId: string, kind: string | null) =>
  call<RegistrationDraftView>("registration_draft", { profileId, kind });

export const saveRegistrationDraft = (profileId: string, application: ApplicationJson) =>
  call<RegistrationDraftView>("save_registration_draft", { profileId, application });

/** Creates the production profile; the answer's `profileId` is that new profile. */
export const submitRegistration = (profileId: string, application: ApplicationJson) =>
  call<ApplicationView>("submit_registration", { profileId, application });

/** `profileId` is the production profile; refreshes the state from the operator. */
export const applicationStatus = (profileId: string) =>
  call<ApplicationView>("application_status", { profileId });

export const submitOtp = (profileId: string, otp: string) =>
  call<ApplicationView>("submit_otp", { profileId, otp });

export const resendOtp = (profileId: string) => call<ApplicationView>("resend_otp", { profileId });

/** What the embedded sandbox's operator "sent" by SMS or e-mail (sandbox only). */
export const sandboxOperatorMessages = (applicationId: string | null) =>
  call<OperatorMessageView[]>("sandbox_operator_messages", { applicationId });

/** The credentials go straight into the OS keychain; the answer never carries the secret. */
export const fetchCredentials = (profileId: string) => call<GoLiveView>("fetch_credentials", { profileId });

export const reportCompromise = (profileId: string, note: string) =>
  call<CompromiseView>("report_compromise", { profileId, note });

export const goLive = (profileId: string) => call<GoLiveView>("go_live", { profileId });

export const setPilot = (profileId: string, enabled: boolean, counterparties: string[]) =>
  call<GoLiveView>("set_pilot", { profileId, enabled, counterparties });

export const markStaffTrained = (profileId: string, by: string) =>
  call<GoLiveView>("mark_staff_trained", { profileId, by });

/** Empanelment approvals waiting for the active (payer or scheme) profile. */
export const empanelmentRequests = () => call<ApprovalView[]>("empanelment_requests");

export const decideEmpanelment = (applicationId: string, approve: boolean, reason: string) =>
  call<ApprovalView>("decide_empanelment", { applicationId, approve, reason });

// ---- dead letters (issue 12): incoming envelopes parked after failing again and again ----

export const listDeadLetters = () => call<DeadLetterView[]>("list_dead_letters");

/** Reads a dead letter again from its stored body; resolves to the list that remains. */
export const retryDeadLetter = (id: number) => call<DeadLetterView[]>("retry_dead_letter", { id });

/** Messages kept but not applied: their sender may not move the cycle they name (newest first). */
export const listSuspicious = () => call<SuspiciousList>("list_suspicious");
