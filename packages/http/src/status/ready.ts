import type { StatusOptions } from "./app.ts";

export interface Check {
  readonly ok: boolean;
  readonly detail: string;
}

const TIMEOUT_MS = 2_000;

/** `fn` within 2 s; a rejection or no answer is a failed check naming the error class. */
export async function probe(fn: () => Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: "no answer within 2 s" }), TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      fn().catch((e: unknown) => ({ ok: false, detail: e instanceof Error ? e.name : "error" })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** NATS, the state database and the object store, each checked at once with a 2 s limit. */
export async function readiness(options: Pick<StatusOptions, "state" | "bus" | "store">) {
  const { bus, store, state } = options;
  const skipped: Check = { ok: true, detail: "not used by this service" };
  const [nats, stateDb, objectStore] = await Promise.all([
    bus ? probe(() => bus.health()) : skipped,
    probe(async () => {
      await state.ping();
      return { ok: true, detail: "reachable" };
    }),
    store
      ? probe(async () => {
          await store.ping();
          return { ok: true, detail: "reachable" };
        })
      : skipped,
  ]);
  const ok = nats.ok && stateDb.ok && objectStore.ok;
  return {
    status: ok ? ("ready" as const) : ("not_ready" as const),
    checks: { nats, state: stateDb, object_store: objectStore },
  };
}
