// Messages the console kept but did not apply: someone other than a cycle's counterparty (or the
// exchange) sent an answer, a query, a redirect or a payment notice naming that cycle. They were
// acknowledged so nothing is lost and the mailbox moves on; they moved nothing. A reviewer reads
// why, who claims to have sent it and the headers exactly as received, and can open the cycle.

import { useState } from "react";
import { listSuspicious } from "../../api";
import type { SuspiciousMessage } from "../../bindings/SuspiciousMessage";
import { useApp } from "../../app/context";
import { useAsync } from "../../app/hooks";
import { Link } from "../../app/router";
import { ErrorBanner } from "../../components/ErrorBanner";
import { formatLocal } from "../../lib/time";

export function SuspiciousScreen() {
  const { changeTick } = useApp();
  const list = useAsync(() => listSuspicious(), [changeTick]);
  const [open, setOpen] = useState<number | null>(null);
  const rows = list.data?.messages ?? [];
  const total = list.data?.total ?? 0;
  return (
    <div className="page" data-testid="suspicious">
      <div className="page-head">
        <h1>Suspicious messages</h1>
      </div>
      <p className="muted">
        Kept exactly as received but never applied: the sender may not move the cycle the message names. Nothing was
        answered to them.
      </p>
      {list.error && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {!list.error && rows.length === 0 && <div className="muted">None. Every message came from the cycle's counterparty.</div>}
      {rows.length > 0 && (
        <div className="card">
          <div className="card-head">
            {total > rows.length ? `The newest ${rows.length} of ${total}` : `${total} kept`}
          </div>
          <table className="grid">
            <thead>
              <tr>
                <th>Received</th>
                <th>Claims to be from</th>
                <th>Action</th>
                <th>Cycle</th>
                <th>Why it was not applied</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <Row key={m.id} m={m} open={open === m.id} onToggle={() => setOpen(open === m.id ? null : m.id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Row({ m, open, onToggle }: { m: SuspiciousMessage; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr data-suspicious={m.id} onClick={onToggle} style={{ cursor: "pointer" }} aria-expanded={open}>
        <td>{formatLocal(m.at)}</td>
        <td className="mono">{m.sender || "unknown"}</td>
        <td className="mono">{m.action}</td>
        <td className="mono">
          <Link to={`/thread/${encodeURIComponent(m.correlationId)}`}>{m.correlationId}</Link>
        </td>
        <td className="sev-error">{m.reason}</td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <div className="small muted">api_call_id {m.apiCallId}{m.workflowId ? ` · workflow ${m.workflowId}` : ""}</div>
            <pre className="mono small">{JSON.stringify(m.headers, null, 2)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}
