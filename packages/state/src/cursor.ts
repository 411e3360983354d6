import { InvalidCursorError } from "./errors.ts";

/** A position in a target's run list: the last run of a page, by (created_at, id). */
export interface CursorPosition {
  readonly createdAt: Date;
  readonly id: string;
}

export function encodeCursor(p: CursorPosition): string {
  return Buffer.from(`${p.createdAt.toISOString()}|${p.id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): CursorPosition {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const bar = text.indexOf("|");
  const createdAt = new Date(text.slice(0, bar));
  const id = text.slice(bar + 1);
  if (bar < 0 || Number.isNaN(createdAt.getTime()) || id === "") throw new InvalidCursorError();
  return { createdAt, id };
}

/** True when run `a` sorts after position `p` in newest-first order. */
export function isAfter(a: CursorPosition, p: CursorPosition): boolean {
  const d = a.createdAt.getTime() - p.createdAt.getTime();
  return d < 0 || (d === 0 && a.id < p.id);
}

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE;
  return Math.min(MAX_PAGE, Math.max(1, Math.trunc(limit)));
}
