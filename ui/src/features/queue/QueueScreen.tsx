// The work queue: every cycle of the active profile with its state, money and turnaround,
// filtered by state chips, use case, counterparty, direction and free text.

import { useEffect, useMemo, useRef, useState } from "react";
import { listThreads, type ThreadFilter, type ThreadSummary } from "../../api";
import { useApp } from "../../app/context";
import { useAsync, useHotkeys, useNow } from "../../app/hooks";
import { navigate } from "../../app/router";
import { DueLabel, Money, StateChip, UseCaseTag } from "../../components/Chips";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Icon } from "../../components/Icon";
import { ALL_STATES, ALL_USE_CASES, NEEDS_ACTION_STATES, stateLabel, useCaseLabel } from "../../lib/labels";
import { formatCompact, formatLocal } from "../../lib/time";


function emptyFilter(): ThreadFilter {
  return { states: null, useCase: null, counterparty: null, direction: null, text: null };
}

export function QueueScreen() {
  const { changeTick, counterparties } = useApp();
  const now = useNow();
  const [states, setStates] = useState<string[]>([]);
  const [useCase, setUseCase] = useState("");
  const [counterparty, setCounterparty] = useState("");
  const [direction, setDirection] = useState("");
  const [text, setText] = useState("");
  const [debouncedText, setDebouncedText] = useState("");
  const [selected, setSelected] = useState(0);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const id = window.setTimeout(() => setDebouncedText(text), 200);
    return () => window.clearTimeout(id);
  }, [text]);

  const base: ThreadFilter = useMemo(
    () => ({
      ...emptyFilter(),
      useCase: useCase || null,
      counterparty: counterparty || null,
      direction: direction || null,
      text: debouncedText.trim() || null,
    }),
    [useCase, counterparty, direction, debouncedText],
  );
  // Two asks: the rows (with the state filter), and all states' counts for the chips.
  const rows = useAsync(() => listThreads({ ...base, states: states.length ? states : null }), [base, states, changeTick]);
  const all = useAsync(() => listThreads(base), [base, changeTick]);

  const counts = useMemo(() => {
    const m = new Map<string, number>();
    for (const t of all.data ?? []) m.set(t.state, (m.get(t.state) ?? 0) + 1);
    return m;
  }, [all.data]);

  const list: ThreadSummary[] = rows.data ?? [];
  const sel = Math.min(selected, Math.max(0, list.length - 1));

  useHotkeys({
    "/": () => search.current?.focus(),
    j: () => setSelected(Math.min(sel + 1, list.length - 1)),
    k: () => setSelected(Math.max(sel - 1, 0)),
    Enter: () => {
      const t = list[sel];
      if (t) navigate(`/thread/${encodeURIComponent(t.correlationId)}`);
    },
  });

  useEffect(() => {
    document.querySelector("tr.selected")?.scrollIntoView({ block: "nearest" });
  }, [sel]);

  const toggle = (s: string) => setStates((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]));
  const visibleStates = ALL_STATES.filter((s) => (counts.get(s) ?? 0) > 0 || states.includes(s));
  const attention = NEEDS_ACTION_STATES.reduce((n, s) => n + (counts.get(s) ?? 0), 0);
  const filtered = states.length > 0 || useCase || counterparty || direction || text;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Work queue</h1>
        <span className="muted">
          {all.data ? `${all.data.length} cycles` : ""}
          {attention > 0 && <> · <span className="sev-warning">{attention} need action</span></>}
        </span>
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => navigate("/compose/coverageeligibility")}>
          Check eligibility
        </button>
        <button type="button" className="btn primary" onClick={() => navigate("/compose/preauth")}>
          <Icon name="plus" size={14} /> New preauth
        </button>
      </div>
      <div className="card">
        <div className="filters">
          <div className="search">
            <Icon name="search" size={14} />
            <input
              ref={search}
              className="input"
              placeholder="Patient, correlation id, counterparty"
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Escape") (e.target as HTMLInputElement).blur();
              }}
              aria-label="Search"
            />
            {!text && <kbd>/</kbd>}
          </div>
          <select className="input" value={useCase} onChange={(e) => setUseCase(e.target.value)} aria-label="Use case">
            <option value="">All use cases</option>
            {ALL_USE_CASES.map((u) => (
              <option key={u} value={u}>
                {useCaseLabel(u)}
              </option>
            ))}
          </select>
          <select className="input" value={counterparty} onChange={(e) => setCounterparty(e.target.value)} aria-label="Counterparty">
            <option value="">All counterparties</option>
            {counterparties.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
          <select className="input" value={direction} onChange={(e) => setDirection(e.target.value)} aria-label="Direction">
            <option value="">Sent and received</option>
            <option value="outgoing">Sent by us</option>
            <option value="incoming">Received</option>
          </select>
          {filtered && (
            <button
              type="button"
              className="btn ghost small"
              onClick={() => {
                setStates([]);
                setUseCase("");
                setCounterparty("");
                setDirection("");
                setText("");
              }}
            >
              Clear filters
            </button>
          )}
        </div>
        <div className="filters" style={{ paddingTop: 8, paddingBottom: 8 }} role="group" aria-label="States">
          {visibleStates.map((s) => (
            <button key={s} type="button" className={`filter-chip ${states.includes(s) ? "on" : ""}`} onClick={() => toggle(s)} data-state-filter={s}>
              {stateLabel(s).label} <span className="n">{counts.get(s) ?? 0}</span>
            </button>
          ))}
        </div>
        {rows.error && (
          <div style={{ padding: 12 }}>
            <ErrorBanner error={rows.error} onRetry={rows.reload} />
          </div>
        )}
        <table className="grid" data-testid="queue">
          <thead>
            <tr>
              <th>State</th>
              <th>Patient</th>
              <th>Use case</th>
              <th>Counterparty</th>
              <th className="num">Requested</th>
              <th className="num">Approved</th>
              <th className="num">Settled</th>
              <th>Turnaround</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t, i) => (
              <tr
                key={t.correlationId}
                className={`clickable ${i === sel ? "selected" : ""}`}
                onClick={() => navigate(`/thread/${encodeURIComponent(t.correlationId)}`)}
                onMouseEnter={() => setSelected(i)}
                data-correlation-id={t.correlationId}
              >
                <td>
                  <StateChip state={t.state} />
                </td>
                <td>
                  <div className="cell-main">{t.patient ?? <span className="muted">—</span>}</div>
                  <div className="cell-sub mono">{t.correlationId.slice(0, 8)}</div>
                </td>
                <td className="nowrap">
                  <UseCaseTag useCase={t.useCase} />{" "}
                  <span className="muted small" title={t.direction === "incoming" ? "Received" : "Sent by us"}>
                    {t.direction === "incoming" ? "←" : "→"}
                  </span>
                </td>
                <td style={{ maxWidth: 240 }} title={t.counterparty}>
                  <div className="ellipsis">{t.counterpartyName ?? t.counterparty}</div>
                </td>
                <td className="num">
                  <Money value={t.requested} currency={t.currency} />
                </td>
                <td className="num">
                  <Money value={t.approved} currency={t.currency} />
                </td>
                <td className="num">
                  <Money value={t.settled} currency={t.currency} />
                </td>
                <td>
                  <DueLabel dueAt={t.dueAt} state={t.state} now={now} />
                </td>
                <td className="nowrap" title={formatLocal(t.updatedAt)}>
                  {formatCompact(t.updatedAt, now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!rows.loading && list.length === 0 && !rows.error && (
          <div className="empty">{filtered ? "Nothing matches these filters." : "No cycles yet. Start with an eligibility check or a preauth."}</div>
        )}
      </div>
    </div>
  );
}
