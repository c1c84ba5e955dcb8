// Step 5: the go-live checklist of the production profile, the staff-training tick, and pilot
// mode with its list of counterparties.

import { useEffect, useState } from "react";
import { markStaffTrained, setPilot, useProfile as switchProfile, type GoLiveView } from "../../api";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import { ErrorBanner } from "../../components/ErrorBanner";
import { describeError, type DescribedError } from "../../lib/errors";
import { parseCodes } from "../../lib/registration";
import { formatLocal } from "../../lib/time";

const MARK: Record<string, { icon: string; tone: string; label: string }> = {
  done: { icon: "✓", tone: "ok", label: "Done" },
  pending: { icon: "○", tone: "neutral", label: "Pending" },
  blocked: { icon: "✗", tone: "danger", label: "Blocked" },
};

export function GoLiveStep({ golive, onChange }: { golive: GoLiveView; onChange: () => void }) {
  const { counterparties, status, refreshStatus, toast } = useApp();
  const [trainer, setTrainer] = useState("");
  const [pilotOn, setPilotOn] = useState(golive.pilotEnabled);
  const [codes, setCodes] = useState<string[]>(golive.pilotCounterparties);
  const [adding, setAdding] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<DescribedError | null>(null);

  // A reload from elsewhere (another window, the CLI) replaces what is shown when nothing is edited.
  const saved = JSON.stringify([golive.pilotEnabled, golive.pilotCounterparties]);
  const dirty = JSON.stringify([pilotOn, codes]) !== saved;
  useEffect(() => {
    setPilotOn(golive.pilotEnabled);
    setCodes(golive.pilotCounterparties);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saved]);

  async function act(what: string, f: () => Promise<unknown>, done?: string) {
    setBusy(what);
    setError(null);
    try {
      await f();
      if (done) toast(done);
      onChange();
      refreshStatus();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  }

  function add() {
    const more = parseCodes(adding).filter((c) => !codes.includes(c));
    if (more.length) setCodes([...codes, ...more]);
    setAdding("");
  }

  const isActive = status?.profile?.id === golive.profileId;
  const nameOf = (code: string) => counterparties.find((c) => c.code === code)?.name;

  return (
    <div className="col" data-testid="step-golive">
      {error && <ErrorBanner error={error} />}
      <div className="card">
        <div className="card-head">
          Go-live checklist
          <span className={`chip ${golive.ready ? "tone-ok" : "tone-warn"}`} data-testid="golive-ready">
            {golive.ready ? "Ready to go live" : `${golive.items.filter((i) => i.status === "done").length} of ${golive.items.length} done`}
          </span>
          <span className="spacer" />
          {isActive ? (
            <span className="chip tone-danger">Working as this production profile</span>
          ) : (
            <button type="button" className="btn small" disabled={busy !== null} onClick={() => void act("switch", () => switchProfile(golive.profileId), "Now working on PRODUCTION")} data-testid="switch-to-production">
              Switch to the production profile
            </button>
          )}
        </div>
        <div className="card-body">
          <ul className="checks" data-testid="checklist">
            {golive.items.map((i) => {
              const m = MARK[i.status] ?? { icon: "?", tone: "neutral", label: i.status };
              return (
                <li key={i.id} data-item={i.id} data-status={i.status}>
                  <span className={`chip tone-${m.tone}`} title={m.label}>
                    {m.icon}
                  </span>
                  <b>{i.title}</b>
                  <span className={i.status === "blocked" ? "sev-error" : "muted"}>
                    {i.detail}
                    {i.id === "preflight_green" && i.status !== "done" && (
                      <>
                        {" "}
                        <Link to="/settings">Run preflight in Settings</Link> (as the production profile).
                      </>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      </div>

      <div className="grid-2 top">
        <div className="card">
          <div className="card-head">Staff trained</div>
          <div className="card-body col">
            {golive.staffTrainedBy ? (
              <div data-testid="staff-trained">
                ✓ Confirmed by <b>{golive.staffTrainedBy}</b>
                {golive.staffTrainedAt ? ` on ${formatLocal(golive.staffTrainedAt)}` : ""}.
              </div>
            ) : (
              <div className="muted">Tick this once the desk staff know the new way of working.</div>
            )}
            <div className="row">
              <input className="input grow" placeholder="Your name" aria-label="Confirmed by" value={trainer} onChange={(e) => setTrainer(e.target.value)} data-testid="trainer-name" />
              <button type="button" className="btn" disabled={!trainer.trim() || busy !== null} onClick={() => void act("trained", () => markStaffTrained(golive.profileId, trainer.trim()), "Training confirmed")} data-testid="mark-trained">
                {busy === "trained" && <span className="spin" />}
                Staff trained
              </button>
            </div>
          </div>
        </div>

        <div className="card" data-testid="pilot-editor">
          <div className="card-head">
            Pilot mode
            <span className="spacer" />
            {dirty && <span className="small sev-warning">Not saved</span>}
          </div>
          <div className="card-body col">
            <label className="check">
              <input type="checkbox" checked={pilotOn} onChange={(e) => setPilotOn(e.target.checked)} data-testid="pilot-toggle" />
              <span>Send only to the pilot list until the desk turns pilot mode off</span>
            </label>
            <ul className="pilot-list" data-testid="pilot-list">
              {codes.length === 0 && <li className="muted">Nobody on the pilot list yet.</li>}
              {codes.map((c) => (
                <li key={c} data-code={c}>
                  <span className="mono">{c}</span>
                  {nameOf(c) && <span className="muted small"> {nameOf(c)}</span>}
                  <button type="button" className="btn small ghost" aria-label={`Remove ${c}`} onClick={() => setCodes(codes.filter((x) => x !== c))}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
            <div className="row">
              <input
                className="input grow mono"
                list="pilot-suggestions"
                placeholder="Participant code, e.g. 1000004178@hcx"
                aria-label="Add a counterparty"
                value={adding}
                onChange={(e) => setAdding(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    add();
                  }
                }}
                data-testid="pilot-add-input"
              />
              <datalist id="pilot-suggestions">
                {counterparties.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name}
                  </option>
                ))}
              </datalist>
              <button type="button" className="btn" disabled={!adding.trim()} onClick={add} data-testid="pilot-add">
                Add
              </button>
            </div>
            <div className="row">
              <button type="button" className="btn primary" disabled={!dirty || busy !== null} onClick={() => void act("pilot", () => setPilot(golive.profileId, pilotOn, codes), pilotOn ? "Pilot mode saved" : "Pilot mode off")} data-testid="save-pilot">
                {busy === "pilot" && <span className="spin" />}
                Save pilot settings
              </button>
            </div>
          </div>
        </div>
      </div>
    </div>
  );
}
