/** Helpers of the encryption tests: age keys, and searching a repository for plaintext. */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { decrypting, readIdentityFiles } from "@tablesnap/encryption";
import { generateX25519Identity, identityToRecipient } from "age-encryption";

export const run = promisify(execFile);

/** Strings planted in public.* rows: none may reach the repository in plain text. */
export const MARKERS = [
  "Marker Name 5e1f0c",
  "marker-mail-5e1f0c@example.com",
  "marker note 5e1f0c",
  "marker-sensor-5e1f0c",
];

export async function newKey(dir: string, name: string) {
  const secret = await generateX25519Identity();
  const file = join(dir, `${name}.txt`);
  const recipient = await identityToRecipient(secret);
  await writeFile(file, `# public key: ${recipient}\n${secret}\n`, { mode: 0o600 });
  return { secret, recipient, file };
}

/** A stored `.age` file's plaintext, opened with an identity file. */
export async function decryptFile(path: string, identityFile: string): Promise<string> {
  const ids = await readIdentityFiles([identityFile]);
  const chunks: Uint8Array[] = [];
  const stored = (async function* () {
    yield await readFile(path);
  })();
  for await (const c of decrypting(stored, ids, path, [...ids.recipients])) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

/** Every object in a git directory, loose or packed, reachable or not, decompressed. */
async function everyObject(gitDir: string): Promise<Buffer> {
  const r = await run("git", ["--git-dir", gitDir, "cat-file", "--batch-all-objects", "--batch"], {
    encoding: "buffer",
    maxBuffer: 1 << 30,
  });
  return r.stdout;
}

export async function blobNames(gitDir: string): Promise<Set<string>> {
  const r = await run("git", [
    "--git-dir",
    gitDir,
    "cat-file",
    "--batch-all-objects",
    "--batch-check=%(objecttype) %(objectname)",
  ]);
  return new Set(
    r.stdout
      .split("\n")
      .filter((l) => l.startsWith("blob "))
      .map((l) => l.slice(5)),
  );
}

/** The markers found anywhere in the repository: its objects, its work tree, `git grep`. */
export async function leaked(repo: string, gitDir = join(repo, ".git")): Promise<string[]> {
  const objects = await everyObject(gitDir);
  const found = MARKERS.filter((m) => objects.includes(m));
  const commits = (await run("git", ["--git-dir", gitDir, "rev-list", "--all"])).stdout.split("\n");
  for (const m of MARKERS) {
    const g = await run("git", [
      "--git-dir",
      gitDir,
      "grep",
      "-a",
      "-F",
      m,
      ...commits.filter(Boolean),
    ])
      .then(() => true)
      .catch((e: { code?: number }) => (e.code === 1 ? false : Promise.reject(e)));
    if (g) found.push(`git grep: ${m}`);
  }
  return found;
}
