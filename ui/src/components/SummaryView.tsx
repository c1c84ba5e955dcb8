// The FHIR summary of a message (hcx-fhir's `Summary`), rendered for a billing clerk: the
// decision and its reasons, the money, the patient, policy, payer and hospital, the admission,
// diagnoses, items with the payer's adjudication, eligibility, payment, documents asked for or
// attached, and the notes the reader left when it had to assume something.

import { Fragment, type ReactNode } from "react";
import type { Amount, Summary } from "../api";
import { sum } from "../lib/decimal";
import { formatBytes } from "../lib/files";
import { decisionTone, itemRows, type ItemRow } from "../lib/summary";
import { formatLocal } from "../lib/time";
import { Money } from "./Chips";
import { Icon } from "./Icon";

/** A date as sent ("2026-11-25"), or a local time when it carries one. */
function when(d: string): string {
  return d.length > 10 ? formatLocal(d) : d;
}

function Amt({ a }: { a: Amount | null | undefined }) {
  return <Money value={a?.value} currency={a?.currency} />;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function Kv({ rows }: { rows: [string, ReactNode][] }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== "" && v !== false);
  if (shown.length === 0) return null;
  return (
    <dl className="kv">
      {shown.map(([k, v], i) => (
        <Fragment key={`${k}-${i}`}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** The total of a column when every row has an amount in one currency; null otherwise. */
function columnTotal(rows: ItemRow[], pick: (r: ItemRow) => Amount | null): Amount | null {
  const xs = rows.map(pick);
  if (xs.length === 0 || xs.some((x) => x === null)) return null;
  const amounts = xs as Amount[];
  const currency = amounts[0]?.currency ?? "INR";
  if (amounts.some((a) => a.currency !== currency)) return null;
  return { value: sum(amounts.map((a) => a.value)), currency };
}

function Items({ s, request }: { s: Summary; request: Summary | null }) {
  const rows = itemRows(s, request);
  if (rows.length === 0) return null;
  const adjudicated = rows.some((r) => r.approved !== null || r.eligible !== null || r.notes.length > 0);
  const showEligible = rows.some((r) => r.eligible !== null && r.eligible.value !== (r.approved?.value ?? r.requested?.value));
  const showCopay = rows.some((r) => r.copay !== null);
  const requestedTotal = s.amounts.requested ?? columnTotal(rows, (r) => r.requested);
  const approvedTotal = s.amounts.approved ?? columnTotal(rows, (r) => r.approved);
  return (
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
            {showEligible && <th className="num">Eligible</th>}
            {showCopay && <th className="num">Patient pays</th>}
            {adjudicated && <th className="num">Approved</th>}
            {adjudicated && <th>Reason</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const cut = r.approved !== null && r.requested !== null && r.approved.value !== r.requested.value;
            return (
              <tr key={r.sequence}>
                <td className="muted">{r.sequence}</td>
                <td className="mono">{r.code}</td>
                <td>{r.description || <span className="muted">Item {r.sequence}</span>}</td>
                <td className="num">{r.quantity ?? ""}</td>
                <td className="num">{r.unitPrice ? <Amt a={r.unitPrice} /> : ""}</td>
                <td className="num"><Amt a={r.requested} /></td>
                {showEligible && <td className="num"><Amt a={r.eligible} /></td>}
                {showCopay && <td className="num"><Amt a={r.copay} /></td>}
                {adjudicated && (
                  <td className={`num ${cut ? "sev-warning" : ""}`}>
                    <b><Amt a={r.approved} /></b>
                  </td>
                )}
                {adjudicated && <td className="small muted">{r.notes.join("; ")}</td>}
              </tr>
            );
          })}
        </tbody>
        {(requestedTotal || approvedTotal) && (
          <tfoot>
            <tr>
              <td colSpan={5}>Total</td>
              <td className="num"><Amt a={requestedTotal} /></td>
              {showEligible && <td className="num"><Amt a={s.amounts.eligible} /></td>}
              {showCopay && <td className="num"><Amt a={s.amounts.copay} /></td>}
              {adjudicated && <td className="num"><Amt a={approvedTotal} /></td>}
              {adjudicated && <td />}
            </tr>
          </tfoot>
        )}
      </table>
    </>
  );
}

function Eligibility({ s }: { s: Summary }) {
  const e = s.eligibility;
  if (!e) return null;
  const benefits = e.benefits ?? [];
  return (
    <>
      <h3>Eligibility</h3>
      <Kv
        rows={[
          ["Asked about", (e.purposes ?? []).join(", ")],
          ["Policy in force", e.inforce === undefined ? null : e.inforce ? "Yes" : "No"],
          ["Services", (e.services ?? []).join(", ")],
        ]}
      />
      {benefits.length > 0 && (
        <table className="grid" style={{ marginTop: 6 }}>
          <thead>
            <tr>
              <th>Benefit</th>
              <th>Type</th>
              <th className="num">Allowed</th>
              <th className="num">Used</th>
              <th>Term</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {benefits.map((b, i) => (
              <tr key={i}>
                <td>{[b.category, b.service].filter(Boolean).join(" · ")}</td>
                <td>{b.kind ?? ""}</td>
                <td className="num">{b.allowed ? <Amt a={b.allowed} /> : (b.allowedText ?? "")}</td>
                <td className="num">{b.used ? <Amt a={b.used} /> : ""}</td>
                <td>{b.term ?? ""}</td>
                <td className="small">
                  {b.excluded && <span className="sev-error">Not covered</span>}
                  {b.excluded && b.authorizationRequired && " · "}
                  {b.authorizationRequired && <span className="sev-warning">Needs preauth</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Payment({ s }: { s: Summary }) {
  const p = s.payment;
  if (!p) return null;
  const parts = p?.parts ?? [];
  return (
    <>
      <h3>Payment</h3>
      <Kv
        rows={[
          ["Date", p?.date ? when(p.date) : null],
          ["Bank reference", p?.reference ? <span className="mono">{p.reference}</span> : null],
          ["Status", p?.status ?? null],
        ]}
      />
      {parts.length > 0 && (
        <table className="grid" style={{ marginTop: 6 }}>
          <thead>
            <tr>
              <th>Part</th>
              <th className="num">Amount</th>
              <th>Date</th>
            </tr>
          </thead>
          <tbody>
            {parts.map((x, i) => (
              <tr key={i}>
                <td>{x.kind ?? ""}</td>
                <td className="num"><Amt a={x.amount} /></td>
                <td>{x.date ? when(x.date) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/**
 * `request` is the summary the cycle started with: a payer's response names its items by number
 * only, and the request gives them their codes, descriptions and prices.
 */
export function SummaryView({ value, headline, request }: { value: Summary | null; headline?: string; request?: Summary | null }) {
  const s = value;
  if (!s) {
    return (
      <div className="col" style={{ gap: 6 }}>
        {headline && <div>{headline}</div>}
        <div className="muted">No summary: the payload could not be decrypted or carries no FHIR.</div>
      </div>
    );
  }
  const d = s.decision;
  const a = s.amounts;
  const money: [string, Amount | undefined][] = [
    ["Requested", a.requested],
    ["Eligible", a.eligible],
    ["Patient pays", a.copay],
    ["Approved", a.approved],
    ["Paid", a.paid],
  ];
  const shownMoney = money.filter(([, v]) => v !== undefined);
  const p = s.patient;
  const policy = s.policy;
  const claim = s.claim;
  const remarks = s.remarks ?? [];
  const reasons = d?.reasons ?? [];
  const notes = d?.notes ?? [];
  const documentsRequested = s.documentsRequested ?? [];
  const messages = s.messages ?? [];
  const attachments = s.attachments ?? [];
  const diagnoses = s.diagnoses ?? [];
  const cover = [policy?.validFrom, policy?.validTo].some(Boolean) ? `${policy?.validFrom ?? "?"} to ${policy?.validTo ?? "?"}` : null;
  return (
    <div className="col" style={{ gap: 4 }} data-testid="summary">
      <div className="small muted">
        {s.kind}
        {claim?.number ? ` · ${claim.number}` : ""}
      </div>
      {d ? (
        <div className={`banner ${decisionTone(d.status)}`} data-testid="summary-decision">
          <div>
            <b>{capitalise(d.status)}</b>
            {(d.disposition ?? headline) && <div>{d.disposition ?? headline}</div>}
            {d.preAuthRef && (
              <div>
                Preauth reference <span className="mono">{d.preAuthRef}</span>
                {d.preAuthPeriod ? `, valid ${d.preAuthPeriod}` : ""}
              </div>
            )}
          </div>
        </div>
      ) : (
        headline && <div>{headline}</div>
      )}
      {remarks.length > 0 && (
        <div className="banner info" data-testid="summary-remarks">
          <Icon name="alert" size={14} />
          <div>
            <b>Notes for you</b>
            <ul style={{ margin: "2px 0 0", paddingLeft: 18 }}>
              {remarks.map((r) => <li key={r}>{r}</li>)}
            </ul>
          </div>
        </div>
      )}
      {shownMoney.length > 0 && (
        <div className="money-row" style={{ justifyContent: "flex-start", margin: "6px 0 2px" }}>
          {shownMoney.map(([k, v]) => (
            <div className="money" key={k} style={{ alignItems: "flex-start" }}>
              <span className="k">{k}</span>
              <span className="v">
                <Amt a={v} />
                {v?.currencyAssumed && <span className="small muted" title="The sender gave no currency; INR was assumed."> (INR assumed)</span>}
              </span>
            </div>
          ))}
        </div>
      )}
      {reasons.length > 0 && (
        <>
          <h3>Reasons</h3>
          <ul style={{ margin: 0, paddingLeft: 18 }}>
            {reasons.map((r) => <li key={r}>{r}</li>)}
          </ul>
        </>
      )}
      {notes.length > 0 && (
        <>
          <h3>Payer's notes</h3>
          {notes.map((n) => <div key={n} style={{ whiteSpace: "pre-wrap" }}>{n}</div>)}
        </>
      )}
      {documentsRequested.length > 0 && (
        <>
          <h3>Asked for</h3>
          <ul className="attach-list">
            {documentsRequested.map((doc) => (
              <li key={doc}><Icon name="file" /> {doc}</li>
            ))}
          </ul>
        </>
      )}
      {messages.length > 0 && (
        <>
          <h3>Message</h3>
          {messages.map((m, i) => <div key={i} style={{ whiteSpace: "pre-wrap" }}>{m}</div>)}
        </>
      )}
      <Payment s={s} />
      <Eligibility s={s} />
      <Items s={s} request={request ?? null} />
      {(p || policy || s.payer || s.provider) && (
        <>
          <h3>Patient and policy</h3>
          <Kv
            rows={[
              ["Patient", p ? <><b>{p.name ?? "Unnamed"}</b>{p.gender ? `, ${p.gender}` : ""}{p.birthDate ? `, born ${p.birthDate}` : ""}</> : null],
              ...(p?.identifiers ?? []).map((i): [string, ReactNode] => [i.label ?? i.kind ?? "Identifier", <span className="mono">{i.value}</span>]),
              ["Policy", policy?.number || policy?.plan ? <><span className="mono">{policy?.number ?? ""}</span>{policy?.plan ? `${policy.number ? " · " : ""}${policy.plan}` : ""}</> : null],
              ["Member id", policy?.memberId ? <span className="mono">{policy.memberId}</span> : null],
              ["Cover", cover],
              // "active" is what a policy normally is; only say so when it is not.
              ["Policy status", policy?.status && policy.status !== "active" ? policy.status : null],
              ["Insurer", s.payer ? <>{s.payer.name ?? ""} {s.payer.identifiers?.[0] && <span className="mono muted small">{s.payer.identifiers[0].value}</span>}</> : null],
              ["Hospital", s.provider ? <>{s.provider.name ?? ""} {s.provider.identifiers?.[0] && <span className="mono muted small">{s.provider.identifiers[0].value}</span>}</> : null],
            ]}
          />
        </>
      )}
      {claim && (claim.type || claim.admitted || claim.discharged || (claim.related ?? []).length > 0 || (claim.preAuthRefs ?? []).length > 0) && (
        <>
          <h3>Admission</h3>
          <Kv
            rows={[
              ["Type", claim.type ?? null],
              ["Admitted", claim.admitted ? when(claim.admitted) : null],
              ["Discharged", claim.discharged ? when(claim.discharged) : null],
              ["Related", (claim.related ?? []).join("; ")],
              ["Preauth references", (claim.preAuthRefs ?? []).length ? <span className="mono">{(claim.preAuthRefs ?? []).join(", ")}</span> : null],
              ["Created", claim.created ? when(claim.created) : null],
            ]}
          />
        </>
      )}
      {diagnoses.length > 0 && (
        <>
          <h3>Diagnoses</h3>
          <div className="col" style={{ gap: 2 }}>
            {diagnoses.map((x, i) => (
              <div key={`${x.code ?? ""}-${i}`}>
                {x.code && <span className="mono">{x.code}</span>} {x.display && <span className="muted">{x.code ? "— " : ""}{x.display}</span>}
              </div>
            ))}
          </div>
        </>
      )}
      {attachments.length > 0 && (
        <>
          <h3>Documents attached</h3>
          <ul className="attach-list">
            {attachments.map((x) => (
              <li key={x.path}>
                <Icon name="file" /> {x.title ?? x.url ?? "Untitled"}{" "}
                <span className="muted small">{[x.contentType, x.size !== undefined ? formatBytes(x.size) : null].filter(Boolean).join(" · ")}</span>
                {x.verified === true && <span className="small sev-ok" title="The declared size and hash match the data.">verified</span>}
                {x.verified === false && <span className="small sev-error">does not match its declared size or hash</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
