import { S3ArtifactStore } from "@tablesnap/artifacts/s3";
import type { S3Settings } from "@tablesnap/config";
import type { DeliveryOptions } from "./types.ts";

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

/**
 * `TABLESNAP_ACK_WAIT` (seconds) as delivery options: how soon a message taken by a killed
 * service is delivered again. Undefined leaves each consumer's default.
 */
export function ackWaitDelivery(seconds: number | undefined): DeliveryOptions | undefined {
  return seconds === undefined ? undefined : { ackWaitMs: seconds * 1000 };
}

// The services share one logger (@tablesnap/core).
export { jsonLogger } from "@tablesnap/core";
