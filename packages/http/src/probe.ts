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
