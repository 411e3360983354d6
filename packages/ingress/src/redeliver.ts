import type { Logger } from "@tablesnap/http";

/** The part of an Octokit client redelivery needs: `octokit.request` fits. */
export interface GitHubRequester {
  request(
    route: string,
    params?: Record<string, unknown>,
  ): Promise<{ data: unknown; headers: Record<string, string | number | undefined> }>;
}

/** One entry of `GET /app/hook/deliveries` (the fields used here). */
export interface HookDelivery {
  readonly id: number;
  readonly guid: string;
  readonly delivered_at: string;
  readonly status_code: number;
  readonly redelivery?: boolean;
}

export interface RedeliverOptions {
  readonly client: GitHubRequester;
  /** Only deliveries at or after this time (GitHub keeps them 3 days). */
  readonly since: Date;
  /**
   * Ids of failed deliveries already redelivered, shared between scans so each failed attempt is
   * redelivered once; the function adds to it. A redelivery that fails too is a new delivery
   * (new id, same guid): the next scan tries again, until one succeeds or it is 3 days old.
   */
  readonly redelivered?: Set<number>;
  readonly logger?: Logger;
}

export interface RedeliverResult {
  readonly scanned: number;
  readonly redelivered: readonly number[];
}

const ok = (d: HookDelivery) => d.status_code >= 200 && d.status_code < 300;

/**
 * Lists the app's webhook deliveries since `since` (newest first, following the `cursor` of the
 * `link: rel="next"` header) and asks GitHub to redeliver the newest attempt of every guid that
 * never got a 2xx, unless that attempt was redelivered already.
 */
export async function redeliverFailed(options: RedeliverOptions): Promise<RedeliverResult> {
  const { client, since } = options;
  const done = options.redelivered ?? new Set<number>();
  const byGuid = new Map<string, HookDelivery[]>();
  let scanned = 0;
  let cursor: string | undefined;
  let older = false;
  do {
    const params: Record<string, unknown> = { per_page: 100 };
    if (cursor !== undefined) params["cursor"] = cursor;
    const page = await client.request("GET /app/hook/deliveries", params);
    const list = Array.isArray(page.data) ? (page.data as HookDelivery[]) : [];
    for (const d of list) {
      if (new Date(d.delivered_at) < since) {
        older = true;
        continue;
      }
      scanned++;
      byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
    }
    cursor = nextCursor(page.headers["link"]);
  } while (cursor !== undefined && !older);

  const redelivered: number[] = [];
  for (const [guid, deliveries] of byGuid) {
    const latest = deliveries[0]; // newest first
    if (latest === undefined || done.has(latest.id) || deliveries.some(ok)) continue;
    await client.request("POST /app/hook/deliveries/{delivery_id}/attempts", {
      delivery_id: latest.id,
    });
    done.add(latest.id);
    redelivered.push(latest.id);
    options.logger?.info({ delivery: guid, id: latest.id }, "github delivery redelivered");
  }
  return { scanned, redelivered };
}

/** The `cursor` query parameter of the `rel="next"` link, if any. */
export function nextCursor(link: string | number | undefined): string | undefined {
  if (typeof link !== "string") return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m?.[1]) return new URL(m[1], "http://x").searchParams.get("cursor") ?? undefined;
  }
  return undefined;
}

/**
 * Runs `redeliverFailed` now and every `intervalMs` (default 15 minutes) over the last 3 days.
 * Failures are logged, never thrown. Returns a stop function.
 */
export function scheduleRedelivery(options: {
  readonly client: GitHubRequester;
  readonly logger: Logger;
  readonly intervalMs?: number;
  readonly now?: () => Date;
}): () => void {
  const redelivered = new Set<number>();
  const now = options.now ?? (() => new Date());
  const tick = () => {
    const since = new Date(now().getTime() - 3 * 86_400_000);
    redeliverFailed({ client: options.client, since, redelivered, logger: options.logger })
      .then((r) =>
        options.logger.info({ ...r, redelivered: r.redelivered.length }, "redelivery scan"),
      )
      .catch((e: unknown) =>
        options.logger.warn(
          { err: e instanceof Error ? e.message : String(e) },
          "redelivery scan failed",
        ),
      );
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 15 * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
