import { S3ArtifactStore } from "@tablesnap/artifacts";
import type { S3Settings } from "@tablesnap/config";

/** The services' bucket (created when missing), one store per run prefix via `forPrefix`. */
export async function openArtifactBucket(s: S3Settings): Promise<S3ArtifactStore> {
  const store = new S3ArtifactStore({
    endpoint: s.endpoint,
    accessKey: s.accessKey,
    secretKey: s.secretKey,
    bucket: s.bucket,
    region: s.region,
  });
  await store.ensureBucket();
  return store;
}

// The services share one logger (@tablesnap/core).
export { jsonLogger } from "@tablesnap/core";
