// Step 4: production credentials go from the operator straight into the OS keychain; the UI
// only ever learns when. "Report a compromise" rotates the secret and the key pair.

import { useState } from "react";
import { fetchCredentials, reportCompromise, type CompromiseView, type GoLiveView } from "../../api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Modal } from "../../components/Modal";
import { describeError, type DescribedError } from "../../lib/errors";
import { formatLocal } from "../../lib/time";

export function CredentialsStep({ golive, onChange, onNext }: { golive: GoLiveView; onChange: () => void; onNext: () => void }) {
  const app = golive.application;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DescribedError | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [note, setNote] = useState("");
  const [rotated, setRotated] = useState<CompromiseView | null>(null);

  async function fetchNow() {
    setBusy(true);
    setError(null);
    try {
      await fetchCredentials(golive.profileId);
      onChange();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  async function compromise() {
    setBusy(true);
    setError(null);
    try {
      setRotated(await reportCompromise(golive.profileId, note));
      setConfirm(false);
      setNote("");
      onChange();
    } catch (e) {
      setError(describeError(e));
      setConfirm(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card" data-testid="step-credentials">
      <div className="card-head">
        Production credentials
        <span className="spacer" />
        {golive.credentialsStoredAt && (
          <button type="button" className="btn small" onClick={onNext} data-testid="to-golive">
            Next: go-live checklist
          </button>
        )}
      </div>
      <div className="card-body col">
        {error && <ErrorBanner error={error} />}
        {golive.credentialsStoredAt ? (
          <div className="banner ok" data-testid="credentials-stored">
            Stored in the OS keychain at {formatLocal(golive.credentialsStoredAt)}. The secret is never shown on screen.
          </div>
        ) : app?.credentials === "ready" ? (
          <div className="row">
            <button type="button" className="btn primary" disabled={busy} onClick={() => void fetchNow()} data-testid="fetch-credentials">
              {busy && <span className="spin" />}
              Fetch production credentials
            </button>
            <span className="small muted">The operator issues them once; they go straight into the OS keychain.</span>
          </div>
        ) : (
          <div className="muted">The operator issues the production credentials once the application is approved.</div>
        )}
        {rotated && (
          <div className="banner warning" data-testid="compromise-result">
            Compromise handled at {formatLocal(rotated.secretRotatedAt)}: {rotated.keyRotated ? "new key pair generated" : "key pair NOT rotated"},{" "}
            {rotated.certificateUpdated ? "registry updated" : "registry NOT updated"}. New certificate <span className="mono">{rotated.fingerprint}</span>.
          </div>
        )}
        {golive.credentialsStoredAt && (
          <div className="row">
            <button type="button" className="btn danger" disabled={busy} onClick={() => setConfirm(true)} data-testid="report-compromise">
              Report a compromise
            </button>
            <span className="small muted">If the secret or the private key may have leaked.</span>
          </div>
        )}
      </div>
      {confirm && (
        <Modal
          title="Report a compromise"
          onClose={() => setConfirm(false)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirm(false)}>
                Cancel
              </button>
              <button type="button" className="btn danger solid" disabled={busy} onClick={() => void compromise()} data-testid="confirm-compromise">
                {busy && <span className="spin" />}
                Rotate the secret and the key pair
              </button>
            </>
          }
        >
          <p>
            This <b>rotates the secret and the key pair</b>: the console generates a new key, registers its certificate with HCX and stores a new
            secret in the keychain. Messages in flight encrypted to the old key may need to be sent again.
          </p>
          <div className="field">
            <label htmlFor="compromise-note">What happened (for the operator)</label>
            <textarea id="compromise-note" className="input" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
        </Modal>
      )}
    </div>
  );
}
