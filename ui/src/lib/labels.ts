// Words and colours for the backend's codes: thread states, timeline node kinds, use cases.
// One place, so the queue, the timeline and the inbox all say the same thing.

export type Tone = "neutral" | "info" | "progress" | "ok" | "warn" | "danger" | "muted";

export interface StateLabel {
  label: string;
  tone: Tone;
}

const STATES: Record<string, StateLabel> = {
  drafted: { label: "Draft", tone: "neutral" },
  queued: { label: "Queued", tone: "progress" },
  sent: { label: "Sent", tone: "progress" },
  acknowledged: { label: "Acknowledged", tone: "progress" },
  dispatched: { label: "With payer", tone: "info" },
  partial: { label: "Partly approved", tone: "warn" },
  query: { label: "Query", tone: "warn" },
  answered: { label: "Answered", tone: "info" },
  complete: { label: "Complete", tone: "ok" },
  rejected: { label: "Rejected", tone: "danger" },
  error: { label: "Error", tone: "danger" },
  redirected: { label: "Redirected", tone: "muted" },
  paid: { label: "Paid", tone: "ok" },
};

/** States where the desk owes the next step: a query to answer, a failed send to fix. */
export const NEEDS_ACTION_STATES = ["query", "error"];

/** Every business state the backend may report, in the order the queue's chips show them. */
export const ALL_STATES = Object.keys(STATES);

function titleCase(code: string): string {
  return code ? code.charAt(0).toUpperCase() + code.slice(1) : "—";
}

export function stateLabel(state: string): StateLabel {
  return STATES[state] ?? { label: titleCase(state), tone: "neutral" };
}

const USE_CASES: Record<string, string> = {
  coverageeligibility: "Eligibility",
  preauth: "Preauth",
  predetermination: "Predetermination",
  claim: "Claim",
  communication: "Communication",
  paymentnotice: "Payment notice",
};

export const ALL_USE_CASES = Object.keys(USE_CASES);

export function useCaseLabel(useCase: string): string {
  return USE_CASES[useCase] ?? titleCase(useCase);
}

/** Icons the timeline can draw (see components/Icon.tsx). */
export type IconName =
  | "pencil"
  | "clock"
  | "send"
  | "check"
  | "forward"
  | "half"
  | "question"
  | "reply"
  | "checkCircle"
  | "alert"
  | "redirect"
  | "rupee"
  | "broken"
  | "dot";

export interface NodeLabel {
  icon: IconName;
  label: string;
  tone: Tone;
}

const NODE_KINDS: Record<string, NodeLabel> = {
  composed: { icon: "pencil", label: "Composed", tone: "neutral" },
  queued: { icon: "clock", label: "Queued in outbox", tone: "progress" },
  sent: { icon: "send", label: "Sent", tone: "progress" },
  acknowledged: { icon: "check", label: "Acknowledged by gateway", tone: "progress" },
  dispatched: { icon: "forward", label: "Dispatched to recipient", tone: "info" },
  partial: { icon: "half", label: "Partly approved", tone: "warn" },
  query: { icon: "question", label: "Query from payer", tone: "warn" },
  answer: { icon: "reply", label: "Answer to query", tone: "info" },
  complete: { icon: "checkCircle", label: "Decision: complete", tone: "ok" },
  error: { icon: "alert", label: "Error", tone: "danger" },
  redirect: { icon: "redirect", label: "Redirected", tone: "muted" },
  payment: { icon: "rupee", label: "Payment", tone: "ok" },
  unreadable: { icon: "broken", label: "Could not read", tone: "danger" },
};

export function nodeLabel(kind: string): NodeLabel {
  return NODE_KINDS[kind] ?? { icon: "dot", label: titleCase(kind), tone: "neutral" };
}

export const ALL_NODE_KINDS = Object.keys(NODE_KINDS);
