export {
  ArtifactNotFoundError,
  ArtifactStoreError,
  InvalidArtifactPathError,
} from "./errors.ts";
export { FsArtifactStore } from "./fs/fs-store.ts";
export { Digest } from "./hashing.ts";
export { MemoryArtifactStore } from "./memory/memory-store.ts";
export { observeClosedFiles } from "./observed.ts";
export { checkArtifactPath } from "./path.ts";
export { readText, writeText } from "./text.ts";
export type { ArtifactStore, ArtifactWriter } from "./types.ts";
