// "Empanelment": facilities without an HFR or ROHINI id that named this payer or scheme as the
// one that empanelled them. The payer confirms (the operator then approves the facility) or
// refuses with a reason the facility reads.

import { useState } from "react";
import { decideEmpanelment, empanelmentRequests, type ApprovalView } from "../../api";
import { useApp } from "../../app/context";
import { useAsync } from "../../app/hooks";
import { ErrorBanner } from "../../components/ErrorBanner";
import { describeError, type DescribedError } from "../../lib/errors";
import { formatLocal } from "../../lib/time";
import { applicationStateChip } from "../onboarding/VerifyStep";

function Row({ r, onDone }: { r: ApprovalView; onDone: () => void }) {
  const { toast } = useApp();
  const [refusing, setRefusing] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DescribedError | null>(null);
  const open = r.state === "awaiting_payer_approval";

  async function decide(approve: boolean) {
    setBusy(true);
    setError(null);
    try {
      const v = await decideEmpanelment(r.applicationId, approve, approve ? "" : reason.trim());
      toast(approve ? `${v.facilityName}: empanelment confirmed` : `${v.facilityName}: refused`);
      setRefusing(false);
      onDone();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <tr data-application-id={r.applicationId}>
        <td>
          <div className="cell-main">{r.facilityName}</div>
          <div className="cell-sub mono">{r.applicationId}</div>
        </td>
        <td>
          <div>{r.licenceNumber}</div>
          <div className="cell-sub">{r.address}</div>
        </td>
        <td>{r.manager}</td>
        <td>
          <div>{r.empanelment}</div>
          <div className="cell-sub">{r.proof ?? "No proof attached"}</div>
        </td>
        <td className="nowrap">{formatLocal(r.submittedAt)}</td>
        <td>
          {applicationStateChip(r.state)}
          {r.reasons.length > 0 && <div className="cell-sub">{r.reasons.join("; ")}</div>}
        </td>
        <td className="nowrap">
          {open && (
            <div className="row">
              <button type="button" className="btn small primary" disabled={busy} onClick={() => void decide(true)} data-action="approve">
                Approve
              </button>
              <button type="button" className="btn small danger" disabled={busy} onClick={() => setRefusing((x) => !x)} data-action="refuse">
                Refuse
              </button>
            </div>
          )}
        </td>
      </tr>
      {(refusing || error) && (
        <tr className="sub-row">
          <td colSpan={7}>
            {error && <ErrorBanner error={error} />}
            {refusing && (
              <div className="row">
                <input
                  className="input grow"
                  placeholder="Why you refuse (the facility reads this)"
                  aria-label={`Reason for refusing ${r.facilityName}`}
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  data-testid="refuse-reason"
                />
                <button type="button" className="btn small danger solid" disabled={busy || !reason.trim()} onClick={() => void decide(false)} data-action="confirm-refuse">
                  Refuse empanelment
                </button>
              </div>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

export function ApprovalsScreen() {
  const { changeTick } = useApp();
  const list = useAsync(() => empanelmentRequests(), [changeTick]);
  const rows = list.data ?? [];
  const waiting = rows.filter((r) => r.state === "awaiting_payer_approval").length;
  return (
    <div className="page" data-testid="approvals">
      <div className="page-head">
        <h1>Empanelment requests</h1>
        <span className="muted">
          Facilities without an HFR or ROHINI id that say you empanelled them. {waiting} waiting for you.
        </span>
      </div>
      {list.error && <ErrorBanner error={list.error} onRetry={list.reload} />}
      <div className="card">
        <table className="grid" data-testid="approvals-table">
          <thead>
            <tr>
              <th>Facility</th>
              <th>Licence · address</th>
              <th>Manager</th>
              <th>Empanelment · proof</th>
              <th>Submitted</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <Row key={r.applicationId} r={r} onDone={list.reload} />
            ))}
            {rows.length === 0 && !list.loading && (
              <tr>
                <td colSpan={7} className="empty">
                  No empanelment requests.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
