// "Go live": the way from a certified sandbox profile to a production profile, as a stepper:
// Certify → Register → Verify → Credentials → Go-live checklist. On a sandbox (or staging)
// profile the steps come from `onboarding`; on a production profile made by onboarding, from
// `go_live` (the application, credentials and checklist are that profile's own).

import { useState } from "react";
import { goLive, onboarding, type GoLiveView, type OnboardingView } from "../../api";
import { useApp } from "../../app/context";
import { useAsync } from "../../app/hooks";
import { ErrorBanner } from "../../components/ErrorBanner";
import { firstOpenStep, onboardingSteps, type StepId } from "../../lib/registration";
import { CertifyStep } from "./CertifyStep";
import { CredentialsStep } from "./CredentialsStep";
import { GoLiveStep } from "./GoLiveStep";
import { RegisterStep } from "./RegisterStep";
import { VerifyStep } from "./VerifyStep";

interface Loaded {
  view: OnboardingView | null;
  production: GoLiveView | null;
}

export function OnboardingScreen() {
  const { status, changeTick } = useApp();
  const profile = status?.profile ?? null;
  const onProduction = profile?.environment === "production";
  const data = useAsync<Loaded | null>(async () => {
    if (!profile) return null;
    if (onProduction) {
      return { view: null, production: await goLive(profile.id) };
    }
    const view = await onboarding(profile.id);
    return { view, production: view.production[0] ?? null };
  }, [profile?.id, onProduction, changeTick]);
  const [chosen, setChosen] = useState<StepId | null>(null);

  if (!profile) {
    return (
      <div className="page">
        <div className="page-head">
          <h1>Go live</h1>
        </div>
        <div className="muted">Choose a profile in Settings first.</div>
      </div>
    );
  }

  const loaded = data.data;
  const production = loaded?.production ?? null;
  const view = loaded?.view ?? null;
  const steps = onProduction
    ? onboardingSteps(null, production).map((s) =>
        s.id === "certify" || s.id === "register" ? { ...s, state: "done" as const, note: "Done on the sandbox profile" } : s,
      )
    : onboardingSteps(view, production);
  const step = chosen ?? firstOpenStep(steps);
  /** Reloads and lets the stepper open the next step. */
  const reload = () => {
    setChosen(null);
    data.reload();
  };
  /** Reloads and stays on `id`, so its result stays in view. */
  const stay = (id: StepId) => () => {
    setChosen(id);
    data.reload();
  };
  const app = production?.application ?? null;

  return (
    <div className="page" data-testid="onboarding">
      <div className="page-head">
        <h1>Go live</h1>
        <span className="muted">
          {onProduction ? "Production profile" : "From the sandbox profile"} <b>{profile.name}</b> <span className="mono">{profile.participantCode}</span>
        </span>
      </div>
      {data.error && <ErrorBanner error={data.error} onRetry={data.reload} />}
      <ol className="onb-steps" data-testid="stepper">
        {steps.map((s, i) => (
          <li key={s.id} className={`${s.id === step ? "selected" : ""}`} data-step={s.id} data-state={s.state}>
            <button type="button" onClick={() => setChosen(s.id)} aria-current={s.id === step ? "step" : undefined}>
              <span className="onb-num">{s.state === "done" ? "✓" : s.state === "blocked" ? "!" : i + 1}</span>
              <span className="col">
                <b>{s.title}</b>
                <span className="small">{s.note}</span>
              </span>
            </button>
          </li>
        ))}
      </ol>
      {!loaded && data.loading && (
        <div className="muted">
          <span className="spin" /> Loading…
        </div>
      )}
      {loaded && (
        <div className="onb-body">
          {step === "certify" &&
            (view ? (
              <CertifyStep profileId={profile.id} certification={view.certification} onDone={stay("certify")} onNext={() => setChosen("register")} />
            ) : (
              <div className="muted">This production profile was certified from its sandbox profile.</div>
            ))}
          {step === "register" &&
            (app ? (
              <div className="banner ok">
                Submitted as application <span className="mono">{app.applicationId}</span>; it made the production profile{" "}
                <span className="mono">{app.profileId}</span>.
              </div>
            ) : view ? (
              <RegisterStep key={profile.id} profileId={profile.id} draft={view.draft} certified={view.certification?.state === "valid"} onSubmitted={reload} />
            ) : null)}
          {step === "verify" &&
            (app ? <VerifyStep app={app} embeddedSandbox={status?.embeddedSandbox ?? false} onChange={reload} /> : <div className="muted">Submit the application first.</div>)}
          {step === "credentials" && (production ? <CredentialsStep golive={production} onChange={stay("credentials")} onNext={() => setChosen("golive")} /> : <div className="muted">Submit the application first.</div>)}
          {step === "golive" && (production ? <GoLiveStep golive={production} onChange={stay("golive")} /> : <div className="muted">Submit the application first.</div>)}
        </div>
      )}
    </div>
  );
}
