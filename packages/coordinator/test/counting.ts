import type { StateStore } from "@tablesnap/state";

/** The store as it is, counting `claimDueRun` calls: a coordinator's rounds, to wait on. */
export function countingClaims(state: StateStore): { state: StateStore; claims: () => number } {
  let claims = 0;
  const wrapped = new Proxy(state, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property !== "claimDueRun") return value.bind(target);
      return (...args: unknown[]) => {
        claims += 1;
        return value.apply(target, args);
      };
    },
  });
  return { state: wrapped, claims: () => claims };
}
