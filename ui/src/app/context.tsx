// App-wide state: the connection status, the counterparties, a change counter bumped by the
// backend's `messages-changed` event (screens reload on it instead of polling), and toasts.

import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import {
  appStatus,
  listCounterparties,
  onAppStatus,
  onMessagesChanged,
  type AppStatus,
  type Counterparty,
} from "../api";
import { describeError } from "../lib/errors";

export interface Toast {
  id: number;
  text: string;
  kind: "info" | "error";
}

export interface AppState {
  status: AppStatus | null;
  statusError: string | null;
  counterparties: Counterparty[];
  /** Bumped on every `messages-changed` (and profile switch): a dependency for reloads. */
  changeTick: number;
  toast: (text: string, kind?: Toast["kind"]) => void;
  refreshStatus: () => void;
  /** Reads the registry again (a participant was added, e.g. a desk on the embedded sandbox). */
  refreshCounterparties: () => void;
}

const Ctx = createContext<AppState | null>(null);

export function useApp(): AppState {
  const v = useContext(Ctx);
  if (!v) {
    throw new Error("useApp outside AppProvider");
  }
  return v;
}

export function AppProvider({ children, renderToasts }: { children: ReactNode; renderToasts: (t: Toast[]) => ReactNode }) {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const [counterparties, setCounterparties] = useState<Counterparty[]>([]);
  const [changeTick, setChangeTick] = useState(0);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const toastSeq = useRef(0);
  const profileId = useRef<string | null>(null);

  const toast = useCallback((text: string, kind: Toast["kind"] = "info") => {
    const id = ++toastSeq.current;
    setToasts((t) => [...t.slice(-3), { id, text, kind }]);
    window.setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === "error" ? 8000 : 4000);
  }, []);

  const refreshCounterparties = useCallback(() => {
    listCounterparties().then(setCounterparties, () => setCounterparties([]));
  }, []);

  const applyStatus = useCallback((s: AppStatus) => {
    setStatus(s);
    setStatusError(null);
    const id = s.profile?.id ?? null;
    if (id !== profileId.current) {
      // A different participant: its counterparties and threads are different too.
      profileId.current = id;
      setChangeTick((t) => t + 1);
      refreshCounterparties();
    }
  }, [refreshCounterparties]);

  const refreshStatus = useCallback(() => {
    appStatus().then(applyStatus, (e: unknown) => setStatusError(describeError(e).message));
  }, [applyStatus]);

  useEffect(() => {
    refreshStatus();
    const offs: Promise<() => void>[] = [
      onAppStatus(applyStatus),
      onMessagesChanged((c) => {
        setChangeTick((t) => t + 1);
        if (c.incoming > 0) {
          toast(c.incoming === 1 ? "1 new message arrived" : `${c.incoming} new messages arrived`);
        }
      }),
    ];
    return () => {
      offs.forEach((p) => void p.then((off) => off()));
    };
  }, [applyStatus, refreshStatus, toast]);

  return (
    <Ctx.Provider value={{ status, statusError, counterparties, changeTick, toast, refreshStatus, refreshCounterparties }}>
      {children}
      {renderToasts(toasts)}
    </Ctx.Provider>
  );
}
