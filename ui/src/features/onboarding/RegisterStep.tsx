// Step 2: "I am registering a …", then the form of that kind, generated from its FieldViews,
// autosaved as a draft (which returns the findings), and submitted once it has no errors.

import { useEffect, useMemo, useRef, useState } from "react";
import {
  registrationDraft,
  registrationKinds,
  saveRegistrationDraft,
  submitRegistration,
  type ApplicationView,
  type FindingView,
  type RegistrationDraftView,
} from "../../api";
import { useAsync } from "../../app/hooks";
import { ErrorBanner } from "../../components/ErrorBanner";
import { setPath } from "../../lib/appJson";
import { describeError, type DescribedError } from "../../lib/errors";
import { canSubmit, findingsByPath, isError, isFilled, unplacedFindings } from "../../lib/registration";
import { formatLocalTime } from "../../lib/time";
import { FieldInput } from "./FieldInput";

const AUTOSAVE_MS = 600;

export function RegisterStep({
  profileId,
  draft,
  certified,
  onSubmitted,
}: {
  profileId: string;
  draft: RegistrationDraftView | null;
  certified: boolean;
  onSubmitted: (app: ApplicationView) => void;
}) {
  const kinds = useAsync(() => registrationKinds(), []);
  const [kind, setKind] = useState<string | null>(draft?.kind ?? null);
  const [application, setApplication] = useState<Record<string, unknown> | null>(draft?.application ?? null);
  const [findings, setFindings] = useState<FindingView[]>(draft?.findings ?? []);
  const [savedAt, setSavedAt] = useState<string | null>(draft?.savedAt ?? null);
  const [saving, setSaving] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [loadingKind, setLoadingKind] = useState(false);
  const [error, setError] = useState<DescribedError | null>(null);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  // Fields edited since the findings were computed: their old findings would be stale.
  const [stale, setStale] = useState<Set<string>>(new Set());
  const [submitting, setSubmitting] = useState(false);
  const saveSeq = useRef(0);
  const timer = useRef<number | undefined>(undefined);

  const kindView = kinds.data?.find((k) => k.kind === kind) ?? null;
  const fields = useMemo(() => kindView?.fields ?? [], [kindView]);
  const byPath = useMemo(() => findingsByPath(findings), [findings]);
  const loose = useMemo(() => unplacedFindings(findings, fields), [findings, fields]);
  const errors = findings.filter(isError).length;

  useEffect(() => () => window.clearTimeout(timer.current), []);

  function applyDraft(d: RegistrationDraftView) {
    setKind(d.kind);
    setApplication(d.application);
    setFindings(d.findings);
    setSavedAt(d.savedAt);
    setDirty(false);
  }

  async function pick(k: string) {
    if (k === kind) return;
    window.clearTimeout(timer.current);
    saveSeq.current += 1;
    setLoadingKind(true);
    setError(null);
    setTouched(new Set());
    setShowAll(false);
    try {
      applyDraft(await registrationDraft(profileId, k));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setLoadingKind(false);
    }
  }

  async function save(app: Record<string, unknown>) {
    const mine = ++saveSeq.current;
    setSaving(true);
    try {
      const d = await saveRegistrationDraft(profileId, app);
      if (mine === saveSeq.current) {
        setStale(new Set());
        setFindings(d.findings);
        setSavedAt(d.savedAt);
        setDirty(false);
        setError(null);
      }
    } catch (e) {
      if (mine === saveSeq.current) setError(describeError(e));
    } finally {
      if (mine === saveSeq.current) setSaving(false);
    }
  }

  function change(path: string, value: unknown) {
    if (!application) return;
    const next = setPath(application, path, value);
    setApplication(next);
    setDirty(true);
    setStale((s) => (s.has(path) ? s : new Set(s).add(path)));
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void save(next), AUTOSAVE_MS);
  }

  function touch(path: string) {
    setTouched((t) => (t.has(path) ? t : new Set(t).add(path)));
  }

  async function submit() {
    if (!application) return;
    window.clearTimeout(timer.current);
    setSubmitting(true);
    setError(null);
    try {
      onSubmitted(await submitRegistration(profileId, application));
    } catch (e) {
      const d = describeError(e);
      setError(d);
      setShowAll(true);
      if (d.fix === "form") void save(application);
    } finally {
      setSubmitting(false);
    }
  }

  const filled = application ? fields.filter((f) => isFilled(f, application)).length : 0;
  const ready = canSubmit(findings) && !dirty && !saving && certified && application !== null;

  return (
    <div className="card" data-testid="step-register">
      <div className="card-head">
        Registration
        {kindView && (
          <span className="muted small">
            {filled} of {fields.length} fields filled
          </span>
        )}
        <span className="spacer" />
        <span className="small muted" data-testid="autosave">
          {saving ? "Saving draft…" : dirty ? "Unsaved changes" : savedAt ? `Draft saved at ${formatLocalTime(savedAt)}` : ""}
        </span>
      </div>
      <div className="card-body col">
        {!certified && <div className="banner warning">Run the certification suite first: the application carries the sandbox certificate it earns.</div>}
        {kinds.error && <ErrorBanner error={kinds.error} onRetry={kinds.reload} />}
        <div className="field">
          <label htmlFor="reg-kind">I am registering a …</label>
          <select id="reg-kind" className="input" value={kind ?? ""} onChange={(e) => void pick(e.target.value)} disabled={loadingKind} data-testid="reg-kind">
            {kind === null && <option value="">Choose what you are</option>}
            {(kinds.data ?? []).map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
          {kindView && (
            <span className="small muted" data-testid="verification">
              How HCX verifies you: {kindView.verification} Registers as: {kindView.roles.join(", ")}.
            </span>
          )}
        </div>
        {error && <ErrorBanner error={error} />}
        {loose.length > 0 && (showAll || error) && (
          <ul className="findings plain">
            {loose.map((f) => (
              <li key={`${f.path}-${f.message}`} className={isError(f) ? "sev-error" : "sev-warning"}>
                {f.message}
              </li>
            ))}
          </ul>
        )}
        {kindView && application && (
          <div className="reg-form" data-testid="reg-form">
            {fields.map((f) => (
              <FieldInput
                key={`${kind}-${f.path}`}
                field={f}
                roles={kindView.roles}
                application={application}
                findings={byPath.get(f.path) ?? []}
                showFindings={!stale.has(f.path) && (showAll || touched.has(f.path) || f.automatic)}
                onChange={(v) => change(f.path, v)}
                onTouched={() => touch(f.path)}
              />
            ))}
          </div>
        )}
        {kindView && (
          <div className="row">
            <button type="button" className="btn primary" disabled={!ready || submitting} onClick={() => void submit()} data-testid="submit-application">
              {submitting && <span className="spin" />}
              Submit application
            </button>
            {errors > 0 && (
              <>
                <span className="sev-error small" data-testid="problems-left">
                  {errors} problem{errors === 1 ? "" : "s"} left
                </span>
                {!showAll && (
                  <button type="button" className="btn small ghost" onClick={() => setShowAll(true)}>
                    Show them all
                  </button>
                )}
              </>
            )}
            <span className="spacer" />
            <span className="small muted">Submitting creates a production profile; the secret it receives later never appears on screen.</span>
          </div>
        )}
      </div>
    </div>
  );
}
