// A dump worker in its own process, for the test that kills one with SIGKILL mid-run. Its table
// copies never finish, so the run is certainly in progress when it dies.
import { S3ArtifactStore, type S3ArtifactStoreOptions } from "@tablesnap/artifacts/s3";
import { NatsBus } from "@tablesnap/bus";
import type { TargetConfig } from "@tablesnap/config";
import { PgStateStore } from "@tablesnap/state";
import { startDumpWorker } from "../src/index.ts";

interface ChildConfig {
  readonly nats: string;
  readonly prefix: string;
  readonly stateUrl: string;
  readonly s3: S3ArtifactStoreOptions;
  readonly target: TargetConfig;
  readonly dumpAckWaitMs: number;
  /** 0: the child only copies tables. Default 2. */
  readonly holders?: number;
  readonly jobDelivery?: { ackWaitMs: number; maxDeliver: number };
}

const c = JSON.parse(process.env["WORKER_CHILD"] ?? "{}") as ChildConfig;
const bus = new NatsBus({ servers: c.nats, prefix: c.prefix });
await startDumpWorker({
  bus,
  state: PgStateStore.open(c.stateUrl),
  bucket: new S3ArtifactStore(c.s3),
  targets: [c.target],
  pollMs: 50,
  dumpDelivery: { ackWaitMs: c.dumpAckWaitMs },
  holders: c.holders ?? 2,
  jobDelivery: { backoffMs: [100], ackWaitMs: 10_000, ...c.jobDelivery },
  beforeTable: () => new Promise<void>(() => {}),
});
process.stdout.write("ready\n");
