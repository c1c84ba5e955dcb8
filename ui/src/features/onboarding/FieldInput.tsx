// One registration field, rendered from its FieldView: the control its kind asks for, its help,
// and the findings at its path. Automatic fields are shown read-only.

import { useState, type ReactNode } from "react";
import type { FieldView, FindingView } from "../../api";
import { getPath, textAt } from "../../lib/appJson";
import { DOCUMENT_TYPES, documentFromFile, isDocument } from "../../lib/documents";
import { formatBytes } from "../../lib/files";
import { controlFor, isError, valueFromControl } from "../../lib/registration";

export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

function preview(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > 64 ? `${t.slice(0, 40)}…${t.slice(-16)}` : t;
}

export function FieldInput({
  field,
  roles,
  application,
  findings,
  showFindings,
  onChange,
  onTouched,
}: {
  field: FieldView;
  roles: string[];
  application: Record<string, unknown>;
  findings: FindingView[];
  showFindings: boolean;
  onChange: (value: unknown) => void;
  onTouched: () => void;
}) {
  const [fileError, setFileError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const id = fieldId(field.path);
  const control = controlFor(field, roles);
  const shown = showFindings ? findings : [];
  const hasError = shown.some(isError);
  const cls = `input ${hasError ? "has-error" : shown.length ? "has-warning" : ""}`;
  const value = getPath(application, field.path);

  async function attach(file: File | undefined) {
    setFileError(null);
    if (!file) return;
    setReading(true);
    try {
      onChange(await documentFromFile(file));
    } catch (e) {
      setFileError(e instanceof Error ? e.message : String(e));
    } finally {
      setReading(false);
      onTouched();
    }
  }

  let input: ReactNode;
  if (field.automatic) {
    const text = textAt(application, field.path);
    input = (
      <div className="field-auto" id={id}>
        <span className="mono small">{text ? preview(text) : "—"}</span>
        <span className="chip tone-muted">filled in by the console</span>
      </div>
    );
  } else if (control.element === "checkbox") {
    input = (
      <label className="check">
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => { onChange(valueFromControl(field, e.target.checked)); onTouched(); }} />
        <span>{field.label}</span>
      </label>
    );
  } else if (control.element === "select") {
    const v = textAt(application, field.path);
    input = (
      <select id={id} className={cls} value={v} onChange={(e) => { onChange(valueFromControl(field, e.target.value)); onTouched(); }}>
        {!control.options.some((o) => o.value === v) && <option value={v}>{v ? v : "Choose…"}</option>}
        {control.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (control.element === "textarea") {
    input = (
      <textarea
        id={id}
        className={`${cls} ${control.mono ? "mono" : ""}`}
        rows={control.rows}
        placeholder={control.placeholder}
        value={textAt(application, field.path)}
        onChange={(e) => onChange(valueFromControl(field, e.target.value))}
        onBlur={onTouched}
      />
    );
  } else if (control.element === "file") {
    input = (
      <div className="doc-field">
        {isDocument(value) ? (
          <div className="doc-line" data-testid="document">
            <span className="grow">
              <b>{value.title}</b> <span className="muted">{value.content_type} · {formatBytes(value.size)}</span>{" "}
              <span className="mono tiny">SHA-256 {value.sha256.slice(0, 16)}…</span>
            </span>
            <button type="button" className="btn small ghost" onClick={() => { onChange(null); onTouched(); }}>
              Remove
            </button>
          </div>
        ) : (
          <input id={id} type="file" accept={DOCUMENT_TYPES.join(",")} onChange={(e) => void attach(e.target.files?.[0])} disabled={reading} />
        )}
        {reading && <span className="small muted"><span className="spin" /> Reading and hashing…</span>}
        {fileError && <div className="field-msg error">{fileError}</div>}
      </div>
    );
  } else {
    input = (
      <input
        id={id}
        className={cls}
        type={control.type}
        inputMode={control.inputMode}
        placeholder={control.placeholder}
        maxLength={control.maxLength}
        value={textAt(application, field.path)}
        onChange={(e) => onChange(valueFromControl(field, e.target.value))}
        onBlur={onTouched}
        autoComplete="off"
      />
    );
  }

  return (
    <div className={`field ${field.kind === "long_text" || field.kind === "certificate_pem" || field.kind === "sandbox_certificate" || field.kind === "acknowledgement" || field.kind === "document" ? "wide" : ""}`} data-field={field.path} data-kind={field.kind}>
      {control.element !== "checkbox" || field.automatic ? (
        <label htmlFor={id}>
          {field.label}
          {field.required && !field.automatic && <span className="req"> *</span>}
        </label>
      ) : null}
      {input}
      {field.help && <span className="small muted">{field.help}</span>}
      {shown.map((f) => (
        <div key={`${f.rule}-${f.message}`} className={`field-msg ${isError(f) ? "error" : "warning"}`}>
          {f.message}
        </div>
      ))}
    </div>
  );
}
