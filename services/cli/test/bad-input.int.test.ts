import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Manifest, parseManifest } from "@tablesnap/core";
import {
  adminUrl,
  createScratchDatabase,
  freePort,
  psql,
  type ScratchDatabase,
  until,
} from "@tablesnap/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

/*
 * `tablesnap backup` fed bad input: every case runs the real CLI as a child process against a
 * real PostgreSQL and a real git repository, and checks the exit code, that stderr names the
 * problem in one line, and that the repository was left exactly as it was.
 */

const execFileP = promisify(execFile);
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "../src/main.ts");
const SHORT = 60_000;
const LONG = 180_000;

// ---------------------------------------------------------------------------------------------
// Cleanup: databases and folders after each test, roles after all of them (a role can only be
// dropped once the databases holding its privileges are gone).

const cleanups: Array<() => Promise<void>> = [];
const roles: string[] = [];

afterEach(async () => {
  const errors: unknown[] = [];
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, "cleanup failed");
});

afterAll(async () => {
  for (const role of roles.splice(0)) {
    await psql(adminUrl(), { command: `DROP ROLE IF EXISTS "${role}"` });
  }
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-badinput-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A scratch database with two small tables (one with a primary key, one without). */
async function smallDatabase(): Promise<ScratchDatabase> {
  const db = await createScratchDatabase("tsnap_cli");
  cleanups.push(() => db.drop());
  await db.sql`create table public.accounts (id int primary key, name text not null)`;
  await db.sql`insert into public.accounts select g, 'account ' || g from generate_series(1, 20) g`;
  await db.sql`create table public.events (at timestamptz not null, what text)`;
  await db.sql`insert into public.events values ('2024-01-01T00:00:00Z', 'opened'),
    ('2024-01-02T00:00:00Z', 'closed')`;
  return db;
}

/** One million rows: about 3 s of dumping on this machine, long enough to interrupt. */
async function bigDatabase(): Promise<ScratchDatabase> {
  const db = await createScratchDatabase("tsnap_cli");
  cleanups.push(() => db.drop());
  await db.sql`create table public.big (id int primary key, v text not null)`;
  await db.sql`insert into public.big select g, md5(g::text) from generate_series(1, 1000000) g`;
  await db.sql`analyze public.big`;
  return db;
}

function withUrl(url: string, change: (u: URL) => void): string {
  const u = new URL(url);
  change(u);
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Running the CLI.

interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  exited(): boolean;
  stderr(): string;
}

/** The child's environment: ours without anything that would steer tablesnap or libpq. */
function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("TABLESNAP_") || k.startsWith("PG")) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function startCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): RunningCli {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let exited = false;
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => {
      exited = true;
      res({ code, signal, stdout, stderr });
    });
  });
  return { child, done, exited: () => exited, stderr: () => stderr };
}

function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  return startCli(args, env).done;
}

function backupArgs(databaseUrl: string, repo: string, ...more: string[]): string[] {
  return ["backup", "--database-url", databaseUrl, "--repo", repo, ...more];
}

/**
 * stderr holds at most the "backing up … into …" progress line and then exactly one line
 * `tablesnap: error: …` naming the problem (no stack trace, no second message).
 */
function expectOneErrorLine(r: CliResult, ...mentions: Array<string | RegExp>): void {
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  const problems = lines.filter((l, i) => !(i === 0 && l.startsWith("backing up ")));
  expect(problems, `stderr was:\n${r.stderr}`).toHaveLength(1);
  const line = problems[0] ?? "";
  expect(line).toMatch(/^tablesnap: error: \S/);
  for (const m of mentions) {
    if (typeof m === "string") expect(line).toContain(m);
    else expect(line).toMatch(m);
  }
  expect(r.stdout).toBe("");
}

// ---------------------------------------------------------------------------------------------
// Looking at the repository.

async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await execFileP("git", [...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

async function gitOrNull(cwd: string, args: readonly string[]): Promise<string | null> {
  try {
    return await git(cwd, args);
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function listOrNull(dir: string): Promise<string[] | null> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return null;
  }
}

/** Every path in the work tree (not descending into .git), sorted. */
async function workTree(repo: string): Promise<string[]> {
  const all = await readdir(repo, { recursive: true });
  return all.filter((p) => p !== ".git" && !p.startsWith(`.git${sep}`)).sort();
}

interface RepoState {
  readonly head: string | null;
  readonly refs: string;
  readonly status: string;
  readonly files: string[];
  /** `.git/tablesnap`: no `lock`, no `staging` once a run has ended. */
  readonly tablesnap: string[];
}

async function repoState(repo: string): Promise<RepoState> {
  return {
    head: await gitOrNull(repo, ["rev-parse", "--verify", "-q", "HEAD"]),
    refs: await git(repo, ["for-each-ref", "--format=%(refname) %(objectname)"]),
    status: await git(repo, ["status", "--porcelain", "--untracked-files=all"]),
    files: await workTree(repo),
    tablesnap: (await listOrNull(join(repo, ".git", "tablesnap"))) ?? [],
  };
}

/** No branch, no private ref: nothing was committed. */
async function expectNoCommit(repo: string): Promise<void> {
  expect(await gitOrNull(repo, ["rev-parse", "--verify", "-q", "HEAD"])).toBeNull();
  expect(await git(repo, ["for-each-ref"])).toBe("");
}

async function expectNoLeftovers(repo: string): Promise<void> {
  expect(await exists(join(repo, ".git", "tablesnap", "staging"))).toBe(false);
  expect(await exists(join(repo, ".git", "tablesnap", "lock"))).toBe(false);
}

async function commitCount(repo: string): Promise<number> {
  return Number(await git(repo, ["rev-list", "--count", "HEAD"]));
}

/** The manifest of the newest backup, read from the commit (not the work tree). */
async function committedManifest(repo: string): Promise<Manifest> {
  // `backups/latest/latest` is a symlink; its blob is the folder name it points at.
  const folder = await git(repo, ["show", "HEAD:backups/latest/latest"]);
  return parseManifest(await git(repo, ["show", `HEAD:backups/latest/${folder}/manifest.json`]));
}

/** A repository holding one successful backup of `db`. */
async function backedUpRepo(db: ScratchDatabase): Promise<string> {
  const repo = join(await tempDir(), "repo");
  const r = await runCli(backupArgs(db.url, repo));
  expect(r.code, r.stderr).toBe(0);
  expect(await commitCount(repo)).toBe(1);
  return repo;
}

/** Polls (never a bare sleep) until `check` holds; fails early if the backup ended meanwhile. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  run: RunningCli,
  timeoutMs = 60_000,
): Promise<void> {
  await until(
    what,
    async () => {
      if (await check()) return true;
      if (run.exited())
        throw new Error(`the backup ended before ${what}; stderr:\n${run.stderr()}`);
      return false;
    },
    timeoutMs,
  );
}

// ---------------------------------------------------------------------------------------------
// A second, throw-away PostgreSQL that asks for a password (the shared one trusts everybody).

interface PasswordServer {
  readonly port: number;
  readonly password: string;
  url(password: string): string;
  stop(): Promise<void>;
}

async function postgresBinDir(): Promise<string> {
  try {
    const dir = (await execFileP("pg_config", ["--bindir"], { encoding: "utf8" })).stdout.trim();
    if (await exists(join(dir, "initdb"))) return dir;
  } catch {
    // no pg_config on PATH: fall back to Debian's layout
  }
  return "/usr/lib/postgresql/15/bin";
}
/**
 * initdb refuses to run as root, so as root the server is created and run by the `postgres` OS
 * user, in a folder it owns.
 */
async function startPasswordServer(): Promise<PasswordServer> {
  const bin = await postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), "tsnap-scram-"));
  const asRoot = process.getuid?.() === 0;
  const run = async (cmd: string, args: readonly string[]) => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", cmd, ...args]]
      : [cmd, [...args]];
    await execFileP(file, argv, { cwd: dir, encoding: "utf8" });
  };
  const data = join(dir, "data");
  const pwfile = join(dir, "pwfile");
  const password = `right-${randomBytes(6).toString("hex")}`;
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const id = async (flag: string) =>
      Number((await execFileP("id", [flag, "postgres"], { encoding: "utf8" })).stdout.trim());
    const [uid, gid] = [await id("-u"), await id("-g")];
    await chown(dir, uid, gid);
    await chown(pwfile, uid, gid);
  }
  const port = await freePort();
  const pgCtl = join(bin, "pg_ctl");
  const stop = async () => {
    await run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run(join(bin, "initdb"), [
      "-D",
      data,
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--auth=scram-sha-256",
      `--pwfile=${pwfile}`,
      "--no-sync",
    ]);
    await run(pgCtl, [
      "-D",
      data,
      "-l",
      join(dir, "server.log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      "start",
    ]);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    password,
    url: (pw) => `postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------

describe("tablesnap backup: the database cannot be used", () => {
  it(
    "fails with exit 1 when the server cannot be reached, leaving the repository as it was",
    async () => {
      const db = await smallDatabase();
      const url = withUrl(db.url, (u) => {
        u.hostname = "127.0.0.1";
        u.port = "1"; // nothing listens on port 1
      });

      const repo = await backedUpRepo(db);
      const before = await repoState(repo);
      const r = await runCli(backupArgs(url, repo));
      expectOneErrorLine(r, /cannot reach PostgreSQL at 127\.0\.0\.1:1\b/);
      expect(r.code).toBe(1);
      expect(await repoState(repo)).toEqual(before);

      const fresh = join(await tempDir(), "repo");
      const r2 = await runCli(backupArgs(url, fresh));
      expectOneErrorLine(r2, /cannot reach PostgreSQL at 127\.0\.0\.1:1\b/);
      expect(r2.code).toBe(1);
      // A folder the failed run had to create is gone again.
      expect(await exists(fresh)).toBe(false);
    },
    SHORT,
  );

  describe("with a port that answers, but not as PostgreSQL (an HTTP server, a proxy)", () => {
    let server: ReturnType<typeof createServer>;
    let port = 0;
    beforeAll(async () => {
      // Accepts, then answers every connection with bytes that are no PostgreSQL message.
      server = createServer((socket) => {
        socket.on("error", () => {});
        socket.write("HTTP/1.1 400 Bad Request\r\n");
        const drip = setInterval(() => socket.write("x"), 200);
        socket.on("close", () => clearInterval(drip));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const a = server.address();
      port = typeof a === "object" && a ? a.port : 0;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it(
      "fails within the connect bound, naming host and port, and leaves no repository behind",
      async () => {
        const fresh = join(await tempDir(), "repo");
        const started = Date.now();
        const r = await runCli(backupArgs(`postgres://app@127.0.0.1:${port}/app`, fresh));
        expect(Date.now() - started).toBeLessThan(25_000);
        expectOneErrorLine(
          r,
          `cannot reach PostgreSQL at 127.0.0.1:${port}: nothing answered as PostgreSQL within 10 s`,
        );
        expect(r.code).toBe(1);
        expect(await exists(fresh)).toBe(false);
      },
      SHORT,
    );

    it(
      "stops at once on SIGINT and on SIGTERM while it waits for the server",
      async () => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
          const fresh = join(await tempDir(), "repo");
          const cli = startCli(backupArgs(`postgres://app@127.0.0.1:${port}/app`, fresh));
          // It says so once it is connecting (its signal handlers are set by then).
          while (!cli.stderr().includes("backing up") && !cli.exited()) await delay(50);
          await delay(500);
          const sent = Date.now();
          cli.child.kill(signal);
          const r = await cli.done;
          expect(Date.now() - sent, signal).toBeLessThan(3000);
          expect(r.code, r.stderr).toBe(130);
          expect(await exists(fresh)).toBe(false);
        }
      },
      SHORT,
    );
  });

  describe("with a server that asks for a password", () => {
    let server: PasswordServer | undefined;
    beforeAll(async () => {
      server = await startPasswordServer();
    }, LONG);
    afterAll(async () => {
      await server?.stop();
    });

    it(
      "fails with exit 1 when the password is wrong, without echoing it",
      async () => {
        if (!server) throw new Error("the password server did not start");
        // The right password works, so the failure below is the password's alone.
        expect(await psql(server.url(server.password), { command: "select 1" })).toContain(
          "(1 row)",
        );
        const wrong = `wrong-${randomBytes(6).toString("hex")}`;
        const url = server.url(wrong);
        const where = `127.0.0.1:${server.port}`;

        const db = await smallDatabase();
        const repo = await backedUpRepo(db);
        const before = await repoState(repo);
        // On the command line a password is refused before anything runs.
        const onLine = await runCli(backupArgs(url, repo));
        expectOneErrorLine(onLine, "--database-url holds a password");
        expect(onLine.stderr).not.toContain(wrong);
        expect(onLine.code).toBe(2);
        const viaEnv = { TABLESNAP_DATABASE_URL: url };
        const r = await runCli(["backup", "--repo", repo], viaEnv);
        expectOneErrorLine(r, `password authentication failed for user "postgres" at ${where}`);
        expect(r.stderr).not.toContain(wrong);
        expect(r.code).toBe(1);
        expect(await repoState(repo)).toEqual(before);

        const fresh = join(await tempDir(), "repo");
        const r2 = await runCli(["backup", "--repo", fresh], viaEnv);
        expectOneErrorLine(r2, "password authentication failed");
        expect(r2.stderr).not.toContain(wrong);
        expect(r2.code).toBe(1);
        // A folder the failed run had to create is gone again.
        expect(await exists(fresh)).toBe(false);
      },
      SHORT,
    );
  });

  it(
    "fails with exit 1 when the database does not exist",
    async () => {
      const db = await smallDatabase();
      const missing = `${db.name}_missing`;
      const url = withUrl(db.url, (u) => {
        u.pathname = `/${missing}`;
      });

      const repo = await backedUpRepo(db);
      const before = await repoState(repo);
      const r = await runCli(backupArgs(url, repo));
      expectOneErrorLine(r, `database "${missing}" does not exist`);
      expect(r.code).toBe(1);
      expect(await repoState(repo)).toEqual(before);

      const fresh = join(await tempDir(), "repo");
      const r2 = await runCli(backupArgs(url, fresh));
      expectOneErrorLine(r2, `database "${missing}" does not exist`);
      expect(r2.code).toBe(1);
      // A folder the failed run had to create is gone again.
      expect(await exists(fresh)).toBe(false);
    },
    SHORT,
  );

  // Whether an early failure may leave `git init` behind in a folder that was new or empty: the
  // command promises "a failure ... before the commit leaves the repository exactly as it was".
  it(
    "leaves a new or empty --repo folder as it was when the run fails",
    async () => {
      const db = await smallDatabase();
      const url = withUrl(db.url, (u) => {
        u.pathname = `/${db.name}_missing`;
      });
      const parent = await tempDir();
      const missing = join(parent, "not-yet");
      const empty = join(parent, "empty");
      await mkdir(empty);

      const r1 = await runCli(backupArgs(url, missing));
      expectOneErrorLine(r1, "does not exist");
      expect(r1.code).toBe(1);
      const r2 = await runCli(backupArgs(url, empty));
      expectOneErrorLine(r2, "does not exist");
      expect(r2.code).toBe(1);

      expect(await listOrNull(empty)).toEqual([]);
      expect(await exists(missing)).toBe(false);
    },
    SHORT,
  );
});

describe("tablesnap backup: pg_dump older than the server", () => {
  /**
   * Stand-ins for an old pg_dump/pg_dumpall: only PostgreSQL 15 is installed here, so a real
   * older pg_dump cannot be had; these answer `--version` like pg_dump 13 does and refuse
   * anything else (and log every call, to prove nothing but `--version` was asked of them).
   */
  async function oldPgBin(): Promise<{ dir: string; log: string }> {
    const dir = await tempDir();
    const log = join(dir, "calls.log");
    for (const tool of ["pg_dump", "pg_dumpall"]) {
      const script = [
        "#!/bin/sh",
        `echo "${tool} $*" >> '${log}'`,
        'if [ "$1" = "--version" ]; then',
        `  echo "${tool} (PostgreSQL) 13.0"`,
        "  exit 0",
        "fi",
        `echo "${tool}: this stand-in only answers --version" >&2`,
        "exit 1",
        "",
      ].join("\n");
      await writeFile(join(dir, tool), script, { mode: 0o755 });
    }
    return { dir, log };
  }

  async function serverMajor(db: ScratchDatabase): Promise<number> {
    const [row] = await db.sql<
      { num: string }[]
    >`select current_setting('server_version_num') as num`;
    return Math.floor(Number(row?.num) / 10000);
  }

  for (const via of ["--pg-bin", "TABLESNAP_PG_BIN"] as const) {
    it(
      `fails with exit 1 naming both versions (pg_dump given by ${via})`,
      async () => {
        const db = await smallDatabase();
        const major = await serverMajor(db);
        const old = await oldPgBin();
        const repo = await backedUpRepo(db);
        const before = await repoState(repo);

        const r =
          via === "--pg-bin"
            ? await runCli(backupArgs(db.url, repo, "--pg-bin", old.dir))
            : await runCli(backupArgs(db.url, repo), { TABLESNAP_PG_BIN: old.dir });
        expectOneErrorLine(
          r,
          "pg_dump 13.0",
          join(old.dir, "pg_dump"),
          `PostgreSQL ${major}.`,
          "--pg-bin",
          "TABLESNAP_PG_BIN",
        );
        expect(r.code).toBe(1);
        expect(await repoState(repo)).toEqual(before);
        const calls = (await readFile(old.log, "utf8")).trim().split("\n");
        expect(new Set(calls)).toEqual(new Set(["pg_dump --version"]));
      },
      SHORT,
    );
  }
});

describe("tablesnap backup: a role that may not read everything", () => {
  async function readerRole(db: ScratchDatabase): Promise<{ role: string; url: string }> {
    const role = `tsnap_reader_${randomBytes(5).toString("hex")}`;
    roles.push(role);
    await db.sql.unsafe(`create role "${role}" login`);
    await db.sql.unsafe(`grant connect on database "${db.name}" to "${role}"`);
    await db.sql.unsafe(`grant usage on schema public to "${role}"`);
    await db.sql.unsafe(`grant select on all tables in schema public to "${role}"`);
    await db.sql.unsafe(`revoke select on public.secrets from "${role}"`);
    const url = withUrl(db.url, (u) => {
      u.username = role;
      u.password = "";
    });
    return { role, url };
  }

  it(
    "skips the unreadable table with the server's reason, commits the rest, exits 3",
    async () => {
      const db = await smallDatabase();
      await db.sql`create table public.secrets (id int primary key, s text)`;
      await db.sql`insert into public.secrets values (1, 'hush'), (2, 'psst')`;
      const { url } = await readerRole(db);
      const repo = join(await tempDir(), "repo");

      const r = await runCli(backupArgs(url, repo));
      expect(r.stderr).not.toMatch(/tablesnap: (unexpected )?error/);
      expect(r.stderr).toContain("PARTIAL");
      expect(r.stderr).toContain("table public.secrets");
      expect(r.code, r.stderr).toBe(3);

      expect(await commitCount(repo)).toBe(1);
      const m = await committedManifest(repo);
      expect(m.status).toBe("partial");
      expect(m.skipped).toEqual([
        {
          object: "table public.secrets",
          reason: expect.stringMatching(/permission denied for table secrets/),
        },
      ]);
      expect(m.tables.map((t) => [t.schema, t.name, t.rows])).toEqual([
        ["public", "accounts", 20],
        ["public", "events", 2],
      ]);
      // Not a superuser, the role cannot read pg_authid (as on Supabase): roles without passwords.
      expect(m.roles.passwords).toBe(false);
      const folder = await git(repo, ["show", "HEAD:backups/latest/latest"]);
      expect(await git(repo, ["show", `HEAD:backups/latest/${folder}/roles.sql`])).toMatch(
        /CREATE ROLE postgres;/,
      );
      const paths = (await git(repo, ["ls-tree", "-r", "--name-only", "HEAD"])).split("\n");
      expect(paths.filter((p) => p.includes("/tables/secrets"))).toEqual([]);
      expect(paths.some((p) => /\/public\/tables\/accounts\/data[^/]*\.sql$/.test(p))).toBe(true);
      expect(paths.some((p) => /\/public\/tables\/events\/data[^/]*\.sql$/.test(p))).toBe(true);

      const message = await git(repo, ["log", "-1", "--format=%B"]);
      expect(message.split("\n")[0]).toContain("PARTIAL");
      expect(message).toContain("table public.secrets: permission denied for table secrets");
      expect(await git(repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
      await expectNoLeftovers(repo);
    },
    SHORT,
  );

  // `GRANT SELECT ON ALL TABLES` does not cover sequences, so a role set up exactly like the one
  // above cannot read the sequence behind a readable table's serial column. That table's rows
  // are readable; the run should still commit them and say what it left out, not fail.
  it(
    "commits a readable table whose serial sequence it may not read, and says so (exit 3)",
    async () => {
      const db = await smallDatabase();
      await db.sql`create table public.tickets (id serial primary key, title text not null)`;
      await db.sql`insert into public.tickets (title) values ('first'), ('second'), ('third')`;
      await db.sql`create table public.secrets (id int primary key, s text)`;
      await db.sql`insert into public.secrets values (1, 'hush')`;
      const { url } = await readerRole(db);
      const repo = join(await tempDir(), "repo");

      const r = await runCli(backupArgs(url, repo));
      expect(r.stderr).not.toMatch(/tablesnap: (unexpected )?error/);
      expect(r.code, r.stderr).toBe(3);

      const m = await committedManifest(repo);
      expect(m.status).toBe("partial");
      expect(m.tables.map((t) => [t.name, t.rows])).toEqual([
        ["accounts", 20],
        ["events", 2],
        ["tickets", 3],
      ]);
      expect(m.skipped.map((s) => s.object)).toContain("table public.secrets");
      // The sequence's value is not in the backup: that must not go unsaid.
      expect(m.skipped.some((s) => s.object.includes("tickets_id_seq"))).toBe(true);
    },
    SHORT,
  );
});

describe("tablesnap backup: --repo in the wrong state", () => {
  // A --repo that is a file is a bad argument, found before any work, like `--jobs 0`: the CLI's
  // own contract (core UsageError: "a bad flag, a bad path, ..."; help: "2 bad usage") says 2.
  it(
    "refuses a --repo that is a file (usage error, exit 2) and leaves the file alone",
    async () => {
      const db = await smallDatabase();
      const dir = await tempDir();
      const file = join(dir, "backups.txt");
      await writeFile(file, "not a repository\n");

      const r = await runCli(backupArgs(db.url, file));
      expectOneErrorLine(r, `--repo ${file} is a file`);
      expect(await readFile(file, "utf8")).toBe("not a repository\n");
      expect(await listOrNull(dir)).toEqual(["backups.txt"]);
      expect(r.code).toBe(2);
    },
    SHORT,
  );

  it(
    "refuses a --repo folder with files that is not a git repository (exit 2), untouched",
    async () => {
      const db = await smallDatabase();
      const dir = join(await tempDir(), "stuff");
      await mkdir(dir);
      await writeFile(join(dir, "notes.txt"), "mine\n");

      const r = await runCli(backupArgs(db.url, dir));
      expectOneErrorLine(r, `--repo ${dir} is a folder with files but not a git repository`);
      expect(await listOrNull(dir)).toEqual(["notes.txt"]);
      expect(r.code).toBe(2);
    },
    SHORT,
  );

  it(
    "refuses a clone with uncommitted changes (exit 1), keeping HEAD and the change",
    async () => {
      const db = await smallDatabase();
      const repo = await backedUpRepo(db);
      const folder = await git(repo, ["show", "HEAD:backups/latest/latest"]);
      const edited = join(repo, "backups", "latest", folder, "public", "tables", "accounts");
      const dataFile = join(
        edited,
        (await readdir(edited)).find((f) => f.startsWith("data")) ?? "",
      );
      const changed = `${await readFile(dataFile, "utf8")}-- my local edit\n`;
      await writeFile(dataFile, changed);
      const before = await repoState(repo);
      expect(before.status).not.toBe("");

      const r = await runCli(backupArgs(db.url, repo));
      expectOneErrorLine(r, `--repo ${repo} has uncommitted changes`);
      expect(r.code).toBe(1);
      expect(await repoState(repo)).toEqual(before);
      expect(await readFile(dataFile, "utf8")).toBe(changed);
      expect(await commitCount(repo)).toBe(1);
    },
    SHORT,
  );

  it(
    "refuses a clone with an untracked file (exit 1), keeping the file",
    async () => {
      const db = await smallDatabase();
      const repo = await backedUpRepo(db);
      await writeFile(join(repo, "README.local"), "scratch notes\n");
      const before = await repoState(repo);

      const r = await runCli(backupArgs(db.url, repo));
      expectOneErrorLine(r, "has uncommitted changes");
      expect(r.code).toBe(1);
      expect(await repoState(repo)).toEqual(before);
      expect(await readFile(join(repo, "README.local"), "utf8")).toBe("scratch notes\n");
    },
    SHORT,
  );

  it(
    "refuses a repository locked by a live run (exit 1) and leaves its lock alone",
    async () => {
      const db = await smallDatabase();
      const repo = await backedUpRepo(db);
      const lock = join(repo, ".git", "tablesnap", "lock");
      // This test's own process stands in for the other, still running, tablesnap.
      await writeFile(lock, String(process.pid));
      const before = await repoState(repo);

      const r = await runCli(backupArgs(db.url, repo));
      expectOneErrorLine(r, `in use by another tablesnap run (pid ${process.pid})`);
      expect(r.code).toBe(1);
      expect(await repoState(repo)).toEqual(before);
      expect(await readFile(lock, "utf8")).toBe(String(process.pid));
    },
    SHORT,
  );
});

describe("tablesnap backup: interrupted", () => {
  /** Starts a backup of a big table and waits until it is writing into its staging folder. */
  async function startAndWaitForStaging(): Promise<{
    db: ScratchDatabase;
    repo: string;
    run: RunningCli;
  }> {
    const db = await bigDatabase();
    const repo = join(await tempDir(), "repo");
    const staging = join(repo, ".git", "tablesnap", "staging");
    const run = startCli(backupArgs(db.url, repo));
    cleanups.push(async () => {
      if (!run.exited()) run.child.kill("SIGKILL");
      await run.done;
    });
    await waitFor(
      "staging folder with files",
      async () => ((await listOrNull(staging)) ?? []).length > 0,
      run,
    );
    return { db, repo, run };
  }

  async function expectNextRunSucceeds(db: ScratchDatabase, repo: string): Promise<void> {
    const again = await runCli(backupArgs(db.url, repo));
    expect(again.stderr).not.toMatch(/tablesnap: (unexpected )?error/);
    expect(again.code, again.stderr).toBe(0);
    expect(await commitCount(repo)).toBe(1);
    const m = await committedManifest(repo);
    expect(m.status).toBe("complete");
    expect(m.tables.map((t) => [t.name, t.rows])).toEqual([["big", 1_000_000]]);
    expect(await git(repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
    await expectNoLeftovers(repo);
  }

  it(
    "SIGINT mid-dump: exit 130, nothing committed, no staging or lock left; the next run works",
    async () => {
      const { db, repo, run } = await startAndWaitForStaging();
      run.child.kill("SIGINT");
      const r = await run.done;

      expect(r.signal).toBeNull();
      expect(r.stderr).toContain("tablesnap: interrupted; nothing was committed");
      expect(r.stderr).not.toMatch(/tablesnap: (unexpected )?error/);
      expect(r.code, r.stderr).toBe(130);
      // The run created the repository folder; interrupted, it leaves none behind.
      expect(await exists(repo)).toBe(false);

      await expectNextRunSucceeds(db, repo);
    },
    LONG,
  );

  it(
    "SIGKILL mid-dump: nothing committed; the next run takes the stale lock over and works",
    async () => {
      const { db, repo, run } = await startAndWaitForStaging();
      const pid = run.child.pid;
      run.child.kill("SIGKILL");
      const r = await run.done;

      expect(r.signal).toBe("SIGKILL");
      await expectNoCommit(repo);
      expect(await workTree(repo)).toEqual([]);
      // What a killed run cannot clean up: its lock (naming a process that is gone) and staging.
      expect(await readFile(join(repo, ".git", "tablesnap", "lock"), "utf8")).toBe(String(pid));
      expect(await exists(join(repo, ".git", "tablesnap", "staging"))).toBe(true);

      await expectNextRunSucceeds(db, repo);
    },
    LONG,
  );
});

describe("tablesnap backup: bad usage", () => {
  const cases: ReadonlyArray<{
    name: string;
    args: (url: string, repo: string) => string[];
    mentions: Array<string | RegExp>;
  }> = [
    {
      name: "an unknown flag",
      args: (url, repo) => [...backupArgs(url, repo), "--bogus"],
      mentions: ["--bogus"],
    },
    {
      name: "--jobs 0",
      args: (url, repo) => [...backupArgs(url, repo), "--jobs", "0"],
      mentions: ["--jobs", '"0"'],
    },
    {
      name: "--event nonsense",
      args: (url, repo) => [...backupArgs(url, repo), "--event", "nonsense"],
      mentions: ["--event", '"nonsense"'],
    },
    {
      name: "a missing --repo",
      args: (url) => ["backup", "--database-url", url],
      mentions: ["--repo", "required"],
    },
    {
      name: "a --database-url that is no URL",
      args: (_url, repo) => backupArgs("notaurl", repo),
      mentions: ["--database-url is not a PostgreSQL URL"],
    },
    {
      name: "a --database-url with a port that is no number",
      args: (_url, repo) => backupArgs("postgres://127.0.0.1:notaport/db", repo),
      mentions: ["--database-url is not a PostgreSQL URL"],
    },
    {
      name: "a --database-url of another scheme",
      args: (_url, repo) => backupArgs("https://127.0.0.1/db", repo),
      mentions: ["--database-url is not a PostgreSQL URL"],
    },
  ];

  for (const c of cases) {
    it(
      `exits 2 naming the flag for ${c.name}, touching nothing`,
      async () => {
        const db = await smallDatabase();
        const repo = join(await tempDir(), "repo");
        const r = await runCli(c.args(db.url, repo));
        expectOneErrorLine(r, ...c.mentions);
        expect(r.code).toBe(2);
        expect(await exists(repo)).toBe(false);
      },
      SHORT,
    );
  }
});
