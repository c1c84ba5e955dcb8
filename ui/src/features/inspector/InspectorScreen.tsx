// The inspector: paste a JWE or a callback body ({"payload": "<JWE>"}) and see its protected
// headers, the decrypted payload, its FHIR summary and what is wrong with it.

import { useState } from "react";
import { inspect, type InspectView } from "../../api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { JsonView } from "../../components/JsonView";
import { SummaryView } from "../../components/SummaryView";
import { describeError, type DescribedError } from "../../lib/errors";
import { HeadersTable } from "../thread/ThreadScreen";

export function InspectorScreen() {
  const [text, setText] = useState("");
  const [view, setView] = useState<InspectView | null>(null);
  const [error, setError] = useState<DescribedError | null>(null);
  const [busy, setBusy] = useState(false);

  async function run() {
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setView(await inspect(text.trim()));
    } catch (e) {
      setError(describeError(e));
      setView(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page" data-testid="inspector">
      <div className="page-head">
        <h1>Inspector</h1>
        <span className="muted">Decrypts with the active profile's key, on this machine only.</span>
      </div>
      <div className="card">
        <div className="card-body col">
          <textarea
            className="input mono"
            rows={6}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={'Paste a compact JWE (five base64url parts separated by dots) or a callback body {"payload": "…"}'}
            aria-label="JWE or callback body"
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void run();
            }}
            spellCheck={false}
          />
          <div className="row">
            <button type="button" className="btn primary" onClick={() => void run()} disabled={busy || !text.trim()} data-testid="inspect">
              {busy && <span className="spin" />}
              Inspect <kbd>Ctrl</kbd>
              <kbd>↵</kbd>
            </button>
            <button type="button" className="btn ghost" onClick={() => { setText(""); setView(null); setError(null); }}>
              Clear
            </button>
          </div>
        </div>
      </div>
      {error && (
        <div style={{ marginTop: 12 }}>
          <ErrorBanner error={error} />
        </div>
      )}
      {view && (
        <div className="col" style={{ marginTop: 12, gap: 12 }}>
          {view.errors.length > 0 && (
            <div className="banner error" data-testid="inspect-errors">
              <div>
                {view.errors.map((e) => (
                  <div key={e}>{e}</div>
                ))}
              </div>
            </div>
          )}
          {view.protected !== null && (
            <div className="card">
              <div className="card-head">
                Protected headers {view.alg && <span className="tag mono">{view.alg}</span>}
              </div>
              <div className="card-body">
                <HeadersTable headers={view.protected} />
              </div>
            </div>
          )}
          {view.summary !== null && (
            <div className="card">
              <div className="card-head">FHIR summary</div>
              <div className="card-body">
                <SummaryView value={view.summary} />
              </div>
            </div>
          )}
          {view.payload !== null && (
            <div className="card">
              <div className="card-head">Decrypted payload</div>
              <div className="card-body">
                <JsonView value={view.payload} open={1} />
              </div>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
