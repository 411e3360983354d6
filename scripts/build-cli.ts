// Bundles the CLI into services/cli/dist/ with esbuild, so that `./tablesnap` starts without
// type-stripping and resolving ~400 modules on every run. Commands load their code lazily
// (split chunks). The service packages `serve` loads (the state store with its migrations
// folder, the status API with its dashboard assets) read files next to their source, so they
// stay outside the bundle and load from source, as in development.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}services/cli/dist`;
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
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(`build-cli: ${outdir} (${(bytes / 1048576).toFixed(1)} MiB with source maps)`);
