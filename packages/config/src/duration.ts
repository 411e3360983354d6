const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Seconds from a number of seconds or a text like `30`, `90s`, `15m`, `26h`, `7d`, `1h30m`;
 * null when the text is none of these.
 */
export function parseDuration(input: number | string): number | null {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? input : null;
  const text = input.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(text)) return null;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) {
    total += Number(m[1]) * (UNITS[m[2] ?? ""] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : null;
}
