// The reviewer's inbox (TPA or payer): incoming requests by due time, and for the selected one
// a per-item decision (approve, partial, reject with reasons), a request for documents, or a
// redirect to another payer. Built for the keyboard: j/k, a, p, r, d, Ctrl+Enter.

import { useEffect, useMemo, useRef, useState } from "react";
import { decide, getThread, redirect, requestDocuments, tpaInbox, type ThreadDetail } from "../../api";
import { useApp } from "../../app/context";
import { useAsync, useHotkeys, useNow } from "../../app/hooks";
import { navigate } from "../../app/router";
import { DueLabel, Money, StateChip, UseCaseTag } from "../../components/Chips";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Icon } from "../../components/Icon";
import { SummaryView } from "../../components/SummaryView";
import { formatMoney } from "../../lib/decimal";
import {
  DECISION_REASONS,
  DOCUMENT_CHOICES,
  approvedTotal,
  decisionProblems,
  impliedOutcome,
  initialRows,
  toDecisionForm,
  type DecisionRow,
  type Outcome,
} from "../../lib/decision";
import { describeError, type DescribedError } from "../../lib/errors";
import { ago } from "../../lib/time";
import { itemRows, requestSummary } from "../../lib/summary";

export function InboxScreen({ selectedId }: { selectedId: string | null }) {
  const { changeTick } = useApp();
  const now = useNow();
  const inbox = useAsync(() => tpaInbox(), [changeTick]);
  const list = inbox.data ?? [];
  // When the selected request leaves the inbox (it was just decided), the one that took its
  // place is next: a reviewer works down the list.
  const lastIdx = useRef(0);
  const found = selectedId ? list.findIndex((t) => t.correlationId === selectedId) : 0;
  const idx = Math.min(found >= 0 ? found : lastIdx.current, Math.max(0, list.length - 1));
  lastIdx.current = idx;
  const current = list[idx] ?? null;

  const select = (i: number) => {
    const t = list[Math.min(Math.max(i, 0), list.length - 1)];
    if (t) navigate(`/tpa/${encodeURIComponent(t.correlationId)}`);
  };
  useHotkeys({ j: () => select(idx + 1), k: () => select(idx - 1) });

  return (
    <div className="page" data-testid="inbox">
      <div className="page-head">
        <h1>Review inbox</h1>
        <span className="muted">{inbox.data ? `${list.length} waiting for a decision` : ""}</span>
        <span className="spacer" />
        <span className="small muted">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> approve · <kbd>p</kbd> partial · <kbd>r</kbd> reject · <kbd>d</kbd> documents · <kbd>?</kbd> help
        </span>
      </div>
      {inbox.error && <ErrorBanner error={inbox.error} onRetry={inbox.reload} />}
      <div className="inbox">
        <div className="card">
          <ul className="inbox-list" data-testid="inbox-list">
            {list.map((t, i) => (
              <li key={t.correlationId} className={i === idx ? "selected" : ""} onClick={() => select(i)} data-correlation-id={t.correlationId}>
                <span className="cell-main">{t.patient ?? "—"}</span>
                <span className="num">
                  <Money value={t.requested} currency={t.currency} />
                </span>
                <span className="cell-sub ellipsis">
                  <UseCaseTag useCase={t.useCase} /> {ago(t.openedAt, now)} · {t.counterpartyName ?? t.counterparty}
                </span>
                <span>
                  {t.state === "answered" ? <StateChip state={t.state} /> : <DueLabel dueAt={t.dueAt} state={t.state} now={now} />}
                </span>
              </li>
            ))}
          </ul>
          {inbox.data && list.length === 0 && <div className="empty">Inbox clear. New requests appear here as they arrive.</div>}
        </div>
        <div>{current ? <DecisionPanel key={current.correlationId} correlationId={current.correlationId} onDone={() => select(idx)} /> : null}</div>
      </div>
    </div>
  );
}

function DecisionPanel({ correlationId, onDone }: { correlationId: string; onDone: () => void }) {
  const { toast, counterparties } = useApp();
  const detail = useAsync(() => getThread(correlationId), [correlationId]);
  const d = detail.data;
  if (detail.error) return <ErrorBanner error={detail.error} onRetry={detail.reload} />;
  if (!d) {
    return (
      <div className="card card-body">
        <span className="spin" /> Loading…
      </div>
    );
  }
  return <DecisionForm detail={d} onSent={(msg) => { toast(msg); onDone(); }} payers={counterparties.filter((c) => c.roles.includes("payor") && c.status.toLowerCase() === "active")} />;
}

type Mode = "decide" | "documents" | "redirect";

function DecisionForm({ detail, onSent, payers }: { detail: ThreadDetail; onSent: (msg: string) => void; payers: { code: string; name: string }[] }) {
  const t = detail.thread;
  const request = useMemo(() => requestSummary(detail), [detail]);
  const [rows, setRows] = useState<DecisionRow[]>(() => initialRows(request ? itemRows(request) : []));
  const [outcome, setOutcome] = useState<Outcome>("approve");
  const [reasons, setReasons] = useState<string[]>([]);
  const [note, setNote] = useState("");
  const [mode, setMode] = useState<Mode>("decide");
  const [docs, setDocs] = useState<string[]>([]);
  const [docText, setDocText] = useState("");
  const [redirectTo, setRedirectTo] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<DescribedError | null>(null);
  const sendBtn = useRef<HTMLButtonElement>(null);
  const firstAmount = useRef<HTMLInputElement>(null);
  const reasonsBox = useRef<HTMLDivElement>(null);

  const problems = decisionProblems(outcome, rows, reasons, note);
  const total = outcome === "reject" ? "0" : approvedTotal(rows);

  function choose(o: Outcome) {
    setMode("decide");
    setOutcome(o);
    if (o === "approve") setRows((r) => r.map((x) => ({ ...x, approved: x.requested })));
  }

  useHotkeys({
    a: () => {
      choose("approve");
      window.setTimeout(() => sendBtn.current?.focus(), 0);
    },
    p: () => {
      choose("partial");
      window.setTimeout(() => firstAmount.current?.focus(), 0);
    },
    r: () => {
      choose("reject");
      window.setTimeout(() => reasonsBox.current?.querySelector("input")?.focus(), 0);
    },
    d: () => setMode("documents"),
  });

  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void send();
      }
    };
    window.addEventListener("keydown", on);
    return () => window.removeEventListener("keydown", on);
  });

  function setAmount(seq: number, v: string) {
    const next = rows.map((r) => (r.sequence === seq ? { ...r, approved: v } : r));
    setRows(next);
    setOutcome(impliedOutcome(next));
  }

  async function send() {
    if (sending) return;
    setError(null);
    try {
      setSending(true);
      if (mode === "decide") {
        if (problems.size > 0) return;
        await decide(toDecisionForm(t.correlationId, outcome, rows, reasons, note));
        onSent(outcome === "approve" ? `Approved ${formatMoney(total)} for ${t.patient ?? "the patient"}` : outcome === "partial" ? `Partly approved ${formatMoney(total)} for ${t.patient ?? "the patient"}` : `Rejected the request for ${t.patient ?? "the patient"}`);
      } else if (mode === "documents") {
        if (docs.length === 0 && !docText.trim()) return;
        await requestDocuments(t.correlationId, docText.trim(), docs);
        onSent(`Asked ${t.counterpartyName ?? t.counterparty} for ${docs.length || "more"} document${docs.length === 1 ? "" : "s"}`);
      } else {
        if (!redirectTo) return;
        await redirect(t.correlationId, redirectTo);
        onSent(`Redirected to ${payers.find((p) => p.code === redirectTo)?.name ?? redirectTo}`);
      }
    } catch (e) {
      setError(describeError(e));
    } finally {
      setSending(false);
    }
  }

  const toggle = (list: string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const blocked = mode === "decide" ? problems.size > 0 : mode === "documents" ? docs.length === 0 && !docText.trim() : !redirectTo;

  return (
    <div className="col" style={{ gap: 12 }} data-testid="decision">
      <div className="card">
        <div className="thread-head">
          <div>
            <div className="row">
              <span className="title">{t.patient ?? "—"}</span>
              <UseCaseTag useCase={t.useCase} />
              <StateChip state={t.state} />
            </div>
            <div className="facts">
              <span>
                From <b>{t.counterpartyName ?? t.counterparty}</b>
              </span>
              {request?.policy?.number && (
                <span>
                  Policy <span className="mono">{request.policy.number}</span>
                </span>
              )}
              {request?.diagnoses?.length ? <span>Diagnosis <span className="mono">{request.diagnoses.map((x) => x.code).join(", ")}</span> {request.diagnoses[0]?.display}</span> : null}
              <a href={`#/thread/${encodeURIComponent(t.correlationId)}`}>Open timeline</a>
            </div>
          </div>
          <div className="money-row">
            <div className="money">
              <span className="k">Requested</span>
              <span className="v">{formatMoney(t.requested ?? "0", t.currency)}</span>
            </div>
            <div className="money">
              <span className="k">Approving</span>
              <span className="v" data-testid="approving-total">{formatMoney(total, t.currency)}</span>
            </div>
          </div>
        </div>
        <div className="tabs">
          <button type="button" className={mode === "decide" ? "on" : ""} onClick={() => setMode("decide")}>
            Decide
          </button>
          <button type="button" className={mode === "documents" ? "on" : ""} onClick={() => setMode("documents")}>
            Ask for documents <kbd>d</kbd>
          </button>
          <button type="button" className={mode === "redirect" ? "on" : ""} onClick={() => setMode("redirect")}>
            Redirect
          </button>
        </div>
        <div className="card-body col" style={{ gap: 12 }}>
          {mode === "decide" && (
            <>
              <div className="outcomes" role="radiogroup" aria-label="Outcome">
                {(
                  [
                    ["approve", "Approve in full", "a"],
                    ["partial", "Partial", "p"],
                    ["reject", "Reject", "r"],
                  ] as [Outcome, string, string][]
                ).map(([o, label, key]) => (
                  <label key={o} className={`outcome ${o} ${outcome === o ? "on" : ""}`}>
                    <input type="radio" name="outcome" checked={outcome === o} onChange={() => choose(o)} data-outcome={o} />
                    {label}
                    <span className="spacer" />
                    <kbd>{key}</kbd>
                  </label>
                ))}
              </div>
              <table className="grid items">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Item</th>
                    <th className="num">Requested</th>
                    <th className="num" style={{ width: 150 }}>
                      Approved ₹
                    </th>
                    <th style={{ width: 200 }}>Item reason</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => {
                    const p = problems.get(String(r.sequence));
                    return (
                      <tr key={r.sequence}>
                        <td className="muted" style={{ paddingTop: 11 }}>
                          {r.sequence}
                        </td>
                        <td style={{ paddingTop: 8 }}>
                          <span className="mono small">{r.code}</span> {r.description}
                        </td>
                        <td className="num" style={{ paddingTop: 11 }}>
                          {formatMoney(r.requested)}
                        </td>
                        <td>
                          <input
                            ref={i === 0 ? firstAmount : undefined}
                            className={`input num ${p ? "has-error" : ""}`}
                            value={outcome === "reject" ? "0.00" : r.approved}
                            disabled={outcome === "reject"}
                            onChange={(e) => setAmount(r.sequence, e.target.value)}
                            inputMode="decimal"
                            aria-label={`Approved amount for item ${r.sequence}`}
                            data-approved={r.sequence}
                          />
                          {p && <div className="field-msg error">{p}</div>}
                        </td>
                        <td>
                          <input className="input" style={{ width: "100%" }} value={r.reason} onChange={(e) => setRows(rows.map((x) => (x.sequence === r.sequence ? { ...x, reason: e.target.value } : x)))} placeholder={outcome === "approve" ? "" : "Why cut?"} aria-label={`Reason for item ${r.sequence}`} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {outcome !== "approve" && (
                <div>
                  <div className="label" style={{ marginBottom: 6 }}>
                    Reasons {problems.get("") && <span className="sev-error">— {problems.get("")}</span>}
                  </div>
                  <div className="reasons" ref={reasonsBox}>
                    {DECISION_REASONS.map((r) => (
                      <label key={r} className="check">
                        <input type="checkbox" checked={reasons.includes(r)} onChange={() => setReasons(toggle(reasons, r))} />
                        {r}
                      </label>
                    ))}
                  </div>
                </div>
              )}
              <div className="field">
                <label>Note to the provider</label>
                <textarea className="input" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
              </div>
            </>
          )}
          {mode === "documents" && (
            <>
              <div className="label">Documents to ask for</div>
              <div className="reasons">
                {DOCUMENT_CHOICES.map((doc) => (
                  <label key={doc} className="check">
                    <input type="checkbox" checked={docs.includes(doc)} onChange={() => setDocs(toggle(docs, doc))} />
                    {doc}
                  </label>
                ))}
              </div>
              <div className="field">
                <label>Message</label>
                <textarea className="input" rows={2} value={docText} onChange={(e) => setDocText(e.target.value)} placeholder="What exactly is needed, and why" />
              </div>
            </>
          )}
          {mode === "redirect" && (
            <div className="field" style={{ maxWidth: 420 }}>
              <label>Send this request on to</label>
              <select className="input" value={redirectTo} onChange={(e) => setRedirectTo(e.target.value)} data-testid="redirect-to">
                <option value="">Choose a payer…</option>
                {payers.map((p) => (
                  <option key={p.code} value={p.code}>
                    {p.name} ({p.code})
                  </option>
                ))}
              </select>
              <div className="small muted">The provider is told the request now lies with that payer.</div>
            </div>
          )}
          {error && <ErrorBanner error={error} />}
          <div className="row">
            <button ref={sendBtn} type="button" className={`btn ${mode === "decide" && outcome === "reject" ? "danger solid" : "primary"}`} disabled={blocked || sending} onClick={() => void send()} data-testid="send-decision">
              {sending && <span className="spin" />}
              {mode === "documents" ? "Send request for documents" : mode === "redirect" ? "Redirect" : outcome === "approve" ? `Approve ${formatMoney(total)}` : outcome === "partial" ? `Approve ${formatMoney(total)} (partial)` : "Reject"}
              <kbd>Ctrl</kbd>
              <kbd>↵</kbd>
            </button>
            <span className="spacer" />
            <span className="small muted">
              <Icon name="clock" size={12} /> {t.dueAt ? "Answer before the turnaround target" : ""}
            </span>
          </div>
        </div>
      </div>
      {request && (
        <div className="card">
          <div className="card-head">Request</div>
          <div className="card-body">
            <SummaryView value={request} />
          </div>
        </div>
      )}
    </div>
  );
}
