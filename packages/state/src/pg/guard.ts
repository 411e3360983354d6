import { messageOf, TablesnapError } from "@tablesnap/core";
import { StateStoreError } from "../errors.ts";

/** Runs a store operation; anything but tablesnap's own errors becomes a retriable StateStoreError. */
export async function guarded<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (error instanceof TablesnapError) throw error;
    throw new StateStoreError(`state store: ${what} failed: ${messageOf(error)}`, { cause: error });
  }
}
