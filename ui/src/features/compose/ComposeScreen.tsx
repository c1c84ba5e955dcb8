// Compose an eligibility check, preauth, predetermination or claim. The rule checker runs on
// leaving a field and shortly after typing stops; its findings appear at the fields they are
// about, and Send stays disabled while any error remains.

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { checkCompose, getThread, sendCompose, type ComposeForm, type FindingView } from "../../api";
import { useApp } from "../../app/context";
import { Link, navigate } from "../../app/router";
import { Attachments } from "../../components/Attachments";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Icon } from "../../components/Icon";
import { Modal } from "../../components/Modal";
import {
  COMPOSE_USE_CASES,
  emptyForm,
  emptyItem,
  fieldValue,
  formField,
  formTotal,
  hasItems,
  lineTotal,
  localProblems,
  toWireWithRows,
} from "../../lib/composeModel";
import { formatMoney } from "../../lib/decimal";
import { describeError, type DescribedError } from "../../lib/errors";
import { fhirPathToField } from "../../lib/fhirPath";
import { useCaseLabel } from "../../lib/labels";
import { formFromSummary, latestDecision, requestSummary } from "../../lib/summary";

interface Msg {
  severity: "error" | "warning";
  text: string;
  rule?: string;
}

const CHECK_DELAY_MS = 500;

function FieldMsgs({ msgs }: { msgs: Msg[] }) {
  return (
    <>
      {msgs.map((m, i) => (
        <div key={i} className={`field-msg ${m.severity}`} data-finding={m.severity}>
          {m.text}
          {m.rule && <span className="rule">{m.rule}</span>}
        </div>
      ))}
    </>
  );
}

function Field({ name, label, required, msgs, children, className }: { name: string; label: string; required?: boolean; msgs: Msg[]; children: ReactNode; className?: string }) {
  return (
    <div className={`field ${className ?? ""}`} data-field={name}>
      <label>
        {label} {required && <span className="req">*</span>}
      </label>
      {children}
      <FieldMsgs msgs={msgs} />
    </div>
  );
}

function inputClass(msgs: Msg[], extra = ""): string {
  const sev = msgs.some((m) => m.severity === "error") ? "has-error" : msgs.length ? "has-warning" : "";
  return `input ${sev} ${extra}`;
}

export function ComposeScreen({ useCase: routeUseCase, from, mode }: { useCase: string; from: string | null; mode: string | null }) {
  const { counterparties, status, toast } = useApp();
  const [form, setForm] = useState<ComposeForm>(() => emptyForm(COMPOSE_USE_CASES.includes(routeUseCase) ? routeUseCase : "preauth"));
  const [prefill, setPrefill] = useState<{ text: string } | null>(null);
  const [prefillError, setPrefillError] = useState<DescribedError | null>(null);
  // Resending a failed cycle: why the gateway (or the counterparty) refused it, so the clerk
  // sees on the form what to correct.
  const [refusal, setRefusal] = useState<DescribedError | null>(null);
  const [findings, setFindings] = useState<FindingView[] | null>(null);
  const [checkedWire, setCheckedWire] = useState<{ itemRows: number[]; diagnosisRows: number[] }>({ itemRows: [], diagnosisRows: [] });
  // The form as it was when the shown findings were computed.
  const [checkedForm, setCheckedForm] = useState<ComposeForm | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<DescribedError | null>(null);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<DescribedError | null>(null);
  const [confirmProd, setConfirmProd] = useState(false);
  const checkSeq = useRef(0);
  const dirty = useRef(false);
  // Findings show at a field once the clerk has left it (or after a send attempt), so a
  // fresh form is not covered in red before anything was typed.
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [showAll, setShowAll] = useState(false);
  // Results that arrive while a mouse button is down wait for its release: a finding appearing
  // between mousedown and mouseup would move the button being clicked.
  const pointerDown = useRef(false);
  const pending = useRef<(() => void)[]>([]);
  const whenPointerUp = useCallback((f: () => void) => {
    if (pointerDown.current) pending.current.push(f);
    else f();
  }, []);
  useEffect(() => {
    const down = () => {
      pointerDown.current = true;
    };
    const up = () => {
      pointerDown.current = false;
      const queued = pending.current;
      pending.current = [];
      // After the click has been delivered.
      if (queued.length) window.setTimeout(() => queued.forEach((f) => f()), 0);
    };
    window.addEventListener("pointerdown", down, true);
    window.addEventListener("pointerup", up, true);
    return () => {
      window.removeEventListener("pointerdown", down, true);
      window.removeEventListener("pointerup", up, true);
    };
  }, []);

  // Prefill from an earlier cycle: a claim from its preauth, an enhancement, or a resend.
  useEffect(() => {
    if (!from) return;
    getThread(from).then(
      (d) => {
        const req = requestSummary(d);
        const decided = latestDecision(d);
        const useCase = routeUseCase === "retry" ? d.thread.useCase : routeUseCase;
        const base = emptyForm(useCase);
        const filled: Partial<ReturnType<typeof formFromSummary>> = req ? formFromSummary(req) : {};
        setForm({
          ...base,
          ...filled,
          diagnoses: filled.diagnoses && filled.diagnoses.length ? filled.diagnoses : base.diagnoses,
          items: hasItems(useCase) ? (filled.items && filled.items.length ? filled.items : base.items) : [],
          recipient: d.thread.counterparty,
          workflowId: d.thread.workflowId,
          relatedCorrelationId: routeUseCase === "retry" ? null : d.thread.correlationId,
        });
        const what = useCaseLabel(d.thread.useCase).toLowerCase();
        const approved = decided?.amounts.approved?.value ?? d.thread.approved;
        setShowAll(true);
        setPrefill({
          text:
            routeUseCase === "retry"
              ? `Copied from the failed ${what} for ${d.thread.patient ?? "this patient"}. Correct it and send again.`
              : mode === "enhance"
                ? `Enhancement of the ${what} for ${d.thread.patient ?? "this patient"}${approved ? ` (approved so far ${formatMoney(approved)})` : ""}. Raise the amounts that changed.`
                : `Prefilled from the ${what} for ${d.thread.patient ?? "this patient"}${approved ? `, approved ${formatMoney(approved)}` : ""}. Check the items against the final bill before sending.`,
        });
        const refused = routeUseCase === "retry" ? [...d.timeline].reverse().find((n) => n.error)?.error : undefined;
        setRefusal(refused ? describeError(refused) : null);
        dirty.current = true;
      },
      (e: unknown) => setPrefillError(describeError(e)),
    );
  }, [from, routeUseCase, mode]);

  const runCheck = useCallback(async (f: ComposeForm): Promise<FindingView[] | null> => {
    const mine = ++checkSeq.current;
    const wire = toWireWithRows(f);
    setChecking(true);
    try {
      const result = await checkCompose(wire.form);
      if (mine === checkSeq.current) {
        const apply = () => {
          setFindings(result);
          setCheckedWire(wire);
          setCheckedForm(f);
          setCheckError(null);
        };
        whenPointerUp(apply);
      }
      return result;
    } catch (e) {
      if (mine === checkSeq.current) setCheckError(describeError(e));
      return null;
    } finally {
      if (mine === checkSeq.current) setChecking(false);
    }
  }, [whenPointerUp]);

  // Debounced check after typing stops.
  useEffect(() => {
    if (!dirty.current) return;
    const id = window.setTimeout(() => void runCheck(form), CHECK_DELAY_MS);
    return () => window.clearTimeout(id);
  }, [form, runCheck]);

  const update = (patch: Partial<ComposeForm>) => {
    dirty.current = true;
    setForm((f) => ({ ...f, ...patch }));
  };
  const setItem = (i: number, patch: Partial<ComposeForm["items"][number]>) => update({ items: form.items.map((it, j) => (j === i ? { ...it, ...patch } : it)) });
  const setDiagnosis = (i: number, v: string) => update({ diagnoses: form.diagnoses.map((d, j) => (j === i ? v : d)) });

  // Findings by form field, with wire indexes turned back into the rows on screen.
  const { byField, general, errorCount, warningCount } = useMemo(() => {
    const by = new Map<string, Msg[]>();
    const gen: FindingView[] = [];
    let errors = 0;
    let warnings = 0;
    for (const f of findings ?? []) {
      const sev = f.severity === "error" ? "error" : "warning";
      if (sev === "error") errors += 1;
      else warnings += 1;
      const wireField = fhirPathToField(f.path);
      if (wireField === null) {
        gen.push(f);
        continue;
      }
      const field = formField(wireField, checkedWire);
      by.set(field, [...(by.get(field) ?? []), { severity: sev, text: f.message, rule: f.rule }]);
    }
    return { byField: by, general: gen, errorCount: errors, warningCount: warnings };
  }, [findings, checkedWire]);
  const local = localProblems(form);
  const msgs = (field: string): Msg[] => {
    const l = local.get(field);
    const shown = showAll || [...touched].some((t) => t === field || t.startsWith(`${field}[`) || t.startsWith(`${field}.`) || field.startsWith(`${t}.`));
    // A finding about a value the clerk has since changed waits for the next check.
    const current = !checkedForm || fieldValue(checkedForm, field) === fieldValue(form, field);
    return [...(l ? [{ severity: "error" as const, text: l }] : []), ...(shown && current ? (byField.get(field) ?? []) : [])];
  };

  const total = formTotal(form.items);
  const blocked = errorCount > 0 || local.size > 0;
  const payers = counterparties.filter((c) => c.status.toLowerCase() === "active" && c.roles.some((r) => r === "payor" || r.startsWith("agency")));

  async function doSend() {
    setConfirmProd(false);
    setShowAll(true);
    setSending(true);
    setSendError(null);
    try {
      // Check the exact form being sent: typing may have happened since the last check.
      const fresh = await runCheck(form);
      if (fresh === null || fresh.some((f) => f.severity === "error")) {
        return;
      }
      const receipt = await sendCompose(toWireWithRows(form).form);
      toast(receipt.state === "queued" ? "Saved in the outbox; it will be sent when the gateway is reachable" : "Sent: the gateway acknowledged it");
      navigate(`/thread/${encodeURIComponent(receipt.correlationId)}`);
    } catch (e) {
      const d = describeError(e);
      setSendError(d);
      if (d.fix === "form") void runCheck(form);
    } finally {
      setSending(false);
    }
  }

  function trySend() {
    if (blocked || sending) return;
    if (status?.environment === "production") setConfirmProd(true);
    else void doSend();
  }

  function focusField(field: string) {
    const el = document.querySelector<HTMLElement>(`[data-field="${CSS.escape(field)}"] input, [data-field="${CSS.escape(field)}"] select, [data-field="${CSS.escape(field)}"] textarea`);
    el?.focus();
  }

  const findingList = (findings ?? []).map((f) => ({ f, field: (() => { const w = fhirPathToField(f.path); return w === null ? null : formField(w, checkedWire); })() }));

  return (
    <div className="page" data-testid="compose">
      <div className="crumbs">
        <Link to="/queue">Work queue</Link> › New request
      </div>
      <div className="page-head">
        <h1>{mode === "enhance" ? "Request enhancement" : `New ${useCaseLabel(form.useCase).toLowerCase()}`}</h1>
        <div className="segmented" role="group" aria-label="Kind of request">
          {COMPOSE_USE_CASES.map((u) => (
            <button
              key={u}
              type="button"
              className={form.useCase === u ? "on" : ""}
              disabled={from !== null && form.useCase !== u}
              onClick={() => {
                dirty.current = true;
                setForm((f) => ({ ...f, useCase: u, items: hasItems(u) ? (f.items.length ? f.items : [emptyItem()]) : [] }));
              }}
            >
              {useCaseLabel(u)}
            </button>
          ))}
        </div>
      </div>
      {prefill && <div className="banner info" style={{ marginBottom: 12 }}>{prefill.text}</div>}
      {prefillError && <div style={{ marginBottom: 12 }}><ErrorBanner error={prefillError} /></div>}
      {refusal && <div style={{ marginBottom: 12 }} data-testid="refusal"><ErrorBanner error={refusal} /></div>}
      <div className="compose">
        <form
          className="col"
          style={{ gap: 12 }}
          onSubmit={(e) => {
            e.preventDefault();
            trySend();
          }}
          onBlurCapture={(e) => {
            const field = (e.target as HTMLElement).closest("[data-field]")?.getAttribute("data-field");
            if (field) whenPointerUp(() => setTouched((t) => (t.has(field) ? t : new Set(t).add(field))));
            if (dirty.current) void runCheck(form);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              trySend();
            }
          }}
        >
          <div className="card">
            <div className="card-head">Recipient</div>
            <div className="card-body grid-2">
              <Field name="recipient" label="Payer or TPA" required msgs={msgs("recipient")}>
                <select className={inputClass(msgs("recipient"))} value={form.recipient} onChange={(e) => update({ recipient: e.target.value })} data-testid="recipient">
                  <option value="">Choose…</option>
                  {payers.map((c) => (
                    <option key={c.code} value={c.code}>
                      {c.name} ({c.code})
                    </option>
                  ))}
                </select>
              </Field>
              <Field name="policyNumber" label="Policy number" required msgs={msgs("policyNumber")}>
                <input className={inputClass(msgs("policyNumber"))} value={form.policyNumber} onChange={(e) => update({ policyNumber: e.target.value })} name="policyNumber" autoComplete="off" />
              </Field>
              {form.workflowId && (
                <div className="small muted">
                  Admission <span className="mono">{form.workflowId}</span>
                  {form.relatedCorrelationId && (
                    <>
                      {" "}· related to <span className="mono">{form.relatedCorrelationId.slice(0, 8)}</span>
                    </>
                  )}
                </div>
              )}
            </div>
          </div>

          <div className="card">
            <div className="card-head">Patient</div>
            <div className="card-body grid-4">
              <Field name="patientName" label="Name" required msgs={msgs("patientName")}>
                <input className={inputClass(msgs("patientName"))} value={form.patientName} onChange={(e) => update({ patientName: e.target.value })} name="patientName" autoComplete="off" />
              </Field>
              <Field name="patientGender" label="Gender" required msgs={msgs("patientGender")}>
                <select className={inputClass(msgs("patientGender"))} value={form.patientGender} onChange={(e) => update({ patientGender: e.target.value })} name="patientGender">
                  <option value="">Choose…</option>
                  <option value="female">Female</option>
                  <option value="male">Male</option>
                  <option value="other">Other</option>
                  <option value="unknown">Unknown</option>
                </select>
              </Field>
              <Field name="patientBirthDate" label="Birth date" msgs={msgs("patientBirthDate")}>
                <input type="date" className={inputClass(msgs("patientBirthDate"))} value={form.patientBirthDate ?? ""} onChange={(e) => update({ patientBirthDate: e.target.value || null })} name="patientBirthDate" />
              </Field>
              <Field name="patientAbha" label="ABHA number or address" msgs={msgs("patientAbha")}>
                <input className={inputClass(msgs("patientAbha"))} value={form.patientAbha ?? ""} onChange={(e) => update({ patientAbha: e.target.value })} placeholder="91-1234-5678-9012" name="patientAbha" autoComplete="off" />
              </Field>
            </div>
          </div>

          {hasItems(form.useCase) && (
            <div className="card">
              <div className="card-head">Diagnoses</div>
              <div className="card-body" data-field="diagnoses">
                <div className="row" style={{ flexWrap: "wrap", alignItems: "flex-start" }}>
                  {form.diagnoses.map((d, i) => {
                    const m = msgs(`diagnoses[${i}]`);
                    return (
                      <div key={i} className="field" data-field={`diagnoses[${i}]`} style={{ width: 190 }}>
                        <div className="row" style={{ gap: 4 }}>
                          <input className={inputClass(m, "mono")} value={d} onChange={(e) => setDiagnosis(i, e.target.value)} placeholder="ICD-10, e.g. K35.80" aria-label={`Diagnosis ${i + 1}`} />
                          {form.diagnoses.length > 1 && (
                            <button type="button" className="btn ghost small" onClick={() => update({ diagnoses: form.diagnoses.filter((_, j) => j !== i) })} aria-label={`Remove diagnosis ${i + 1}`}>
                              <Icon name="x" size={13} />
                            </button>
                          )}
                        </div>
                        <FieldMsgs msgs={m} />
                      </div>
                    );
                  })}
                  <button type="button" className="btn small" onClick={() => update({ diagnoses: [...form.diagnoses, ""] })} style={{ marginTop: 3 }}>
                    <Icon name="plus" size={13} /> Diagnosis
                  </button>
                </div>
                <FieldMsgs msgs={msgs("diagnoses")} />
              </div>
            </div>
          )}

          {hasItems(form.useCase) && (
            <div className="card">
              <div className="card-head">
                Items <span className="muted small">amounts in rupees, exact to the paisa</span>
              </div>
              <table className="grid items" data-testid="items">
                <thead>
                  <tr>
                    <th style={{ width: 28 }}>#</th>
                    <th style={{ width: 130 }}>Code</th>
                    <th>Description</th>
                    <th className="num" style={{ width: 80 }}>Qty</th>
                    <th className="num" style={{ width: 140 }}>Unit price ₹</th>
                    <th className="num" style={{ width: 140 }}>Amount</th>
                    <th style={{ width: 36 }} />
                  </tr>
                </thead>
                <tbody>
                  {form.items.map((it, i) => {
                    const row = msgs(`items[${i}]`);
                    const code = msgs(`items[${i}].code`);
                    const desc = msgs(`items[${i}].description`);
                    const qty = msgs(`items[${i}].quantity`);
                    const price = msgs(`items[${i}].unitPrice`);
                    const tot = msgs(`items[${i}].total`);
                    const lt = lineTotal(it);
                    return (
                      <tr key={i} data-row={i}>
                        <td className="muted" style={{ paddingTop: 11 }}>
                          {i + 1}
                        </td>
                        <td data-field={`items[${i}].code`}>
                          <input className={inputClass(code, "mono")} value={it.code} onChange={(e) => setItem(i, { code: e.target.value })} aria-label={`Item ${i + 1} code`} />
                          <FieldMsgs msgs={code} />
                        </td>
                        <td data-field={`items[${i}].description`}>
                          <input className={inputClass(desc)} value={it.description} onChange={(e) => setItem(i, { description: e.target.value })} aria-label={`Item ${i + 1} description`} />
                          <FieldMsgs msgs={[...desc, ...row]} />
                        </td>
                        <td data-field={`items[${i}].quantity`}>
                          <input className={inputClass(qty, "num")} value={it.quantity} onChange={(e) => setItem(i, { quantity: e.target.value })} inputMode="decimal" aria-label={`Item ${i + 1} quantity`} />
                          <FieldMsgs msgs={qty} />
                        </td>
                        <td data-field={`items[${i}].unitPrice`}>
                          <input className={inputClass(price, "num")} value={it.unitPrice} onChange={(e) => setItem(i, { unitPrice: e.target.value })} inputMode="decimal" placeholder="0.00" aria-label={`Item ${i + 1} unit price`} />
                          <FieldMsgs msgs={price} />
                        </td>
                        <td className="num total" data-field={`items[${i}].total`}>
                          {lt ? formatMoney(lt) : <span className="muted">—</span>}
                          <FieldMsgs msgs={tot} />
                        </td>
                        <td>
                          <button type="button" className="btn ghost small" style={{ marginTop: 3 }} onClick={() => update({ items: form.items.filter((_, j) => j !== i) })} aria-label={`Remove item ${i + 1}`}>
                            <Icon name="x" size={13} />
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
                <tfoot>
                  <tr>
                    <td colSpan={3}>
                      <button type="button" className="btn small" onClick={() => update({ items: [...form.items, emptyItem()] })} data-testid="add-item">
                        <Icon name="plus" size={13} /> Add item
                      </button>
                      <span style={{ marginLeft: 8 }}>
                        <FieldMsgs msgs={msgs("items")} />
                      </span>
                    </td>
                    <td colSpan={2} className="num">
                      Total{total.complete ? "" : " so far"}
                    </td>
                    <td className="num" data-testid="form-total" data-field="total">
                      {formatMoney(total.total)}
                      <FieldMsgs msgs={msgs("total")} />
                    </td>
                    <td />
                  </tr>
                </tfoot>
              </table>
            </div>
          )}

          <div className="card">
            <div className="card-head">Documents and note</div>
            <div className="card-body col">
              <Attachments value={form.attachments} onChange={(a) => update({ attachments: a })} fieldError={[...msgs("attachments"), ...form.attachments.flatMap((_, i) => msgs(`attachments[${i}]`))].map((m) => m.text).join(" ") || null} />
              <Field name="note" label="Note to the payer" msgs={msgs("note")}>
                <textarea className="input" rows={2} value={form.note ?? ""} onChange={(e) => update({ note: e.target.value })} />
              </Field>
            </div>
          </div>
          <button type="submit" hidden />
        </form>

        <aside className="col sticky" style={{ gap: 12 }}>
          <div className="card" data-testid="checker">
            <div className="card-head">
              Checker
              <span className="spacer" />
              {checking ? <span className="spin" aria-label="Checking" /> : null}
            </div>
            <div className="card-body">
              {checkError ? (
                <ErrorBanner error={checkError} onRetry={() => void runCheck(form)} />
              ) : findings === null ? (
                <div className="muted small">Findings appear here and at their fields as you fill the form.</div>
              ) : findings.length === 0 && local.size === 0 ? (
                <div className="banner ok">No problems found.</div>
              ) : (
                <>
                  <div className="small" style={{ marginBottom: 6 }} data-testid="checker-counts">
                    {errorCount + local.size > 0 && <b className="sev-error">{errorCount + local.size} error{errorCount + local.size === 1 ? "" : "s"}</b>}
                    {errorCount + local.size > 0 && warningCount > 0 && " · "}
                    {warningCount > 0 && <span className="sev-warning">{warningCount} warning{warningCount === 1 ? "" : "s"}</span>}
                  </div>
                  {general.length > 0 && <div className="small muted">Not tied to a field:</div>}
                  <ul className="findings">
                    {findingList
                      .sort((a, b) => (a.field === null ? -1 : 0) - (b.field === null ? -1 : 0))
                      .map(({ f, field }, i) => (
                        <li key={i} onClick={() => field && focusField(field)} title={f.path}>
                          <span className={f.severity === "error" ? "sev-error" : "sev-warning"}>●</span>
                          <span>
                            {f.message}
                            <div className="where">{field ?? f.path}</div>
                          </span>
                        </li>
                      ))}
                  </ul>
                </>
              )}
            </div>
          </div>
          <div className="card">
            <div className="card-body col">
              {hasItems(form.useCase) && (
                <div className="row">
                  <span className="muted">Total</span>
                  <span className="spacer" />
                  <b style={{ fontSize: 16 }} className="num">
                    {formatMoney(total.total)}
                  </b>
                </div>
              )}
              {sendError && <ErrorBanner error={sendError} onRetry={sendError.retryable ? () => void doSend() : undefined} />}
              <button type="button" className="btn primary" style={{ justifyContent: "center", height: 36 }} disabled={blocked || sending} onClick={trySend} data-testid="send">
                {sending && <span className="spin" />}
                Send {useCaseLabel(form.useCase).toLowerCase()} <kbd>Ctrl</kbd>
                <kbd>↵</kbd>
              </button>
              {blocked && <div className="small sev-error">Fix the errors above to send.</div>}
              <button type="button" className="btn" style={{ justifyContent: "center" }} onClick={() => {
                  setShowAll(true);
                  void runCheck(form);
                }}
                disabled={checking}
              >
                Check now
              </button>
            </div>
          </div>
        </aside>
      </div>
      {confirmProd && (
        <Modal
          title="Send to PRODUCTION?"
          onClose={() => setConfirmProd(false)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirmProd(false)}>
                Cancel
              </button>
              <button type="button" className="btn danger solid" onClick={() => void doSend()} autoFocus>
                Send to the live exchange
              </button>
            </>
          }
        >
          This {useCaseLabel(form.useCase).toLowerCase()} goes to the live exchange for a real patient
          {hasItems(form.useCase) ? <> with a total of <b>{formatMoney(total.total)}</b></> : null}.
        </Modal>
      )}
    </div>
  );
}
