// Times: UTC ISO-8601 inside (what the backend sends), local time on screen, and the
// "due in 2h" / "overdue 3h" countdown against a counterparty's expected turnaround.
//
// Every function takes `now` as an argument instead of reading the clock, so the logic is
// testable and one render uses one instant.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Parses a UTC ISO string; null when it is not a valid instant. */
export function parseUtc(iso: string | null | undefined): Date | null {
  if (!iso) {
    return null;
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const dateTimeFmt = new Intl.DateTimeFormat("en-IN", {
  day: "2-digit",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
const timeFmt = new Intl.DateTimeFormat("en-IN", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const dayKeyFmt = new Intl.DateTimeFormat("en-CA", {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const shortDateFmt = new Intl.DateTimeFormat("en-IN", { day: "2-digit", month: "short" });

/** "21 Nov 2026, 15:45" in the machine's local zone; the raw text if it is not a valid time. */
export function formatLocal(iso: string): string {
  const d = parseUtc(iso);
  return d ? dateTimeFmt.format(d) : iso;
}

/** "15:45:09" local, for timeline nodes where the seconds matter. */
export function formatLocalTime(iso: string): string {
  const d = parseUtc(iso);
  return d ? timeFmt.format(d) : iso;
}

/** Compact local stamp for dense tables: the time today, otherwise "21 Nov 15:45". */
export function formatCompact(iso: string, now: Date): string {
  const d = parseUtc(iso);
  if (!d) {
    return iso;
  }
  const hm = timeFmt.format(d).slice(0, 5);
  return dayKeyFmt.format(d) === dayKeyFmt.format(now) ? hm : `${shortDateFmt.format(d)} ${hm}`;
}

/** A span as the desk says it: "45m", "3h", "2d"; never "0m" (a started minute counts). */
export function humanSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR) {
    return `${Math.max(1, Math.ceil(abs / MINUTE))}m`;
  }
  if (abs < 2 * DAY) {
    return `${Math.floor(abs / HOUR)}h`;
  }
  return `${Math.floor(abs / DAY)}d`;
}

/** How long ago: "5m ago", "3h ago". */
export function ago(iso: string, now: Date): string {
  const d = parseUtc(iso);
  return d ? `${humanSpan(now.getTime() - d.getTime())} ago` : "";
}

/** States in which nobody is waiting any more, so a turnaround clock means nothing. */
const SETTLED_STATES = new Set(["complete", "rejected", "paid", "redirected", "drafted"]);

export type DueTone = "none" | "ok" | "soon" | "overdue";

export interface Due {
  tone: DueTone;
  /** "due in 2h", "overdue 3h", or "" when there is no clock. */
  label: string;
}

/** Within this much of the deadline the countdown turns amber. */
export const DUE_SOON_MS = 2 * HOUR;

/**
 * The turnaround clock of a cycle: how far `now` is from `dueAt`. No clock when the state is
 * settled (complete, rejected, paid, …) or the due time is unknown.
 */
export function dueStatus(dueAt: string | null | undefined, state: string, now: Date): Due {
  const due = parseUtc(dueAt);
  if (!due || SETTLED_STATES.has(state)) {
    return { tone: "none", label: "" };
  }
  const left = due.getTime() - now.getTime();
  if (left <= 0) {
    return { tone: "overdue", label: `overdue ${humanSpan(left)}` };
  }
  return { tone: left <= DUE_SOON_MS ? "soon" : "ok", label: `due in ${humanSpan(left)}` };
}

/** Days until an expiry; negative once expired. Whole days, rounded down. */
export function daysUntil(iso: string, now: Date): number | null {
  const d = parseUtc(iso);
  return d ? Math.floor((d.getTime() - now.getTime()) / DAY) : null;
}

/** The local zone for the status bar: "Asia/Kolkata (UTC+05:30)". */
export function localZone(now: Date = new Date()): string {
  const raw = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Chromium still reports the zone by its old name.
  const name = raw === "Asia/Calcutta" ? "Asia/Kolkata" : raw;
  const off = -now.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${name} (UTC${sign}${hh}:${mm})`;
}
