// Answer a payer's query: what was asked, a reply text and the documents, then send.

import { useState } from "react";
import { answerQuery, getThread, type AttachmentForm } from "../../api";
import { useApp } from "../../app/context";
import { useAsync } from "../../app/hooks";
import { Link, navigate } from "../../app/router";
import { Attachments } from "../../components/Attachments";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Icon } from "../../components/Icon";
import { describeError, type DescribedError } from "../../lib/errors";
import { useCaseLabel } from "../../lib/labels";
import { formatLocal } from "../../lib/time";

export function AnswerScreen({ correlationId }: { correlationId: string }) {
  const { toast } = useApp();
  const detail = useAsync(() => getThread(correlationId), [correlationId]);
  const [text, setText] = useState("");
  const [attachments, setAttachments] = useState<AttachmentForm[]>([]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<DescribedError | null>(null);

  const d = detail.data;
  const query = d ? [...d.timeline].reverse().find((n) => n.kind === "query") : undefined;
  const asked = query?.summary ?? null;
  const empty = text.trim() === "" && attachments.length === 0;

  async function send() {
    if (empty || sending) return;
    setSending(true);
    setError(null);
    try {
      await answerQuery({ correlationId, text: text.trim(), attachments });
      toast("Answer sent");
      navigate(`/thread/${encodeURIComponent(correlationId)}`);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setSending(false);
    }
  }

  return (
    <div className="page" data-testid="answer">
      <div className="crumbs">
        <Link to="/queue">Work queue</Link> › <Link to={`/thread/${encodeURIComponent(correlationId)}`}>{d ? `${useCaseLabel(d.thread.useCase)} · ${d.thread.patient ?? ""}` : "Cycle"}</Link> › Answer query
      </div>
      <div className="page-head">
        <h1>Answer the query</h1>
      </div>
      {detail.error && <ErrorBanner error={detail.error} onRetry={detail.reload} />}
      <div className="compose">
        <div className="col" style={{ gap: 12 }}>
          <div className="card">
            <div className="card-head">
              What the payer asked
              {query && <span className="muted small">{formatLocal(query.at)}</span>}
            </div>
            <div className="card-body">
              {query ? (
                <>
                  <div style={{ marginBottom: 6 }}>{query.headline}</div>
                  {asked?.documentsRequested?.length ? (
                    <ul className="attach-list">
                      {asked.documentsRequested.map((doc) => (
                        <li key={doc}>
                          <Icon name="file" /> {doc}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  {(asked?.messages ?? []).map((m, i) => (
                    <div key={i} style={{ whiteSpace: "pre-wrap" }}>
                      {m}
                    </div>
                  ))}
                  {(asked?.decision?.notes ?? []).map((m, i) => (
                    <div key={`n${i}`} style={{ whiteSpace: "pre-wrap" }}>
                      {m}
                    </div>
                  ))}
                </>
              ) : (
                <div className="muted">No query found on this cycle.</div>
              )}
            </div>
          </div>
          <div className="card">
            <div className="card-head">Your answer</div>
            <div className="card-body col">
              <textarea
                className="input"
                rows={5}
                value={text}
                onChange={(e) => setText(e.target.value)}
                placeholder="Explain, or list what you attach"
                aria-label="Answer"
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send();
                }}
              />
              <Attachments value={attachments} onChange={setAttachments} />
            </div>
          </div>
        </div>
        <aside className="col sticky">
          <div className="card">
            <div className="card-body col">
              {error && <ErrorBanner error={error} />}
              <button type="button" className="btn primary" style={{ justifyContent: "center", height: 36 }} disabled={empty || sending} onClick={() => void send()} data-testid="send-answer">
                {sending && <span className="spin" />}
                Send answer <kbd>Ctrl</kbd>
                <kbd>↵</kbd>
              </button>
              <div className="small muted">
                {attachments.length} document{attachments.length === 1 ? "" : "s"} attached
              </div>
            </div>
          </div>
        </aside>
      </div>
    </div>
  );
}
