import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsArtifactStore } from "@tablesnap/artifacts";
import type { Manifest } from "@tablesnap/core";
import { runBackup } from "../src/index.ts";
import type { BackupOptions } from "../src/types.ts";

export interface BackupOnDisk {
  readonly dir: string;
  readonly manifest: Manifest;
  text(path: string): Promise<string>;
}

/** Runs the real engine into a fresh folder. */
export async function backupToDisk(
  databaseUrl: string,
  extra: Partial<BackupOptions> = {},
): Promise<BackupOnDisk> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-dump-"));
  const manifest = await runBackup({
    databaseUrl,
    store: new FsArtifactStore(dir),
    backupId: `test-${Date.now()}`,
    triggers: [{ source: "local", event: "manual", ref: "test" }],
    jobs: 2,
    includeSchemas: [],
    excludeSchemas: [],
    customDump: true,
    signal: new AbortController().signal,
    ...extra,
  });
  return { dir, manifest, text: (p) => readFile(join(dir, p), "utf8") };
}
