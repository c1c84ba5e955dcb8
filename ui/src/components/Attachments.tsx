// Picks files, reads them to base64 with a progress bar each, and lists what is attached.

import { useRef, useState } from "react";
import type { AttachmentForm } from "../api";
import { formatBytes, readFileAsBase64 } from "../lib/files";
import { Icon } from "./Icon";

interface Reading {
  id: number;
  name: string;
  size: number;
  progress: number;
  error: string | null;
}

let readingSeq = 0;

export function Attachments({ value, onChange, fieldError }: { value: AttachmentForm[]; onChange: (next: AttachmentForm[]) => void; fieldError?: string | null }) {
  const [reading, setReading] = useState<Reading[]>([]);

  function pick(files: FileList | null) {
    if (!files) return;
    for (const file of Array.from(files)) {
      const id = ++readingSeq;
      setReading((r) => [...r, { id, name: file.name, size: file.size, progress: 0, error: null }]);
      readFileAsBase64(file, (p) => setReading((r) => r.map((x) => (x.id === id ? { ...x, progress: p } : x)))).then(
        (data) => {
          setReading((r) => r.filter((x) => x.id !== id));
          onChangeLatest.current([...valueLatest.current, { title: file.name, contentType: file.type || "application/octet-stream", dataBase64: data }]);
        },
        (e: unknown) => setReading((r) => r.map((x) => (x.id === id ? { ...x, error: e instanceof Error ? e.message : String(e) } : x))),
      );
    }
  }

  // Files finish in any order; each completion appends to the latest list, not a stale one.
  const valueLatest = useLatest(value);
  const onChangeLatest = useLatest(onChange);

  return (
    <div data-field="attachments">
      <label className="btn small">
        <Icon name="plus" size={14} /> Attach files
        <input type="file" multiple hidden data-testid="file-input" onChange={(e) => { pick(e.target.files); e.target.value = ""; }} />
      </label>
      <span className="muted small" style={{ marginLeft: 8 }}>PDF or images, up to 10 MB each</span>
      {fieldError && <div className="field-msg warning">{fieldError}</div>}
      <ul className="attach-list">
        {value.map((a, i) => (
          <li key={`${a.title}-${i}`}>
            <Icon name="file" />
            <span className="grow">{a.title}</span>
            <span className="muted small">{formatBytes(Math.floor((a.dataBase64.length * 3) / 4))}</span>
            <button type="button" className="btn ghost small" onClick={() => onChange(value.filter((_, j) => j !== i))} aria-label={`Remove ${a.title}`}>
              <Icon name="x" size={14} />
            </button>
          </li>
        ))}
        {reading.map((r) => (
          <li key={r.id}>
            <Icon name="file" />
            <span style={{ width: 180 }} className="nowrap">{r.name}</span>
            {r.error ? (
              <span className="sev-error small grow">{r.error}</span>
            ) : (
              <div className="progress" role="progressbar" aria-valuenow={Math.round(r.progress * 100)} aria-valuemin={0} aria-valuemax={100}>
                <div style={{ width: `${Math.round(r.progress * 100)}%` }} />
              </div>
            )}
            <span className="muted small">{r.error ? "" : `${Math.round(r.progress * 100)}% of ${formatBytes(r.size)}`}</span>
            {r.error && (
              <button type="button" className="btn ghost small" onClick={() => setReading((x) => x.filter((y) => y.id !== r.id))}>
                Dismiss
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function useLatest<T>(v: T) {
  const r = useRef(v);
  r.current = v;
  return r;
}
