// A dump worker in its own process, for the test that kills one with SIGKILL mid-run. Its table
// copies never finish, so the run is certainly in progress when it dies.
import { S3ArtifactStore, type S3ArtifactStoreOptions } from "@tablesnap/artifacts";
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
  jobDelivery: { backoffMs: [100], ackWaitMs: 10_000 },
  beforeTable: () => new Promise<void>(() => {}),
});
process.stdout.write("ready\n");
