// Bundles the CLI into services/cli/dist/ with esbuild, so that `./tablesnap` starts without
// type-stripping and resolving ~400 modules on every run. Commands load their code lazily
// (split chunks). The service packages `serve` loads (the state store with its migrations
// folder, the status API with its dashboard assets) read files next to their source, so they
// stay outside the bundle and load from source, as in development.
import { renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = `${root}services/cli/dist`;
// Built beside the old bundle, then swapped in: a CLI running from the old one keeps its chunks
// until the swap, and never sees a half-written folder.
const outdir = `${dist}.building-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: "services/cli/src/main.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  metafile: true,
  external: ["@tablesnap/state", "@tablesnap/status-api"],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: {
    js: "import { createRequire as __tablesnapRequire } from 'node:module'; const require = __tablesnapRequire(import.meta.url);",
  },
  logLevel: "warning",
});
const old = `${dist}.old-${process.pid}`;
try {
  renameSync(dist, old);
} catch {
  // no bundle yet
}
renameSync(outdir, dist);
rmSync(old, { recursive: true, force: true });
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(`build-cli: ${dist} (${(bytes / 1048576).toFixed(1)} MiB with source maps)`);
