import { describe, expect, it } from "vitest";
import { ago, daysUntil, dueStatus, formatCompact, formatLocal, humanSpan, localZone } from "./time";

// The tests run with TZ=Asia/Kolkata (vite.config.ts), UTC+05:30.
const NOW = new Date("2026-11-21T10:00:00Z");

describe("local time on screen", () => {
  it("shows a UTC instant in the local zone", () => {
    expect(formatLocal("2026-11-21T10:15:00Z"), "10:15 UTC is 15:45 in India").toBe(
      "21 Nov 2026, 15:45",
    );
    expect(formatLocal("garbage"), "an unparseable time is shown as it came").toBe("garbage");
  });

  it("uses the short form today and adds the date otherwise", () => {
    expect(formatCompact("2026-11-21T04:00:00Z", NOW), "same local day: time only").toBe("09:30");
    expect(
      formatCompact("2026-11-19T04:00:00Z", NOW),
      "another day: the date is needed to read it",
    ).toBe("19 Nov 09:30");
    // 20:00 UTC on the 20th is already the 21st in India: the day is the local one.
    expect(formatCompact("2026-11-20T20:00:00Z", NOW), "the local day decides, not UTC's").toBe(
      "01:30",
    );
  });
});

describe("turnaround clock", () => {
  it("counts down to the due time", () => {
    expect(dueStatus("2026-11-21T12:30:00Z", "acknowledged", NOW), "2.5h left: due in 2h").toEqual({
      tone: "ok",
      label: "due in 2h",
    });
    expect(dueStatus("2026-11-21T11:00:00Z", "sent", NOW), "1h left is within the amber window")
      .toEqual({ tone: "soon", label: "due in 1h" });
    expect(dueStatus("2026-11-21T10:20:00Z", "dispatched", NOW), "minutes below an hour").toEqual({
      tone: "soon",
      label: "due in 20m",
    });
  });

  it("turns overdue after the due time", () => {
    expect(dueStatus("2026-11-21T07:00:00Z", "acknowledged", NOW), "3h past due").toEqual({
      tone: "overdue",
      label: "overdue 3h",
    });
    expect(dueStatus("2026-11-18T09:00:00Z", "query", NOW), "days once past two days").toEqual({
      tone: "overdue",
      label: "overdue 3d",
    });
  });

  it("has no clock for settled cycles or unknown due times", () => {
    expect(dueStatus("2026-11-21T07:00:00Z", "complete", NOW).tone, "a completed cycle waits on nobody")
      .toBe("none");
    expect(dueStatus("2026-11-21T07:00:00Z", "paid", NOW).tone, "a paid cycle is over").toBe("none");
    expect(dueStatus(null, "sent", NOW), "no due time, no clock").toEqual({ tone: "none", label: "" });
  });

  it("names spans the way a desk does", () => {
    expect(humanSpan(10_000), "a started minute counts as one").toBe("1m");
    expect(humanSpan(47 * 3_600_000), "under two days stays in hours").toBe("47h");
    expect(ago("2026-11-21T09:15:00Z", NOW), "45 minutes ago").toBe("45m ago");
    expect(daysUntil("2026-12-01T10:00:00Z", NOW), "ten days to the expiry").toBe(10);
    expect(daysUntil("2026-11-20T09:00:00Z", NOW), "expired yesterday is negative").toBe(-2);
  });
});

describe("the zone on the status bar", () => {
  it("names the zone and its offset", () => {
    expect(localZone(NOW), "India's zone by its current name, with the offset").toBe("Asia/Kolkata (UTC+05:30)");
  });
});
