import { defineConfig } from "vitest/config";

const shared = [
  "packages/*/{src,test}/**",
  "services/*/{src,test}/**",
  "test/**",
  "tools/*/{src,test}/**",
];

export default defineConfig({
  test: {
    // One temporary folder per run, removed at its end (test/src/tmp-root.ts).
    globalSetup: ["test/src/tmp-root.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: shared.map((g) => `${g}/*.test.ts`),
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: shared.map((g) => `${g}/*.int.test.ts`),
          exclude: ["**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
