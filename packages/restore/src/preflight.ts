import { TargetError } from "./errors.ts";
import type { RestorePlan } from "./plan.ts";
import { canActAs, describeEntry } from "./reconcile.ts";
import type { RolesPlan } from "./roles.ts";
import type { TargetState } from "./target.ts";

/** Checks that find, before anything is written, what the restoring role cannot do. */

/**
 * Every owner the planned statements name must exist in the target (or be created by --roles),
 * and the restoring role must be able to act as it (own objects for it, alter its objects).
 */
export function checkOwners(plan: RestorePlan, target: TargetState, roles: RolesPlan | null) {
  const created = new Set(roles?.created ?? []);
  const missing = new Set<string>();
  const foreign = new Map<string, string[]>();
  for (const p of [...plan.pre, ...plan.post]) {
    const owner = p.entry.owner;
    if (!owner || owner === "-" || p.entry.type === "ACL") continue;
    if (!target.roles.has(owner) && !created.has(owner)) missing.add(owner);
    else if (!created.has(owner) && !canActAs(target.actor, owner))
      foreign.set(owner, [...(foreign.get(owner) ?? []), describeEntry(p.entry)]);
  }
  if (missing.size > 0)
    throw new TargetError(
      `the target has no role ${[...missing].map((r) => JSON.stringify(r)).join(", ")}, which owns objects of the backup; restore with --roles, or create the roles first`,
    );
  if (foreign.size > 0) {
    const me = JSON.stringify(target.actor.name);
    const lines = [...foreign].map(
      ([role, objects]) =>
        `${JSON.stringify(role)} (${objects.slice(0, 3).join(", ")}${objects.length > 3 ? `, and ${objects.length - 3} more` : ""})`,
    );
    throw new TargetError(
      `the restoring role ${me} cannot act as ${lines.join("; ")}, which own${foreign.size === 1 ? "s" : ""} objects the restore would create or change; as a superuser, GRANT ${[...foreign.keys()].map(quoteRole).join(", ")} TO ${quoteRole(target.actor.name)}, or restore as a role that can; nothing was written`,
    );
  }
}

/**
 * Rows loaded into tables that already exist go in with triggers and foreign-key checks off
 * (`session_replication_role = replica`), which needs the right to set it: found before writing.
 */
export function checkReplicationRole(plan: RestorePlan, target: TargetState) {
  const existing = plan.tables.filter((t) => t.mode === "replace" || t.mode === "append");
  if (existing.length === 0 || target.canSetReplicationRole) return;
  const names = existing.map((t) => `${t.table.schema}.${t.table.name}`);
  const me = quoteRole(target.actor.name);
  throw new TargetError(
    `the restore loads rows into tables the target already has (${names.slice(0, 3).join(", ")}${names.length > 3 ? `, and ${names.length - 3} more` : ""}) with their triggers and foreign-key checks off, which needs SET session_replication_role, and ${me} may not set it: as a superuser, GRANT SET ON PARAMETER session_replication_role TO ${me} (on hosted Supabase the platform's supautils gives postgres this), or restore as a superuser; nothing was written`,
  );
}

function quoteRole(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
