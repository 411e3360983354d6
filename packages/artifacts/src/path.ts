import { InvalidArtifactPathError } from "./errors.ts";

/** Refuses absolute paths, empty segments, `.` and `..`, so a store never writes outside itself. */
export function checkArtifactPath(path: string): string {
  const parts = path.split("/");
  if (path.length === 0 || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new InvalidArtifactPathError(path);
  }
  if (path.includes("\\") || path.includes("\0")) throw new InvalidArtifactPathError(path);
  return path;
}

export function underPrefix(path: string, prefix: string | undefined): boolean {
  if (prefix === undefined || prefix === "") return true;
  const p = prefix.endsWith("/") ? prefix : `${prefix}/`;
  return path === prefix || path.startsWith(p);
}
