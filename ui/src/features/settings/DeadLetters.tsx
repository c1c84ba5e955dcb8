// Incoming messages the console could not handle after several tries ("dead letters"). They
// were acknowledged so the mailbox moves on; each keeps its body and error, and "Try again"
// reads it once more (after the cause, e.g. a bug fix or a full disk, is gone).

import { useState } from "react";
import { listDeadLetters, retryDeadLetter } from "../../api";
import type { DeadLetterView } from "../../bindings/DeadLetterView";
import { useApp } from "../../app/context";
import { useAsync } from "../../app/hooks";
import { ErrorBanner } from "../../components/ErrorBanner";
import { describeError, type DescribedError } from "../../lib/errors";
import { formatLocal } from "../../lib/time";

export function DeadLetters() {
  const { changeTick, toast } = useApp();
  const letters = useAsync(() => listDeadLetters(), [changeTick]);
  const [retrying, setRetrying] = useState<number | null>(null);
  const [retryError, setRetryError] = useState<DescribedError | null>(null);

  async function retry(l: DeadLetterView) {
    setRetrying(l.id);
    setRetryError(null);
    try {
      await retryDeadLetter(l.id);
      toast(`Read ${l.path} again`);
    } catch (e) {
      setRetryError(describeError(e));
    } finally {
      setRetrying(null);
      letters.reload();
    }
  }

  const rows = letters.data ?? [];
  return (
    <div className="card" style={{ marginTop: 12 }} data-testid="dead-letters">
      <div className="card-head">
        Problems: messages that could not be handled
        {rows.length > 0 && <span className="chip tone-danger">{rows.length}</span>}
      </div>
      <div className="card-body">
        {letters.error && <ErrorBanner error={letters.error} onRetry={letters.reload} />}
        {retryError && <ErrorBanner error={retryError} />}
        {rows.length === 0 && !letters.error && <div className="muted">None. Every incoming message was handled.</div>}
        {rows.length > 0 && (
          <ul className="checks">
            {rows.map((l) => (
              <li key={l.id} data-dead-letter={l.id}>
                <span className="sev-error">✗</span>
                <b className="mono">{l.path}</b>
                <span className="small muted">
                  {l.sender ?? "unknown sender"} · cycle {l.correlationId ?? "unknown"} · {l.attempts} tries · last{" "}
                  {formatLocal(l.lastAttemptAt)}
                </span>
                <span className="sev-error">{l.error}</span>
                <button type="button" className="btn small" onClick={() => void retry(l)} disabled={retrying !== null}>
                  {retrying === l.id && <span className="spin" />}
                  Try again
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
