import { fileURLToPath } from "node:url";
import { psql } from "./postgres.ts";

/** Absolute path of test/fixtures/hard-cases.sql. */
export const hardCasesSql: string = fileURLToPath(
  new URL("../fixtures/hard-cases.sql", import.meta.url),
);

/** Loads the hard-cases fixture into the database at `url` with the real psql (ON_ERROR_STOP). */
export async function loadHardCases(url: string): Promise<void> {
  await psql(url, { file: hardCasesSql });
}
