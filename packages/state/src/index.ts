export type { CursorPosition } from "./cursor.ts";
export { decodeCursor, encodeCursor } from "./cursor.ts";
export {
  InvalidCursorError,
  RunNotFoundError,
  StateStoreError,
  TableJobNotFoundError,
} from "./errors.ts";
export { newRunId } from "./ids.ts";
export { MemoryStateStore } from "./memory/memory-store.ts";
export { MIGRATIONS_FOLDER, migrate } from "./pg/migrate.ts";
export { PgStateStore } from "./pg/pg-store.ts";
export { runTotals } from "./rules.ts";
export type {
  Attempt,
  ClaimOptions,
  FinalRunStatus,
  FinishFields,
  ListedRun,
  ListRunsOptions,
  NewTrigger,
  RecordOptions,
  RecordResult,
  Run,
  RunDetail,
  RunFields,
  RunPage,
  RunProgress,
  RunStatus,
  RunTotals,
  RunWithTriggers,
  SlotResult,
  StateStore,
  TableJob,
  TableRef,
  TableStatus,
  TableUpdate,
  TargetSummary,
  Transition,
  TriggerEvent,
  TriggerRecord,
} from "./types.ts";
export { GOOD_STATUSES, RUN_STATUSES, TABLE_STATUSES } from "./types.ts";
