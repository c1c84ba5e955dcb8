// The FHIR summary of a message, rendered for a clerk: patient, policy, items with their
// adjudication, the decision, its reasons, and the documents asked for or attached.

import { Fragment } from "react";
import type { JsonValue } from "../api";
import { compare, isDecimal, sum } from "../lib/decimal";
import { readSummary } from "../lib/summary";
import { formatLocal } from "../lib/time";
import { Money } from "./Chips";
import { Icon } from "./Icon";

function decisionTone(decision: string | null, outcome: string | null): string {
  const d = (decision ?? outcome ?? "").toLowerCase();
  if (d.includes("reject") || d === "error") return "error";
  if (d.includes("part") || d.includes("quer")) return "warning";
  if (d.includes("approv") || d === "complete") return "ok";
  return "info";
}

export function SummaryView({ value, headline }: { value: JsonValue | null; headline?: string }) {
  const s = readSummary(value);
  if (!s) {
    return (
      <div className="col" style={{ gap: 6 }}>
        {headline && <div>{headline}</div>}
        <div className="muted">No summary: the payload could not be decrypted or carries no FHIR.</div>
      </div>
    );
  }
  const anyApproved = s.items.some((i) => i.approved !== null);
  const nets = s.items.map((i) => i.net);
  // A response may carry item amounts without a total; the sum is exact.
  const total = s.total ?? (nets.length > 0 && nets.every((n): n is string => n !== null && isDecimal(n)) ? sum(nets) : null);
  const decisionText = headline ?? s.disposition ?? null;
  return (
    <div className="col" style={{ gap: 4 }} data-testid="summary">
      {s.resourceType && (
        <div className="small muted">
          {s.resourceType}
          {s.use ? ` · ${s.use}` : ""}
        </div>
      )}
      {s.decision || s.outcome ? (
        <div className={`banner ${decisionTone(s.decision, s.outcome)}`}>
          <div>
            <b>{s.decision ? s.decision.charAt(0).toUpperCase() + s.decision.slice(1) : `Outcome: ${s.outcome}`}</b>
            {decisionText ? (
              <div>{decisionText}</div>
            ) : s.approvedTotal !== null ? (
              <div>
                Approved <Money value={s.approvedTotal} />
              </div>
            ) : null}
          </div>
        </div>
      ) : (
        headline && <div>{headline}</div>
      )}
      {(s.patient || s.policyNumber || s.insurer) && (
        <>
          <h3>Patient and policy</h3>
          <dl className="kv">
            {s.patient?.name && (<><dt>Patient</dt><dd><b>{s.patient.name}</b>{s.patient.gender ? `, ${s.patient.gender}` : ""}{s.patient.birthDate ? `, born ${s.patient.birthDate}` : ""}</dd></>)}
            {s.patient?.abha && (<><dt>ABHA</dt><dd className="mono">{s.patient.abha}</dd></>)}
            {s.policyNumber && (<><dt>Policy</dt><dd className="mono">{s.policyNumber}</dd></>)}
            {s.insurer && (<><dt>Insurer</dt><dd>{s.insurer}</dd></>)}
          </dl>
        </>
      )}
      {s.diagnoses.length > 0 && (
        <>
          <h3>Diagnoses</h3>
          <div className="col" style={{ gap: 2 }}>
            {s.diagnoses.map((d) => (
              <div key={d.code}>
                <span className="mono">{d.code}</span> {d.display && <span className="muted">— {d.display}</span>}
              </div>
            ))}
          </div>
        </>
      )}
      {s.items.length > 0 && (
        <>
          <h3>Items</h3>
          <table className="grid">
            <thead>
              <tr>
                <th>#</th>
                <th>Code</th>
                <th>Description</th>
                <th className="num">Qty</th>
                <th className="num">Unit price</th>
                <th className="num">Amount</th>
                {anyApproved && <th className="num">Approved</th>}
                {anyApproved && <th>Reason</th>}
              </tr>
            </thead>
            <tbody>
              {s.items.map((it) => {
                const cut = it.approved !== null && it.net !== null && compare(it.approved, it.net) < 0;
                return (
                  <tr key={`${it.sequence}-${it.code}`}>
                    <td className="muted">{it.sequence}</td>
                    <td className="mono">{it.code}</td>
                    <td>{it.description}</td>
                    <td className="num">{it.quantity ?? ""}</td>
                    <td className="num"><Money value={it.unitPrice} /></td>
                    <td className="num"><Money value={it.net} /></td>
                    {anyApproved && (
                      <td className={`num ${cut ? "sev-warning" : ""}`}><b><Money value={it.approved} /></b></td>
                    )}
                    {anyApproved && <td className="small muted">{it.reason ?? ""}</td>}
                  </tr>
                );
              })}
            </tbody>
            {(total || s.approvedTotal) && (
              <tfoot>
                <tr>
                  <td colSpan={5}>Total</td>
                  <td className="num"><Money value={total} /></td>
                  {anyApproved && <td className="num"><Money value={s.approvedTotal} /></td>}
                  {anyApproved && <td />}
                </tr>
              </tfoot>
            )}
          </table>
        </>
      )}
      {s.reasons.length > 0 && (
        <>
          <h3>Reasons</h3>
          <ul style={{ margin: 0, paddingLeft: 18 }}>
            {s.reasons.map((r) => <li key={r}>{r}</li>)}
          </ul>
        </>
      )}
      {s.documentsRequested.length > 0 && (
        <>
          <h3>Documents asked for</h3>
          <ul className="attach-list">
            {s.documentsRequested.map((d) => (
              <li key={d}><Icon name="file" /> {d}</li>
            ))}
          </ul>
        </>
      )}
      {s.documents.length > 0 && (
        <>
          <h3>Documents attached</h3>
          <ul className="attach-list">
            {s.documents.map((d) => (
              <li key={d.title}><Icon name="file" /> {d.title} <span className="muted small">{[d.contentType, d.size].filter(Boolean).join(" · ")}</span></li>
            ))}
          </ul>
        </>
      )}
      {s.payment && (
        <>
          <h3>Payment</h3>
          <dl className="kv">
            <dt>Amount</dt><dd><b><Money value={s.payment.amount} /></b></dd>
            {s.payment.date && (<><dt>Date</dt><dd>{s.payment.date.length > 10 ? formatLocal(s.payment.date) : s.payment.date}</dd></>)}
            {s.payment.reference && (<><dt>Reference</dt><dd className="mono">{s.payment.reference}</dd></>)}
          </dl>
        </>
      )}
      {s.text && (
        <>
          <h3>Text</h3>
          <div style={{ whiteSpace: "pre-wrap" }}>{s.text}</div>
        </>
      )}
      {s.other.length > 0 && (
        <>
          <h3>Other</h3>
          <dl className="kv">
            {s.other.map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd className="mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}
