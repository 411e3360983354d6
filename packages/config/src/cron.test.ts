import { describe, expect, it } from "vitest";
import { cronSlotId, nextSlot, parseCron } from "./cron.ts";
import { parseDuration } from "./duration.ts";

const d = (iso: string) => new Date(iso);
const next = (cron: string, after: string) => nextSlot(cron, d(after))?.toISOString();

describe("parseCron", () => {
  it("expands ranges, steps, lists, names and 7 as Sunday", () => {
    const c = parseCron("*/15 9-17/4 1,15 jan-MAR sun,7,Fri");
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect([...c.hours]).toEqual([9, 13, 17]);
    expect([...c.days]).toEqual([1, 15]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect([...c.weekdays].sort()).toEqual([0, 5]);
    expect([...parseCron("5/20 * * * *").minutes]).toEqual([5, 25, 45]);
  });

  it("knows the macros", () => {
    expect(next("@daily", "2026-03-01T10:00:00Z")).toBe("2026-03-02T00:00:00.000Z");
    expect(next("@hourly", "2026-03-01T10:00:00Z")).toBe("2026-03-01T11:00:00.000Z");
    expect(next("@weekly", "2026-03-01T10:00:00Z")).toBe("2026-03-08T00:00:00.000Z"); // a Sunday
  });

  it.each([
    ["* * * *", /expected 5 fields/],
    ["60 * * * *", /minute: "60" is not in 0-59/],
    ["* 24 * * *", /hour/],
    ["* * 0 * *", /day of month/],
    ["* * * 13 *", /month/],
    ["* * * * 8", /day of week/],
    ["*/0 * * * *", /bad step/],
    ["5-1 * * * *", /runs backwards/],
    ["1-2-3 * * * *", /bad range/],
    ["a * * * *", /minute/],
    [", * * * *", /bad part/],
    ["0 0 30 2 *", /never fires/],
  ])("refuses %j", (cron, message) => {
    expect(() => parseCron(cron)).toThrow(message);
  });
});

describe("nextSlot", () => {
  it("gives the next minute strictly after, in UTC", () => {
    expect(next("* * * * *", "2026-03-01T10:00:00Z")).toBe("2026-03-01T10:01:00.000Z");
    expect(next("* * * * *", "2026-03-01T10:00:59.999Z")).toBe("2026-03-01T10:01:00.000Z");
    expect(next("0 3 * * *", "2026-03-01T03:00:00Z")).toBe("2026-03-02T03:00:00.000Z");
    expect(next("0 3 * * *", "2026-03-01T02:59:00Z")).toBe("2026-03-01T03:00:00.000Z");
  });

  it("rolls over months and years", () => {
    expect(next("30 23 31 * *", "2026-04-01T00:00:00Z")).toBe("2026-05-31T23:30:00.000Z");
    expect(next("0 0 1 1 *", "2026-06-15T12:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
    expect(next("0 0 29 2 *", "2026-03-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
  });

  it("runs on either day when both day fields are restricted, as cron does", () => {
    // 2026-03-02 is a Monday; the 13th is a Friday.
    expect(next("0 12 13 * 1", "2026-03-01T00:00:00Z")).toBe("2026-03-02T12:00:00.000Z");
    expect(next("0 12 13 * 1", "2026-03-09T13:00:00Z")).toBe("2026-03-13T12:00:00.000Z");
    // With a starred day of month only the weekday counts.
    expect(next("0 12 */1 * 1", "2026-03-03T00:00:00Z")).toBe("2026-03-09T12:00:00.000Z");
  });

  it("names a slot by target, schedule and minute", () => {
    expect(cronSlotId("app", "nightly", d("2026-03-01T03:00:00Z"))).toBe(
      "app/nightly@2026-03-01T03:00Z",
    );
  });
});

describe("parseDuration", () => {
  it.each([
    [30, 30],
    ["30", 30],
    ["90s", 90],
    ["15m", 900],
    ["26h", 93_600],
    ["7d", 604_800],
    ["1h30m", 5400],
    ["0.5", 0.5],
  ])("%j is %d seconds", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });
  it.each([["-1"], ["1y"], ["h"], [""], [-5], [Number.NaN]])("refuses %j", (input) => {
    expect(parseDuration(input)).toBeNull();
  });
});
