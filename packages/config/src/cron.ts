/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC:
 * `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, lists, month and weekday names, 7 for
 * Sunday, and the macros `@hourly` `@daily` `@midnight` `@weekly` `@monthly` `@yearly`
 * `@annually`. As in Vixie cron, when both day fields are restricted a day matching either runs.
 */
export interface Cron {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  readonly anyDay: boolean;
  readonly anyWeekday: boolean;
}

const MACROS: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}
const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS },
];

export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

function value(text: string, f: Field): number {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  const n =
    named >= 0 ? named + (f.name === "month" ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n) || n < f.min || n > f.max) {
    throw new CronSyntaxError(`${f.name}: ${JSON.stringify(text)} is not in ${f.min}-${f.max}`);
  }
  return n;
}

function field(text: string, f: Field): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const [range = "", stepText, extra] = part.split("/");
    if (extra !== undefined || range === "")
      throw new CronSyntaxError(`${f.name}: bad part ${JSON.stringify(part)}`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (
      !Number.isInteger(step) ||
      step < 1 ||
      (stepText !== undefined && !/^\d+$/.test(stepText))
    ) {
      throw new CronSyntaxError(`${f.name}: bad step ${JSON.stringify(stepText)}`);
    }
    let lo: number;
    let hi: number;
    if (range === "*") [lo, hi] = [f.min, f.max];
    else {
      const [a = "", b] = range.split("-", 3);
      if (range.split("-").length > 2)
        throw new CronSyntaxError(`${f.name}: bad range ${JSON.stringify(range)}`);
      lo = value(a, f);
      // "5/15" means from 5 to the end, every 15.
      hi = b === undefined ? (stepText === undefined ? lo : f.max) : value(b, f);
      if (hi < lo)
        throw new CronSyntaxError(`${f.name}: range ${JSON.stringify(range)} runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a cron expression; throws CronSyntaxError saying which field is wrong. */
export function parseCron(expression: string): Cron {
  const source = expression.trim();
  const expanded = MACROS[source.toLowerCase()] ?? source;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronSyntaxError(
      `expected 5 fields (minute hour day month weekday), got ${parts.length}`,
    );
  }
  const sets = parts.map((p, i) => field(p, FIELDS[i] as Field));
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.delete(7)) weekdays.add(0);
  const cron: Cron = {
    source,
    ...{ minutes, hours, days, months, weekdays },
    anyDay: (parts[2] ?? "").startsWith("*"),
    anyWeekday: (parts[4] ?? "").startsWith("*"),
  };
  if (nextSlot(cron, new Date(Date.UTC(2000, 0, 1))) === null) {
    throw new CronSyntaxError("never fires (no such day in any month)");
  }
  return cron;
}

function dayMatches(c: Cron, d: Date): boolean {
  const dom = c.days.has(d.getUTCDate());
  const dow = c.weekdays.has(d.getUTCDay());
  if (c.anyDay && c.anyWeekday) return true;
  if (c.anyDay) return dow;
  if (c.anyWeekday) return dom;
  return dom || dow;
}

/**
 * The first time after `after` (strictly, to the minute) that `cron` fires, in UTC; null when it
 * never does within 8 years (only expressions like "30 February" never fire).
 */
export function nextSlot(cron: Cron | string, after: Date): Date | null {
  const c = typeof cron === "string" ? parseCron(cron) : cron;
  const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + 8 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!c.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(c, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!c.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!c.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  return null;
}

/** The JetStream message id of a cron slot: `<target>/<schedule>@<ISO minute>`. */
export function cronSlotId(target: string, schedule: string, slot: Date): string {
  return `${target}/${schedule}@${slot.toISOString().slice(0, 16)}Z`;
}
