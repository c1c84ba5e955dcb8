// Generated from hcx-console's command table (crates/hcx-console/src/surface/table.rs)
// by `cargo test -p hcx-console --lib surface`. Do not edit: add the command there.

import type { AppStatus } from "../bindings/AppStatus";
import type { ApplicationJson } from "../bindings/ApplicationJson";
import type { ApplicationView } from "../bindings/ApplicationView";
import type { ApprovalView } from "../bindings/ApprovalView";
import type { CertificationView } from "../bindings/CertificationView";
import type { ComposeForm } from "../bindings/ComposeForm";
import type { CompromiseView } from "../bindings/CompromiseView";
import type { Counterparty } from "../bindings/Counterparty";
import type { DeadLetterView } from "../bindings/DeadLetterView";
import type { DecisionForm } from "../bindings/DecisionForm";
import type { FindingView } from "../bindings/FindingView";
import type { GoLiveView } from "../bindings/GoLiveView";
import type { InspectView } from "../bindings/InspectView";
import type { KeyStatus } from "../bindings/KeyStatus";
import type { OnboardingView } from "../bindings/OnboardingView";
import type { OperatorMessageView } from "../bindings/OperatorMessageView";
import type { PreflightCheck } from "../bindings/PreflightCheck";
import type { ProfileView } from "../bindings/ProfileView";
import type { QueryAnswerForm } from "../bindings/QueryAnswerForm";
import type { RegistrationDraftView } from "../bindings/RegistrationDraftView";
import type { RegistrationKindView } from "../bindings/RegistrationKindView";
import type { RowId } from "../bindings/RowId";
import type { SendReceipt } from "../bindings/SendReceipt";
import type { SuspiciousList } from "../bindings/SuspiciousList";
import type { ThreadDetail } from "../bindings/ThreadDetail";
import type { ThreadFilter } from "../bindings/ThreadFilter";
import type { ThreadSummary } from "../bindings/ThreadSummary";
import type { WorkflowView } from "../bindings/WorkflowView";
import { call } from "./transport";

/**
 * Profile, bridge and outbox state for the status bar.
 */
export const appStatus = () =>
  call<AppStatus>("app_status");

export const listProfiles = () =>
  call<Array<ProfileView>>("list_profiles");

/**
 * Selects a profile and moves the outbox worker and bridge poller over to it.
 */
export const useProfile = (id: string) =>
  call<ProfileView>("use_profile", { id });

/**
 * A new desk (participant and profile) on the embedded sandbox; `role` is one of DESK_ROLES.
 */
export const addSandboxDesk = (name: string, role: string) =>
  call<ProfileView>("add_sandbox_desk", { name, role });

export const listCounterparties = () =>
  call<Array<Counterparty>>("list_counterparties");

export const listThreads = (filter: ThreadFilter) =>
  call<Array<ThreadSummary>>("list_threads", { filter });

export const getThread = (correlationId: string) =>
  call<ThreadDetail>("get_thread", { correlationId });

export const getWorkflow = (workflowId: string) =>
  call<WorkflowView>("get_workflow", { workflowId });

export const checkCompose = (form: ComposeForm) =>
  call<Array<FindingView>>("check_compose", { form });

export const sendCompose = (form: ComposeForm) =>
  call<SendReceipt>("send_compose", { form });

export const answerQuery = (form: QueryAnswerForm) =>
  call<SendReceipt>("answer_query", { form });

export const acknowledgePayment = (correlationId: string) =>
  call<SendReceipt>("acknowledge_payment", { correlationId });

export const askStatus = (correlationId: string) =>
  call<ThreadSummary>("ask_status", { correlationId });

export const tpaInbox = () =>
  call<Array<ThreadSummary>>("tpa_inbox");

export const decide = (form: DecisionForm) =>
  call<SendReceipt>("decide", { form });

/**
 * The reviewer's covering text goes first, then one line per document asked for, so
 * nothing the reviewer typed is dropped.
 */
export const requestDocuments = (correlationId: string, text: string, documents: Array<string>) =>
  call<SendReceipt>("request_documents", { correlationId, text, documents });

export const redirect = (correlationId: string, to: string) =>
  call<SendReceipt>("redirect", { correlationId, to });

/**
 * Sends a failed or redirected cycle again unchanged: its failed messages go back to the
 * outbox (same api_call_id); a redirected request goes as a new cycle to the redirect target.
 */
export const retry = (correlationId: string) =>
  call<SendReceipt>("retry", { correlationId });

/**
 * Key status of the active profile.
 */
export const keyStatus = () =>
  call<KeyStatus>("key_status");

export const runPreflight = () =>
  call<Array<PreflightCheck>>("run_preflight");

export const inspect = (text: string) =>
  call<InspectView>("inspect", { text });

export const onboarding = (profileId: string) =>
  call<OnboardingView>("onboarding", { profileId });

/**
 * Runs the conformance suite against the sandbox: 10 to 60 seconds.
 */
export const certify = (profileId: string) =>
  call<CertificationView>("certify", { profileId });

export const registrationKinds = () =>
  call<Array<RegistrationKindView>>("registration_kinds");

export const registrationDraft = (profileId: string, kind: string | null) =>
  call<RegistrationDraftView>("registration_draft", { profileId, kind });

export const saveRegistrationDraft = (profileId: string, application: ApplicationJson) =>
  call<RegistrationDraftView>("save_registration_draft", { profileId, application });

/**
 * Creates the production profile; the answer's `profileId` is that new profile.
 */
export const submitRegistration = (profileId: string, application: ApplicationJson) =>
  call<ApplicationView>("submit_registration", { profileId, application });

/**
 * `profileId` is the production profile; refreshes the state from the operator.
 */
export const applicationStatus = (profileId: string) =>
  call<ApplicationView>("application_status", { profileId });

export const submitOtp = (profileId: string, otp: string) =>
  call<ApplicationView>("submit_otp", { profileId, otp });

export const resendOtp = (profileId: string) =>
  call<ApplicationView>("resend_otp", { profileId });

/**
 * What the embedded sandbox's operator "sent" by SMS or e-mail (sandbox only).
 */
export const sandboxOperatorMessages = (applicationId: string | null) =>
  call<Array<OperatorMessageView>>("sandbox_operator_messages", { applicationId });

/**
 * The credentials go straight into the OS keychain; the answer never carries the secret.
 */
export const fetchCredentials = (profileId: string) =>
  call<GoLiveView>("fetch_credentials", { profileId });

export const reportCompromise = (profileId: string, note: string) =>
  call<CompromiseView>("report_compromise", { profileId, note });

export const goLive = (profileId: string) =>
  call<GoLiveView>("go_live", { profileId });

export const setPilot = (profileId: string, enabled: boolean, counterparties: Array<string>) =>
  call<GoLiveView>("set_pilot", { profileId, enabled, counterparties });

export const markStaffTrained = (profileId: string, by: string) =>
  call<GoLiveView>("mark_staff_trained", { profileId, by });

/**
 * Empanelment approvals waiting for the active (payer or scheme) profile.
 */
export const empanelmentRequests = () =>
  call<Array<ApprovalView>>("empanelment_requests");

export const decideEmpanelment = (applicationId: string, approve: boolean, reason: string) =>
  call<ApprovalView>("decide_empanelment", { applicationId, approve, reason });

/**
 * Incoming envelopes parked after failing again and again, newest first.
 */
export const listDeadLetters = () =>
  call<Array<DeadLetterView>>("list_dead_letters");

/**
 * Reads one dead letter again from its stored body; answers the list that remains, so
 * the Problems card redraws from one call.
 */
export const retryDeadLetter = (id: RowId) =>
  call<Array<DeadLetterView>>("retry_dead_letter", { id });

/**
 * Incoming messages kept but not applied because their sender may not move the cycle
 * they name.
 */
export const listSuspicious = () =>
  call<SuspiciousList>("list_suspicious");
