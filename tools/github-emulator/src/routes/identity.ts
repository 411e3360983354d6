import { type Json, optObject, optString, reqString, wrongType } from "../body.ts";
import { type GitIdentity, parseIsoDate } from "../git/objects.ts";
import type { TokenRecord } from "../state/auth.ts";

/** Who commits when the request does not say: the token's user, now. */
export function tokenIdentity(token: TokenRecord, nowMs: number): GitIdentity {
  return {
    name: token.login,
    email: `${token.userId}+${token.login}@users.noreply.github.com`,
    time: Math.floor(nowMs / 1000),
    offsetMinutes: 0,
  };
}

/** `author` / `committer` of a request body (`name`, `email`, optional ISO 8601 `date`). */
export function bodyIdentity(body: Json, field: string, nowMs: number): GitIdentity | undefined {
  const o = optObject(body, field);
  if (!o) return undefined;
  const name = reqString(o, "name", `properties/${field}/name`);
  const email = reqString(o, "email", `properties/${field}/email`);
  const date = optString(o, "date", `properties/${field}/date`);
  if (date === undefined) return { name, email, time: Math.floor(nowMs / 1000), offsetMinutes: 0 };
  const parsed = parseIsoDate(date);
  if (!parsed) throw wrongType(`properties/${field}/date`, date, "a valid date-time");
  return { name, email, ...parsed };
}
