import { type Inventory, labelKey, objectKey } from "./inventory.ts";
import type { ScriptEntry } from "./script.ts";

/** The role the restore runs as, and whom it can act for (ownership checks pass for members). */
export interface Actor {
  readonly name: string;
  readonly superuser: boolean;
  /** Roles whose privileges the actor has (itself included): it can own and alter their objects. */
  readonly actsAs: ReadonlySet<string>;
  readonly superusers: ReadonlySet<string>;
}

export const canActAs = (a: Actor, role: string): boolean => a.superuser || a.actsAs.has(role);

/** One schema-file entry and what the restore does with it. */
export interface ReconciledEntry {
  readonly file: string;
  readonly entry: ScriptEntry;
  /** Reset the object's privileges to pg_dump's starting point before the entry's GRANTs. */
  readonly resetAcl?: boolean;
}

/** An object the restore leaves as the target has it, with why. */
export interface LeftObject {
  readonly object: string;
  readonly reason: string;
}

export interface Reconciled {
  readonly run: readonly ReconciledEntry[];
  readonly left: readonly LeftObject[];
}

/** Entries about another object, named by a label: `TABLE users`, `COLUMN users.email`. */
const LABELED = new Set(["COMMENT", "ACL", "SECURITY LABEL"]);

/** `TRIGGER auth.users on_auth_user_created`, for reports. */
export function describeEntry(e: ScriptEntry): string {
  if (LABELED.has(e.type))
    return `${e.type} ON ${e.name}${e.schema === "-" ? "" : ` (${e.schema})`}`;
  if (e.type === "DEFAULT ACL")
    return `${e.name} of ${e.owner}${e.schema === "-" ? "" : ` in schema ${e.schema}`}`;
  return `${e.type} ${e.schema === "-" ? "" : `${e.schema}.`}${e.name}`;
}

/**
 * Decides entry by entry, from the target's catalog, what a restore runs. Into a Supabase
 * project: what the target already has (the platform's publication, event triggers, extensions,
 * schemas, tables, functions) is left as it is and named; what it lacks is created, the
 * application's objects inside the platform's schemas included (a trigger on `auth.users`, a
 * policy on `storage.objects`); privileges of existing objects are reset and given exactly as in
 * the source where the restoring role may, and named where it may not. Into plain PostgreSQL
 * everything runs, except that an existing schema only gets its owner.
 */
export function reconcile(
  entries: readonly ReconciledEntry[],
  inv: Inventory,
  actor: Actor,
  supabase: boolean,
): Reconciled {
  const run: ReconciledEntry[] = [];
  const left: LeftObject[] = [];
  const leave = (p: ReconciledEntry, reason: string) =>
    left.push({ object: describeEntry(p.entry), reason });
  for (const p of entries) {
    const e = p.entry;
    if (e.type === "SCHEMA") {
      const key = objectKey("SCHEMA", "-", e.name);
      if (!inv.keys.has(key)) run.push(p);
      else {
        const owner = inv.owners.get(key) ?? "";
        if (owner === e.owner) {
          if (supabase) leave(p, "the target already has it");
        } else if (!supabase || canActAs(actor, owner)) run.push({ ...p, entry: ownerOnly(e) });
        else leave(p, `the target already has it, owned by ${owner}`);
      }
      continue;
    }
    if (LABELED.has(e.type)) {
      const key = labelKey(e.schema, e.name);
      if (!inv.keys.has(key)) {
        // New with this restore; an extension's objects belong to the superuser that made them.
        const owner = e.owner;
        if (!supabase || !owner || canActAs(actor, owner)) run.push(p);
        else
          leave(p, `owned by ${owner}, which ${actor.name} cannot act as (made by an extension)`);
        continue;
      }
      const owner = inv.owners.get(key) ?? "";
      const reset = e.type === "ACL" && canActAs(actor, owner);
      if (!supabase) run.push(reset ? { ...p, resetAcl: true } : p);
      else if (canActAs(actor, owner)) run.push(reset ? { ...p, resetAcl: true } : p);
      else
        leave(
          p,
          `on an object the target already has, owned by ${owner}, which ${actor.name} cannot act as`,
        );
      continue;
    }
    if (e.type === "DEFAULT ACL") {
      if (!supabase || canActAs(actor, e.owner)) run.push(p);
      else leave(p, `default privileges of ${e.owner}, which ${actor.name} cannot act as`);
      continue;
    }
    if (!supabase) {
      run.push(p);
      continue;
    }
    if (inv.keys.has(objectKey(e.type, e.schema, e.name))) {
      leave(p, "the target already has it");
      continue;
    }
    if (e.type === "EVENT TRIGGER" && !actor.superuser) {
      leave(
        p,
        "not in the target; creating an event trigger needs a superuser (the platform's own)",
      );
      continue;
    }
    if (e.owner && e.owner !== "-" && !canActAs(actor, e.owner) && actor.superusers.has(e.owner)) {
      leave(
        p,
        `not in the target; owned by ${e.owner}, a superuser ${actor.name} cannot act as (the platform's own)`,
      );
      continue;
    }
    run.push(p);
  }
  return { run, left };
}

/** An existing schema's entry without its CREATE SCHEMA: the owner (and nothing else) applies. */
function ownerOnly(e: ScriptEntry): ScriptEntry {
  const text = e.text
    .split("\n")
    .filter((l) => !l.startsWith("CREATE SCHEMA "))
    .join("\n");
  return { ...e, text };
}
