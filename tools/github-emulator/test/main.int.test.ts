import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedOctokit, gitCli } from "./helpers.ts";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("src/main.ts: the emulator as a process", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gh-emulator-main-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints its URL, serves the API and the control endpoints, stops on SIGTERM", async () => {
    const data = join(dir, "data");
    const child = spawn(
      process.execPath,
      [main, "--port", "0", "--data", data, "--token", "cli-token"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [url] = (await Promise.race([
        once(lines, "line"),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("no URL within 20 s")), 20_000),
        ),
      ])) as [string];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const octokit = checkedOctokit(url, { auth: "cli-token" });
      await octokit.rest.repos.createInOrg({ org: "acme", name: "cli", auto_init: true });
      expect(gitCli(join(data, "acme", "cli.git"), ["log", "--format=%s", "main"])).toBe(
        "Initial commit",
      );
      const counts = (await (await fetch(`${url}/_emulator/counts`)).json()) as { writes: number };
      expect(counts.writes).toBe(1);
    } finally {
      child.kill("SIGTERM");
    }
    const code = child.exitCode ?? (await once(child, "exit"))[0];
    expect(code).toBe(0);
  });
});
