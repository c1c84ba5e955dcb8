// One cycle (one correlation id): its header with money and turnaround, the next step offered
// from ThreadDetail.nextActions, and the timeline of every message with its summary, headers,
// gateway answer and raw FHIR.

import { useEffect, useState } from "react";
import { acknowledgePayment, askStatus, getThread, retry, type Summary, type ThreadDetail, type TimelineNode } from "../../api";
import { useApp } from "../../app/context";
import { useAsync, useHotkeys, useNow } from "../../app/hooks";
import { Link, navigate } from "../../app/router";
import { DueLabel, StateChip, UseCaseTag } from "../../components/Chips";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Icon } from "../../components/Icon";
import { JsonView } from "../../components/JsonView";
import { SummaryView } from "../../components/SummaryView";
import { deriveOffers, type ActionOffer } from "../../lib/actions";
import { formatMoney } from "../../lib/decimal";
import { describeError, type DescribedError } from "../../lib/errors";
import { nodeLabel, useCaseLabel } from "../../lib/labels";
import { requestSummary } from "../../lib/summary";
import { formatCompact, formatLocal, formatLocalTime } from "../../lib/time";

type Tab = "summary" | "headers" | "gateway" | "raw";
const TABS: [Tab, string][] = [
  ["summary", "Summary"],
  ["headers", "Headers"],
  ["gateway", "Gateway answer"],
  ["raw", "Raw FHIR"],
];

export function ThreadScreen({ correlationId }: { correlationId: string }) {
  const { changeTick, toast } = useApp();
  const now = useNow();
  const detail = useAsync(() => getThread(correlationId), [correlationId, changeTick]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("summary");
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<DescribedError | null>(null);

  const d = detail.data;
  const timeline = d?.timeline ?? [];
  // Follow the newest message unless the user picked one.
  const selectedIndex = Math.max(0, selectedId ? timeline.findIndex((n) => n.apiCallId === selectedId) : timeline.length - 1);
  const selected = timeline[selectedIndex] ?? null;

  useHotkeys({
    j: () => {
      const n = timeline[Math.min(selectedIndex + 1, timeline.length - 1)];
      if (n) setSelectedId(n.apiCallId);
    },
    k: () => {
      const n = timeline[Math.max(selectedIndex - 1, 0)];
      if (n) setSelectedId(n.apiCallId);
    },
    "1": () => setTab("summary"),
    "2": () => setTab("headers"),
    "3": () => setTab("gateway"),
    "4": () => setTab("raw"),
  });

  async function run(offer: ActionOffer) {
    if (offer.route) {
      navigate(offer.route);
      return;
    }
    setBusy(offer.id);
    setActionError(null);
    try {
      if (offer.id === "acknowledgePayment") {
        await acknowledgePayment(correlationId);
        toast("Payment acknowledged");
      } else if (offer.id === "askStatus") {
        await askStatus(correlationId);
        toast("Status request sent");
      } else if (offer.id === "sendAgain") {
        const receipt = await retry(correlationId);
        toast("Back in the outbox; it will be sent again");
        // A redirected request goes out as a new cycle: follow it there.
        if (receipt.correlationId !== correlationId) navigate(`/thread/${encodeURIComponent(receipt.correlationId)}`);
      }
      detail.reload();
    } catch (e) {
      setActionError(describeError(e));
    } finally {
      setBusy(null);
    }
  }

  if (detail.error && !d) {
    return (
      <div className="page">
        <div className="crumbs">
          <Link to="/queue">Work queue</Link>
        </div>
        <ErrorBanner error={detail.error} onRetry={detail.reload} />
      </div>
    );
  }
  if (!d) {
    return (
      <div className="page">
        <span className="spin" /> Loading…
      </div>
    );
  }
  const t = d.thread;
  const offers = deriveOffers(d);
  const primary = offers.find((o) => o.primary);

  return (
    <div className="page" data-testid="thread">
      <div className="crumbs">
        <Link to="/queue">Work queue</Link> ›{" "}
        {t.workflowId && (
          <>
            <Link to={`/workflow/${encodeURIComponent(t.workflowId)}`}>Admission {t.workflowId}</Link> ›{" "}
          </>
        )}
        {useCaseLabel(t.useCase)}
      </div>
      <div className="card">
        <div className="thread-head">
          <div>
            <div className="row">
              <span className="title">{t.patient ?? "Unnamed patient"}</span>
              <UseCaseTag useCase={t.useCase} />
              <StateChip state={t.state} />
              <DueLabel dueAt={t.dueAt} state={t.state} now={now} quiet />
            </div>
            <div className="facts">
              <span>
                {t.direction === "incoming" ? "From" : "To"} <b>{t.counterpartyName ?? t.counterparty}</b>{" "}
                <span className="mono muted">{t.counterparty}</span>
              </span>
              <span>
                Correlation <span className="mono">{t.correlationId}</span>{" "}
                <button type="button" className="btn ghost small" title="Copy" onClick={() => void navigator.clipboard?.writeText(t.correlationId)}>
                  <Icon name="copy" size={12} />
                </button>
              </span>
              <span>Opened {formatLocal(t.openedAt)}</span>
              <span>Updated {formatLocal(t.updatedAt)}</span>
            </div>
          </div>
          <div className="money-row">
            <MoneyFact k="Requested" v={t.requested} currency={t.currency} />
            <MoneyFact k="Approved" v={t.approved} currency={t.currency} />
            <MoneyFact k="Settled" v={t.settled} currency={t.currency} />
          </div>
        </div>
        <div className="next-bar" data-testid="next-actions">
          {offers.length === 0 ? (
            <span className="hint">Nothing to do on this cycle now{t.state === "dispatched" || t.state === "acknowledged" ? ": waiting for the counterparty." : "."}</span>
          ) : (
            <>
              <span className="hint">
                <b>Next:</b> {primary?.hint}
              </span>
              <span className="spacer" />
              {offers.map((o) => (
                <button key={o.id} type="button" className={`btn ${o.primary ? "primary" : ""}`} disabled={busy !== null} onClick={() => void run(o)} data-action={o.id}>
                  {busy === o.id && <span className="spin" />}
                  {o.label}
                </button>
              ))}
            </>
          )}
        </div>
      </div>
      {actionError && (
        <div style={{ marginTop: 10 }}>
          <ErrorBanner error={actionError} />
        </div>
      )}
      <div className="split">
        <div className="card">
          <div className="card-head">
            Timeline <span className="muted small">{timeline.length} messages</span>
          </div>
          <Timeline nodes={timeline} selected={selected?.apiCallId ?? null} onSelect={setSelectedId} />
        </div>
        <div className="card">{selected ? <NodeDetail node={selected} tab={tab} setTab={setTab} request={requestSummary(d)} /> : <div className="empty">No messages yet.</div>}</div>
      </div>
    </div>
  );
}

function MoneyFact({ k, v, currency }: { k: string; v: string | null; currency: string | null }) {
  return (
    <div className="money">
      <span className="k">{k}</span>
      <span className={`v ${v ? "" : "none"}`}>{v ? formatMoney(v, currency) : "—"}</span>
    </div>
  );
}

function Timeline({ nodes, selected, onSelect }: { nodes: TimelineNode[]; selected: string | null; onSelect: (id: string) => void }) {
  const now = useNow(60_000);
  // Seconds matter within a day; across days the date does.
  const stamp = (at: string) => {
    const compact = formatCompact(at, now);
    return compact.length > 5 ? compact : formatLocalTime(at);
  };
  return (
    <ol className="timeline" data-testid="timeline">
      {nodes.map((n) => {
        const l = nodeLabel(n.kind);
        return (
          <li key={n.apiCallId} className={n.apiCallId === selected ? "selected" : ""} onClick={() => onSelect(n.apiCallId)} data-kind={n.kind}>
            <span className={`tl-icon tone-${l.tone}`}>
              <Icon name={l.icon} size={13} />
            </span>
            <div>
              <div className="tl-top">
                <span className="tl-kind">{l.label}</span>
                {n.amount && <span className="tl-amount">{formatMoney(n.amount)}</span>}
                <span className="tl-time" title={formatLocal(n.at)}>
                  {stamp(n.at)}
                </span>
              </div>
              <div className="tl-headline">{n.headline}</div>
              <div className="tl-meta">
                <span title={n.direction === "out" ? "Sent by this desk" : "Received"}>
                  <Icon name={n.direction === "out" ? "arrowOut" : "arrowIn"} size={11} /> {n.direction === "out" ? `to ${n.recipient}` : `from ${n.sender}`}
                </span>
                <span className="mono">{n.action}</span>
                {n.protocolStatus && <span className="mono">{n.protocolStatus}</span>}
              </div>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function NodeDetail({ node, tab, setTab, request }: { node: TimelineNode; tab: Tab; setTab: (t: Tab) => void; request: Summary | null }) {
  const [showRaw, setShowRaw] = useState(false);
  useEffect(() => setShowRaw(false), [node.apiCallId]);
  const l = nodeLabel(node.kind);
  const has: Record<Tab, boolean> = { summary: true, headers: true, gateway: node.gatewayAnswer !== null, raw: node.fhir !== null };
  return (
    <div data-testid="node-detail">
      <div className="card-head">
        <span className={`tl-icon tone-${l.tone}`} style={{ margin: 0 }}>
          <Icon name={l.icon} size={13} />
        </span>
        {l.label}
        <span className="muted small">{formatLocal(node.at)}</span>
        <span className="spacer" />
        <span className="mono muted small" title="x-hcx-api_call_id">
          {node.apiCallId}
        </span>
      </div>
      <div className="tabs" role="tablist">
        {TABS.map(([k, label], i) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? "on" : ""} onClick={() => setTab(k)} disabled={!has[k]} title={`${label} (${i + 1})`}>
            {label}
          </button>
        ))}
      </div>
      <div className="card-body">
        {node.error && (
          <div style={{ marginBottom: 10 }}>
            <ErrorBanner error={describeError(node.error)} />
          </div>
        )}
        {tab === "summary" && <SummaryView value={node.summary} headline={node.headline} request={request} />}
        {tab === "headers" && <HeadersTable headers={node.headers} />}
        {tab === "gateway" && (node.gatewayAnswer !== null ? <JsonView value={node.gatewayAnswer} open={3} /> : <div className="muted">No gateway answer: this message was received, not sent.</div>)}
        {tab === "raw" &&
          (node.fhir === null ? (
            <div className="muted">No decrypted payload for this message.</div>
          ) : showRaw ? (
            <JsonView value={node.fhir} open={1} />
          ) : (
            <button type="button" className="btn" onClick={() => setShowRaw(true)}>
              Show raw FHIR ({Math.round(JSON.stringify(node.fhir).length / 102.4) / 10} KB)
            </button>
          ))}
      </div>
    </div>
  );
}

const HEADER_NAMES: Record<string, string> = {
  alg: "Key encryption",
  enc: "Content encryption",
  "x-hcx-sender_code": "Sender",
  "x-hcx-recipient_code": "Recipient",
  "x-hcx-api_call_id": "API call id",
  "x-hcx-correlation_id": "Correlation id",
  "x-hcx-workflow_id": "Workflow id",
  "x-hcx-timestamp": "Timestamp",
  "x-hcx-status": "Status",
  "x-hcx-redirect_to": "Redirect to",
  "x-hcx-error_details": "Error details",
  "x-hcx-debug_details": "Debug details",
};

export function HeadersTable({ headers }: { headers: ThreadDetail["timeline"][number]["headers"] }) {
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    return <JsonView value={headers} />;
  }
  return (
    <table className="grid" data-testid="headers">
      <thead>
        <tr>
          <th>Header</th>
          <th>Meaning</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(headers).map(([k, v]) => (
          <tr key={k}>
            <td className="mono">{k}</td>
            <td className="muted">{HEADER_NAMES[k] ?? ""}</td>
            <td className="mono" style={{ wordBreak: "break-all" }}>
              {typeof v === "string" ? v : JSON.stringify(v)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
