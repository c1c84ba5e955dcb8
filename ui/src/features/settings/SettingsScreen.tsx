// Profile and settings: which participant the desk works as (with its environment), adding a
// desk on the embedded sandbox, the key and certificate status, the preflight checks, and the
// incoming messages parked as dead letters.

import { useState, type FormEvent } from "react";
import { addSandboxDesk, keyStatus, listProfiles, runPreflight, useProfile as switchProfile, type PreflightCheck } from "../../api";
import { useApp } from "../../app/context";
import { useAsync, useNow } from "../../app/hooks";
import { ErrorBanner } from "../../components/ErrorBanner";
import { DESK_ROLES } from "../../lib/desks";
import { describeError, type DescribedError } from "../../lib/errors";
import { daysUntil, formatLocal } from "../../lib/time";
import { DeadLetters } from "./DeadLetters";

export function SettingsScreen() {
  const { changeTick, refreshCounterparties, refreshStatus, status, toast } = useApp();
  const now = useNow();
  const profiles = useAsync(() => listProfiles(), [changeTick]);
  const keys = useAsync(() => keyStatus(), [changeTick]);
  const [switching, setSwitching] = useState<string | null>(null);
  const [switchError, setSwitchError] = useState<DescribedError | null>(null);
  const [checks, setChecks] = useState<PreflightCheck[] | null>(null);
  const [running, setRunning] = useState(false);
  const [preflightError, setPreflightError] = useState<DescribedError | null>(null);

  async function use(id: string) {
    setSwitching(id);
    setSwitchError(null);
    try {
      const p = await switchProfile(id);
      toast(`Now working as ${p.name} (${p.environment})`);
      setChecks(null);
      refreshStatus();
      profiles.reload();
      keys.reload();
    } catch (e) {
      setSwitchError(describeError(e));
    } finally {
      setSwitching(null);
    }
  }

  async function addDesk(name: string, role: string) {
    const p = await addSandboxDesk(name, role);
    toast(`Added ${p.name} as ${p.participantCode}`);
    profiles.reload();
    refreshCounterparties();
  }

  async function preflight() {
    setRunning(true);
    setPreflightError(null);
    try {
      setChecks(await runPreflight());
    } catch (e) {
      setPreflightError(describeError(e));
    } finally {
      setRunning(false);
    }
  }

  const k = keys.data;
  const days = k?.certificateExpiresAt ? daysUntil(k.certificateExpiresAt, now) : null;
  const expiryTone = days === null ? "" : days < 0 ? "sev-error" : days < 7 ? "sev-error" : days < 30 ? "sev-warning" : "";
  const passed = checks?.filter((c) => c.ok).length ?? 0;

  return (
    <div className="page" data-testid="settings">
      <div className="page-head">
        <h1>Profile & settings</h1>
      </div>
      <div className="card">
        <div className="card-head">Participant profiles</div>
        <div className="card-body">
          {profiles.error && <ErrorBanner error={profiles.error} onRetry={profiles.reload} />}
          {switchError && <ErrorBanner error={switchError} />}
          <div className="profiles">
            {(profiles.data ?? []).map((p) => (
              <div key={p.id} className={`profile-card ${p.active ? "active" : ""}`} data-profile={p.id}>
                <div className="row">
                  <span className={`env-pill ${p.environment}`}>{p.environment.toUpperCase()}</span>
                  <span className="spacer" />
                  {p.active ? (
                    <span className="chip tone-ok">Active</span>
                  ) : (
                    <button type="button" className="btn small" onClick={() => void use(p.id)} disabled={switching !== null}>
                      {switching === p.id && <span className="spin" />}
                      Use this profile
                    </button>
                  )}
                </div>
                <b>{p.name}</b>
                <span className="mono small">{p.participantCode}</span>
                <span className="small muted">Roles: {p.roles.join(", ")}</span>
                <span className="small muted mono">{p.gatewayUrl}</span>
                {p.pilotCounterparties && <span className="small sev-warning">Pilot mode: sends only to {p.pilotCounterparties.join(", ")}</span>}
              </div>
            ))}
          </div>
          {status?.embeddedSandbox && <AddDesk onAdd={addDesk} />}
        </div>
      </div>

      <div className="grid-2" style={{ marginTop: 12, alignItems: "start" }}>
        <div className="card">
          <div className="card-head">Key and certificate</div>
          <div className="card-body">
            {keys.error && <ErrorBanner error={keys.error} onRetry={keys.reload} />}
            {k && (
              <dl className="kv" data-testid="key-status">
                <dt>Kept in</dt>
                <dd>{k.backend}</dd>
                <dt>Private key</dt>
                <dd>{k.hasPrivateKey ? <span className="chip tone-ok">Present</span> : <span className="chip tone-danger">Missing</span>}</dd>
                <dt>Fingerprint</dt>
                <dd className="mono">{k.fingerprint ?? "—"}</dd>
                <dt>Certificate expires</dt>
                <dd>
                  {k.certificateExpiresAt ? (
                    <>
                      {formatLocal(k.certificateExpiresAt)}{" "}
                      <b className={expiryTone} data-testid="cert-countdown">
                        {days !== null && (days < 0 ? `expired ${-days} days ago` : days === 0 ? "expires today" : `in ${days} days`)}
                      </b>
                    </>
                  ) : (
                    "—"
                  )}
                </dd>
                <dt>Previous key</dt>
                <dd>{k.hasPreviousKey ? "Kept for the rotation overlap (still decrypts late answers)" : "None"}</dd>
              </dl>
            )}
          </div>
        </div>
        <div className="card">
          <div className="card-head">
            Preflight
            {checks && (
              <span className={`chip ${passed === checks.length ? "tone-ok" : "tone-danger"}`} data-testid="preflight-result">
                {passed} of {checks.length} passed
              </span>
            )}
            <span className="spacer" />
            <button type="button" className="btn small primary" onClick={() => void preflight()} disabled={running} data-testid="run-preflight">
              {running && <span className="spin" />}
              Run checks
            </button>
          </div>
          <div className="card-body">
            {preflightError && <ErrorBanner error={preflightError} onRetry={() => void preflight()} />}
            {!checks && !running && <div className="muted">Checks the gateway, the access token, the registry record, that the registered certificate matches this key, and the callback mailbox.</div>}
            {checks && (
              <ul className="checks" data-testid="preflight">
                {checks.map((c) => (
                  <li key={c.name} data-ok={c.ok}>
                    <span className={c.ok ? "sev-ok" : "sev-error"} style={{ color: c.ok ? "var(--ok-fg)" : undefined }}>
                      {c.ok ? "✓" : "✗"}
                    </span>
                    <b>{c.name}</b>
                    <span className={c.ok ? "muted" : "sev-error"}>{c.detail}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      </div>
      <DeadLetters />
    </div>
  );
}

/**
 * A second desk on the embedded sandbox: its own participant, key and mailbox, so one console
 * can play both sides of a cycle offline (the clinic sends, the TPA desk answers).
 */
function AddDesk({ onAdd }: { onAdd: (name: string, role: string) => Promise<void> }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState(DESK_ROLES[0]?.role ?? "agency.tpa");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DescribedError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onAdd(name, role);
      setName("");
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card-body col add-desk" onSubmit={(e) => void submit(e)} data-testid="add-desk">
      <b>Add a desk on the embedded sandbox</b>
      <span className="small muted">
        A TPA or insurer desk answers what a provider desk sends, so one console can play both sides of a cycle offline. Each desk is its own participant, with its own key in the OS keychain.
      </span>
      {error && <ErrorBanner error={error} />}
      <div className="row">
        <input className="input grow" aria-label="Desk name" placeholder="Desk name, e.g. Swift TPA" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} data-testid="desk-name" />
        <select className="input" aria-label="Desk role" value={role} onChange={(e) => setRole(e.target.value)} data-testid="desk-role">
          {DESK_ROLES.map((d) => (
            <option key={d.role} value={d.role}>
              {d.label}
            </option>
          ))}
        </select>
        <button type="submit" className="btn primary" disabled={busy || !name.trim()} data-testid="add-desk-submit">
          {busy && <span className="spin" />}
          Add desk
        </button>
      </div>
    </form>
  );
}
