// The typed wrappers, one per command of hcx-console's command table. They are generated
// (commands.gen.ts; never edit it): a command is added in the table and appears here. This
// module adds only what the table cannot say: the FHIR summaries inside a thread and the
// inspector's view are typed here (src/api/summary.ts).

import type { InspectView as RawInspectView } from "../bindings/InspectView";
import type { ThreadDetail as RawThreadDetail } from "../bindings/ThreadDetail";
import { call } from "./transport";
import { typedDetail, typedInspectView } from "./summary";

export * from "./commands.gen";

export const getThread = async (correlationId: string) =>
  typedDetail(await call<RawThreadDetail>("get_thread", { correlationId }));

export const inspect = async (text: string) =>
  typedInspectView(await call<RawInspectView>("inspect", { text }));

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

export type { ApplicationJson } from "../bindings/ApplicationJson";
