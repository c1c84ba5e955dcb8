// The next step offered on a cycle, from ThreadDetail.nextActions.
//
// The backend derives which actions are possible from the cycle's state ("derived, never
// chosen", as CARE's timeline does it); the UI only decides how each is offered: its words,
// whether it opens a form or runs a command, and which one is the primary button.

import type { ThreadDetail } from "../bindings/ThreadDetail";

export type ActionId =
  | "answerQuery"
  | "respond"
  | "submitClaim"
  | "acknowledgePayment"
  | "sendAgain"
  | "retry"
  | "enhance"
  | "askStatus";

export interface ActionOffer {
  id: ActionId;
  label: string;
  /** One line telling the clerk why this is offered. */
  hint: string;
  /** A form to open (hash route), or null when the action is a single command. */
  route: string | null;
  primary: boolean;
}

interface ActionSpec {
  label: string;
  hint: string;
  route: ((correlationId: string) => string) | null;
  /** The backend's next action this is offered for, when it differs from the id. */
  offeredFor?: string;
}

const enc = encodeURIComponent;

// Order is priority: the first offered action is the primary button.
const SPECS: ReadonlyArray<[ActionId, ActionSpec]> = [
  [
    "answerQuery",
    {
      label: "Answer query",
      hint: "The payer asked for information or documents.",
      route: (id) => `/answer/${enc(id)}`,
    },
  ],
  [
    "respond",
    {
      label: "Review and decide",
      hint: "A request is waiting for your decision.",
      route: (id) => `/tpa/${enc(id)}`,
    },
  ],
  [
    "submitClaim",
    {
      label: "Submit claim",
      hint: "The preauth is decided: bill the final claim from it.",
      route: (id) => `/compose/claim?from=${enc(id)}`,
    },
  ],
  [
    "acknowledgePayment",
    {
      label: "Acknowledge payment",
      hint: "The payer sent a payment notice; confirm you received it.",
      route: null,
    },
  ],
  [
    "sendAgain",
    {
      label: "Send again",
      hint: "Send it again unchanged, once what stopped it is fixed (a redirect goes to its new recipient).",
      route: null,
      offeredFor: "retry",
    },
  ],
  [
    "retry",
    {
      label: "Edit and resend",
      hint: "The message failed; correct it and send it again.",
      route: (id) => `/compose/retry?from=${enc(id)}`,
    },
  ],
  [
    "enhance",
    {
      label: "Request enhancement",
      hint: "Ask the payer to raise the approved amount.",
      route: (id) => `/compose/preauth?from=${enc(id)}&mode=enhance`,
    },
  ],
  [
    "askStatus",
    {
      label: "Ask for status",
      hint: "No answer yet: ask the payer where it stands.",
      route: null,
    },
  ],
];

const KNOWN = new Map(SPECS);

export function actionLabel(id: string): string {
  return KNOWN.get(id as ActionId)?.label ?? id;
}

/**
 * The actions to offer on a cycle, in priority order, the first one primary. Actions the UI
 * does not know are left out (they would have no form to open).
 */
export function deriveOffers(detail: Pick<ThreadDetail, "thread" | "nextActions">): ActionOffer[] {
  const wanted = new Set(detail.nextActions);
  const id = detail.thread.correlationId;
  const offers: ActionOffer[] = [];
  for (const [actionId, spec] of SPECS) {
    if (!wanted.has(spec.offeredFor ?? actionId)) {
      continue;
    }
    offers.push({
      id: actionId,
      label: spec.label,
      hint: spec.hint,
      route: spec.route ? spec.route(id) : null,
      primary: offers.length === 0,
    });
  }
  return offers;
}
