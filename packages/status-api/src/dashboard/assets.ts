import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const own = (name: string) => fileURLToPath(new URL(`../../assets/${name}`, import.meta.url));

/** The files the pages load, all from this server: the page works with no internet. */
const FILES: Readonly<Record<string, { path: () => string; type: string }>> = {
  "dashboard.js": { path: () => own("dashboard.js"), type: "text/javascript; charset=utf-8" },
  "dashboard.css": { path: () => own("dashboard.css"), type: "text/css; charset=utf-8" },
  "uPlot.iife.min.js": {
    path: () => require.resolve("uplot/dist/uPlot.iife.min.js"),
    type: "text/javascript; charset=utf-8",
  },
  "uPlot.min.css": {
    path: () => require.resolve("uplot/dist/uPlot.min.css"),
    type: "text/css; charset=utf-8",
  },
};

const cache = new Map<string, Uint8Array>();

/** A dashboard asset's bytes and type, or null for a name that is not one. */
export function asset(name: string): { body: Uint8Array; type: string } | null {
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (file === undefined) return null;
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(file.path());
    cache.set(name, body);
  }
  return { body, type: file.type };
}
