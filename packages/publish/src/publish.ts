import type { ArtifactStore } from "@tablesnap/artifacts";
import { type Manifest, sameContent } from "@tablesnap/core";
import { BranchMovedError } from "./errors.ts";
import { commitMessage } from "./message.ts";
import { type BaseState, LATEST_DIR, planBackup, type Retention, readBaseState } from "./plan.ts";
import type { BackupRepo } from "./types.ts";

export interface PublishOptions {
  readonly repo: BackupRepo;
  readonly branch: string;
  readonly manifest: Manifest;
  /** Holds every file the manifest lists, by the manifest's paths. */
  readonly artifacts: ArtifactStore;
  readonly retention: Retention;
  readonly author?: { name: string; email: string };
  readonly now?: Date;
  /** How often to rebuild on top of a branch that moved meanwhile. */
  readonly attempts?: number;
  /** Blobs the repository already holds for some of the files, by path (see BlobFeeder). */
  readonly written?: ReadonlyMap<string, string>;
  /**
   * Commit a backup whose content equals the latest's too (a heartbeat commit). By default such
   * a backup writes nothing and the result is `unchanged`, naming the latest it matched.
   */
  readonly commitUnchanged?: boolean;
  /**
   * What the branch held when the caller last read it (`readBaseState` of `head`): used as is
   * while the branch still points at `head`, since it depends on that commit alone.
   */
  readonly base?: { readonly head: string | null; readonly state: BaseState };
}

export interface PublishResult {
  /**
   * False when nothing was written: the branch already held this backup (same backup_id), or
   * the latest backup holds the same content (`unchanged`).
   */
  readonly changed: boolean;
  /** True when the latest backup held the same content: `commit`/`folder` are the ones it matched. */
  readonly unchanged?: boolean;
  /** With `unchanged`: the backup id of the latest backup it matched (the one in `folder`). */
  readonly matchedBackupId?: string;
  readonly commit: string;
  readonly tree: string;
  /** `backups/latest/<folder>`. */
  readonly folder: string;
  readonly archived: readonly string[];
  readonly pruned: readonly string[];
  readonly reusedFiles: number;
  /** Write requests this publish sent, failed attempts and rebuilds included (API adapters only). */
  readonly writes?: number;
}

const DEFAULT_AUTHOR = { name: "tablesnap", email: "tablesnap@localhost" };

/**
 * Publishes one backup as one commit: reads what the branch holds, plans the tree edits, and
 * moves the branch once. When another writer moved the branch meanwhile, it re-reads and
 * rebuilds on top; publishing the same backup twice changes nothing.
 */
export async function publishBackup(o: PublishOptions): Promise<PublishResult> {
  const attempts = o.attempts ?? 3;
  const start = o.repo.writes?.();
  const writes = () =>
    start === undefined ? {} : { writes: (o.repo.writes?.() ?? start) - start };
  for (let attempt = 1; ; attempt++) {
    const head = await o.repo.head(o.branch);
    const base =
      o.base !== undefined && o.base.head === head
        ? o.base.state
        : await readBaseState(o.repo, head);
    const same = base.latest.find((l) => l.manifest?.backup_id === o.manifest.backup_id);
    if (head && same) {
      return {
        changed: false,
        commit: head,
        tree: await o.repo.treeOf(head),
        folder: `${LATEST_DIR}/${same.folder}`,
        archived: [],
        pruned: [],
        reusedFiles: 0,
        ...writes(),
      };
    }
    const latest = base.latest.length === 1 ? base.latest[0] : undefined;
    if (
      head &&
      !o.commitUnchanged &&
      latest?.manifest &&
      sameContent(latest.manifest, o.manifest)
    ) {
      return {
        changed: false,
        unchanged: true,
        matchedBackupId: latest.manifest.backup_id,
        commit: head,
        tree: await o.repo.treeOf(head),
        folder: `${LATEST_DIR}/${latest.folder}`,
        archived: [],
        pruned: [],
        reusedFiles: 0,
        ...writes(),
      };
    }
    const plan = planBackup(base, o.manifest, o.retention, o.now ?? new Date(), o.written);
    try {
      const r = await o.repo.commit({
        branch: o.branch,
        parent: head,
        ops: plan.ops,
        message: commitMessage(o.manifest),
        artifacts: o.artifacts,
        author: o.author ?? DEFAULT_AUTHOR,
      });
      return {
        changed: true,
        ...r,
        folder: `${LATEST_DIR}/${plan.folder}`,
        archived: plan.archived,
        pruned: plan.pruned,
        reusedFiles: plan.reused,
        ...writes(),
      };
    } catch (e) {
      if (!(e instanceof BranchMovedError) || attempt >= attempts) throw e;
    }
  }
}
