import { randomUUID } from "node:crypto";
import type { DeliverySeed, HookDelivery } from "../types.ts";

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Webhook deliveries of the app: seeded by tests, redelivered through the API. */
export class DeliveryStore {
  readonly #items: HookDelivery[] = []; // oldest first
  #nextId = 10_000_000_001;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  add(seed: DeliverySeed): HookDelivery {
    const code = seed.statusCode ?? 200;
    const delivered =
      seed.deliveredAt === undefined ? this.#now() : new Date(seed.deliveredAt).getTime();
    const guid = seed.guid ?? randomUUID();
    const item: HookDelivery = {
      id: this.#nextId++,
      guid,
      delivered_at: isoSeconds(delivered),
      redelivery: false,
      duration: seed.duration ?? 0.05,
      status: seed.status ?? (code >= 200 && code < 400 ? "OK" : "Invalid HTTP Response: 502"),
      status_code: code,
      event: seed.event,
      action: seed.action ?? null,
      installation_id: seed.installationId ?? null,
      repository_id: seed.repositoryId ?? null,
      throttled_at: null,
      url: "",
      request: {
        headers: { "X-GitHub-Event": seed.event, "X-GitHub-Delivery": guid },
        payload: seed.payload ?? {},
      },
      response: { headers: {}, payload: "" },
    };
    this.#items.push(item);
    return item;
  }

  get(id: number): HookDelivery | undefined {
    return this.#items.find((d) => d.id === id);
  }

  /** Newest first, as GitHub lists them. */
  all(): HookDelivery[] {
    return [...this.#items].reverse();
  }

  /** A new attempt of `original`: same guid and payload, `redelivery: true`, answered 200. */
  redeliver(original: HookDelivery): HookDelivery {
    const item: HookDelivery = {
      ...original,
      id: this.#nextId++,
      delivered_at: isoSeconds(this.#now()),
      redelivery: true,
      status: "OK",
      status_code: 200,
    };
    this.#items.push(item);
    return item;
  }
}
