import { SUPABASE_RESERVED_ROLES } from "./supabase.ts";

export interface RolesPlan {
  readonly sql: string;
  readonly created: readonly string[];
  /** Roles the target already has: left exactly as they are. */
  readonly existing: readonly string[];
  /** Roles a Supabase target reserves for the platform. */
  readonly reserved: readonly string[];
  /** Created roles that can log in but come without a password (the backup holds no hashes). */
  readonly withoutPassword: readonly string[];
}

const IDENT = String.raw`("(?:[^"]|"")+"|[^\s;"]+)`;
const ROLE_STMT = new RegExp(`^(?:CREATE ROLE|ALTER ROLE|COMMENT ON ROLE) ${IDENT}`);
const GRANT = new RegExp(`^GRANT ${IDENT} TO ${IDENT}`);

const unquote = (id: string): string =>
  id.startsWith('"') ? id.slice(1, -1).replaceAll('""', '"') : id;

/**
 * The statements of `roles.sql` (pg_dumpall --roles-only: one statement per line) that create
 * the roles the target lacks. Roles already there are not altered, and memberships are granted
 * only to roles this restore creates.
 */
export function planRoles(text: string, have: ReadonlySet<string>, supabase: boolean): RolesPlan {
  const out: string[] = [];
  const created = new Set<string>();
  const existing = new Set<string>();
  const reserved = new Set<string>();
  const login = new Set<string>();
  const password = new Set<string>();
  for (const line of text.split("\n")) {
    const role = ROLE_STMT.exec(line);
    if (role) {
      const name = unquote(role[1] ?? "");
      if (supabase && SUPABASE_RESERVED_ROLES.has(name)) reserved.add(name);
      else if (have.has(name)) existing.add(name);
      else {
        created.add(name);
        out.push(line);
        if (/ WITH .*(?<!NO)LOGIN\b/.test(line)) login.add(name);
        if (/ PASSWORD '/.test(line)) password.add(name);
      }
      continue;
    }
    const grant = GRANT.exec(line);
    if (grant) {
      if (created.has(unquote(grant[2] ?? ""))) out.push(line);
      continue;
    }
    if (line.startsWith("SET ")) out.push(line);
  }
  return {
    sql: out.join("\n"),
    created: [...created],
    existing: [...existing],
    reserved: [...reserved],
    withoutPassword: [...created].filter((r) => login.has(r) && !password.has(r)),
  };
}
