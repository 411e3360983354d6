import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Message, NatsBus } from "@tablesnap/bus";
import { deleteStreams, until } from "@tablesnap/testing";
import { afterEach, describe, expect, it } from "vitest";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
const ADMIN_URL = process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const SECRET = `ghp_${randomBytes(18).toString("hex")}`;
const sql = (command: string) =>
  promisify(execFile)("psql", [ADMIN_URL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command]);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  cleanups.push(async () => child.exitCode === null && child.kill("SIGKILL"));
  return { child, output: () => output };
}

describe("services/coordinator main.ts", () => {
  it("migrates, starts, turns a trigger into a dump message and stops cleanly on SIGTERM", async () => {
    const database = `tsnap_coordsvc_${randomBytes(4).toString("hex")}`;
    await sql(`CREATE DATABASE "${database}"`);
    cleanups.push(() => sql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    const stateUrl = new URL(ADMIN_URL);
    stateUrl.pathname = `/${database}`;
    const prefix = `ts${randomBytes(5).toString("hex")}`;
    cleanups.push(() => deleteStreams(NATS_URL, prefix));

    const { child, output } = start({
      ...{ TABLESNAP_STATE_URL: stateUrl.toString(), NATS_URL, TABLESNAP_NATS_PREFIX: prefix },
      ...{
        TABLESNAP_DATABASE_URL: "postgres://127.0.0.1/app",
        TABLESNAP_GITHUB_REPO: "acme/backups",
      },
      ...{ TABLESNAP_DEBOUNCE: "0", GITHUB_TOKEN: SECRET },
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await until("the coordinator to start", () => output().includes("coordinator started"));

    const bus = new NatsBus({ servers: NATS_URL, prefix });
    cleanups.push(() => bus.close());
    const dumps: Message<"dump">[] = [];
    await bus.consume("dump", { durable: "dump-workers" }, (d) => void dumps.push(d));
    const at = new Date().toISOString();
    await bus.publish("trigger", {
      ...{ id: "delivery-1", target: "default", source: "acme/api", event: "push" },
      ...{ ref: "abc1234", at },
    });
    await until("the dump message", () => dumps.length === 1);
    expect(dumps[0]).toMatchObject({ target: "default", run_id: expect.any(String) });

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output()).toMatch(/"msg":"stopped"/);
    expect(output()).not.toContain(SECRET);
  });

  it("refuses to start without its configuration, naming what is missing", async () => {
    const { child, output } = start({ TABLESNAP_NATS_PREFIX: "unused" });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output()).toMatch(/TABLESNAP_DATABASE_URL: required/);
  });
});
