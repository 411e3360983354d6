// Test helpers other packages' tests use: `import … from "@tablesnap/restore/testing"`.
export * from "./backup-files.ts";
export * from "./helpers.ts";
