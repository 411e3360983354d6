import { type Manifest, plainBytes, type StorageSection } from "@tablesnap/core";

/** The manifest with its storage section; the listings count in its totals like any file. */
export function withStorageSection(m: Manifest, section: StorageSection): Manifest {
  const listings = section.buckets.flatMap((b) => b.files);
  return {
    ...m,
    storage: section,
    totals: {
      ...m.totals,
      files: m.totals.files + listings.length,
      bytes: m.totals.bytes + listings.reduce((a, f) => a + plainBytes(f), 0),
    },
  };
}
