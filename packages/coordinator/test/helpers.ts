import type { Bus, Message, MessageInput, MessageKind } from "@tablesnap/bus";
import { TARGET_DEFAULTS, type TargetConfig } from "@tablesnap/config";
import type { Logger } from "../src/index.ts";

/** A clock the test moves by hand. */
export class TestClock {
  #ms: number;
  constructor(start: string | Date) {
    this.#ms = new Date(start).getTime();
  }
  readonly now = (): Date => new Date(this.#ms);
  advance(seconds: number): Date {
    this.#ms += seconds * 1000;
    return this.now();
  }
  set(at: string | Date): void {
    this.#ms = new Date(at).getTime();
  }
}

/** A logger that keeps its lines for assertions instead of printing them. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (context: Record<string, unknown>, message: string) =>
    void lines.push(`${level} ${message} ${JSON.stringify(context)}`);
  return { lines, info: keep("info"), warn: keep("warn"), error: keep("error") };
}

export function target(name: string, extra: Partial<TargetConfig> = {}): TargetConfig {
  return {
    ...{ name, databaseUrl: "postgres://127.0.0.1/app", repositories: "all", schedules: [] },
    repository: { kind: "local", path: "/tmp/tablesnap-backups" },
    branches: TARGET_DEFAULTS.branches,
    retention: TARGET_DEFAULTS.retention,
    debounceSeconds: 30,
    freshnessLimitSeconds: TARGET_DEFAULTS.freshnessLimitSeconds,
    timeLimitSeconds: TARGET_DEFAULTS.timeLimitSeconds,
    rolePasswords: false,
    commitUnchanged: false,
    ...extra,
  };
}

/** A GitHub push trigger as the ingress publishes it. */
export function push(
  id: string,
  extra: Partial<MessageInput<"trigger">> = {},
): MessageInput<"trigger"> {
  return {
    ...{ id, target: "default", source: "acme/api", event: "push", ref: "abc1234" },
    at: new Date().toISOString(),
    ...extra,
  };
}

/** Every message of one kind that reaches a durable of its own (a stand-in dump worker, say). */
export async function collect<K extends MessageKind>(
  bus: Bus,
  kind: K,
  durable = "test-collector",
): Promise<Message<K>[]> {
  const got: Message<K>[] = [];
  await bus.consume(kind, { durable }, (m) => void got.push(m));
  return got;
}
