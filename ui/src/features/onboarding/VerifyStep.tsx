// Step 3: where the application stands at the operator, with its history; the OTP when the
// operator sent one (and, on the embedded sandbox, the "phone" it went to); the payer whose
// approval is awaited; the reasons of a rejection.

import { useState } from "react";
import { applicationStatus, resendOtp, sandboxOperatorMessages, submitOtp, type ApplicationView } from "../../api";
import { useAsync } from "../../app/hooks";
import { ErrorBanner } from "../../components/ErrorBanner";
import { describeError, type DescribedError } from "../../lib/errors";
import { formatLocal } from "../../lib/time";

const STATE_TEXT: Record<string, { label: string; tone: string }> = {
  submitted: { label: "Submitted", tone: "progress" },
  verifying: { label: "Verifying", tone: "progress" },
  awaiting_otp: { label: "Waiting for the OTP", tone: "warn" },
  awaiting_payer_approval: { label: "Waiting for the payer's approval", tone: "warn" },
  manual_review: { label: "With an operator", tone: "info" },
  approved: { label: "Approved", tone: "ok" },
  rejected: { label: "Rejected", tone: "danger" },
};

export function applicationStateChip(state: string) {
  const s = STATE_TEXT[state] ?? { label: state.replace(/_/g, " "), tone: "neutral" };
  return (
    <span className={`chip tone-${s.tone}`} data-app-state={state}>
      {s.label}
    </span>
  );
}

function SandboxPhone({ applicationId, tick }: { applicationId: string; tick: number }) {
  const msgs = useAsync(() => sandboxOperatorMessages(applicationId), [applicationId, tick]);
  return (
    <div className="phone" data-testid="sandbox-phone" aria-label="Sandbox phone">
      <div className="phone-head">
        Sandbox phone
        <span className="spacer" />
        <button type="button" className="btn small ghost" onClick={msgs.reload}>
          Refresh
        </button>
      </div>
      <div className="small muted">What the sandbox operator "sent" by SMS and e-mail. On production the OTP reaches the real phone.</div>
      {msgs.error && <div className="small sev-error">{msgs.error.message}</div>}
      {msgs.data?.length === 0 && <div className="small muted">No messages yet.</div>}
      <ul className="phone-msgs">
        {(msgs.data ?? []).map((m, i) => (
          <li key={`${m.at}-${i}`}>
            <div className="tiny muted">
              {m.channel.toUpperCase()} to {m.to} · {formatLocal(m.at)}
            </div>
            <div>{m.text}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function VerifyStep({ app, embeddedSandbox, onChange }: { app: ApplicationView; embeddedSandbox: boolean; onChange: () => void }) {
  const [otp, setOtp] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<DescribedError | null>(null);
  const [phoneTick, setPhoneTick] = useState(0);

  async function act(what: string, f: () => Promise<unknown>) {
    setBusy(what);
    setError(null);
    try {
      await f();
      onChange();
      setPhoneTick((t) => t + 1);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="card" data-testid="step-verify">
      <div className="card-head">
        Application <span className="mono">{app.applicationId}</span>
        {applicationStateChip(app.state)}
        <span className="spacer" />
        <button type="button" className="btn small" disabled={busy !== null} onClick={() => void act("refresh", () => applicationStatus(app.profileId))} data-testid="refresh-application">
          {busy === "refresh" && <span className="spin" />}
          Refresh
        </button>
      </div>
      <div className="card-body col">
        {error && <ErrorBanner error={error} />}
        <dl className="kv">
          <dt>Applicant</dt>
          <dd>{app.participantName}</dd>
          <dt>Kind</dt>
          <dd>{app.kind.replace(/_/g, " ")}</dd>
          <dt>Submitted</dt>
          <dd>{formatLocal(app.submittedAt)}</dd>
          {app.participantCode && (
            <>
              <dt>Production code</dt>
              <dd className="mono" data-testid="production-code">
                {app.participantCode}
              </dd>
            </>
          )}
        </dl>
        {app.state === "awaiting_otp" && (
          <div className="otp-row">
            <div className="col grow">
              <div className="banner info">
                The operator sent a one-time password{app.otpSentTo ? ` to ${app.otpSentTo}` : ""}. Enter it to confirm the contact.
              </div>
              <div className="row">
                <label htmlFor="otp" className="label">
                  OTP
                </label>
                <input
                  id="otp"
                  className="input mono"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  maxLength={8}
                  value={otp}
                  onChange={(e) => setOtp(e.target.value.replace(/\s/g, ""))}
                  data-testid="otp-input"
                />
                <button type="button" className="btn primary" disabled={!otp || busy !== null} onClick={() => void act("otp", () => submitOtp(app.profileId, otp))} data-testid="submit-otp">
                  {busy === "otp" && <span className="spin" />}
                  Confirm OTP
                </button>
                <button type="button" className="btn" disabled={busy !== null} onClick={() => void act("resend", () => resendOtp(app.profileId))}>
                  Send it again
                </button>
              </div>
            </div>
            {embeddedSandbox && <SandboxPhone applicationId={app.applicationId} tick={phoneTick} />}
          </div>
        )}
        {app.state === "awaiting_payer_approval" && (
          <div className="banner warning" data-testid="awaiting-payer">
            Waiting for {app.awaitingPayer ?? "the payer or scheme that empanelled you"} to approve the empanelment. They decide in their own console;
            press Refresh to ask the operator again.
          </div>
        )}
        {app.state === "manual_review" && <div className="banner info">An operator reviews this application case by case and will contact you.</div>}
        {app.state === "rejected" && (
          <div className="banner error" role="alert" data-testid="rejection">
            <div>
              <b>Rejected.</b>
              <ul className="plain">
                {app.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </div>
          </div>
        )}
        {app.state === "approved" && <div className="banner ok">Approved: the production participant {app.participantCode} is Active.</div>}
        <h3>History</h3>
        <ol className="history" data-testid="history">
          {app.history.map((h, i) => (
            <li key={`${h.at}-${i}`}>
              <span className="tiny muted nowrap">{formatLocal(h.at)}</span>
              {applicationStateChip(h.state)}
              <span>{h.note}</span>
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}
