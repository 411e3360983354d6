import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BareRepo } from "../git/bare-repo.ts";
import { stableId } from "./ids.ts";

export type OwnerType = "User" | "Organization";

export interface RepoMeta {
  readonly id: number;
  readonly owner: string;
  readonly ownerType: OwnerType;
  readonly name: string;
  readonly private: boolean;
  readonly description: string | null;
  readonly homepage: string | null;
  readonly createdAt: string;
}

export interface RepoHandle {
  readonly meta: RepoMeta;
  readonly git: BareRepo;
  readonly fullName: string;
}

export interface NewRepo {
  readonly owner: string;
  readonly ownerType: OwnerType;
  readonly name: string;
  readonly private: boolean;
  readonly description: string | null;
  readonly homepage: string | null;
  readonly createdAt: string;
}

const META_FILE = "emulator.json";
const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

/** Owner and repository names that can be folders: GitHub's characters, never `.` or `..`. */
export const isSafeName = (name: string): boolean =>
  SAFE_NAME.test(name) && name !== "." && name !== "..";

/**
 * The repositories under the data dir. A bare repository put there by hand is found too; its
 * settings (private, description) then have defaults. Names match case-insensitively.
 */
export class RepoRegistry {
  readonly dataDir: string;
  readonly #open = new Map<string, RepoHandle>();

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  path(owner: string, name: string): string {
    return join(this.dataDir, owner, `${name}.git`);
  }

  async find(owner: string, name: string): Promise<RepoHandle | undefined> {
    if (!isSafeName(owner) || !isSafeName(name)) return undefined;
    const key = `${owner}/${name}`.toLowerCase();
    const cached = this.#open.get(key);
    if (cached) return cached;
    const realOwner = await matchEntry(this.dataDir, owner);
    const realDir = realOwner && (await matchEntry(join(this.dataDir, realOwner), `${name}.git`));
    if (!realOwner || !realDir) return undefined;
    const gitDir = join(this.dataDir, realOwner, realDir);
    if (!(await exists(join(gitDir, "HEAD")))) return undefined;
    return this.#remember(await readMeta(gitDir, realOwner, realDir.slice(0, -4)), gitDir);
  }

  /** Creates the bare repository; `undefined` when the name is taken (case-insensitively). */
  async create(repo: NewRepo, defaultBranch: string): Promise<RepoHandle | undefined> {
    if (await this.find(repo.owner, repo.name)) return undefined;
    const gitDir = this.path(repo.owner, repo.name);
    await mkdir(join(this.dataDir, repo.owner), { recursive: true });
    try {
      await mkdir(gitDir); // the folder is the lock: two creates of one name, one wins
    } catch {
      return undefined;
    }
    try {
      await BareRepo.init(gitDir, defaultBranch);
      const meta: RepoMeta = { id: stableId("repo", `${repo.owner}/${repo.name}`), ...repo };
      await writeFile(join(gitDir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
      return this.#remember(meta, gitDir);
    } catch (e) {
      await rm(gitDir, { recursive: true, force: true });
      throw e;
    }
  }

  async byId(id: number): Promise<RepoHandle | undefined> {
    return (await this.list()).find((r) => r.meta.id === id);
  }

  async list(): Promise<RepoHandle[]> {
    const out: RepoHandle[] = [];
    for (const owner of await readdir(this.dataDir).catch(() => [])) {
      for (const dir of await readdir(join(this.dataDir, owner)).catch(() => [])) {
        if (!dir.endsWith(".git")) continue;
        const found = await this.find(owner, dir.slice(0, -4));
        if (found) out.push(found);
      }
    }
    return out;
  }

  close(): void {
    for (const r of this.#open.values()) r.git.close();
    this.#open.clear();
  }

  #remember(meta: RepoMeta, gitDir: string): RepoHandle {
    const fullName = `${meta.owner}/${meta.name}`;
    const existing = this.#open.get(fullName.toLowerCase()); // a concurrent find got there first
    if (existing) return existing;
    const handle = { meta, git: new BareRepo(gitDir), fullName };
    this.#open.set(fullName.toLowerCase(), handle);
    return handle;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function matchEntry(dir: string, name: string): Promise<string | undefined> {
  if (await exists(join(dir, name))) return name;
  const lower = name.toLowerCase();
  return (await readdir(dir).catch(() => [])).find((e) => e.toLowerCase() === lower);
}

async function readMeta(gitDir: string, owner: string, name: string): Promise<RepoMeta> {
  const fallback: RepoMeta = {
    id: stableId("repo", `${owner}/${name}`),
    owner,
    ownerType: "Organization",
    name,
    private: true,
    description: null,
    homepage: null,
    createdAt: (await stat(gitDir)).mtime.toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  try {
    const saved = JSON.parse(await readFile(join(gitDir, META_FILE), "utf8")) as Partial<RepoMeta>;
    return { ...fallback, ...saved, owner, name };
  } catch {
    return fallback;
  }
}
