// A subpath of its own (`@tablesnap/artifacts/s3`): the minio client it loads costs start-up time
// and memory that the CLI's file-system stores do not need.
export type { S3ArtifactStoreOptions } from "./s3-client.ts";
export { S3ArtifactStore } from "./s3-store.ts";
