// Typed wrappers, one per backend command (the src-tauri crate implements exactly these).
// Argument objects are camelCase, as Tauri maps them onto the commands' snake_case parameters.

import type { AppStatus } from "../bindings/AppStatus";
import type { ComposeForm } from "../bindings/ComposeForm";
import type { Counterparty } from "../bindings/Counterparty";
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
