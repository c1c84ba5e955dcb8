import { formatMoney } from "../lib/decimal";
import { stateLabel, useCaseLabel } from "../lib/labels";
import { dueStatus } from "../lib/time";

export function StateChip({ state }: { state: string }) {
  const s = stateLabel(state);
  return (
    <span className={`chip tone-${s.tone}`} data-state={state}>
      {s.label}
    </span>
  );
}

export function UseCaseTag({ useCase }: { useCase: string }) {
  return <span className="tag">{useCaseLabel(useCase)}</span>;
}

/** An exact amount, Indian grouping; a dash when there is none. */
export function Money({ value, currency }: { value: string | null | undefined; currency?: string | null }) {
  if (value === null || value === undefined || value === "") {
    return <span className="muted">—</span>;
  }
  return <span className="num">{formatMoney(value, currency ?? "INR")}</span>;
}

export function DueLabel({ dueAt, state, now, quiet }: { dueAt: string | null; state: string; now: Date; quiet?: boolean }) {
  const d = dueStatus(dueAt, state, now);
  if (d.tone === "none") {
    return quiet ? null : <span className="muted">—</span>;
  }
  return <span className={`due due-${d.tone}`}>{d.label}</span>;
}
