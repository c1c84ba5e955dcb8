// Step 1: run the sandbox conformance suite and show the certificate it earned.

import { useEffect, useState } from "react";
import { certify, type CertificationView } from "../../api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { describeError, type DescribedError } from "../../lib/errors";
import { formatLocalDate } from "../../lib/registration";
import { formatLocal } from "../../lib/time";

export function CertifyStep({
  profileId,
  certification,
  onDone,
  onNext,
}: {
  profileId: string;
  certification: CertificationView | null;
  onDone: () => void;
  onNext: () => void;
}) {
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<DescribedError | null>(null);
  const [result, setResult] = useState<CertificationView | null>(null);
  const cert = result ?? certification;

  useEffect(() => {
    if (!running) return;
    const started = Date.now();
    const id = window.setInterval(() => setElapsed(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => window.clearInterval(id);
  }, [running]);

  async function run() {
    setRunning(true);
    setElapsed(0);
    setError(null);
    try {
      setResult(await certify(profileId));
      onDone();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setRunning(false);
    }
  }

  const passed = cert?.scenarios.filter((s) => s.passed).length ?? 0;
  return (
    <div className="card" data-testid="step-certify">
      <div className="card-head">
        Sandbox certification
        {cert && (
          <span className={`chip ${cert.state === "valid" ? "tone-ok" : "tone-danger"}`} data-testid="cert-state">
            {cert.state === "valid" ? `Valid until ${formatLocalDate(cert.expiresAt)}` : cert.state === "expired" ? "Expired" : "Refused"}
          </span>
        )}
        <span className="spacer" />
        {cert?.state === "valid" && !running && (
          <button type="button" className="btn" onClick={onNext} data-testid="to-register">
            Next: register
          </button>
        )}
        <button type="button" className={`btn ${cert?.state === "valid" ? "" : "primary"}`} onClick={() => void run()} disabled={running} data-testid="run-certification">
          {running && <span className="spin" />}
          {cert ? "Run certification suite again" : "Run certification suite"}
        </button>
      </div>
      <div className="card-body col">
        {error && <ErrorBanner error={error} onRetry={() => void run()} />}
        {running && (
          <div className="banner info" role="status" data-testid="cert-running">
            <span className="spin" /> Running the conformance suite against the sandbox… {elapsed} s (it takes 10 to 60 seconds). The eligibility,
            preauth, claim, communication and payment-notice cycles run for your role, sunny and error cases.
          </div>
        )}
        {!cert && !running && (
          <div className="muted">
            The suite sends and answers what your role does against the sandbox and earns a signed sandbox certificate. The HCX operator checks it
            when you register for production.
          </div>
        )}
        {cert && (
          <>
            <dl className="kv">
              <dt>Participant</dt>
              <dd className="mono">{cert.participantCode}</dd>
              <dt>Role · version</dt>
              <dd>
                {cert.role} · {cert.protocolVersion}
              </dd>
              <dt>Issued by</dt>
              <dd className="mono">{cert.sandbox}</dd>
              <dt>Issued · expires</dt>
              <dd>
                {formatLocal(cert.issuedAt)} · {formatLocal(cert.expiresAt)}
              </dd>
              <dt>Scenarios</dt>
              <dd>
                {passed} of {cert.scenarios.length} passed
              </dd>
            </dl>
            {cert.reasons.length > 0 && (
              <div className="banner error" role="alert" data-testid="cert-reasons">
                <div>
                  <b>Not valid.</b>
                  <ul className="plain">
                    {cert.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                </div>
              </div>
            )}
            <table className="grid" data-testid="scenarios">
              <thead>
                <tr>
                  <th>Scenario</th>
                  <th>Result</th>
                  <th>Detail</th>
                  <th>API call ids</th>
                </tr>
              </thead>
              <tbody>
                {cert.scenarios.map((s) => (
                  <tr key={s.name} data-scenario={s.name} data-passed={s.passed}>
                    <td className="mono small">{s.name}</td>
                    <td>
                      <span className={`chip ${s.passed ? "tone-ok" : "tone-danger"}`}>{s.passed ? "Passed" : "Failed"}</span>
                    </td>
                    <td className={s.passed ? "" : "sev-error"}>{s.detail}</td>
                    <td className="mono tiny">
                      {s.apiCallIds.map((id) => (
                        <div key={id}>{id}</div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </div>
  );
}
