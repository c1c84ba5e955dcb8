// The window: environment banner, navigation, the routed screen, status bar, help overlay.

import { useEffect, useRef, useState } from "react";
import { listSuspicious, listThreads, tpaInbox, type AppStatus } from "../api";
import { ComposeScreen } from "../features/compose/ComposeScreen";
import { AnswerScreen } from "../features/compose/AnswerScreen";
import { InboxScreen } from "../features/tpa/InboxScreen";
import { InspectorScreen } from "../features/inspector/InspectorScreen";
import { ApprovalsScreen } from "../features/approvals/ApprovalsScreen";
import { OnboardingScreen } from "../features/onboarding/OnboardingScreen";
import { QueueScreen } from "../features/queue/QueueScreen";
import { SettingsScreen } from "../features/settings/SettingsScreen";
import { SuspiciousScreen } from "../features/suspicious/SuspiciousScreen";
import { ThreadScreen } from "../features/thread/ThreadScreen";
import { WorkflowScreen } from "../features/workflow/WorkflowScreen";
import { HelpOverlay } from "../components/HelpOverlay";
import { Icon } from "../components/Icon";
import { NEEDS_ACTION_STATES } from "../lib/labels";
import { localZone } from "../lib/time";
import { AppProvider, useApp, type Toast } from "./context";
import { useHotkeys } from "./hooks";
import { navigate, useRoute } from "./router";

const ENV_TEXT: Record<string, string> = {
  sandbox: "Test exchange: no real patients, no real money",
  staging: "Staging exchange: integration testing with real counterparties' test systems",
  // Follows the "PRODUCTION" label: "PRODUCTION — real patients and real money".
  production: "— real patients and real money",
};

function EnvBanner({ status }: { status: AppStatus | null }) {
  const env = status?.environment ?? "sandbox";
  const p = status?.profile;
  return (
    <div className={`env-banner env-${env}`} data-testid="env-banner" data-env={env}>
      <span className="env-name">{env.toUpperCase()}</span>
      <span className="env-note">{ENV_TEXT[env]}</span>
      {status?.embeddedSandbox && <span className="env-note">· embedded sandbox exchange</span>}
      {p?.pilotCounterparties && (
        <span className="pilot-chip" data-testid="pilot-chip">
          {p.pilotCounterparties.length > 0 ? `Pilot mode: sends only to ${p.pilotCounterparties.join(", ")}` : "Pilot mode: nobody on the pilot list yet"}
        </span>
      )}
      <span className="spacer" />
      {p && (
        <span>
          {p.name} · <span className="mono">{p.participantCode}</span>
        </span>
      )}
    </div>
  );
}

// Payers and schemes confirm the empanelment of facilities that named them.
function approvesEmpanelment(roles: string[] | undefined): boolean {
  return (roles ?? []).some((r) => r === "payor" || r === "agency.sponsor");
}

function isReviewer(roles: string[] | undefined): boolean {
  return (roles ?? []).some((r) => r === "payor" || r.startsWith("agency"));
}
// Registry roles are `provider` or a specialisation such as `provider.hospital`; `bsp` sends
// requests on a beneficiary's behalf like a provider does.
function isProvider(roles: string[] | undefined): boolean {
  return (roles ?? []).some((r) => r === "provider" || r.startsWith("provider.") || r === "bsp");
}

function Nav({ section }: { section: string }) {
  const { status, changeTick } = useApp();
  const roles = status?.profile?.roles;
  const [attention, setAttention] = useState(0);
  const [inbox, setInbox] = useState(0);
  const [suspicious, setSuspicious] = useState(0);
  useEffect(() => {
    listSuspicious().then((l) => setSuspicious(l.total), () => setSuspicious(0));
    listThreads({ states: NEEDS_ACTION_STATES, useCase: null, counterparty: null, direction: null, text: null }).then(
      (t) => setAttention(t.length),
      () => setAttention(0),
    );
    if (isReviewer(roles)) {
      tpaInbox().then((t) => setInbox(t.length), () => setInbox(0));
    }
  }, [changeTick, roles]);
  const item = (to: string, key: string, icon: Parameters<typeof Icon>[0]["name"], label: string, count?: number, hot?: boolean, kbd?: string) => (
    <a href={`#${to}`} className={section === key ? "active" : ""} data-nav={key}>
      <Icon name={icon} /> {label}
      {count !== undefined && count > 0 ? <span className={`count ${hot ? "hot" : ""}`}>{count}</span> : kbd ? <kbd>{kbd}</kbd> : null}
    </a>
  );
  return (
    <nav className="nav" aria-label="Main">
      <div className="brand">
        <div className="brand-mark">HCX</div>
        <div>
          Participant Console
          <small>Health Claims Exchange</small>
        </div>
      </div>
      <div className="section">Desk</div>
      {item("/queue", "queue", "queue", "Work queue", attention, true, "g q")}
      {isProvider(roles) && item("/compose/preauth", "compose", "compose", "New request", undefined, false, "g n")}
      {isReviewer(roles) && item("/tpa", "tpa", "inbox", "Review inbox", inbox, true, "g i")}
      {approvesEmpanelment(roles) && item("/approvals", "approvals", "check", "Empanelment")}
      <div className="section">Tools</div>
      {item("/onboarding", "onboarding", "checkCircle", "Go live")}
      {item("/suspicious", "suspicious", "alert", "Suspicious", suspicious, true)}
      {item("/inspector", "inspector", "inspect", "Inspector", undefined, false, "g x")}
      {item("/settings", "settings", "settings", "Settings", undefined, false, "g s")}
      <div className="profile">
        {status?.profile ? (
          <>
            <b>{status.profile.name}</b>
            <span className="mono">{status.profile.participantCode}</span>
            <div>{status.profile.roles.join(", ")}</div>
          </>
        ) : (
          <span>No active profile</span>
        )}
      </div>
    </nav>
  );
}

function StatusBar() {
  const { status, statusError } = useApp();
  const b = status?.bridge;
  let bridge = <><span className="dot idle" />Mailbox: …</>;
  if (statusError) {
    bridge = <><span className="dot bad" />{statusError}</>;
  } else if (b) {
    switch (b.state) {
      case "connected":
        bridge = <><span className="dot ok" />Mailbox connected</>;
        break;
      case "connecting":
        bridge = <><span className="dot warn" />Mailbox connecting…</>;
        break;
      case "backingOff":
        bridge = <><span className="dot warn" />Mailbox retrying (attempt {b.attempt}): {b.lastError}</>;
        break;
      case "keychainLocked":
        bridge = <><span className="dot bad" />Unlock your keychain: incoming messages are waiting to be read</>;
        break;
      case "stopped":
        bridge = <><span className="dot bad" />Mailbox stopped</>;
        break;
    }
  }
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span>{bridge}</span>
      <span>Outbox: {status ? (status.outboxPending === 0 ? "empty" : `${status.outboxPending} waiting`) : "…"}</span>
      <span className="spacer" />
      <span>Local time: {localZone()}</span>
      <span>Press <kbd>?</kbd> for shortcuts</span>
      <span className="muted">v{status?.version ?? "?"}</span>
    </footer>
  );
}

function Screen() {
  const route = useRoute();
  const [head = "queue", a, b] = route.segments;
  switch (head) {
    case "thread":
      return a ? <ThreadScreen key={a} correlationId={a} /> : <QueueScreen />;
    case "workflow":
      return a ? <WorkflowScreen key={a} workflowId={a} /> : <QueueScreen />;
    case "compose":
      return <ComposeScreen key={`${a}-${route.query.toString()}`} useCase={a ?? "preauth"} from={route.query.get("from")} mode={route.query.get("mode")} />;
    case "answer":
      return a ? <AnswerScreen key={a} correlationId={a} /> : <QueueScreen />;
    case "tpa":
      return <InboxScreen selectedId={a ?? null} />;
    case "settings":
      return <SettingsScreen />;
    case "suspicious":
      return <SuspiciousScreen />;
    case "inspector":
      return <InspectorScreen />;
    case "onboarding":
      return <OnboardingScreen />;
    case "approvals":
      return <ApprovalsScreen />;
    default:
      void b;
      return <QueueScreen />;
  }
}

function Shell() {
  const route = useRoute();
  const section = route.segments[0] ?? "queue";
  const [help, setHelp] = useState(false);
  const gPressed = useRef(0);
  const go: Record<string, string> = { q: "/queue", n: "/compose/preauth", i: "/tpa", s: "/settings", x: "/inspector" };
  useHotkeys({
    "?": () => setHelp((h) => !h),
    g: () => {
      gPressed.current = Date.now();
    },
    ...Object.fromEntries(
      Object.entries(go).map(([k, path]) => [
        k,
        () => {
          // Only as the second key of "g <key>"; screens use none of these letters alone.
          if (Date.now() - gPressed.current < 1200) {
            gPressed.current = 0;
            navigate(path);
          }
        },
      ]),
    ),
  });
  return (
    <div className="shell">
      <EnvBannerConnected />
      <Nav section={section === "thread" || section === "workflow" || section === "answer" ? "queue" : section} />
      <main className="main">
        <Screen />
      </main>
      <StatusBar />
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}

function EnvBannerConnected() {
  const { status } = useApp();
  return <EnvBanner status={status} />;
}

function Toasts({ toasts }: { toasts: Toast[] }) {
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

export function App() {
  return (
    <AppProvider renderToasts={(t) => <Toasts toasts={t} />}>
      <Shell />
    </AppProvider>
  );
}
