// One admission (workflow id): every cycle from eligibility to payment, and its money ledger.

import { getWorkflow } from "../../api";
import { useApp } from "../../app/context";
import { useAsync, useNow } from "../../app/hooks";
import { Link, navigate } from "../../app/router";
import { DueLabel, Money, StateChip, UseCaseTag } from "../../components/Chips";
import { ErrorBanner } from "../../components/ErrorBanner";
import { compare, formatMoney, sub } from "../../lib/decimal";
import { useCaseLabel } from "../../lib/labels";
import { formatLocal } from "../../lib/time";

const ORDER = ["coverageeligibility", "predetermination", "preauth", "claim", "communication", "paymentnotice"];

export function WorkflowScreen({ workflowId }: { workflowId: string }) {
  const { changeTick } = useApp();
  const now = useNow();
  const wf = useAsync(() => getWorkflow(workflowId), [workflowId, changeTick]);
  if (wf.error && !wf.data) {
    return (
      <div className="page">
        <div className="crumbs">
          <Link to="/queue">Work queue</Link>
        </div>
        <ErrorBanner error={wf.error} onRetry={wf.reload} />
      </div>
    );
  }
  const w = wf.data;
  if (!w) {
    return (
      <div className="page">
        <span className="spin" /> Loading…
      </div>
    );
  }
  const l = w.ledger;
  // Exact differences: what the payer still owes, and what the patient or hospital bears.
  const outstanding = sub(l.approved, l.settled);
  const notCovered = sub(l.billed, l.approved);
  const steps = ORDER.map((u) => ({ useCase: u, cycles: w.cycles.filter((c) => c.useCase === u) })).filter((s) => s.cycles.length > 0);
  return (
    <div className="page" data-testid="workflow">
      <div className="crumbs">
        <Link to="/queue">Work queue</Link> › Admission
      </div>
      <div className="page-head">
        <h1>{w.patient ?? "Admission"}</h1>
        <span className="mono muted">{w.workflowId}</span>
      </div>
      <div className="ledger" data-testid="ledger">
        <div>
          <div className="k">Billed</div>
          <div className="v">{formatMoney(l.billed, l.currency)}</div>
          <div className="sub">claimed, or preauth requested</div>
        </div>
        <div>
          <div className="k">Approved</div>
          <div className="v">{formatMoney(l.approved, l.currency)}</div>
          <div className="sub">by the payer</div>
        </div>
        <div>
          <div className="k">Settled</div>
          <div className="v" style={{ color: "var(--ok-fg)" }}>
            {formatMoney(l.settled, l.currency)}
          </div>
          <div className="sub">paid to the hospital</div>
        </div>
        <div>
          <div className="k">Outstanding</div>
          <div className="v" style={compare(outstanding, "0") > 0 ? { color: "var(--warn-fg)" } : undefined}>
            {formatMoney(outstanding, l.currency)}
          </div>
          <div className="sub">approved, not yet paid</div>
        </div>
        <div>
          <div className="k">Not covered</div>
          <div className="v">{formatMoney(notCovered, l.currency)}</div>
          <div className="sub">billed minus approved</div>
        </div>
      </div>
      <h3>Journey</h3>
      <ol className="stepper">
        {steps.map((s) => {
          const last = s.cycles[s.cycles.length - 1];
          return (
            <li key={s.useCase} onClick={() => last && navigate(`/thread/${encodeURIComponent(last.correlationId)}`)}>
              <div className="row">
                <b>{useCaseLabel(s.useCase)}</b>
                {s.cycles.length > 1 && <span className="muted small">×{s.cycles.length}</span>}
                <span className="spacer" />
                {last && <StateChip state={last.state} />}
              </div>
              <div className="small muted" style={{ marginTop: 4 }}>
                {last?.approved ? <>approved {formatMoney(last.approved)}</> : last?.requested ? <>requested {formatMoney(last.requested)}</> : "no amount"}
              </div>
            </li>
          );
        })}
      </ol>
      <h3>Cycles</h3>
      <div className="card">
        <table className="grid">
          <thead>
            <tr>
              <th>Use case</th>
              <th>State</th>
              <th>Opened</th>
              <th className="num">Requested</th>
              <th className="num">Approved</th>
              <th className="num">Settled</th>
              <th>Turnaround</th>
            </tr>
          </thead>
          <tbody>
            {w.cycles.map((c) => (
              <tr key={c.correlationId} className="clickable" onClick={() => navigate(`/thread/${encodeURIComponent(c.correlationId)}`)}>
                <td>
                  <UseCaseTag useCase={c.useCase} /> <span className="mono muted small">{c.correlationId.slice(0, 8)}</span>
                </td>
                <td>
                  <StateChip state={c.state} />
                </td>
                <td>{formatLocal(c.openedAt)}</td>
                <td className="num">
                  <Money value={c.requested} currency={c.currency} />
                </td>
                <td className="num">
                  <Money value={c.approved} currency={c.currency} />
                </td>
                <td className="num">
                  <Money value={c.settled} currency={c.currency} />
                </td>
                <td>
                  <DueLabel dueAt={c.dueAt} state={c.state} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
