import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeArtifactStore } from "../test/contract.ts";
import { FsArtifactStore } from "./fs/fs-store.ts";
import { MemoryArtifactStore } from "./memory/memory-store.ts";

describeArtifactStore("memory", async () => new MemoryArtifactStore());
describeArtifactStore(
  "fs",
  async () => new FsArtifactStore(join(await mkdtemp(join(tmpdir(), "tsnap-art-")), "store")),
);
